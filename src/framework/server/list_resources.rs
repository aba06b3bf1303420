//! The list resource RPCs (Terraform 1.14+, `terraform query`): validating a `list` block and
//! streaming what it finds.
//!
//! The stream ends after `limit` results or the first error, whichever comes first; Terraform
//! closes it sooner when it has what it needs or the user cancels, and dropping it cancels
//! whatever the listing had in flight.

use std::future::ready;

use futures_util::StreamExt as _;
use futures_util::stream::{self, BoxStream};

use super::{GrpcProvider, identity, validated};
use crate::framework::Provider;
use crate::framework::erased::ListedValue;
use crate::protocol::diagnostics::to_proto;
use crate::protocol::tfplugin6 as proto;
use crate::protocol::{Diagnostic, Diagnostics, Type, dynamic};

type Events = super::BoxStream<proto::list_resource::Event>;

impl<P: Provider> GrpcProvider<P> {
    pub(super) async fn validate_list_resource_config(
        &self,
        request: proto::validate_list_resource_config::Request,
    ) -> proto::validate_list_resource_config::Response {
        let list = self.list_type(&request.type_name);
        let diagnostics = validated(list, request.config.as_ref(), |list, config| {
            list.handler.validate(config)
        });
        proto::validate_list_resource_config::Response { diagnostics }
    }

    pub(super) async fn list_resource(&self, request: proto::list_resource::Request) -> Events {
        let started = || -> Result<Events, Diagnostics> {
            let list = self.list_type(&request.type_name)?;
            // Results are the managed resource's objects: Terraform decodes them with its
            // state and identity types.
            let resource = self.resource(&request.type_name)?;
            let identity_ty = resource.identity_type()?.clone();
            let config = list.decode(request.config.as_ref())?;
            let ctx = self.context()?;
            // Terraform rejects a negative limit before it asks.
            let limit = u64::try_from(request.limit).unwrap_or(0);
            let include = request.include_resource_object;
            let listed = list.handler.list(ctx, &config, include, limit)?;
            Ok(events(listed, limit, resource.ty.clone(), identity_ty))
        };
        started()
            .unwrap_or_else(|diagnostics| Box::pin(stream::iter([Ok(error_event(diagnostics))])))
    }
}

/// The wire events of a listing: at most `limit` of them, and none after an error.
fn events(
    listed: BoxStream<'static, Result<ListedValue, Diagnostics>>,
    limit: u64,
    state_ty: Type,
    identity_ty: Type,
) -> Events {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let events = listed.take(limit).scan(false, move |ended, found| {
        if *ended {
            return ready(None);
        }
        let event = found
            .and_then(|found| event(&found, &state_ty, &identity_ty).map_err(Into::into))
            .unwrap_or_else(|diagnostics| {
                *ended = true;
                error_event(diagnostics)
            });
        ready(Some(Ok(event)))
    });
    Box::pin(events)
}

fn event(
    found: &ListedValue,
    state_ty: &Type,
    identity_ty: &Type,
) -> Result<proto::list_resource::Event, Diagnostic> {
    Ok(proto::list_resource::Event {
        identity: Some(identity::encode(&found.identity, identity_ty)?),
        display_name: found.display_name.clone(),
        resource_object: found
            .state
            .as_ref()
            .map(|state| dynamic::encode(state, state_ty))
            .transpose()?,
        diagnostic: Vec::new(),
    })
}

/// An event that carries only diagnostics: Terraform stops reading at an error.
fn error_event(diagnostics: Diagnostics) -> proto::list_resource::Event {
    proto::list_resource::Event {
        diagnostic: to_proto(diagnostics),
        ..Default::default()
    }
}
