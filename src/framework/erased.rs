//! The bridge between typed resources and the wire: [`DynResource`], [`DynDataSource`] and
//! [`DynListResource`] take and give [`Value`]s, and every [`Resource`] / [`DataSource`] /
//! [`ListResource`] implements them through the blanket impls here, so the gRPC service can hold
//! types of different state types side by side and the types themselves never see a [`Value`].

use std::sync::Arc;

use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;

use crate::protocol::tfplugin6 as proto;
use crate::protocol::{AttributePath, Diagnostic, Diagnostics, IdentitySchema, Schema, Value};

use super::data_source::DataSource;
use super::identity::{Identity, NoIdentity};
use super::list_resource::{ListRequest, ListResource};
use super::resource::{PlanRequest, Refreshed, Resource};
use super::typed::Object;
use super::upgrade;

/// A state on the wire, with the identity its resource derives from it while it is still
/// typed: `None` for a null state or a resource without identity.
#[derive(Debug, Clone, PartialEq)]
pub struct StateValue {
    pub state: Value,
    pub identity: Option<Value>,
}

impl StateValue {
    fn of<S: Object>(state: &S, identity: Option<&Identity<S>>) -> Self {
        Self {
            state: state.to_value(),
            identity: identity.map(|identity| identity.of_state(state)),
        }
    }

    /// No object (after a destroy, or when it is gone), so no identity.
    pub(crate) const NULL: Self = Self {
        state: Value::Null,
        identity: None,
    };
}

/// A planned change on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedValue {
    pub planned: StateValue,
    pub requires_replace: Vec<AttributePath>,
    pub warnings: Vec<Diagnostic>,
}

/// An applied change on the wire: the new state (null after a destroy) and its warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedValue {
    pub new: StateValue,
    pub warnings: Vec<Diagnostic>,
}

/// A managed resource type as the gRPC service sees it.
#[tonic::async_trait]
pub trait DynResource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Plans a create, an update or (when `proposed` is null) a destroy.
    fn plan(
        &self,
        ctx: &C,
        prior: &Value,
        proposed: &Value,
        config: &Value,
    ) -> Result<PlannedValue, Diagnostics>;
    /// Creates (`prior` null), updates, or destroys (`planned` null).
    async fn apply(
        &self,
        ctx: &C,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> Result<AppliedValue, Diagnostics>;
    async fn read(&self, ctx: &C, state: &Value) -> Result<Refreshed<StateValue>, Diagnostics>;
    /// Imports the object an `import` block's identity names, or else a `terraform import` id.
    fn import(&self, id: &str, identity: Option<&Value>) -> Result<StateValue, Diagnostics>;
    fn upgrade_state(&self, version: i64, raw: &proto::RawState) -> Result<Value, Diagnostics>;

    /// `None` when the resource has no identity.
    fn identity_schema(&self) -> Option<IdentitySchema>;
    /// The identity of a state Terraform sent, for an answer that keeps that state (a failed
    /// apply); `None` for a null state or a resource without identity.
    fn identity_of(&self, state: &Value) -> Result<Option<Value>, Diagnostics>;
    fn upgrade_identity(&self, version: i64, raw: &proto::RawState) -> Result<Value, Diagnostics>;
}

/// One listed object on the wire: its identity, and its state when Terraform asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedValue {
    pub display_name: String,
    pub identity: Value,
    pub state: Option<Value>,
}

/// A list resource type as the gRPC service sees it.
pub trait DynListResource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Starts a listing of at most `limit` results, with their states if `include_resource`.
    fn list(
        &self,
        ctx: Arc<C>,
        config: &Value,
        include_resource: bool,
        limit: u64,
    ) -> Result<BoxStream<'static, Result<ListedValue, Diagnostics>>, Diagnostics>;
}

/// A data source type as the gRPC service sees it.
#[tonic::async_trait]
pub trait DynDataSource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, ctx: &C, config: &Value) -> Result<Value, Diagnostics>;
}

/// A typed object, or `None` for a null value.
fn decode<S: Object>(value: &Value) -> Result<Option<S>, Diagnostics> {
    if value.is_null() {
        return Ok(None);
    }
    S::from_value(value)
        .map(Some)
        .map_err(|e| Diagnostic::from(e).into())
}

/// A typed object that must be there (Terraform never sends a null one at this point).
fn require<S: Object>(value: &Value, what: &str) -> Result<S, Diagnostics> {
    decode(value)?.ok_or_else(|| {
        Diagnostic::error(
            "Missing value",
            format!("Terraform sent no {what}. This is a bug in the provider or in Terraform."),
        )
        .into()
    })
}

/// The schema a typed object declares.
fn schema_of<S: Object>(version: i64, description: &'static str) -> Schema {
    Schema {
        version,
        description,
        attributes: S::attributes(),
    }
}

/// Runs a typed `validate` on a configuration value.
fn validate_with<S: Object>(
    config: &Value,
    validate: impl FnOnce(&S) -> Diagnostics,
) -> Diagnostics {
    match require::<S>(config, "configuration") {
        Ok(config) => validate(&config),
        Err(diagnostics) => diagnostics,
    }
}

