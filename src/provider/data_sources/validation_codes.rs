//! `partnercenter_validation_codes`: the partner's validation codes, which a
//! GovernmentCommunityCloud qualification needs.

use crate::framework::{Attr, DataSource};
use crate::protocol::Diagnostics;
use crate::provider::Context;

crate::object! {
    #[names(CodesNames)]
    /// The data source's result.
    pub struct Codes {
        codes: Vec<Code> => Computed(
            "The validation codes, in the order Partner Center lists them. Each has \
            `partner_id`, `organization_name`, `validation_id` (the code itself), \
            `max_creates` (how many qualifications it can create in all) and \
            `remaining_creates` (how many it can still create). The list is sensitive \
            because the codes are secrets: wrap a derived value in `nonsensitive()` to \
            show it in an output. (Terraform 1.0 cannot index nested attributes, so \
            the whole list is marked rather than `validation_id` alone.)"
        ).sensitive(),
    }
}

crate::object! {
    #[names(CodeNames)]
    /// One code, as an element of `codes` (described there).
    pub struct Code {
        partner_id: String => Computed(""),
        organization_name: String => Computed(""),
        validation_id: String => Computed(""),
        max_creates: i64 => Computed(""),
        remaining_creates: i64 => Computed(""),
    }
}

#[derive(Debug)]
pub struct ValidationCodes;

#[crate::framework::async_trait]
impl DataSource<Context> for ValidationCodes {
    type State = Codes;
    const TYPE_NAME: &'static str = "partnercenter_validation_codes";
    const DESCRIPTION: &'static str = "Lists the partner's validation codes \
        (`GET /v1/customers/all/validations`). A code's `validation_id` is what a \
        GovernmentCommunityCloud qualification needs as `validation_code`.";

    async fn read(&self, client: &Context, _config: Codes) -> Result<Codes, Diagnostics> {
        let codes = client.list_validation_codes().await?;
        let codes = codes
            .into_iter()
            .map(|code| Code {
                partner_id: code.partner_id.into(),
                organization_name: code.organization_name.into(),
                validation_id: code.validation_id.expose().to_owned().into(),
                max_creates: code.max_creates.into(),
                remaining_creates: code.remaining_creates.into(),
            })
            .collect();
        Ok(Codes {
            codes: Attr::Known(codes),
        })
    }
}
