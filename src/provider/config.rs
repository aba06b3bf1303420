//! The provider block: its declaration, the one way a setting is read, and the client
//! configuration it gives.
//!
//! Every attribute can also come from the environment variable `PARTNERCENTER_<NAME>`
//! ([`variable`]). The block wins; null or the empty string there leave the setting to the
//! variable, and an unset or empty variable to the default. A value is checked by the same
//! [`Rule`] wherever it came from, and an error about a value from the environment names the
//! variable. Adding a setting is a field below and a [`Reader::setting`] call where it is used.

use std::fmt;

use crate::framework::{Attr, AttrValue};
use crate::partnercenter::{ClientConfig, Credentials, Environment, QualificationApi, Secret};
use crate::protocol::value::Number;
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::values::path;
use crate::quote::{QUOTED_CHARS, excerpt, quote};

/// Markdown, for the docs and `terraform providers schema`.
pub(crate) const DESCRIPTION: &str = "Configures access to Microsoft Partner Center. Every \
    attribute can instead come from the environment variable named in its description.";

crate::object! {
    #[names(ConfigNames)]
    /// The provider block; each description names the attribute's [`variable`].
    pub struct Config {
        base_url: String => Optional(
            "The Partner Center API root. Defaults to the one of `environment` \
            (`https://api.partnercenter.microsoft.com` for `public`); set it for a local sandbox. \
            Environment: `PARTNERCENTER_BASE_URL`."
        ),
        access_token: String => Optional(
            "A ready Partner Center access token. When set, it is used as is and the other \
            credentials are ignored. Environment: `PARTNERCENTER_ACCESS_TOKEN`."
        ).sensitive(),
        tenant_id: String => Optional(
            "The partner's Entra ID tenant, for the token requests. Environment: `PARTNERCENTER_TENANT_ID`."
        ),
        client_id: String => Optional(
            "The application (client) id registered for Partner Center. Environment: `PARTNERCENTER_CLIENT_ID`."
        ),
        client_secret: String => Optional(
            "The application's client secret. Environment: `PARTNERCENTER_CLIENT_SECRET`."
        ).sensitive(),
        refresh_token: String => Optional(
            "An App+User refresh token, needed to set qualifications. Without it (and without \
            `access_token`) the provider authenticates app-only, which is enough for reads. \
            Environment: `PARTNERCENTER_REFRESH_TOKEN`."
        ).sensitive(),
        authority_url: String => Optional(
            "The token authority. Defaults to the one of `environment` \
            (`https://login.microsoftonline.com` for `public`). \
            Environment: `PARTNERCENTER_AUTHORITY_URL`."
        ),
        max_retries: Number => Optional(
            "How many times a request is retried after throttling (429, honouring \
            `Retry-After`), a 5xx answer or a connection failure, with exponential backoff and \
            jitter: a whole number from 0 (no retries) to 20. Defaults to 5. \
            Environment: `PARTNERCENTER_MAX_RETRIES`."
        ),
        qualification_api: String => Optional(
            "Which Partner Center contract sets and reads qualifications: `legacy` (the \
            default), the documented `PUT` / `GET /v1/customers/{id}/qualification`; or `async`, \
            `POST` / `GET /v1/customers/{id}/qualifications` with vetting, which Microsoft announced \
            as the PUT's successor and which also sets `StateOwnedEntity`. \
            Environment: `PARTNERCENTER_QUALIFICATION_API`."
        ),
        explain_drift: bool => Optional(
            "Whether a drift warning says who changed the qualification outside Terraform, \
            and when: on a refresh that finds a qualification other than the state's, the \
            provider reads that customer's last 30 days of Partner Center's activity log \
            (`GET /v1/auditrecords`, one lookup per drifted resource, none without drift). \
            Defaults to `true`; `false` skips the lookup. Environment: \
            `PARTNERCENTER_EXPLAIN_DRIFT`."
        ),
        environment: String => Optional(
            "The Partner Center the partner belongs to, which sets the API root, the sign-in \
            authority and the token resource together: `public` (the default, the global Partner \
            Center), `usgovernment` (Partner Center for Microsoft Cloud for US Government) or \
            `china` (Partner Center operated by 21Vianet). `base_url` and `authority_url` still \
            override their part. Environment: `PARTNERCENTER_ENVIRONMENT`."
        ),
    }
}

