//! The admin routes for tests and benchmarks: drift, customers, the activity log, the cloud,
//! faults, counters, request log.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::wire::{Cloud, Qualification};

use crate::api::answer;
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
        .route("/admin/auditrecords/settings", setting::<AuditSettings>())
        .route("/admin/cloud", get(cloud).put(set_cloud))
        .route("/admin/qualifications/shapes", setting::<AnswerShapes>())
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

impl IntoResponse for AdminRefusal {
    fn into_response(self) -> Response {
        let status = match self {
            Self::UnknownCustomer(_) => StatusCode::NOT_FOUND,
            Self::NotAGuid(_) | Self::NotVetted { .. } | Self::InvalidRecord(_) => {
                StatusCode::BAD_REQUEST
            }
        };
        refuse(status, self)
    }
}

/// A setting the tests read and replace whole, as JSON.
trait Setting: Copy + Serialize + DeserializeOwned + Send + 'static {
    fn held(app: &App) -> &Mutex<Self>;

    /// Why this value cannot be set.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

impl Setting for AnswerShapes {
    fn held(app: &App) -> &Mutex<Self> {
        &app.shapes
    }
}

impl Setting for AuditSettings {
    fn held(app: &App) -> &Mutex<Self> {
        &app.audit_settings
    }

    fn check(&self) -> Result<(), String> {
        self.validate().map_err(|invalid| invalid.to_string())
    }
}

/// `GET` answers the setting, `PUT` replaces it.
fn setting<T: Setting>() -> MethodRouter<Arc<App>> {
    get(read_setting::<T>).put(set_setting::<T>)
}

async fn read_setting<T: Setting>(State(app): State<Arc<App>>) -> Response {
    Json(*lock(T::held(&app))).into_response()
}

async fn set_setting<T: Setting>(State(app): State<Arc<App>>, Json(value): Json<T>) -> Response {
    if let Err(invalid) = value.check() {
        return refuse(StatusCode::BAD_REQUEST, invalid);
    }
    *lock(T::held(&app)) = value;
    StatusCode::NO_CONTENT.into_response()
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
    let outcome = app.mutate(|s| s.force_qualification(&customer_id, body.qualification, &origin));
    answer(outcome, |()| {
        Json(json!({ "id": customer_id, "qualification": body.qualification.name() }))
            .into_response()
    })
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
    answer(
        app.mutate(|s| s.remove_qualification(&customer_id, qualification)),
        |removed| Json(json!({ "removed": removed })).into_response(),
    )
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
    answer(
        app.mutate(|s| s.set_vetting(&customer_id, body.status, body.reason)),
        |()| StatusCode::NO_CONTENT.into_response(),
    )
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

    /// Adds every item by `add`, answering how many.
    fn add(
        self,
        app: &App,
        add: impl FnOnce(&mut crate::state::State, Vec<T>) -> Result<(), AdminRefusal>,
    ) -> Response {
        let items = self.into_vec();
        let added = items.len();
        answer(app.mutate(|s| add(s, items)), |()| {
            Json(json!({ "added": added })).into_response()
        })
    }
}

async fn add_customers(
    State(app): State<Arc<App>>,
    Json(body): Json<OneOrMany<SeedCustomer>>,
) -> Response {
    body.add(&app, |s, customers| {
        customers.into_iter().try_for_each(|c| s.upsert_customer(c))
    })
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
    body.add(&app, |s, records| s.add_audit_records(records))
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
