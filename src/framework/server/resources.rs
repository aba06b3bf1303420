//! The managed resource RPCs: validate, upgrade, read, plan, apply and import. Read, plan, apply
//! and import also answer with the object's identity when the resource has one, always derived
//! from the state they answer with.

use std::sync::Arc;

use super::{GrpcProvider, ResourceType, answered, or_diagnostics, validated};
use crate::framework::Provider;
use crate::framework::erased::StateValue;
use crate::framework::resource::Refreshed;
use crate::protocol::diagnostics::to_proto;
use crate::protocol::tfplugin6 as proto;
use crate::protocol::{AttributePath, Diagnostic, Diagnostics, Schema, Value};

/// A change to a resource: its type, the configured context, and the prior state, new state
/// and configuration decoded with the resource's type.
type Change<'a, C> = (&'a ResourceType<C>, Arc<C>, [Value; 3]);

impl<P: Provider> GrpcProvider<P> {
    pub(super) async fn validate_resource_config(
        &self,
        request: proto::validate_resource_config::Request,
    ) -> proto::validate_resource_config::Response {
        // Terraform before 1.11 sends no capabilities: it would store a write-only value in
        // plain text, so such a value is refused before anything is planned.
        let write_only_allowed = request
            .client_capabilities
            .is_some_and(|c| c.write_only_attributes_allowed);
        let resource = self.resource(&request.type_name);
        let diagnostics = validated(resource, request.config.as_ref(), |resource, config| {
            let mut diagnostics = resource.handler.validate(config);
            if !write_only_allowed {
                diagnostics
                    .0
                    .extend(write_only_refused(&resource.schema, config));
            }
            diagnostics
        });
        proto::validate_resource_config::Response { diagnostics }
    }

    pub(super) async fn upgrade_resource_state(
        &self,
        request: proto::upgrade_resource_state::Request,
    ) -> proto::upgrade_resource_state::Response {
        answered((|| {
            let resource = self.resource(&request.type_name)?;
            let raw = request.raw_state.clone().unwrap_or_default();
            let state = resource.handler.upgrade_state(request.version, &raw)?;
            Ok(proto::upgrade_resource_state::Response {
                upgraded_state: Some(resource.encode(state)?),
                diagnostics: Vec::new(),
            })
        })())
    }

    pub(super) async fn read_resource(
        &self,
        request: proto::read_resource::Request,
    ) -> proto::read_resource::Response {
        let answer = |new_state, new_identity, diagnostics| proto::read_resource::Response {
            new_state,
            new_identity,
            diagnostics,
            private: request.private.clone(),
            ..Default::default()
        };
        let mut prior = None;
        let read = async {
            let resource = self.resource(&request.type_name)?;
            let state = resource.decode(request.current_state.as_ref())?;
            if state.is_null() {
                let identity = request.current_identity.clone();
                return Ok(answer(request.current_state.clone(), identity, Vec::new()));
            }
            prior = Some(resource.encode(state.clone())?);
            let ctx = self.context()?;
            let (new_state, warnings) = match resource.handler.read(&ctx, &state).await? {
                Refreshed::Found { state, warnings } => (state, warnings),
                Refreshed::Gone(warning) => (StateValue::NULL, vec![warning]),
            };
            let (new_state, new_identity) = resource.encode_state(new_state)?;
            Ok(answer(Some(new_state), new_identity, to_proto(warnings)))
        };
        // On failure the state Terraform has, its identity and its private data stay as they
        // were: the prior state as read (every attribute there), or nothing when it could not
        // be read; never a partial object beside an error.
        or_diagnostics(read.await, |diagnostics| {
            answer(prior, request.current_identity.clone(), diagnostics)
        })
    }

    pub(super) async fn plan_resource_change(
        &self,
        request: proto::plan_resource_change::Request,
    ) -> proto::plan_resource_change::Response {
        let planned = || {
            let (resource, ctx, [prior, proposed, config]) = self.change(
                &request.type_name,
                [
                    &request.prior_state,
                    &request.proposed_new_state,
                    &request.config,
                ],
            )?;
            let planned = resource.handler.plan(&ctx, &prior, &proposed, &config)?;
            let (planned_state, planned_identity) = resource.encode_state(planned.planned)?;
            Ok(proto::plan_resource_change::Response {
                planned_state: Some(planned_state),
                planned_identity,
                requires_replace: planned.requires_replace.iter().map(Into::into).collect(),
                planned_private: request.prior_private.clone(),
                diagnostics: to_proto(planned.warnings),
                ..Default::default()
            })
        };
        answered(planned())
    }