const NAMES: ConfigNames = Config::NAMES;

/// The environment variable beside attribute `name`.
pub(crate) fn variable(name: &str) -> String {
    format!("PARTNERCENTER_{}", name.to_ascii_uppercase())
}

/// Where environment variables come from (the process, or a map in tests).
pub(crate) trait Env {
    fn var(&self, key: &str) -> Option<String>;
}

#[derive(Debug)]
pub(crate) struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

/// A type a setting is declared with, as an environment variable spells it.
pub(crate) trait FromText: AttrValue {
    /// The value `text` spells, if it spells one.
    fn from_text(text: &str) -> Option<Self>;
    /// The value written in the block, as a message quotes it.
    fn show(&self) -> String;
    /// Whether the value leaves the setting to the environment, as the empty string does.
    fn is_empty(&self) -> bool {
        false
    }
}

impl FromText for String {
    fn from_text(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }

    fn show(&self) -> String {
        quote(self).to_string()
    }

    fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }
}

/// A number as Terraform reads one written as a string.
impl FromText for Number {
    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }

    fn show(&self) -> String {
        excerpt(&self.to_string(), QUOTED_CHARS).to_string()
    }
}

impl FromText for bool {
    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }

    fn show(&self) -> String {
        self.to_string()
    }
}

/// What a setting's value must be, and what it then means.
pub(crate) struct Rule<A, T> {
    /// Ends "{name} must be …" in the message about a value that breaks the rule.
    must_be: &'static str,
    read: fn(&A) -> Option<T>,
}

/// Any value of the declared type, as it is.
fn as_is<A: Clone>(value: &A) -> Option<A> {
    Some(value.clone())
}

const TEXT: Rule<String, String> = Rule {
    must_be: "text",
    read: as_is,
};

const URL: Rule<String, String> = Rule {
    must_be: "an http(s) URL such as https://api.partnercenter.microsoft.com",
    read: |url| {
        let valid = reqwest::Url::parse(url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        valid.then(|| url.clone())
    },
};

/// The upper bound of `max_retries`, which its description and its rule state.
const MAX_RETRIES_LIMIT: u32 = 20;

const MAX_RETRIES: Rule<Number, u32> = Rule {
    must_be: "a whole number from 0 to 20",
    read: |number| {
        let n = u32::try_from(number.as_i64()?).ok()?;
        (n <= MAX_RETRIES_LIMIT).then_some(n)
    },
};

const ENVIRONMENT: Rule<String, Environment> = Rule {
    must_be: "\"public\", \"usgovernment\" or \"china\"",
    read: |text| text.parse().ok(),
};

const CONTRACT: Rule<String, QualificationApi> = Rule {
    must_be: "\"legacy\" or \"async\"",
    read: |text| text.parse().ok(),
};

const SWITCH: Rule<bool, bool> = Rule {
    must_be: "true or false",
    read: as_is,
};

/// Where a value came from. Displayed, it is the note an error about the value ends with.
#[derive(Clone, Copy, Debug)]
enum Origin<'a> {
    Block,
    Env(&'a str),
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Block => Ok(()),
            Origin::Env(variable) => write!(f, " (from {variable})"),
        }
    }
}

fn invalid(name: &str, must_be: &str, shown: &str, origin: Origin<'_>) -> Diagnostic {
    Diagnostic::error(
        format!("Invalid {name}"),
        format!("{name} must be {must_be}; got {shown}{origin}."),
    )
    .at(path(name))
}

fn not_known_yet(name: &str, variable: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{name} is not known yet"),
        format!(
            "The value of {name} will be known only after apply, but the provider needs it to \
             plan. Use a value known at plan time: a literal, a variable, or the {variable} \
             environment variable."
        ),
    )
    .at(path(name))
}

/// Reads settings, collecting every problem. With an environment (configure) every value must
/// be known; without one (validate) only the block is read and unknown values wait.
struct Reader<'a> {
    env: Option<&'a dyn Env>,
    problems: Diagnostics,
}

