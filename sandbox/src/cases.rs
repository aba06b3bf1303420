//! The failures partners meet in Partner Center and Entra, each answered by name exactly as
//! Microsoft answers it: a test asks for one with a fault `{"kind":"case","case":"mfa_required"}`.
//!
//! Sources: learn.microsoft.com/partner-center/developer/error-codes (20002, 900150, 2032),
//! Partner Center's MFA enforcement for App+User calls (401 with code 900421; its description is
//! not published: the sandbox writes PowerShell's "MFA required"), and
//! learn.microsoft.com/entra/identity-platform/reference-error-codes (the AADSTS errors).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::wire::{Cloud, Code, EntraError, ErrorBody, PARTNER_CENTER_APP_ID, error_codes};

/// A named failure. The API's cases strike the API routes, the token cases the token endpoint,
/// unless the fault names a `path_prefix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCase {
    /// API 401 `{"code":900421,"description":"MFA required",…}`: the App+User token does not
    /// come from a multi-factor sign-in.
    #[serde(rename = "mfa_required")]
    MfaRequired,
    /// API 403 code 20002: "The partner ID {partner} has no commerce relationship with the
    /// customer ID {customer}."
    #[serde(rename = "no_relationship")]
    NoRelationship,
    /// API 403 code `"900150"` (a string, as the documented schema types `code`): the caller's
    /// role (with GDAP, a missing role) may not do this.
    #[serde(rename = "role_missing")]
    RoleMissing,
    /// API 403 code 2032 "Access denied".
    #[serde(rename = "access_denied")]
    AccessDenied,
    /// API 403 with a bare JSON string: `"Customer tagging denied."`.
    #[serde(rename = "bare_string")]
    BareString,
    /// Token 400 `invalid_grant` AADSTS50076: multi-factor authentication is required.
    #[serde(rename = "aadsts50076")]
    SignInNeedsMfa,
    /// Token 400 `invalid_grant` AADSTS50079: the user must enroll in multi-factor
    /// authentication.
    #[serde(rename = "aadsts50079")]
    SignInNeedsMfaEnrollment,
    /// Token 400 `invalid_grant` AADSTS700082: the refresh token expired after 90 days unused.
    #[serde(rename = "aadsts700082")]
    RefreshTokenInactive,
    /// Token 400 `invalid_grant` AADSTS70008: the refresh token has expired.
    #[serde(rename = "aadsts70008")]
    RefreshTokenExpired,
    /// Token 400 `invalid_grant` AADSTS50173: the refresh token was revoked (a password reset,
    /// an administrator).
    #[serde(rename = "aadsts50173")]
    RefreshTokenRevoked,
    /// Token 400 `invalid_grant` AADSTS65001: nobody consented to the application.
    #[serde(rename = "aadsts65001")]
    NoConsent,
}

/// What an answer names besides the case: taken from the request and the sandbox.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CaseContext<'a> {
    pub(crate) cloud: Cloud,
    /// The customer of the request's path, if any.
    pub(crate) customer_id: Option<&'a str>,
    /// The partner's tenant.
    pub(crate) partner_id: &'a str,
    /// The partner's application.
    pub(crate) client_id: &'a str,
    /// A token request's `client-request-id`.
    pub(crate) client_request_id: Option<&'a str>,
}

impl ErrorCase {
    pub const ALL: [Self; 11] = [
        Self::MfaRequired,
        Self::NoRelationship,
        Self::RoleMissing,
        Self::AccessDenied,
        Self::BareString,
        Self::SignInNeedsMfa,
        Self::SignInNeedsMfaEnrollment,
        Self::RefreshTokenInactive,
        Self::RefreshTokenExpired,
        Self::RefreshTokenRevoked,
        Self::NoConsent,
    ];

