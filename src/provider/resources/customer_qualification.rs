//! `partnercenter_customer_qualification`: a customer's qualification, declared and kept.
//!
//! Create and update are one PUT each and the state comes from its answer; refresh is one GET.
//! Partner Center cannot unset a qualification, so destroy only forgets the resource, and says
//! so when the destroy is planned.

use crate::framework::{Applied, Attr, Identity, PlanRequest, Planned, Refreshed, Resource};
use crate::partnercenter::{Qualification, Secret, parse_customer_id};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::Context;
use crate::provider::values::{canonical_customer_id, check_customer_id, known, path};

pub const TYPE_NAME: &str = "partnercenter_customer_qualification";

/// The qualifications the documented PUT can set.
const SETTABLE: &str = "Education or GovernmentCommunityCloud";

crate::object! {
    #[names(StateNames)]
    /// The resource's configuration, plan and state.
    pub struct State {
        id: String => Computed("The customer id (the same as `customer_id`)."),
        customer_id: String => Required(
            "The Partner Center customer id (a GUID). Changing it replaces the resource; \
            changing only its case does not."
        ),
        qualification: String => Required(
            "`Education` or `GovernmentCommunityCloud`, in any case. Your spelling is kept \
            in state while Partner Center agrees, so a refresh never shows drift for the \
            case alone; changing only the spelling in the configuration plans an in-place \
            update that sends no request. `None` and `Nonprofit` cannot be set through the \
            API and are rejected at plan time."
        ),
        validation_code: String => Optional(
            "The partner's validation code, required for `GovernmentCommunityCloud` (see the \
            `partnercenter_validation_codes` data source) and unused otherwise. Partner \
            Center does not return it, so it is kept from the configuration."
        ).sensitive(),
    }
}

const NAMES: StateNames = State::NAMES;

crate::object! {
    #[names(CustomerIdentityNames)]
    /// The resource's identity (Terraform 1.12+): the customer whose qualification it keeps.
    pub struct CustomerIdentity {
        customer_id: String => Required(
            "The Partner Center customer id, a GUID (stored in lower case)."
        ),
    }
}

/// The version of [`CustomerIdentity`]'s schema.
const IDENTITY_VERSION: i64 = 0;

/// The identity of the customer a state names, unknown while its `customer_id` is.
pub fn identity_of(state: &State) -> CustomerIdentity {
    CustomerIdentity {
        customer_id: state
            .customer_id
            .as_ref()
            .map(|id| canonical_customer_id(id)),
    }
}

#[derive(Debug)]
pub struct CustomerQualification;

