//! The front door of the API and token routes: counters, the request log, and injected faults.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::cases::CaseContext;
use crate::faults::{self, Effect};
use crate::token::RequestedResource;
use crate::{App, lock};
use crate::{ratelimit, wire};

/// Names a partner or an application in a case's answer when the sandbox has no registration.
const NO_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// What a request was for, as counted.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Route {
    PutQualification(String),
    GetQualification(String),
    PostQualifications(String),
    GetQualifications(String),
    GetValidations,
    GetCustomers,
    GetAuditRecords,
    Token,
    Other,
}

impl Route {
    fn classify(method: &str, path: &str) -> Self {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("GET", ["v1", "customers", "all", "validations"]) => Self::GetValidations,
            ("GET", ["v1", "customers"]) => Self::GetCustomers,
            ("GET", ["v1", "auditrecords"]) => Self::GetAuditRecords,
            ("PUT", ["v1", "customers", id, "qualification"]) => {
                Self::PutQualification(id.to_ascii_lowercase())
            }
            ("GET", ["v1", "customers", id, "qualification"]) => {
                Self::GetQualification(id.to_ascii_lowercase())
            }
            ("POST", ["v1", "customers", id, "qualifications"]) => {
                Self::PostQualifications(id.to_ascii_lowercase())
            }
            ("GET", ["v1", "customers", id, "qualifications"]) => {
                Self::GetQualifications(id.to_ascii_lowercase())
            }
            ("POST", [_tenant, "oauth2", "token"]) => Self::Token,
            _ => Self::Other,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::PutQualification(_) => "PUT qualification",
            Self::GetQualification(_) => "GET qualification",
            Self::PostQualifications(_) => "POST qualifications",
            Self::GetQualifications(_) => "GET qualifications",
            Self::GetValidations => "GET validations",
            Self::GetCustomers => "GET customers",
            Self::GetAuditRecords => "GET auditrecords",
            Self::Token => "POST token",
            Self::Other => "other",
        }
    }

    fn customer(&self) -> Option<&str> {
        match self {
            Self::PutQualification(id)
            | Self::GetQualification(id)
            | Self::PostQualifications(id)
            | Self::GetQualifications(id) => Some(id),
            _ => None,
        }
    }

    /// Faults without a `path_prefix` hit the API only, never the token endpoint.
    fn is_api(&self) -> bool {
        !matches!(self, Self::Token)
    }
}

/// One line of `GET /admin/requests`. The path never includes its query (`?code=` is secret).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct LogEntry {
    method: String,
    path: String,
    route: &'static str,
    ms_requestid: Option<String>,
    ms_correlationid: Option<String>,
    ms_contract_version: Option<String>,
    user_agent: Option<String>,
    /// The `client-request-id` a token request sent, which Entra logs as its correlation id.
    client_request_id: Option<String>,
    /// The `resource` a token request asked for, when it reached the token endpoint.
    resource: Option<String>,
    /// Absent when the connection was dropped.
    status: Option<u16>,
    fault: Option<&'static str>,
}

/// What `GET /admin/counters` answers: requests seen since the last reset, by route name (e.g.
/// `"PUT qualification"`), by customer (lowercase id) and method, and by status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub total: u64,
    pub routes: BTreeMap<String, u64>,
    pub customers: BTreeMap<String, BTreeMap<String, u64>>,
    pub status: BTreeMap<String, u64>,
    /// Requests whose connection an injected fault dropped (they have no status).
    pub dropped: u64,
    /// TCP connections accepted: with a client that keeps its connections alive, far fewer
    /// than requests.
    pub connections: u64,
    /// Changes (PUT, POST) applied, by customer and `MS-RequestId` (`""` for none). A retry
    /// answered again from the idempotency cache is not applied again, so more than one under
    /// an id is a change made twice.
    pub accepted: BTreeMap<String, BTreeMap<String, u64>>,
    /// Token requests that reached the token endpoint, by the `resource` they asked for (`""`
    /// for none).
    #[serde(default)]
    pub token_resources: BTreeMap<String, u64>,
}

