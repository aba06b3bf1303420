//! The client's errors, Partner Center's three error body shapes, and what is worth retrying.
//!
//! Every message is complete on its own (status, code, description, the ids to quote to support)
//! and never holds a token, a secret or a validation code: URLs appear as paths without a query.
//! What a server wrote is kept whole (so redaction sees every secret it echoes) and bounded
//! only when displayed.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::config::Caller;
use super::environment::Environment;
use super::retry::retry_after_from_message;
use crate::quote::{PROSE_CHARS, QUOTED_CHARS, excerpt, quote};

/// Partner Center's error codes that the client and the sandbox act on.
pub mod codes {
    /// The customer does not exist (HTTP 404).
    pub const CUSTOMER_NOT_FOUND: u32 = 1000;
    /// The resource does not exist (HTTP 404).
    pub const NOT_FOUND: u32 = 60003;
    /// A property of the request is invalid (HTTP 400).
    pub const INVALID_PROPERTY: u32 = 3000;
    /// The customer id is not a valid tenant id (HTTP 400).
    pub const INVALID_CUSTOMER_ID: u32 = 900118;
    /// The partner has no commerce (reseller) relationship with the customer (HTTP 403).
    pub const NO_RELATIONSHIP: u32 = 20002;
    /// The caller's role may not do this; with GDAP, a role is missing (HTTP 403).
    pub const ROLE_MISSING: u32 = 900150;
    /// Access denied: the caller's role may not do this (HTTP 403).
    pub const ACCESS_DENIED: u32 = 2032;
    /// The App+User token does not come from a multi-factor sign-in (HTTP 401), enforced for
    /// App+User calls since 1 April 2026.
    pub const MFA_REQUIRED: u32 = 900421;
}

/// The identifiers Microsoft support asks for, of one HTTP request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestIds {
    /// `MS-RequestId`: one per logical call, the same on each of its retries.
    pub request_id: String,
    /// `MS-CorrelationId`: new for every request, retries included.
    pub correlation_id: String,
}

impl fmt::Display for RequestIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MS-RequestId {}, MS-CorrelationId {}",
            self.request_id, self.correlation_id
        )
    }
}

/// Which request an error belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallContext {
    pub method: reqwest::Method,
    /// The request path, never its query (which may hold a validation code).
    pub path: String,
    pub ids: RequestIds,
    /// Whose credentials the request carried.
    pub caller: Caller,
}

impl fmt::Display for CallContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, excerpt(&self.path, PROSE_CHARS))
    }
}

/// A non-success answer of the Partner Center API, decoded from whichever body shape it used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    /// Partner Center's error code (numeric codes are kept as their decimal text).
    pub code: Option<String>,
    pub description: Option<String>,
    pub call: CallContext,
    /// The wait the server asked for (`Retry-After`, or the throttling message).
    pub retry_after: Option<Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Partner Center answered {} with HTTP {}",
            self.call, self.status
        )?;
        if let Some(reason) = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
        {
            write!(f, " {reason}")?;
        }
        match (&self.code, &self.description) {
            (Some(code), Some(description)) => write!(
                f,
                ": code {}: {}",
                excerpt(code, PROSE_CHARS),
                excerpt(description, PROSE_CHARS)
            )?,
            (Some(code), None) => write!(f, ": code {}", excerpt(code, PROSE_CHARS))?,
            (None, Some(description)) => write!(f, ": {}", excerpt(description, PROSE_CHARS))?,
            (None, None) => {}
        }
        write!(f, " ({})", self.call.ids)
    }
}

impl StdError for ApiError {}

impl ApiError {
    /// Partner Center's error code as a number, when it is one (it comes as either).
    pub fn numeric_code(&self) -> Option<u32> {
        self.code.as_deref()?.trim().parse().ok()
    }

    /// The token does not come from a multi-factor sign-in: 401 with code 900421 (Microsoft
    /// documents the status and the code, not the description).
    pub fn is_mfa_required(&self) -> bool {
        self.status == 401 && self.numeric_code() == Some(codes::MFA_REQUIRED)
    }
}

