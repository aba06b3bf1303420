//! Injected faults: error statuses, latency and dropped connections for chosen requests.

use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

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
    /// Wait before serving the request normally.
    Latency { millis: u64 },
    /// Close the connection without an answer.
    Drop,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InvalidFault {
    #[error("status must be an HTTP error status from 400 to 599")]
    Status,
    #[error("fraction must be between 0 and 1")]
    Fraction,
    #[error("count must be at least 1")]
    Count,
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
        Ok(())
    }

    fn matches(&self, method: &str, path: &str, api_route: bool) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        let path_ok = match self.path_prefix.as_deref() {
            Some(prefix) => path.starts_with(prefix),
            None => api_route,
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

/// The faults in force, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    active: Vec<Active>,
    next_id: u64,
}

/// What a request will suffer: a delay, then perhaps an answer in place of the API's.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Decision {
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
}

impl Effect {
    /// The name recorded in the request log.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Self::Respond { .. } => "status",
            Self::Drop => "drop",
        }
    }
}

impl Faults {
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

    /// Every matching fault counts the request against its `count`; each one that the coin
    /// (`roll`, uniform in `[0, 1)`) selects adds its latency, and the first status or drop wins.
    pub(crate) fn decide(
        &mut self,
        method: &str,
        path: &str,
        api_route: bool,
        mut roll: impl FnMut() -> f64,
    ) -> Decision {
        let mut decision = Decision::default();
        for fault in &mut self.active {
            if !fault.spec.matches(method, path, api_route) {
                continue;
            }
            if let Some(remaining) = &mut fault.remaining {
                *remaining -= 1;
            }
            if fault.spec.fraction.is_some_and(|f| roll() >= f) {
                continue;
            }
            match &fault.spec.kind {
                FaultKind::Latency { millis } => {
                    decision.delay = decision
                        .delay
                        .saturating_add(Duration::from_millis(*millis));
                }
                FaultKind::Status {
                    status,
                    retry_after_secs,
                    body,
                } => {
                    decision.effect.get_or_insert_with(|| Effect::Respond {
                        status: *status,
                        retry_after_secs: *retry_after_secs,
                        body: body.clone(),
                    });
                }
                FaultKind::Drop => {
                    decision.effect.get_or_insert(Effect::Drop);
                }
            }
        }
        self.active.retain(|f| f.remaining != Some(0));
        decision
    }
}

/// The answer of a status fault, or a body that fails at once so that hyper closes the
/// connection before the status line leaves its buffer.
pub(crate) fn respond(effect: Effect) -> Response {
    match effect {
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
        let mut faults = Faults::default();
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
            let d = faults.decide("GET", path, true, || 0.0);
            assert!(matches!(
                d.effect,
                Some(Effect::Respond { status: 429, .. })
            ));
        }
        assert_eq!(
            faults.decide("GET", path, true, || 0.0),
            Decision::default()
        );
    }

    #[test]
    fn filters_and_token_path() {
        let mut faults = faults(&[
            r#"{"kind":"drop","method":"put"}"#,
            r#"{"kind":"status","status":503,"path_prefix":"/tenant/oauth2"}"#,
        ]);
        assert_eq!(
            faults
                .decide("GET", "/v1/customers/x/qualification", true, || 0.0)
                .effect,
            None
        );
        assert_eq!(
            faults
                .decide("PUT", "/v1/customers/x/qualification", true, || 0.0)
                .effect,
            Some(Effect::Drop)
        );
        assert!(
            faults
                .decide("POST", "/tenant/oauth2/token", false, || 0.0)
                .effect
                .is_some()
        );
        assert!(
            faults
                .decide("POST", "/other/oauth2/token", false, || 0.0)
                .effect
                .is_none()
        );
    }

    #[test]
    fn fraction_and_latency() {
        let mut faults = faults(&[
            r#"{"kind":"status","status":503,"fraction":0.5,"count":2}"#,
            r#"{"kind":"latency","millis":20,"count":1}"#,
        ]);
        let first = faults.decide("GET", "/v1/x", true, || 0.9);
        assert_eq!(
            (first.delay, first.effect),
            (Duration::from_millis(20), None)
        );
        assert!(faults.decide("GET", "/v1/x", true, || 0.1).effect.is_some());
        assert!(faults.active.is_empty());
    }

    #[test]
    fn invalid_faults_are_refused() {
        let mut faults = Faults::default();
        for bad in [
            r#"{"kind":"status","status":200}"#,
            r#"{"kind":"status","status":503,"fraction":1.5}"#,
            r#"{"kind":"drop","count":0}"#,
        ] {
            assert!(faults.add(spec(bad)).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<FaultSpec>(r#"{"kind":"explode"}"#).is_err());
    }
}
