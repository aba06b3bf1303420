//! The one place where Partner Center client errors, and its rules' refusals, become Terraform
//! diagnostics.
//!
//! A failure a partner can act on (a sign-in without multi-factor authentication, an expired
//! refresh token, a missing reseller relationship or GDAP role, …) is recognised by its typed
//! parts anywhere in the error's chain: the HTTP status and Partner Center's code, Entra ID's
//! `error_codes`, a TLS error. Its diagnostic says in its summary and first paragraph what is
//! wrong and what to do; the client error follows, with Partner Center's or Entra's own text
//! (bounded) and the ids of the request that failed.

use std::error::Error as StdError;

use rustls::CertificateError;

use crate::partnercenter::{ApiError, AuthError, Caller, Error, NotSent, Refusal, codes};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::values::path;

/// The roles Microsoft lists for setting a customer's Government Community Cloud qualification
/// under GDAP.
const GCC_ROLES: &str =
    "Directory Reader, Directory Writer, License Administrator or User Administrator";

/// How a partner gets a new refresh token, said once for every failure that needs one.
const NEW_REFRESH_TOKEN: &str = "sign in again through the secure application model (a \
    multi-factor sign-in of a Partner Center user to your application) and set the refresh \
    token it gives in refresh_token (PARTNERCENTER_REFRESH_TOKEN)";

/// A failure the partner can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Remedy {
    /// API 401 code 900421.
    MfaRequired,
    /// Any other API 401.
    TokenRefused,
    /// API 403 code 20002.
    NoRelationship,
    /// API 403 code 900150 or 2032.
    RoleMissing,
    /// API 403 to a change sent with app-only credentials.
    NeedsAppUser,
    /// Any other API 403.
    Forbidden,
    /// AADSTS50076.
    SignInNeedsMfa,
    /// AADSTS50079.
    MfaEnrollment,
    /// AADSTS700082, AADSTS70008.
    RefreshTokenExpired,
    /// AADSTS50173.
    RefreshTokenRevoked,
    /// AADSTS70000.
    RefreshTokenInvalid,
    /// AADSTS65001.
    NoConsent,
    /// AADSTS500011: the authority does not know the token resource asked for.
    WrongCloud,
    /// AADSTS7000215, AADSTS7000222.
    ClientSecretRefused,
    /// AADSTS700016.
    UnknownApplication,
    /// Any other refusal of the token endpoint.
    SignInRefused,
    /// A server certificate no trusted authority signed: typically a TLS-inspecting proxy.
    UntrustedCertificate,
}

/// Entra ID's error codes (learn.microsoft.com/entra/identity-platform/reference-error-codes)
/// and what each asks of the partner.
const ENTRA_CODES: [(u32, Remedy); 11] = [
    (50076, Remedy::SignInNeedsMfa),
    (50079, Remedy::MfaEnrollment),
    (700082, Remedy::RefreshTokenExpired),
    (70008, Remedy::RefreshTokenExpired),
    (50173, Remedy::RefreshTokenRevoked),
    (70000, Remedy::RefreshTokenInvalid),
    (65001, Remedy::NoConsent),
    (500011, Remedy::WrongCloud),
    (7000215, Remedy::ClientSecretRefused),
    (7000222, Remedy::ClientSecretRefused),
    (700016, Remedy::UnknownApplication),
];