impl Reader<'_> {
    /// Setting `name`, as `block` or else its variable gives it, read by `rule`: `None` when
    /// neither gives it (the default applies) or when it is reported as a problem.
    fn setting<A: FromText, T>(
        &mut self,
        name: &'static str,
        block: &Attr<A>,
        rule: &Rule<A, T>,
    ) -> Option<T> {
        let variable = variable(name);
        let read = match block {
            Attr::Unknown => {
                if self.env.is_some() {
                    self.problems.push(not_known_yet(name, &variable));
                }
                return None;
            }
            Attr::Known(value) if !value.is_empty() => {
                (rule.read)(value).ok_or_else(|| (value.show(), Origin::Block))
            }
            Attr::Known(_) | Attr::Null => {
                let text = self.env?.var(&variable).filter(|text| !text.is_empty())?;
                A::from_text(&text)
                    .as_ref()
                    .and_then(rule.read)
                    .ok_or_else(|| (quote(&text).to_string(), Origin::Env(&variable)))
            }
        };
        read.map_err(|(shown, origin)| {
            self.problems
                .push(invalid(name, rule.must_be, &shown, origin));
        })
        .ok()
    }
}

/// Neither a ready token nor the app's credentials are complete.
#[derive(Debug, thiserror::Error)]
#[error(
    "Set access_token (PARTNERCENTER_ACCESS_TOKEN), or tenant_id, client_id and client_secret \
     (PARTNERCENTER_TENANT_ID, PARTNERCENTER_CLIENT_ID, PARTNERCENTER_CLIENT_SECRET) with \
     refresh_token (PARTNERCENTER_REFRESH_TOKEN) for App+User access. Missing: {}.",
    .missing.join(", ")
)]
struct MissingCredentials {
    missing: Vec<&'static str>,
}

impl From<MissingCredentials> for Diagnostic {
    fn from(error: MissingCredentials) -> Self {
        Diagnostic::error("Missing Partner Center credentials", error.to_string())
    }
}

/// A ready token wins; then App+User with a refresh token, else app-only.
fn credentials(read: &mut Reader<'_>, config: &Config) -> Result<Credentials, MissingCredentials> {
    let access_token = read.setting(NAMES.access_token, &config.access_token, &TEXT);
    let tenant_id = read.setting(NAMES.tenant_id, &config.tenant_id, &TEXT);
    let client_id = read.setting(NAMES.client_id, &config.client_id, &TEXT);
    let client_secret = read.setting(NAMES.client_secret, &config.client_secret, &TEXT);
    let refresh_token = read.setting(NAMES.refresh_token, &config.refresh_token, &TEXT);
    match (access_token, tenant_id, client_id, client_secret) {
        (Some(token), ..) => Ok(Credentials::AccessToken(Secret::new(token))),
        (None, Some(tenant_id), Some(client_id), Some(secret)) => Ok(match refresh_token {
            Some(refresh) => Credentials::RefreshToken {
                tenant_id,
                client_id,
                client_secret: Secret::new(secret),
                refresh_token: Secret::new(refresh),
            },
            None => Credentials::ClientCredentials {
                tenant_id,
                client_id,
                client_secret: Secret::new(secret),
            },
        }),
        (None, tenant_id, client_id, client_secret) => Err(MissingCredentials {
            missing: [
                (NAMES.tenant_id, tenant_id.is_none()),
                (NAMES.client_id, client_id.is_none()),
                (NAMES.client_secret, client_secret.is_none()),
            ]
            .into_iter()
            .filter_map(|(name, absent)| absent.then_some(name))
            .collect(),
        }),
    }
}

