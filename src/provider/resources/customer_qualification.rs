//! `partnercenter_customer_qualification`: a customer's qualification, declared and kept.
//!
//! Create and update are one PUT each and the state comes from its answer; refresh is one GET.
//! Partner Center cannot unset a qualification, so destroy only forgets the resource, and says
//! so when the destroy is planned.

use crate::framework::{Applied, Attr, PlanRequest, Planned, Refreshed, Resource};
use crate::partnercenter::{Qualification, Secret, parse_customer_id};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::Context;
use crate::provider::values::{check_customer_id, known, path};

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
            "The partner's validation code, required when a `GovernmentCommunityCloud` \
            qualification is set (see the `partnercenter_validation_codes` data source) and \
            unused otherwise. Partner Center does not return it, so it is kept from the \
            configuration, which stores it in the state: on Terraform 1.11 and later prefer \
            `validation_code_wo`. Set at most one of the two."
        ).sensitive(),
        validation_code_wo: String => Optional(
            "The validation code as a write-only attribute (Terraform 1.11 and later): sent to \
            Partner Center but never written to the plan or the state. Recommended over \
            `validation_code`; set at most one of the two. Terraform cannot see a change of a \
            write-only value, so change `validation_code_wo_version` to send a new code."
        ).sensitive().write_only(),
        validation_code_wo_version: i64 => Optional(
            "Goes with `validation_code_wo`: a number you change (for example, increment) to \
            send the qualification again with the current `validation_code_wo`. It is kept in \
            the state; the code is not."
        ),
    }
}

const NAMES: StateNames = State::NAMES;

#[derive(Debug)]
pub struct CustomerQualification;

/// The checks of a configuration that need no prior state: the settable qualification when it
/// is known and valid, and every error and warning about what is known. Unknown values are
/// accepted here and checked at apply, when every value is known. Whether a validation code
/// is missing depends on whether a request will be sent, so plan and apply check that.
fn check(config: &State) -> (Option<Qualification>, Diagnostics) {
    let (qualification, mut diagnostics) = check_values(config);
    if !config.validation_code.is_null() && !config.validation_code_wo.is_null() {
        diagnostics.push(two_validation_codes());
    }
    if !config.validation_code_wo_version.is_null() && config.validation_code_wo.is_null() {
        diagnostics.push(version_without_code());
    }
    for (name, code) in [
        (NAMES.validation_code, &config.validation_code),
        (NAMES.validation_code_wo, &config.validation_code_wo),
    ] {
        match qualification {
            Some(q) if !q.requires_validation_code() && !code.is_null() => {
                diagnostics.push(unused_validation_code(name, q));
            }
            _ => {}
        }
    }
    (qualification, diagnostics)
}

/// The checks that hold for a plan or a state as much as for a configuration (which alone
/// holds the write-only code).
fn check_values(state: &State) -> (Option<Qualification>, Diagnostics) {
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
    (qualification, diagnostics)
}

/// The code a request for `planned` carries: the write-only one from the configuration, else
/// the stored one (at most one of them is set).
fn request_code<'a>(planned: &'a State, config: &'a State) -> &'a Attr<String> {
    if config.validation_code_wo.is_null() {
        &planned.validation_code
    } else {
        &config.validation_code_wo
    }
}

/// The error when a request for `qualification` would go without the code it needs. A blank
/// code is no code: Partner Center would refuse it only after a clean plan. An unknown code
/// is checked at apply.
fn missing_code(qualification: Qualification, code: &Attr<String>) -> Option<Diagnostic> {
    let missing = match code {
        Attr::Null => true,
        Attr::Unknown => false,
        Attr::Known(code) => code.trim().is_empty(),
    };
    (missing && qualification.requires_validation_code()).then(missing_validation_code)
}

