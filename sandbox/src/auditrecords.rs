//! "Get a record of Partner Center activity": `GET /v1/auditrecords?startDate=&endDate=&filter=
//! &size=`, and its following pages (`seekOperation=Next` with the `MS-ContinuationToken` header
//! of the page before).
//!
//! The rules of learn.microsoft.com/partner-center/developer/get-a-record-of-partner-center-
//! activity-by-user: records are kept 90 days and a start older than that is refused; one request
//! covers at most 30 days; without `startDate` the last 30 days; without `endDate` 30 days from the
//! start or until now, whichever is less.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api::{
    PageRequest, continuation, continuation_header, invalid_continuation, page_size, serve_page,
};
use crate::audit::{
    AuditPage, AuditSettings, Continuation, Filter, MAX_PAGE_SIZE, MAX_WINDOW, Search, horizon,
    rfc3339,
};
use crate::seed::SeedAuditRecord;
use crate::state::ApiFailure;
use crate::wire::{Collection, Link, ObjectType, error_codes};
use crate::{App, lock};

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route("/v1/auditrecords", get(list))
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    #[serde(rename = "startDate")]
    start_date: Option<String>,
    #[serde(rename = "endDate")]
    end_date: Option<String>,
    /// URL-encoded JSON, already decoded here.
    filter: Option<String>,
    size: Option<String>,
    #[serde(rename = "seekOperation")]
    seek_operation: Option<String>,
}

/// `{"Field":"CustomerId","Value":"…","Operator":"equals"}`, keys as documented or in lower case.
#[derive(Debug, Deserialize)]
struct RawFilter {
    #[serde(rename = "Field", alias = "field")]
    field: String,
    #[serde(rename = "Value", alias = "value")]
    value: String,
    #[serde(rename = "Operator", alias = "operator")]
    operator: String,
}

fn invalid(description: impl Into<String>) -> ApiFailure {
    ApiFailure::bad_request(error_codes::INVALID_PROPERTY, description)
}

/// Which end of the window a date names: a date alone (`2026-05-04`) starts at its midnight
/// (UTC) and ends at its last instant.
#[derive(Clone, Copy)]
enum End {
    Start,
    Finish,
}

fn instant(text: &str, end: End, name: &str) -> Result<OffsetDateTime, ApiFailure> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at.to_offset(time::UtcOffset::UTC));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).map_err(|_| {
        invalid(format!(
            "{name} {text:?} is not a date: use yyyy-mm-dd or RFC 3339."
        ))
    })?;
    let time = match end {
        End::Start => time::Time::MIDNIGHT,
        End::Finish => time::Time::MAX,
    };
    Ok(date.with_time(time).assume_utc())
}

/// The window a request covers, both ends included.
fn window(
    query: &AuditQuery,
    now: OffsetDateTime,
) -> Result<(OffsetDateTime, OffsetDateTime), ApiFailure> {
    let start = match query.start_date.as_deref() {
        Some(text) => {
            let start = instant(text, End::Start, "startDate")?;
            if start < horizon(now) {
                return Err(invalid(format!(
                    "startDate {text} is more than 90 days ago: the activity log keeps the \
                     last 90 days."
                )));
            }
            start
        }
        None => now - MAX_WINDOW,
    };
    let end = match query.end_date.as_deref() {
        Some(text) => instant(text, End::Finish, "endDate")?,
        None => (start + MAX_WINDOW).min(now).max(start),
    };
    if end < start {
        return Err(invalid("endDate must not be before startDate."));
    }
    if end - start > MAX_WINDOW {
        return Err(invalid(
            "The window from startDate to endDate must not be longer than 30 days.",
        ));
    }
    Ok((start, end))
}

