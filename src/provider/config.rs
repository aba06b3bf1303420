//! The provider block: its schema, its checks, and the client it configures. Every attribute
//! can also come from a `PARTNERCENTER_*` environment variable; the block wins when both are set.

use std::fmt;

use tokio_util::sync::CancellationToken;

use crate::partnercenter::{self, Client, ClientConfig, Credentials, QualificationApi, Secret};
use crate::protocol::{Attribute, Diagnostic, Diagnostics, Presence, Schema, Type, Value};
use crate::provider::values::path;
use crate::quote::{QUOTED_CHARS, excerpt, quote};

/// One provider attribute and the environment variable beside it.
struct Setting {
    name: &'static str,
    env: &'static str,
    ty: Type,
    sensitive: bool,
    description: &'static str,
}

const BASE_URL: Setting = Setting {
    name: "base_url",
    env: "PARTNERCENTER_BASE_URL",
    ty: Type::String,
    sensitive: false,
    description: "The Partner Center API root. Defaults to `https://api.partnercenter.microsoft.com`; \
        set it for a sovereign cloud or a local sandbox. Environment: `PARTNERCENTER_BASE_URL`.",
};

const ACCESS_TOKEN: Setting = Setting {
    name: "access_token",
    env: "PARTNERCENTER_ACCESS_TOKEN",
    ty: Type::String,
    sensitive: true,
    description: "A ready Partner Center access token. When set, it is used as is and the other \
        credentials are ignored. Environment: `PARTNERCENTER_ACCESS_TOKEN`.",
};

const TENANT_ID: Setting = Setting {
    name: "tenant_id",
    env: "PARTNERCENTER_TENANT_ID",
    ty: Type::String,
    sensitive: false,
    description: "The partner's Entra ID tenant, for the token requests. Environment: `PARTNERCENTER_TENANT_ID`.",
};

const CLIENT_ID: Setting = Setting {
    name: "client_id",
    env: "PARTNERCENTER_CLIENT_ID",
    ty: Type::String,
    sensitive: false,
    description: "The application (client) id registered for Partner Center. Environment: `PARTNERCENTER_CLIENT_ID`.",
};

const CLIENT_SECRET: Setting = Setting {
    name: "client_secret",
    env: "PARTNERCENTER_CLIENT_SECRET",
    ty: Type::String,
    sensitive: true,
    description: "The application's client secret. Environment: `PARTNERCENTER_CLIENT_SECRET`.",
};

const REFRESH_TOKEN: Setting = Setting {
    name: "refresh_token",
    env: "PARTNERCENTER_REFRESH_TOKEN",
    ty: Type::String,
    sensitive: true,
    description: "An App+User refresh token, needed to set qualifications. Without it (and without \
        `access_token`) the provider authenticates app-only, which is enough for reads. \
        Environment: `PARTNERCENTER_REFRESH_TOKEN`.",
};

const AUTHORITY_URL: Setting = Setting {
    name: "authority_url",
    env: "PARTNERCENTER_AUTHORITY_URL",
    ty: Type::String,
    sensitive: false,
    description: "The token authority. Defaults to `https://login.microsoftonline.com`. \
        Environment: `PARTNERCENTER_AUTHORITY_URL`.",
};

const MAX_RETRIES: Setting = Setting {
    name: "max_retries",
    env: "PARTNERCENTER_MAX_RETRIES",
    ty: Type::Number,
    sensitive: false,
    description: "How many times a request is retried after throttling (429, honouring \
        `Retry-After`), a 5xx answer or a connection failure, with exponential backoff and \
        jitter: a whole number from 0 (no retries) to 20. Defaults to 5. \
        Environment: `PARTNERCENTER_MAX_RETRIES`.",
};

const QUALIFICATION_API: Setting = Setting {
    name: "qualification_api",
    env: "PARTNERCENTER_QUALIFICATION_API",
    ty: Type::String,
    sensitive: false,
    description: "Which Partner Center contract sets and reads qualifications: `legacy` (the \
        default), the documented `PUT` / `GET /v1/customers/{id}/qualification`; or `async`, \
        `POST` / `GET /v1/customers/{id}/qualifications` with vetting, which Microsoft announced \
        as the PUT's successor and which also sets `StateOwnedEntity`. \
        Environment: `PARTNERCENTER_QUALIFICATION_API`.",
};

/// The upper bound the description of [`MAX_RETRIES`] states.
const MAX_RETRIES_LIMIT: i64 = 20;