/// The client configuration the block gives, completed from `env`; or every problem found.
/// Without `env` (validation) only the block's known values are checked and missing
/// credentials are no problem yet, so the error may hold nothing.
fn client_config(
    config: &Config,
    env: Option<&dyn Env>,
    user_agent: String,
) -> Result<ClientConfig, Diagnostics> {
    let mut read = Reader {
        env,
        problems: Diagnostics::default(),
    };
    let environment = read.setting(NAMES.environment, &config.environment, &ENVIRONMENT);
    let base_url = read.setting(NAMES.base_url, &config.base_url, &URL);
    let authority_url = read.setting(NAMES.authority_url, &config.authority_url, &URL);
    let max_retries = read.setting(NAMES.max_retries, &config.max_retries, &MAX_RETRIES);
    let qualification_api = read.setting(
        NAMES.qualification_api,
        &config.qualification_api,
        &CONTRACT,
    );
    let explain_drift = read.setting(NAMES.explain_drift, &config.explain_drift, &SWITCH);
    let credentials = credentials(&mut read, config);
    let mut problems = read.problems;
    let credentials = match credentials {
        Ok(credentials) => credentials,
        Err(missing) => {
            // An unknown credential is already reported; nothing is missing before it is known.
            let unknown = [
                &config.access_token,
                &config.tenant_id,
                &config.client_id,
                &config.client_secret,
                &config.refresh_token,
            ]
            .iter()
            .any(|credential| credential.is_unknown());
            if env.is_some() && !unknown {
                problems.push(missing.into());
            }
            return Err(problems);
        }
    };
    problems.into_result()?;
    let mut client = ClientConfig::new(credentials, user_agent);
    // Before the URLs, which override their part of it.
    if let Some(environment) = environment {
        client.set_environment(environment);
    }
    if let Some(base_url) = base_url {
        client.base_url = base_url;
    }
    if let Some(authority_url) = authority_url {
        client.authority_url = authority_url;
    }
    if let Some(max_retries) = max_retries {
        client.max_retries = max_retries;
    }
    if let Some(api) = qualification_api {
        client.qualification_api = api;
    }
    if let Some(explain) = explain_drift {
        client.explain_drift = explain;
    }
    Ok(client)
}

/// Checks what is known of the block; unknown values wait for configure, and so does the
/// environment.
pub(crate) fn validate(config: &Config) -> Diagnostics {
    client_config(config, None, String::new())
        .err()
        .unwrap_or_default()
}

