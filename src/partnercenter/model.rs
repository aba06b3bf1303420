//! Partner Center's domain values: customer ids, the customer qualification (what is asked for
//! and what a customer holds) and the partner's validation codes. What each contract lets a
//! qualification be is in `rules.rs`.

use std::fmt;

use super::config::Secret;
use crate::quote::quote;

/// A customer id: the customer's Entra ID tenant id, a GUID in its usual hyphenated
/// 36-character form, in any case. `None` for anything else (braces, no hyphens, URNs).
/// Two spellings of one id parse to the same value.
pub fn parse_customer_id(text: &str) -> Option<uuid::Uuid> {
    if text.len() == 36 {
        uuid::Uuid::try_parse(text).ok()
    } else {
        None
    }
}

/// The CustomerQualification enum of Partner Center, in the order of its wire integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Qualification {
    None,
    Education,
    Nonprofit,
    GovernmentCommunityCloud,
    StateOwnedEntity,
}

names!(
    Qualification {
        None => "None",
        Education => "Education",
        Nonprofit => "Nonprofit",
        GovernmentCommunityCloud => "GovernmentCommunityCloud",
        StateOwnedEntity => "StateOwnedEntity",
    } else |text| UnknownQualification(text.to_owned()) => UnknownQualification
);

impl Qualification {
    /// The integer that the PUT body carries.
    pub fn wire_value(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Education => 1,
            Self::Nonprofit => 2,
            Self::GovernmentCommunityCloud => 3,
            Self::StateOwnedEntity => 4,
        }
    }

    /// Whether a set needs a validation code (`?code=`).
    pub fn requires_validation_code(self) -> bool {
        self == Self::GovernmentCommunityCloud
    }
}

impl fmt::Display for Qualification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Gives a fieldless enum `ALL` (its variants, in order), `as_str` (each one's name, in the
/// spelling given) and a `FromStr` that reads a name back, trimmed and in any case. Without an
/// `else`, an unknown name is an `Err(())`.
macro_rules! names {
    ($enum:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        names!($enum { $($variant => $name),+ } else |_text| () => ());
    };
    (
        $enum:ident { $($variant:ident => $name:literal),+ $(,)? }
        else |$text:ident| $unknown:expr => $err:ty
    ) => {
        impl $enum {
            pub const ALL: [Self; [$($name),+].len()] = [$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }

        impl std::str::FromStr for $enum {
            type Err = $err;

            fn from_str($text: &str) -> Result<Self, $err> {
                let trimmed = $text.trim();
                Self::ALL
                    .into_iter()
                    .find(|value| value.as_str().eq_ignore_ascii_case(trimmed))
                    .ok_or_else(|| $unknown)
            }
        }
    };
}

pub(super) use names;

/// A string that names no qualification.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown qualification {}; expected one of None, Education, Nonprofit, GovernmentCommunityCloud, StateOwnedEntity",
    quote(.0)
)]
pub struct UnknownQualification(pub String);

/// Which Partner Center contract sets and reads qualifications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QualificationApi {
    /// The documented `PUT` / `GET /v1/customers/{id}/qualification`.
    #[default]
    Legacy,
    /// `POST` / `GET /v1/customers/{id}/qualifications`, with vetting.
    Async,
}

names!(QualificationApi { Legacy => "legacy", Async => "async" });

/// The kind of school an Education qualification is for (asynchronous contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EducationSegment {
    K12,
    HigherEducation,
}

names!(EducationSegment { K12 => "K12", HigherEducation => "HigherEducation" });

/// What setting a qualification asks for. The client sends of it what its contract has a
/// place for (`QualificationRequest::as_sent` in `rules.rs`).
#[derive(Clone, Copy, Debug)]
pub struct QualificationRequest<'a> {
    pub qualification: Qualification,
    /// Required by the asynchronous contract with Education.
    pub education_segment: Option<EducationSegment>,
    /// Only with Education.
    pub website: Option<&'a str>,
    /// Required with GovernmentCommunityCloud; a secret.
    pub validation_code: Option<&'a Secret>,
}

impl<'a> QualificationRequest<'a> {
    /// Asks for `qualification`, with the validation code if it needs one.
    pub fn new(qualification: Qualification, validation_code: Option<&'a Secret>) -> Self {
        Self {
            qualification,
            education_segment: None,
            website: None,
            validation_code,
        }
    }
}

/// One qualification a customer holds, with its vetting (the asynchronous contract's; the
/// legacy contract has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VettedQualification {
    /// As Partner Center spells it (any case; possibly a name this client does not know).
    pub qualification: String,
    /// `Approved`, `InReview`, `Denied`, or another word Partner Center may add.
    pub vetting_status: Option<String>,
    /// Why vetting was denied.
    pub vetting_reason: Option<String>,
    /// When vetting started, as Partner Center wrote it (RFC 3339).
    pub vetting_created: Option<String>,
}

