//! A local Partner Center: the documented API, its token endpoint, and admin routes for tests.
//!
//! It speaks the wire contract of Microsoft's documentation in its own code ([`Qualification`],
//! [`error_codes`], [`PARTNER_CENTER_RESOURCE`]) and shares none with the provider, so that a
//! mistake in the provider's model of the API shows up as a failing test instead of being
//! mirrored here.
//!
//! Started by the `partnercenter-sandbox` binary or in-process with [`spawn`]. It listens on
//! loopback (port 0 picks a free port) and serves, on one address:
//!
//! # Token endpoint (`authority_url` = the sandbox's base URL)
//!
//! `POST /{tenant_id}/oauth2/token`, a form with `grant_type` = `refresh_token` (with
//! `client_id`, `client_secret`, `refresh_token`) or `client_credentials` (with `client_id`,
//! `client_secret`), and `resource=https://api.partnercenter.microsoft.com`. Answers
//! `{"token_type":"Bearer","expires_in":"3599","resource":…,"access_token":…,"refresh_token":…}`
//! (`refresh_token` only for the refresh grant: a new one each time when `rotate_refresh_tokens`
//! is on, the old one then refused). Wrong credentials: 400
//! `{"error":"invalid_grant","error_description":"AADSTS…"}`; a missing or other grant
//! `unsupported_grant_type`, another resource `invalid_resource`, a body that is no form
//! `invalid_request`.
//!
//! # Partner Center API (bearer token required: issued and unexpired, or a seed `static_tokens`)
//!
//! A customer holds a set of qualifications: at most one of Nonprofit, Education and
//! GovernmentCommunityCloud (the legacy contract's one), and StateOwnedEntity beside it or alone.
//! Taking Education or GovernmentCommunityCloud anew starts its vetting: `InReview`, created now;
//! keeping it keeps its vetting. Changes need an App+User token (a refresh-token grant or a
//! static token): an app-only (client-credentials) token gets 403 "This resource can't be
//! accessed by application credentials.", as from Partner Center. A change whose `MS-RequestId`
//! was already applied to that customer (by the same route) gets the same answer again without
//! being applied again. GovernmentCommunityCloud needs a `validation_id` with
//! `remaining_creates > 0` and spends one of them, except when the customer already holds it.
//!
//! The legacy contract:
//!
//! - `PUT /v1/customers/{id}/qualification[?code=…]`, body the CustomerQualification integer
//!   (`0` None … `4` StateOwnedEntity); answers the lowercase JSON string, e.g. `"education"`.
//!   Only Education (1) and GovernmentCommunityCloud (3, with `code`) are accepted; either
//!   replaces the customer's other qualification and leaves StateOwnedEntity.
//! - `GET /v1/customers/{id}/qualification`: the lowercase JSON string of the qualification that
//!   is not StateOwnedEntity, or `"none"`.
//!
//! The asynchronous contract:
//!
//! - `POST /v1/customers/{id}/qualifications`, body `{"qualification","educationSegment",
//!   "website","validationCode"}`: Education (with `educationSegment` `K12` or
//!   `HigherEducation`, `website` optional), GovernmentCommunityCloud (with `validationCode`)
//!   or StateOwnedEntity; a field another qualification owns is refused. Answers 201 with the
//!   entry set, or 200 with `{"qualifications":[…]}` (every entry), as the shapes say.
//! - `GET /v1/customers/{id}/qualifications` (app-only or App+User): the entries as a bare array
//!   or in that wrapper. An entry is `{"qualification":"Education","vettingStatus":"InReview",
//!   "vettingReason"?:…,"vettingCreateDate":"2020-12-04T20:54:24Z"}` (the date field may be
//!   spelled `vettingCreatedDate`); Nonprofit and StateOwnedEntity have no vetting fields.
//!
//! And (app-only or App+User):
//!
//! - `GET /v1/customers/all/validations`: `[{"partnerId","organizationName","validationId",
//!   "maxCreates","remainingCreates","eTag"}]`.
//! - `GET /v1/customers?size=N` ("Get a list of customers"; `size` 200 when absent, at most
//!   1000): customers in id order, `{"totalCount":<items on this page>,"items":[{"id",
//!   "companyProfile":{"tenantId","domain","companyName","attributes":{"objectType":
//!   "CustomerCompanyProfile"}},"relationshipToPartner":"reseller","attributes":{"objectType":
//!   "Customer"}}],"links":{"self":{"uri","method":"GET","headers":[]},"next":{"uri":
//!   "/v1/customers?size=N&seekOperation=Next","method":"GET","headers":[{"key":
//!   "MS-ContinuationToken","value":…}]}},"attributes":{"objectType":"Collection"}}`, `next`
//!   only while more customers follow. The next page is `GET /v1/customers?seekOperation=Next`
//!   (`size` optional there) with that `MS-ContinuationToken` header; the token holds the page
//!   size and the last id of its page, so paging survives customers added or removed meanwhile.
//!
//! Errors are `{"code":…,"description":…,"data":[],"source":"PartnerFD"}`: 404 code 1000 for an
//! unknown customer, 400 code 900118 for an id that is not a GUID, 400 code 3000 for a bad body,
//! a refused qualification or a missing, unknown or spent validation code. A missing, unknown or
//! expired token gets 401 with an empty body and `WWW-Authenticate: Bearer`; credentials are
//! checked before anything else.
//!
//! # Admin routes (no authentication; loopback peers only; never counted nor faulted)
//!
//! - `POST /admin/customers/{id}/qualification` `{"qualification":"Education"}`: out-of-band
//!   change (drift): the customer takes any qualification, None and Nonprofit included
//!   (StateOwnedEntity beside the other, anything else in its place, vetting as by the API);
//!   creates the customer if missing. `DELETE /admin/customers/{id}/qualifications/{name}`
//!   takes one away: `{"removed":true|false}`.
//! - `POST /admin/customers/{id}/vetting` `{"status":"Denied","reason":"Not an Education
//!   Customer"}` (or `{"status":"Approved"}`, or any other status): the review of the customer's
//!   Education or GovernmentCommunityCloud qualification moves on; 400 when it holds neither.
//! - `PUT /admin/qualifications/shapes` `{"post":"object"|"wrapper","get":"array"|"wrapper",
//!   "dateField":"vettingCreateDate"|"vettingCreatedDate"}` ([`AnswerShapes`]; a field left out
//!   takes its default, the first of each); `GET` shows them.
//! - `POST /admin/customers` `{"id":…,"name"?:…,"qualification"?:…,"vetting"?:…,
//!   "state_owned_entity"?:…}` ([`SeedCustomer`]) or an array of them: add or replace customers.
//!   `DELETE /admin/customers/{id}`: the API then answers 404 for it.
//! - `POST /admin/faults`, e.g. `{"kind":"status","status":429,"retry_after_secs":1,"count":2}`,
//!   `{"kind":"status","status":503,"fraction":0.5,"count":100}`,
//!   `{"kind":"status","status":403,"body":"Access is denied"}` (any JSON body),
//!   `{"kind":"latency","millis":200,"count":5}`, `{"kind":"drop","count":1}`; optional
//!   `"method"` and `"path_prefix"` filters. Without `count` a fault lasts until cleared; with
//!   `fraction` each matching request is hit with that probability. Faults apply to the API
//!   routes, and to the token endpoint only through a `path_prefix` that names it. A 429 fault
//!   answers `{"statusCode":429,"message":"Rate limit is exceeded. Try again in N seconds."}`
//!   with `Retry-After: N`. A latency may be a range: `{"kind":"latency","millis":1000,
//!   "max_millis":3000}`. With `"after_handler":true` a fault strikes once the API has served
//!   the request (a change is then made): its latency delays the answer, its status or drop
//!   replaces it, as when a gateway fails after the backend succeeded (logged with fault
//!   `status_after_handler` or `drop_after_handler`).
//!   `GET /admin/faults` lists them, `DELETE /admin/faults` clears them.
//!   A soak is several faults with fractions, e.g. 429, 500 and 503 at 2% each, drops at 1%,
//!   latency 5 to 50 ms at 50%. `POST /admin/faults/seed` `{"seed":42}` (or `--fault-seed 42`)
//!   restarts the dice: the same requests in the same order then meet the same faults.
//! - `PUT /admin/rate-limit` `{"requests_per_second":50,"burst"?:50}` ([`RateLimit`], or
//!   `--rate-limit 50`), or `null` for none: the partner's API requests (not the token endpoint)
//!   pass a token bucket that refills at that rate and holds `burst` (default one second's
//!   worth); a request that finds it empty is answered 429
//!   `{"statusCode":429,"message":"Rate limit is exceeded. Try again in N seconds."}` with
//!   `Retry-After: N`, the whole seconds until a token is back (logged with fault
//!   `rate_limit`, never faulted besides). `GET` shows it.
//! - `GET /admin/counters` ([`Counters`]): `{"total","routes":{"PUT qualification",
//!   "GET qualification","POST qualifications","GET qualifications","GET validations",
//!   "GET customers","POST token"},"customers":{id:{"PUT","GET","POST"}},"status":{"200":…},
//!   "dropped","connections","accepted":{id:{ms_requestid:n}}}` (`connections`: TCP
//!   connections accepted; `accepted`: PUTs and POSTs applied, by customer and `MS-RequestId`,
//!   `""` for none: a retry answered from the idempotency cache is not applied again, so an n
//!   above 1 is a change made twice); `POST /admin/counters/reset` clears them and the request
//!   log.
//! - `GET /admin/requests`: the last 2000 requests, oldest first: `method`, `path` (never the
//!   query), `route`, `ms_requestid`, `ms_correlationid`, `ms_contract_version`, `user_agent`,
//!   `status` (absent when dropped), `fault`.
//! - `GET /admin/state`: the whole state in seed format.
//! - `POST /admin/tokens/revoke`: every issued access token stops working (as after a password
//!   reset), so clients must go back to the token endpoint.
//!
//! # Seed and state files
//!
//! [`Seed`] in JSON: `token_lifetime_secs` (3599), `rotate_refresh_tokens` (false),
//! `static_tokens`, `apps` (`tenant_id`, `client_id`, `client_secret`, `refresh_token`),
//! `customers` (`id`, `name`?, `domain`?, `qualification` in any case, default None, `vetting`?
//! (`status`, `reason`?, `created`?; `Approved` when absent), `state_owned_entity`?), `validation_codes`
//! (`partner_id`, `organization_name`, `validation_id`, `max_creates`, `remaining_creates`,
//! `etag`). A `--state` file has the same format: loaded at start when it exists (the seed is
//! then ignored), rewritten atomically shortly after each change and at shutdown.
//!
//! The built-in demo seed ([`Seed::demo`]) has the five [`DEMO_CUSTOMERS`] without a
//! qualification (among them [`DEMO_SCHOOL`] `0c39d6d5-c70d-4c55-bc02-f620844f3fd1` and
//! [`DEMO_AGENCY`] `4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11`), the validation codes
//! [`DEMO_VALIDATION_CODE`] `GCC-DEMO-0001` (10 creates) and
//! [`DEMO_SINGLE_USE_VALIDATION_CODE`] `GCC-DEMO-0002` (1 create), and these demo credentials:
//! tenant [`DEMO_TENANT_ID`], client id [`DEMO_CLIENT_ID`], client secret
//! `sandbox-client-secret`, refresh token `sandbox-refresh-token`, static access token
//! `sandbox-access-token`. Issued access tokens start with [`ACCESS_TOKEN_PREFIX`].
//! `--customers N` adds N customers with the ids of [`generated_customer_id`].

