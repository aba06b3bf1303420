//! The admin routes for tests and benchmarks: drift, customers, faults, counters, request log.

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

use crate::wire::Qualification;

use crate::faults::FaultSpec;
use crate::qualifications::AnswerShapes;
use crate::ratelimit::{Bucket, RateLimit};
use crate::seed::{SeedCustomer, qualification_name};
use crate::state::AdminRefusal;
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
        AdminRefusal::NotAGuid(_) | AdminRefusal::NotVetted { .. } => StatusCode::BAD_REQUEST,
    };
    refuse(status, refusal)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QualificationBody {
    #[serde(with = "qualification_name")]
    qualification: Qualification,
}

async fn force_qualification(
    State(app): State<Arc<App>>,
    Path(customer_id): Path<String>,
    Json(body): Json<QualificationBody>,
) -> Response {
    match app.mutate(|s| s.force_qualification(&customer_id, body.qualification)) {
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

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(SeedCustomer),
    Many(Vec<SeedCustomer>),
}

async fn add_customers(State(app): State<Arc<App>>, Json(body): Json<OneOrMany>) -> Response {
    let customers = match body {
        OneOrMany::One(customer) => vec![customer],
        OneOrMany::Many(customers) => customers,
    };
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
