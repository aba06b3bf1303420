//! The admin routes for tests and benchmarks: drift, customers, the activity log, the cloud,
//! faults, counters, request log.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::wire::{Cloud, Qualification};

use crate::audit::AuditSettings;
use crate::faults::FaultSpec;
use crate::qualifications::AnswerShapes;
use crate::ratelimit::{Bucket, RateLimit};
use crate::seed::{Actor, SeedAuditRecord, SeedCustomer, qualification_name};
use crate::state::{AdminRefusal, Origin};
use crate::{App, lock};

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/admin/customers", post(add_customers))
        .route("/admin/customers/{customer_id}", delete(remove_customer))
        .route(
            "/admin/customers/{customer_id}/qualification",
            post(force_qualification),
        )
        .route(
            "/admin/customers/{customer_id}/qualifications/{qualification}",
            delete(remove_qualification),
        )
        .route("/admin/customers/{customer_id}/vetting", post(set_vetting))
        .route(
            "/admin/auditrecords",
            get(audit_records).post(add_audit_records),
        )
        .route(
            "/admin/auditrecords/settings",
            get(audit_settings).put(set_audit_settings),
        )
        .route("/admin/cloud", get(cloud).put(set_cloud))
        .route(
            "/admin/qualifications/shapes",
            get(answer_shapes).put(set_answer_shapes),
        )
        .route(
            "/admin/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/admin/faults/seed", post(seed_faults))
        .route("/admin/rate-limit", get(rate_limit).put(set_rate_limit))
        .route("/admin/counters", get(counters))
        .route("/admin/counters/reset", post(reset_counters))
        .route("/admin/requests", get(requests))
        .route("/admin/state", get(state))
        .route("/admin/tokens/revoke", post(revoke_tokens))
        .layer(middleware::from_fn(loopback_only))
}

/// The admin routes have no authentication, so they answer only on loopback.
async fn loopback_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if peer.ip().is_loopback() {
        next.run(request).await
    } else {
        refuse(
            StatusCode::FORBIDDEN,
            "the admin routes answer only on loopback",
        )
    }
}

fn refuse(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

fn refused(refusal: &AdminRefusal) -> Response {
    let status = match refusal {
        AdminRefusal::UnknownCustomer(_) => StatusCode::NOT_FOUND,
        AdminRefusal::NotAGuid(_)
        | AdminRefusal::NotVetted { .. }
        | AdminRefusal::InvalidRecord(_) => StatusCode::BAD_REQUEST,
    };
    refuse(status, refusal)
}

/// An out-of-band change and who made it, in the activity log's words: `{"qualification":
/// "Nonprofit","userPrincipalName"?:…,"applicationId"?:…,"operationDate"?:"2026-05-04T10:00:00Z"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct QualificationBody {
    #[serde(with = "qualification_name")]
    qualification: Qualification,
    #[serde(default)]
    user_principal_name: Option<String>,
    #[serde(default)]
    application_id: Option<String>,
    /// RFC 3339; now when absent.
    #[serde(default)]
    operation_date: Option<String>,
}

async fn force_qualification(
    State(app): State<Arc<App>>,
    Path(customer_id): Path<String>,
    Json(body): Json<QualificationBody>,
) -> Response {
    let at = match body.operation_date.as_deref().map(|date| {
        OffsetDateTime::parse(date, &Rfc3339)
            .map_err(|_| format!("operationDate {date:?} is not an RFC 3339 date"))
    }) {
        Some(Err(invalid)) => return refuse(StatusCode::BAD_REQUEST, invalid),
        Some(Ok(at)) => Some(at),
        None => None,
    };
    let origin = Origin {
        actor: Actor {
            user_principal_name: body.user_principal_name,
            application_id: body.application_id,
        },
        at,
        ..Origin::default()
    };
    match app.mutate(|s| s.force_qualification(&customer_id, body.qualification, &origin)) {
        Ok(()) => Json(json!({ "id": customer_id, "qualification": body.qualification.name() }))
            .into_response(),
        Err(refusal) => refused(&refusal),
    }
}

async fn remove_qualification(
    State(app): State<Arc<App>>,
    Path((customer_id, name)): Path<(String, String)>,
) -> Response {
    let Some(qualification) = Qualification::from_name(&name) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("unknown qualification {name:?}"),
        );
    };
    match app.mutate(|s| s.remove_qualification(&customer_id, qualification)) {
        Ok(removed) => Json(json!({ "removed": removed })).into_response(),
        Err(refusal) => refused(&refusal),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VettingBody {
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

async fn set_vetting(
    State(app): State<Arc<App>>,
    Path(customer_id): Path<String>,
    Json(body): Json<VettingBody>,
) -> Response {
    match app.mutate(|s| s.set_vetting(&customer_id, body.status, body.reason)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(refusal) => refused(&refusal),
    }
}

async fn answer_shapes(State(app): State<Arc<App>>) -> Response {
    Json(*lock(&app.shapes)).into_response()
}

async fn set_answer_shapes(
    State(app): State<Arc<App>>,
    Json(shapes): Json<AnswerShapes>,
) -> StatusCode {
    *lock(&app.shapes) = shapes;
    StatusCode::NO_CONTENT
}

/// A body of one item or an array of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(Box<T>),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            Self::One(item) => vec![*item],
            Self::Many(items) => items,
        }
    }
}

