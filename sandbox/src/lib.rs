//! A local Partner Center: the documented API, its token endpoint, and admin routes for tests.
//!
//! It speaks the wire contract of Microsoft's documentation in its own code ([`Qualification`],
//! [`error_codes`], [`Cloud`], [`ErrorCase`]) and shares none with the provider, so that a
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
//! `client_secret`), and the `resource` of the [`Cloud`] the sandbox poses as (`--cloud`,
//! `PUT /admin/cloud`; default `public`): `https://api.partnercenter.microsoft.com` for `public`
//! and `usgovernment`, `https://partner.partnercenterapi.microsoftonline.cn` for `china`. Answers
//! `{"token_type":"Bearer","expires_in":"3599","resource":…,"access_token":…,"refresh_token":…}`
//! (`refresh_token` only for the refresh grant: a new one each time when `rotate_refresh_tokens`
//! is on, the old one then refused).
//!
//! Refusals are HTTP 400 in Entra's documented shape: `{"error","error_description":"AADSTS…:
//! …\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …","error_codes":[…],"timestamp":
//! "2026-05-04 10:20:30Z","trace_id","correlation_id","error_uri":"{authority}/error?code=…"}`
//! (`correlation_id` is the request's `client-request-id` when it sent a GUID; `error_uri` names
//! the cloud's sign-in authority). Wrong credentials: `invalid_grant` (AADSTS700016 unknown
//! application, AADSTS7000215 wrong secret, AADSTS70000 wrong refresh token); a missing or other
//! grant `unsupported_grant_type` (AADSTS70003); another cloud's or no resource
//! `invalid_resource` AADSTS500011 "The resource principal named {resource} was not found in the
//! tenant named {tenant}. …"; a body that is no form `invalid_request` (AADSTS900144). The
//! failures of an expired, revoked or MFA-less sign-in are named error cases (see the faults).
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
//! - `GET /v1/auditrecords?startDate=&endDate=&filter=&size=` ("Get a record of Partner Center
//!   activity", app-only or App+User): the activity log. Every change the sandbox makes is a
//!   record: by the API (the PUT and the POST; `userPrincipalName` is the token's user,
//!   `applicationId` its client id; an app-only token would be the application alone) or out of
//!   band by the admin routes (who made it as they say). A retry answered from the idempotency
//!   cache is no new record. Dates are `yyyy-mm-dd` (a start at its midnight UTC, an end at its
//!   last instant) or RFC 3339. Without `startDate` the last 30 days; without `endDate` 30 days
//!   from the start or until now, whichever is less. 400 (code 3000) for a start before midnight
//!   UTC 90 days ago (records are kept 90 days), an end before the start, a window over 30
//!   days, or a date in another form. `filter` is URL-encoded JSON
//!   `{"Field":"CustomerId","Value":"<id>","Operator":"equals"}`; also `ResourceType` with
//!   `equals` and `CompanyName` with `substring` (each value in any case); any other field or
//!   operator is a 400 (code 3000) that names the supported ones. The answer:
//!   `{"totalCount":<items on this page>,"items":[{"id","customerId","customerName"?,
//!   "userPrincipalName"?,"applicationId"?,"resourceType":"customer","resourceOldValue",
//!   "resourceNewValue","operationType":"update_customer_qualification",
//!   "originalCorrelationId"?,"operationDate":"2026-05-04T10:20:30.123456789Z",
//!   "operationStatus":"succeeded","attributes":{"objectType":"AuditRecord"}}],"links":{"self",
//!   "next"?},"attributes":{"objectType":"Collection"}}`; a field the record lacks is left out.
//!   `resourceOldValue` / `resourceNewValue` hold the customer's qualifications before and
//!   after, e.g. `{"Qualifications":["Education"]}` (the real format is undocumented: clients
//!   must not rely on it). The order of `items` follows `PUT /admin/auditrecords/settings`
//!   (newest first by default). Pages hold `size` records (the settings' `page_size` when
//!   absent, 500 by default and at most); while more follow, `links.next` is
//!   `{"uri":"/v1/auditrecords?startDate=…&endDate=…&size=N&seekOperation=Next[&filter=…]",
//!   "method":"GET","headers":[{"key":"MS-ContinuationToken","value":…}]}` (the window as
//!   resolved by the first page); a listing's pages are cut from the records it could see at its
//!   first page, so a change made while paging shifts nothing.
//!
//! Errors are `{"code":…,"description":…,"data":[],"source":"PartnerFD"}`: 404 code 1000 for an
//! unknown customer, 400 code 900118 for an id that is not a GUID, 400 code 3000 for a bad body,
//! a refused qualification or a missing, unknown or spent validation code. A missing, unknown or
//! expired token gets 401 with an empty body and `WWW-Authenticate: Bearer`; credentials are
//! checked before anything else. The failures partners meet in the field are named error cases
//! (see the faults).
//!
//! # Admin routes (no authentication; loopback peers only; never counted nor faulted)
//!
//! - `POST /admin/customers/{id}/qualification` `{"qualification":"Education",
//!   "userPrincipalName"?:"alice@contoso.onmicrosoft.com","applicationId"?:"…",
//!   "operationDate"?:"2026-05-04T10:20:30Z"}`: out-of-band change (drift): the customer takes
//!   any qualification, None and Nonprofit included (StateOwnedEntity beside the other,
//!   anything else in its place, vetting as by the API); creates the customer if missing. The
//!   activity log records it as made by that user and application (either, both or neither) at
//!   `operationDate` (RFC 3339, now when absent; 400 when not RFC 3339; a date older than the
//!   90 days the log keeps is not kept). `DELETE /admin/customers/{id}/qualifications/{name}`
//!   takes one away: `{"removed":true|false}`, recorded without a user or an application when
//!   one was removed.
//! - `GET /admin/auditrecords`: every record kept, in the order they joined the log, in seed
//!   form ([`SeedAuditRecord`]). `POST /admin/auditrecords` adds one record or an array of them
//!   in that form, e.g. changes made weeks ago: `{"added":n}`, or 400 for a customer id that is
//!   no GUID or a date that is not RFC 3339.
//! - `PUT /admin/auditrecords/settings` `{"order":"newest_first"|"oldest_first"|"shuffled",
//!   "seed":0,"page_size":500}` ([`AuditSettings`]; a field left out takes its default, the
//!   first of each): the order of `GET /v1/auditrecords`'s items (`shuffled`: a permutation
//!   drawn from `seed`, the same for the same seed and records) and its page size without
//!   `size` (1 to 500, else 400). `GET` shows them.
//! - `PUT /admin/cloud` `{"cloud":"public"|"usgovernment"|"china"}` ([`Cloud`], or `--cloud`):
//!   the Partner Center the sandbox poses as, whose `resource` the token endpoint requires from
//!   now on (tokens already issued stay valid). `GET` shows it.
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
//!   `{"kind":"latency","millis":200,"count":5}`, `{"kind":"drop","count":1}`,
//!   `{"kind":"case","case":"mfa_required","count":1}` (a named error case, below); optional
//!   `"method"` and `"path_prefix"` filters. Without `count` a fault lasts until cleared; with
//!   `fraction` each matching request is hit with that probability. Faults apply to the API
//!   routes (the activity log's included), and to the token endpoint only through a
//!   `path_prefix` that names it, except the token cases, which strike the token endpoint
//!   without one (and the API with a `path_prefix` that names it). A 429 fault
//!   answers `{"statusCode":429,"message":"Rate limit is exceeded. Try again in N seconds."}`
//!   with `Retry-After: N`. A latency may be a range: `{"kind":"latency","millis":1000,
//!   "max_millis":3000}`. With `"after_handler":true` a fault strikes once the API has served
//!   the request (a change is then made): its latency delays the answer, its status or drop
//!   replaces it, as when a gateway fails after the backend succeeded (logged with fault
//!   `status_after_handler` or `drop_after_handler`).
//!   `GET /admin/faults` lists them, `DELETE /admin/faults` clears them.
//!   The named error cases ([`ErrorCase`]), answered exactly as Microsoft does (the request log
//!   names the case as its fault):
//!
//!   | case | answer |
//!   | --- | --- |
//!   | `mfa_required` | API 401 `{"code":900421,"description":"MFA required","data":[],"source":"PartnerFD"}` (App+User calls without a multi-factor sign-in) |
//!   | `no_relationship` | API 403 `{"code":20002,"description":"The partner ID {tenant of the first app registration} has no commerce relationship with the customer ID {customer of the path}.",…}` |
//!   | `role_missing` | API 403 `{"code":"900150","description":"The supplied role doesn't have the rights to perform the requested operation",…}` (`code` a string) |
//!   | `access_denied` | API 403 `{"code":2032,"description":"Access denied",…}` |
//!   | `bare_string` | API 403 `"Customer tagging denied."` |
//!   | `aadsts50076` | token 400 `invalid_grant`, `suberror` `basic_action`: "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access 'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd'." (the Partner Center API's application, [`PARTNER_CENTER_APP_ID`]) |
//!   | `aadsts50079` | the same with "you must enroll in multi-factor authentication" |
//!   | `aadsts700082` | token 400 `invalid_grant`: "AADSTS700082: The refresh token has expired due to inactivity. The token was issued on … and was inactive for 90.00:00:00." |
//!   | `aadsts70008` | token 400 `invalid_grant`: "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. …" |
//!   | `aadsts50173` | token 400 `invalid_grant`: "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. …" |
//!   | `aadsts65001` | token 400 `invalid_grant`, `suberror` `consent_required`: "AADSTS65001: The user or administrator has not consented to use the application with ID '{client id of the first app registration}' …" |
//!
//!   The token cases answer in Entra's shape above, linking to the posed cloud's authority.
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
//!   "GET customers","GET auditrecords","POST token"},"customers":{id:{"PUT","GET","POST"}},
//!   "status":{"200":…},"dropped","connections","accepted":{id:{ms_requestid:n}},
//!   "token_resources":{resource:n}}` (`connections`: TCP connections accepted; `accepted`: PUTs
//!   and POSTs applied, by customer and `MS-RequestId`, `""` for none: a retry answered from the
//!   idempotency cache is not applied again, so an n above 1 is a change made twice;
//!   `token_resources`: token requests that reached the endpoint, by the `resource` they asked
//!   for, `""` for none); `POST /admin/counters/reset` clears them and the request log.
//! - `GET /admin/requests`: the last 2000 requests (API and token endpoint), oldest first:
//!   `method`, `path` (never the query), `route`, `ms_requestid`, `ms_correlationid`,
//!   `ms_contract_version`, `user_agent`, `client_request_id` (a token request's; each `null`
//!   when the request had none), `resource`
//!   (the `resource` of a token request that reached the endpoint, else `null`), `status`
//!   (absent when dropped), `fault` (`status`, `drop`, a case's name, `latency`, `rate_limit`,
//!   `…_after_handler`, or `null`). A client that sends a new `MS-CorrelationId` per call and the
//!   same `MS-RequestId` on each retry shows it here.
//! - `GET /admin/state`: the whole state in seed format.
//! - `POST /admin/tokens/revoke`: every issued access token stops working (as after a password
//!   reset), so clients must go back to the token endpoint.
//!
//! # Seed and state files
//!
//! [`Seed`] in JSON: `token_lifetime_secs` (3599), `rotate_refresh_tokens` (false),
//! `static_tokens`, `static_token_identity`? (`user_principal_name`?, `application_id`?: who
//! the static tokens stand for in the activity log), `apps` (`tenant_id`, `client_id`,
//! `client_secret`, `refresh_token`, `user_principal_name`?: the user behind the refresh
//! token), `customers` (`id`, `name`?, `domain`?, `qualification` in any case, default None,
//! `vetting`? (`status`, `reason`?, `created`?; `Approved` when absent), `state_owned_entity`?),
//! `validation_codes` (`partner_id`, `organization_name`, `validation_id`, `max_creates`,
//! `remaining_creates`, `etag`), `audit_records`? ([`SeedAuditRecord`]: `customer_id`,
//! `customer_name`?, `user_principal_name`?, `application_id`?, `resource_type` (`customer`),
//! `resource_old_value`?, `resource_new_value`?, `operation_type`
//! (`update_customer_qualification`), `operation_date` (RFC 3339), `operation_status`
//! (`succeeded`), `original_correlation_id`?; records older than 90 days are dropped), e.g.
//! the history of the last 90 days. A `--state` file has the same format (the activity log
//! included): loaded at start when it exists (the seed is then ignored), rewritten atomically
//! shortly after each change and at shutdown.
//!
//! The built-in demo seed ([`Seed::demo`]) has the five [`DEMO_CUSTOMERS`] without a
//! qualification (among them [`DEMO_SCHOOL`] `0c39d6d5-c70d-4c55-bc02-f620844f3fd1` and
//! [`DEMO_AGENCY`] `4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11`), the validation codes
//! [`DEMO_VALIDATION_CODE`] `GCC-DEMO-0001` (10 creates) and
//! [`DEMO_SINGLE_USE_VALIDATION_CODE`] `GCC-DEMO-0002` (1 create), and these demo credentials:
//! tenant [`DEMO_TENANT_ID`], client id [`DEMO_CLIENT_ID`], client secret
//! `sandbox-client-secret`, refresh token `sandbox-refresh-token`, static access token
//! `sandbox-access-token` (both the user [`DEMO_USER_PRINCIPAL_NAME`]
//! `admin@contosopartner.onmicrosoft.com` through the application [`DEMO_CLIENT_ID`]). Issued
//! access tokens start with [`ACCESS_TOKEN_PREFIX`].
//! `--customers N` adds N customers with the ids of [`generated_customer_id`].
//!
//! # From Rust
//!
//! [`RunningSandbox::admin`] (or [`SandboxAdmin::new`] with the URL the binary prints) is the
//! client of the admin routes, one method per route, e.g.
//! `admin.set_qualification_by(id, Qualification::Nonprofit, &Actor::user("alice@contoso.com"),
//! Some(SystemTime::now() - Duration::from_secs(3 * 86_400)))`,
//! `admin.add_error_case(ErrorCase::SignInNeedsMfa, Some(1))`,
//! `admin.set_audit_settings(AuditSettings { order: AuditOrder::OldestFirst, ..Default::default() })`,
//! `admin.set_cloud(Cloud::China)`, `admin.audit_records()`, `admin.requests()`,
//! `admin.counters()`.

