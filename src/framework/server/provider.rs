//! The provider-level RPCs: metadata, schemas, and the provider block.

use std::sync::Arc;

use super::{GrpcProvider, or_diagnostics};
use crate::framework::{Object, Provider};
use crate::protocol::diagnostics::to_proto;
use crate::protocol::tfplugin6 as proto;
use crate::protocol::{Diagnostic, Diagnostics, Value, dynamic};

/// What this server can do beyond the protocol's minimum.
fn server_capabilities() -> proto::ServerCapabilities {
    proto::ServerCapabilities {
        // The schema never changes within a binary, so Terraform may cache it.
        get_provider_schema_optional: true,
        // Destroys are planned too (Terraform 1.3+), so warnings about them are shown before
        // the user approves.
        plan_destroy: true,
        ..Default::default()
    }
}

impl<P: Provider> GrpcProvider<P> {
    pub(super) fn metadata(&self) -> proto::get_metadata::Response {
        proto::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: self
                .resources
                .keys()
                .map(|name| proto::get_metadata::ResourceMetadata {
                    type_name: (*name).to_owned(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|name| proto::get_metadata::DataSourceMetadata {
                    type_name: (*name).to_owned(),
                })
                .collect(),
            list_resources: self
                .list_resources
                .keys()
                .map(|name| proto::get_metadata::ListResourceMetadata {
                    type_name: (*name).to_owned(),
                })
                .collect(),
            ..Default::default()
        }
    }

    /// The whole schema answer, as `terraform providers schema` shows it.
    pub fn schema_response(&self) -> proto::get_provider_schema::Response {
        proto::get_provider_schema::Response {
            provider: Some(self.schema.to_proto()),
            resource_schemas: self
                .resources
                .iter()
                .map(|(name, r)| ((*name).to_owned(), r.schema.to_proto()))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(name, d)| ((*name).to_owned(), d.schema.to_proto()))
                .collect(),
            list_resource_schemas: self
                .list_resources
                .iter()
                .map(|(name, l)| ((*name).to_owned(), l.schema.to_proto()))
                .collect(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        }
    }

    pub(super) fn validate_provider_config(
        &self,
        request: proto::validate_provider_config::Request,
    ) -> proto::validate_provider_config::Response {
        let diagnostics = self.provider_config(request.config.as_ref()).map_or_else(
            |diagnostics| diagnostics,
            |config| self.provider.validate(&config),
        );
        proto::validate_provider_config::Response {
            diagnostics: to_proto(diagnostics),
        }
    }

    pub(super) async fn configure_provider(
        &self,
        request: proto::configure_provider::Request,
    ) -> proto::configure_provider::Response {
        tracing::debug!(terraform_version = %request.terraform_version, "configuring the provider");
        let configured = async {
            let config = self.provider_config(request.config.as_ref())?;
            let context = self
                .provider
                .configure(config, &request.terraform_version)
                .await?;
            *self
                .context
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(context));
            Ok(proto::configure_provider::Response::default())
        };
        or_diagnostics(configured.await, |diagnostics| {
            proto::configure_provider::Response { diagnostics }
        })
    }

    /// The provider block as the provider's typed configuration; a block Terraform sent no
    /// value for reads as one whose every attribute is null.
    fn provider_config(
        &self,
        config: Option<&proto::DynamicValue>,
    ) -> Result<P::Config, Diagnostics> {
        let mut config = dynamic::decode(config, &self.ty)?;
        if config.is_null() {
            config = Value::object::<&str>([]);
        }
        P::Config::from_value(&config).map_err(|e| Diagnostic::from(e).into())
    }

    pub(super) fn stop_provider(&self) -> proto::stop_provider::Response {
        tracing::info!("Terraform asked the provider to stop; cancelling in-flight requests");
        self.provider.stop();
        proto::stop_provider::Response::default()
    }
}
