//! The access-token cache: one token request at a time, reused until shortly before it expires.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Url;
use tokio::sync::Mutex;
// Tokio's clock, like the retry waits, so that a test on paused time sees tokens expire.
use tokio::time::Instant;

use super::config::{Credentials, Secret};
use super::error::{AuthError, ConfigError, EntraRefusal, describe_json_error, source_chain};
use super::response;

/// Supplies the bearer token of each attempt.
#[derive(Debug)]
pub(crate) struct TokenSource {
    mode: Mode,
}

#[derive(Debug)]
enum Mode {
    Static(Secret),
    Exchange(Box<Exchange>),
}

/// Tokens obtained from the authority, cached behind an async mutex held across the token
/// request: fifty parallel calls with an empty cache cause one request, and the other forty-nine
/// wake up to its result.
#[derive(Debug)]
struct Exchange {
    endpoint: Url,
    /// The audience of the tokens: the configured Partner Center's.
    resource: String,
    client_id: String,
    client_secret: Secret,
    grant: Grant,
    cache: Mutex<Cache>,
    /// Completed token requests. A waiter that saw this number change while it queued shares
    /// the outcome of the request it waited for, failures included, instead of repeating it.
    completed: AtomicU64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grant {
    RefreshToken,
    ClientCredentials,
}

impl Grant {
    fn name(self) -> &'static str {
        match self {
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
        }
    }
}

#[derive(Debug, Default)]
struct Cache {
    token: Option<CachedToken>,
    /// The refresh token to send next: the configured one until the authority rotates it.
    refresh_token: Option<Secret>,
    last_failure: Option<AuthError>,
}

#[derive(Debug)]
struct CachedToken {
    access_token: Secret,
    refresh_at: Instant,
}

/// The authority's answer; `expires_in` is a string in AAD v1 and a number in v2.
#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: Secret,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<Secret>,
}

/// An OAuth refusal; Entra ID adds its own fields, of which the numeric `error_codes` say what
/// happened (learn.microsoft.com/entra/identity-platform/reference-error-codes).
#[derive(serde::Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<serde_json::Value>,
    trace_id: Option<String>,
}

impl OAuthError {
    /// Entra's codes; where an answer lists none, the AADSTS number its description starts
    /// with ("AADSTS50076: Due to …"), as Entra documents the description.
    fn codes(&self) -> Vec<u32> {
        let listed: Vec<u32> = self
            .error_codes
            .iter()
            .filter_map(|code| u32::try_from(code.as_u64()?).ok())
            .collect();
        if !listed.is_empty() {
            return listed;
        }
        self.error_description
            .as_deref()
            .and_then(|d| d.strip_prefix("AADSTS"))
            .and_then(|d| d.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|digits| digits.parse().ok())
            .into_iter()
            .collect()
    }
}

/// Lifetime assumed when the authority names none: AAD's usual hour, minus a little.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3000);
/// No token is trusted for longer than this, whatever the authority says (AAD issues an hour or
/// so; a larger number is a broken answer, and `Instant` arithmetic must not overflow on it).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// A token is renewed this long before it expires (a quarter of short lifetimes), so that a
/// call started just before expiry does not reach the API with a dead token.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(300);

fn refresh_at(issued: Instant, lifetime: Duration) -> Instant {
    issued + lifetime - (lifetime / 4).min(MAX_REFRESH_MARGIN)
}

fn parse_expires_in(value: Option<&serde_json::Value>) -> Option<Duration> {
    let secs = match value? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    secs.map(|secs| Duration::from_secs(secs).min(MAX_LIFETIME))
}

/// `{authority}/{tenant_id}/oauth2/token`, the tenant percent-encoded as one path segment.
fn token_endpoint(authority_url: &str, tenant_id: &str) -> Result<Url, ConfigError> {
    let invalid = || ConfigError::InvalidUrl {
        name: "authority_url",
        value: authority_url.to_owned(),
    };
    let mut url = Url::parse(authority_url).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid());
    }
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|_| invalid())?
        .pop_if_empty()
        .extend([tenant_id, "oauth2", "token"]);
    Ok(url)
}

