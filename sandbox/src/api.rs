//! The sandbox's Partner Center API routes, with Partner Center's bodies, casing and error shapes.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::wire::{ErrorBody, LinkHeader, Qualification, error_codes};

use crate::state::{ApiFailure, Origin};
use crate::token::{Access, Caller};
use crate::traffic::header;
use crate::{App, lock};

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/v1/customers/{customer_id}/qualification",
            get_customer(crate::state::State::qualification, |_, qualification| {
                qualification_answer(qualification)
            })
            .put(put_qualification),
        )
        .route("/v1/customers/all/validations", get(get_validations))
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        ErrorBody::new(self.code, self.description).into_response(status)
    }
}

/// 401 with an empty body, as Partner Center answers a missing or unknown token.
fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, [(WWW_AUTHENTICATE, "Bearer")]).into_response()
}

/// The `size` of a request for a page: a whole number above 0; larger ones are served as `max`.
pub(crate) fn page_size(size: Option<&str>, max: usize) -> Result<Option<usize>, ApiFailure> {
    match size {
        None => Ok(None),
        Some(text) => match text.parse::<usize>() {
            Ok(size) if size > 0 => Ok(Some(size.min(max))),
            _ => Err(ApiFailure::bad_request(
                error_codes::INVALID_PROPERTY,
                "size must be a whole number greater than 0.",
            )),
        },
    }
}

/// The `MS-ContinuationToken` of a request for a following page (`seekOperation=Next`), or
/// `None` for a first page (no `seekOperation`).
pub(crate) fn continuation<'h>(
    seek_operation: Option<&str>,
    headers: &'h HeaderMap,
) -> Result<Option<&'h str>, ApiFailure> {
    match seek_operation {
        None => Ok(None),
        Some(seek) if seek.eq_ignore_ascii_case("Next") => headers
            .get("ms-continuationtoken")
            .and_then(|v| v.to_str().ok())
            .map(Some)
            .ok_or_else(invalid_continuation),
        Some(_) => Err(ApiFailure::bad_request(
            error_codes::INVALID_PROPERTY,
            "seekOperation must be Next.",
        )),
    }
}

/// A missing continuation token, or one this sandbox did not give.
pub(crate) fn invalid_continuation() -> ApiFailure {
    ApiFailure::bad_request(
        error_codes::INVALID_PROPERTY,
        "seekOperation=Next needs the MS-ContinuationToken of the page before.",
    )
}

/// The header a `next` link asks for.
pub(crate) fn continuation_header(token: String) -> LinkHeader {
    LinkHeader {
        key: "MS-ContinuationToken",
        value: token,
    }
}

/// Whom the request's bearer token stands for; `None` when it is missing, unknown or expired.
fn caller(app: &App, headers: &HeaderMap) -> Option<Caller> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    lock(&app.state)
        .tokens
        .caller(header, tokio::time::Instant::now())
}

/// Credentials that do not allow the request, answered as Partner Center does.
#[derive(Debug)]
enum Denied {
    /// Missing, unknown or expired.
    NoToken,
    /// App-only, where a change needs App+User.
    AppOnly,
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        match self {
            Self::NoToken => unauthorized(),
            Self::AppOnly => ApiFailure::app_only_forbidden().into_response(),
        }
    }
}

/// Only App+User tokens may change a customer: where the change comes from, for the activity
/// log and the API's idempotency.
fn may_change(app: &App, headers: &HeaderMap) -> Result<Origin, Denied> {
    match caller(app, headers) {
        None => Err(Denied::NoToken),
        Some(Caller {
            access: Access::AppOnly,
            ..
        }) => Err(Denied::AppOnly),
        Some(Caller {
            access: Access::AppUser,
            actor,
        }) => Ok(Origin {
            request_id: header(headers, "ms-requestid"),
            correlation_id: header(headers, "ms-correlationid"),
            actor,
            at: None,
        }),
    }
}

/// A success rendered by `render`, or the refusal's own answer (Partner Center's error body for
/// the API's).
pub(crate) fn answer<T, E: IntoResponse>(
    outcome: Result<T, E>,
    render: impl FnOnce(T) -> Response,
) -> Response {
    outcome.map_or_else(IntoResponse::into_response, render)
}

/// Serves a read, which any valid token may make: `read` runs under the state lock, `render`
/// after it.
pub(crate) fn serve_read<T>(
    app: &App,
    headers: &HeaderMap,
    read: impl FnOnce(&crate::state::State) -> Result<T, ApiFailure>,
    render: impl FnOnce(T) -> Response,
) -> Response {
    if caller(app, headers).is_none() {
        return Denied::NoToken.into_response();
    }
    let outcome = read(&lock(&app.state));
    answer(outcome, render)
}