/// The documented filters: CustomerId and ResourceType with `equals`, CompanyName with
/// `substring`.
fn filter(text: &str) -> Result<Filter, ApiFailure> {
    let raw: RawFilter = serde_json::from_str(text).map_err(|_| {
        invalid(r#"filter must be JSON such as {"Field":"CustomerId","Value":"…","Operator":"equals"}."#)
    })?;
    let field = raw.field.to_ascii_lowercase();
    let operator = raw.operator.to_ascii_lowercase();
    match (field.as_str(), operator.as_str()) {
        ("customerid", "equals") => Ok(Filter::CustomerId(raw.value)),
        ("companyname", "substring") => Ok(Filter::CompanyName(raw.value)),
        ("resourcetype", "equals") => Ok(Filter::ResourceType(raw.value)),
        _ => Err(invalid(format!(
            "The filter {:?} {:?} is not supported: filter by CustomerId or ResourceType with \
             equals, or CompanyName with substring.",
            raw.field, raw.operator
        ))),
    }
}

/// A request understood: what to search, and the filter as it came, for the `next` link.
struct Request {
    search: Search,
    filter_text: Option<String>,
}

fn request(
    query: AuditQuery,
    headers: &HeaderMap,
    settings: AuditSettings,
    now: OffsetDateTime,
) -> Result<Request, ApiFailure> {
    let (start, end) = window(&query, now)?;
    let size = page_size(query.size.as_deref(), MAX_PAGE_SIZE)?.unwrap_or(settings.page_size);
    let from = match continuation(query.seek_operation.as_deref(), headers)? {
        None => None,
        Some(token) => Some(Continuation::from_token(token).ok_or_else(invalid_continuation)?),
    };
    let filter_value = query.filter.as_deref().map(filter).transpose()?;
    Ok(Request {
        search: Search {
            start,
            end,
            filter: filter_value,
            order: settings.order,
            seed: settings.seed,
            size,
            from,
        },
        filter_text: query.filter,
    })
}

/// An AuditRecord in the documented order of its fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    id: String,
    customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_principal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    application_id: Option<String>,
    resource_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_old_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_new_value: Option<String>,
    operation_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_correlation_id: Option<String>,
    operation_date: String,
    operation_status: String,
    attributes: ObjectType,
}

impl Item {
    fn new(seq: u64, record: SeedAuditRecord) -> Self {
        Self {
            id: format!(
                "{}_{}_{seq}",
                record.customer_id,
                record.operation_type.replace('_', "")
            ),
            customer_id: record.customer_id,
            customer_name: record.customer_name,
            user_principal_name: record.user_principal_name,
            application_id: record.application_id,
            resource_type: record.resource_type,
            resource_old_value: record.resource_old_value,
            resource_new_value: record.resource_new_value,
            operation_type: record.operation_type,
            original_correlation_id: record.original_correlation_id,
            operation_date: record.operation_date,
            operation_status: record.operation_status,
            attributes: ObjectType::new("AuditRecord"),
        }
    }
}

/// Everything but the characters a query may carry as they are.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The `next` link repeats the window as resolved, so that a listing without `startDate` keeps
/// its window while the clock moves on.
fn render(page: AuditPage, request: &Request, this_uri: String) -> Response {
    let search = &request.search;
    let next = page.next.map(|continuation| {
        let mut uri = format!(
            "/v1/auditrecords?startDate={}&endDate={}&size={}&seekOperation=Next",
            rfc3339(search.start),
            rfc3339(search.end),
            search.size
        );
        if let Some(filter) = &request.filter_text {
            uri.push_str(&format!("&filter={}", percent_encoded(filter)));
        }
        Link::get(uri, vec![continuation_header(continuation.token())])
    });
    let items = page
        .records
        .into_iter()
        .map(|(seq, record)| Item::new(seq, record))
        .collect();
    Collection::page(items, this_uri, next)
}