impl TokenSource {
    /// Tokens for `resource`, from the authority at `authority_url`.
    pub(crate) fn new(
        credentials: &Credentials,
        authority_url: &str,
        resource: &str,
    ) -> Result<Self, ConfigError> {
        let exchange =
            |tenant_id: &str, client_id: &str, client_secret: &Secret, grant, refresh| {
                Ok::<_, ConfigError>(Mode::Exchange(Box::new(Exchange {
                    endpoint: token_endpoint(authority_url, tenant_id)?,
                    resource: resource.to_owned(),
                    client_id: client_id.to_owned(),
                    client_secret: client_secret.clone(),
                    grant,
                    cache: Mutex::new(Cache {
                        refresh_token: refresh,
                        ..Cache::default()
                    }),
                    completed: AtomicU64::new(0),
                })))
            };
        let mode = match credentials {
            Credentials::AccessToken(token) => Mode::Static(token.clone()),
            Credentials::RefreshToken {
                tenant_id,
                client_id,
                client_secret,
                refresh_token,
            } => exchange(
                tenant_id,
                client_id,
                client_secret,
                Grant::RefreshToken,
                Some(refresh_token.clone()),
            )?,
            Credentials::ClientCredentials {
                tenant_id,
                client_id,
                client_secret,
            } => exchange(
                tenant_id,
                client_id,
                client_secret,
                Grant::ClientCredentials,
                None,
            )?,
        };
        Ok(Self { mode })
    }

    /// A token valid for at least the refresh margin, from the cache or from the authority.
    pub(crate) async fn access_token(&self, http: &reqwest::Client) -> Result<Secret, AuthError> {
        let exchange = match &self.mode {
            Mode::Static(token) => return Ok(token.clone()),
            Mode::Exchange(exchange) => exchange,
        };
        let seen = exchange.completed.load(Ordering::Acquire);
        let mut cache = exchange.cache.lock().await;
        if let Some(token) = cache
            .token
            .as_ref()
            .filter(|t| Instant::now() < t.refresh_at)
        {
            return Ok(token.access_token.clone());
        }
        // Share the outcome of a request this caller queued behind; and a refusal that will
        // not change (wrong secret, revoked refresh token) is final for the process, so a large
        // configuration does not send the same doomed request once per resource.
        if let Some(failure) = &cache.last_failure
            && (failure.is_permanent() || exchange.completed.load(Ordering::Acquire) != seen)
        {
            return Err(failure.clone());
        }
        let issued = Instant::now();
        let outcome = exchange.request(http, cache.refresh_token.as_ref()).await;
        exchange.completed.fetch_add(1, Ordering::AcqRel);
        match outcome {
            Ok(answer) => {
                let lifetime =
                    parse_expires_in(answer.expires_in.as_ref()).unwrap_or(DEFAULT_LIFETIME);
                if let Some(rotated) = answer.refresh_token {
                    cache.refresh_token = Some(rotated);
                }
                cache.last_failure = None;
                cache.token = Some(CachedToken {
                    access_token: answer.access_token.clone(),
                    refresh_at: refresh_at(issued, lifetime),
                });
                Ok(answer.access_token)
            }
            Err(failure) => {
                cache.token = None;
                cache.last_failure = Some(failure.clone());
                Err(failure)
            }
        }
    }

    /// Drops `token` from the cache after the API refused it, so that the next call asks for a
    /// new one. False when a new token cannot be had (a ready access token is all there is).
    pub(crate) async fn forget(&self, token: &Secret) -> bool {
        let Mode::Exchange(exchange) = &self.mode else {
            return false;
        };
        let mut cache = exchange.cache.lock().await;
        if cache
            .token
            .as_ref()
            .is_some_and(|cached| &cached.access_token == token)
        {
            cache.token = None;
        }
        true
    }
}