mod admin;
mod admin_client;
mod answered;
mod api;
mod cli;
mod customers;
mod faults;
mod persist;
mod qualifications;
mod ratelimit;
mod seed;
mod state;
mod token;
mod traffic;
mod wire;

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::serve::ListenerExt;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use admin_client::{AdminError, SandboxAdmin};
pub use cli::run_cli;
pub use qualifications::{AnswerShapes, DateField, GetShape, PostShape};
pub use ratelimit::{InvalidRateLimit, RateLimit};
pub use seed::{
    AppRegistration, DEMO_ACCESS_TOKEN, DEMO_AGENCY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
    DEMO_CUSTOMERS, DEMO_NONPROFIT, DEMO_PARTNER_ID, DEMO_REFRESH_TOKEN, DEMO_SCHOOL,
    DEMO_SINGLE_USE_VALIDATION_CODE, DEMO_STATE_DEPARTMENT, DEMO_TENANT_ID, DEMO_UNIVERSITY,
    DEMO_VALIDATION_CODE, Seed, SeedCustomer, SeedValidationCode, UNKNOWN_CUSTOMER, Vetting,
    generated_customer_id,
};
pub use token::ACCESS_TOKEN_PREFIX;
pub use traffic::Counters;
pub use wire::{PARTNER_CENTER_RESOURCE, Qualification, error_codes};

