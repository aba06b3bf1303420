//! `partnercenter_validation_codes`: the partner's validation codes, which a
//! GovernmentCommunityCloud qualification needs.

use crate::framework::DataSource;
use crate::protocol::{Attribute, Diagnostics, Presence, Schema, Type, Value};
use crate::provider::Context;

#[derive(Debug)]
pub struct ValidationCodes;

#[tonic::async_trait]
impl DataSource<Context> for ValidationCodes {
    fn type_name(&self) -> &'static str {
        "partnercenter_validation_codes"
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            description: "Lists the partner's validation codes (`GET /v1/customers/all/validations`). \
                A code's `validation_id` is what a GovernmentCommunityCloud qualification needs as \
                `validation_code`.",
            attributes: vec![
                Attribute::new(
                    "codes",
                    Type::list(Type::object([
                        ("partner_id", Type::String),
                        ("organization_name", Type::String),
                        ("validation_id", Type::String),
                        ("max_creates", Type::Number),
                        ("remaining_creates", Type::Number),
                    ])),
                    Presence::Computed,
                    "The validation codes, in the order Partner Center lists them. Each has \
                    `partner_id`, `organization_name`, `validation_id` (the code itself), \
                    `max_creates` (how many qualifications it can create in all) and \
                    `remaining_creates` (how many it can still create). The list is sensitive \
                    because the codes are secrets: wrap a derived value in `nonsensitive()` to \
                    show it in an output. (Terraform 1.0 cannot index nested attributes, so \
                    the whole list is marked rather than `validation_id` alone.)",
                )
                .sensitive(),
            ],
        }
    }

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }

    async fn read(&self, client: &Context, _config: &Value) -> Result<Value, Diagnostics> {
        let codes = client.list_validation_codes().await?;
        let codes = codes
            .iter()
            .map(|code| {
                Value::object([
                    ("partner_id", Value::string(&code.partner_id)),
                    ("organization_name", Value::string(&code.organization_name)),
                    ("validation_id", Value::string(code.validation_id.expose())),
                    ("max_creates", Value::number(code.max_creates)),
                    ("remaining_creates", Value::number(code.remaining_creates)),
                ])
            })
            .collect();
        Ok(Value::object([("codes", Value::List(codes))]))
    }
}