/// A failure to obtain an access token from the authority. Each names the token request's
/// `client-request-id`, which Entra ID logs as its correlation id.
#[derive(Clone, Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token endpoint {} refused the request with HTTP {status}: {}{} ({entra})", excerpt(.endpoint, PROSE_CHARS), excerpt(.error, PROSE_CHARS), describe(.description))]
    Rejected {
        endpoint: String,
        status: u16,
        /// The OAuth error, e.g. `invalid_grant`.
        error: String,
        /// Entra's `error_description`: "AADSTS…: …", its trace and correlation ids, a time.
        description: Option<String>,
        retry_after: Option<Duration>,
        /// Boxed: a refusal is rare, and every call's result carries room for one.
        entra: Box<EntraRefusal>,
    },
    #[error("could not reach the token endpoint {}: {} (client-request-id {client_request_id})", excerpt(.endpoint, PROSE_CHARS), source_chain(.source))]
    Transport {
        endpoint: String,
        /// Stripped of its URL. Shared: one failed token request answers every call waiting
        /// for it.
        #[source]
        source: Arc<reqwest::Error>,
        client_request_id: String,
    },
    #[error(
        "the token endpoint {} answered HTTP {status} without a usable token: {detail} (client-request-id {client_request_id})",
        excerpt(.endpoint, PROSE_CHARS)
    )]
    InvalidResponse {
        endpoint: String,
        status: u16,
        detail: String,
        client_request_id: String,
    },
}

impl AuthError {
    /// The authority refused the credentials themselves (`invalid_client`, `invalid_grant`):
    /// asking again with the same ones would be refused again.
    pub(crate) fn is_permanent(&self) -> bool {
        matches!(self, Self::Rejected { status, .. }
            if (400..500).contains(status) && !matches!(status, 408 | 429))
    }

    /// Whether Entra ID refused with the error `code` (AADSTS`code`).
    pub fn has_code(&self, code: u32) -> bool {
        matches!(self, Self::Rejected { entra, .. } if entra.error_codes.contains(&code))
    }
}

/// What Entra ID says of a refused token request besides the OAuth error, and the ids its
/// support asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntraRefusal {
    /// Entra's `error_codes`, e.g. `[50076]` (or the AADSTS number the description starts
    /// with, where an answer has no such list).
    pub error_codes: Vec<u32>,
    /// Entra's `trace_id`.
    pub trace_id: Option<String>,
    /// The `client-request-id` the request carried, which Entra logs as its correlation id.
    pub client_request_id: String,
}

impl fmt::Display for EntraRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client-request-id {}", self.client_request_id)?;
        if let Some(trace_id) = &self.trace_id {
            write!(f, ", trace ID {}", excerpt(trace_id, QUOTED_CHARS))?;
        }
        Ok(())
    }
}

fn describe(description: &Option<String>) -> String {
    description
        .as_deref()
        .map(|d| format!(" ({})", excerpt(d, PROSE_CHARS)))
        .unwrap_or_default()
}

/// A configuration the client cannot start with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} {} is not an http(s) URL", quote(.value))]
    InvalidUrl { name: &'static str, value: String },
    /// The value is not quoted: a proxy URL may carry a password.
    #[error(
        "the environment variable {variable} does not name a proxy the provider can use: set it \
         to http://host:port (or https://host:port, with user:password@ before the host if the \
         proxy asks for them)"
    )]
    ProxyUrl { variable: &'static str },
    #[error(
        "the environment variable {variable} names a SOCKS proxy, which the provider does not \
         support: set it to an HTTP proxy (http://host:port)"
    )]
    SocksProxy { variable: &'static str },
    #[error("the HTTP client could not be built: {0}")]
    Http(String),
}