use faults::Faults;
use ratelimit::Bucket;
use state::State;
use traffic::Traffic;

/// What a sandbox serves and where.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Default `127.0.0.1:0`: a free loopback port.
    pub listen: SocketAddr,
    /// Used when there is no state file yet.
    pub seed: Seed,
    /// Persist the state to this JSON file (and start from it when it exists).
    pub state_file: Option<PathBuf>,
    /// Extra customers with [`generated_customer_id`] ids, for benchmarks.
    pub generated_customers: usize,
    /// Seeds the dice of the faults (which requests a `fraction` hits, latency ranges), so
    /// that a run can be replayed; `None`: seeded from the OS.
    pub fault_seed: Option<u64>,
    /// Throttles the partner's API requests; `None`: no limit.
    pub rate_limit: Option<RateLimit>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            seed: Seed::demo(),
            state_file: None,
            generated_customers: 0,
            fault_seed: None,
            rate_limit: None,
        }
    }
}

/// Why a sandbox could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a valid seed: {source}", path.display())]
    Seed {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("invalid seed: {0}")]
    InvalidSeed(String),
    #[error("invalid rate limit: {0}")]
    InvalidRateLimit(#[from] InvalidRateLimit),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Serve(std::io::Error),
    #[error("a sandbox task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Shared by every handler.
#[derive(Debug)]
pub(crate) struct App {
    state: Mutex<State>,
    /// How the asynchronous contract shapes its answers.
    shapes: Mutex<AnswerShapes>,
    faults: Mutex<Faults>,
    rate_limit: Mutex<Bucket>,
    traffic: Mutex<Traffic>,
    /// Signalled after each change, for the state-file writer.
    changed: Notify,
}

impl App {
    /// Runs `change` under the state lock and tells the state-file writer.
    fn mutate<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        let outcome = change(&mut lock(&self.state));
        self.changed.notify_one();
        outcome
    }
}

