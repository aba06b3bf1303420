//! The bridge between typed resources and the wire: [`DynResource`] and [`DynDataSource`] take
//! and give [`Value`]s, and every [`Resource`] / [`DataSource`] implements them through the
//! blanket impls here, so the gRPC service can hold resources of different state types side by
//! side and the resources themselves never see a [`Value`].

use crate::protocol::tfplugin6 as proto;
use crate::protocol::{AttributePath, Diagnostic, Diagnostics, Schema, Value};

use super::data_source::DataSource;
use super::resource::{PlanRequest, Refreshed, Resource};
use super::typed::Object;
use super::upgrade;

/// A planned change on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedValue {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub warnings: Vec<Diagnostic>,
}

/// An applied change on the wire: the new state (null after a destroy) and its warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedValue {
    pub state: Value,
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
    async fn read(&self, ctx: &C, state: &Value) -> Result<Refreshed<Value>, Diagnostics>;
    fn import(&self, id: &str) -> Result<Value, Diagnostics>;
    fn upgrade_state(&self, version: i64, raw: &proto::RawState) -> Result<Value, Diagnostics>;
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
                state: Value::Null,
                requires_replace: Vec::new(),
                warnings: prior.map_or_else(Vec::new, |p| self.plan_destroy(&p)),
            });
        };
        let config = require(config, "configuration")?;
        let planned = self.modify_plan(
            ctx,
            PlanRequest {
                prior,
                proposed,
                config,
            },
        )?;
        Ok(PlannedValue {
            state: planned.state.to_value(),
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
                    state: Value::Null,
                    warnings: self.delete(ctx, prior).await?,
                });
            }
            (None, None) => {
                return Ok(AppliedValue {
                    state: Value::Null,
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
            state: applied.state.to_value(),
            warnings: applied.warnings,
        })
    }

    async fn read(&self, ctx: &C, state: &Value) -> Result<Refreshed<Value>, Diagnostics> {
        let state = require::<R::State>(state, "state")?;
        Ok(match Resource::read(self, ctx, state).await? {
            Refreshed::Found { state, warnings } => Refreshed::Found {
                state: state.to_value(),
                warnings,
            },
            Refreshed::Gone(warning) => Refreshed::Gone(warning),
        })
    }

    fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        Resource::import(self, id).map(|state| state.to_value())
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
