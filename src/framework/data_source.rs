//! The data source trait: a schema and a read; validation is opt-in.

use crate::protocol::Diagnostics;

use super::typed::Object;

/// A data source type, over the provider's context `C`.
#[tonic::async_trait]
pub trait DataSource<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// The config and the result: its declaration is the schema.
    type State: Object;
    const TYPE_NAME: &'static str;
    /// Markdown, for the docs and `terraform providers schema`.
    const DESCRIPTION: &'static str;

    /// Reads the data the configuration asks for; every value of `config` is known.
    async fn read(&self, ctx: &C, config: Self::State) -> Result<Self::State, Diagnostics>;

    /// Static checks of the configuration (values may be unknown).
    fn validate(&self, _config: &Self::State) -> Diagnostics {
        Diagnostics::default()
    }
}