impl Remedy {
    /// The first cause in `causes` that says what the partner can do.
    fn find<'a>(mut causes: impl Iterator<Item = &'a (dyn StdError + 'static)>) -> Option<Self> {
        causes.find_map(|cause| {
            if let Some(Error::Api(api)) = cause.downcast_ref::<Error>() {
                return Self::of_api(api);
            }
            if let Some(auth) = cause.downcast_ref::<AuthError>() {
                return Self::of_token(auth);
            }
            match cause.downcast_ref::<rustls::Error>() {
                Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
                    Some(Self::UntrustedCertificate)
                }
                _ => None,
            }
        })
    }

    fn of_api(api: &ApiError) -> Option<Self> {
        let change = api.call.method != reqwest::Method::GET;
        Some(match (api.status, api.numeric_code()) {
            _ if api.is_mfa_required() => Self::MfaRequired,
            (401, _) => Self::TokenRefused,
            (403, Some(codes::NO_RELATIONSHIP)) => Self::NoRelationship,
            (403, Some(codes::ROLE_MISSING | codes::ACCESS_DENIED)) => Self::RoleMissing,
            (403, _) if change && api.call.caller == Caller::AppOnly => Self::NeedsAppUser,
            (403, _) => Self::Forbidden,
            _ => return None,
        })
    }

    /// A refusal Entra explains by its code, or else one of the credentials themselves; an
    /// outage or throttling of the token endpoint is no matter of credentials.
    fn of_token(auth: &AuthError) -> Option<Self> {
        let AuthError::Rejected { .. } = auth else {
            return None;
        };
        ENTRA_CODES
            .iter()
            .find(|(code, _)| auth.has_code(*code))
            .map(|(_, remedy)| *remedy)
            .or_else(|| auth.is_permanent().then_some(Self::SignInRefused))
    }

    /// What went wrong and what to do, in short.
    fn summary(self) -> &'static str {
        match self {
            Self::MfaRequired => {
                "Partner Center refused the token: sign in again with multi-factor authentication"
            }
            Self::TokenRefused => "Partner Center refused the token",
            Self::NoRelationship => {
                "Partner Center refused the request: no reseller relationship with the customer"
            }
            Self::RoleMissing => "Partner Center refused the request: a GDAP role is missing",
            Self::NeedsAppUser => {
                "Partner Center refused the request: it needs App+User credentials"
            }
            Self::Forbidden => "Partner Center refused the request",
            Self::SignInNeedsMfa => {
                "Partner Center authentication failed: sign in again with multi-factor authentication"
            }
            Self::MfaEnrollment => {
                "Partner Center authentication failed: the user must set up multi-factor authentication"
            }
            Self::RefreshTokenExpired => {
                "Partner Center authentication failed: the refresh token has expired"
            }
            Self::RefreshTokenRevoked => {
                "Partner Center authentication failed: the refresh token was revoked"
            }
            Self::RefreshTokenInvalid => {
                "Partner Center authentication failed: the refresh token was refused"
            }
            Self::NoConsent => {
                "Partner Center authentication failed: grant admin consent to the application"
            }
            Self::WrongCloud => {
                "Partner Center authentication failed: check environment (the Partner Center cloud)"
            }
            Self::ClientSecretRefused => {
                "Partner Center authentication failed: the client secret was refused"
            }
            Self::UnknownApplication => {
                "Partner Center authentication failed: the application is unknown in the tenant"
            }
            Self::SignInRefused => "Partner Center authentication failed",
            Self::UntrustedCertificate => {
                "Partner Center request failed: the server's TLS certificate is not trusted"
            }
        }
    }

    /// The first paragraph of the detail: what is wrong, and what to do.
    fn advice(self) -> String {
        match self {
            Self::MfaRequired => format!(
                "Partner Center refused the access token because its sign-in did not use \
                 multi-factor authentication (MFA), which Partner Center requires of App+User \
                 calls: {NEW_REFRESH_TOKEN}, or use an access_token from such a sign-in."
            ),
            Self::TokenRefused => "Partner Center did not accept the access token: if \
                 access_token is set, get a new one for this Partner Center; otherwise check that \
                 the application (client_id) is registered in Partner Center (Account settings, \
                 App management) and that environment names the cloud of your partner tenant."
                .to_owned(),
            Self::NoRelationship => "The partner has no reseller relationship with this \
                 customer, which Partner Center requires: request one (in Partner Center, \
                 Customers, Request a reseller relationship; the customer's administrator accepts \
                 it), or check customer_id."
                .to_owned(),
            Self::RoleMissing => format!(
                "The signed-in user has no role in this customer's tenant that allows this: in \
                 the customer's GDAP relationship, assign the user's security group one of \
                 {GCC_ROLES} (the roles Microsoft lists for Government Community Cloud \
                 qualifications), then run Terraform again."
            ),
            Self::NeedsAppUser => format!(
                "Partner Center lets only App+User credentials change a customer, and the \
                 provider signed in as the application alone (no refresh_token): \
                 {NEW_REFRESH_TOKEN}."
            ),
            Self::Forbidden => format!(
                "Partner Center does not let these credentials do this for this customer: \
                 check that the partner has a reseller relationship with the customer, that the \
                 credentials are App+User (refresh_token), and, with GDAP, that the signed-in user \
                 holds a role for the customer (for Government Community Cloud one of {GCC_ROLES})."
            ),
            Self::SignInNeedsMfa => format!(
                "Entra ID requires a multi-factor sign-in for this refresh token: \
                 {NEW_REFRESH_TOKEN}."
            ),
            Self::MfaEnrollment => format!(
                "The user behind the refresh token has not set up multi-factor authentication, \
                 which Entra ID requires: have them register a method at \
                 https://aka.ms/mfasetup, then {NEW_REFRESH_TOKEN}."
            ),
            Self::RefreshTokenExpired => format!(
                "The refresh token has expired (Entra ID ends one that goes unused for 90 \
                 days): {NEW_REFRESH_TOKEN}."
            ),
            Self::RefreshTokenRevoked => format!(
                "The refresh token was revoked (the user's password changed, or an administrator \
                 revoked their sessions): {NEW_REFRESH_TOKEN}."
            ),
            Self::RefreshTokenInvalid => format!(
                "Entra ID does not know this refresh token for this application (it belongs to \
                 another client_id or tenant, or was replaced): {NEW_REFRESH_TOKEN}."
            ),
            Self::NoConsent => format!(
                "Nobody has consented to the application (client_id) in the partner's tenant: \
                 have an administrator grant admin consent to its Partner Center permission (in \
                 Entra ID, App registrations, API permissions, Grant admin consent), then \
                 {NEW_REFRESH_TOKEN}."
            ),
            Self::WrongCloud => "The authority does not know the Partner Center the provider \
                 asked a token for, which happens when the partner tenant is in another cloud: \
                 set environment to the cloud of your Partner Center (\"public\", \
                 \"usgovernment\" or \"china\"), and authority_url only if you must override its \
                 authority."
                .to_owned(),
            Self::ClientSecretRefused => "Entra ID refused the client secret, which is wrong or \
                 has expired: create a new secret for the application and set it in \
                 client_secret (PARTNERCENTER_CLIENT_SECRET)."
                .to_owned(),
            Self::UnknownApplication => "Entra ID found no application with this client_id in \
                 the tenant: check client_id and tenant_id (PARTNERCENTER_CLIENT_ID, \
                 PARTNERCENTER_TENANT_ID), and environment for the tenant's cloud."
                .to_owned(),
            Self::SignInRefused => "Entra ID refused the token request: check tenant_id, \
                 client_id, client_secret and refresh_token; its answer follows."
                .to_owned(),
            Self::UntrustedCertificate => "The server's TLS certificate is not signed by an \
                 authority this machine trusts: if a TLS-inspecting proxy sits in between, add \
                 its CA certificate to the system's trust store (on Linux the provider reads the \
                 OpenSSL locations, such as /etc/ssl/certs, or only SSL_CERT_FILE and \
                 SSL_CERT_DIR when either is set)."
                .to_owned(),
        }
    }
}