/// A count kept by customer (keyed by its lowercase id) and then by `key`; 0 when none.
fn by_customer(
    counts: &BTreeMap<String, BTreeMap<String, u64>>,
    customer_id: &str,
    key: &str,
) -> u64 {
    counts
        .get(&customer_id.to_ascii_lowercase())
        .and_then(|by_key| by_key.get(key))
        .copied()
        .unwrap_or(0)
}

impl Counters {
    /// How many times the change `request_id` was applied to a customer (its id in any case).
    pub fn accepted(&self, customer_id: &str, request_id: &str) -> u64 {
        by_customer(&self.accepted, customer_id, request_id)
    }

    /// Every (customer, `MS-RequestId`, times) applied more than once: empty when nothing was
    /// doubled.
    pub fn doubled(&self) -> Vec<(String, String, u64)> {
        self.accepted
            .iter()
            .flat_map(|(customer, ids)| {
                ids.iter()
                    .filter(|(_, times)| **times > 1)
                    .map(|(id, times)| (customer.clone(), id.clone(), *times))
            })
            .collect()
    }

    /// Requests of one route, e.g. `"GET qualification"`.
    pub fn route(&self, route: &str) -> u64 {
        self.routes.get(route).copied().unwrap_or(0)
    }

    /// Requests of `method` about one customer (its id in any case).
    pub fn customer(&self, customer_id: &str, method: &str) -> u64 {
        by_customer(&self.customers, customer_id, method)
    }

    /// Answers with this HTTP status.
    pub fn status(&self, status: u16) -> u64 {
        self.status.get(&status.to_string()).copied().unwrap_or(0)
    }

    /// Token requests that asked for this `resource`.
    pub fn token_resource(&self, resource: &str) -> u64 {
        self.token_resources.get(resource).copied().unwrap_or(0)
    }
}

/// How many requests the log keeps.
const LOG_CAPACITY: usize = 2000;

/// Request counters and the recent request log.
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    counters: Counters,
    log: VecDeque<LogEntry>,
}