/// The rules of this resource, for validate and apply alike: the settable qualification when
/// it is known and valid, and every error and warning about what is known. Unknown values are
/// accepted at plan and checked at apply, when every value is known.
fn check(state: &State) -> (Option<Qualification>, Diagnostics) {
    let mut diagnostics = Diagnostics::default();
    if let Some(customer_id) = state.customer_id.as_str() {
        diagnostics.0.extend(check_customer_id(customer_id));
    }
    let qualification = match state.qualification.as_str().map(parse_settable) {
        Some(Ok(q)) => Some(q),
        Some(Err(invalid)) => {
            diagnostics.push(invalid);
            None
        }
        None => None,
    };
    // A blank code is no code: Partner Center would refuse it only after a clean plan.
    let code = match &state.validation_code {
        Attr::Unknown => None,
        Attr::Null => Some(None),
        Attr::Known(code) => Some(Some(code).filter(|c| !c.trim().is_empty())),
    };
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

/// The settable qualification a state asks for, or every error about it.
fn requested(state: &State) -> Result<Qualification, Diagnostics> {
    let (qualification, mut diagnostics) = check(state);
    match qualification {
        Some(q) if !diagnostics.has_errors() => Ok(q),
        Some(_) => Err(diagnostics),
        None => {
            if let Err(missing) = known(&state.qualification, NAMES.qualification) {
                diagnostics.push(missing);
            }
            Err(diagnostics)
        }
    }
}

/// Accepts the settable qualifications in any case; explains why the others are refused.
fn parse_settable(text: &str) -> Result<Qualification, Diagnostic> {
    let invalid =
        |why: String| Diagnostic::error("Invalid qualification", why).at(path(NAMES.qualification));
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
    .at(path(NAMES.validation_code))
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
    .at(path(NAMES.validation_code))
}

/// Whether two `customer_id` values name one customer: GUIDs compare in any case, anything
/// else (unknown, not a GUID) only when equal.
fn names_same_customer(a: &Attr<String>, b: &Attr<String>) -> bool {
    let guid = |v: &Attr<String>| v.as_str().and_then(parse_customer_id);
    match (guid(a), guid(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// The error for an answer that contradicts what was just set.
fn disagreement(customer_id: &str, requested: &str, answered: Qualification) -> Diagnostic {
    Diagnostic::error(
        "Partner Center did not apply the qualification",
        format!(
            "Partner Center answered \"{}\" after customer {customer_id} was set to \
             \"{requested}\". The state was left as it was; run terraform plan to see the \
             current value.",
            answered.as_str(),
        ),
    )
}

/// What destroying a qualification does, said at plan time and at apply.
fn kept_in_partner_center(prior: &State) -> Diagnostic {
    Diagnostic::warning(
        "Qualification kept in Partner Center",
        format!(
            "Partner Center cannot remove a qualification, so destroying this resource only \
             removes it from the Terraform state. Customer {} keeps its \"{}\" qualification.",
            prior.customer_id.as_str().unwrap_or_default(),
            prior.qualification.as_str().unwrap_or_default()
        ),
    )
}

impl CustomerQualification {
    /// One PUT; the new state is what Partner Center answered (in the user's spelling when it
    /// agrees).
    async fn put(&self, client: &Context, state: State) -> Result<Applied<State>, Diagnostics> {
        let requested = requested(&state)?;
        let customer_id = known(&state.customer_id, NAMES.customer_id)?;
        let code = state.validation_code.as_str().map(Secret::new);
        let answered = client
            .set_qualification(customer_id, requested, code.as_ref())
            .await?;
        if answered != requested {
            let asked = state.qualification.as_str().unwrap_or_default();
            return Err(disagreement(customer_id, asked, answered).into());
        }
        Ok(Applied::new(State {
            id: state.customer_id.clone(),
            ..state
        }))
    }
}

#[tonic::async_trait]
impl Resource<Context> for CustomerQualification {
    type State = State;
    const TYPE_NAME: &'static str = TYPE_NAME;
    const DESCRIPTION: &'static str = "A customer's qualification in Microsoft Partner Center \
        (Education or GovernmentCommunityCloud), set with the documented \
        `PUT /v1/customers/{id}/qualification`.\n\n\
        Partner Center cannot remove a qualification: destroying this resource only removes \
        it from the Terraform state, and says so in a warning.";

    async fn create(
        &self,
        client: &Context,
        planned: State,
        _config: State,
    ) -> Result<Applied<State>, Diagnostics> {
        self.put(client, planned).await
    }

    async fn read(&self, client: &Context, state: State) -> Result<Refreshed<State>, Diagnostics> {
        let customer_id = known(&state.customer_id, NAMES.customer_id)?.to_owned();
        match client.get_qualification(&customer_id).await {
            Ok(current) => {
                let held = state
                    .qualification
                    .as_str()
                    .map(str::parse::<Qualification>);
                let qualification = match held {
                    Some(Ok(q)) if q == current => state.qualification,
                    // Drift (or a fresh import): record what Partner Center says.
                    _ => Attr::Known(current.as_str().to_owned()),
                };
                Ok(Refreshed::found(State {
                    id: Attr::Known(customer_id),
                    qualification,
                    ..state
                }))
            }
            Err(err) if err.is_not_found() => Ok(Refreshed::Gone(Diagnostic::warning(
                "Customer not found in Partner Center",
                format!(
                    "Partner Center has no customer {customer_id} (or no longer shares it with \
                     this partner), so its qualification was removed from the Terraform \
                     state. {err}."
                ),
            ))),
            Err(err) => Err(err.into()),
        }
    }

    async fn update(
        &self,
        client: &Context,
        prior: State,
        planned: State,
        _config: State,
    ) -> Result<Applied<State>, Diagnostics> {
        let same_qualification = prior
            .qualification
            .as_str()
            .and_then(|q| q.parse::<Qualification>().ok())
            == Some(requested(&planned)?);
        let same_customer = prior
            .customer_id
            .as_str()
            .and_then(parse_customer_id)
            .is_some()
            && names_same_customer(&prior.customer_id, &planned.customer_id);
        if same_customer && same_qualification {
            // Only a spelling or the validation code changed: Partner Center already holds
            // this qualification for this customer, so there is nothing to send.
            return Ok(Applied::new(planned));
        }
        self.put(client, planned).await
    }

    async fn delete(
        &self,
        _client: &Context,
        prior: State,
    ) -> Result<Vec<Diagnostic>, Diagnostics> {
        Ok(vec![kept_in_partner_center(&prior)])
    }

    fn validate(&self, config: &State) -> Diagnostics {
        check(config).1
    }

    fn modify_plan(
        &self,
        _client: &Context,
        request: PlanRequest<State>,
    ) -> Result<Planned<State>, Diagnostics> {
        let proposed = request.proposed;
        let customer_changed = request
            .prior
            .is_some_and(|prior| !names_same_customer(&prior.customer_id, &proposed.customer_id));
        // The id is the customer id, so it is known as soon as the customer id is.
        let planned = State {
            id: proposed.customer_id.clone(),
            ..proposed
        };
        Ok(Planned {
            state: planned,
            requires_replace: if customer_changed {
                vec![path(NAMES.customer_id)]
            } else {
                Vec::new()
            },
            warnings: Vec::new(),
        })
    }

    fn plan_destroy(&self, prior: &State) -> Vec<Diagnostic> {
        vec![kept_in_partner_center(prior)]
    }

    fn identity() -> Option<Identity<State>> {
        Some(Identity::new(IDENTITY_VERSION, identity_of, |identity| {
            // The same import as by id, with the id as the identity spells it.
            let customer_id = known(&identity.customer_id, CustomerIdentity::NAMES.customer_id)?;
            CustomerQualification.import(&canonical_customer_id(customer_id))
        }))
    }

    fn import(&self, id: &str) -> Result<State, Diagnostics> {
        if let Some(d) = check_customer_id(id) {
            return Err(Diagnostic::error(
                "Invalid import id",
                format!("Import this resource by its customer id. {}", d.detail),
            )
            .into());
        }
        Ok(State {
            id: Attr::Known(id.to_owned()),
            customer_id: Attr::Known(id.to_owned()),
            qualification: Attr::Null,
            validation_code: Attr::Null,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{AttrValue, DynResource, Object};

    const CUSTOMER: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";
    const OTHER_CUSTOMER: &str = "4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11";

    fn text(s: &str) -> Attr<String> {
        Attr::Known(s.to_owned())
    }

    fn config(qualification: Attr<String>, code: Attr<String>) -> State {
        State {
            id: Attr::Null,
            customer_id: text(CUSTOMER),
            qualification,
            validation_code: code,
        }
    }

    fn paths(diagnostics: &Diagnostics) -> Vec<String> {
        diagnostics
            .0
            .iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect()
    }

    fn validate(state: &State) -> Diagnostics {
        Resource::validate(&CustomerQualification, state)
    }

    fn plan(prior: Option<State>, proposed: State) -> Planned<State> {
        CustomerQualification
            .modify_plan(
                &cancelled_client(),
                PlanRequest {
                    prior,
                    config: proposed.clone(),
                    proposed,
                },
            )
            .unwrap()
    }

    #[test]
    fn settable_qualifications_pass_in_any_case() {
        for q in ["Education", "education", "EDUCATION"] {
            assert!(!validate(&config(text(q), Attr::Null)).has_errors(), "{q}");
        }
        let gcc = config(text("governmentcommunitycloud"), text("code"));
        assert_eq!(validate(&gcc), Diagnostics::default());
    }

    #[test]
    fn none_nonprofit_and_others_point_at_qualification() {
        for q in ["None", "nonprofit", "StateOwnedEntity", "Edu", ""] {
            let diagnostics = validate(&config(text(q), Attr::Null));
            assert!(diagnostics.has_errors(), "{q}");
            assert_eq!(paths(&diagnostics), vec!["qualification"], "{q}");
            assert!(diagnostics.0[0].detail.contains(SETTABLE), "{q}");
        }
    }

    #[test]
    fn government_without_code_points_at_validation_code() {
        let diagnostics = validate(&config(text("GovernmentCommunityCloud"), Attr::Null));
        assert_eq!(paths(&diagnostics), vec!["validation_code"]);
        assert_eq!(diagnostics.0[0].summary, "Missing validation_code");
        // Known only at apply: accepted now, checked then.
        let later = validate(&config(text("GovernmentCommunityCloud"), Attr::Unknown));
        assert_eq!(later, Diagnostics::default());
    }

    #[test]
    fn a_blank_validation_code_is_missing_at_plan_and_apply() {
        for blank in ["", "  "] {
            let state = config(text("GovernmentCommunityCloud"), text(blank));
            let diagnostics = validate(&state);
            assert_eq!(paths(&diagnostics), vec!["validation_code"], "{blank:?}");
            assert!(diagnostics.has_errors());
            let diagnostics = requested(&state).unwrap_err();
            assert_eq!(paths(&diagnostics), vec!["validation_code"], "{blank:?}");
        }
    }

    #[test]
    fn a_validation_code_without_government_is_a_warning() {
        let state = config(text("education"), text("c"));
        let diagnostics = validate(&state);
        assert!(!diagnostics.has_errors());
        assert_eq!(paths(&diagnostics), vec!["validation_code"]);
        assert_eq!(diagnostics.0[0].summary, "validation_code is not used");
        // Apply still sets the qualification.
        assert_eq!(requested(&state).unwrap(), Qualification::Education);
    }

    #[test]
    fn unknown_values_are_accepted_at_plan() {
        let unknown = State {
            id: Attr::Null,
            customer_id: Attr::Unknown,
            qualification: Attr::Unknown,
            validation_code: Attr::Unknown,
        };
        assert_eq!(validate(&unknown), Diagnostics::default());
        // Known only at apply, a refused qualification is caught there, at its attribute.
        let state = config(text("Nonprofit"), Attr::Null);
        assert_eq!(
            paths(&requested(&state).unwrap_err()),
            vec!["qualification"]
        );
    }

    #[test]
    fn bad_customer_id_points_at_customer_id() {
        let bad = State {
            customer_id: text("customer-1"),
            ..config(text("Education"), Attr::Null)
        };
        assert_eq!(paths(&validate(&bad)), vec!["customer_id"]);
    }

    #[test]
    fn plan_sets_id_and_replaces_on_customer_change() {
        let proposed = config(text("Education"), Attr::Null);
        let planned = plan(None, proposed.clone());
        assert_eq!(planned.state.id, text(CUSTOMER));
        assert!(planned.requires_replace.is_empty());

        let moved = State {
            customer_id: text(OTHER_CUSTOMER),
            ..proposed.clone()
        };
        let replaced = plan(Some(planned.state.clone()), moved);
        assert_eq!(replaced.requires_replace, vec![path("customer_id")]);

        let unknown = State {
            customer_id: Attr::Unknown,
            ..proposed
        };
        let replaced = plan(Some(planned.state), unknown);
        assert_eq!(replaced.requires_replace, vec![path("customer_id")]);
        assert_eq!(replaced.state.id, Attr::Unknown);
    }

    #[test]
    fn a_case_only_customer_change_is_no_replacement() {
        let proposed = config(text("Education"), Attr::Null);
        let prior = plan(None, proposed.clone()).state;
        let upper = State {
            customer_id: text(&CUSTOMER.to_uppercase()),
            ..proposed
        };
        let planned = plan(Some(prior), upper);
        assert!(planned.requires_replace.is_empty());
        // The new spelling is what the state records.
        assert_eq!(planned.state.id, text(&CUSTOMER.to_uppercase()));
    }

    #[test]
    fn destroy_warns_at_plan_and_at_apply() {
        let prior = State {
            id: text(CUSTOMER),
            ..config(text("Education"), Attr::Null)
        };
        let warnings = CustomerQualification.plan_destroy(&prior);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].summary, "Qualification kept in Partner Center");
        assert!(!warnings[0].is_error());
        assert!(warnings[0].detail.contains(CUSTOMER));
    }

    /// A client whose every request fails at once, before anything is sent: its stop signal
    /// has already fired.
    fn cancelled_client() -> Context {
        let config = crate::partnercenter::ClientConfig::new(
            crate::partnercenter::Credentials::AccessToken(Secret::new("token")),
            "test".to_owned(),
        );
        let stop = tokio_util::sync::CancellationToken::new();
        stop.cancel();
        Context::new(config, stop).unwrap()
    }

    #[tokio::test]
    async fn spelling_changes_update_without_a_request() {
        let client = cancelled_client();
        let prior = State {
            id: text(CUSTOMER),
            ..config(text("Education"), Attr::Null)
        };
        let planned = State {
            id: text(&CUSTOMER.to_uppercase()),
            customer_id: text(&CUSTOMER.to_uppercase()),
            qualification: text("EDUCATION"),
            validation_code: Attr::Null,
        };
        let applied = CustomerQualification
            .update(&client, prior.clone(), planned.clone(), planned.clone())
            .await
            .expect("no request, so nothing to cancel");
        assert_eq!(applied.state, planned);
        // A real change does send the PUT, which this client cancels.
        let changed = State {
            qualification: text("GovernmentCommunityCloud"),
            validation_code: text("code"),
            ..planned
        };
        let err = CustomerQualification
            .update(&client, prior, changed.clone(), changed)
            .await
            .unwrap_err();
        assert_eq!(err.0[0].summary, "Request cancelled");
    }

    #[test]
    fn states_fit_the_schema() {
        let state = State {
            id: text(CUSTOMER),
            ..config(text("education"), text("c"))
        };
        let ty = DynResource::schema(&CustomerQualification).value_type();
        assert_eq!(ty, State::ty());
        crate::protocol::value::msgpack::encode(&state.to_value(), &ty).expect("state fits");
        let imported = Resource::import(&CustomerQualification, CUSTOMER).unwrap();
        assert_eq!(imported.customer_id, text(CUSTOMER));
        assert!(imported.qualification.is_null());
    }

    #[test]
    fn import_rejects_a_non_guid() {
        let err = Resource::import(&CustomerQualification, "abc").unwrap_err();
        assert_eq!(err.0[0].summary, "Invalid import id");
    }

    #[test]
    fn requested_reports_every_problem() {
        let state = State {
            customer_id: text("x"),
            ..config(text("GovernmentCommunityCloud"), Attr::Null)
        };
        let diagnostics = requested(&state).unwrap_err();
        assert_eq!(paths(&diagnostics), vec!["customer_id", "validation_code"]);
        let missing = requested(&config(Attr::Null, Attr::Null)).unwrap_err();
        assert_eq!(paths(&missing), vec!["qualification"]);
    }

    #[test]
    fn the_identity_is_the_lower_case_customer_id() {
        let upper = State {
            customer_id: text(&CUSTOMER.to_uppercase()),
            ..config(text("Education"), Attr::Null)
        };
        assert_eq!(identity_of(&upper).customer_id, text(CUSTOMER));
        let unknown = State {
            customer_id: Attr::Unknown,
            ..upper
        };
        assert_eq!(identity_of(&unknown).customer_id, Attr::Unknown);
    }

    #[test]
    fn import_by_identity_is_import_by_the_canonical_id() {
        let identity = CustomerQualification::identity().expect("an identity");
        let given = CustomerIdentity {
            customer_id: text(&CUSTOMER.to_uppercase()),
        };
        let imported = identity.import(&given.to_value()).unwrap();
        assert_eq!(imported.customer_id, text(CUSTOMER));
        assert!(imported.qualification.is_null());
        let bad = CustomerIdentity {
            customer_id: text("abc"),
        };
        let err = identity.import(&bad.to_value()).unwrap_err();
        assert_eq!(err.0[0].summary, "Invalid import id");
    }
}
