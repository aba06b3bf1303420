//! Partner Center's activity log ("Get a record of Partner Center activity"): `GET
//! /v1/auditrecords?startDate=&endDate=&filter=`, paged like every collection, read in windows of
//! at most 30 days within the 90 days it keeps. Of what it answers only qualification changes are
//! kept. Their old and new values are not documented for qualifications, so they are carried as
//! text to show, never read; a record is read as far as it goes, never refused for its shape.

use std::time::Duration;

use serde_json::Value as Json;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::client::Client;
use super::collection::{Collection, next_token};
use super::contract::{ApiRequest, Budget};
use super::error::{Error, describe_json_error};

/// The `operationType` of a qualification change.
const QUALIFICATION_CHANGE: &str = "update_customer_qualification";
/// The most days one request may cover.
const WINDOW_DAYS: u16 = 30;

/// How far back the activity log is read: whole days (UTC) counting today, from 1 (today alone)
/// to the 90 Partner Center keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryDays(u16);

impl HistoryDays {
    /// The days Partner Center keeps.
    pub const MAX: u16 = 90;
    /// What one request covers: today and the 29 days before it.
    pub const ONE_REQUEST: Self = Self(WINDOW_DAYS);

    pub fn new(days: u16) -> Option<Self> {
        (1..=Self::MAX).contains(&days).then_some(Self(days))
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// What to read of the activity log.
#[derive(Clone, Copy, Debug)]
pub struct HistoryQuery<'a> {
    /// One customer's records (the documented `CustomerId` filter), or every customer's.
    pub customer_id: Option<&'a str>,
    pub days: HistoryDays,
    /// A budget for the whole query, every page, retry and wait included, shorter than the
    /// client's deadline: for a lookup whose answer is a nicety that must not hold up the run.
    pub budget: Option<Duration>,
}

/// A qualification change as the activity log records it; any field may be missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QualificationChange {
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    /// `userPrincipalName`: the user who made it.
    pub user_principal_name: Option<String>,
    /// `applicationId`: the application it was made through.
    pub application_id: Option<String>,
    /// `operationDate` as written.
    pub operation_date: Option<String>,
    /// `operationDate` read as RFC 3339.
    pub made_at: Option<OffsetDateTime>,
    /// `resourceOldValue`, as text.
    pub old_value: Option<String>,
    /// `resourceNewValue`, as text.
    pub new_value: Option<String>,
}

impl QualificationChange {
    /// The change `record` describes, if it is a qualification change that did not fail.
    fn from_record(record: &Json) -> Option<Self> {
        let text = |field: &str| match record.get(field)? {
            Json::Null => None,
            Json::String(text) => Some(text.clone()),
            other => Some(other.to_string()),
        };
        let is =
            |field: &str, value: &str| text(field).is_some_and(|t| t.eq_ignore_ascii_case(value));
        if !is("operationType", QUALIFICATION_CHANGE) || is("operationStatus", "failed") {
            return None;
        }
        let operation_date = text("operationDate");
        Some(Self {
            customer_id: text("customerId"),
            customer_name: text("customerName"),
            user_principal_name: text("userPrincipalName"),
            application_id: text("applicationId"),
            made_at: operation_date
                .as_deref()
                .and_then(|date| OffsetDateTime::parse(date, &Rfc3339).ok()),
            operation_date,
            old_value: text("resourceOldValue"),
            new_value: text("resourceNewValue"),
        })
    }

    /// Who made it: the user, else the application.
    pub fn author(&self) -> Option<&str> {
        self.user_principal_name
            .as_deref()
            .or(self.application_id.as_deref())
    }
}