impl Traffic {
    fn record(&mut self, route: &Route, entry: LogEntry) {
        let counters = &mut self.counters;
        counters.total += 1;
        *counters.routes.entry(route.name().to_owned()).or_default() += 1;
        if let Some(customer) = route.customer() {
            *counters
                .customers
                .entry(customer.to_owned())
                .or_default()
                .entry(entry.method.clone())
                .or_default() += 1;
        }
        match entry.status {
            Some(status) => *counters.status.entry(status.to_string()).or_default() += 1,
            None => counters.dropped += 1,
        }
        if let Some(resource) = &entry.resource {
            *counters
                .token_resources
                .entry(resource.clone())
                .or_default() += 1;
        }
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    pub(crate) fn connection_accepted(&mut self) {
        self.counters.connections += 1;
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// `GET /admin/requests`, oldest first.
    pub(crate) fn recent(&self) -> Vec<LogEntry> {
        self.log.iter().cloned().collect()
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }
}

/// A header's value, when it is text.
pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Counts and logs the request; an API request beyond the rate limit is answered 429 at once;
/// otherwise the faults in force apply before (or instead of) the handler. No lock is held
/// while waiting.
pub(crate) async fn middleware(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let route = Route::classify(&method, &path);
    let headers = request.headers();
    let mut entry = LogEntry {
        route: route.name(),
        ms_requestid: header(headers, "ms-requestid"),
        ms_correlationid: header(headers, "ms-correlationid"),
        ms_contract_version: header(headers, "ms-contract-version"),
        user_agent: header(headers, "user-agent"),
        client_request_id: header(headers, "client-request-id"),
        resource: None,
        method,
        path,
        status: None,
        fault: None,
    };
    let client_request_id = entry.client_request_id.clone();
    // What a named case's answer names, read only when a case strikes.
    let case_answer = |effect: Effect| {
        let cloud = *lock(&app.cloud);
        let state = lock(&app.state);
        let app_registration = state.tokens.first_app();
        let context = CaseContext {
            cloud,
            customer_id: route.customer(),
            partner_id: app_registration.map_or(NO_GUID, |a| a.tenant_id.as_str()),
            client_id: app_registration.map_or(NO_GUID, |a| a.client_id.as_str()),
            client_request_id: client_request_id.as_deref(),
        };
        faults::respond(effect, &context)
    };
    if route.is_api()
        && let Err(wait) = lock(&app.rate_limit).take(tokio::time::Instant::now())
    {
        let response = wire::throttled(Some(ratelimit::retry_after_secs(wait)));
        entry.fault = Some("rate_limit");
        entry.status = Some(response.status().as_u16());
        lock(&app.traffic).record(&route, entry);
        return response;
    }
    let decision = lock(&app.faults).decide(&entry.method, &entry.path, route.is_api());
    let delayed = !decision.delay.is_zero() || !decision.after.delay.is_zero();
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let (effect, response) = match decision.effect {
        Some(effect) => (
            Some((effect.label(false), effect.clone())),
            case_answer(effect),
        ),
        None => {
            let served = next.run(request).await;
            entry.resource = served
                .extensions()
                .get::<RequestedResource>()
                .map(|r| r.0.clone());
            let after = decision.after;
            if !after.delay.is_zero() {
                tokio::time::sleep(after.delay).await;
            }
            match after.effect {
                Some(effect) => (
                    Some((effect.label(true), effect.clone())),
                    case_answer(effect),
                ),
                None => (None, served),
            }
        }
    };
    entry.fault = match &effect {
        Some((label, _)) => Some(*label),
        None => delayed.then_some("latency"),
    };
    let dropped = matches!(effect, Some((_, Effect::Drop)));
    entry.status = (!dropped).then(|| response.status().as_u16());
    lock(&app.traffic).record(&route, entry);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_classified() {
        let id = "0C39D6D5-C70D-4C55-BC02-F620844F3FD1";
        let path = format!("/v1/customers/{id}/qualification");
        assert_eq!(
            Route::classify("PUT", &path),
            Route::PutQualification(id.to_ascii_lowercase())
        );
        assert_eq!(Route::classify("GET", &path).name(), "GET qualification");
        let plural = format!("{path}s");
        assert_eq!(
            Route::classify("POST", &plural),
            Route::PostQualifications(id.to_ascii_lowercase())
        );
        assert_eq!(Route::classify("GET", &plural).name(), "GET qualifications");
        assert_eq!(
            Route::classify("GET", "/v1/customers/all/validations"),
            Route::GetValidations
        );
        assert_eq!(Route::classify("GET", "/v1/customers"), Route::GetCustomers);
        assert_eq!(Route::classify("POST", "/t/oauth2/token"), Route::Token);
        assert_eq!(Route::classify("DELETE", &path), Route::Other);
    }

    #[test]
    fn counters_group_by_route_customer_and_status() {
        let mut traffic = Traffic::default();
        let entry = |method: &str, status| LogEntry {
            method: method.into(),
            path: "/p".into(),
            route: "x",
            ms_requestid: None,
            ms_correlationid: None,
            ms_contract_version: None,
            user_agent: None,
            client_request_id: None,
            resource: None,
            status,
            fault: None,
        };
        let put = Route::PutQualification("c1".into());
        traffic.record(&put, entry("PUT", Some(200)));
        traffic.record(&put, entry("PUT", None));
        traffic.record(&Route::Token, entry("POST", Some(200)));
        let counters = traffic.counters();
        assert_eq!(counters.total, 3);
        assert_eq!(counters.route("PUT qualification"), 2);
        assert_eq!(counters.customer("C1", "PUT"), 2);
        assert_eq!(counters.status(200), 2);
        assert_eq!(counters.dropped, 1);
        traffic.reset();
        assert_eq!(traffic.counters(), &Counters::default());

        let mut counters = Counters::default();
        counters.accepted.insert(
            "c1".into(),
            [("r1".to_owned(), 1), ("r2".to_owned(), 2)].into(),
        );
        assert_eq!(counters.accepted("C1", "r1"), 1);
        assert_eq!(counters.accepted("c1", "r3"), 0);
        assert_eq!(counters.doubled(), [("c1".to_owned(), "r2".to_owned(), 2)]);
        assert!(traffic.recent().is_empty());
    }
}