async fn add_customers(
    State(app): State<Arc<App>>,
    Json(body): Json<OneOrMany<SeedCustomer>>,
) -> Response {
    let customers = body.into_vec();
    let added = customers.len();
    let outcome = app.mutate(|s| customers.into_iter().try_for_each(|c| s.upsert_customer(c)));
    match outcome {
        Ok(()) => Json(json!({ "added": added })).into_response(),
        Err(refusal) => refused(&refusal),
    }
}

async fn remove_customer(State(app): State<Arc<App>>, Path(customer_id): Path<String>) -> Response {
    let removed = app.mutate(|s| s.remove_customer(&customer_id));
    Json(json!({ "removed": removed })).into_response()
}

async fn audit_records(State(app): State<Arc<App>>) -> Response {
    Json(lock(&app.state).audit_log().records()).into_response()
}

async fn add_audit_records(
    State(app): State<Arc<App>>,
    Json(body): Json<OneOrMany<SeedAuditRecord>>,
) -> Response {
    let records = body.into_vec();
    let added = records.len();
    match app.mutate(|s| s.add_audit_records(records)) {
        Ok(()) => Json(json!({ "added": added })).into_response(),
        Err(refusal) => refused(&refusal),
    }
}

async fn audit_settings(State(app): State<Arc<App>>) -> Response {
    Json(*lock(&app.audit_settings)).into_response()
}

async fn set_audit_settings(
    State(app): State<Arc<App>>,
    Json(settings): Json<AuditSettings>,
) -> Response {
    if let Err(invalid) = settings.validate() {
        return refuse(StatusCode::BAD_REQUEST, invalid);
    }
    *lock(&app.audit_settings) = settings;
    StatusCode::NO_CONTENT.into_response()
}

/// `{"cloud":"china"}`
#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct CloudBody {
    cloud: Cloud,
}

async fn cloud(State(app): State<Arc<App>>) -> Response {
    Json(CloudBody {
        cloud: *lock(&app.cloud),
    })
    .into_response()
}

async fn set_cloud(State(app): State<Arc<App>>, Json(body): Json<CloudBody>) -> StatusCode {
    *lock(&app.cloud) = body.cloud;
    StatusCode::NO_CONTENT
}

async fn add_fault(State(app): State<Arc<App>>, Json(spec): Json<FaultSpec>) -> Response {
    match lock(&app.faults).add(spec) {
        Ok(id) => (StatusCode::CREATED, Json(json!({ "id": id }))).into_response(),
        Err(invalid) => refuse(StatusCode::BAD_REQUEST, invalid),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBody {
    seed: u64,
}

async fn seed_faults(State(app): State<Arc<App>>, Json(body): Json<SeedBody>) -> StatusCode {
    lock(&app.faults).reseed(body.seed);
    StatusCode::NO_CONTENT
}

async fn rate_limit(State(app): State<Arc<App>>) -> Response {
    Json(lock(&app.rate_limit).limit()).into_response()
}

/// A new limit starts with a full bucket.
async fn set_rate_limit(
    State(app): State<Arc<App>>,
    Json(limit): Json<Option<RateLimit>>,
) -> Response {
    if let Some(Err(invalid)) = limit.map(|l| l.validate()) {
        return refuse(StatusCode::BAD_REQUEST, invalid);
    }
    *lock(&app.rate_limit) = Bucket::new(limit, tokio::time::Instant::now());
    StatusCode::NO_CONTENT.into_response()
}

async fn list_faults(State(app): State<Arc<App>>) -> Response {
    Json(lock(&app.faults).describe()).into_response()
}

async fn clear_faults(State(app): State<Arc<App>>) -> StatusCode {
    lock(&app.faults).clear();
    StatusCode::NO_CONTENT
}

async fn counters(State(app): State<Arc<App>>) -> Response {
    let mut counters = lock(&app.traffic).counters().clone();
    counters.accepted = lock(&app.state).accepted().clone();
    Json(counters).into_response()
}

async fn reset_counters(State(app): State<Arc<App>>) -> StatusCode {
    lock(&app.traffic).reset();
    lock(&app.state).reset_accepted();
    StatusCode::NO_CONTENT
}

async fn requests(State(app): State<Arc<App>>) -> Response {
    Json(lock(&app.traffic).recent()).into_response()
}

async fn state(State(app): State<Arc<App>>) -> Response {
    Json(lock(&app.state).to_seed()).into_response()
}

/// Invalidates every access token issued so far (not the seed's static tokens).
async fn revoke_tokens(State(app): State<Arc<App>>) -> StatusCode {
    lock(&app.state).tokens.revoke_issued();
    StatusCode::NO_CONTENT
}
