//! What the client needs to be built: endpoints, credentials, retry bounds, and the secret wrapper.

use std::fmt;
use std::time::Duration;

use super::model::QualificationApi;
use super::retry::RetryPolicy;

/// The production Partner Center API.
pub const DEFAULT_BASE_URL: &str = "https://api.partnercenter.microsoft.com";
/// The Entra ID (Azure AD) authority that issues Partner Center tokens.
pub const DEFAULT_AUTHORITY_URL: &str = "https://login.microsoftonline.com";
/// The audience (`resource` form field) of a Partner Center token, whatever the base URL.
pub const PARTNER_CENTER_RESOURCE: &str = "https://api.partnercenter.microsoft.com";

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

/// Everything [`super::Client::new`] needs. Build it with [`ClientConfig::new`] and adjust fields.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Partner Center API root, e.g. [`DEFAULT_BASE_URL`] or a sandbox's `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Token authority root; the token endpoint is `{authority_url}/{tenant_id}/oauth2/token`.
    pub authority_url: String,
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
    /// Whether the provider reads the activity log to say who made a drift. The client sends
    /// nothing because of it: it is the provider's choice, carried with the client it configures.
    pub explain_drift: bool,
}

impl ClientConfig {
    /// Production endpoints and the default retry behaviour.
    pub fn new(credentials: Credentials, user_agent: String) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            authority_url: DEFAULT_AUTHORITY_URL.to_owned(),
            credentials,
            max_retries: 5,
            // Long enough for two of Partner Center's "try again in 57 seconds" answers.
            deadline: Duration::from_secs(300),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            user_agent,
            qualification_api: QualificationApi::default(),
            explain_drift: true,
        }
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
    fn user_agent_names_both_versions() {
        let ua = user_agent("0.1.0", "1.0.3");
        assert!(ua.starts_with("Terraform/1.0.3 "));
        assert!(ua.ends_with("terraform-provider-partnercenter/0.1.0"));
    }
}