    /// The case's name in a fault, e.g. `mfa_required` or `aadsts50076`.
    pub fn name(self) -> &'static str {
        match self {
            Self::MfaRequired => "mfa_required",
            Self::NoRelationship => "no_relationship",
            Self::RoleMissing => "role_missing",
            Self::AccessDenied => "access_denied",
            Self::BareString => "bare_string",
            Self::SignInNeedsMfa => "aadsts50076",
            Self::SignInNeedsMfaEnrollment => "aadsts50079",
            Self::RefreshTokenInactive => "aadsts700082",
            Self::RefreshTokenExpired => "aadsts70008",
            Self::RefreshTokenRevoked => "aadsts50173",
            Self::NoConsent => "aadsts65001",
        }
    }

    /// Whether Entra's token endpoint answers it (else Partner Center's API).
    pub fn is_token_error(self) -> bool {
        !matches!(
            self,
            Self::MfaRequired
                | Self::NoRelationship
                | Self::RoleMissing
                | Self::AccessDenied
                | Self::BareString
        )
    }

    /// The answer, exactly as Microsoft gives it.
    pub(crate) fn respond(self, context: &CaseContext<'_>) -> Response {
        let api = |status: StatusCode, code: Code, description: String| {
            ErrorBody::coded(Some(code), description).into_response(status)
        };
        let entra =
            |error: EntraError| error.into_response(context.cloud, context.client_request_id);
        let mfa = |code: u32, verb: &str| {
            let message = format!(
                "Due to a configuration change made by your administrator, or because you moved \
                 to a new location, you must {verb} multi-factor authentication to access \
                 '{PARTNER_CENTER_APP_ID}'."
            );
            entra(EntraError::new("invalid_grant", code, message).with_suberror("basic_action"))
        };
        match self {
            Self::MfaRequired => api(
                StatusCode::UNAUTHORIZED,
                Code::Number(error_codes::MFA_REQUIRED),
                "MFA required".to_owned(),
            ),
            Self::NoRelationship => api(
                StatusCode::FORBIDDEN,
                Code::Number(error_codes::NO_RELATIONSHIP),
                format!(
                    "The partner ID {} has no commerce relationship with the customer ID {}.",
                    context.partner_id,
                    context.customer_id.unwrap_or_default()
                ),
            ),
            Self::RoleMissing => api(
                StatusCode::FORBIDDEN,
                Code::Text(error_codes::ROLE_MISSING.to_string()),
                "The supplied role doesn't have the rights to perform the requested operation"
                    .to_owned(),
            ),
            Self::AccessDenied => api(
                StatusCode::FORBIDDEN,
                Code::Number(error_codes::ACCESS_DENIED),
                "Access denied".to_owned(),
            ),
            Self::BareString => {
                (StatusCode::FORBIDDEN, Json("Customer tagging denied.")).into_response()
            }
            Self::SignInNeedsMfa => mfa(50076, "use"),
            Self::SignInNeedsMfaEnrollment => mfa(50079, "enroll in"),
            Self::RefreshTokenInactive => entra(EntraError::new(
                "invalid_grant",
                700082,
                format!(
                    "The refresh token has expired due to inactivity. The token was issued on {} \
                     and was inactive for 90.00:00:00.",
                    entra_date(120)
                ),
            )),
            Self::RefreshTokenExpired => entra(EntraError::new(
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired due to \
                 inactivity. Send a new interactive authorization request for this user and \
                 resource.",
            )),
            Self::RefreshTokenRevoked => entra(EntraError::new(
                "invalid_grant",
                50173,
                format!(
                    "The provided grant has expired due to it being revoked, a fresh auth token \
                     is needed. The user might have changed or reset their password. The grant \
                     was issued on '{}' and the TokensValidFrom date (before which tokens are not \
                     valid) for this user is '{}'.",
                    entra_date(10),
                    entra_date(1)
                ),
            )),
            Self::NoConsent => entra(
                EntraError::new(
                    "invalid_grant",
                    65001,
                    format!(
                        "The user or administrator has not consented to use the application with \
                         ID '{0}' named '{0}'. Send an interactive authorization request for this \
                         user and resource.",
                        context.client_id
                    ),
                )
                .with_suberror("consent_required"),
            ),
        }
    }
}

/// A date some days ago as Entra writes dates in its messages: .NET's, with seven digits of
/// fractions.
fn entra_date(days_ago: i64) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z"
    );
    (time::OffsetDateTime::now_utc() - time::Duration::days(days_ago))
        .format(&format)
        .unwrap_or_default()
}
