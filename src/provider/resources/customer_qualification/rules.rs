//! The rules of `partnercenter_customer_qualification`: what a configuration may say, when a
//! request is sent, and what it needs then. Every refusal points at its attribute.

use crate::framework::Attr;
use crate::partnercenter::{
    EducationSegment, Qualification, QualificationApi, Refusal, keepable, parse_customer_id,
};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::errors::{not_sent, refused};
use crate::provider::values::{check_customer_id, known, path};
use crate::quote::quote;

use super::{NAMES, State};

/// The checks of a configuration that need no prior state and no provider configuration: the
/// qualification when it is known and valid, and every error and warning about what is known.
/// Unknown values are accepted here and checked at apply. What depends on the contract or on
/// whether a request will be sent is checked by [`plan_checks`] and at apply.
pub(super) fn check(config: &State) -> (Option<Qualification>, Diagnostics) {
    let (qualification, mut diagnostics) = check_values(config, None);
    if !config.validation_code.is_null() && !config.validation_code_wo.is_null() {
        diagnostics.push(two_validation_codes());
    }
    if !config.validation_code_wo_version.is_null() && config.validation_code_wo.is_null() {
        diagnostics.push(version_without_code());
    }
    if let Some(q) = qualification {
        for (name, set) in [
            (NAMES.validation_code, !config.validation_code.is_null()),
            (
                NAMES.validation_code_wo,
                !config.validation_code_wo.is_null(),
            ),
        ] {
            if set && !q.requires_validation_code() {
                diagnostics.push(only_with(name, Qualification::GovernmentCommunityCloud, q));
            }
        }
        for (name, set) in [
            (NAMES.education_segment, !config.education_segment.is_null()),
            (NAMES.website, !config.website.is_null()),
        ] {
            if set && q != Qualification::Education {
                diagnostics.push(only_with(name, Qualification::Education, q));
            }
        }
    }
    (qualification, diagnostics)
}

/// The checks that hold for a plan or a state as much as for a configuration (which alone
/// holds the write-only code); the qualification is checked against the contract `api` when
/// it is known.
pub(super) fn check_values(
    state: &State,
    api: Option<QualificationApi>,
) -> (Option<Qualification>, Diagnostics) {
    let mut diagnostics = Diagnostics::default();
    if let Some(customer_id) = state.customer_id.as_str() {
        diagnostics.0.extend(check_customer_id(customer_id));
    }
    if let Some(segment) = state.education_segment.as_str() {
        diagnostics.0.extend(parse_segment(segment).err());
    }
    let qualification = match state.qualification.as_str().map(|q| keepable(q, api)) {
        Some(Ok(q)) => Some(q),
        Some(Err(refusal)) => {
            diagnostics.push(refused(&refusal, NAMES.qualification));
            None
        }
        None => None,
    };
    (qualification, diagnostics)
}

/// The checks of a plan, which knows the contract and whether a request will be sent: errors
/// stop the plan, warnings are shown with it.
pub(super) fn plan_checks(
    api: QualificationApi,
    planned: &State,
    code: &Attr<String>,
    sends: bool,
) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    let qualification = planned
        .qualification
        .as_str()
        .and_then(|q| match keepable(q, Some(api)) {
            Ok(q) => Some(q),
            Err(refusal @ Refusal::NeedsAsync(_)) => {
                diagnostics.push(refused(&refusal, NAMES.qualification));
                None
            }
            // No contract keeps it: validation said so, or apply will.
            Err(_) => None,
        });
    if let Some(q) = qualification
        && sends
    {
        diagnostics.0.extend(missing_code(q, code));
        diagnostics
            .0
            .extend(missing_segment(api, q, &planned.education_segment));
    }
    if !api.sends_school() {
        for (name, value) in [
            (NAMES.education_segment, &planned.education_segment),
            (NAMES.website, &planned.website),
        ] {
            if !value.is_null() {
                diagnostics.push(not_sent(name));
            }
        }
    }
    diagnostics
}