/// Everything a Partner Center call can end with, other than success.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Api(Box<ApiError>),
    #[error("gave up after {}: {last}", plural_attempts(*.attempts))]
    RetriesExhausted {
        attempts: u32,
        #[source]
        last: Box<Error>,
    },
    /// The API request waited for the token and was not sent: the token request's own ids
    /// are in `source`.
    #[error("could not get a Partner Center access token for {call}: {source}")]
    Auth {
        call: Box<CallContext>,
        #[source]
        source: AuthError,
    },
    #[error("{call} failed before Partner Center answered: {} ({})", source_chain(.source), .call.ids)]
    Transport {
        call: Box<CallContext>,
        /// Stripped of its URL, which could carry a validation code.
        #[source]
        source: reqwest::Error,
    },
    #[error("{call} was cancelled because Terraform asked the provider to stop ({})", .call.ids)]
    Cancelled { call: Box<CallContext> },
    #[error("{call} did not finish within its deadline of {deadline:?}, after {} ({}){}", plural_attempts(*.attempts), .call.ids, last_error(.last))]
    DeadlineExceeded {
        call: Box<CallContext>,
        deadline: Duration,
        attempts: u32,
        #[source]
        last: Option<Box<Error>>,
    },
    #[error("Partner Center answered {call} with HTTP {status} but the body is not what the API documents: {detail} ({})", .call.ids)]
    InvalidResponse {
        call: Box<CallContext>,
        status: u16,
        detail: String,
    },
    /// Asked of a Partner Center that does not offer it; nothing was sent.
    #[error(
        "{} (environment = \"{environment}\") has no Government Community Cloud validation \
         codes, so the provider did not ask for them: only Partner Center for Microsoft Cloud \
         for US Government issues them. Remove partnercenter_validation_codes from this \
         configuration, or set environment = \"usgovernment\" if your partner account is there",
        .environment.title()
    )]
    NoValidationCodes { environment: Environment },
    #[error("invalid Partner Center client configuration: {0}")]
    Config(#[from] ConfigError),
}

/// `error` and its causes, outermost first. Where a cause is a box of another error, the
/// boxed error itself: `Box`, `Arc` and `io::Error` pass `source()` on to what their content
/// wraps, which would skip the content (an `Error::Api`, a `rustls::Error`).
pub(crate) fn causes<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    fn unboxed<'a>(error: &'a (dyn StdError + 'static)) -> &'a (dyn StdError + 'static) {
        if let Some(boxed) = error.downcast_ref::<Box<Error>>() {
            &**boxed
        } else if let Some(shared) = error.downcast_ref::<Arc<reqwest::Error>>() {
            &**shared
        } else if let Some(inner) = error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            // hyper wraps a TLS failure in two of them.
            unboxed(inner)
        } else {
            error
        }
    }
    std::iter::successors(Some(unboxed(error)), |&error| error.source().map(unboxed))
}

/// An error and its causes on one line.
pub(crate) fn source_chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// serde's own message may quote the offending value, which could be a token or a validation
/// code: say only what went wrong and where.
pub(crate) fn describe_json_error(e: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {} column {}",
        e.classify(),
        e.line(),
        e.column()
    )
}

fn plural_attempts(attempts: u32) -> String {
    match attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    }
}

fn last_error(last: &Option<Box<Error>>) -> String {
    last.as_ref()
        .map(|e| format!("; last error: {e}"))
        .unwrap_or_default()
}

/// Whether and how soon a failed attempt may be tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetryDecision {
    Stop,
    Retry { server_delay: Option<Duration> },
}

