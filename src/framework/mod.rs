//! A small provider framework: typed resources and data sources behind one gRPC service
//! ([`server::GrpcProvider`]).
//!
//! A resource is one type that implements [`Resource`]: its state is a struct declared with
//! [`object!`](crate::object), which is also its schema; create / read / update / delete are
//! required, and validation, plan modification, destroy warnings, import, state upgrades and a
//! resource [`Identity`] are defaulted methods it overrides only when it offers them. A data
//! source implements [`DataSource`]: a state type and a read. A [`ListResource`] lists the
//! objects of a resource that has an identity, for `terraform query`. Everything
//! Terraform-shaped (decoding, encoding, diagnostics on the wire, unknown values, private state,
//! upgrades, identities) is handled here once.

mod data_source;
mod erased;
mod identity;
mod list_resource;
mod resource;
pub mod server;
mod typed;
mod upgrade;

use std::sync::Arc;

pub use data_source::DataSource;
pub use erased::{
    AppliedValue, DynDataSource, DynListResource, DynResource, ListedValue, PlannedValue,
    StateValue,
};
pub use identity::Identity;
pub use list_resource::{ListRequest, ListResource, ListStream, Listed};
pub use resource::{Applied, PlanRequest, Planned, Refreshed, Resource};
pub use typed::{Attr, AttrValue, Object, TypedError};
pub use upgrade::StateUpgrader;

/// The attribute an `impl` of [`Provider`], [`Resource`] or [`DataSource`] carries, for its
/// `async fn`s: `#[crate::framework::async_trait]`.
pub use tonic::async_trait;

use crate::protocol::{Diagnostics, Schema};

/// The provider itself: its configuration and the types it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What resources and data sources get once the provider is configured (an API client).
    type Context: Send + Sync + 'static;
    /// The provider block: its declaration is the schema, as a resource's state is.
    type Config: Object;
    /// Markdown, for the docs and `terraform providers schema`.
    const DESCRIPTION: &'static str;

    /// The address users put in `required_providers`, e.g. `registry.terraform.io/ns/name`.
    fn address(&self) -> &'static str;
    fn resources(&self) -> Vec<Arc<dyn DynResource<Self::Context>>>;
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<Self::Context>>>;
    /// The list resources `terraform query` can use (Terraform 1.14+); none by default.
    fn list_resources(&self) -> Vec<Arc<dyn DynListResource<Self::Context>>> {
        Vec::new()
    }

    /// Static checks of the provider block (values may be unknown); none by default.
    fn validate(&self, _config: &Self::Config) -> Diagnostics {
        Diagnostics::default()
    }
    /// Builds the context from the provider block (and whatever else the provider reads).
    async fn configure(
        &self,
        config: Self::Config,
        terraform_version: &str,
    ) -> Result<Self::Context, Diagnostics>;
    /// Terraform's StopProvider: abandon in-flight work (retries, waits) as soon as possible.
    fn stop(&self);

    /// The provider block's schema, derived from [`Self::Config`] like every other schema.
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            description: Self::DESCRIPTION,
            attributes: <Self::Config as Object>::attributes(),
        }
    }
}