#[tonic::async_trait]
impl<C: Send + Sync + 'static, R: Resource<C>> DynResource<C> for R {
    fn type_name(&self) -> &'static str {
        R::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_of::<R::State>(R::VERSION, R::DESCRIPTION)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate_with(config, |config| Resource::validate(self, config))
    }

    fn plan(
        &self,
        ctx: &C,
        prior: &Value,
        proposed: &Value,
        config: &Value,
    ) -> Result<PlannedValue, Diagnostics> {
        let prior = decode::<R::State>(prior)?;
        let Some(proposed) = decode::<R::State>(proposed)? else {
            return Ok(PlannedValue {
                planned: StateValue::NULL,
                requires_replace: Vec::new(),
                warnings: prior.map_or_else(Vec::new, |p| self.plan_destroy(&p)),
            });
        };
        let config = require(config, "configuration")?;
        let identity = R::identity();
        let prior_identity = (identity.as_ref().zip(prior.as_ref()))
            .map(|(identity, prior)| identity.of_state(prior));
        let planned = self.modify_plan(
            ctx,
            PlanRequest {
                prior,
                proposed,
                config,
            },
        )?;
        let replaced = !planned.requires_replace.is_empty();
        Ok(PlannedValue {
            planned: StateValue {
                state: planned.state.to_value(),
                identity: identity
                    .map(|identity| identity.of_plan(prior_identity, &planned.state, replaced)),
            },
            requires_replace: planned.requires_replace,
            warnings: planned.warnings,
        })
    }

    async fn apply(
        &self,
        ctx: &C,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> Result<AppliedValue, Diagnostics> {
        let prior = decode::<R::State>(prior)?;
        let planned = decode::<R::State>(planned)?;
        let applied = match (prior, planned) {
            (Some(prior), None) => {
                return Ok(AppliedValue {
                    new: StateValue::NULL,
                    warnings: self.delete(ctx, prior).await?,
                });
            }
            (None, None) => {
                return Ok(AppliedValue {
                    new: StateValue::NULL,
                    warnings: Vec::new(),
                });
            }
            (None, Some(planned)) => {
                let config = require(config, "configuration")?;
                self.create(ctx, planned, config).await?
            }
            (Some(prior), Some(planned)) => {
                let config = require(config, "configuration")?;
                self.update(ctx, prior, planned, config).await?
            }
        };
        Ok(AppliedValue {
            new: StateValue::of(&applied.state, R::identity().as_ref()),
            warnings: applied.warnings,
        })
    }

    async fn read(&self, ctx: &C, state: &Value) -> Result<Refreshed<StateValue>, Diagnostics> {
        let state = require::<R::State>(state, "state")?;
        Ok(match Resource::read(self, ctx, state).await? {
            Refreshed::Found { state, warnings } => Refreshed::Found {
                state: StateValue::of(&state, R::identity().as_ref()),
                warnings,
            },
            Refreshed::Gone(warning) => Refreshed::Gone(warning),
        })
    }

    fn import(&self, id: &str, identity: Option<&Value>) -> Result<StateValue, Diagnostics> {
        let state = match identity {
            Some(identity) => identity_of_type::<C, R>()?.import(identity)?,
            None => Resource::import(self, id)?,
        };
        Ok(StateValue::of(&state, R::identity().as_ref()))
    }

    fn upgrade_state(&self, version: i64, raw: &proto::RawState) -> Result<Value, Diagnostics> {
        upgrade::upgrade_state::<R::State>(
            R::TYPE_NAME,
            R::VERSION,
            &self.state_upgraders(),
            version,
            raw,
        )
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        R::identity().map(|identity| identity.schema().clone())
    }

    fn identity_of(&self, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let Some(identity) = R::identity() else {
            return Ok(None);
        };
        Ok(decode::<R::State>(state)?.map(|state| identity.of_state(&state)))
    }

    fn upgrade_identity(&self, version: i64, raw: &proto::RawState) -> Result<Value, Diagnostics> {
        identity_of_type::<C, R>()?.upgrade(R::TYPE_NAME, version, raw)
    }
}

/// A `list` block's configuration: without a `config { }` block, every attribute is null.
fn list_config(config: &Value) -> Value {
    if config.is_null() {
        Value::object::<&str>([])
    } else {
        config.clone()
    }
}

/// The identity of resource type `R`, which Terraform only asks about when it has one.
fn identity_of_type<C: Send + Sync + 'static, R: Resource<C>>()
-> Result<Identity<R::State>, Diagnostic> {
    R::identity().ok_or_else(|| NoIdentity(R::TYPE_NAME).into())
}

impl<C: Send + Sync + 'static, L: ListResource<C>> DynListResource<C> for L {
    fn type_name(&self) -> &'static str {
        L::Resource::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_of::<L::Config>(0, L::DESCRIPTION)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate_with(&list_config(config), |config| {
            ListResource::validate(self, config)
        })
    }

    fn list(
        &self,
        ctx: Arc<C>,
        config: &Value,
        include_resource: bool,
        limit: u64,
    ) -> Result<BoxStream<'static, Result<ListedValue, Diagnostics>>, Diagnostics> {
        let identity = identity_of_type::<C, L::Resource>()?;
        let config = require::<L::Config>(&list_config(config), "configuration")?;
        let listed = ListResource::list(self, ctx, ListRequest { config, limit });
        Ok(listed
            .map(move |found| {
                found.map(|found| ListedValue {
                    identity: identity.of_state(&found.state),
                    state: include_resource.then(|| found.state.to_value()),
                    display_name: found.display_name,
                })
            })
            .boxed())
    }
}

#[tonic::async_trait]
impl<C: Send + Sync + 'static, D: DataSource<C>> DynDataSource<C> for D {
    fn type_name(&self) -> &'static str {
        D::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_of::<D::State>(0, D::DESCRIPTION)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate_with(config, |config| DataSource::validate(self, config))
    }

    async fn read(&self, ctx: &C, config: &Value) -> Result<Value, Diagnostics> {
        let config = require::<D::State>(config, "configuration")?;
        Ok(DataSource::read(self, ctx, config).await?.to_value())
    }
}
