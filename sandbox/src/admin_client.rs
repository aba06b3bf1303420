//! The one client of the admin routes, for tests and benchmarks written in Rust.

use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::audit::AuditSettings;
use crate::cases::ErrorCase;
use crate::qualifications::AnswerShapes;
use crate::ratelimit::RateLimit;
use crate::seed::{Actor, Seed, SeedAuditRecord, SeedCustomer, rfc3339};
use crate::traffic::Counters;
use crate::wire::{Cloud, Qualification};

/// A client for plain-HTTP calls to a sandbox, whatever TLS features the build gave reqwest.
///
/// Cargo builds reqwest once for everything compiled together, so next to the provider it
/// carries TLS without a crypto backend of its own (`rustls-no-provider`: the provider hands its
/// client a ring configuration), and then refuses to build a client unless the process has a
/// default backend. Ring is installed as that default here: in the processes that talk to a
/// sandbox (tests, benchmarks), never in the provider.
pub fn http_client() -> reqwest::Client {
    // An error means a default is there already, which serves as well.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Drives a sandbox's admin routes (in-process or a `partnercenter-sandbox` process).
#[derive(Clone, Debug)]
pub struct SandboxAdmin {
    http: reqwest::Client,
    base_url: String,
}

/// An admin call that failed; it names the route, and the sandbox's answer when it refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("admin {method} {path}: {source}")]
    Http {
        method: reqwest::Method,
        path: String,
        source: reqwest::Error,
    },
    #[error("admin {method} {path} answered HTTP {status}: {body}")]
    Refused {
        method: reqwest::Method,
        path: String,
        status: u16,
        body: String,
    },
    #[error("admin {method} {path} answered an unexpected body ({source}): {body}")]
    Decode {
        method: reqwest::Method,
        path: String,
        body: String,
        source: serde_json::Error,
    },
}

/// What the admin routes that change nothing visible answer: nothing to read.
#[derive(serde::Deserialize)]
struct Ignored {}