impl Exchange {
    async fn request(
        &self,
        http: &reqwest::Client,
        refresh_token: Option<&Secret>,
    ) -> Result<TokenAnswer, AuthError> {
        let endpoint = self.endpoint.to_string();
        // Entra logs it as the request's correlation id and names it in its refusals.
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut form = vec![
            ("grant_type", self.grant.name()),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("resource", self.resource.as_str()),
        ];
        if let Some(refresh_token) = refresh_token {
            form.push(("refresh_token", refresh_token.expose()));
        }
        let transport = |e: reqwest::Error| {
            tracing::debug!(%endpoint, %client_request_id, "token request failed: {}", source_chain(&e));
            AuthError::Transport {
                endpoint: endpoint.clone(),
                source: Arc::new(e.without_url()),
                client_request_id: client_request_id.clone(),
            }
        };
        let response = http
            .post(self.endpoint.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .header("client-request-id", &client_request_id)
            .header("return-client-request-id", "true")
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = response::retry_after(&response);
        let body = response::read_body(response)
            .await
            .map_err(transport)?
            .bytes;
        tracing::debug!(
            method = "POST",
            %endpoint,
            grant = self.grant.name(),
            resource = %self.resource,
            status,
            %client_request_id,
            "token endpoint answered"
        );
        let redact = |text: &str| {
            let text = self.client_secret.redact_from(text);
            refresh_token.map_or(text.clone(), |rt| rt.redact_from(&text))
        };
        if !(200..300).contains(&status) {
            let (error, description, error_codes, trace_id) =
                match serde_json::from_slice::<OAuthError>(&body) {
                    Ok(oauth) => (
                        redact(&oauth.error),
                        oauth.error_description.as_deref().map(redact),
                        oauth.codes(),
                        oauth.trace_id.as_deref().map(redact),
                    ),
                    Err(_) => (
                        "unexpected answer".to_owned(),
                        Some(redact(String::from_utf8_lossy(&body).trim()))
                            .filter(|d| !d.is_empty()),
                        Vec::new(),
                        None,
                    ),
                };
            return Err(AuthError::Rejected {
                endpoint,
                status,
                error,
                description,
                retry_after,
                entra: Box::new(EntraRefusal {
                    error_codes,
                    trace_id,
                    client_request_id,
                }),
            });
        }
        serde_json::from_slice(&body).map_err(|e| AuthError::InvalidResponse {
            endpoint,
            status,
            detail: describe_json_error(&e),
            client_request_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_as_string_or_number() {
        let v = |j: &str| serde_json::from_str::<serde_json::Value>(j).expect("json");
        assert_eq!(
            parse_expires_in(Some(&v("\"3599\""))),
            Some(Duration::from_secs(3599))
        );
        assert_eq!(
            parse_expires_in(Some(&v("3599"))),
            Some(Duration::from_secs(3599))
        );
        assert_eq!(parse_expires_in(Some(&v("\"soon\""))), None);
        assert_eq!(parse_expires_in(None), None);
    }

    #[test]
    fn renews_before_expiry() {
        let t0 = Instant::now();
        assert_eq!(
            refresh_at(t0, Duration::from_secs(3600)),
            t0 + Duration::from_secs(3300)
        );
        assert_eq!(
            refresh_at(t0, Duration::from_secs(4)),
            t0 + Duration::from_secs(3)
        );
        assert_eq!(refresh_at(t0, Duration::ZERO), t0);
    }

    #[test]
    fn entra_codes_from_the_list_or_the_description() {
        let codes = |json: &str| {
            serde_json::from_str::<OAuthError>(json)
                .expect("an OAuth error")
                .codes()
        };
        assert_eq!(
            codes(
                r#"{"error":"invalid_grant","error_description":"AADSTS70008: x","error_codes":[70008]}"#
            ),
            [70008]
        );
        assert_eq!(
            codes(r#"{"error":"invalid_grant","error_description":"AADSTS50076: Due to"}"#),
            [50076]
        );
        assert_eq!(
            codes(r#"{"error":"invalid_grant","error_codes":["x",-1,50173]}"#),
            [50173]
        );
        assert!(codes(r#"{"error":"invalid_client","error_description":"AADSTSx"}"#).is_empty());
        assert!(codes(r#"{"error":"invalid_client"}"#).is_empty());
    }

    #[test]
    fn token_endpoint_is_built_per_tenant() {
        let url = token_endpoint(
            "https://login.microsoftonline.com/",
            "contoso.onmicrosoft.com",
        )
        .expect("valid");
        assert_eq!(
            url.as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token"
        );
        let odd = token_endpoint("http://127.0.0.1:1/base", "a/b").expect("valid");
        assert_eq!(odd.as_str(), "http://127.0.0.1:1/base/a%2Fb/oauth2/token");
        for bad in ["not a url", "ftp://host"] {
            assert_eq!(
                token_endpoint(bad, "t"),
                Err(ConfigError::InvalidUrl {
                    name: "authority_url",
                    value: bad.to_owned(),
                }),
                "{bad}"
            );
        }
    }
}