/// The settable qualification a request for `state` asks for, with the code it carries, or
/// every error about it.
fn requested(state: &State, code: &Attr<String>) -> Result<Qualification, Diagnostics> {
    let (qualification, mut diagnostics) = check_values(state);
    match qualification {
        Some(q) => diagnostics.0.extend(missing_code(q, code)),
        None => diagnostics
            .0
            .extend(known(&state.qualification, NAMES.qualification).err()),
    }
    match qualification {
        Some(q) if !diagnostics.has_errors() => Ok(q),
        _ => Err(diagnostics),
    }
}

/// Whether applying `planned` over `prior` sends a request: Partner Center is asked again
/// only for another qualification, or when the user asks to send a new write-only code.
fn sends_request(prior: &State, planned: &State) -> bool {
    let held = prior
        .qualification
        .as_str()
        .map(str::parse::<Qualification>);
    let wanted = planned
        .qualification
        .as_str()
        .map(str::parse::<Qualification>);
    let same_qualification = matches!((held, wanted), (Some(Ok(a)), Some(Ok(b))) if a == b);
    let same_customer = prior
        .customer_id
        .as_str()
        .and_then(parse_customer_id)
        .is_some()
        && names_same_customer(&prior.customer_id, &planned.customer_id);
    !(same_customer
        && same_qualification
        && prior.validation_code_wo_version == planned.validation_code_wo_version)
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
        "Setting a GovernmentCommunityCloud qualification needs a validation code: set \
         validation_code_wo (Terraform 1.11 and later) or validation_code, for example from \
         data.partnercenter_validation_codes.<name>.codes[0].validation_id.",
    )
    .at(path(NAMES.validation_code))
}

fn two_validation_codes() -> Diagnostic {
    Diagnostic::error(
        "Two validation codes",
        "Set validation_code_wo or validation_code, not both. Keep validation_code_wo \
         (Terraform 1.11 and later): it is never written to the state.",
    )
    .at(path(NAMES.validation_code))
}

fn version_without_code() -> Diagnostic {
    Diagnostic::error(
        "validation_code_wo_version without validation_code_wo",
        "validation_code_wo_version only says when to send validation_code_wo again: set \
         validation_code_wo too, or remove validation_code_wo_version.",
    )
    .at(path(NAMES.validation_code_wo_version))
}

