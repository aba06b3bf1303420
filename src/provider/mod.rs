//! The partnercenter provider: its configuration, resources, data sources and list resources.

pub mod config;
pub mod data_sources;
pub mod docs;
mod errors;
pub mod list_resources;
pub mod resources;
mod values;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::framework::{DynDataSource, DynListResource, DynResource, Provider};
use crate::partnercenter::{self, Client};
use crate::protocol::Diagnostics;

/// The source address users write in `required_providers` (with the default registry host).
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/partnercenter-oss/partnercenter";

/// What every resource and data source gets once the provider is configured.
pub type Context = Client;

/// The provider. `stop` cancels every request of this process at once (Terraform's
/// StopProvider, sent when the user presses Ctrl-C).
#[derive(Debug, Default)]
pub struct PartnerCenterProvider {
    stop: CancellationToken,
}

impl PartnerCenterProvider {
    pub fn new() -> Self {
        Self::default()
    }
}

#[crate::framework::async_trait]
impl Provider for PartnerCenterProvider {
    type Context = Context;
    type Config = config::Config;
    const DESCRIPTION: &'static str = config::DESCRIPTION;

    fn address(&self) -> &'static str {
        PROVIDER_ADDRESS
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource<Context>>> {
        vec![Arc::new(
            resources::customer_qualification::CustomerQualification,
        )]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<Context>>> {
        vec![
            Arc::new(data_sources::customer_qualification::CustomerQualification),
            Arc::new(data_sources::qualification_history::QualificationHistory),
            Arc::new(data_sources::validation_codes::ValidationCodes),
        ]
    }

    fn list_resources(&self) -> Vec<Arc<dyn DynListResource<Context>>> {
        vec![Arc::new(
            list_resources::customer_qualification::CustomerQualifications,
        )]
    }

    fn validate(&self, config: &config::Config) -> Diagnostics {
        config::validate(config)
    }

    async fn configure(
        &self,
        config: config::Config,
        terraform_version: &str,
    ) -> Result<Client, Diagnostics> {
        let user_agent = partnercenter::user_agent(env!("CARGO_PKG_VERSION"), terraform_version);
        let client_config = config::configure(&config, &config::ProcessEnv, user_agent)?;
        Ok(Client::new(client_config, self.stop.clone())?)
    }

    fn stop(&self) {
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Terraform finds a type by its name, which must begin with the provider's; the gRPC
    /// service keys its types by name, so a second type of one name would hide the first.
    #[test]
    fn type_names_are_the_providers_and_unique() {
        let provider = PartnerCenterProvider::new();
        let prefix = format!(
            "{}_",
            PROVIDER_ADDRESS.rsplit('/').next().unwrap_or_default()
        );
        let kinds: [(&str, Vec<&str>); 3] = [
            (
                "resource",
                provider.resources().iter().map(|r| r.type_name()).collect(),
            ),
            (
                "data source",
                provider
                    .data_sources()
                    .iter()
                    .map(|d| d.type_name())
                    .collect(),
            ),
            (
                "list resource",
                provider
                    .list_resources()
                    .iter()
                    .map(|l| l.type_name())
                    .collect(),
            ),
        ];
        for (kind, names) in kinds {
            let mut seen = HashSet::new();
            for name in names {
                assert!(name.starts_with(&prefix), "{kind} {name} lacks {prefix}");
                assert!(seen.insert(name), "two {kind}s are named {name}");
            }
        }
    }
}
