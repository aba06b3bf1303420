//! `partnercenter_customer_qualification` (data source): a customer's current qualification.

use crate::framework::{Attr, DataSource};
use crate::protocol::Diagnostics;
use crate::provider::Context;
use crate::provider::values::{check_customer_id, known};

crate::object! {
    #[names(LookupNames)]
    /// The data source's config and result.
    pub struct Lookup {
        customer_id: String => Required("The Partner Center customer id (a GUID)."),
        qualification: String => Computed(
            "The qualification Partner Center reports: `None`, `Education`, `Nonprofit`, \
            `GovernmentCommunityCloud` or `StateOwnedEntity`."
        ),
    }
}

#[derive(Debug)]
pub struct CustomerQualification;

#[tonic::async_trait]
impl DataSource<Context> for CustomerQualification {
    type State = Lookup;
    const TYPE_NAME: &'static str = crate::provider::resources::customer_qualification::TYPE_NAME;
    const DESCRIPTION: &'static str = "Reads a customer's current qualification from Partner \
        Center (`GET /v1/customers/{id}/qualification`).";

    async fn read(&self, client: &Context, config: Lookup) -> Result<Lookup, Diagnostics> {
        let customer_id = known(&config.customer_id, Lookup::NAMES.customer_id)?;
        let qualification = client.get_qualification(customer_id).await?;
        Ok(Lookup {
            qualification: Attr::Known(qualification.as_str().to_owned()),
            ..config
        })
    }

    fn validate(&self, config: &Lookup) -> Diagnostics {
        config
            .customer_id
            .as_str()
            .and_then(check_customer_id)
            .into_iter()
            .collect()
    }
}