/// The GET of a route under `/v1/customers/{customer_id}`, which any valid token may make:
/// `read` runs under the state lock, `render` after it.
pub(crate) fn get_customer<T: Send + 'static>(
    read: fn(&crate::state::State, &str) -> Result<T, ApiFailure>,
    render: fn(&App, T) -> Response,
) -> MethodRouter<Arc<App>> {
    get(
        move |State(app): State<Arc<App>>, Path(id): Path<String>, headers: HeaderMap| async move {
            serve_read(
                &app,
                &headers,
                |state| read(state, &id),
                |found| render(&app, found),
            )
        },
    )
}

/// A request for a page of a collection: its query `Q`, or why that is malformed (answered
/// after the token is checked, like every refusal of a read), its headers and its own URI.
pub(crate) struct PageRequest<Q> {
    query: Result<Q, ApiFailure>,
    headers: HeaderMap,
    uri: Uri,
}

impl<S: Send + Sync, Q: DeserializeOwned> FromRequestParts<S> for PageRequest<Q> {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let query = Query::try_from_uri(&parts.uri)
            .map(|Query(query)| query)
            .map_err(|_| {
                ApiFailure::bad_request(error_codes::INVALID_PROPERTY, "The query is malformed.")
            });
        Ok(Self {
            query,
            headers: parts.headers.clone(),
            uri: parts.uri.clone(),
        })
    }
}

/// Serves a page of a collection, which any valid token may read: `request` reads the query
/// and the headers, `read` takes the page under the state lock, and `render` gets the page, the
/// request and the request's own URI for the `self` link.
pub(crate) fn serve_page<Q, R, T>(
    app: &App,
    page: PageRequest<Q>,
    request: impl FnOnce(Q, &HeaderMap) -> Result<R, ApiFailure>,
    read: impl FnOnce(&crate::state::State, &R) -> T,
    render: impl FnOnce(T, &R, String) -> Response,
) -> Response {
    let request = page.query.and_then(|query| request(query, &page.headers));
    serve_read(
        app,
        &page.headers,
        |state| request.map(|request| (read(state, &request), request)),
        |(items, request)| render(items, &request, page.uri.to_string()),
    )
}

/// Serves a change, which only App+User tokens may make: `change` runs after the token is
/// checked, so that an anonymous caller learns nothing about its request; `render` runs on
/// what it made.
pub(crate) fn serve_change<T>(
    app: &App,
    headers: &HeaderMap,
    change: impl FnOnce(Origin) -> Result<T, ApiFailure>,
    render: impl FnOnce(T) -> Response,
) -> Response {
    match may_change(app, headers) {
        Ok(origin) => answer(change(origin), render),
        Err(denied) => denied.into_response(),
    }
}

/// Partner Center answers a qualification as a lowercase JSON string, e.g. `"education"`.
fn qualification_answer(qualification: Qualification) -> Response {
    Json(qualification.answer()).into_response()
}

#[derive(Debug, Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

/// The body and query are checked after the token, as Partner Center does.
async fn put_qualification(
    State(app): State<Arc<App>>,
    Path(customer_id): Path<String>,
    query: Result<Query<CodeQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let change = |origin: Origin| {
        let (Ok(Query(query)), Ok(body)) = (query, std::str::from_utf8(&body)) else {
            return Err(ApiFailure::bad_request(
                error_codes::INVALID_PROPERTY,
                "The request is malformed: the body must be UTF-8 and the query well encoded.",
            ));
        };
        app.mutate(|state| {
            state.set_qualification(&customer_id, body, query.code.as_deref(), &origin)
        })
    };
    serve_change(&app, &headers, change, qualification_answer)
}

/// A validation code in Partner Center's casing.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireValidationCode {
    partner_id: String,
    organization_name: String,
    validation_id: String,
    max_creates: i64,
    remaining_creates: i64,
    #[serde(rename = "eTag")]
    etag: String,
}

async fn get_validations(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let read = |state: &crate::state::State| {
        Ok(state
            .validation_codes()
            .iter()
            .map(|c| WireValidationCode {
                partner_id: c.partner_id.clone(),
                organization_name: c.organization_name.clone(),
                validation_id: c.validation_id.clone(),
                max_creates: c.max_creates,
                remaining_creates: c.remaining_creates,
                etag: c.etag.clone(),
            })
            .collect::<Vec<_>>())
    };
    serve_read(&app, &headers, read, |codes| Json(codes).into_response())
}
