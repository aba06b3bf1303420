//! What the client needs to be built: endpoints, credentials, retry bounds, and the secret wrapper.

use std::fmt;
use std::time::Duration;

use super::environment::Environment;
use super::model::QualificationApi;
use super::proxy::ProxyEnv;
use super::retry::RetryPolicy;

/// A string that must never be printed: a token, a client secret, a validation code.
///
/// `Debug` and `Display` show `(sensitive)`; [`Secret::expose`] is for the one place that sends it.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The plain value, for the request that carries it and nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of this secret in `text`, for text a server may have echoed.
    pub(crate) fn redact_from(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0, "(sensitive)")
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

/// How the client obtains the bearer token it sends to Partner Center.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// A ready access token, used as is until it expires.
    AccessToken(Secret),
    /// App+User: an application's refresh token, exchanged for access tokens (required for PUT).
    RefreshToken {
        tenant_id: String,
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
    },
    /// App-only client credentials: enough for reads.
    ClientCredentials {
        tenant_id: String,
        client_id: String,
        client_secret: Secret,
    },
}

impl Credentials {
    /// Whose credentials these are.
    pub fn caller(&self) -> Caller {
        match self {
            Self::AccessToken(_) => Caller::ReadyToken,
            Self::RefreshToken { .. } => Caller::AppUser,
            Self::ClientCredentials { .. } => Caller::AppOnly,
        }
    }
}

/// Whose credentials a request carries, which decides what Partner Center lets it do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A ready access token, whoever it was issued to.
    ReadyToken,
    /// A user signed in through the application: its refresh token.
    AppUser,
    /// The application alone (client credentials): enough for reads only.
    AppOnly,
}

/// Everything [`super::Client::new`] needs. Build it with [`ClientConfig::new`] and adjust fields.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The Partner Center the partner belongs to; [`ClientConfig::set_environment`] sets it
    /// with the three fields below.
    pub environment: Environment,
    /// Partner Center API root, e.g. [`Environment::api_root`] or a sandbox's
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Token authority root; the token endpoint is `{authority_url}/{tenant_id}/oauth2/token`.
    pub authority_url: String,
    /// The audience of the tokens asked for (the `resource` form field).
    pub token_resource: String,
    pub credentials: Credentials,
    /// Retries after the first attempt of a logical call (0 = a single attempt).
    pub max_retries: u32,
    /// Overall budget of one logical call, retries and waits included.
    pub deadline: Duration,
    /// Budget of one HTTP attempt, from sending to the last byte of the answer.
    pub request_timeout: Duration,
    /// Bounds of the waits between attempts.
    pub retry: RetryPolicy,
    /// Sent as `User-Agent`; see [`user_agent`].
    pub user_agent: String,
    /// The contract qualifications are set and read with.
    pub qualification_api: QualificationApi,
    /// The proxy variables, read from the process by [`ClientConfig::new`].
    pub proxy: ProxyEnv,
    /// Whether the provider reads the activity log to say who made a drift. The client sends
    /// nothing because of it: it is the provider's choice, carried with the client it configures.
    pub explain_drift: bool,
}

impl ClientConfig {
    /// The global Partner Center and the default retry behaviour.
    pub fn new(credentials: Credentials, user_agent: String) -> Self {
        let environment = Environment::default();
        Self {
            environment,
            base_url: environment.api_root().to_owned(),
            authority_url: environment.authority().to_owned(),
            token_resource: environment.token_resource().to_owned(),
            credentials,
            max_retries: 5,
            // Long enough for two of Partner Center's "try again in 57 seconds" answers.
            deadline: Duration::from_secs(300),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            user_agent,
            qualification_api: QualificationApi::default(),
            proxy: ProxyEnv::from_process(),
            explain_drift: true,
        }
    }

    /// Points the client at `environment`'s Partner Center: its API root, its authority and
    /// its token resource, all three.
    pub fn set_environment(&mut self, environment: Environment) {
        self.environment = environment;
        self.base_url = environment.api_root().to_owned();
        self.authority_url = environment.authority().to_owned();
        self.token_resource = environment.token_resource().to_owned();
    }
}

/// The `User-Agent` in the form Terraform's own providers use, e.g.
/// `Terraform/1.15.5 (+https://www.terraform.io) terraform-provider-partnercenter/0.1.0`.
pub fn user_agent(provider_version: &str, terraform_version: &str) -> String {
    format!(
        "Terraform/{terraform_version} (+https://www.terraform.io) \
         terraform-provider-partnercenter/{provider_version}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "(sensitive) (sensitive)");
        let creds = Credentials::RefreshToken {
            tenant_id: "t".into(),
            client_id: "c".into(),
            client_secret: Secret::new("hunter2"),
            refresh_token: Secret::new("rt-hunter3"),
        };
        let printed = format!(
            "{:?}",
            ClientConfig::new(creds, user_agent("0.1.0", "1.15.5"))
        );
        assert!(!printed.contains("hunter"), "{printed}");
    }

    #[test]
    fn redaction_replaces_every_occurrence() {
        let s = Secret::new("abc");
        assert_eq!(s.redact_from("abc and abc"), "(sensitive) and (sensitive)");
        assert_eq!(Secret::new("").redact_from("text"), "text");
    }

    #[test]
    fn an_environment_sets_all_three_endpoints() {
        let mut config = ClientConfig::new(
            Credentials::AccessToken(Secret::new("t")),
            user_agent("0.1.0", "1.15.5"),
        );
        assert_eq!(config.environment, Environment::Public);
        assert_eq!(config.token_resource, Environment::Public.token_resource());
        config.set_environment(Environment::China);
        assert_eq!(
            (
                config.base_url.as_str(),
                config.authority_url.as_str(),
                config.token_resource.as_str()
            ),
            (
                Environment::China.api_root(),
                Environment::China.authority(),
                Environment::China.token_resource()
            )
        );
    }

    #[test]
    fn user_agent_names_both_versions() {
        let ua = user_agent("0.1.0", "1.0.3");
        assert!(ua.starts_with("Terraform/1.0.3 "));
        assert!(ua.ends_with("terraform-provider-partnercenter/0.1.0"));
    }
}