impl SandboxAdmin {
    /// `base_url` as printed by the sandbox, e.g. `http://127.0.0.1:40449`.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            http: http_client(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
        }
    }

    /// One admin call; an empty answer (204) reads as `null`.
    async fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, AdminError> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let http = |source| AdminError::Http {
            method: method.clone(),
            path: path.to_owned(),
            source,
        };
        let response = request.send().await.map_err(http)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(http)?;
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if !status.is_success() {
            return Err(AdminError::Refused {
                method,
                path: path.to_owned(),
                status: status.as_u16(),
                body,
            });
        }
        let text = if body.is_empty() { "null" } else { &body };
        serde_json::from_str(text).map_err(|source| AdminError::Decode {
            method,
            path: path.to_owned(),
            body,
            source,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(), AdminError> {
        self.send::<Option<Ignored>>(method, path, body)
            .await
            .map(drop)
    }

    /// Replaces one of the sandbox's settings.
    async fn put(&self, path: &str, setting: Value) -> Result<(), AdminError> {
        self.call(reqwest::Method::PUT, path, Some(setting)).await
    }

    /// Changes a qualification out of band (drift); any value; creates the customer if missing.
    /// The activity log records it now, made by nobody known.
    pub async fn set_qualification(
        &self,
        customer_id: &str,
        qualification: Qualification,
    ) -> Result<(), AdminError> {
        self.set_qualification_by(customer_id, qualification, &Actor::default(), None)
            .await
    }

    /// Changes a qualification out of band as `who` did it: the activity log names them, and
    /// dates the change `when` (now when `None`), e.g. `SystemTime::now() - 3 days`.
    pub async fn set_qualification_by(
        &self,
        customer_id: &str,
        qualification: Qualification,
        who: &Actor,
        when: Option<SystemTime>,
    ) -> Result<(), AdminError> {
        let path = format!("/admin/customers/{customer_id}/qualification");
        let mut body = json!({ "qualification": qualification.name() });
        for (field, value) in [
            ("userPrincipalName", who.user_principal_name.clone()),
            ("applicationId", who.application_id.clone()),
            ("operationDate", when.map(rfc3339)),
        ] {
            if let Some(value) = value {
                body[field] = json!(value);
            }
        }
        self.call(reqwest::Method::POST, &path, Some(body)).await
    }

    /// Every record the activity log keeps, in the order they joined it.
    pub async fn audit_records(&self) -> Result<Vec<SeedAuditRecord>, AdminError> {
        self.send(reqwest::Method::GET, "/admin/auditrecords", None)
            .await
    }

    /// Adds records to the activity log as they are written, e.g. changes made weeks ago.
    pub async fn add_audit_records(&self, records: &[SeedAuditRecord]) -> Result<(), AdminError> {
        let body = json!(records);
        self.call(reqwest::Method::POST, "/admin/auditrecords", Some(body))
            .await
    }

    /// Chooses the order and the page size of `GET /v1/auditrecords`.
    pub async fn set_audit_settings(&self, settings: AuditSettings) -> Result<(), AdminError> {
        self.put("/admin/auditrecords/settings", json!(settings))
            .await
    }

    /// Poses as another cloud's Partner Center: its token endpoint then requires that cloud's
    /// resource.
    pub async fn set_cloud(&self, cloud: Cloud) -> Result<(), AdminError> {
        self.put("/admin/cloud", json!({ "cloud": cloud })).await
    }

    /// Answers the next `count` requests (all until cleared when `None`) that the case strikes
    /// (the API's, or the token endpoint's) with the case's failure; returns the fault's id.
    pub async fn add_error_case(
        &self,
        case: ErrorCase,
        count: Option<u64>,
    ) -> Result<u64, AdminError> {
        let mut fault = json!({ "kind": "case", "case": case });
        if let Some(count) = count {
            fault["count"] = json!(count);
        }
        self.add_fault(fault).await
    }

    /// Takes a qualification away out of band (drift): StateOwnedEntity, or the other one.
    /// Whether the customer held it.
    pub async fn remove_qualification(
        &self,
        customer_id: &str,
        qualification: Qualification,
    ) -> Result<bool, AdminError> {
        #[derive(serde::Deserialize)]
        struct Removed {
            removed: bool,
        }
        let path = format!(
            "/admin/customers/{customer_id}/qualifications/{}",
            qualification.name()
        );
        let answer: Removed = self.send(reqwest::Method::DELETE, &path, None).await?;
        Ok(answer.removed)
    }

    /// Moves the review of the customer's Education or GovernmentCommunityCloud qualification
    /// to `status` (an open string), with a reason for a denial.
    pub async fn set_vetting(
        &self,
        customer_id: &str,
        status: &str,
        reason: Option<&str>,
    ) -> Result<(), AdminError> {
        let path = format!("/admin/customers/{customer_id}/vetting");
        let body = json!({ "status": status, "reason": reason });
        self.call(reqwest::Method::POST, &path, Some(body)).await
    }

    /// Partner Center approves the customer's qualification.
    pub async fn approve(&self, customer_id: &str) -> Result<(), AdminError> {
        self.set_vetting(customer_id, "Approved", None).await
    }

    /// Partner Center denies the customer's qualification, e.g. with the documented reason
    /// `Not an Education Customer`.
    pub async fn deny(&self, customer_id: &str, reason: &str) -> Result<(), AdminError> {
        self.set_vetting(customer_id, "Denied", Some(reason)).await
    }

    /// Chooses the shapes of the asynchronous contract's answers.
    pub async fn set_answer_shapes(&self, shapes: AnswerShapes) -> Result<(), AdminError> {
        self.put("/admin/qualifications/shapes", json!(shapes))
            .await
    }

    /// Adds customers, or replaces those with the same ids.
    pub async fn add_customers(&self, customers: &[SeedCustomer]) -> Result<(), AdminError> {
        let body = json!(customers);
        self.call(reqwest::Method::POST, "/admin/customers", Some(body))
            .await
    }

    /// Removes a customer, so that the API answers 404 for it.
    pub async fn remove_customer(&self, customer_id: &str) -> Result<(), AdminError> {
        let path = format!("/admin/customers/{customer_id}");
        self.call(reqwest::Method::DELETE, &path, None).await
    }

    /// Adds a fault (its JSON is in the crate doc); returns its id.
    pub async fn add_fault(&self, fault: Value) -> Result<u64, AdminError> {
        #[derive(serde::Deserialize)]
        struct Added {
            id: u64,
        }
        let added: Added = self
            .send(reqwest::Method::POST, "/admin/faults", Some(fault))
            .await?;
        Ok(added.id)
    }

    /// Throttles the partner's API requests from now on (a full bucket), or stops throttling.
    pub async fn set_rate_limit(&self, limit: Option<RateLimit>) -> Result<(), AdminError> {
        self.put("/admin/rate-limit", json!(limit)).await
    }

    /// Restarts the faults' dice from `seed`, so that the same requests meet the same faults.
    pub async fn seed_faults(&self, seed: u64) -> Result<(), AdminError> {
        let body = json!({ "seed": seed });
        self.call(reqwest::Method::POST, "/admin/faults/seed", Some(body))
            .await
    }

    pub async fn clear_faults(&self) -> Result<(), AdminError> {
        self.call(reqwest::Method::DELETE, "/admin/faults", None)
            .await
    }

    /// Invalidates every access token the sandbox issued, so that clients must renew theirs.
    pub async fn revoke_tokens(&self) -> Result<(), AdminError> {
        self.call(reqwest::Method::POST, "/admin/tokens/revoke", None)
            .await
    }

    pub async fn counters(&self) -> Result<Counters, AdminError> {
        self.send(reqwest::Method::GET, "/admin/counters", None)
            .await
    }

    /// Clears the counters and the request log.
    pub async fn reset_counters(&self) -> Result<(), AdminError> {
        self.call(reqwest::Method::POST, "/admin/counters/reset", None)
            .await
    }

    /// The recent request log, oldest first (its fields are in the crate doc).
    pub async fn requests(&self) -> Result<Vec<Value>, AdminError> {
        self.send(reqwest::Method::GET, "/admin/requests", None)
            .await
    }

    /// The whole state, in seed form.
    pub async fn state(&self) -> Result<Seed, AdminError> {
        self.send(reqwest::Method::GET, "/admin/state", None).await
    }

    /// One customer as the sandbox holds it (qualifications, vetting); `None` when it has no
    /// such customer.
    pub async fn customer(&self, customer_id: &str) -> Result<Option<SeedCustomer>, AdminError> {
        let state = self.state().await?;
        Ok(state
            .customers
            .into_iter()
            .find(|c| c.id.eq_ignore_ascii_case(customer_id)))
    }

    /// The qualification the legacy contract reads for a customer (never StateOwnedEntity);
    /// `None` when the sandbox has no such customer.
    pub async fn qualification(
        &self,
        customer_id: &str,
    ) -> Result<Option<Qualification>, AdminError> {
        Ok(self.customer(customer_id).await?.map(|c| c.qualification))
    }
}