fn unused_validation_code(name: &str, qualification: Qualification) -> Diagnostic {
    Diagnostic::warning(
        format!("{name} is not used"),
        format!(
            "{name} is only used with GovernmentCommunityCloud; it is not sent to Partner \
             Center for {}. Remove it, or set qualification = \"GovernmentCommunityCloud\".",
            qualification.as_str()
        ),
    )
    .at(path(name))
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
    /// One PUT carrying `code`; the new state is what Partner Center answered (in the user's
    /// spelling when it agrees). The write-only code is never part of it.
    async fn put(
        &self,
        client: &Context,
        state: State,
        code: &Attr<String>,
    ) -> Result<Applied<State>, Diagnostics> {
        let requested = requested(&state, code)?;
        let customer_id = known(&state.customer_id, NAMES.customer_id)?;
        let code = code.as_str().map(Secret::new);
        let answered = client
            .set_qualification(customer_id, requested, code.as_ref())
            .await?;
        if answered != requested {
            let asked = state.qualification.as_str().unwrap_or_default();
            return Err(disagreement(customer_id, asked, answered).into());
        }
        Ok(Applied::new(State {
            id: state.customer_id.clone(),
            validation_code_wo: Attr::Null,
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
        config: State,
    ) -> Result<Applied<State>, Diagnostics> {
        let code = request_code(&planned, &config).clone();
        self.put(client, planned, &code).await
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
        config: State,
    ) -> Result<Applied<State>, Diagnostics> {
        if !sends_request(&prior, &planned) {
            // Only a spelling or the stored code changed: Partner Center already holds this
            // qualification for this customer, so there is nothing to send.
            requested(&planned, &Attr::Unknown)?;
            return Ok(Applied::new(planned));
        }
        let code = request_code(&planned, &config).clone();
        self.put(client, planned, &code).await
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
        let PlanRequest {
            prior,
            proposed,
            config,
        } = request;
        // The id is the customer id, so it is known as soon as the customer id is.
        let planned = State {
            id: proposed.customer_id.clone(),
            ..proposed
        };
        let replaced = prior
            .as_ref()
            .is_some_and(|prior| !names_same_customer(&prior.customer_id, &planned.customer_id));
        // A code is needed only when a request is sent: a customer that already holds
        // GovernmentCommunityCloud (imported, or adopted with `terraform query`) plans clean
        // without one, since Partner Center never returns it.
        let sends = prior
            .as_ref()
            .is_none_or(|prior| sends_request(prior, &planned));
        if sends
            && let Some(q) = planned
                .qualification
                .as_str()
                .and_then(|q| parse_settable(q).ok())
            && let Some(missing) = missing_code(q, request_code(&planned, &config))
        {
            return Err(missing.into());
        }
        Ok(Planned {
            requires_replace: if replaced {
                vec![path(NAMES.customer_id)]
            } else {
                Vec::new()
            },
            state: planned,
            warnings: Vec::new(),
        })
    }

    fn plan_destroy(&self, prior: &State) -> Vec<Diagnostic> {
        vec![kept_in_partner_center(prior)]
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
            ..State::default()
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
            customer_id: text(CUSTOMER),
            qualification,
            validation_code: code,
            ..State::default()
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

    fn try_plan(
        prior: Option<State>,
        proposed: State,
        config: State,
    ) -> Result<Planned<State>, Diagnostics> {
        CustomerQualification.modify_plan(
            &cancelled_client(),
            PlanRequest {
                prior,
                proposed,
                config,
            },
        )
    }

    fn plan(prior: Option<State>, proposed: State) -> Planned<State> {
        try_plan(prior, proposed.clone(), proposed).unwrap()
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
    fn government_without_code_points_at_validation_code_when_a_request_is_sent() {
        let gcc = config(text("GovernmentCommunityCloud"), Attr::Null);
        // Not at validate: whether a request is sent is known only at plan.
        assert_eq!(validate(&gcc), Diagnostics::default());
        let create = try_plan(None, gcc.clone(), gcc.clone()).unwrap_err();
        assert_eq!(paths(&create), vec!["validation_code"]);
        assert_eq!(create.0[0].summary, "Missing validation_code");
        // A change to GovernmentCommunityCloud sends a request, so it needs the code too.
        let school = State {
            id: text(CUSTOMER),
            ..config(text("Education"), Attr::Null)
        };
        let change = try_plan(Some(school), gcc.clone(), gcc.clone()).unwrap_err();
        assert_eq!(paths(&change), vec!["validation_code"]);
        // Known only at apply: accepted now, checked then.
        let later = config(text("GovernmentCommunityCloud"), Attr::Unknown);
        assert!(try_plan(None, later.clone(), later).is_ok());
        assert_eq!(
            paths(&requested(&gcc, &Attr::Null).unwrap_err()),
            vec!["validation_code"]
        );
    }

    #[test]
    fn a_customer_that_holds_government_needs_no_code() {
        // An import or `terraform query` adoption: Partner Center never returns the code.
        let held = State {
            id: text(CUSTOMER),
            ..config(text("GovernmentCommunityCloud"), Attr::Null)
        };
        let adopted = config(text("governmentcommunitycloud"), Attr::Null);
        let planned = try_plan(Some(held.clone()), adopted.clone(), adopted).unwrap();
        assert!(planned.requires_replace.is_empty());
        // A new customer is a create: it needs one.
        let moved = State {
            customer_id: text(OTHER_CUSTOMER),
            ..config(text("GovernmentCommunityCloud"), Attr::Null)
        };
        let err = try_plan(Some(held), moved.clone(), moved).unwrap_err();
        assert_eq!(paths(&err), vec!["validation_code"]);
    }

    #[test]
    fn the_write_only_code_counts_and_is_never_planned() {
        let wo = State {
            validation_code_wo: text("GCC-1"),
            validation_code_wo_version: Attr::Known(1),
            ..config(text("GovernmentCommunityCloud"), Attr::Null)
        };
        assert_eq!(validate(&wo), Diagnostics::default());
        // Terraform's proposal never carries a write-only value; the configuration does.
        let proposed = State {
            validation_code_wo: Attr::Null,
            ..wo.clone()
        };
        let planned = try_plan(None, proposed.clone(), wo.clone()).unwrap();
        assert!(planned.state.validation_code_wo.is_null());
        assert_eq!(planned.state.validation_code_wo_version, Attr::Known(1));
        assert_eq!(request_code(&proposed, &wo), &text("GCC-1"));
        // Bumping the version sends the request again, with the code from the configuration.
        let prior = State {
            id: text(CUSTOMER),
            ..proposed.clone()
        };
        let bumped = State {
            validation_code_wo_version: Attr::Known(2),
            ..proposed.clone()
        };
        assert!(sends_request(&prior, &bumped));
        assert!(!sends_request(&prior, &proposed));
        let no_code = State {
            validation_code_wo: Attr::Null,
            ..bumped.clone()
        };
        let err = try_plan(Some(prior), bumped, no_code).unwrap_err();
        assert_eq!(paths(&err), vec!["validation_code"]);
    }

    #[test]
    fn one_code_attribute_at_a_time() {
        let both = State {
            validation_code_wo: text("b"),
            ..config(text("GovernmentCommunityCloud"), text("a"))
        };
        let diagnostics = validate(&both);
        assert_eq!(paths(&diagnostics), vec!["validation_code"]);
        assert_eq!(diagnostics.0[0].summary, "Two validation codes");
        assert!(diagnostics.0[0].detail.contains("Keep validation_code_wo"));
        let version_alone = State {
            validation_code_wo_version: Attr::Known(1),
            ..config(text("GovernmentCommunityCloud"), text("a"))
        };
        assert_eq!(
            paths(&validate(&version_alone)),
            vec!["validation_code_wo_version"]
        );
    }

    #[test]
    fn a_blank_validation_code_is_missing_at_plan_and_apply() {
        for blank in ["", "  "] {
            let state = config(text("GovernmentCommunityCloud"), text(blank));
            let diagnostics = try_plan(None, state.clone(), state.clone()).unwrap_err();
            assert_eq!(paths(&diagnostics), vec!["validation_code"], "{blank:?}");
            let diagnostics = requested(&state, &state.validation_code).unwrap_err();
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
        let wo = State {
            validation_code_wo: text("c"),
            ..config(text("education"), Attr::Null)
        };
        assert_eq!(paths(&validate(&wo)), vec!["validation_code_wo"]);
        // Apply still sets the qualification.
        assert_eq!(
            requested(&state, &state.validation_code).unwrap(),
            Qualification::Education
        );
    }

    #[test]
    fn unknown_values_are_accepted_at_plan() {
        let unknown = State {
            customer_id: Attr::Unknown,
            qualification: Attr::Unknown,
            validation_code: Attr::Unknown,
            ..State::default()
        };
        assert_eq!(validate(&unknown), Diagnostics::default());
        // Known only at apply, a refused qualification is caught there, at its attribute.
        let state = config(text("Nonprofit"), Attr::Null);
        assert_eq!(
            paths(&requested(&state, &Attr::Null).unwrap_err()),
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
            ..State::default()
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
        let diagnostics = requested(&state, &Attr::Null).unwrap_err();
        assert_eq!(paths(&diagnostics), vec!["customer_id", "validation_code"]);
        let missing = requested(&config(Attr::Null, Attr::Null), &Attr::Null).unwrap_err();
        assert_eq!(paths(&missing), vec!["qualification"]);
    }
}
