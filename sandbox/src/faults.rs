//! Injected faults: error statuses, latency and dropped connections for chosen requests.
//!
//! Which requests a fault with a `fraction` hits, and how long a latency range lasts, come from
//! one random generator. Seeded (`--fault-seed`, `POST /admin/faults/seed`), the same requests
//! in the same order meet the same faults again, so a failed soak run can be replayed.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::cases::{CaseContext, ErrorCase};
use crate::wire::{self, ErrorBody};

/// One fault as posted to `POST /admin/faults`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FaultSpec {
    #[serde(flatten)]
    kind: FaultKind,
    /// How many matching requests it applies to; absent: until `DELETE /admin/faults`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    /// The share of those requests that it hits (a coin flip each); absent: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fraction: Option<f64>,
    /// Only requests of this method (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    /// Only requests whose path starts with this; the only way to reach the token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path_prefix: Option<String>,
    /// Strike once the API has served the request (a change is then made): the answer is late,
    /// replaced, or lost on its way back, as when a gateway fails after the backend succeeded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    after_handler: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum FaultKind {
    /// Answer `status` instead of the API: 429 in Partner Center's throttling shape (with
    /// `Retry-After` when `retry_after_secs` is given), others in its error shape, or `body`.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_secs: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
    },
    /// Wait before serving the request normally: `millis`, or a uniform draw from `millis` to
    /// `max_millis`.
    Latency {
        millis: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_millis: Option<u64>,
    },
    /// Close the connection without an answer.
    Drop,
    /// Answer a named failure exactly as Partner Center or Entra does (`"case":"mfa_required"`).
    Case { case: ErrorCase },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InvalidFault {
    #[error("status must be an HTTP error status from 400 to 599")]
    Status,
    #[error("fraction must be between 0 and 1")]
    Fraction,
    #[error("count must be at least 1")]
    Count,
    #[error("max_millis must not be less than millis")]
    LatencyRange,
}

impl FaultSpec {
    fn validate(&self) -> Result<(), InvalidFault> {
        if let FaultKind::Status { status, .. } = self.kind
            && !(400..=599).contains(&status)
        {
            return Err(InvalidFault::Status);
        }
        if self.fraction.is_some_and(|f| !(0.0..=1.0).contains(&f)) {
            return Err(InvalidFault::Fraction);
        }
        if self.count == Some(0) {
            return Err(InvalidFault::Count);
        }
        if let FaultKind::Latency {
            millis,
            max_millis: Some(max),
        } = self.kind
            && max < millis
        {
            return Err(InvalidFault::LatencyRange);
        }
        Ok(())
    }

    /// Without a `path_prefix`, a fault strikes the API routes, or the token endpoint for a
    /// token case.
    fn matches(&self, method: &str, path: &str, api_route: bool) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        let path_ok = match (self.path_prefix.as_deref(), &self.kind) {
            (Some(prefix), _) => path.starts_with(prefix),
            (None, FaultKind::Case { case }) => api_route != case.is_token_error(),
            (None, _) => api_route,
        };
        method_ok && path_ok
    }
}

#[derive(Debug)]
struct Active {
    id: u64,
    spec: FaultSpec,
    remaining: Option<u64>,
}

/// The faults in force, in the order they were added, and the generator of their dice.
#[derive(Debug)]
pub(crate) struct Faults {
    active: Vec<Active>,
    next_id: u64,
    rng: StdRng,
}

/// What a request will suffer: a delay, then perhaps an answer in place of the API's; and
/// once the API has served it, `after`.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Decision {
    pub(crate) delay: Duration,
    pub(crate) effect: Option<Effect>,
    pub(crate) after: Aftermath,
}

/// What an answer the API gave suffers: a delay, then perhaps another answer in its place.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Aftermath {
    pub(crate) delay: Duration,
    pub(crate) effect: Option<Effect>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Effect {
    Respond {
        status: u16,
        retry_after_secs: Option<u64>,
        body: Option<Value>,
    },
    Drop,
    Case(ErrorCase),
}

impl Effect {
    /// The name recorded in the request log (a case's name for a case); `after_handler`: the
    /// API had served the request.
    pub(crate) fn label(&self, after_handler: bool) -> &'static str {
        match (self, after_handler) {
            (Self::Respond { .. }, false) => "status",
            (Self::Drop, false) => "drop",
            (Self::Case(case), false) => case.name(),
            (Self::Respond { .. }, true) => "status_after_handler",
            (Self::Drop, true) => "drop_after_handler",
            (Self::Case(_), true) => "case_after_handler",
        }
    }
}

impl Faults {
    /// No faults yet; the dice seeded with `seed`, or from the OS.
    pub(crate) fn new(seed: Option<u64>) -> Self {
        Self {
            active: Vec::new(),
            next_id: 0,
            rng: seed.map_or_else(StdRng::from_os_rng, StdRng::seed_from_u64),
        }
    }