/// Locks a mutex, taking over a poisoned one: every critical section leaves data consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn router(app: Arc<App>) -> Router {
    let served = api::routes()
        .merge(qualifications::routes())
        .merge(customers::routes())
        .route(
            "/{tenant_id}/oauth2/token",
            axum::routing::post(token::token),
        )
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            traffic::middleware,
        ));
    served.merge(admin::routes()).with_state(app)
}

/// A sandbox serving in the background; dropping it stops it without waiting.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    stop: CancellationToken,
    task: Option<JoinHandle<Result<(), SandboxError>>>,
}

impl RunningSandbox {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: both the `base_url` and the `authority_url` of a client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client of this sandbox's admin routes.
    pub fn admin(&self) -> SandboxAdmin {
        SandboxAdmin::new(self.url())
    }

    /// Stops accepting, lets requests in flight finish, and writes the state file.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        self.stop.cancel();
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Binds, seeds and starts serving in the background.
pub async fn spawn(config: SandboxConfig) -> Result<RunningSandbox, SandboxError> {
    if let Some(limit) = &config.rate_limit {
        limit.validate()?;
    }
    let mut seed = match &config.state_file {
        Some(path) if path.exists() => persist::load(path)?,
        _ => config.seed,
    };
    // A state file already holds the generated customers, maybe changed: keep them as they are.
    let known: HashSet<String> = seed
        .customers
        .iter()
        .map(|c| c.id.to_ascii_lowercase())
        .collect();
    for n in 1..=config.generated_customers {
        let id = generated_customer_id(n);
        if !known.contains(&id) {
            seed.customers.push(SeedCustomer {
                name: Some(format!("Generated customer {n}")),
                ..SeedCustomer::new(id)
            });
        }
    }
    let state = State::from_seed(seed).map_err(|e| SandboxError::InvalidSeed(e.to_string()))?;
    let app = Arc::new(App {
        state: Mutex::new(state),
        shapes: Mutex::new(AnswerShapes::default()),
        faults: Mutex::new(Faults::new(config.fault_seed)),
        rate_limit: Mutex::new(Bucket::new(config.rate_limit, tokio::time::Instant::now())),
        traffic: Mutex::new(Traffic::default()),
        changed: Notify::new(),
    });
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(SandboxError::Serve)?;
    let stop = CancellationToken::new();
    let writer = match config.state_file {
        Some(path) => {
            // Written at once, so the file exists (and is valid) from the first moment.
            persist::write_atomically(&path, &lock(&app.state).to_seed())?;
            let stop_writer = CancellationToken::new();
            let task = tokio::spawn(persist::run_writer(
                Arc::clone(&app),
                path,
                stop_writer.clone(),
            ));
            Some((task, stop_writer))
        }
        None => None,
    };
    let counted = Arc::clone(&app);
    let listener = listener.tap_io(move |_| lock(&counted.traffic).connection_accepted());
    let server = axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop.clone().cancelled_owned());
    let task = tokio::spawn(async move {
        let served = server.await.map_err(SandboxError::Serve);
        // The writer stops only after the server, so the last requests reach the file.
        if let Some((task, stop_writer)) = writer {
            stop_writer.cancel();
            task.await??;
        }
        served
    });
    tracing::info!(%addr, "partnercenter-sandbox serving");
    Ok(RunningSandbox {
        addr,
        stop,
        task: Some(task),
    })
}