/// Every setting, in the order the schema lists them.
const SETTINGS: [Setting; 9] = [
    BASE_URL,
    ACCESS_TOKEN,
    TENANT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    AUTHORITY_URL,
    MAX_RETRIES,
    QUALIFICATION_API,
];

/// The settings that make up the credentials.
const CREDENTIALS: [Setting; 5] = [
    ACCESS_TOKEN,
    TENANT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
];

/// Each setting's attribute name and environment variable, in the schema's order.
pub(crate) fn environment_variables() -> [(&'static str, &'static str); SETTINGS.len()] {
    SETTINGS.map(|s| (s.name, s.env))
}

pub(crate) fn schema() -> Schema {
    Schema {
        version: 0,
        description: "Configures access to Microsoft Partner Center. Every attribute can instead \
            come from the environment variable named in its description.",
        attributes: SETTINGS
            .into_iter()
            .map(|s| {
                let attribute = Attribute::new(s.name, s.ty, Presence::Optional, s.description);
                if s.sensitive {
                    attribute.sensitive()
                } else {
                    attribute
                }
            })
            .collect(),
    }
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

/// Where a setting's value came from. Displayed, it is the note an error about the value ends
/// with, so a bad value from the environment says which variable to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Block,
    Env(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Block => Ok(()),
            Origin::Env(name) => write!(f, " (from {name})"),
        }
    }
}

/// A setting as the block, or failing it the environment, gives it.
enum Raw<'a> {
    Unset,
    /// Only the block can hold a value known only after apply.
    Unknown,
    Block(&'a Value),
    Env(String),
}

/// Null and the empty string both leave a setting to the environment, then to its default;
/// the same holds for an empty environment variable.
fn raw<'a>(config: &'a Value, env: &dyn Env, setting: &Setting) -> Raw<'a> {
    match config.attr(setting.name) {
        Some(value) if !value.is_known() => Raw::Unknown,
        Some(value) if !value.is_null() && value.as_str() != Some("") => Raw::Block(value),
        _ => env
            .var(setting.env)
            .filter(|text| !text.is_empty())
            .map_or(Raw::Unset, Raw::Env),
    }
}

fn check_url(name: &str, url: &str, origin: Origin) -> Option<Diagnostic> {
    let valid = reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    (!valid).then(|| {
        Diagnostic::error(
            format!("Invalid {name}"),
            format!(
                "{name} must be an http(s) URL such as https://api.partnercenter.microsoft.com; \
                 got {url}{origin}.",
                url = quote(url)
            ),
        )
        .at(path(name))
    })
}

/// `number` is the value when it is a whole number; `shown` is how the user wrote it.
fn check_max_retries(number: Option<i64>, shown: &str, origin: Origin) -> Result<u32, Diagnostic> {
    number
        .filter(|n| (0..=MAX_RETRIES_LIMIT).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            Diagnostic::error(
                "Invalid max_retries",
                format!(
                    "max_retries must be a whole number from 0 to {MAX_RETRIES_LIMIT}; \
                     got {shown}{origin}.",
                    shown = excerpt(shown, QUOTED_CHARS)
                ),
            )
            .at(path(MAX_RETRIES.name))
        })
}

fn check_qualification_api(text: &str, origin: Origin) -> Result<QualificationApi, Diagnostic> {
    text.parse().map_err(|()| {
        Diagnostic::error(
            "Invalid qualification_api",
            format!(
                "qualification_api must be \"legacy\" or \"async\"; got {}{origin}.",
                quote(text)
            ),
        )
        .at(path(QUALIFICATION_API.name))
    })
}

fn not_known_yet(setting: &Setting) -> Diagnostic {
    Diagnostic::error(
        format!("{} is not known yet", setting.name),
        format!(
            "The value of {} will be known only after apply, but the provider needs it to plan. \
             Use a value known at plan time: a literal, a variable, or the {} environment variable.",
            setting.name, setting.env
        ),
    )
    .at(path(setting.name))
}