/// A short summary, a first paragraph saying what to do where the failure says, and the full,
/// secret-free error text as the rest of the detail.
impl From<Error> for Diagnostics {
    fn from(error: Error) -> Self {
        if let Some(remedy) = Remedy::find(error.causes()) {
            let detail = format!(
                "{}\n\n{}.",
                remedy.advice(),
                capitalized(&error.to_string())
            );
            return Diagnostic::error(remedy.summary(), detail).into();
        }
        let summary = match &error {
            Error::Auth { .. } => "Partner Center authentication failed",
            Error::Cancelled { .. } => "Request cancelled",
            Error::Config(_) => "Invalid provider configuration",
            Error::NoValidationCodes { .. } => "No validation codes in this Partner Center",
            _ if error.is_throttled() => "Partner Center is throttling requests",
            _ if error.is_not_found() => "Not found in Partner Center",
            Error::Api(_) => "Partner Center refused the request",
            _ => "Partner Center request failed",
        };
        Diagnostic::error(summary, format!("{error}.")).into()
    }
}

/// `text` as a sentence begins.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A rule's refusal, pointing at the attribute it is about.
pub(crate) fn refused(refusal: &Refusal, attribute: &str) -> Diagnostic {
    Diagnostic::error(refusal.summary(), refusal.to_string()).at(path(attribute))
}

