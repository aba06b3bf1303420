//! What each contract lets a customer's qualification be, and what a request for one carries:
//! the rules a user meets where the documented PUT and the asynchronous POST differ, each with
//! its message. The client sends what the contract has a place for; the provider checks a
//! configuration here before any request, and points each message at its attribute.

use super::model::{Qualification, QualificationApi, QualificationRequest};
use crate::quote::quote;

/// What a resource's qualification may be, for messages.
pub const SETTABLE: &str = "Education or GovernmentCommunityCloud (any case), or StateOwnedEntity \
                            with qualification_api = \"async\"";

/// A qualification, or a request for one, that the rules refuse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{} is not a qualification this resource can set; qualification must be {SETTABLE}.",
        quote(.0)
    )]
    Unknown(String),
    /// None and Nonprofit, which no contract sets.
    #[error(
        "{} ({qualification}) cannot be set through the Partner Center API; qualification must \
         be {SETTABLE}.",
        quote(.text)
    )]
    NeverSettable {
        text: String,
        qualification: Qualification,
    },
    /// StateOwnedEntity, which only the asynchronous contract sets.
    #[error(
        "{0} can be set only through POST /v1/customers/{{id}}/qualifications: set \
         qualification_api = \"async\" in the provider block (or \
         PARTNERCENTER_QUALIFICATION_API=async). The documented PUT (qualification_api = \
         \"legacy\", the default) sets only Education and GovernmentCommunityCloud."
    )]
    NeedsAsync(Qualification),
    /// Education through the asynchronous contract, which needs the kind of school.
    #[error(
        "With qualification_api = \"async\", setting Education needs the kind of school: set \
         education_segment to \"K12\" or \"HigherEducation\"."
    )]
    MissingSegment,
}

impl Refusal {
    /// The message's title.
    pub fn summary(&self) -> &'static str {
        match self {
            Self::Unknown(_) | Self::NeverSettable { .. } => "Invalid qualification",
            Self::NeedsAsync(_) => "Qualification needs the asynchronous contract",
            Self::MissingSegment => "Missing education_segment",
        }
    }
}