/// Checks what is known of the block; unknown values wait for configure.
pub(crate) fn validate(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    for name in [BASE_URL.name, AUTHORITY_URL.name] {
        let url = config.attr(name).and_then(Value::as_str);
        if let Some(url) = url.filter(|url| !url.is_empty()) {
            diagnostics.0.extend(check_url(name, url, Origin::Block));
        }
    }
    if let Some(api) = config.attr(QUALIFICATION_API.name).and_then(Value::as_str)
        && !api.is_empty()
    {
        diagnostics
            .0
            .extend(check_qualification_api(api, Origin::Block).err());
    }
    if let Some(number) = config.attr(MAX_RETRIES.name).and_then(Value::as_number) {
        let checked = check_max_retries(number.as_i64(), &number.to_string(), Origin::Block);
        diagnostics.0.extend(checked.err());
    }
    diagnostics
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
fn credentials(
    access_token: Option<String>,
    tenant_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
) -> Result<Credentials, MissingCredentials> {
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
                (TENANT_ID.name, tenant_id.is_none()),
                (CLIENT_ID.name, client_id.is_none()),
                (CLIENT_SECRET.name, client_secret.is_none()),
            ]
            .into_iter()
            .filter_map(|(name, absent)| absent.then_some(name))
            .collect(),
        }),
    }
}

/// Reads settings by name from the block and the environment, collecting every problem.
struct Resolver<'a> {
    config: &'a Value,
    env: &'a dyn Env,
    diagnostics: Diagnostics,
}

impl Resolver<'_> {
    /// A string setting and where it came from; an unknown one is reported at its attribute.
    fn text(&mut self, setting: &Setting) -> Option<(String, Origin)> {
        match raw(self.config, self.env, setting) {
            Raw::Unset => None,
            Raw::Unknown => {
                self.diagnostics.push(not_known_yet(setting));
                None
            }
            Raw::Block(value) => Some((value.as_str()?.to_owned(), Origin::Block)),
            Raw::Env(text) => Some((text, Origin::Env(setting.env))),
        }
    }

    fn string(&mut self, setting: &Setting) -> Option<String> {
        self.text(setting).map(|(text, _)| text)
    }

    fn url(&mut self, setting: &Setting) -> Option<String> {
        let (url, origin) = self.text(setting)?;
        match check_url(setting.name, &url, origin) {
            Some(invalid) => {
                self.diagnostics.push(invalid);
                None
            }
            None => Some(url),
        }
    }

    fn max_retries(&mut self) -> Option<u32> {
        let checked = match raw(self.config, self.env, &MAX_RETRIES) {
            Raw::Unset => return None,
            Raw::Unknown => Err(not_known_yet(&MAX_RETRIES)),
            Raw::Block(value) => {
                let shown = value
                    .as_number()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                check_max_retries(value.as_i64(), &shown, Origin::Block)
            }
            Raw::Env(text) => check_max_retries(
                text.trim().parse().ok(),
                &quote(&text).to_string(),
                Origin::Env(MAX_RETRIES.env),
            ),
        };
        match checked {
            Ok(n) => Some(n),
            Err(invalid) => {
                self.diagnostics.push(invalid);
                None
            }
        }
    }

    fn qualification_api(&mut self) -> Option<QualificationApi> {
        let (text, origin) = self.text(&QUALIFICATION_API)?;
        match check_qualification_api(&text, origin) {
            Ok(api) => Some(api),
            Err(invalid) => {
                self.diagnostics.push(invalid);
                None
            }
        }
    }

    /// Whether a credential is known only after apply: the others may complete the
    /// credentials then, so their absence now is no error of its own.
    fn credential_unknown(&self) -> bool {
        CREDENTIALS
            .iter()
            .any(|s| matches!(raw(self.config, self.env, s), Raw::Unknown))
    }
}

/// The provider block merged with the environment.
#[derive(Debug)]
pub(crate) struct Settings {
    base_url: Option<String>,
    authority_url: Option<String>,
    max_retries: Option<u32>,
    qualification_api: Option<QualificationApi>,
    credentials: Credentials,
}

impl Settings {
    pub(crate) fn resolve(config: &Value, env: &dyn Env) -> Result<Self, Diagnostics> {
        let mut resolver = Resolver {
            config,
            env,
            diagnostics: Diagnostics::default(),
        };
        let base_url = resolver.url(&BASE_URL);
        let authority_url = resolver.url(&AUTHORITY_URL);
        let max_retries = resolver.max_retries();
        let qualification_api = resolver.qualification_api();
        let credentials = credentials(
            resolver.string(&ACCESS_TOKEN),
            resolver.string(&TENANT_ID),
            resolver.string(&CLIENT_ID),
            resolver.string(&CLIENT_SECRET),
            resolver.string(&REFRESH_TOKEN),
        );
        let credentials = match credentials {
            Ok(credentials) => credentials,
            Err(missing) => {
                // An unknown credential is already reported; nothing is missing before it is known.
                if !resolver.credential_unknown() {
                    resolver.diagnostics.push(missing.into());
                }
                return Err(resolver.diagnostics);
            }
        };
        resolver.diagnostics.into_result()?;
        Ok(Self {
            base_url,
            authority_url,
            max_retries,
            qualification_api,
            credentials,
        })
    }

