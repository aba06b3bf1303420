//! `partnercenter_customer_qualification`: a customer's qualification, declared and kept.
//!
//! Create and update are one PUT each and the state comes from its answer; refresh is one GET.
//! Partner Center cannot unset a qualification, so destroy only forgets the resource.

use crate::framework::{Applied, Planned, Refreshed, Resource};
use crate::partnercenter::{Qualification, Secret, parse_customer_id};
use crate::protocol::{Attribute, Diagnostic, Diagnostics, Presence, Schema, Type, Value};
use crate::provider::Context;
use crate::provider::values::{check_customer_id, known_string, path, required_string};

pub const TYPE_NAME: &str = "partnercenter_customer_qualification";

/// The qualifications the documented PUT can set.
const SETTABLE: &str = "Education or GovernmentCommunityCloud";

#[derive(Debug)]
pub struct CustomerQualification;

/// The resource's state with every value known, as apply and read see it.
#[derive(Debug, Clone, PartialEq)]
struct State {
    customer_id: String,
    /// The user's spelling, kept while Partner Center agrees case-insensitively.
    qualification: String,
    validation_code: Option<String>,
}

impl State {
    fn from_value(value: &Value) -> Result<Self, Diagnostic> {
        Ok(Self {
            customer_id: required_string(value, "customer_id")?.to_owned(),
            qualification: known_string(value, "qualification")?
                .unwrap_or_default()
                .to_owned(),
            validation_code: known_string(value, "validation_code")?.map(str::to_owned),
        })
    }

    fn to_value(&self) -> Value {
        let optional = |s: &Option<String>| s.as_deref().map_or(Value::Null, Value::string);
        Value::object([
            ("id", Value::string(&self.customer_id)),
            ("customer_id", Value::string(&self.customer_id)),
            ("qualification", Value::string(&self.qualification)),
            ("validation_code", optional(&self.validation_code)),
        ])
    }

    /// The settable qualification this state asks for, or an error pointing at the attribute.
    fn requested(&self) -> Result<Qualification, Diagnostics> {
        let (qualification, diagnostics) = Declared {
            customer_id: Some(&self.customer_id),
            qualification: Some(&self.qualification),
            validation_code: Some(self.validation_code.as_deref()),
        }
        .check();
        match qualification {
            Some(q) if !diagnostics.has_errors() => Ok(q),
            _ => Err(diagnostics),
        }
    }
}

/// What the rules read of a configuration. `None` is a value known only at apply (or a null
/// that Terraform itself refuses for a required attribute): accepted at plan and checked at
/// apply, when every value is known.
#[derive(Debug, Clone, Copy)]
struct Declared<'a> {
    customer_id: Option<&'a str>,
    qualification: Option<&'a str>,
    /// `Some(None)` when null.
    validation_code: Option<Option<&'a str>>,
}

impl<'a> Declared<'a> {
    fn from_config(config: &'a Value) -> Self {
        let known = |name| config.attr(name).and_then(Value::as_str);
        let validation_code = match config.attr("validation_code") {
            Some(value) if !value.is_known() => None,
            Some(value) => Some(value.as_str()),
            None => Some(None),
        };
        Self {
            customer_id: known("customer_id"),
            qualification: known("qualification"),
            validation_code,
        }
    }

    /// The rules of this resource, for validate and apply alike: the settable qualification
    /// when it is known and valid, and every error and warning about what is known.
    fn check(&self) -> (Option<Qualification>, Diagnostics) {
        let mut diagnostics = Diagnostics::default();
        if let Some(customer_id) = self.customer_id {
            diagnostics.0.extend(check_customer_id(customer_id));
        }
        let qualification = match self.qualification.map(parse_settable) {
            Some(Ok(q)) => Some(q),
            Some(Err(invalid)) => {
                diagnostics.push(invalid);
                None
            }
            None => None,
        };
        // A blank code is no code: Partner Center would refuse it only after a clean plan.
        let code = self
            .validation_code
            .map(|code| code.filter(|c| !c.trim().is_empty()));
        match (qualification, code) {
            (Some(q), Some(None)) if q.requires_validation_code() => {
                diagnostics.push(missing_validation_code());
            }
            (Some(q), Some(Some(_))) if !q.requires_validation_code() => {
                diagnostics.push(unused_validation_code(q));
            }
            _ => {}
        }
        (qualification, diagnostics)
    }
}