impl Error {
    /// The API answer at the root of this error, looking through retry and deadline wrappers.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(api) => Some(api),
            Self::RetriesExhausted { last, .. } => last.api(),
            Self::DeadlineExceeded { last, .. } => last.as_deref().and_then(Self::api),
            _ => None,
        }
    }

    /// The HTTP status Partner Center (or the authority) answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Auth {
                source: AuthError::Rejected { status, .. },
                ..
            } => Some(*status),
            Self::InvalidResponse { status, .. } => Some(*status),
            _ => self.api().map(|api| api.status),
        }
    }

    /// Partner Center's error code, e.g. `"1000"`.
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(|api| api.code.as_deref())
    }

    /// Partner Center itself says the customer (or what was asked for) does not exist: an API
    /// answer with code 1000 or 60003. A bare 404 is not enough: a wrong `base_url`, a proxy or
    /// the token endpoint answer 404 too, and the resource drops from state on this answer.
    pub fn is_not_found(&self) -> bool {
        let not_found = [codes::CUSTOMER_NOT_FOUND, codes::NOT_FOUND];
        self.api()
            .and_then(ApiError::numeric_code)
            .is_some_and(|code| not_found.contains(&code))
    }

    /// Partner Center was still throttling when the client gave up.
    pub fn is_throttled(&self) -> bool {
        self.status() == Some(429)
    }

    /// The `MS-RequestId` of the logical call this error ended.
    pub fn request_id(&self) -> Option<&str> {
        self.context().map(|c| c.ids.request_id.as_str())
    }

    /// The `MS-CorrelationId` of the request that failed last.
    pub fn correlation_id(&self) -> Option<&str> {
        self.context().map(|c| c.ids.correlation_id.as_str())
    }

    /// The request that failed last, if one was meant to be sent.
    pub fn context(&self) -> Option<&CallContext> {
        match self {
            Self::Api(api) => Some(&api.call),
            Self::RetriesExhausted { last, .. } => last.context(),
            Self::Transport { call, .. }
            | Self::Auth { call, .. }
            | Self::Cancelled { call }
            | Self::DeadlineExceeded { call, .. }
            | Self::InvalidResponse { call, .. } => Some(call),
            Self::NoValidationCodes { .. } | Self::Config(_) => None,
        }
    }

    /// This error and its causes, outermost first, including what an `io::Error` wraps
    /// (its own `source` skips it): where a TLS or a proxy failure is found.
    pub fn causes(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        causes(self)
    }

    /// 429 and 500/502/503/504 are transient, as are failures to connect or to read an answer;
    /// any other answer would be the same next time.
    pub(crate) fn retry_decision(&self) -> RetryDecision {
        let transient_status = |status: u16| matches!(status, 429 | 500 | 502 | 503 | 504);
        // TLS refused (a certificate no trusted authority signed, a name that does not match):
        // the same connection would be refused the same way.
        if self.causes().any(|cause| cause.is::<rustls::Error>()) {
            return RetryDecision::Stop;
        }
        match self {
            Self::Api(api) if transient_status(api.status) => RetryDecision::Retry {
                server_delay: api.retry_after,
            },
            Self::Auth {
                source:
                    AuthError::Rejected {
                        status,
                        retry_after,
                        ..
                    },
                ..
            } if transient_status(*status) => RetryDecision::Retry {
                server_delay: *retry_after,
            },
            Self::Auth {
                source: AuthError::Transport { .. },
                ..
            } => RetryDecision::Retry { server_delay: None },
            // Connecting, sending and reading can fail once and work the next time; a redirect
            // loop or an undecodable answer would fail the same way.
            Self::Transport { source, .. }
                if source.is_connect()
                    || source.is_timeout()
                    || source.is_request()
                    || source.is_body() =>
            {
                RetryDecision::Retry { server_delay: None }
            }
            _ => RetryDecision::Stop,
        }
    }
}

/// Partner Center's error bodies: `{"code","description",…}`, `{"statusCode","message"}`,
/// a bare JSON string, or (from a gateway) anything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ErrorBody {
    Structured {
        code: Option<String>,
        description: Option<String>,
    },
    Throttled {
        message: String,
    },
    Text(String),
    Empty,
}

