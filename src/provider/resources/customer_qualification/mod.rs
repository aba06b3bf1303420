//! `partnercenter_customer_qualification`: a customer's qualification, declared and kept.
//!
//! Create and update are one request each (the legacy PUT or the asynchronous POST, see
//! [`requests`]) and the state comes from its answer; refresh is one GET, and on drift one look
//! at the activity log for who made it ([`drift`]). What a configuration
//! may say, and when a request is sent, is in [`rules`]. Partner Center cannot unset a
//! qualification, so destroy only forgets the resource, and says so when the destroy is
//! planned.

mod drift;
mod requests;
mod rules;

use crate::framework::{Applied, Attr, Identity, PlanRequest, Planned, Refreshed, Resource};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::Context;
use crate::provider::values::{canonical_customer_id, check_customer_id, known, path};
use crate::quote::quote;

use rules::{names_same_customer, plan_checks, request_code, sends_request};

pub const TYPE_NAME: &str = "partnercenter_customer_qualification";

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
            "`Education` or `GovernmentCommunityCloud`, in any case; with \
            `qualification_api = \"async\"` also `StateOwnedEntity`. Your spelling is kept \
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
        education_segment: String => Optional(
            "`K12` or `HigherEducation` (any case): the kind of school, which \
            `qualification_api = \"async\"` requires when it sets `Education`. Partner Center \
            does not return it, so it is kept from the configuration. Not sent by the legacy \
            contract."
        ),
        website: String => Optional(
            "The school's website, sent with `Education` under `qualification_api = \"async\"`. \
            Partner Center does not return it, so it is kept from the configuration."
        ),
        vetting_status: String => Computed(
            "With `qualification_api = \"async\"`: Partner Center's vetting of the \
            qualification, such as `InReview`, `Approved` or `Denied` (a warning is shown on \
            every refresh while it is denied). Null with the legacy contract."
        ),
        vetting_reason: String => Computed(
            "With `qualification_api = \"async\"`: why vetting denied the qualification."
        ),
        vetting_created_at: String => Computed(
            "With `qualification_api = \"async\"`: when vetting started (RFC 3339)."
        ),
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

/// What destroying a qualification does, said at plan time and at apply.
fn kept_in_partner_center(prior: &State) -> Diagnostic {
    Diagnostic::warning(
        "Qualification kept in Partner Center",
        format!(
            "Partner Center cannot remove a qualification, so destroying this resource only \
             removes it from the Terraform state. Customer {} keeps its {} qualification.",
            quote(prior.customer_id.as_str().unwrap_or_default()),
            quote(prior.qualification.as_str().unwrap_or_default())
        ),
    )
}

#[crate::framework::async_trait]
impl Resource<Context> for CustomerQualification {
    type State = State;
    const TYPE_NAME: &'static str = TYPE_NAME;
    const DESCRIPTION: &'static str = "A customer's qualification in Microsoft Partner Center \
        (Education or GovernmentCommunityCloud; StateOwnedEntity too with \
        `qualification_api = \"async\"`), set with the documented \
        `PUT /v1/customers/{id}/qualification` or, with `qualification_api = \"async\"`, \
        `POST /v1/customers/{id}/qualifications`.\n\n\
        Partner Center cannot remove a qualification: destroying this resource only removes \
        it from the Terraform state, and says so in a warning.";

    async fn create(
        &self,
        client: &Context,
        planned: State,
        config: State,
    ) -> Result<Applied<State>, Diagnostics> {
        let code = request_code(&planned, &config).clone();
        requests::set(client, planned, &code).await
    }

    async fn read(&self, client: &Context, state: State) -> Result<Refreshed<State>, Diagnostics> {
        requests::refresh(client, state).await
    }

    async fn update(
        &self,
        client: &Context,
        prior: State,
        planned: State,
        config: State,
    ) -> Result<Applied<State>, Diagnostics> {
        if !sends_request(&prior, &planned) {
            // Only a spelling or a kept-from-configuration value changed: Partner Center
            // already holds this qualification for this customer, so there is nothing to send.
            rules::check_values(&planned, None).1.into_result()?;
            return Ok(Applied::new(planned));
        }
        let code = request_code(&planned, &config).clone();
        requests::set(client, planned, &code).await
    }

    async fn delete(
        &self,
        _client: &Context,
        prior: State,
    ) -> Result<Vec<Diagnostic>, Diagnostics> {
        Ok(vec![kept_in_partner_center(&prior)])
    }

    fn validate(&self, config: &State) -> Diagnostics {
        rules::check(config).1
    }