impl Client {
    /// The qualification changes the activity log records for `query`, the newest first by
    /// `operationDate` whatever order Partner Center answers in (undated ones last). One request
    /// per 30 days asked for, and one more per page only while an answer says more follow.
    pub async fn qualification_changes(
        &self,
        query: &HistoryQuery<'_>,
    ) -> Result<Vec<QualificationChange>, Error> {
        let budget = query.budget.map(Budget::from_now);
        let mut changes = Vec::new();
        for window in windows(OffsetDateTime::now_utc().date(), query.days) {
            let mut sent: Option<String> = None;
            loop {
                let page = self
                    .call(request(query, budget, window, sent.as_deref()))
                    .await?
                    .decode(decode_page)?;
                changes.extend(page.changes);
                match next_token(sent.as_deref(), page.continuation, page.empty) {
                    Some(token) => sent = Some(token),
                    None => break,
                }
            }
        }
        Ok(newest_first(changes))
    }
}

/// `changes` by `operationDate`, the newest first and the undated last; changes of the same
/// date keep their order.
fn newest_first(mut changes: Vec<QualificationChange>) -> Vec<QualificationChange> {
    changes.sort_by_key(|change| std::cmp::Reverse(change.made_at));
    changes
}

/// The dates one request asks for, both included. Without an end date Partner Center reads
/// until now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    start: Date,
    end: Option<Date>,
}

/// The windows that cover `days` up to `today`, newest first, 30 days each at most. The newest
/// has no end date, so that it reaches the moment of the request (the documented default).
fn windows(today: Date, days: HistoryDays) -> Vec<Window> {
    let back = |n: u16| today.saturating_sub(time::Duration::days(i64::from(n)));
    let first = back(days.0 - 1);
    (0..days.0.div_ceil(WINDOW_DAYS))
        .map(|k| {
            let end = back(k * WINDOW_DAYS);
            Window {
                start: end
                    .saturating_sub(time::Duration::days(i64::from(WINDOW_DAYS - 1)))
                    .max(first),
                end: (k > 0).then_some(end),
            }
        })
        .collect()
}

/// A date as the documentation writes them, `yyyy-mm-dd`.
fn date(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(&format).unwrap_or_else(|_| date.to_string())
}

/// `GET /v1/auditrecords?startDate=…[&endDate=…][&filter=…]`; with the continuation token of the
/// page before, the page after it (`seekOperation=Next` and the `MS-ContinuationToken` header,
/// the window and filter repeated, as the collection's `next` link does), within `budget`.
fn request(
    query: &HistoryQuery<'_>,
    budget: Option<Budget>,
    window: Window,
    continuation: Option<&str>,
) -> ApiRequest<'static> {
    let mut parameters = vec![("startDate", date(window.start))];
    if let Some(end) = window.end {
        parameters.push(("endDate", date(end)));
    }
    if let Some(customer_id) = query.customer_id {
        parameters.push((
            "filter",
            format!(
                r#"{{"Field":"CustomerId","Value":{},"Operator":"equals"}}"#,
                Json::from(customer_id)
            ),
        ));
    }
    let mut headers = Vec::new();
    if let Some(token) = continuation {
        parameters.push(("seekOperation", "Next".to_owned()));
        headers.push(("MS-ContinuationToken", token.to_owned()));
    }
    ApiRequest {
        segments: vec!["v1", "auditrecords"],
        query: parameters,
        headers,
        budget,
        ..ApiRequest::default()
    }
}

/// One page: the qualification changes on it, where the next starts, and whether it held any
/// record at all.
struct Page {
    changes: Vec<QualificationChange>,
    continuation: Option<String>,
    empty: bool,
}

