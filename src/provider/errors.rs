//! The one place where Partner Center client errors, and its rules' refusals, become Terraform
//! diagnostics.

use crate::partnercenter::{Error, NotSent, Refusal};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::values::path;

/// A short summary by kind of failure, and the full, secret-free error text as the detail.
impl From<Error> for Diagnostics {
    fn from(error: Error) -> Self {
        let summary = match &error {
            Error::Auth { .. } => "Partner Center authentication failed",
            Error::Cancelled { .. } => "Request cancelled",
            Error::Config(_) => "Invalid provider configuration",
            _ if error.is_throttled() => "Partner Center is throttling requests",
            _ if error.is_not_found() => "Not found in Partner Center",
            Error::Api(_) => "Partner Center refused the request",
            _ => "Partner Center request failed",
        };
        let hint = match error.status() {
            Some(401) => " Check the provider's credentials.",
            Some(403) => {
                " Check that the partner has a reseller relationship with this customer and that the credentials are App+User."
            }
            _ => "",
        };
        Diagnostic::error(summary, format!("{error}.{hint}")).into()
    }
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