    /// Restarts the dice from `seed`.
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.rng = StdRng::seed_from_u64(seed);
    }

    pub(crate) fn add(&mut self, spec: FaultSpec) -> Result<u64, InvalidFault> {
        spec.validate()?;
        self.next_id += 1;
        self.active.push(Active {
            id: self.next_id,
            remaining: spec.count,
            spec,
        });
        Ok(self.next_id)
    }

    pub(crate) fn clear(&mut self) {
        self.active.clear();
    }

    pub(crate) fn describe(&self) -> Value {
        let list: Vec<Value> = self
            .active
            .iter()
            .map(|a| json!({ "id": a.id, "remaining": a.remaining, "fault": a.spec }))
            .collect();
        Value::Array(list)
    }

    /// Every matching fault counts the request against its `count`; each one its coin selects
    /// (every one without a `fraction`) adds its latency, and the first status or drop wins.
    pub(crate) fn decide(&mut self, method: &str, path: &str, api_route: bool) -> Decision {
        let mut decision = Decision::default();
        for fault in &mut self.active {
            if !fault.spec.matches(method, path, api_route) {
                continue;
            }
            if let Some(remaining) = &mut fault.remaining {
                *remaining -= 1;
            }
            if fault
                .spec
                .fraction
                .is_some_and(|f| self.rng.random::<f64>() >= f)
            {
                continue;
            }
            let (delay, effect) = if fault.spec.after_handler {
                (&mut decision.after.delay, &mut decision.after.effect)
            } else {
                (&mut decision.delay, &mut decision.effect)
            };
            match &fault.spec.kind {
                FaultKind::Latency { millis, max_millis } => {
                    let millis = match max_millis {
                        Some(max) => self.rng.random_range(*millis..=*max),
                        None => *millis,
                    };
                    *delay = delay.saturating_add(Duration::from_millis(millis));
                }
                FaultKind::Status {
                    status,
                    retry_after_secs,
                    body,
                } => {
                    effect.get_or_insert_with(|| Effect::Respond {
                        status: *status,
                        retry_after_secs: *retry_after_secs,
                        body: body.clone(),
                    });
                }
                FaultKind::Drop => {
                    effect.get_or_insert(Effect::Drop);
                }
                FaultKind::Case { case } => {
                    effect.get_or_insert(Effect::Case(*case));
                }
            }
        }
        self.active.retain(|f| f.remaining != Some(0));
        decision
    }
}

