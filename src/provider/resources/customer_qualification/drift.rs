//! Who changed a qualification outside Terraform, and when: on a refresh that finds drift, one
//! look at the customer's last 30 days of Partner Center's activity log, told as a warning. The
//! lookup never hides the drift nor fails the plan: when it finds nobody, the warning says why.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::partnercenter::{Error, HistoryDays, HistoryQuery, QualificationChange};
use crate::protocol::Diagnostic;
use crate::provider::Context;
use crate::provider::values::path;
use crate::quote::{PROSE_CHARS, QUOTED_CHARS, excerpt, quote};

use super::NAMES;

/// The lookup's budget, every page, retry and wait included (the refresh's own read keeps the
/// client's): a few retries of a passing 5xx fit, while a `Retry-After` beyond it (Partner
/// Center's usual "try again in 57 seconds") ends the lookup at once instead of holding up the
/// plan.
const LOOKUP_BUDGET: Duration = Duration::from_secs(15);

/// The warning that goes with the drift of `customer_id`'s qualification: who made the newest
/// qualification change the activity log records, or why nobody could be named.
pub(super) async fn explain(client: &Context, customer_id: &str) -> Diagnostic {
    let query = HistoryQuery {
        customer_id: Some(customer_id),
        days: HistoryDays::ONE_REQUEST,
        budget: Some(LOOKUP_BUDGET),
    };
    let explained = match client.qualification_changes(&query).await {
        Ok(changes) => changes.first().map_or_else(
            || unexplained(customer_id, &Unexplained::NoRecord),
            |newest| changed_by(customer_id, newest),
        ),
        Err(error) => unexplained(customer_id, &Unexplained::from(error)),
    };
    explained.at(path(NAMES.qualification))
}

/// Why the author of a drift is not known.
#[derive(Debug, thiserror::Error)]
enum Unexplained {
    #[error(
        "Partner Center's activity log records no qualification change of this customer in the \
         last {} days", HistoryDays::ONE_REQUEST.get()
    )]
    NoRecord,
    #[error(
        "Partner Center did not let these credentials read its activity log: {0}. Give them \
         access to it, or set explain_drift = false to skip the lookup"
    )]
    Forbidden(Error),
    #[error("Partner Center was throttling when the activity log lookup gave up: {0}")]
    Throttled(Error),
    #[error("the activity log lookup was cancelled: Terraform asked the provider to stop")]
    Cancelled,
    #[error("the activity log lookup failed: {0}")]
    Failed(Error),
}

impl From<Error> for Unexplained {
    fn from(error: Error) -> Self {
        match error {
            Error::Cancelled { .. } => Self::Cancelled,
            _ if error.status() == Some(403) => Self::Forbidden(error),
            _ if error.is_throttled() => Self::Throttled(error),
            _ => Self::Failed(error),
        }
    }
}

/// Each summary names the customer: Terraform folds warnings that share a summary into the
/// first, which would hide the others' authors.
fn unexplained(customer_id: &str, why: &Unexplained) -> Diagnostic {
    Diagnostic::warning(
        format!(
            "Who changed the qualification of customer {} is not known",
            name(customer_id)
        ),
        format!("The plan shows the change made outside Terraform, but {why}."),
    )
}

fn changed_by(customer_id: &str, change: &QualificationChange) -> Diagnostic {
    let user = change.user_principal_name.as_deref().map(name);
    let application = change
        .application_id
        .as_deref()
        .map(|a| format!("application {}", name(a)));
    let (who, through) = match (user, application) {
        (Some(user), Some(application)) => (user, format!(" through {application}")),
        (Some(user), None) => (user, String::new()),
        (None, Some(application)) => (application, String::new()),
        (None, None) => (
            "someone".to_owned(),
            " (the record names no user and no application)".to_owned(),
        ),
    };
    let values = match (&change.old_value, &change.new_value) {
        (Some(old), Some(new)) => format!(", from {} to {}", shown(old), shown(new)),
        (None, Some(new)) => format!(", to {}", shown(new)),
        (Some(old), None) => format!(", from {}", shown(old)),
        (None, None) => String::new(),
    };
    let when = when(change);
    Diagnostic::warning(
        format!(
            "Qualification of customer {} last changed by {who} on {when}",
            name(customer_id)
        ),
        format!(
            "According to Partner Center's activity log, the newest change of this customer's \
             qualification in the last {} days was made by {who}{through} on {when}{values}.",
            HistoryDays::ONE_REQUEST.get(),
        ),
    )
}

/// A name (a customer id, a user, an application) bare, as names read in prose: bounded, its
/// control characters escaped.
fn name(text: &str) -> String {
    excerpt(text, QUOTED_CHARS).to_string()
}

/// A value as the record writes it (its format is not documented): bounded, never read.
fn shown(value: &str) -> String {
    excerpt(value, PROSE_CHARS).to_string()
}