mod admin;
mod admin_client;
mod answered;
mod api;
mod audit;
mod auditrecords;
mod cases;
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

pub use admin_client::{AdminError, SandboxAdmin, http_client};
pub use audit::{AuditOrder, AuditSettings};
pub use cases::ErrorCase;
pub use cli::run_cli;
pub use qualifications::{AnswerShapes, DateField, GetShape, PostShape};
pub use ratelimit::{InvalidRateLimit, RateLimit};
pub use seed::{
    Actor, AppRegistration, DEMO_ACCESS_TOKEN, DEMO_AGENCY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
    DEMO_CUSTOMERS, DEMO_NONPROFIT, DEMO_PARTNER_ID, DEMO_REFRESH_TOKEN, DEMO_SCHOOL,
    DEMO_SINGLE_USE_VALIDATION_CODE, DEMO_STATE_DEPARTMENT, DEMO_TENANT_ID, DEMO_UNIVERSITY,
    DEMO_USER_PRINCIPAL_NAME, DEMO_VALIDATION_CODE, Seed, SeedAuditRecord, SeedCustomer,
    SeedValidationCode, UNKNOWN_CUSTOMER, UPDATE_CUSTOMER_QUALIFICATION, Vetting,
    generated_customer_id, rfc3339,
};
pub use token::ACCESS_TOKEN_PREFIX;
pub use traffic::Counters;
pub use wire::{Cloud, PARTNER_CENTER_APP_ID, PARTNER_CENTER_RESOURCE, Qualification, error_codes};

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
    /// The Partner Center it poses as: its token endpoint requires that cloud's resource.
    pub cloud: Cloud,
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
            cloud: Cloud::default(),
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
    /// How the activity log orders and pages its answers.
    audit_settings: Mutex<AuditSettings>,
    /// The Partner Center the sandbox poses as.
    cloud: Mutex<Cloud>,
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
        .merge(auditrecords::routes())
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
        audit_settings: Mutex::new(AuditSettings::default()),
        cloud: Mutex::new(config.cloud),
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