    fn modify_plan(
        &self,
        client: &Context,
        request: PlanRequest<State>,
    ) -> Result<Planned<State>, Diagnostics> {
        let PlanRequest {
            prior,
            proposed,
            config,
        } = request;
        let api = client.qualification_api();
        let replaced = prior
            .as_ref()
            .is_some_and(|prior| !names_same_customer(&prior.customer_id, &proposed.customer_id));
        // A code (or a segment) is needed only when a request is sent: a customer that
        // already holds GovernmentCommunityCloud (imported, or adopted with `terraform query`)
        // plans clean without one, since Partner Center never returns it.
        let sends = prior
            .as_ref()
            .is_none_or(|prior| sends_request(prior, &proposed));
        let diagnostics = plan_checks(api, &proposed, request_code(&proposed, &config), sends);
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        // The vetting comes from the answer to the request, if one is sent, under a contract
        // that vets.
        let vetting = |kept: &Attr<String>| match (api.vets(), sends) {
            (false, _) => Attr::Null,
            (true, true) => Attr::Unknown,
            (true, false) => kept.clone(),
        };
        let planned = State {
            // The id is the customer id, so it is known as soon as the customer id is.
            id: proposed.customer_id.clone(),
            vetting_status: vetting(&proposed.vetting_status),
            vetting_reason: vetting(&proposed.vetting_reason),
            vetting_created_at: vetting(&proposed.vetting_created_at),
            ..proposed
        };
        Ok(Planned {
            state: planned,
            requires_replace: if replaced {
                vec![path(NAMES.customer_id)]
            } else {
                Vec::new()
            },
            warnings: diagnostics.0,
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
            ..State::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::rules::requested;
    use super::*;
    use crate::framework::{AttrValue, DynResource, Object};
    use crate::partnercenter::{Qualification, QualificationApi, SETTABLE, Secret};
    use crate::provider::values::paths;

    /// `rules::requested` under the legacy contract, for the qualification alone.
    fn legacy(state: &State, code: &Attr<String>) -> Result<Qualification, Diagnostics> {
        requested(QualificationApi::Legacy, state, code).map(|(q, _)| q)
    }

    const CUSTOMER: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";
    const OTHER_CUSTOMER: &str = "4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11";

    fn text(s: &str) -> Attr<String> {
        Attr::Known(s.to_owned())
    }

    /// The state Terraform keeps of [`CUSTOMER`] holding `qualification`, set without a code.
    fn stored(qualification: &str) -> State {
        State {
            id: text(CUSTOMER),
            ..config(text(qualification), Attr::Null)
        }
    }

    fn config(qualification: Attr<String>, code: Attr<String>) -> State {
        State {
            customer_id: text(CUSTOMER),
            qualification,
            validation_code: code,
            ..State::default()
        }
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
        for q in ["None", "nonprofit", "Edu", ""] {
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
        let school = stored("Education");
        let change = try_plan(Some(school), gcc.clone(), gcc.clone()).unwrap_err();
        assert_eq!(paths(&change), vec!["validation_code"]);
        // Known only at apply: accepted now, checked then.
        let later = config(text("GovernmentCommunityCloud"), Attr::Unknown);
        assert!(try_plan(None, later.clone(), later).is_ok());
        assert_eq!(
            paths(&legacy(&gcc, &Attr::Null).unwrap_err()),
            vec!["validation_code"]
        );
    }

    #[test]
    fn a_customer_that_holds_government_needs_no_code() {
        // An import or `terraform query` adoption: Partner Center never returns the code.
        let held = stored("GovernmentCommunityCloud");
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
            let diagnostics = legacy(&state, &state.validation_code).unwrap_err();
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
            legacy(&state, &state.validation_code).unwrap(),
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
            paths(&legacy(&state, &Attr::Null).unwrap_err()),
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

    #[tokio::test]
    async fn destroy_warns_at_plan_and_at_apply() {
        let prior = stored("Education");
        let planned = CustomerQualification.plan_destroy(&prior);
        assert_eq!(planned.len(), 1);
        assert_eq!(planned[0].summary, "Qualification kept in Partner Center");
        assert!(!planned[0].is_error());
        assert!(planned[0].detail.contains(CUSTOMER));
        // The destroy itself sends nothing (this client would cancel any request) and warns
        // the same way.
        let applied = CustomerQualification
            .delete(&cancelled_client(), prior)
            .await
            .expect("no request, so nothing to cancel");
        assert_eq!(applied, planned);
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
        let prior = stored("Education");
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
        let diagnostics = legacy(&state, &Attr::Null).unwrap_err();
        assert_eq!(paths(&diagnostics), vec!["customer_id", "validation_code"]);
        let missing = legacy(&config(Attr::Null, Attr::Null), &Attr::Null).unwrap_err();
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