/// `operationDate` to the second in UTC, or as written when it is no RFC 3339 date.
fn when(change: &QualificationChange) -> String {
    let seconds = |at: OffsetDateTime| {
        at.to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .ok()
            .and_then(|at| at.format(&Rfc3339).ok())
    };
    match (change.made_at.and_then(seconds), &change.operation_date) {
        (Some(at), _) => at,
        (None, Some(written)) => quote(written).to_string(),
        (None, None) => "a date it does not record".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partnercenter::{ApiError, CallContext, Caller, RequestIds};

    const CUSTOMER: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";

    fn change() -> QualificationChange {
        QualificationChange {
            customer_id: Some(CUSTOMER.to_owned()),
            customer_name: Some("Contoso School".to_owned()),
            user_principal_name: Some("bob@contoso.com".to_owned()),
            application_id: Some("portal".to_owned()),
            operation_date: Some("2026-05-01T12:00:00.1234567+02:00".to_owned()),
            made_at: OffsetDateTime::parse("2026-05-01T12:00:00.1234567+02:00", &Rfc3339).ok(),
            old_value: Some(r#"{"Qualifications":["Education"]}"#.to_owned()),
            new_value: Some(r#"{"Qualifications":["Nonprofit"]}"#.to_owned()),
        }
    }

    #[test]
    fn names_who_when_and_what() {
        let warning = changed_by(CUSTOMER, &change());
        assert!(!warning.is_error());
        assert_eq!(
            warning.summary,
            format!(
                "Qualification of customer {CUSTOMER} last changed by bob@contoso.com on \
                 2026-05-01T10:00:00Z"
            )
        );
        assert_eq!(
            warning.detail,
            "According to Partner Center's activity log, the newest change of this customer's \
             qualification in the last 30 days was made by bob@contoso.com through application \
             portal on 2026-05-01T10:00:00Z, from {\"Qualifications\":[\"Education\"]} to \
             {\"Qualifications\":[\"Nonprofit\"]}."
        );
    }

    #[test]
    fn the_application_names_it_when_no_user_did() {
        let by_app = QualificationChange {
            user_principal_name: None,
            old_value: None,
            ..change()
        };
        let warning = changed_by(CUSTOMER, &by_app);
        assert!(
            warning
                .summary
                .ends_with("by application portal on 2026-05-01T10:00:00Z"),
            "{}",
            warning.summary
        );
        assert!(
            warning
                .detail
                .ends_with("2026-05-01T10:00:00Z, to {\"Qualifications\":[\"Nonprofit\"]}."),
            "{}",
            warning.detail
        );
        let nobody = QualificationChange {
            user_principal_name: None,
            application_id: None,
            operation_date: Some("last Tuesday".to_owned()),
            made_at: None,
            old_value: None,
            new_value: None,
            ..change()
        };
        let warning = changed_by(CUSTOMER, &nobody);
        assert!(
            warning.summary.ends_with("by someone on \"last Tuesday\""),
            "{}",
            warning.summary
        );
        assert!(
            warning.detail.ends_with(
                "made by someone (the record names no user and no application) on \"last Tuesday\"."
            ),
            "{}",
            warning.detail
        );
    }

    #[test]
    fn what_a_record_says_is_shown_bounded() {
        let long = "\u{1b}[31m".to_owned() + &"x".repeat(1 << 20);
        let huge = QualificationChange {
            user_principal_name: Some(long.clone()),
            application_id: Some(long.clone()),
            operation_date: Some(long.clone()),
            made_at: None,
            old_value: Some(long.clone()),
            new_value: Some(long),
            ..change()
        };
        let warning = changed_by(CUSTOMER, &huge);
        assert!(warning.summary.len() < 300, "{}", warning.summary);
        assert!(warning.detail.len() < 2000, "{}", warning.detail.len());
        assert!(
            !warning.detail.contains('\u{1b}'),
            "no escape reaches a terminal"
        );
    }

    fn lookup() -> CallContext {
        CallContext {
            method: reqwest::Method::GET,
            path: "/v1/auditrecords".to_owned(),
            ids: RequestIds {
                request_id: "request-1".to_owned(),
                correlation_id: "correlation-1".into(),
            },
            caller: Caller::AppUser,
        }
    }

    fn answered(status: u16) -> Error {
        Error::Api(Box::new(ApiError {
            status,
            code: None,
            description: Some("Access is denied".to_owned()),
            call: lookup(),
            retry_after: None,
        }))
    }

    #[test]
    fn every_failure_says_why_nobody_is_named() {
        let detail = |why: Unexplained| unexplained(CUSTOMER, &why).detail;
        assert_eq!(
            detail(Unexplained::NoRecord),
            "The plan shows the change made outside Terraform, but Partner Center's activity \
             log records no qualification change of this customer in the last 30 days."
        );
        let forbidden = detail(Unexplained::from(answered(403)));
        assert!(
            forbidden.contains("did not let these credentials read its activity log")
                && forbidden.contains("HTTP 403")
                && forbidden.contains("MS-RequestId request-1")
                && forbidden.ends_with("set explain_drift = false to skip the lookup."),
            "{forbidden}"
        );
        let throttled = Error::RetriesExhausted {
            attempts: 3,
            last: Box::new(answered(429)),
        };
        assert!(detail(Unexplained::from(throttled)).contains("was throttling"));
        assert!(detail(Unexplained::from(answered(500))).contains("lookup failed: Partner"));
        let cancelled = Error::Cancelled {
            call: Box::new(lookup()),
        };
        assert!(detail(Unexplained::from(cancelled)).contains("cancelled"));
        let summary = unexplained(CUSTOMER, &Unexplained::NoRecord).summary;
        assert_eq!(
            summary,
            format!("Who changed the qualification of customer {CUSTOMER} is not known")
        );
    }
}
