//! `partnercenter_customer_qualification` (data source): a customer's current qualification.

use crate::framework::DataSource;
use crate::protocol::{Attribute, Diagnostics, Presence, Schema, Type, Value};
use crate::provider::Context;
use crate::provider::values::{check_customer_id, required_string};

#[derive(Debug)]
pub struct CustomerQualification;

#[tonic::async_trait]
impl DataSource<Context> for CustomerQualification {
    fn type_name(&self) -> &'static str {
        crate::provider::resources::customer_qualification::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            description: "Reads a customer's current qualification from Partner Center \
                (`GET /v1/customers/{id}/qualification`).",
            attributes: vec![
                Attribute::new(
                    "customer_id",
                    Type::String,
                    Presence::Required,
                    "The Partner Center customer id (a GUID).",
                ),
                Attribute::new(
                    "qualification",
                    Type::String,
                    Presence::Computed,
                    "The qualification Partner Center reports: `None`, `Education`, `Nonprofit`, \
                    `GovernmentCommunityCloud` or `StateOwnedEntity`.",
                ),
            ],
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        match config.attr("customer_id") {
            Some(Value::String(id)) => Diagnostics(check_customer_id(id).into_iter().collect()),
            _ => Diagnostics::default(),
        }
    }

    async fn read(&self, client: &Context, config: &Value) -> Result<Value, Diagnostics> {
        let customer_id = required_string(config, "customer_id")?;
        let qualification = client.get_qualification(customer_id).await?;
        Ok(Value::object([
            ("customer_id", Value::string(customer_id)),
            ("qualification", Value::string(qualification.as_str())),
        ]))
    }
}