/// The warning for an attribute the configured contract does not send.
pub(crate) fn not_sent(attribute: &'static str) -> Diagnostic {
    let unsent = NotSent(attribute);
    Diagnostic::warning(unsent.summary(), unsent.to_string()).at(path(attribute))
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use super::*;
    use crate::partnercenter::error::{EntraRefusal, ErrorBody, causes};
    use crate::partnercenter::{CallContext, RequestIds};

    fn call(method: reqwest::Method, caller: Caller) -> CallContext {
        CallContext {
            method,
            path: "/v1/customers/0c39d6d5-c70d-4c55-bc02-f620844f3fd1/qualification".into(),
            ids: RequestIds {
                request_id: "req-1".into(),
                correlation_id: "corr-1".into(),
            },
            caller,
        }
    }

    fn api(status: u16, body: &str, call: CallContext) -> Error {
        let decoded = ErrorBody::decode(body.as_bytes());
        Error::Api(Box::new(ApiError {
            status,
            code: decoded.code().map(str::to_owned),
            description: decoded.description().map(str::to_owned),
            call,
            retry_after: None,
        }))
    }

    fn put(status: u16, body: &str) -> Error {
        api(status, body, call(reqwest::Method::PUT, Caller::AppUser))
    }

    fn token(codes: &[u32], description: &str) -> Error {
        Error::Auth {
            call: Box::new(call(reqwest::Method::GET, Caller::AppUser)),
            source: AuthError::Rejected {
                endpoint: "https://login.microsoftonline.com/t/oauth2/token".into(),
                status: 400,
                error: "invalid_grant".into(),
                description: Some(description.into()),
                retry_after: None,
                entra: Box::new(EntraRefusal {
                    error_codes: codes.to_vec(),
                    trace_id: Some("trace-1".into()),
                    client_request_id: "client-1".into(),
                }),
            },
        }
    }

    /// The one diagnostic `error` becomes.
    fn diagnostic(error: Error) -> Diagnostic {
        let mut diagnostics = Diagnostics::from(error).0;
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        diagnostics.remove(0)
    }

    /// Asserts that `error`'s diagnostic has `summary`, says `advice` in its first paragraph,
    /// and then quotes `quoted` and names the ids of the request that failed.
    #[track_caller]
    fn says(error: Error, summary: &str, advice: &[&str], quoted: &str) {
        let ids = match &error {
            Error::Auth { .. } => ["client-1", "trace-1"],
            _ => ["req-1", "corr-1"],
        };
        let d = diagnostic(error);
        assert!(d.summary.contains(summary), "{summary}: {}", d.summary);
        let (first, rest) = d.detail.split_once("\n\n").expect("two paragraphs");
        for word in advice {
            assert!(first.contains(word), "{summary}: {word:?} not in {first}");
        }
        for part in [quoted].iter().chain(&ids) {
            assert!(rest.contains(part), "{summary}: {part:?} not in {rest}");
        }
    }

    #[test]
    fn each_api_case_says_what_to_do_first_then_quotes_the_answer_with_its_ids() {
        let app_only = call(reqwest::Method::PUT, Caller::AppOnly);
        let cases: [(Error, &str, &[&str], &str); 7] = [
            (
                put(
                    401,
                    r#"{"code":900421,"description":"MFA required","data":[]}"#,
                ),
                "sign in again with multi-factor authentication",
                &["multi-factor", "secure application model", "refresh_token"],
                "MFA required",
            ),
            (
                put(401, ""),
                "Partner Center refused the token",
                &["access_token", "environment"],
                "HTTP 401",
            ),
            (
                put(
                    403,
                    r#"{"code":20002,"description":"has no commerce relationship"}"#,
                ),
                "no reseller relationship",
                &["reseller relationship", "customer_id"],
                "no commerce relationship",
            ),
            (
                put(
                    403,
                    r#"{"code":"900150","description":"doesn't have the rights"}"#,
                ),
                "a GDAP role is missing",
                &["GDAP", GCC_ROLES],
                "doesn't have the rights",
            ),
            (
                put(403, r#"{"code":2032,"description":"Access denied"}"#),
                "a GDAP role is missing",
                &["GDAP", GCC_ROLES],
                "Access denied",
            ),
            (
                put(403, r#""Customer tagging denied.""#),
                "Partner Center refused the request",
                &["reseller relationship", "App+User", GCC_ROLES],
                "Customer tagging denied.",
            ),
            (
                api(
                    403,
                    r#"{"description":"not by application credentials"}"#,
                    app_only,
                ),
                "needs App+User credentials",
                &["application alone", "refresh_token"],
                "not by application credentials",
            ),
        ];
        for (error, summary, advice, quoted) in cases {
            says(error, summary, advice, quoted);
        }
    }

    #[test]
    fn each_token_case_says_what_to_do_first_then_quotes_entra() {
        let cases: [(u32, &str, &[&str]); 12] = [
            (
                50076,
                "sign in again with multi-factor authentication",
                &[
                    "multi-factor sign-in",
                    "secure application model",
                    "PARTNERCENTER_REFRESH_TOKEN",
                ],
            ),
            (
                50079,
                "set up multi-factor authentication",
                &["https://aka.ms/mfasetup"],
            ),
            (
                700082,
                "the refresh token has expired",
                &["90 days", "refresh_token"],
            ),
            (70008, "the refresh token has expired", &["refresh_token"]),
            (
                50173,
                "the refresh token was revoked",
                &["password", "refresh_token"],
            ),
            (
                65001,
                "grant admin consent",
                &["admin consent", "client_id"],
            ),
            (500011, "check environment", &["environment", "\"china\""]),
            (7000215, "the client secret was refused", &["client_secret"]),
            (7000222, "the client secret was refused", &["client_secret"]),
            (
                70000,
                "the refresh token was refused",
                &["another client_id or tenant", "refresh_token"],
            ),
            (
                700016,
                "the application is unknown in the tenant",
                &["client_id", "tenant_id", "environment"],
            ),
            (
                9999,
                "Partner Center authentication failed",
                &["tenant_id", "client_secret"],
            ),
        ];
        for (code, summary, advice) in cases {
            let said = format!("AADSTS{code}: Entra's own words");
            says(token(&[code], &said), summary, advice, &said);
        }
    }

    #[test]
    fn a_token_endpoint_outage_asks_for_no_new_credentials() {
        let refused = |status| Error::RetriesExhausted {
            attempts: 6,
            last: Box::new(Error::Auth {
                call: Box::new(call(reqwest::Method::GET, Caller::AppUser)),
                source: AuthError::Rejected {
                    endpoint: "https://login.microsoftonline.com/t/oauth2/token".into(),
                    status,
                    error: "unexpected answer".into(),
                    description: None,
                    retry_after: None,
                    entra: Box::default(),
                },
            }),
        };
        for status in [429, 503] {
            let outage = refused(status);
            assert_eq!(Remedy::find(outage.causes()), None, "HTTP {status}");
            let d = diagnostic(outage);
            assert_eq!(d.summary, "Partner Center request failed", "HTTP {status}");
            assert!(!d.detail.contains("check tenant_id"), "{}", d.detail);
        }
        assert_eq!(
            Remedy::find(refused(400).causes()),
            Some(Remedy::SignInRefused)
        );
    }

    #[test]
    fn remedies_look_through_retries_and_deadlines() {
        let error = Error::RetriesExhausted {
            attempts: 2,
            last: Box::new(put(403, r#"{"code":20002,"description":"x"}"#)),
        };
        assert_eq!(Remedy::find(error.causes()), Some(Remedy::NoRelationship));
        // A read refused to an app-only caller is no matter of credentials.
        let read = api(403, "", call(reqwest::Method::GET, Caller::AppOnly));
        assert_eq!(Remedy::find(read.causes()), Some(Remedy::Forbidden));
        // Not found, throttling and a bad request keep their own summaries.
        for (status, body, summary) in [
            (
                404,
                r#"{"code":1000,"description":"Customer not found"}"#,
                "Not found in Partner Center",
            ),
            (
                429,
                r#"{"statusCode":429,"message":"Rate limit is exceeded."}"#,
                "Partner Center is throttling requests",
            ),
            (
                400,
                r#"{"code":3000,"description":"Invalid"}"#,
                "Partner Center refused the request",
            ),
        ] {
            assert_eq!(diagnostic(put(status, body)).summary, summary);
        }
    }

    /// A transport error as reqwest nests it: the TLS error inside an `io::Error` inside
    /// another.
    #[derive(Debug)]
    struct Connect(std::io::Error);

    impl fmt::Display for Connect {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("error sending request")
        }
    }

    impl StdError for Connect {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn an_unknown_certificate_authority_is_found_inside_io_errors() {
        let tls = |error| {
            Connect(std::io::Error::other(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(error),
            )))
        };
        let untrusted = tls(CertificateError::UnknownIssuer);
        assert_eq!(
            Remedy::find(causes(&untrusted)),
            Some(Remedy::UntrustedCertificate)
        );
        assert_eq!(Remedy::find(causes(&tls(CertificateError::Expired))), None);
        let advice = Remedy::UntrustedCertificate.advice();
        for part in ["TLS-inspecting proxy", "/etc/ssl/certs", "SSL_CERT_FILE"] {
            assert!(advice.contains(part), "{advice}");
        }
    }

    #[test]
    fn every_summary_is_a_one_line_title_and_every_advice_a_sentence() {
        let remedies = [
            Remedy::MfaRequired,
            Remedy::TokenRefused,
            Remedy::NoRelationship,
            Remedy::RoleMissing,
            Remedy::NeedsAppUser,
            Remedy::Forbidden,
            Remedy::SignInNeedsMfa,
            Remedy::MfaEnrollment,
            Remedy::RefreshTokenExpired,
            Remedy::RefreshTokenRevoked,
            Remedy::RefreshTokenInvalid,
            Remedy::NoConsent,
            Remedy::WrongCloud,
            Remedy::ClientSecretRefused,
            Remedy::UnknownApplication,
            Remedy::SignInRefused,
            Remedy::UntrustedCertificate,
        ];
        for remedy in remedies {
            let (summary, advice) = (remedy.summary(), remedy.advice());
            assert!(
                !summary.ends_with('.') && !summary.contains('\n'),
                "{summary}"
            );
            assert!(advice.ends_with('.') && !advice.contains("  "), "{advice}");
        }
    }
}