/// App-only or App+User.
async fn list(State(app): State<Arc<App>>, page: PageRequest<AuditQuery>) -> Response {
    let settings = *lock(&app.audit_settings);
    serve_page(
        &app,
        page,
        |query, headers| request(query, headers, settings, OffsetDateTime::now_utc()),
        |state, request| state.audit_log().page(&request.search),
        render,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(start: Option<&str>, end: Option<&str>) -> AuditQuery {
        AuditQuery {
            start_date: start.map(str::to_owned),
            end_date: end.map(str::to_owned),
            filter: None,
            size: None,
            seek_operation: None,
        }
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::parse("2026-05-20T12:00:00Z", &Rfc3339).expect("date")
    }

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).expect("date")
    }

    fn refused(start: Option<&str>, end: Option<&str>) -> String {
        window(&query(start, end), now())
            .expect_err("refused")
            .description
    }

    #[test]
    fn windows_as_documented() {
        assert_eq!(
            window(&query(None, None), now()),
            Ok((at("2026-04-20T12:00:00Z"), now())),
            "the last 30 days"
        );
        assert_eq!(
            window(&query(Some("2026-03-01"), None), now()),
            Ok((at("2026-03-01T00:00:00Z"), at("2026-03-31T00:00:00Z"))),
            "30 days from the start"
        );
        assert_eq!(
            window(&query(Some("2026-05-10T08:00:00+02:00"), None), now()),
            Ok((at("2026-05-10T06:00:00Z"), now())),
            "until now"
        );
        assert_eq!(
            window(&query(Some("2026-05-01"), Some("2026-05-02")), now()),
            Ok((
                at("2026-05-01T00:00:00Z"),
                at("2026-05-02T23:59:59.999999999Z")
            )),
            "a date alone ends at its last instant"
        );
        assert_eq!(
            window(&query(Some("2026-02-19"), Some("2026-03-20")), now()).map(|(start, _)| start),
            Ok(at("2026-02-19T00:00:00Z")),
            "90 days ago counts in dates"
        );
        assert_eq!(
            refused(Some("2026-02-18T23:59:59Z"), None),
            "startDate 2026-02-18T23:59:59Z is more than 90 days ago: the activity log keeps \
             the last 90 days."
        );
        assert_eq!(
            refused(Some("2026-03-01"), Some("2026-03-31")),
            "The window from startDate to endDate must not be longer than 30 days."
        );
        assert_eq!(
            refused(Some("2026-05-02"), Some("2026-05-01")),
            "endDate must not be before startDate."
        );
        assert_eq!(
            refused(Some("6/1/2017"), None),
            "startDate \"6/1/2017\" is not a date: use yyyy-mm-dd or RFC 3339."
        );
    }

    #[test]
    fn the_documented_filters_only() {
        assert_eq!(
            filter(r#"{"Field":"CustomerId","Value":"ABC","Operator":"equals"}"#),
            Ok(Filter::CustomerId("ABC".to_owned()))
        );
        assert_eq!(
            filter(r#"{"field":"companyname","value":"bri","operator":"Substring"}"#),
            Ok(Filter::CompanyName("bri".to_owned()))
        );
        assert_eq!(
            filter(r#"{"Field":"ResourceType","Value":"customer","Operator":"equals"}"#),
            Ok(Filter::ResourceType("customer".to_owned()))
        );
        let refusal = |text: &str| filter(text).expect_err("refused").description;
        assert_eq!(
            refusal(r#"{"Field":"UserPrincipalName","Value":"a","Operator":"equals"}"#),
            "The filter \"UserPrincipalName\" \"equals\" is not supported: filter by CustomerId \
             or ResourceType with equals, or CompanyName with substring."
        );
        assert!(
            refusal(r#"{"Field":"CustomerId","Value":"a","Operator":"substring"}"#)
                .contains("not supported")
        );
        assert!(refusal("CustomerId eq a").starts_with("filter must be JSON"));
        assert_eq!(
            percent_encoded(r#"{"Field":"CustomerId"}"#),
            "%7B%22Field%22%3A%22CustomerId%22%7D"
        );
    }
}