impl ErrorBody {
    pub(crate) fn decode(body: &[u8]) -> Self {
        use serde_json::Value;
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            return Self::Empty;
        }
        let as_text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        match serde_json::from_str::<Value>(text) {
            Ok(Value::String(s)) => Self::Text(s),
            Ok(Value::Object(map))
                if map.contains_key("code") || map.contains_key("description") =>
            {
                Self::Structured {
                    code: map.get("code").and_then(as_text),
                    description: map.get("description").and_then(as_text),
                }
            }
            Ok(Value::Object(map)) if map.contains_key("message") => Self::Throttled {
                message: map.get("message").and_then(as_text).unwrap_or_default(),
            },
            _ => Self::Text(text.to_owned()),
        }
    }

    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            Self::Structured { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn description(&self) -> Option<&str> {
        match self {
            Self::Structured { description, .. } => description.as_deref(),
            Self::Throttled { message } | Self::Text(message) => Some(message),
            Self::Empty => None,
        }
    }

    /// The wait a throttling message names, for 429 answers without a `Retry-After` header.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { message } => retry_after_from_message(message),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallContext {
        CallContext {
            method: reqwest::Method::GET,
            path: "/v1/customers/abc/qualification".into(),
            ids: RequestIds {
                request_id: "req-1".into(),
                correlation_id: "corr-1".into(),
            },
            caller: Caller::AppUser,
        }
    }

    fn rejected(status: u16, error: &str, codes: &[u32]) -> AuthError {
        AuthError::Rejected {
            endpoint: "https://login/t/oauth2/token".into(),
            status,
            error: error.into(),
            description: Some(format!("AADSTS{}: refused", codes.first().unwrap_or(&0))),
            retry_after: None,
            entra: Box::new(EntraRefusal {
                error_codes: codes.to_vec(),
                trace_id: Some("trace-1".into()),
                client_request_id: "client-1".into(),
            }),
        }
    }

    fn api(status: u16, body: &str) -> Error {
        let decoded = ErrorBody::decode(body.as_bytes());
        Error::Api(Box::new(ApiError {
            status,
            code: decoded.code().map(str::to_owned),
            description: decoded.description().map(str::to_owned),
            call: call(),
            retry_after: decoded.retry_after(),
        }))
    }

    #[test]
    fn decodes_structured_with_numeric_and_string_codes() {
        let numeric =
            r#"{"code":1000,"description":"Customer not found","data":[],"source":"PartnerFD"}"#;
        assert_eq!(
            ErrorBody::decode(numeric.as_bytes()),
            ErrorBody::Structured {
                code: Some("1000".into()),
                description: Some("Customer not found".into())
            }
        );
        let string = r#"{"code":"20002","description":"No relationship","data":["x"]}"#;
        assert_eq!(ErrorBody::decode(string.as_bytes()).code(), Some("20002"));
    }

    #[test]
    fn decodes_throttling_body() {
        let body =
            r#"{"statusCode":429,"message":"Rate limit is exceeded. Try again in 57 seconds."}"#;
        let decoded = ErrorBody::decode(body.as_bytes());
        assert!(matches!(decoded, ErrorBody::Throttled { .. }));
        assert_eq!(decoded.retry_after(), Some(Duration::from_secs(57)));
        assert_eq!(decoded.code(), None);
    }

    #[test]
    fn decodes_bare_string_empty_and_foreign_bodies() {
        assert_eq!(
            ErrorBody::decode(br#""Access is denied""#),
            ErrorBody::Text("Access is denied".into())
        );
        assert_eq!(ErrorBody::decode(b"  "), ErrorBody::Empty);
        // Kept whole, so that redaction sees a secret anywhere in it, and bounded only in
        // the message.
        let html = format!("<html>{}SECRET-1</html>", "x".repeat(PROSE_CHARS));
        let ErrorBody::Text(kept) = ErrorBody::decode(format!(" {html}\n").as_bytes()) else {
            panic!("html is kept as text")
        };
        assert_eq!(kept, html);
        let message = api(502, &html).to_string();
        assert!(!message.contains("SECRET"), "{message}");
        assert!(message.contains("… (21 more characters)"), "{message}");
    }

    #[test]
    fn long_server_and_user_text_is_bounded_in_messages() {
        let huge = "d".repeat(1 << 20);
        let body = format!(r#"{{"code":"{huge}","description":"{huge}"}}"#);
        let Error::Api(mut answer) = api(400, &body) else {
            panic!("an API error")
        };
        answer.call.path = format!("/v1/customers/{huge}/qualification");
        let message = answer.to_string();
        assert!(message.len() < 4 * PROSE_CHARS, "{} bytes", message.len());
        assert_eq!(message.matches("more characters").count(), 3, "{message}");
        let rejected = AuthError::Rejected {
            endpoint: huge.clone(),
            status: 400,
            error: huge.clone(),
            description: Some(huge.clone()),
            retry_after: None,
            entra: Box::new(EntraRefusal {
                trace_id: Some(huge.clone()),
                ..EntraRefusal::default()
            }),
        };
        assert!(rejected.to_string().len() < 4 * PROSE_CHARS);
        let invalid = ConfigError::InvalidUrl {
            name: "base_url",
            value: huge,
        };
        assert!(invalid.to_string().len() < 200, "{invalid}");
    }

    #[test]
    fn message_carries_status_code_description_and_ids() {
        let e = api(404, r#"{"code":1000,"description":"Customer not found"}"#);
        assert_eq!(
            e.to_string(),
            "Partner Center answered GET /v1/customers/abc/qualification with HTTP 404 Not Found: \
             code 1000: Customer not found (MS-RequestId req-1, MS-CorrelationId corr-1)"
        );
        assert!(e.is_not_found());
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.retry_decision(), RetryDecision::Stop);
    }

    #[test]
    fn not_found_only_when_partner_center_says_so() {
        assert!(api(404, r#"{"code":"60003","description":"x"}"#).is_not_found());
        assert!(!api(400, r#"{"code":900118,"description":"x"}"#).is_not_found());
        // A 404 from a wrong base_url, a proxy or a gateway must not drop resources from state.
        assert!(!api(404, "").is_not_found());
        assert!(!api(404, "<html>Not Found</html>").is_not_found());
        let token_404 = Error::Auth {
            call: Box::new(call()),
            source: rejected(404, "unexpected answer", &[]),
        };
        assert!(!token_404.is_not_found());
    }

    #[test]
    fn classification_looks_through_wrappers() {
        let throttled = api(
            429,
            r#"{"statusCode":429,"message":"Try again in 3 seconds."}"#,
        );
        assert_eq!(
            throttled.retry_decision(),
            RetryDecision::Retry {
                server_delay: Some(Duration::from_secs(3))
            }
        );
        let exhausted = Error::RetriesExhausted {
            attempts: 3,
            last: Box::new(throttled),
        };
        assert!(exhausted.is_throttled());
        assert_eq!(exhausted.correlation_id(), Some("corr-1"));
        assert!(exhausted.to_string().starts_with(
            "gave up after 3 attempts: Partner Center answered GET /v1/customers/abc/qualification"
        ));
        assert!(exhausted.source().is_some());
        for status in [500, 502, 503, 504] {
            assert!(matches!(
                api(status, "").retry_decision(),
                RetryDecision::Retry { .. }
            ));
        }
        for status in [400, 401, 403, 404, 409] {
            assert_eq!(api(status, "").retry_decision(), RetryDecision::Stop);
        }
    }

    #[test]
    fn auth_errors_retry_only_when_transient() {
        let refused = |status| Error::Auth {
            call: Box::new(call()),
            source: rejected(status, "invalid_grant", &[70000]),
        };
        assert_eq!(refused(400).retry_decision(), RetryDecision::Stop);
        assert!(matches!(
            refused(503).retry_decision(),
            RetryDecision::Retry { .. }
        ));
        // The API request was not sent: the token request's own ids are the ones to quote.
        assert_eq!(
            refused(400).to_string(),
            "could not get a Partner Center access token for GET /v1/customers/abc/qualification: \
             the token endpoint https://login/t/oauth2/token refused the request with HTTP 400: \
             invalid_grant (AADSTS70000: refused) (client-request-id client-1, trace ID trace-1)"
        );
        assert!(rejected(400, "invalid_grant", &[50076, 50079]).has_code(50079));
        assert!(!rejected(400, "invalid_grant", &[50076]).has_code(70000));
    }
}
