//! A typed client of the admin routes, for tests and benchmarks in Rust.

use serde_json::{Value, json};

use crate::partnercenter::Qualification;

use super::seed::{Seed, SeedCustomer};

/// Drives a sandbox's admin routes (in-process or a `partnercenter-sandbox` process).
#[derive(Clone, Debug)]
pub struct SandboxAdmin {
    http: reqwest::Client,
    base_url: String,
}

impl SandboxAdmin {
    /// `base_url` as printed by the sandbox, e.g. `http://127.0.0.1:40449`.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?.error_for_status()?;
        let bytes = response.bytes().await?;
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Changes a qualification out of band (drift); any value; creates the customer if missing.
    pub async fn set_qualification(
        &self,
        customer_id: &str,
        qualification: Qualification,
    ) -> reqwest::Result<()> {
        let path = format!("/admin/customers/{customer_id}/qualification");
        self.send(
            reqwest::Method::POST,
            &path,
            Some(json!({ "qualification": qualification.as_str() })),
        )
        .await
        .map(drop)
    }

    pub async fn add_customers(&self, customers: &[SeedCustomer]) -> reqwest::Result<()> {
        let body = serde_json::to_value(customers).unwrap_or(Value::Null);
        self.send(reqwest::Method::POST, "/admin/customers", Some(body))
            .await
            .map(drop)
    }

    /// Removes a customer, so that the API answers 404 for it.
    pub async fn remove_customer(&self, customer_id: &str) -> reqwest::Result<()> {
        let path = format!("/admin/customers/{customer_id}");
        self.send(reqwest::Method::DELETE, &path, None)
            .await
            .map(drop)
    }

    /// Adds a fault (see the module doc of `sandbox` for its JSON); returns its id.
    pub async fn add_fault(&self, fault: Value) -> reqwest::Result<u64> {
        let answer = self
            .send(reqwest::Method::POST, "/admin/faults", Some(fault))
            .await?;
        Ok(answer["id"].as_u64().unwrap_or_default())
    }

    pub async fn clear_faults(&self) -> reqwest::Result<()> {
        self.send(reqwest::Method::DELETE, "/admin/faults", None)
            .await
            .map(drop)
    }

    /// Invalidates every access token the sandbox issued, so that clients must renew theirs.
    pub async fn revoke_tokens(&self) -> reqwest::Result<()> {
        self.send(reqwest::Method::POST, "/admin/tokens/revoke", None)
            .await
            .map(drop)
    }

    /// Request counters: `total`, `routes`, `customers`, `status`, `dropped`.
    pub async fn counters(&self) -> reqwest::Result<Value> {
        self.send(reqwest::Method::GET, "/admin/counters", None)
            .await
    }

    /// Clears the counters and the request log.
    pub async fn reset_counters(&self) -> reqwest::Result<()> {
        self.send(reqwest::Method::POST, "/admin/counters/reset", None)
            .await
            .map(drop)
    }

    /// The recent request log, oldest first.
    pub async fn requests(&self) -> reqwest::Result<Vec<Value>> {
        let log = self
            .send(reqwest::Method::GET, "/admin/requests", None)
            .await?;
        Ok(match log {
            Value::Array(entries) => entries,
            _ => Vec::new(),
        })
    }

    /// The whole state, in seed form.
    pub async fn state(&self) -> reqwest::Result<Seed> {
        self.http
            .get(format!("{}/admin/state", self.base_url))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}
