//! A small provider framework: one trait per resource / data source, and one gRPC service
//! ([`grpc::GrpcProvider`]) that turns tfplugin6 calls into calls on them.
//!
//! Adding a resource means writing one type that implements [`Resource`] and listing it in the
//! provider's `resources()`. Everything Terraform-shaped (decoding, encoding, diagnostics on the
//! wire, unknown values, private state) is handled here once.

pub mod grpc;
mod upgrade;

use std::sync::Arc;

use crate::protocol::{AttributePath, Diagnostic, Diagnostics, Schema, Value};

/// The provider itself: its configuration and the types it offers.
#[tonic::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What resources and data sources get once the provider is configured (an API client).
    type Context: Send + Sync + 'static;

    /// The address users put in `required_providers`, e.g. `registry.terraform.io/ns/name`.
    fn address(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Context>>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Context>>>;

    /// Static checks of the provider block (values may be unknown).
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Builds the context from the provider block and the environment.
    async fn configure(
        &self,
        config: &Value,
        terraform_version: &str,
    ) -> Result<Self::Context, Diagnostics>;
    /// Terraform's StopProvider: abandon in-flight work (retries, waits) as soon as possible.
    fn stop(&self);
}

/// What planning a managed resource produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
}

/// What create or update produced: the new state and anything the user should know.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub state: Value,
    pub warnings: Vec<Diagnostic>,
}

/// The outcome of refreshing a managed resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Refreshed {
    /// The object exists; this is its current state.
    Found(Value),
    /// The object is gone: Terraform drops it from state, and the user is told why.
    Gone(Diagnostic),
}

/// A managed resource type. Methods are listed in the order a resource file is written.
#[tonic::async_trait]
pub trait Resource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Static checks of the configuration; unknown values are accepted here.
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Plans a create (`prior` is null) or an update; never a destroy.
    fn plan(&self, prior: &Value, proposed: &Value, config: &Value)
    -> Result<Planned, Diagnostics>;

    async fn create(&self, ctx: &C, planned: &Value) -> Result<Applied, Diagnostics>;
    async fn read(&self, ctx: &C, state: &Value) -> Result<Refreshed, Diagnostics>;
    async fn update(&self, ctx: &C, prior: &Value, planned: &Value)
    -> Result<Applied, Diagnostics>;
    /// Returns the warnings to show; the object leaves Terraform's state either way.
    async fn delete(&self, ctx: &C, prior: &Value) -> Result<Vec<Diagnostic>, Diagnostics>;
    /// Builds the state to refresh from an import id; Terraform reads it right after.
    fn import(&self, id: &str) -> Result<Value, Diagnostics>;
}

/// A data source type.
#[tonic::async_trait]
pub trait DataSource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, ctx: &C, config: &Value) -> Result<Value, Diagnostics>;
}
