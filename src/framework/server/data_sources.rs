//! The data source RPCs.

use super::{GrpcProvider, answered, validated};
use crate::framework::Provider;
use crate::protocol::dynamic;
use crate::protocol::tfplugin6 as proto;

impl<P: Provider> GrpcProvider<P> {
    pub(super) async fn validate_data_resource_config(
        &self,
        request: proto::validate_data_resource_config::Request,
    ) -> proto::validate_data_resource_config::Response {
        let data_source = self.data_source(&request.type_name);
        let diagnostics = validated(
            data_source,
            request.config.as_ref(),
            |data_source, config| data_source.handler.validate(config),
        );
        proto::validate_data_resource_config::Response { diagnostics }
    }

    pub(super) async fn read_data_source(
        &self,
        request: proto::read_data_source::Request,
    ) -> proto::read_data_source::Response {
        answered(
            async {
                let data_source = self.data_source(&request.type_name)?;
                let config = data_source.decode(request.config.as_ref())?;
                let ctx = self.context()?;
                let state = data_source.handler.read(&ctx, &config).await?;
                Ok(proto::read_data_source::Response {
                    state: Some(dynamic::encode(&state, &data_source.ty)?),
                    ..Default::default()
                })
            }
            .await,
        )
    }
}
