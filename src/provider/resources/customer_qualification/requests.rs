//! Setting and reading a qualification: one request per create, update or refresh (the client
//! speaks the contract the provider is configured for), and the state built from Partner
//! Center's answer.

use crate::framework::{Applied, Attr, Refreshed};
use crate::partnercenter::{
    Qualification, QualificationRequest, Secret, VettedQualification, principal,
};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::Context;
use crate::provider::values::known;
use crate::quote::{PROSE_CHARS, excerpt, quote};

use super::rules::requested;
use super::{NAMES, State, drift};

/// One request that sets `state`'s qualification, carrying `code`. The new state is what
/// Partner Center answered (in the user's spelling when it agrees); the write-only code is
/// never part of it.
pub(super) async fn set(
    client: &Context,
    state: State,
    code: &Attr<String>,
) -> Result<Applied<State>, Diagnostics> {
    let (wanted, segment) = requested(client.qualification_api(), &state, code)?;
    let customer_id = known(&state.customer_id, NAMES.customer_id)?.to_owned();
    let code = code.as_str().map(Secret::new);
    let request = QualificationRequest {
        education_segment: segment,
        website: state.website.as_str(),
        ..QualificationRequest::new(wanted, code.as_ref())
    };
    let listed = client.set_qualification(&customer_id, &request).await?;
    let Some(entry) = listed.iter().find(|e| e.kind() == Some(wanted)) else {
        return Err(not_applied(&customer_id, wanted, &listed).into());
    };
    let warnings = denied(&customer_id, entry).into_iter().collect();
    Ok(Applied {
        state: State {
            id: state.customer_id.clone(),
            validation_code_wo: Attr::Null,
            ..with_vetting(state, Some(entry))
        },
        warnings,
    })
}

/// One read of what Partner Center holds for the customer. The resource is found while its
/// qualification is among them; otherwise the state records what the customer holds instead,
/// which the next plan shows as drift, with a warning that says who made it (one more request,
/// only then, unless `explain_drift` is off).
pub(super) async fn refresh(
    client: &Context,
    state: State,
) -> Result<Refreshed<State>, Diagnostics> {
    let customer_id = known(&state.customer_id, NAMES.customer_id)?.to_owned();
    let listed = match client.qualifications(&customer_id).await {
        Ok(listed) => listed,
        Err(err) if err.is_not_found() => {
            return Ok(Refreshed::Gone(Diagnostic::warning(
                "Customer not found in Partner Center",
                format!(
                    "Partner Center has no customer {customer_id} (or no longer shares it with \
                     this partner), so its qualification was removed from the Terraform \
                     state. {err}.",
                    customer_id = quote(&customer_id)
                ),
            )));
        }
        Err(err) => return Err(err.into()),
    };
    let wanted = state.qualification.as_str().and_then(|q| q.parse().ok());
    let found = wanted.and_then(|w| listed.iter().find(|e| e.kind() == Some(w)));
    let (state, drifted) = match found {
        // Whatever its vetting (InReview, Denied), the qualification is the state's.
        Some(entry) => (with_vetting(state, Some(entry)), false),
        None => held_instead(state, wanted, &listed),
    };
    let mut warnings: Vec<Diagnostic> = found
        .and_then(|entry| denied(&customer_id, entry))
        .into_iter()
        .collect();
    if drifted && client.explain_drift() {
        warnings.push(drift::explain(client, &customer_id).await);
    }
    Ok(Refreshed::Found {
        state: State {
            id: Attr::Known(customer_id),
            ..state
        },
        warnings,
    })
}

/// The state that records what the customer holds in place of the resource's qualification,
/// and whether that is drift: a recorded qualification replaced by another. A fresh import
/// records one for the first time, and a state that already recorded the change is no drift.
fn held_instead(
    state: State,
    wanted: Option<Qualification>,
    listed: &[VettedQualification],
) -> (State, bool) {
    let held = instead(wanted, listed);
    let drifted = state
        .qualification
        .as_str()
        .is_some_and(|recorded| !recorded.eq_ignore_ascii_case(&held));
    let state = State {
        qualification: Attr::Known(held),
        ..with_vetting(state, None)
    };
    (state, drifted)
}