/// The code a request for `planned` carries: the write-only one from the configuration, else
/// the stored one (at most one of them is set).
pub(super) fn request_code<'a>(planned: &'a State, config: &'a State) -> &'a Attr<String> {
    if config.validation_code_wo.is_null() {
        &planned.validation_code
    } else {
        &config.validation_code_wo
    }
}

/// A value a request needs: missing when null or blank (Partner Center would refuse a blank
/// one only after a clean plan); an unknown one is checked at apply.
fn absent(value: &Attr<String>) -> bool {
    match value {
        Attr::Null => true,
        Attr::Unknown => false,
        Attr::Known(text) => text.trim().is_empty(),
    }
}

/// The error when a request for `qualification` would go without the code it needs.
pub(super) fn missing_code(
    qualification: Qualification,
    code: &Attr<String>,
) -> Option<Diagnostic> {
    (qualification.requires_validation_code() && absent(code)).then(missing_validation_code)
}

/// The error when a request for `qualification` would go without the segment the contract
/// needs with it.
fn missing_segment(
    api: QualificationApi,
    qualification: Qualification,
    segment: &Attr<String>,
) -> Option<Diagnostic> {
    (api.needs_segment(qualification) && absent(segment))
        .then(|| refused(&Refusal::MissingSegment, NAMES.education_segment))
}

/// What a request for `state` asks for, with the code it carries, or every error about it.
pub(super) fn requested(
    api: QualificationApi,
    state: &State,
    code: &Attr<String>,
) -> Result<(Qualification, Option<EducationSegment>), Diagnostics> {
    let (qualification, mut diagnostics) = check_values(state, Some(api));
    match qualification {
        Some(q) => {
            diagnostics.0.extend(missing_code(q, code));
            diagnostics
                .0
                .extend(missing_segment(api, q, &state.education_segment));
        }
        None => diagnostics
            .0
            .extend(known(&state.qualification, NAMES.qualification).err()),
    }
    let segment = state
        .education_segment
        .as_str()
        .and_then(|s| parse_segment(s).ok());
    match qualification {
        Some(q) if !diagnostics.has_errors() => Ok((q, segment)),
        _ => Err(diagnostics),
    }
}

/// Whether applying `planned` over `prior` sends a request: Partner Center is asked again only
/// for another customer or qualification, or when the user asks to send a new write-only code.
pub(super) fn sends_request(prior: &State, planned: &State) -> bool {
    let held = prior
        .qualification
        .as_str()
        .map(str::parse::<Qualification>);
    let wanted = planned
        .qualification
        .as_str()
        .map(str::parse::<Qualification>);
    let same_qualification = matches!((held, wanted), (Some(Ok(a)), Some(Ok(b))) if a == b);
    !(same_qualification
        && names_same_customer(&prior.customer_id, &planned.customer_id)
        && prior.validation_code_wo_version == planned.validation_code_wo_version)
}

/// Whether two `customer_id` values name one customer: GUIDs compare in any case, anything
/// else (unknown, not a GUID) only when equal.
pub(super) fn names_same_customer(a: &Attr<String>, b: &Attr<String>) -> bool {
    let guid = |v: &Attr<String>| v.as_str().and_then(parse_customer_id);
    match (guid(a), guid(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b && a.as_str().is_some(),
    }
}

fn parse_segment(text: &str) -> Result<EducationSegment, Diagnostic> {
    text.parse().map_err(|()| {
        Diagnostic::error(
            "Invalid education_segment",
            format!(
                "education_segment must be \"K12\" or \"HigherEducation\" (any case); got {}.",
                quote(text)
            ),
        )
        .at(path(NAMES.education_segment))
    })
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

/// The warning for an attribute that only goes with another qualification.
fn only_with(name: &str, with: Qualification, qualification: Qualification) -> Diagnostic {
    Diagnostic::warning(
        format!("{name} is not used"),
        format!(
            "{name} is only used with {with}; it is not sent to Partner Center for \
             {qualification}. Remove it, or set qualification = \"{with}\"."
        ),
    )
    .at(path(name))
}
