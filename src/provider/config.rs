//! The provider block: its schema, its checks, and the client it configures. Every attribute
//! can also come from a `PARTNERCENTER_*` environment variable; the block wins when both are set.

use tokio_util::sync::CancellationToken;

use crate::partnercenter::{self, Client, ClientConfig, Credentials, Secret};
use crate::protocol::{
    Attribute, AttributePath, Diagnostic, Diagnostics, Presence, Schema, Type, Value,
};

/// One provider attribute and the environment variable beside it.
struct Setting {
    name: &'static str,
    env: &'static str,
    ty: Type,
    sensitive: bool,
    description: &'static str,
}

const fn setting(
    name: &'static str,
    env: &'static str,
    sensitive: bool,
    description: &'static str,
) -> Setting {
    Setting {
        name,
        env,
        ty: Type::String,
        sensitive,
        description,
    }
}

fn settings() -> [Setting; 8] {
    [
        setting(
            "base_url",
            "PARTNERCENTER_BASE_URL",
            false,
            "The Partner Center API root. Defaults to `https://api.partnercenter.microsoft.com`; \
            set it for a sovereign cloud or a local sandbox. Environment: `PARTNERCENTER_BASE_URL`.",
        ),
        setting(
            "access_token",
            "PARTNERCENTER_ACCESS_TOKEN",
            true,
            "A ready Partner Center access token. When set, it is used as is and the other \
            credentials are ignored. Environment: `PARTNERCENTER_ACCESS_TOKEN`.",
        ),
        setting(
            "tenant_id",
            "PARTNERCENTER_TENANT_ID",
            false,
            "The partner's Entra ID tenant, for the token requests. Environment: `PARTNERCENTER_TENANT_ID`.",
        ),
        setting(
            "client_id",
            "PARTNERCENTER_CLIENT_ID",
            false,
            "The application (client) id registered for Partner Center. Environment: `PARTNERCENTER_CLIENT_ID`.",
        ),
        setting(
            "client_secret",
            "PARTNERCENTER_CLIENT_SECRET",
            true,
            "The application's client secret. Environment: `PARTNERCENTER_CLIENT_SECRET`.",
        ),
        setting(
            "refresh_token",
            "PARTNERCENTER_REFRESH_TOKEN",
            true,
            "An App+User refresh token, needed to set qualifications. Without it (and without \
            `access_token`) the provider authenticates app-only, which is enough for reads. \
            Environment: `PARTNERCENTER_REFRESH_TOKEN`.",
        ),
        setting(
            "authority_url",
            "PARTNERCENTER_AUTHORITY_URL",
            false,
            "The token authority. Defaults to `https://login.microsoftonline.com`. \
            Environment: `PARTNERCENTER_AUTHORITY_URL`.",
        ),
        Setting {
            ty: Type::Number,
            ..setting(
                "max_retries",
                "PARTNERCENTER_MAX_RETRIES",
                false,
                "How many times a request is retried after throttling (429, honouring \
                `Retry-After`), a 5xx answer or a connection failure, with exponential backoff \
                and jitter. Defaults to 5; 0 disables retries. Environment: `PARTNERCENTER_MAX_RETRIES`.",
            )
        },
    ]
}

const MAX_RETRIES_LIMIT: i64 = 20;

pub(crate) fn schema() -> Schema {
    Schema {
        version: 0,
        description: "Configures access to Microsoft Partner Center. Every attribute can instead \
            come from the environment variable named in its description.",
        attributes: settings()
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
        std::env::var(key).ok().filter(|v| !v.is_empty())
    }
}

fn path(name: &str) -> AttributePath {
    AttributePath::root().attr(name)
}

fn check_url(name: &str, url: &str) -> Option<Diagnostic> {
    let valid = reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    (!valid).then(|| {
        Diagnostic::error(
            format!("Invalid {name}"),
            format!("{name} must be an http(s) URL such as https://api.partnercenter.microsoft.com; got \"{url}\"."),
        )
        .at(path(name))
    })
}

fn check_max_retries(value: &Value) -> Result<u32, Diagnostic> {
    value
        .as_i64()
        .filter(|n| (0..=MAX_RETRIES_LIMIT).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            Diagnostic::error(
                "Invalid max_retries",
                format!("max_retries must be a whole number from 0 to {MAX_RETRIES_LIMIT}."),
            )
            .at(path("max_retries"))
        })
}

/// Checks what is known of the block; unknown values wait for configure.
pub(crate) fn validate(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    for name in ["base_url", "authority_url"] {
        if let Some(Value::String(url)) = config.attr(name) {
            diagnostics.0.extend(check_url(name, url));
        }
    }
    if let Some(value @ Value::Number(_)) = config.attr("max_retries") {
        diagnostics.0.extend(check_max_retries(value).err());
    }
    diagnostics
}

/// The provider block merged with the environment.
#[derive(Debug)]
pub(crate) struct Settings {
    base_url: Option<String>,
    authority_url: Option<String>,
    max_retries: Option<u32>,
    credentials: Credentials,
}