fn decode_page(body: &[u8]) -> Result<Page, String> {
    let collection: Collection<Json> =
        serde_json::from_slice(body).map_err(|e| describe_json_error(&e))?;
    Ok(Page {
        continuation: collection.continuation(),
        empty: collection.items.is_empty(),
        changes: collection
            .items
            .iter()
            .filter_map(QualificationChange::from_record)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const CUSTOMER: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";

    fn days(n: u16) -> HistoryDays {
        HistoryDays::new(n).expect("1 to 90")
    }

    fn window(start: Date, end: Option<Date>) -> Window {
        Window { start, end }
    }

    #[test]
    fn days_are_1_to_90() {
        assert_eq!(HistoryDays::new(0), None);
        assert_eq!(HistoryDays::new(91), None);
        assert_eq!(days(90).get(), 90);
        assert_eq!(HistoryDays::ONE_REQUEST.get(), 30);
    }

    #[test]
    fn windows_of_30_days_newest_first() {
        let today = date!(2026 - 05 - 20);
        assert_eq!(
            windows(today, days(1)),
            [window(today, None)],
            "today alone"
        );
        assert_eq!(
            windows(today, days(30)),
            [window(date!(2026 - 04 - 21), None)],
            "one request: today and the 29 days before"
        );
        assert_eq!(
            windows(today, days(31)),
            [
                window(date!(2026 - 04 - 21), None),
                window(date!(2026 - 04 - 20), Some(date!(2026 - 04 - 20))),
            ]
        );
        assert_eq!(
            windows(today, days(90)),
            [
                window(date!(2026 - 04 - 21), None),
                window(date!(2026 - 03 - 22), Some(date!(2026 - 04 - 20))),
                window(date!(2026 - 02 - 20), Some(date!(2026 - 03 - 21))),
            ],
            "the oldest day is 89 days back: within the 90 kept, however the server counts"
        );
    }

    #[test]
    fn requests_carry_the_window_the_filter_and_the_continuation() {
        let query = HistoryQuery {
            customer_id: Some(CUSTOMER),
            days: days(30),
            budget: Some(Duration::from_secs(15)),
        };
        let budget = Budget::from_now(Duration::from_secs(15));
        let open = window(date!(2026 - 04 - 21), None);
        let first = request(&query, Some(budget), open, None);
        assert_eq!(first.segments, ["v1", "auditrecords"]);
        assert_eq!(
            first.query,
            [
                ("startDate", "2026-04-21".to_owned()),
                (
                    "filter",
                    format!(r#"{{"Field":"CustomerId","Value":"{CUSTOMER}","Operator":"equals"}}"#)
                ),
            ]
        );
        assert!(first.headers.is_empty());
        assert_eq!(first.budget, Some(budget));
        let next = request(&query, Some(budget), open, Some("t-1"));
        assert_eq!(next.query[2], ("seekOperation", "Next".to_owned()));
        assert_eq!(next.headers, [("MS-ContinuationToken", "t-1".to_owned())]);
        assert_eq!(
            next.budget,
            Some(budget),
            "the pages of a query share its budget"
        );

        let everyone = HistoryQuery {
            customer_id: None,
            budget: None,
            ..query
        };
        let closed = window(date!(2026 - 03 - 22), Some(date!(2026 - 04 - 20)));
        assert_eq!(
            request(&everyone, None, closed, None).query,
            [
                ("startDate", "2026-03-22".to_owned()),
                ("endDate", "2026-04-20".to_owned()),
            ]
        );
    }

    /// The documented page, with a qualification change beside other operations.
    const PAGE: &str = r#"{
        "totalCount": 4,
        "items": [{
            "partnerId": "3b33e682-00c3-41ee-9dd2-a548adf56438",
            "customerId": "0c39d6d5-c70d-4c55-bc02-f620844f3fd1",
            "customerName": "Relecloud",
            "userPrincipalName": "admin@domain.onmicrosoft.com",
            "resourceType": "order",
            "resourceNewValue": "{\"Id\":\"d51a052e\"}",
            "operationType": "create_order",
            "operationDate": "2017-06-15T22:56:05.0589308Z",
            "operationStatus": "succeeded",
            "customizedData": [{"key": "OrderId", "value": "d51a052e"}],
            "attributes": {"objectType": "AuditRecord"}
        }, {
            "customerId": "0c39d6d5-c70d-4c55-bc02-f620844f3fd1",
            "customerName": "Relecloud",
            "applicationId": "Partner Center Native App",
            "resourceType": "customer",
            "resourceOldValue": "{\"Qualifications\":[\"Education\"]}",
            "resourceNewValue": {"Qualifications": ["Nonprofit"]},
            "operationType": "Update_Customer_Qualification",
            "operationDate": "2017-06-01T20:09:07.0450483Z",
            "operationStatus": "succeeded"
        }, {
            "customerId": "0c39d6d5-c70d-4c55-bc02-f620844f3fd1",
            "operationType": "update_customer_qualification",
            "operationDate": "2017-06-02T20:09:07Z",
            "operationStatus": "failed"
        }, {
            "operationType": "update_customer_qualification",
            "operationDate": 17
        }],
        "links": {"self": {"uri": "/auditrecords?startDate=2017-06-01&size=500", "method": "GET", "headers": []}},
        "attributes": {"objectType": "Collection"}
    }"#;

    #[test]
    fn a_page_keeps_the_qualification_changes_that_did_not_fail() {
        let page = decode_page(PAGE.as_bytes()).expect("a page");
        assert_eq!(page.continuation, None);
        assert!(!page.empty);
        assert_eq!(page.changes.len(), 2, "{:?}", page.changes);
        let change = &page.changes[0];
        assert_eq!(change.customer_id.as_deref(), Some(CUSTOMER));
        assert_eq!(change.customer_name.as_deref(), Some("Relecloud"));
        assert_eq!(change.user_principal_name, None);
        assert_eq!(change.author(), Some("Partner Center Native App"));
        assert_eq!(
            change.made_at,
            Some(time::macros::datetime!(2017-06-01 20:09:07.0450483 UTC))
        );
        assert_eq!(
            change.old_value.as_deref(),
            Some(r#"{"Qualifications":["Education"]}"#)
        );
        assert_eq!(
            change.new_value.as_deref(),
            Some(r#"{"Qualifications":["Nonprofit"]}"#),
            "a value that is not a string is kept as its JSON"
        );
        // A record with nothing but its operation: every field missing or unreadable.
        let bare = &page.changes[1];
        assert_eq!(bare.customer_id, None);
        assert_eq!(bare.author(), None);
        assert_eq!(bare.operation_date.as_deref(), Some("17"));
        assert_eq!(bare.made_at, None);
    }

    #[test]
    fn an_empty_page_and_answers_that_are_no_collection() {
        let page = decode_page(br#"{"totalCount":0,"items":[]}"#).expect("a page");
        assert!(page.empty && page.changes.is_empty());
        let next = decode_page(
            br#"{"items":[{"operationType":"create_order"}],"links":{"next":{"uri":"/v1/auditrecords",
                "method":"GET","headers":[{"key":"MS-ContinuationToken","value":"t-2"}]}}}"#,
        )
        .expect("a page");
        assert!(!next.empty && next.changes.is_empty(), "more may follow");
        assert_eq!(next.continuation.as_deref(), Some("t-2"));
        assert!(decode_page(br#""Access is denied""#).is_err());
        assert!(decode_page(br#"{"items":{}}"#).is_err());
    }

    #[test]
    fn the_newest_comes_first_whatever_the_order_answered() {
        let change = |author: &str, date: &str| {
            QualificationChange::from_record(&serde_json::json!({
                "operationType": "update_customer_qualification",
                "userPrincipalName": author,
                "operationDate": date,
            }))
            .expect("a change")
        };
        let answered = vec![
            change("undated", "yesterday"),
            change("old", "2026-05-01T10:00:00Z"),
            change("newest", "2026-05-03T09:00:00.5+02:00"),
            change("tie-1", "2026-05-02T10:00:00Z"),
            change("tie-2", "2026-05-02T12:00:00+02:00"),
        ];
        let authors: Vec<_> = newest_first(answered)
            .iter()
            .map(|c| c.author().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(authors, ["newest", "tie-1", "tie-2", "old", "undated"]);
    }

    #[test]
    fn the_user_names_the_author_before_the_application() {
        let record = serde_json::json!({
            "operationType": "update_customer_qualification",
            "userPrincipalName": "bob@contoso.com",
            "applicationId": "portal",
        });
        let change = QualificationChange::from_record(&record).expect("a change");
        assert_eq!(change.author(), Some("bob@contoso.com"));
    }
}