/// Accepts the settable qualifications in any case; explains why the others are refused.
fn parse_settable(text: &str) -> Result<Qualification, Diagnostic> {
    let invalid =
        |why: String| Diagnostic::error("Invalid qualification", why).at(path("qualification"));
    match text.parse::<Qualification>() {
        Ok(q) if q.settable_via_put() => Ok(q),
        Ok(q) => Err(invalid(format!(
            "\"{text}\" ({}) cannot be set through the Partner Center API; qualification must \
             be {SETTABLE} (any case).",
            q.as_str()
        ))),
        Err(_) => Err(invalid(format!(
            "\"{text}\" is not a qualification this resource can set; qualification must be \
             {SETTABLE} (any case)."
        ))),
    }
}

fn missing_validation_code() -> Diagnostic {
    Diagnostic::error(
        "Missing validation_code",
        "A GovernmentCommunityCloud qualification needs a validation code: set validation_code, \
         for example from data.partnercenter_validation_codes.<name>.codes[0].validation_id.",
    )
    .at(path("validation_code"))
}

fn unused_validation_code(qualification: Qualification) -> Diagnostic {
    Diagnostic::warning(
        "validation_code is not used",
        format!(
            "validation_code is only used with GovernmentCommunityCloud; it is not sent to \
             Partner Center for {}. Remove it, or set qualification = \"GovernmentCommunityCloud\".",
            qualification.as_str()
        ),
    )
    .at(path("validation_code"))
}

