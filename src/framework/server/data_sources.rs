//! The data source RPCs.

use super::{GrpcProvider, or_diagnostics};
use crate::framework::Provider;
use crate::protocol::diagnostics::to_proto;
use crate::protocol::dynamic;
use crate::protocol::tfplugin6 as proto;

impl<P: Provider> GrpcProvider<P> {
    pub(super) fn validate_data_resource_config(
        &self,
        request: proto::validate_data_resource_config::Request,
    ) -> proto::validate_data_resource_config::Response {
        let validated = || {
            let data_source = self.data_source(&request.type_name)?;
            let config = dynamic::decode(request.config.as_ref(), &data_source.ty)?;
            Ok(proto::validate_data_resource_config::Response {
                diagnostics: to_proto(data_source.handler.validate(&config)),
            })
        };
        or_diagnostics(validated(), |diagnostics| {
            proto::validate_data_resource_config::Response { diagnostics }
        })
    }

    pub(super) async fn read_data_source(
        &self,
        request: proto::read_data_source::Request,
    ) -> proto::read_data_source::Response {
        let read = async {
            let data_source = self.data_source(&request.type_name)?;
            let config = dynamic::decode(request.config.as_ref(), &data_source.ty)?;
            let ctx = self.context()?;
            let state = data_source.handler.read(&ctx, &config).await?;
            Ok(proto::read_data_source::Response {
                state: Some(dynamic::encode(&state, &data_source.ty)?),
                ..Default::default()
            })
        };
        or_diagnostics(read.await, |diagnostics| {
            proto::read_data_source::Response {
                diagnostics,
                ..Default::default()
            }
        })
    }
}