    pub(crate) fn into_client(
        self,
        terraform_version: &str,
        stop: CancellationToken,
    ) -> Result<Client, Diagnostics> {
        let user_agent = partnercenter::user_agent(env!("CARGO_PKG_VERSION"), terraform_version);
        let mut config = ClientConfig::new(self.credentials, user_agent);
        if let Some(base_url) = self.base_url {
            config.base_url = base_url;
        }
        if let Some(authority_url) = self.authority_url {
            config.authority_url = authority_url;
        }
        if let Some(max_retries) = self.max_retries {
            config.max_retries = max_retries;
        }
        if let Some(api) = self.qualification_api {
            config.qualification_api = api;
        }
        Ok(Client::new(config, stop)?)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    impl Env for HashMap<&'static str, &'static str> {
        fn var(&self, key: &str) -> Option<String> {
            self.get(key).map(|v| (*v).to_owned())
        }
    }

    fn block(pairs: &[(&str, Value)]) -> Value {
        Value::object(SETTINGS.map(|s| {
            let value = pairs
                .iter()
                .find(|(n, _)| *n == s.name)
                .map_or(Value::Null, |(_, v)| v.clone());
            (s.name, value)
        }))
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

    #[test]
    fn schema_marks_secrets_sensitive() {
        let schema = schema();
        for name in ["access_token", "client_secret", "refresh_token"] {
            assert!(schema.attribute(name).unwrap().sensitive, "{name}");
        }
        assert!(!schema.attribute("tenant_id").unwrap().sensitive);
        assert_eq!(schema.attribute("max_retries").unwrap().ty, Type::Number);
    }

    #[test]
    fn max_retries_description_states_the_limit() {
        assert!(
            MAX_RETRIES
                .description
                .contains(&format!("to {MAX_RETRIES_LIMIT}.")),
            "{}",
            MAX_RETRIES.description
        );
    }

    #[test]
    fn qualification_api_from_block_or_environment() {
        let settings = Settings::resolve(&block(&[]), &app_user_env()).unwrap();
        assert_eq!(settings.qualification_api, None, "legacy by default");
        let mut env = app_user_env();
        env.insert("PARTNERCENTER_QUALIFICATION_API", "async");
        let settings = Settings::resolve(&block(&[]), &env).unwrap();
        assert_eq!(settings.qualification_api, Some(QualificationApi::Async));
        let from_block = block(&[("qualification_api", Value::string("legacy"))]);
        let settings = Settings::resolve(&from_block, &env).unwrap();
        assert_eq!(settings.qualification_api, Some(QualificationApi::Legacy));

        env.insert("PARTNERCENTER_QUALIFICATION_API", "v2");
        let err = Settings::resolve(&block(&[]), &env).unwrap_err();
        assert_eq!(err.0[0].summary, "Invalid qualification_api");
        assert!(
            err.0[0]
                .detail
                .ends_with("got \"v2\" (from PARTNERCENTER_QUALIFICATION_API)."),
            "{}",
            err.0[0].detail
        );
        let bad_block = block(&[("qualification_api", Value::string("put"))]);
        let diagnostics = validate(&bad_block);
        assert_eq!(diagnostics.0[0].path, Some(path("qualification_api")));
        assert!(diagnostics.0[0].detail.ends_with("got \"put\"."));
    }

    #[test]
    fn environment_fills_what_the_block_leaves_out() {
        let mut env = app_user_env();
        env.insert("PARTNERCENTER_MAX_RETRIES", "3");
        let settings =
            Settings::resolve(&block(&[("client_id", Value::string("from-block"))]), &env).unwrap();
        assert_eq!(settings.max_retries, Some(3));
        match settings.credentials {
            Credentials::RefreshToken { client_id, .. } => assert_eq!(client_id, "from-block"),
            other => panic!("expected App+User credentials, got {other:?}"),
        }
    }

    #[test]
    fn access_token_wins_and_app_only_without_refresh_token() {
        let env = HashMap::from([
            ("PARTNERCENTER_ACCESS_TOKEN", "a"),
            ("PARTNERCENTER_TENANT_ID", "t"),
        ]);
        let settings = Settings::resolve(&block(&[]), &env).unwrap();
        assert!(matches!(settings.credentials, Credentials::AccessToken(_)));
        let mut env = app_user_env();
        env.remove("PARTNERCENTER_REFRESH_TOKEN");
        let settings = Settings::resolve(&block(&[]), &env).unwrap();
        assert!(matches!(
            settings.credentials,
            Credentials::ClientCredentials { .. }
        ));
    }

    #[test]
    fn missing_credentials_say_what_is_missing() {
        let env = HashMap::from([("PARTNERCENTER_TENANT_ID", "t")]);
        let err = Settings::resolve(&block(&[]), &env).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert!(
            err.0[0]
                .detail
                .contains("Missing: client_id, client_secret."),
            "{}",
            err.0[0].detail
        );
    }

    #[test]
    fn empty_strings_are_unset_in_validate_and_resolve() {
        let config = block(&[
            ("base_url", Value::string("")),
            ("access_token", Value::string("")),
        ]);
        assert!(validate(&config).0.is_empty());
        let mut env = app_user_env();
        env.insert("PARTNERCENTER_BASE_URL", "http://127.0.0.1:1");
        env.insert("PARTNERCENTER_AUTHORITY_URL", "");
        let settings = Settings::resolve(&config, &env).unwrap();
        assert_eq!(settings.base_url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(settings.authority_url, None);
        assert!(matches!(
            settings.credentials,
            Credentials::RefreshToken { .. }
        ));
    }

    #[test]
    fn bad_values_point_at_their_attribute() {
        let config = block(&[
            ("base_url", Value::string("ftp://x")),
            ("max_retries", Value::number(-1)),
        ]);
        let diagnostics = validate(&config);
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
        let err = Settings::resolve(&block(&[]), &env).unwrap_err();
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
        let err = Settings::resolve(&block(&[]), &env).unwrap_err();
        let details: Vec<&str> = err.0.iter().map(|d| d.detail.as_str()).collect();
        assert_eq!(details.len(), 3, "{details:?}");
        assert!(
            details[0].ends_with("got \"ftp://x\" (from PARTNERCENTER_BASE_URL)."),
            "{}",
            details[0]
        );
        assert!(
            details[1].ends_with("got \"login\" (from PARTNERCENTER_AUTHORITY_URL)."),
            "{}",
            details[1]
        );
        assert!(
            details[2].ends_with("got \"21\" (from PARTNERCENTER_MAX_RETRIES)."),
            "{}",
            details[2]
        );
        // The same value in the block names no variable.
        let config = block(&[("max_retries", Value::number(21))]);
        let err = Settings::resolve(
            &config,
            &HashMap::from([("PARTNERCENTER_ACCESS_TOKEN", "a")]),
        )
        .unwrap_err();
        assert!(err.0[0].detail.ends_with("got 21."), "{}", err.0[0].detail);
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
        let err = Settings::resolve(&block(&[]), &env).unwrap_err();
        assert_eq!(err.0.len(), 3, "{err:?}");
        for diagnostic in &err.0 {
            assert!(diagnostic.detail.len() < 400, "{}", diagnostic.detail);
            assert!(
                diagnostic.detail.contains("more characters)"),
                "{}",
                diagnostic.detail
            );
        }
        // A number as long, written in the block.
        let number = long.parse().unwrap();
        let diagnostics = validate(&block(&[("max_retries", Value::Number(number))]));
        assert!(diagnostics.0[0].detail.len() < 400, "{diagnostics:?}");
    }

    #[test]
    fn unknown_values_are_an_error_at_configure() {
        let env = HashMap::from([("PARTNERCENTER_ACCESS_TOKEN", "a")]);
        let err = Settings::resolve(&block(&[("base_url", Value::Unknown)]), &env).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].path, Some(path("base_url")));
        let err = Settings::resolve(&block(&[("max_retries", Value::Unknown)]), &env).unwrap_err();
        assert_eq!(err.0[0].path, Some(path("max_retries")));
    }

    #[test]
    fn an_unknown_credential_is_the_only_error() {
        let config = block(&[("client_id", Value::Unknown)]);
        // Complete in the environment, or not at all: either way only the unknown is reported.
        for env in [app_user_env(), HashMap::new()] {
            let err = Settings::resolve(&config, &env).unwrap_err();
            assert_eq!(err.0.len(), 1, "{err:?}");
            let diagnostic = &err.0[0];
            assert_eq!(diagnostic.summary, "client_id is not known yet");
            assert_eq!(diagnostic.path, Some(path("client_id")));
            assert!(
                diagnostic.detail.contains("known only after apply"),
                "{}",
                diagnostic.detail
            );
            assert!(
                diagnostic.detail.contains("PARTNERCENTER_CLIENT_ID"),
                "{}",
                diagnostic.detail
            );
        }
    }
}
