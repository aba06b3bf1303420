//! `partnercenter_customer_qualification` (data source): what a customer holds.

use crate::framework::{Attr, DataSource};
use crate::partnercenter::{Qualification, VettedQualification, principal};
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
            `GovernmentCommunityCloud` or `StateOwnedEntity`; when the customer holds several \
            (`qualification_api = \"async\"`), the one that is not `StateOwnedEntity`."
        ),
        qualifications: Vec<Held> => Computed(
            "Every qualification the customer holds, each with `qualification`, \
            `vetting_status`, `vetting_reason` and `vetting_created_at` (RFC 3339): all of \
            them with `qualification_api = \"async\"`; with the legacy contract, the one \
            qualification, without vetting (null)."
        ),
    }
}

crate::object! {
    #[names(HeldNames)]
    /// One element of `qualifications` (described there).
    pub struct Held {
        qualification: String => Computed(""),
        vetting_status: String => Computed(""),
        vetting_reason: String => Computed(""),
        vetting_created_at: String => Computed(""),
    }
}

impl From<&VettedQualification> for Held {
    fn from(held: &VettedQualification) -> Self {
        Held {
            qualification: Attr::Known(held.name()),
            vetting_status: Attr::from_option(held.vetting_status.clone()),
            vetting_reason: Attr::from_option(held.vetting_reason.clone()),
            vetting_created_at: Attr::from_option(held.vetting_created.clone()),
        }
    }
}

#[derive(Debug)]
pub struct CustomerQualification;

#[crate::framework::async_trait]
impl DataSource<Context> for CustomerQualification {
    type State = Lookup;
    const TYPE_NAME: &'static str = crate::provider::resources::customer_qualification::TYPE_NAME;
    const DESCRIPTION: &'static str = "Reads what a customer holds from Partner Center \
        (`GET /v1/customers/{id}/qualification`, or `GET /v1/customers/{id}/qualifications` with \
        `qualification_api = \"async\"`).";

    async fn read(&self, client: &Context, config: Lookup) -> Result<Lookup, Diagnostics> {
        let customer_id = known(&config.customer_id, Lookup::NAMES.customer_id)?;
        let listed = client.qualifications(customer_id).await?;
        let main = principal(&listed).map_or_else(
            || Qualification::None.as_str().to_owned(),
            VettedQualification::name,
        );
        Ok(Lookup {
            qualification: Attr::Known(main),
            qualifications: Attr::Known(listed.iter().map(Held::from).collect()),
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
