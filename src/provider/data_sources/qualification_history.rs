//! `partnercenter_qualification_history`: the qualification changes Partner Center's activity log
//! records, for one customer or all of them, over the last 1 to 90 days.

use crate::framework::{Attr, DataSource};
use crate::partnercenter::{HistoryDays, HistoryQuery, QualificationChange};
use crate::protocol::value::Number;
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::Context;
use crate::provider::values::{check_customer_id, path};
use crate::quote::{QUOTED_CHARS, excerpt};

crate::object! {
    #[names(HistoryNames)]
    /// The data source's config and result.
    pub struct History {
        customer_id: String => Optional(
            "The Partner Center customer id (a GUID) whose changes to list. Without it, every \
            customer's."
        ),
        days: Number => Optional(
            "How many days of the activity log to read, counting today (UTC): a whole number \
            from 1 (today alone) to 90, the days Partner Center keeps. Defaults to 30 (today and \
            the 29 days before). Partner Center answers at most 30 days per request, so more \
            days take one request per 30."
        ),
        changes: Vec<Change> => Computed(
            "The qualification changes, the newest first. Each has `customer_id`, \
            `customer_name`, `changed_by` (the user's principal name, else the application id), \
            `application_id`, `changed_at` (RFC 3339, as Partner Center wrote it), and \
            `old_value` and `new_value` (the customer's qualifications before and after, as \
            the record writes them: Microsoft does not document their format for \
            qualifications). A field the record lacks is null."
        ),
    }
}

crate::object! {
    #[names(ChangeNames)]
    /// One element of `changes` (described there).
    pub struct Change {
        customer_id: String => Computed(""),
        customer_name: String => Computed(""),
        changed_by: String => Computed(""),
        application_id: String => Computed(""),
        changed_at: String => Computed(""),
        old_value: String => Computed(""),
        new_value: String => Computed(""),
    }
}

impl From<QualificationChange> for Change {
    fn from(change: QualificationChange) -> Self {
        Change {
            changed_by: Attr::from_option(change.author().map(str::to_owned)),
            customer_id: Attr::from_option(change.customer_id),
            customer_name: Attr::from_option(change.customer_name),
            application_id: Attr::from_option(change.application_id),
            changed_at: Attr::from_option(change.operation_date),
            old_value: Attr::from_option(change.old_value),
            new_value: Attr::from_option(change.new_value),
        }
    }
}

const NAMES: HistoryNames = History::NAMES;

/// The days `days` asks for: the default when null, nothing yet when unknown.
fn days(days: &Attr<Number>) -> Result<Option<HistoryDays>, Diagnostic> {
    match days {
        Attr::Null => Ok(Some(HistoryDays::ONE_REQUEST)),
        Attr::Unknown => Ok(None),
        Attr::Known(number) => number
            .as_i64()
            .and_then(|n| u16::try_from(n).ok())
            .and_then(HistoryDays::new)
            .map(Some)
            .ok_or_else(|| {
                Diagnostic::error(
                    "Invalid days",
                    format!(
                        "days must be a whole number from 1 to {}; got {}.",
                        HistoryDays::MAX,
                        excerpt(&number.to_string(), QUOTED_CHARS)
                    ),
                )
                .at(path(NAMES.days))
            }),
    }
}

/// Every problem of the known values of `config`.
fn check(config: &History) -> Diagnostics {
    let customer_id = config.customer_id.as_str().and_then(check_customer_id);
    customer_id
        .into_iter()
        .chain(days(&config.days).err())
        .collect()
}

#[derive(Debug)]
pub struct QualificationHistory;

#[crate::framework::async_trait]
impl DataSource<Context> for QualificationHistory {
    type State = History;
    const TYPE_NAME: &'static str = "partnercenter_qualification_history";
    const DESCRIPTION: &'static str = "Lists the qualification changes that Partner Center's \
        activity log records (`GET /v1/auditrecords`, operation \
        `update_customer_qualification`): who changed which customer's qualification, when, \
        and from what to what, the newest first. Partner Center keeps 90 days; the credentials \
        must be allowed to read the activity log.";

    async fn read(&self, client: &Context, config: History) -> Result<History, Diagnostics> {
        check(&config).into_result()?;
        let days = days(&config.days)?.unwrap_or(HistoryDays::ONE_REQUEST);
        let query = HistoryQuery {
            customer_id: config.customer_id.as_str(),
            days,
            budget: None,
        };
        let changes = client.qualification_changes(&query).await?;
        Ok(History {
            changes: Attr::Known(changes.into_iter().map(Change::from).collect()),
            ..config
        })
    }

    fn validate(&self, config: &History) -> Diagnostics {
        check(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::values::paths;

    fn config(customer_id: Attr<String>, days: Attr<Number>) -> History {
        History {
            customer_id,
            days,
            ..History::default()
        }
    }

    #[test]
    fn days_are_a_whole_number_from_1_to_90() {
        assert_eq!(days(&Attr::Null), Ok(Some(HistoryDays::ONE_REQUEST)));
        assert_eq!(days(&Attr::Unknown), Ok(None));
        assert_eq!(
            days(&Attr::Known(Number::from(90))),
            Ok(HistoryDays::new(90))
        );
        for bad in ["0", "91", "-1", "1.5", "1e40"] {
            let number: Number = bad.parse().expect("a number");
            let err = days(&Attr::Known(number)).expect_err(bad);
            assert_eq!(err.path, Some(path("days")), "{bad}");
            assert_eq!(err.summary, "Invalid days");
            assert!(
                err.detail
                    .starts_with("days must be a whole number from 1 to 90; got "),
                "{}",
                err.detail
            );
        }
    }

    #[test]
    fn every_problem_points_at_its_attribute() {
        let bad = config(
            Attr::Known("school".to_owned()),
            Attr::Known(Number::from(120)),
        );
        assert_eq!(paths(&check(&bad)), ["customer_id", "days"]);
        let unknown = config(Attr::Unknown, Attr::Unknown);
        assert_eq!(check(&unknown), Diagnostics::default());
        let everyone = config(Attr::Null, Attr::Null);
        assert_eq!(check(&everyone), Diagnostics::default());
    }

    #[test]
    fn a_change_names_the_user_else_the_application() {
        let change = QualificationChange {
            customer_id: Some("c".to_owned()),
            customer_name: None,
            user_principal_name: None,
            application_id: Some("portal".to_owned()),
            operation_date: Some("2026-05-01T10:00:00Z".to_owned()),
            made_at: None,
            old_value: None,
            new_value: Some("{}".to_owned()),
        };
        let element = Change::from(change);
        assert_eq!(element.changed_by, Attr::Known("portal".to_owned()));
        assert_eq!(element.application_id, Attr::Known("portal".to_owned()));
        assert_eq!(element.customer_name, Attr::Null);
        assert_eq!(
            element.changed_at,
            Attr::Known("2026-05-01T10:00:00Z".to_owned())
        );
    }
}