/// A setting of the request that the contract has no place for, so it is not sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0} is sent only with qualification_api = \"async\"; the documented PUT \
     (qualification_api = \"legacy\", the default) has no place for it."
)]
pub struct NotSent(pub &'static str);

impl NotSent {
    /// The message's title.
    pub fn summary(&self) -> String {
        format!("{} is not sent", self.0)
    }
}

impl QualificationApi {
    /// Whether a resource under this contract can keep `qualification`: set it, and find it
    /// among the customers. The documented PUT sets Education and GovernmentCommunityCloud; the
    /// asynchronous POST StateOwnedEntity too; none sets None or Nonprofit.
    pub fn keeps(self, qualification: Qualification) -> bool {
        match qualification {
            Qualification::None | Qualification::Nonprofit => false,
            Qualification::Education | Qualification::GovernmentCommunityCloud => true,
            Qualification::StateOwnedEntity => self == Self::Async,
        }
    }

    /// Whether Partner Center vets what this contract sets, and says so in its answers.
    pub fn vets(self) -> bool {
        self == Self::Async
    }

    /// Whether this contract's requests carry an Education's segment and website.
    pub fn sends_school(self) -> bool {
        self == Self::Async
    }

    /// Whether a request for `qualification` needs an education segment.
    pub fn needs_segment(self, qualification: Qualification) -> bool {
        self.sends_school() && qualification == Qualification::Education
    }
}

/// The qualification `text` names, in any case, when a resource can keep it under `api`, or
/// under some contract while the contract is not known (a configuration is validated before
/// the provider is configured).
pub fn keepable(text: &str, api: Option<QualificationApi>) -> Result<Qualification, Refusal> {
    let qualification = text
        .parse::<Qualification>()
        .map_err(|_| Refusal::Unknown(text.to_owned()))?;
    let contracts = [QualificationApi::Legacy, QualificationApi::Async];
    let keeps = |api: QualificationApi| api.keeps(qualification);
    if api.map_or_else(|| contracts.into_iter().any(keeps), keeps) {
        Ok(qualification)
    } else if contracts.into_iter().any(keeps) {
        Err(Refusal::NeedsAsync(qualification))
    } else {
        Err(Refusal::NeverSettable {
            text: text.to_owned(),
            qualification,
        })
    }
}

impl<'a> QualificationRequest<'a> {
    /// The request as `api` sends it: a validation code only with GovernmentCommunityCloud; a
    /// segment and a website only with Education, and only where the contract has a place for
    /// them.
    pub(crate) fn as_sent(&self, api: QualificationApi) -> Self {
        let school = api.needs_segment(self.qualification);
        Self {
            qualification: self.qualification,
            education_segment: self.education_segment.filter(|_| school),
            website: self.website.filter(|_| school),
            validation_code: self
                .validation_code
                .filter(|_| self.qualification.requires_validation_code()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partnercenter::{EducationSegment, Secret};

    use QualificationApi::{Async, Legacy};

    #[test]
    fn what_each_contract_keeps() {
        let kept = |api: QualificationApi| -> Vec<_> {
            Qualification::ALL
                .into_iter()
                .filter(|q| api.keeps(*q))
                .collect()
        };
        use Qualification::{Education, GovernmentCommunityCloud, StateOwnedEntity};
        assert_eq!(kept(Legacy), [Education, GovernmentCommunityCloud]);
        assert_eq!(
            kept(Async),
            [Education, GovernmentCommunityCloud, StateOwnedEntity]
        );
    }

    #[test]
    fn refusals_quote_the_text_and_name_the_rule() {
        assert_eq!(
            keepable("education", Some(Legacy)),
            Ok(Qualification::Education)
        );
        assert_eq!(
            keepable("stateownedentity", None),
            Ok(Qualification::StateOwnedEntity)
        );
        let refused = keepable("stateownedentity", Some(Legacy)).unwrap_err();
        assert_eq!(
            refused,
            Refusal::NeedsAsync(Qualification::StateOwnedEntity)
        );
        assert_eq!(
            refused.summary(),
            "Qualification needs the asynchronous contract"
        );
        assert!(
            refused.to_string().contains("qualification_api"),
            "{refused}"
        );
        for (text, says) in [
            ("nonprofit", "\"nonprofit\" (Nonprofit) cannot be set"),
            (
                "Gold\u{1b}[31m",
                "\"Gold\\u{1b}[31m\" is not a qualification",
            ),
        ] {
            for api in [None, Some(Legacy), Some(Async)] {
                let refused = keepable(text, api).unwrap_err();
                assert_eq!(refused.summary(), "Invalid qualification");
                let message = refused.to_string();
                assert!(message.starts_with(says), "{message}");
                assert!(message.contains(SETTABLE), "{message}");
            }
        }
        let long = "x".repeat(1 << 20);
        assert!(keepable(&long, None).unwrap_err().to_string().len() < 400);
    }

    #[test]
    fn requests_carry_what_the_contract_has_a_place_for() {
        let code = Secret::new("GCC-1");
        let education = QualificationRequest {
            education_segment: Some(EducationSegment::K12),
            website: Some("https://school.example"),
            ..QualificationRequest::new(Qualification::Education, Some(&code))
        };
        let sent = education.as_sent(Async);
        assert_eq!(sent.education_segment, Some(EducationSegment::K12));
        assert_eq!(sent.website, Some("https://school.example"));
        assert!(sent.validation_code.is_none());
        let sent = education.as_sent(Legacy);
        assert!(sent.education_segment.is_none() && sent.website.is_none());
        let government = QualificationRequest {
            qualification: Qualification::GovernmentCommunityCloud,
            ..education
        };
        for api in [Legacy, Async] {
            let sent = government.as_sent(api);
            assert!(sent.education_segment.is_none() && sent.website.is_none());
            assert_eq!(sent.validation_code.map(Secret::expose), Some("GCC-1"));
        }
        assert!(Async.needs_segment(Qualification::Education));
        assert!(!Legacy.needs_segment(Qualification::Education));
        assert!(!Async.needs_segment(Qualification::StateOwnedEntity));
        assert!(Async.vets() && !Legacy.vets());
    }
}
