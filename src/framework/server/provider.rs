//! The provider-level RPCs: metadata, schemas, and the provider block.

use std::collections::HashMap;
use std::sync::Arc;

use super::{GrpcProvider, Registered, answered};
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
            resources: names(&self.resources, |type_name| {
                proto::get_metadata::ResourceMetadata { type_name }
            }),
            data_sources: names(&self.data_sources, |type_name| {
                proto::get_metadata::DataSourceMetadata { type_name }
            }),
            list_resources: names(&self.list_resources, |type_name| {
                proto::get_metadata::ListResourceMetadata { type_name }
            }),
            ..Default::default()
        }
    }

    /// The whole schema answer, as `terraform providers schema` shows it.
    pub fn schema_response(&self) -> proto::get_provider_schema::Response {
        proto::get_provider_schema::Response {
            provider: Some(self.schema.to_proto()),
            resource_schemas: schemas(&self.resources),
            data_source_schemas: schemas(&self.data_sources),
            list_resource_schemas: schemas(&self.list_resources),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        }
    }

    pub(super) async fn validate_provider_config(
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
        answered(configured.await)
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

/// The metadata of every type registered in `types`, each built by `metadata` from its name.
fn names<T: ?Sized, M>(
    types: &HashMap<&'static str, Registered<T>>,
    metadata: impl Fn(String) -> M,
) -> Vec<M> {
    types
        .keys()
        .map(|name| metadata((*name).to_owned()))
        .collect()
}

/// The schema of every type registered in `types`, by name.
fn schemas<T: ?Sized>(
    types: &HashMap<&'static str, Registered<T>>,
) -> HashMap<String, proto::Schema> {
    types
        .iter()
        .map(|(name, r)| ((*name).to_owned(), r.schema.to_proto()))
        .collect()
}
