//! Resource identity on the wire: the identity schemas, UpgradeResourceIdentity, and the
//! encoding of the identities that read, plan, apply, import and list answers carry (each
//! derived by the framework from the state the answer carries).

use super::{GrpcProvider, ResourceType, answered};
use crate::framework::Provider;
use crate::framework::erased::StateValue;
use crate::framework::identity::NoIdentity;
use crate::protocol::tfplugin6 as proto;
use crate::protocol::{Diagnostic, Type, Value, dynamic};

impl<P: Provider> GrpcProvider<P> {
    /// Every identity schema. Never an error diagnostic: Terraform 1.12+ asks every provider
    /// while loading its schemas, and fails the whole load on one.
    pub(super) fn identity_schemas(&self) -> proto::get_resource_identity_schemas::Response {
        proto::get_resource_identity_schemas::Response {
            identity_schemas: self
                .resources
                .iter()
                .filter_map(|(name, r)| {
                    let (schema, _) = r.identity.as_ref()?;
                    Some(((*name).to_owned(), schema.to_proto()))
                })
                .collect(),
            diagnostics: Vec::new(),
        }
    }

    pub(super) async fn upgrade_resource_identity(
        &self,
        request: proto::upgrade_resource_identity::Request,
    ) -> proto::upgrade_resource_identity::Response {
        answered((|| {
            let resource = self.resource(&request.type_name)?;
            let raw = request.raw_identity.clone().unwrap_or_default();
            let identity = resource.handler.upgrade_identity(request.version, &raw)?;
            Ok(proto::upgrade_resource_identity::Response {
                upgraded_identity: resource.encode_identity(Some(identity))?,
                diagnostics: Vec::new(),
            })
        })())
    }
}

/// What an answer carries for one object: its state and its identity.
pub(super) type Encoded = (proto::DynamicValue, Option<proto::ResourceIdentityData>);

impl<C> ResourceType<C> {
    /// The value type of this resource's identities; an error for a resource without one.
    pub(super) fn identity_type(&self) -> Result<&Type, Diagnostic> {
        let identity = self.identity.as_ref().map(|(_, ty)| ty);
        identity.ok_or_else(|| NoIdentity(self.handler.type_name()).into())
    }

    /// A state and its identity, encoded for Terraform.
    pub(super) fn encode_state(&self, state: StateValue) -> Result<Encoded, Diagnostic> {
        Ok((
            self.encode(state.state)?,
            self.encode_identity(state.identity)?,
        ))
    }

    fn encode_identity(
        &self,
        identity: Option<Value>,
    ) -> Result<Option<proto::ResourceIdentityData>, Diagnostic> {
        let Some(identity) = identity else {
            return Ok(None);
        };
        Ok(Some(encode(&identity, self.identity_type()?)?))
    }

    /// The identity Terraform sent, if it sent one: Terraform before 1.12 and OpenTofu never
    /// do, and newer Terraform only for objects whose state holds one.
    pub(super) fn decode_identity(
        &self,
        data: Option<&proto::ResourceIdentityData>,
    ) -> Result<Option<Value>, Diagnostic> {
        let Some(data) = data.and_then(|d| d.identity_data.as_ref()) else {
            return Ok(None);
        };
        let value = dynamic::decode(Some(data), self.identity_type()?)?;
        Ok(Some(value).filter(|v| !v.is_null()))
    }

    /// The identity of a state Terraform sent, for an answer that keeps that state.
    pub(super) fn identity_of(
        &self,
        state: Option<&proto::DynamicValue>,
    ) -> Option<proto::ResourceIdentityData> {
        let state = self.decode(state).ok()?;
        let identity = self.handler.identity_of(&state).ok()?;
        self.encode_identity(identity).ok()?
    }
}

pub(super) fn encode(value: &Value, ty: &Type) -> Result<proto::ResourceIdentityData, Diagnostic> {
    Ok(proto::ResourceIdentityData {
        identity_data: Some(dynamic::encode(value, ty)?),
    })
}
