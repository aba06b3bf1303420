//! The list resource trait (Terraform 1.14+): what a `list` block in a `.tfquery.hcl` file finds,
//! for `terraform query` to show and `-generate-config-out` to turn into `resource` and `import`
//! blocks.
//!
//! A list resource lists the objects of one managed resource type, which must have an
//! [`Identity`](super::Identity): each result is that resource's state, and the framework derives
//! the result's identity from it with the resource's own identity, so the two cannot disagree.

use std::pin::Pin;
use std::sync::Arc;

use futures_util::Stream;

use crate::protocol::Diagnostics;

use super::resource::Resource;
use super::typed::Object;

/// What one `list` block asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest<Config> {
    /// The block's `config { }`, every value known.
    pub config: Config,
    /// How many results Terraform reads before it closes the stream (`limit`, 100 unless set):
    /// a listing should not ask its API for more than it needs to find them.
    pub limit: u64,
}

/// One object found: the managed resource's state, and the name Terraform shows for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<S> {
    pub display_name: String,
    pub state: S,
}

/// The results of a listing, in a stable order. An error ends the listing after the results
/// before it.
pub type ListStream<S> = Pin<Box<dyn Stream<Item = Result<Listed<S>, Diagnostics>> + Send>>;

/// A list resource type, over the provider's context `C`.
pub trait ListResource<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// The managed resource whose objects are listed; its type name is the list's.
    type Resource: Resource<C>;
    /// The `config` block: its declaration is the schema.
    type Config: Object;
    /// Markdown, for the docs and `terraform providers schema`.
    const DESCRIPTION: &'static str;

    /// Static checks of the `config` block (values may be unknown).
    fn validate(&self, _config: &Self::Config) -> Diagnostics {
        Diagnostics::default()
    }

    /// Starts the listing. The stream does its work only while it is polled, and is dropped
    /// (cancelling any request in flight) as soon as Terraform has `limit` results or closes
    /// the stream.
    fn list(
        &self,
        ctx: Arc<C>,
        request: ListRequest<Self::Config>,
    ) -> ListStream<<Self::Resource as Resource<C>>::State>;
}