/// `state` with the vetting of `entry`, null where it has none (always, under the legacy
/// contract).
fn with_vetting(state: State, entry: Option<&VettedQualification>) -> State {
    let vetting = |field: fn(&VettedQualification) -> &Option<String>| {
        Attr::from_option(entry.and_then(|entry| field(entry).clone()))
    };
    State {
        vetting_status: vetting(|e| &e.vetting_status),
        vetting_reason: vetting(|e| &e.vetting_reason),
        vetting_created_at: vetting(|e| &e.vetting_created),
        ..state
    }
}

/// What the state records when the resource's own qualification (`wanted`) is not among
/// `listed`: what holds that place instead — the qualification that is not StateOwnedEntity,
/// since StateOwnedEntity sits beside the others — or None. A fresh import (`wanted` unknown)
/// takes the one that stands for the customer.
fn instead(wanted: Option<Qualification>, listed: &[VettedQualification]) -> String {
    let held = match wanted {
        None => principal(listed),
        Some(Qualification::StateOwnedEntity) => None,
        Some(_) => listed
            .iter()
            .find(|e| e.kind() != Some(Qualification::StateOwnedEntity)),
    };
    held.map_or_else(
        || Qualification::None.as_str().to_owned(),
        VettedQualification::name,
    )
}

/// The warning, on every refresh, for a qualification whose vetting was denied.
fn denied(customer_id: &str, entry: &VettedQualification) -> Option<Diagnostic> {
    entry.is_denied().then(|| {
        let reason = entry.vetting_reason.as_deref().map_or_else(
            || "Partner Center gave no reason".to_owned(),
            |reason| excerpt(reason, PROSE_CHARS).to_string(),
        );
        Diagnostic::warning(
            "Qualification denied by Partner Center",
            format!(
                "Partner Center's vetting denied the {} qualification of customer \
                 {customer_id}: {reason}. vetting_status is \"Denied\"; a postcondition on it \
                 can stop a run.",
                quote(&entry.qualification)
            ),
        )
    })
}

/// The error for an answer that does not hold what was just set.
fn not_applied(
    customer_id: &str,
    wanted: Qualification,
    listed: &[VettedQualification],
) -> Diagnostic {
    let answered: Vec<String> = listed
        .iter()
        .map(|e| quote(&e.qualification).to_string())
        .collect();
    Diagnostic::error(
        "Partner Center did not apply the qualification",
        format!(
            "Partner Center answered [{}] after customer {customer_id} was set to \
             \"{wanted}\". The state was left as it was; run terraform plan to see the current \
             value.",
            answered.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(names: &[&str]) -> Vec<VettedQualification> {
        names
            .iter()
            .map(|name| VettedQualification {
                qualification: (*name).to_owned(),
                ..VettedQualification::unvetted(Qualification::None)
            })
            .collect()
    }

    #[test]
    fn drift_is_a_recorded_qualification_replaced() {
        use Qualification::{Education, None as Nothing};
        let recorded = |qualification: Attr<String>| State {
            qualification,
            ..State::default()
        };
        let text = |q: &str| Attr::Known(q.to_owned());
        let drifted =
            |state, wanted, listed: &[VettedQualification]| held_instead(state, wanted, listed).1;
        assert!(drifted(
            recorded(text("Education")),
            Some(Education),
            &held(&["Nonprofit"])
        ));
        assert!(drifted(recorded(text("education")), Some(Education), &[]));
        assert!(
            !drifted(recorded(Attr::Null), None, &held(&["Education"])),
            "an import"
        );
        assert!(
            !drifted(recorded(text("None")), Some(Nothing), &[]),
            "a change the state already recorded (apply -refresh-only)"
        );
        let (state, _) = held_instead(recorded(text("Education")), Some(Education), &[]);
        assert_eq!(state.qualification, text("None"));
    }

    #[test]
    fn drift_records_what_holds_the_place_instead() {
        use Qualification::{Education, GovernmentCommunityCloud, StateOwnedEntity};
        let soe_only = held(&["StateOwnedEntity"]);
        assert_eq!(instead(Some(Education), &soe_only), "None");
        assert_eq!(instead(None, &soe_only), "StateOwnedEntity");
        let both = held(&["stateownedentity", "governmentcommunitycloud"]);
        assert_eq!(instead(Some(Education), &both), "GovernmentCommunityCloud");
        assert_eq!(instead(None, &both), "GovernmentCommunityCloud");
        assert_eq!(
            instead(Some(StateOwnedEntity), &held(&["Education"])),
            "None"
        );
        assert_eq!(instead(Some(GovernmentCommunityCloud), &[]), "None");
    }
}
