//! Resource identity on the wire: the identity schemas, UpgradeResourceIdentity, and the
//! identity data that read, plan, apply, import and list answers carry.

use super::{GrpcProvider, Registered, or_diagnostics};
use crate::framework::Provider;
use crate::framework::erased::{DynResource, PlannedValue};
use crate::protocol::tfplugin6 as proto;
use crate::protocol::{Diagnostic, Diagnostics, Type, Value, dynamic};

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

    pub(super) fn upgrade_resource_identity(
        &self,
        request: proto::upgrade_resource_identity::Request,
    ) -> proto::upgrade_resource_identity::Response {
        let upgraded = || {
            let resource = self.resource(&request.type_name)?;
            let raw = request.raw_identity.clone().unwrap_or_default();
            let identity = resource.handler.upgrade_identity(request.version, &raw)?;
            Ok(proto::upgrade_resource_identity::Response {
                upgraded_identity: Some(encode(&identity, identity_type(resource)?)?),
                diagnostics: Vec::new(),
            })
        };
        or_diagnostics(upgraded(), |diagnostics| {
            proto::upgrade_resource_identity::Response {
                upgraded_identity: None,
                diagnostics,
            }
        })
    }
}

type Resource<C> = Registered<dyn DynResource<C>>;

/// The value type of a resource's identities; an error for a resource without identity.
fn identity_type<C>(resource: &Resource<C>) -> Result<&Type, Diagnostic> {
    resource.identity.as_ref().map(|(_, ty)| ty).ok_or_else(|| {
        Diagnostic::error(
            "Resource has no identity",
            "Terraform sent an identity for a resource type that has none. This is a bug in \
             Terraform or in the provider; please report it.",
        )
    })
}

pub(super) fn encode(value: &Value, ty: &Type) -> Result<proto::ResourceIdentityData, Diagnostic> {
    Ok(proto::ResourceIdentityData {
        identity_data: Some(dynamic::encode(value, ty)?),
    })
}

/// The identity Terraform sent, if it sent one: Terraform before 1.12 and OpenTofu never do,
/// and newer Terraform only for objects whose state holds one.
pub(super) fn decode<C>(
    resource: &Resource<C>,
    data: Option<&proto::ResourceIdentityData>,
) -> Result<Option<Value>, Diagnostic> {
    let Some(data) = data.and_then(|d| d.identity_data.as_ref()) else {
        return Ok(None);
    };
    let value = dynamic::decode(Some(data), identity_type(resource)?)?;
    Ok(Some(value).filter(|v| !v.is_null()))
}

/// The identity data of a state value: `None` for a resource without identity or a null state.
pub(super) fn of_state<C>(
    resource: &Resource<C>,
    state: &Value,
) -> Result<Option<proto::ResourceIdentityData>, Diagnostics> {
    let Some((_, ty)) = &resource.identity else {
        return Ok(None);
    };
    match resource.handler.identity_of(state)? {
        Some(identity) => Ok(Some(encode(&identity, ty)?)),
        None => Ok(None),
    }
}

/// The identity a plan names: that of the planned state. Terraform accepts an identity that is
/// not known yet only for a create or a replacement, so an in-place update whose planned
/// identity is not wholly known keeps the prior state's.
pub(super) fn planned<C>(
    resource: &Resource<C>,
    prior: &Value,
    planned: &PlannedValue,
) -> Result<Option<proto::ResourceIdentityData>, Diagnostics> {
    let Some((_, ty)) = &resource.identity else {
        return Ok(None);
    };
    let identity = match resource.handler.identity_of(&planned.state)? {
        Some(identity)
            if !identity.is_wholly_known()
                && !prior.is_null()
                && planned.requires_replace.is_empty() =>
        {
            resource.handler.identity_of(prior)?
        }
        identity => identity,
    };
    Ok(identity.map(|i| encode(&i, ty)).transpose()?)
}