/// Whether two `customer_id` values name one customer: GUIDs compare in any case, anything
/// else (unknown, not a GUID) only when equal.
fn names_same_customer(a: Option<&Value>, b: Option<&Value>) -> bool {
    let guid = |v: Option<&Value>| v.and_then(Value::as_str).and_then(parse_customer_id);
    match (guid(a), guid(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// The error for an answer that contradicts what was just set.
fn disagreement(state: &State, answered: Qualification) -> Diagnostic {
    Diagnostic::error(
        "Partner Center did not apply the qualification",
        format!(
            "Partner Center answered \"{}\" after customer {} was set to \"{}\". The state \
             was left as it was; run terraform plan to see the current value.",
            answered.as_str(),
            state.customer_id,
            state.qualification
        ),
    )
}

impl CustomerQualification {
    /// One PUT; the new state is what Partner Center answered (in the user's spelling when it
    /// agrees).
    async fn put(&self, client: &Context, state: State) -> Result<Applied, Diagnostics> {
        let requested = state.requested()?;
        let code = state.validation_code.clone().map(Secret::new);
        let answered = client
            .set_qualification(&state.customer_id, requested, code.as_ref())
            .await?;
        if answered != requested {
            return Err(disagreement(&state, answered).into());
        }
        Ok(Applied {
            state: state.to_value(),
            warnings: Vec::new(),
        })
    }
}

#[tonic::async_trait]
impl Resource<Context> for CustomerQualification {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            description: "A customer's qualification in Microsoft Partner Center (Education or \
                GovernmentCommunityCloud), set with the documented `PUT /v1/customers/{id}/qualification`.\n\n\
                Partner Center cannot remove a qualification: destroying this resource only removes \
                it from the Terraform state, and says so in a warning.",
            attributes: vec![
                Attribute::new("id", Type::String, Presence::Computed, "The customer id (the same as `customer_id`)."),
                Attribute::new(
                    "customer_id",
                    Type::String,
                    Presence::Required,
                    "The Partner Center customer id (a GUID). Changing it replaces the resource; \
                    changing only its case does not.",
                ),
                Attribute::new(
                    "qualification",
                    Type::String,
                    Presence::Required,
                    "`Education` or `GovernmentCommunityCloud`, in any case. Your spelling is kept \
                    in state while Partner Center agrees, so a refresh never shows drift for the \
                    case alone; changing only the spelling in the configuration plans an in-place \
                    update that sends no request. `None` and `Nonprofit` cannot be set through the \
                    API and are rejected at plan time.",
                ),
                Attribute::new(
                    "validation_code",
                    Type::String,
                    Presence::Optional,
                    "The partner's validation code, required for `GovernmentCommunityCloud` (see the \
                    `partnercenter_validation_codes` data source) and unused otherwise. Partner \
                    Center does not return it, so it is kept from the configuration.",
                )
                .sensitive(),
            ],
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        Declared::from_config(config).check().1
    }

    fn plan(
        &self,
        prior: &Value,
        proposed: &Value,
        _config: &Value,
    ) -> Result<Planned, Diagnostics> {
        let mut planned = proposed.clone();
        // The id is the customer id, so it is known as soon as the customer id is.
        let id = proposed
            .attr("customer_id")
            .cloned()
            .unwrap_or(Value::Unknown);
        planned.set_attr("id", id);
        let customer_changed = !prior.is_null()
            && !names_same_customer(prior.attr("customer_id"), proposed.attr("customer_id"));
        Ok(Planned {
            state: planned,
            requires_replace: if customer_changed {
                vec![path("customer_id")]
            } else {
                Vec::new()
            },
        })
    }

    async fn create(&self, client: &Context, planned: &Value) -> Result<Applied, Diagnostics> {
        self.put(client, State::from_value(planned)?).await
    }

    async fn read(&self, client: &Context, state: &Value) -> Result<Refreshed, Diagnostics> {
        let mut state = State::from_value(state)?;
        match client.get_qualification(&state.customer_id).await {
            Ok(current) => {
                let agrees = state.qualification.parse::<Qualification>().ok() == Some(current);
                if !agrees {
                    // Drift (or a fresh import): record what Partner Center says.
                    state.qualification = current.as_str().to_owned();
                }
                Ok(Refreshed::Found(state.to_value()))
            }
            Err(err) if err.is_not_found() => Ok(Refreshed::Gone(Diagnostic::warning(
                "Customer not found in Partner Center",
                format!(
                    "Partner Center has no customer {} (or no longer shares it with this \
                     partner), so its qualification was removed from the Terraform state. {err}.",
                    state.customer_id
                ),
            ))),
            Err(err) => Err(err.into()),
        }
    }

    async fn update(
        &self,
        client: &Context,
        prior: &Value,
        planned: &Value,
    ) -> Result<Applied, Diagnostics> {
        let prior = State::from_value(prior)?;
        let planned = State::from_value(planned)?;
        let same_qualification =
            prior.qualification.parse::<Qualification>().ok() == Some(planned.requested()?);
        let same_customer = parse_customer_id(&prior.customer_id)
            .is_some_and(|id| parse_customer_id(&planned.customer_id) == Some(id));
        if same_customer && same_qualification {
            // Only a spelling or the validation code changed: Partner Center already holds
            // this qualification for this customer, so there is nothing to send.
            return Ok(Applied {
                state: planned.to_value(),
                warnings: Vec::new(),
            });
        }
        self.put(client, planned).await
    }

    async fn delete(
        &self,
        _client: &Context,
        prior: &Value,
    ) -> Result<Vec<Diagnostic>, Diagnostics> {
        let prior = State::from_value(prior)?;
        Ok(vec![Diagnostic::warning(
            "Qualification kept in Partner Center",
            format!(
                "Partner Center cannot remove a qualification, so destroying this resource only \
                 removed it from the Terraform state. Customer {} keeps its \"{}\" qualification.",
                prior.customer_id, prior.qualification
            ),
        )])
    }

    fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        if let Some(d) = check_customer_id(id) {
            return Err(Diagnostic::error(
                "Invalid import id",
                format!("Import this resource by its customer id. {}", d.detail),
            )
            .into());
        }
        Ok(Value::object([
            ("id", Value::string(id)),
            ("customer_id", Value::string(id)),
            ("qualification", Value::Null),
            ("validation_code", Value::Null),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUSTOMER: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";

    fn config(qualification: Value, code: Value) -> Value {
        Value::object([
            ("id", Value::Null),
            ("customer_id", Value::string(CUSTOMER)),
            ("qualification", qualification),
            ("validation_code", code),
        ])
    }

    fn paths(diagnostics: &Diagnostics) -> Vec<String> {
        diagnostics
            .0
            .iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn settable_qualifications_pass_in_any_case() {
        for q in ["Education", "education", "EDUCATION"] {
            assert!(
                !CustomerQualification
                    .validate(&config(Value::string(q), Value::Null))
                    .has_errors()
            );
        }
        let gcc = config(
            Value::string("governmentcommunitycloud"),
            Value::string("code"),
        );
        assert!(!CustomerQualification.validate(&gcc).has_errors());
    }

    #[test]
    fn none_nonprofit_and_others_point_at_qualification() {
        for q in ["None", "nonprofit", "StateOwnedEntity", "Edu", ""] {
            let diagnostics =
                CustomerQualification.validate(&config(Value::string(q), Value::Null));
            assert!(diagnostics.has_errors(), "{q}");
            assert_eq!(paths(&diagnostics), vec!["qualification"], "{q}");
            assert!(diagnostics.0[0].detail.contains(SETTABLE), "{q}");
        }
    }

    #[test]
    fn government_without_code_points_at_validation_code() {
        let diagnostics = CustomerQualification.validate(&config(
            Value::string("GovernmentCommunityCloud"),
            Value::Null,
        ));
        assert_eq!(paths(&diagnostics), vec!["validation_code"]);
        // Known only at apply: accepted now, checked then.
        let later = CustomerQualification.validate(&config(
            Value::string("GovernmentCommunityCloud"),
            Value::Unknown,
        ));
        assert!(!later.has_errors());
    }

    #[test]
    fn a_blank_validation_code_is_missing_at_plan_and_apply() {
        for blank in ["", "  "] {
            let diagnostics = CustomerQualification.validate(&config(
                Value::string("GovernmentCommunityCloud"),
                Value::string(blank),
            ));
            assert_eq!(paths(&diagnostics), vec!["validation_code"], "{blank:?}");
            assert!(diagnostics.has_errors());
            let state = State {
                customer_id: CUSTOMER.to_owned(),
                qualification: "GovernmentCommunityCloud".to_owned(),
                validation_code: Some(blank.to_owned()),
            };
            let diagnostics = state.requested().unwrap_err();
            assert_eq!(paths(&diagnostics), vec!["validation_code"], "{blank:?}");
        }
    }

    #[test]
    fn a_validation_code_without_government_is_a_warning() {
        let diagnostics =
            CustomerQualification.validate(&config(Value::string("education"), Value::string("c")));
        assert!(!diagnostics.has_errors());
        assert_eq!(paths(&diagnostics), vec!["validation_code"]);
        assert!(
            diagnostics.0[0]
                .detail
                .contains("only used with GovernmentCommunityCloud"),
            "{}",
            diagnostics.0[0].detail
        );
        // Apply still sets the qualification.
        let state = State {
            customer_id: CUSTOMER.to_owned(),
            qualification: "education".to_owned(),
            validation_code: Some("c".to_owned()),
        };
        assert_eq!(state.requested().unwrap(), Qualification::Education);
    }

    #[test]
    fn unknown_values_are_accepted_at_plan() {
        let unknown = Value::object([
            ("id", Value::Null),
            ("customer_id", Value::Unknown),
            ("qualification", Value::Unknown),
            ("validation_code", Value::Unknown),
        ]);
        assert!(!CustomerQualification.validate(&unknown).has_errors());
        // Known only at apply, a refused qualification is caught there, at its attribute.
        let state = State {
            customer_id: CUSTOMER.to_owned(),
            qualification: "Nonprofit".to_owned(),
            validation_code: None,
        };
        assert_eq!(
            paths(&state.requested().unwrap_err()),
            vec!["qualification"]
        );
    }

    #[test]
    fn bad_customer_id_points_at_customer_id() {
        let mut bad = config(Value::string("Education"), Value::Null);
        bad.set_attr("customer_id", Value::string("customer-1"));
        assert_eq!(
            paths(&CustomerQualification.validate(&bad)),
            vec!["customer_id"]
        );
    }

    #[test]
    fn plan_sets_id_and_replaces_on_customer_change() {
        let proposed = config(Value::string("Education"), Value::Null);
        let planned = CustomerQualification
            .plan(&Value::Null, &proposed, &proposed)
            .unwrap();
        assert_eq!(planned.state.attr("id"), Some(&Value::string(CUSTOMER)));
        assert!(planned.requires_replace.is_empty());

        let mut moved = proposed.clone();
        moved.set_attr(
            "customer_id",
            Value::string("4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11"),
        );
        let replaced = CustomerQualification
            .plan(&planned.state, &moved, &moved)
            .unwrap();
        assert_eq!(replaced.requires_replace, vec![path("customer_id")]);

        let mut unknown = proposed.clone();
        unknown.set_attr("customer_id", Value::Unknown);
        let replaced = CustomerQualification
            .plan(&planned.state, &unknown, &unknown)
            .unwrap();
        assert_eq!(replaced.requires_replace, vec![path("customer_id")]);
    }

    #[test]
    fn a_case_only_customer_change_is_no_replacement() {
        let proposed = config(Value::string("Education"), Value::Null);
        let prior = CustomerQualification
            .plan(&Value::Null, &proposed, &proposed)
            .unwrap()
            .state;
        let mut upper = proposed.clone();
        upper.set_attr("customer_id", Value::string(CUSTOMER.to_uppercase()));
        let planned = CustomerQualification.plan(&prior, &upper, &upper).unwrap();
        assert!(planned.requires_replace.is_empty());
        // The new spelling is what the state records.
        assert_eq!(
            planned.state.attr("id"),
            Some(&Value::string(CUSTOMER.to_uppercase()))
        );
    }

    /// A client that fails any request it is asked to make.
    fn unreachable_client() -> Context {
        let mut config = crate::partnercenter::ClientConfig::new(
            crate::partnercenter::Credentials::AccessToken(Secret::new("token")),
            "test".to_owned(),
        );
        config.base_url = "http://127.0.0.1:9".to_owned();
        config.max_retries = 0;
        Context::new(config, tokio_util::sync::CancellationToken::new()).unwrap()
    }

    #[tokio::test]
    async fn spelling_changes_update_without_a_request() {
        let client = unreachable_client();
        let prior = State {
            customer_id: CUSTOMER.to_owned(),
            qualification: "Education".to_owned(),
            validation_code: None,
        };
        let planned = State {
            customer_id: CUSTOMER.to_uppercase(),
            qualification: "EDUCATION".to_owned(),
            validation_code: None,
        };
        let applied = CustomerQualification
            .update(&client, &prior.to_value(), &planned.to_value())
            .await
            .expect("no request, so no connection error");
        assert_eq!(applied.state, planned.to_value());
        // A real change does send the PUT, which this client cannot.
        let changed = State {
            qualification: "GovernmentCommunityCloud".to_owned(),
            validation_code: Some("code".to_owned()),
            ..planned
        };
        assert!(
            CustomerQualification
                .update(&client, &prior.to_value(), &changed.to_value())
                .await
                .is_err()
        );
    }

    #[test]
    fn state_round_trips_and_matches_the_schema() {
        let state = State {
            customer_id: CUSTOMER.to_owned(),
            qualification: "education".to_owned(),
            validation_code: Some("c".to_owned()),
        };
        let value = state.to_value();
        assert_eq!(State::from_value(&value).unwrap(), state);
        let ty = CustomerQualification.schema().value_type();
        crate::protocol::value::msgpack::encode(&value, &ty).expect("state fits the schema");
        let imported = CustomerQualification.import(CUSTOMER).unwrap();
        crate::protocol::value::msgpack::encode(&imported, &ty).expect("import fits the schema");
    }

    #[test]
    fn import_rejects_a_non_guid() {
        assert!(CustomerQualification.import("abc").is_err());
    }

    #[test]
    fn requested_reports_every_problem() {
        let state = State {
            customer_id: "x".to_owned(),
            qualification: "GovernmentCommunityCloud".to_owned(),
            validation_code: None,
        };
        let diagnostics = state.requested().unwrap_err();
        assert_eq!(paths(&diagnostics), vec!["customer_id", "validation_code"]);
    }
}