impl Settings {
    pub(crate) fn resolve(config: &Value, env: &dyn Env) -> Result<Self, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let mut lookup = |setting: &Setting| -> Option<String> {
            match config.attr(setting.name) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Unknown) => {
                    diagnostics.push(
                        Diagnostic::error(
                            format!("{} is not known yet", setting.name),
                            "The provider is configured before other resources are applied, so its \
                             attributes cannot depend on them. Use a value known at plan time.",
                        )
                        .at(path(setting.name)),
                    );
                    None
                }
                _ => env.var(setting.env),
            }
        };
        let all = settings();
        let [
            base_url,
            access_token,
            tenant_id,
            client_id,
            client_secret,
            refresh_token,
            authority_url,
            max_retries,
        ] = all.each_ref().map(&mut lookup);
        let max_retries = match config.attr("max_retries") {
            Some(value @ Value::Number(_)) => Some(value.clone()),
            _ => max_retries.map(|text| {
                text.trim()
                    .parse::<i64>()
                    .map_or(Value::string(text), Value::number)
            }),
        };
        let max_retries = match max_retries.map(|v| check_max_retries(&v)) {
            Some(Ok(n)) => Some(n),
            Some(Err(d)) => {
                diagnostics.push(d);
                None
            }
            None => None,
        };
        for (name, url) in [("base_url", &base_url), ("authority_url", &authority_url)] {
            if let Some(url) = url {
                diagnostics.0.extend(check_url(name, url));
            }
        }
        let credentials = match (
            access_token,
            tenant_id,
            client_id,
            client_secret,
            refresh_token,
        ) {
            (Some(token), ..) => Some(Credentials::AccessToken(Secret::new(token))),
            (None, Some(tenant_id), Some(client_id), Some(secret), Some(refresh)) => {
                Some(Credentials::RefreshToken {
                    tenant_id,
                    client_id,
                    client_secret: Secret::new(secret),
                    refresh_token: Secret::new(refresh),
                })
            }
            (None, Some(tenant_id), Some(client_id), Some(secret), None) => {
                Some(Credentials::ClientCredentials {
                    tenant_id,
                    client_id,
                    client_secret: Secret::new(secret),
                })
            }
            (None, tenant_id, client_id, client_secret, _) => {
                let missing: Vec<&str> = [
                    ("tenant_id", tenant_id.is_none()),
                    ("client_id", client_id.is_none()),
                    ("client_secret", client_secret.is_none()),
                ]
                .into_iter()
                .filter_map(|(name, absent)| absent.then_some(name))
                .collect();
                diagnostics.push(Diagnostic::error(
                    "Missing Partner Center credentials",
                    format!(
                        "Set access_token (PARTNERCENTER_ACCESS_TOKEN), or tenant_id, client_id and \
                         client_secret (PARTNERCENTER_TENANT_ID, PARTNERCENTER_CLIENT_ID, \
                         PARTNERCENTER_CLIENT_SECRET) with refresh_token (PARTNERCENTER_REFRESH_TOKEN) \
                         for App+User access. Missing: {}.",
                        missing.join(", ")
                    ),
                ));
                None
            }
        };
        diagnostics.clone().into_result()?;
        let credentials = credentials.ok_or(diagnostics)?;
        Ok(Self {
            base_url,
            authority_url,
            max_retries,
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
        Value::object(settings().map(|s| {
            let value = pairs
                .iter()
                .find(|(n, _)| *n == s.name)
                .map_or(Value::Null, |(_, v)| v.clone());
            (s.name, value)
        }))
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
    fn environment_fills_what_the_block_leaves_out() {
        let env = HashMap::from([
            ("PARTNERCENTER_TENANT_ID", "t"),
            ("PARTNERCENTER_CLIENT_ID", "c"),
            ("PARTNERCENTER_CLIENT_SECRET", "s"),
            ("PARTNERCENTER_REFRESH_TOKEN", "r"),
            ("PARTNERCENTER_MAX_RETRIES", "3"),
        ]);
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
        let env = HashMap::from([
            ("PARTNERCENTER_TENANT_ID", "t"),
            ("PARTNERCENTER_CLIENT_ID", "c"),
            ("PARTNERCENTER_CLIENT_SECRET", "s"),
        ]);
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
        assert!(
            err.0[0]
                .detail
                .contains("Missing: client_id, client_secret."),
            "{}",
            err.0[0].detail
        );
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
        let env = HashMap::from([
            ("PARTNERCENTER_ACCESS_TOKEN", "a"),
            ("PARTNERCENTER_MAX_RETRIES", "lots"),
        ]);
        let err = Settings::resolve(&block(&[]), &env).unwrap_err();
        assert_eq!(err.0[0].path, Some(path("max_retries")));
    }

    #[test]
    fn unknown_values_are_an_error_at_configure() {
        let env = HashMap::from([("PARTNERCENTER_ACCESS_TOKEN", "a")]);
        let err = Settings::resolve(&block(&[("base_url", Value::Unknown)]), &env).unwrap_err();
        assert_eq!(err.0[0].path, Some(path("base_url")));
    }
}