/// The client configuration the block and `env` give, for a client sending `user_agent`.
pub(crate) fn configure(
    config: &Config,
    env: &dyn Env,
    user_agent: String,
) -> Result<ClientConfig, Diagnostics> {
    client_config(config, Some(env), user_agent)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::framework::Object;
    use crate::protocol::Type;

    impl Env for HashMap<&'static str, &'static str> {
        fn var(&self, key: &str) -> Option<String> {
            self.get(key).map(|v| (*v).to_owned())
        }
    }

    fn text(value: &str) -> Attr<String> {
        Attr::Known(value.to_owned())
    }

    fn number(value: impl Into<Number>) -> Attr<Number> {
        Attr::Known(value.into())
    }

    fn resolve(config: &Config, env: &dyn Env) -> Result<ClientConfig, Diagnostics> {
        configure(config, env, "test".to_owned())
    }

    /// The demo's App+User credentials, all from the environment.
    fn app_user_env() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("PARTNERCENTER_TENANT_ID", "t"),
            ("PARTNERCENTER_CLIENT_ID", "c"),
            ("PARTNERCENTER_CLIENT_SECRET", "s"),
            ("PARTNERCENTER_REFRESH_TOKEN", "r"),
        ])
    }

    #[track_caller]
    fn says(diagnostic: &Diagnostic, part: &str) {
        assert!(diagnostic.detail.contains(part), "{}", diagnostic.detail);
    }

    #[track_caller]
    fn ends(diagnostic: &Diagnostic, tail: &str) {
        assert!(diagnostic.detail.ends_with(tail), "{}", diagnostic.detail);
    }

    fn description(name: &str) -> &'static str {
        Config::attributes()
            .into_iter()
            .find(|a| a.name == name)
            .expect("an attribute")
            .description
    }

    #[test]
    fn schema_marks_secrets_sensitive() {
        let attributes = Config::attributes();
        let attribute = |name| attributes.iter().find(|a| a.name == name).unwrap();
        for name in ["access_token", "client_secret", "refresh_token"] {
            assert!(attribute(name).sensitive, "{name}");
        }
        assert!(!attribute("tenant_id").sensitive);
        assert_eq!(attribute("max_retries").ty, Type::Number);
    }

    #[test]
    fn every_description_names_its_variable() {
        for attribute in Config::attributes() {
            let named = format!("Environment: `{}`.", variable(attribute.name));
            assert!(
                attribute.description.ends_with(&named),
                "{}",
                attribute.description
            );
        }
    }

    #[test]
    fn max_retries_description_and_rule_state_the_limit() {
        let limit = format!("to {MAX_RETRIES_LIMIT}");
        assert!(
            description("max_retries").contains(&format!("{limit}.")),
            "{}",
            description("max_retries")
        );
        assert!(MAX_RETRIES.must_be.ends_with(&limit));
    }

    #[test]
    fn qualification_api_from_block_or_environment() {
        let config = resolve(&Config::default(), &app_user_env()).unwrap();
        assert_eq!(config.qualification_api, QualificationApi::Legacy);
        let mut env = app_user_env();
        env.insert("PARTNERCENTER_QUALIFICATION_API", "async");
        let config = resolve(&Config::default(), &env).unwrap();
        assert_eq!(config.qualification_api, QualificationApi::Async);
        let from_block = Config {
            qualification_api: text("legacy"),
            ..Config::default()
        };
        let config = resolve(&from_block, &env).unwrap();
        assert_eq!(config.qualification_api, QualificationApi::Legacy);

        env.insert("PARTNERCENTER_QUALIFICATION_API", "v2");
        let err = resolve(&Config::default(), &env).unwrap_err();
        assert_eq!(err.0[0].summary, "Invalid qualification_api");
        ends(
            &err.0[0],
            "got \"v2\" (from PARTNERCENTER_QUALIFICATION_API).",
        );
        let bad_block = Config {
            qualification_api: text("put"),
            ..Config::default()
        };
        let diagnostics = validate(&bad_block);
        assert_eq!(diagnostics.0[0].path, Some(path("qualification_api")));
        ends(&diagnostics.0[0], "got \"put\".");
    }

    #[test]
    fn environment_sets_the_cloud_and_the_urls_override_their_part() {
        let endpoints = |config: &ClientConfig| {
            (
                config.environment,
                config.base_url.clone(),
                config.authority_url.clone(),
                config.token_resource.clone(),
            )
        };
        let mut env = app_user_env();
        env.insert("PARTNERCENTER_ENVIRONMENT", "china");
        let china = resolve(&Config::default(), &env).unwrap();
        let mut expected = ClientConfig::new(china.credentials.clone(), "test".to_owned());
        expected.set_environment(Environment::China);
        assert_eq!(endpoints(&china), endpoints(&expected));

        let block = Config {
            environment: text("UsGovernment"),
            authority_url: text("http://127.0.0.1:1"),
            ..Config::default()
        };
        let config = resolve(&block, &env).unwrap();
        assert_eq!(
            endpoints(&config),
            (
                Environment::UsGovernment,
                Environment::UsGovernment.api_root().to_owned(),
                "http://127.0.0.1:1".to_owned(),
                Environment::UsGovernment.token_resource().to_owned(),
            ),
            "the block wins, and authority_url overrides only the authority"
        );
    }

    #[test]
    fn a_wrong_environment_names_the_accepted_values() {
        let block = Config {
            environment: text("azurechinacloud"),
            ..Config::default()
        };
        let diagnostics = validate(&block);
        assert_eq!(diagnostics.0.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics.0[0].summary, "Invalid environment");
        assert_eq!(diagnostics.0[0].path, Some(path("environment")));
        ends(
            &diagnostics.0[0],
            "environment must be \"public\", \"usgovernment\" or \"china\"; got \"azurechinacloud\".",
        );
        let mut env = app_user_env();
        env.insert("PARTNERCENTER_ENVIRONMENT", "gcc");
        let err = resolve(&Config::default(), &env).unwrap_err();
        ends(&err.0[0], "got \"gcc\" (from PARTNERCENTER_ENVIRONMENT).");
    }

    #[test]
    fn explain_drift_from_block_or_environment() {
        let explains =
            |block: &Config, env: &HashMap<_, _>| resolve(block, env).map(|c| c.explain_drift);
        assert_eq!(explains(&Config::default(), &app_user_env()), Ok(true));
        let mut env = app_user_env();
        env.insert("PARTNERCENTER_EXPLAIN_DRIFT", "false");
        assert_eq!(explains(&Config::default(), &env), Ok(false));
        let from_block = Config {
            explain_drift: Attr::Known(true),
            ..Config::default()
        };
        assert_eq!(explains(&from_block, &env), Ok(true));

        env.insert("PARTNERCENTER_EXPLAIN_DRIFT", "no");
        let err = resolve(&Config::default(), &env).unwrap_err();
        assert_eq!(err.0[0].summary, "Invalid explain_drift");
        assert_eq!(err.0[0].path, Some(path("explain_drift")));
        ends(
            &err.0[0],
            "must be true or false; got \"no\" (from PARTNERCENTER_EXPLAIN_DRIFT).",
        );
    }

    #[test]
    fn environment_fills_what_the_block_leaves_out() {
        let mut env = app_user_env();
        env.insert("PARTNERCENTER_MAX_RETRIES", "3");
        let block = Config {
            client_id: text("from-block"),
            ..Config::default()
        };
        let config = resolve(&block, &env).unwrap();
        assert_eq!(config.max_retries, 3);
        match config.credentials {
            Credentials::RefreshToken { client_id, .. } => assert_eq!(client_id, "from-block"),
            other => panic!("expected App+User credentials, got {other:?}"),
        }
    }

    #[test]
    fn defaults_stand_where_neither_sets_a_value() {
        let config = resolve(&Config::default(), &app_user_env()).unwrap();
        let defaults = ClientConfig::new(config.credentials.clone(), "test".to_owned());
        assert_eq!(
            format!("{config:?}"),
            format!("{defaults:?}"),
            "nothing set, nothing changed"
        );
    }

    #[test]
    fn access_token_wins_and_app_only_without_refresh_token() {
        let env = HashMap::from([
            ("PARTNERCENTER_ACCESS_TOKEN", "a"),
            ("PARTNERCENTER_TENANT_ID", "t"),
        ]);
        let config = resolve(&Config::default(), &env).unwrap();
        assert!(matches!(config.credentials, Credentials::AccessToken(_)));
        let mut env = app_user_env();
        env.remove("PARTNERCENTER_REFRESH_TOKEN");
        let config = resolve(&Config::default(), &env).unwrap();
        assert!(matches!(
            config.credentials,
            Credentials::ClientCredentials { .. }
        ));
    }

    #[test]
    fn missing_credentials_say_what_is_missing() {
        let env = HashMap::from([("PARTNERCENTER_TENANT_ID", "t")]);
        let err = resolve(&Config::default(), &env).unwrap_err();
        assert_eq!(err.0.len(), 1);
        says(&err.0[0], "Missing: client_id, client_secret.");
        // Only configure asks for credentials: they may come from the environment.
        assert!(validate(&Config::default()).0.is_empty());
    }

    #[test]
    fn empty_strings_are_unset_in_validate_and_resolve() {
        let block = Config {
            base_url: text(""),
            access_token: text(""),
            ..Config::default()
        };
        assert!(validate(&block).0.is_empty());
        let mut env = app_user_env();
        env.insert("PARTNERCENTER_BASE_URL", "http://127.0.0.1:1");
        env.insert("PARTNERCENTER_AUTHORITY_URL", "");
        let config = resolve(&block, &env).unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:1");
        assert_eq!(
            config.authority_url,
            crate::partnercenter::DEFAULT_AUTHORITY_URL
        );
        assert!(matches!(
            config.credentials,
            Credentials::RefreshToken { .. }
        ));
    }

    #[test]
    fn bad_values_point_at_their_attribute() {
        let block = Config {
            base_url: text("ftp://x"),
            max_retries: number(-1),
            ..Config::default()
        };
        let diagnostics = validate(&block);
        let paths: Vec<_> = diagnostics
            .0
            .iter()
            .map(|d| d.path.clone().unwrap().to_string())
            .collect();
        assert_eq!(paths, vec!["base_url", "max_retries"]);
        assert!(
            diagnostics.0.iter().all(|d| !d.detail.contains("(from")),
            "{diagnostics:?}"
        );
        let env = HashMap::from([
            ("PARTNERCENTER_ACCESS_TOKEN", "a"),
            ("PARTNERCENTER_MAX_RETRIES", "lots"),
        ]);
        let err = resolve(&Config::default(), &env).unwrap_err();
        assert_eq!(err.0[0].path, Some(path("max_retries")));
    }

    #[test]
    fn bad_values_from_the_environment_name_the_variable() {
        let env = HashMap::from([
            ("PARTNERCENTER_ACCESS_TOKEN", "a"),
            ("PARTNERCENTER_BASE_URL", "ftp://x"),
            ("PARTNERCENTER_AUTHORITY_URL", "login"),
            ("PARTNERCENTER_MAX_RETRIES", "21"),
        ]);
        let err = resolve(&Config::default(), &env).unwrap_err();
        assert_eq!(err.0.len(), 3, "{err:?}");
        ends(&err.0[0], "got \"ftp://x\" (from PARTNERCENTER_BASE_URL).");
        ends(
            &err.0[1],
            "got \"login\" (from PARTNERCENTER_AUTHORITY_URL).",
        );
        ends(&err.0[2], "got \"21\" (from PARTNERCENTER_MAX_RETRIES).");
        // The same value in the block names no variable.
        let block = Config {
            max_retries: number(21),
            ..Config::default()
        };
        let err = resolve(
            &block,
            &HashMap::from([("PARTNERCENTER_ACCESS_TOKEN", "a")]),
        )
        .unwrap_err();
        ends(&err.0[0], "got 21.");
    }

    #[test]
    fn long_values_from_the_environment_are_quoted_by_their_beginning() {
        let long: &'static str = "9".repeat(1 << 20).leak();
        let env = HashMap::from([
            ("PARTNERCENTER_ACCESS_TOKEN", "a"),
            ("PARTNERCENTER_BASE_URL", long),
            ("PARTNERCENTER_AUTHORITY_URL", long),
            ("PARTNERCENTER_MAX_RETRIES", long),
        ]);
        let err = resolve(&Config::default(), &env).unwrap_err();
        assert_eq!(err.0.len(), 3, "{err:?}");
        let quoted = format!("\"{}\"… ({} more characters)", &long[..64], long.len() - 64);
        for diagnostic in &err.0 {
            assert!(diagnostic.detail.len() < 400, "{}", diagnostic.detail);
            says(diagnostic, &quoted);
        }
        // A number as long, written in the block.
        let block = Config {
            max_retries: Attr::Known(long.parse().unwrap()),
            ..Config::default()
        };
        let diagnostics = validate(&block);
        assert!(diagnostics.0[0].detail.len() < 400, "{diagnostics:?}");
    }

    #[test]
    fn one_rule_reads_the_block_and_the_environment() {
        // A number written as text in the environment reads as Terraform reads it in the block.
        let block = Config {
            max_retries: number(3),
            ..Config::default()
        };
        let mut env = HashMap::from([("PARTNERCENTER_ACCESS_TOKEN", "a")]);
        let from_block = resolve(&block, &env).unwrap().max_retries;
        env.insert("PARTNERCENTER_MAX_RETRIES", " 3.0 ");
        let from_env = resolve(&Config::default(), &env).unwrap().max_retries;
        assert_eq!((from_block, from_env), (3, 3));
        // What a bool setting reads from its variable.
        assert_eq!(bool::from_text(" true"), Some(true));
        assert_eq!(bool::from_text("false"), Some(false));
        assert_eq!(bool::from_text("yes"), None);
    }

    #[test]
    fn unknown_values_are_an_error_at_configure() {
        let env = HashMap::from([("PARTNERCENTER_ACCESS_TOKEN", "a")]);
        let unknown_url = Config {
            base_url: Attr::Unknown,
            ..Config::default()
        };
        let err = resolve(&unknown_url, &env).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].path, Some(path("base_url")));
        assert!(validate(&unknown_url).0.is_empty(), "unknown until apply");
        let unknown_retries = Config {
            max_retries: Attr::Unknown,
            ..Config::default()
        };
        let err = resolve(&unknown_retries, &env).unwrap_err();
        assert_eq!(err.0[0].path, Some(path("max_retries")));
    }

    #[test]
    fn an_unknown_credential_is_the_only_error() {
        let block = Config {
            client_id: Attr::Unknown,
            ..Config::default()
        };
        // Complete in the environment, or not at all: either way only the unknown is reported.
        for env in [app_user_env(), HashMap::new()] {
            let err = resolve(&block, &env).unwrap_err();
            assert_eq!(err.0.len(), 1, "{err:?}");
            let diagnostic = &err.0[0];
            assert_eq!(diagnostic.summary, "client_id is not known yet");
            assert_eq!(diagnostic.path, Some(path("client_id")));
            says(diagnostic, "known only after apply");
            says(diagnostic, "PARTNERCENTER_CLIENT_ID");
        }
    }
}