/// The answer of a status or case fault, or a body that fails at once so that hyper closes the
/// connection before the status line leaves its buffer.
pub(crate) fn respond(effect: Effect, context: &CaseContext<'_>) -> Response {
    match effect {
        Effect::Case(case) => case.respond(context),
        Effect::Drop => {
            let failing = futures_util::stream::once(async {
                Err::<Bytes, _>(std::io::Error::other(
                    "connection dropped by an injected fault",
                ))
            });
            Body::from_stream(failing).into_response()
        }
        Effect::Respond {
            status: 429,
            retry_after_secs,
            body: None,
        } => wire::throttled(retry_after_secs),
        Effect::Respond {
            status,
            retry_after_secs,
            body,
        } => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = match body {
                Some(body) => (code, Json(body)).into_response(),
                None => ErrorBody::new(None, format!("The sandbox injected HTTP {status}."))
                    .into_response(code),
            };
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).expect("valid fault")
    }

    fn faults(specs: &[&str]) -> Faults {
        let mut faults = Faults::new(Some(7));
        for json in specs {
            faults.add(spec(json)).expect("valid");
        }
        faults
    }

    #[test]
    fn counted_status_fault_expires() {
        let mut faults =
            faults(&[r#"{"kind":"status","status":429,"retry_after_secs":1,"count":2}"#]);
        let path = "/v1/customers/x/qualification";
        for _ in 0..2 {
            let d = faults.decide("GET", path, true);
            assert!(matches!(
                d.effect,
                Some(Effect::Respond { status: 429, .. })
            ));
        }
        assert_eq!(faults.decide("GET", path, true), Decision::default());
    }

    #[test]
    fn filters_and_token_path() {
        let mut faults = faults(&[
            r#"{"kind":"drop","method":"put"}"#,
            r#"{"kind":"status","status":503,"path_prefix":"/tenant/oauth2"}"#,
        ]);
        assert_eq!(
            faults
                .decide("GET", "/v1/customers/x/qualification", true)
                .effect,
            None
        );
        assert_eq!(
            faults
                .decide("PUT", "/v1/customers/x/qualification", true)
                .effect,
            Some(Effect::Drop)
        );
        assert!(
            faults
                .decide("POST", "/tenant/oauth2/token", false)
                .effect
                .is_some()
        );
        assert!(
            faults
                .decide("POST", "/other/oauth2/token", false)
                .effect
                .is_none()
        );
    }

    #[test]
    fn cases_strike_their_own_endpoint() {
        let mut faults = faults(&[
            r#"{"kind":"case","case":"aadsts50076","count":1}"#,
            r#"{"kind":"case","case":"mfa_required","count":1}"#,
        ]);
        let token = faults.decide("POST", "/tenant/oauth2/token", false);
        assert_eq!(token.effect, Some(Effect::Case(ErrorCase::SignInNeedsMfa)));
        let api = faults.decide("GET", "/v1/customers/x/qualification", true);
        assert_eq!(api.effect, Some(Effect::Case(ErrorCase::MfaRequired)));
        assert!(faults.active.is_empty(), "both spent");
        assert_eq!(
            Effect::Case(ErrorCase::NoConsent).label(false),
            "aadsts65001"
        );
        for case in ErrorCase::ALL {
            let json = serde_json::to_value(case).expect("json");
            assert_eq!(json, case.name(), "{case:?}");
            assert_eq!(
                case.is_token_error(),
                case.name().starts_with("aadsts"),
                "{case:?}"
            );
        }
    }

    #[test]
    fn fraction_and_latency() {
        let mut faults = faults(&[
            r#"{"kind":"status","status":503,"fraction":0.0,"count":2}"#,
            r#"{"kind":"latency","millis":20,"count":1}"#,
            r#"{"kind":"latency","millis":100,"max_millis":200,"fraction":1.0}"#,
        ]);
        let first = faults.decide("GET", "/v1/x", true);
        assert_eq!(first.effect, None, "a fraction of 0 hits nothing");
        let ranged = first.delay - Duration::from_millis(20);
        assert!(
            (Duration::from_millis(100)..=Duration::from_millis(200)).contains(&ranged),
            "{ranged:?}"
        );
        faults.decide("GET", "/v1/x", true);
        assert_eq!(faults.active.len(), 1, "the counted faults are spent");
    }

    #[test]
    fn after_the_handler() {
        let mut faults = faults(&[
            r#"{"kind":"latency","millis":1500,"after_handler":true}"#,
            r#"{"kind":"drop","method":"put","after_handler":true}"#,
        ]);
        let get = faults.decide("GET", "/v1/x", true);
        assert_eq!((get.delay, get.effect), (Duration::ZERO, None));
        assert_eq!(get.after.delay, Duration::from_millis(1500));
        let put = faults.decide("PUT", "/v1/x", true);
        assert_eq!(put.effect, None, "the PUT reaches the API");
        assert_eq!(
            put.after.effect,
            Some(Effect::Drop),
            "then its answer is lost"
        );
        assert_eq!(
            serde_json::to_value(spec(r#"{"kind":"drop"}"#)).expect("json"),
            serde_json::json!({ "kind": "drop" }),
            "after_handler is listed only when set"
        );
    }

    /// The same seed and the same requests meet the same faults: a soak run replays.
    #[test]
    fn a_seed_replays_its_faults() {
        let soak = [
            r#"{"kind":"status","status":429,"retry_after_secs":1,"fraction":0.05}"#,
            r#"{"kind":"status","status":500,"fraction":0.05}"#,
            r#"{"kind":"status","status":503,"fraction":0.05}"#,
            r#"{"kind":"drop","fraction":0.05}"#,
            r#"{"kind":"latency","millis":1,"max_millis":50,"fraction":0.5}"#,
        ];
        let run = |faults: &mut Faults| -> Vec<Decision> {
            (0..500)
                .map(|_| faults.decide("PUT", "/v1/customers/x/qualification", true))
                .collect()
        };
        let mut once = faults(&soak);
        let first = run(&mut once);
        once.reseed(7);
        assert_eq!(run(&mut once), first, "reseeded");
        assert_eq!(
            run(&mut faults(&soak)),
            first,
            "a new sandbox, the same seed"
        );
        let mut other = faults(&soak);
        other.reseed(8);
        assert_ne!(run(&mut other), first, "another seed");
        let hit = first.iter().filter(|d| d.effect.is_some()).count();
        assert!((50..=150).contains(&hit), "{hit} of 500 hit");
    }

    #[test]
    fn invalid_faults_are_refused() {
        let mut faults = Faults::new(None);
        for bad in [
            r#"{"kind":"status","status":200}"#,
            r#"{"kind":"status","status":503,"fraction":1.5}"#,
            r#"{"kind":"drop","count":0}"#,
            r#"{"kind":"latency","millis":20,"max_millis":10}"#,
        ] {
            assert!(faults.add(spec(bad)).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<FaultSpec>(r#"{"kind":"explode"}"#).is_err());
    }
}