impl VettedQualification {
    /// `qualification`, without vetting.
    pub fn unvetted(qualification: Qualification) -> Self {
        Self {
            qualification: qualification.as_str().to_owned(),
            vetting_status: None,
            vetting_reason: None,
            vetting_created: None,
        }
    }

    /// The qualification, when it is one this client knows.
    pub fn kind(&self) -> Option<Qualification> {
        self.qualification.parse().ok()
    }

    /// The canonical spelling when the qualification is known, else Partner Center's.
    pub fn name(&self) -> String {
        self.kind()
            .map_or_else(|| self.qualification.clone(), |q| q.as_str().to_owned())
    }

    /// Whether vetting refused it.
    pub fn is_denied(&self) -> bool {
        self.vetting_status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("Denied"))
    }
}

/// The qualification that stands for a customer when it holds several: the one that is not
/// StateOwnedEntity (the one the legacy GET answers), else the first. `None` when it holds
/// none.
pub fn principal(listed: &[VettedQualification]) -> Option<&VettedQualification> {
    listed
        .iter()
        .find(|e| e.kind() != Some(Qualification::StateOwnedEntity))
        .or_else(|| listed.first())
}

/// One of the partner's Government Community Cloud validation codes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationCode {
    #[serde(default)]
    pub partner_id: String,
    #[serde(default)]
    pub organization_name: String,
    /// What the PUT takes as `?code=`; a secret.
    pub validation_id: Secret,
    #[serde(default)]
    pub max_creates: i64,
    #[serde(default)]
    pub remaining_creates: i64,
    #[serde(default, rename = "eTag")]
    pub etag: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ids_are_hyphenated_guids_in_any_case() {
        let lower = parse_customer_id("0c39d6d5-c70d-4c55-bc02-f620844f3fd1");
        assert!(lower.is_some());
        assert_eq!(
            parse_customer_id("0C39D6D5-C70D-4C55-BC02-F620844F3FD1"),
            lower
        );
        for bad in [
            "0c39d6d5c70d4c55bc02f620844f3fd1",
            "{0c39d6d5-c70d-4c55-bc02-f620844f3fd1}",
            "urn:uuid:0c39d6d5-c70d-4c55-bc02-f620844f3fd1",
            "not-a-guid",
            "",
        ] {
            assert_eq!(parse_customer_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_any_case() {
        for (text, q) in [
            ("education", Qualification::Education),
            ("EDUCATION", Qualification::Education),
            (" Education ", Qualification::Education),
            (
                "governmentcommunitycloud",
                Qualification::GovernmentCommunityCloud,
            ),
            ("none", Qualification::None),
            ("NonProfit", Qualification::Nonprofit),
            ("stateOwnedEntity", Qualification::StateOwnedEntity),
        ] {
            assert_eq!(text.parse::<Qualification>(), Ok(q), "{text}");
        }
        for bad in ["Educational", ""] {
            assert_eq!(
                bad.parse::<Qualification>(),
                Err(UnknownQualification(bad.to_owned()))
            );
        }
    }

    #[test]
    fn canonical_names_round_trip_and_wire_values_are_the_enums() {
        for q in Qualification::ALL {
            assert_eq!(q.as_str().parse::<Qualification>(), Ok(q));
        }
        // The CustomerQualification enum's integers, in its documented order.
        let wire: Vec<u8> = Qualification::ALL.map(Qualification::wire_value).into();
        assert_eq!(wire, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn only_government_needs_a_code() {
        let needing: Vec<_> = Qualification::ALL
            .into_iter()
            .filter(|q| q.requires_validation_code())
            .collect();
        assert_eq!(needing, [Qualification::GovernmentCommunityCloud]);
    }

    #[test]
    fn contracts_and_segments_parse_in_any_case() {
        assert_eq!("ASYNC".parse(), Ok(QualificationApi::Async));
        assert_eq!(" legacy ".parse(), Ok(QualificationApi::Legacy));
        assert_eq!("v2".parse::<QualificationApi>(), Err(()));
        assert_eq!("k12".parse(), Ok(EducationSegment::K12));
        assert_eq!(
            "highereducation".parse(),
            Ok(EducationSegment::HigherEducation)
        );
        assert_eq!("college".parse::<EducationSegment>(), Err(()));
    }

    #[test]
    fn validation_code_decodes_partner_center_casing() {
        let json = r#"[{"partnerId":"p","organizationName":"Org","validationId":"V-1",
                        "maxCreates":5,"remainingCreates":4,"eTag":"W/1"}]"#;
        let codes: Vec<ValidationCode> = serde_json::from_str(json).expect("decodes");
        assert_eq!(codes[0].validation_id.expose(), "V-1");
        assert_eq!((codes[0].max_creates, codes[0].remaining_creates), (5, 4));
        assert_eq!(codes[0].etag.as_deref(), Some("W/1"));
        assert!(!format!("{codes:?}").contains("V-1"));
    }
}
