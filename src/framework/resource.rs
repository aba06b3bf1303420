//! The managed resource trait: schema and create / read / update / delete are the core; every
//! other capability is a defaulted method that a resource overrides only when it offers it.

use crate::protocol::{AttributePath, Diagnostic, Diagnostics};

use super::identity::Identity;
use super::typed::Object;
use super::upgrade::StateUpgrader;

/// What planning a create or an update produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned<S> {
    pub state: S,
    /// Attributes whose change replaces the object instead of updating it.
    pub requires_replace: Vec<AttributePath>,
    /// Shown with the plan, before the user approves it.
    pub warnings: Vec<Diagnostic>,
}

impl<S> Planned<S> {
    /// The plan Terraform proposed, taken as it is.
    pub fn unchanged(state: S) -> Self {
        Self {
            state,
            requires_replace: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// What Terraform asks a plan for. `config` is the configuration as written (unknown values
/// included); `proposed` is Terraform's merge of it with `prior`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest<S> {
    /// `None` for a create.
    pub prior: Option<S>,
    pub proposed: S,
    pub config: S,
}

/// What create or update produced: the new state and anything the user should know.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied<S> {
    pub state: S,
    pub warnings: Vec<Diagnostic>,
}

impl<S> Applied<S> {
    pub fn new(state: S) -> Self {
        Self {
            state,
            warnings: Vec::new(),
        }
    }
}

/// The outcome of refreshing a managed resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Refreshed<S> {
    /// The object exists; this is its current state, with anything the user should know.
    Found { state: S, warnings: Vec<Diagnostic> },
    /// The object is gone: Terraform drops it from state, and the user is told why.
    Gone(Diagnostic),
}

impl<S> Refreshed<S> {
    pub fn found(state: S) -> Self {
        Refreshed::Found {
            state,
            warnings: Vec::new(),
        }
    }
}

/// A managed resource type, over the provider's context `C` (its configured API client).
///
/// Methods are listed in the order a resource file is written: schema (the [`Object`] state
/// type and the constants), then create / read / update / delete, then the capabilities.
#[tonic::async_trait]
pub trait Resource<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// The config, plan and state: its declaration is the schema.
    type State: Object;
    const TYPE_NAME: &'static str;
    /// Markdown, for the docs and `terraform providers schema`.
    const DESCRIPTION: &'static str;
    /// The schema version states are written with; raise it with a [`StateUpgrader`].
    const VERSION: i64 = 0;

    async fn create(
        &self,
        ctx: &C,
        planned: Self::State,
        config: Self::State,
    ) -> Result<Applied<Self::State>, Diagnostics>;

    async fn read(
        &self,
        ctx: &C,
        state: Self::State,
    ) -> Result<Refreshed<Self::State>, Diagnostics>;

    async fn update(
        &self,
        ctx: &C,
        prior: Self::State,
        planned: Self::State,
        config: Self::State,
    ) -> Result<Applied<Self::State>, Diagnostics>;

    /// Returns the warnings to show; the object leaves Terraform's state either way.
    async fn delete(&self, ctx: &C, prior: Self::State) -> Result<Vec<Diagnostic>, Diagnostics>;

    // ---- opt-in capabilities ----

    /// Static checks of the configuration (no provider configuration yet; values may be
    /// unknown).
    fn validate(&self, _config: &Self::State) -> Diagnostics {
        Diagnostics::default()
    }

    /// Plans a create or an update. By default the plan is what Terraform proposed.
    fn modify_plan(
        &self,
        _ctx: &C,
        request: PlanRequest<Self::State>,
    ) -> Result<Planned<Self::State>, Diagnostics> {
        Ok(Planned::unchanged(request.proposed))
    }

    /// Warnings about destroying `prior`, shown by `terraform plan -destroy` and before the
    /// destroy is approved (Terraform 1.3+; older versions never plan a destroy).
    fn plan_destroy(&self, _prior: &Self::State) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// The state to refresh from a `terraform import` id. By default nothing is importable.
    fn import(&self, _id: &str) -> Result<Self::State, Diagnostics> {
        Err(Diagnostic::error(
            "Import not supported",
            format!("{} cannot be imported.", Self::TYPE_NAME),
        )
        .into())
    }

    /// One upgrader per older schema version still readable.
    fn state_upgraders(&self) -> Vec<StateUpgrader<Self::State>> {
        Vec::new()
    }

    /// The resource's identity (Terraform 1.12+), which also makes it importable by identity
    /// and listable. A declaration, like the schema, so it takes no `self`.
    fn identity() -> Option<Identity<Self::State>> {
        None
    }
}