    pub(super) async fn apply_resource_change(
        &self,
        request: proto::apply_resource_change::Request,
    ) -> proto::apply_resource_change::Response {
        let applied = async {
            let (resource, ctx, [prior, planned, config]) = self.change(
                &request.type_name,
                [
                    &request.prior_state,
                    &request.planned_state,
                    &request.config,
                ],
            )?;
            let applied = resource
                .handler
                .apply(&ctx, &prior, &planned, &config)
                .await?;
            let (new_state, new_identity) = resource.encode_state(applied.new)?;
            Ok(proto::apply_resource_change::Response {
                new_state: Some(new_state),
                new_identity,
                private: request.planned_private.clone(),
                diagnostics: to_proto(applied.warnings),
                ..Default::default()
            })
        };
        // A failed change leaves Terraform's state exactly as it was before; Terraform records
        // whatever private data and identity the answer carries, so they must be kept too.
        or_diagnostics(applied.await, |diagnostics| {
            proto::apply_resource_change::Response {
                new_identity: self.prior_identity(&request),
                new_state: request.prior_state.clone(),
                private: request.planned_private.clone(),
                diagnostics,
                ..Default::default()
            }
        })
    }

    pub(super) async fn import_resource_state(
        &self,
        request: proto::import_resource_state::Request,
    ) -> proto::import_resource_state::Response {
        let imported = || {
            let resource = self.resource(&request.type_name)?;
            // An `import` block names the object by identity (Terraform 1.12+) or by id.
            let identity = resource.decode_identity(request.identity.as_ref())?;
            let imported = resource.handler.import(&request.id, identity.as_ref())?;
            let (state, identity) = resource.encode_state(imported)?;
            Ok(proto::import_resource_state::Response {
                imported_resources: vec![proto::import_resource_state::ImportedResource {
                    type_name: request.type_name.clone(),
                    identity,
                    state: Some(state),
                    ..Default::default()
                }],
                ..Default::default()
            })
        };
        answered(imported())
    }

    /// What a plan or an apply of `type_name` works on, from the change's prior state, new
    /// state and configuration as Terraform sent them.
    fn change(
        &self,
        type_name: &str,
        values: [&Option<proto::DynamicValue>; 3],
    ) -> Result<Change<'_, P::Context>, Diagnostics> {
        let resource = self.resource(type_name)?;
        let [prior, new, config] = values.map(|value| resource.decode(value.as_ref()));
        let values = [prior?, new?, config?];
        Ok((resource, self.context()?, values))
    }

    /// The identity of the state an apply started from, for the answer to a failed apply.
    fn prior_identity(
        &self,
        request: &proto::apply_resource_change::Request,
    ) -> Option<proto::ResourceIdentityData> {
        let resource = self.resource(&request.type_name).ok()?;
        resource.identity_of(request.prior_state.as_ref())
    }
}

/// The errors for write-only attributes set in a configuration whose Terraform cannot keep
/// them out of the state. An unknown value counts as set: it becomes one at apply.
fn write_only_refused(schema: &Schema, config: &Value) -> Vec<Diagnostic> {
    schema
        .write_only_attributes()
        .filter(|a| config.attr(a.name).is_some_and(|v| !v.is_null()))
        .map(|a| {
            Diagnostic::error(
                "Write-only attribute not supported by this Terraform",
                format!(
                    "{} is write-only: Terraform 1.11 and later send it to the provider \
                     without ever storing it in the plan or the state. This Terraform does not \
                     know write-only attributes and would store it, so it is refused. Upgrade \
                     Terraform, or use the attribute's stored counterpart.",
                    a.name
                ),
            )
            .at(AttributePath::root().attr(a.name))
        })
        .collect()
}
