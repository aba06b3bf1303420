//! The sandbox's seed and state-file format, the built-in demo seed, and generated customers.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::wire::Qualification;

/// Customers, validation codes, app registrations and token settings. `--seed` files, `--state`
/// files and `GET /admin/state` all use this format, so a saved state can seed a new sandbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Lifetime of issued access tokens (`expires_in`).
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime_secs: u64,
    /// Each refresh-token grant answers a new refresh token and invalidates the one it used.
    #[serde(default)]
    pub rotate_refresh_tokens: bool,
    /// Bearer tokens accepted as they are, without a token request.
    #[serde(default)]
    pub static_tokens: Vec<String>,
    /// Who the static tokens stand for in the activity log.
    #[serde(default, skip_serializing_if = "Actor::is_nobody")]
    pub static_token_identity: Actor,
    #[serde(default)]
    pub apps: Vec<AppRegistration>,
    #[serde(default)]
    pub customers: Vec<SeedCustomer>,
    #[serde(default)]
    pub validation_codes: Vec<SeedValidationCode>,
    /// The activity log: changes made before the sandbox started, e.g. weeks ago. Records
    /// older than the 90 days Partner Center keeps are dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_records: Vec<SeedAuditRecord>,
}

/// Who made a change, as the activity log names them: a user (`userPrincipalName`) and the
/// application they used (`applicationId`), either or both unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
}

impl Actor {
    /// A user, e.g. `alice@contoso.onmicrosoft.com`, through no known application.
    pub fn user(user_principal_name: impl Into<String>) -> Self {
        Self {
            user_principal_name: Some(user_principal_name.into()),
            application_id: None,
        }
    }

    /// An application alone (app-only credentials), by its application (client) id.
    pub fn application(application_id: impl Into<String>) -> Self {
        Self {
            user_principal_name: None,
            application_id: Some(application_id.into()),
        }
    }

    /// The same, through the application `application_id`.
    pub fn through(self, application_id: impl Into<String>) -> Self {
        Self {
            application_id: Some(application_id.into()),
            ..self
        }
    }

    /// Neither the user nor the application is known.
    pub fn is_nobody(&self) -> bool {
        self.user_principal_name.is_none() && self.application_id.is_none()
    }
}

/// The `operationType` of a qualification change.
pub const UPDATE_CUSTOMER_QUALIFICATION: &str = "update_customer_qualification";

/// One record of the activity log, in the seed's spelling of the documented AuditRecord
/// (learn.microsoft.com/partner-center/developer/auditing-resources).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAuditRecord {
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// `customer` when absent, as for a qualification change.
    #[serde(default = "customer_resource")]
    pub resource_type: String,
    /// Undocumented for qualifications: the sandbox writes `{"Qualifications":["Education"]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_old_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_new_value: Option<String>,
    /// [`UPDATE_CUSTOMER_QUALIFICATION`] when absent.
    #[serde(default = "qualification_operation")]
    pub operation_type: String,
    /// RFC 3339, e.g. `2026-05-04T10:20:30.1234567Z`.
    pub operation_date: String,
    /// `succeeded` when absent.
    #[serde(default = "succeeded")]
    pub operation_status: String,
    /// The `MS-CorrelationId` of the request that made the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_correlation_id: Option<String>,
}

impl SeedAuditRecord {
    /// A change of `customer_id`'s qualifications from `old` to `new` (each the whole set held,
    /// empty for none) made by `actor` at `at`.
    pub fn qualification_change(
        customer_id: impl Into<String>,
        old: &[Qualification],
        new: &[Qualification],
        actor: Actor,
        at: SystemTime,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            customer_name: None,
            user_principal_name: actor.user_principal_name,
            application_id: actor.application_id,
            resource_type: customer_resource(),
            resource_old_value: Some(qualifications_value(old)),
            resource_new_value: Some(qualifications_value(new)),
            operation_type: qualification_operation(),
            operation_date: rfc3339(at),
            operation_status: succeeded(),
            original_correlation_id: None,
        }
    }
}

/// An instant as the activity log writes it (RFC 3339, UTC), e.g. `2026-05-04T10:20:30.5Z`.
pub fn rfc3339(at: SystemTime) -> String {
    time::OffsetDateTime::from(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// How a record shows the qualifications a customer holds: `{"Qualifications":["Education"]}`.
pub(crate) fn qualifications_value(held: &[Qualification]) -> String {
    let names: Vec<&str> = held.iter().map(|q| q.name()).collect();
    serde_json::json!({ "Qualifications": names }).to_string()
}

fn customer_resource() -> String {
    "customer".to_owned()
}

fn qualification_operation() -> String {
    UPDATE_CUSTOMER_QUALIFICATION.to_owned()
}

fn succeeded() -> String {
    "succeeded".to_owned()
}

/// An application allowed to request tokens for one tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppRegistration {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// The refresh token the App+User grant accepts (the latest one when rotation is on).
    pub refresh_token: String,
    /// The user whose refresh token it is, as the activity log names them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
}

/// A customer and the qualifications it holds: at most one of None, Education, Nonprofit and
/// GovernmentCommunityCloud (what the legacy contract reads and writes), and StateOwnedEntity
/// beside it or alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCustomer {
    /// A GUID.
    pub id: String,
    /// The company name; the customer list answers the id when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The customer's default domain in the customer list; when absent, made from the name
    /// (`contososchooldistrict.onmicrosoft.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Any case; `None` when absent. `StateOwnedEntity` here means `state_owned_entity` and no
    /// other qualification.
    #[serde(default = "no_qualification", with = "qualification_name")]
    pub qualification: Qualification,
    /// The vetting of an Education or GovernmentCommunityCloud qualification; when absent there,
    /// `Approved` (a seed describes qualifications settled long ago). Ignored for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vetting: Option<Vetting>,
    /// Whether the customer also holds StateOwnedEntity (which has no vetting).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub state_owned_entity: bool,
}

impl SeedCustomer {
    /// A customer with no name and no qualification, for struct update syntax:
    /// `SeedCustomer { qualification: Qualification::Education, ..SeedCustomer::new(id) }`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            domain: None,
            qualification: Qualification::None,
            vetting: None,
            state_owned_entity: false,
        }
    }
}

/// Where Partner Center's review of an Education or GovernmentCommunityCloud qualification is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vetting {
    /// An open string: `Approved`, `InReview`, `Denied`, or anything else Partner Center adds.
    pub status: String,
    /// Why it was denied, e.g. `Not an Education Customer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the review started, RFC 3339 (`2020-12-04T20:54:24Z`); Partner Center leaves it
    /// out of some answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

impl Vetting {
    /// A settled qualification, as seeds describe them.
    pub fn approved() -> Self {
        Self {
            status: "Approved".to_owned(),
            reason: None,
            created: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedValidationCode {
    pub partner_id: String,
    pub organization_name: String,
    pub validation_id: String,
    pub max_creates: i64,
    pub remaining_creates: i64,
    #[serde(default)]
    pub etag: String,
}

/// Seconds, as AAD's `expires_in` for a Partner Center token.
const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 3599;

fn default_token_lifetime() -> u64 {
    DEFAULT_TOKEN_LIFETIME_SECS
}

fn no_qualification() -> Qualification {
    Qualification::None
}

/// Qualifications by name (any case in, canonical out), for seeds and admin bodies.
pub(crate) mod qualification_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::wire::Qualification;

    pub(crate) fn serialize<S: Serializer>(q: &Qualification, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(q.name())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Qualification, D::Error> {
        let name = String::deserialize(d)?;
        Qualification::from_name(&name).ok_or_else(|| {
            D::Error::custom(format!(
                "unknown qualification {name:?}; expected None, Education, Nonprofit, \
                 GovernmentCommunityCloud or StateOwnedEntity"
            ))
        })
    }
}

/// The demo's application registration (documented in the crate doc).
pub const DEMO_TENANT_ID: &str = "5a1d8e3c-0b7f-4c2e-9a6d-1e2f3a4b5c6d";
pub const DEMO_CLIENT_ID: &str = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
pub const DEMO_CLIENT_SECRET: &str = "sandbox-client-secret";
pub const DEMO_REFRESH_TOKEN: &str = "sandbox-refresh-token";
pub const DEMO_ACCESS_TOKEN: &str = "sandbox-access-token";
/// The partner user behind the demo's refresh token and static token.
pub const DEMO_USER_PRINCIPAL_NAME: &str = "admin@contosopartner.onmicrosoft.com";
pub const DEMO_PARTNER_ID: &str = "3c9e7f21-8d4b-4a6e-b5c2-7f1e0d9a8b64";

/// The demo seed's customers, none with a qualification. The first two are the README's.
pub const DEMO_SCHOOL: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";
pub const DEMO_AGENCY: &str = "4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11";
pub const DEMO_UNIVERSITY: &str = "7d2a9c4e-1b3f-4e5d-8a6c-9f0e1d2c3b4a";
pub const DEMO_STATE_DEPARTMENT: &str = "a8b7c6d5-e4f3-4a2b-9c1d-0e9f8a7b6c5d";
pub const DEMO_NONPROFIT: &str = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b";
/// Each demo customer's id and company name, in the order of the seed.
pub const DEMO_CUSTOMERS: [(&str, &str); 5] = [
    (DEMO_SCHOOL, "Contoso School District"),
    (DEMO_AGENCY, "Fabrikam County Agency"),
    (DEMO_UNIVERSITY, "Northwind University"),
    (DEMO_STATE_DEPARTMENT, "Tailspin State Department"),
    (DEMO_NONPROFIT, "Woodgrove Nonprofit"),
];
/// A GUID that no seed holds: the API answers 404 for it.
pub const UNKNOWN_CUSTOMER: &str = "11111111-2222-4333-8444-555555555555";

/// The demo's GovernmentCommunityCloud validation codes: ten creates, and a single one.
pub const DEMO_VALIDATION_CODE: &str = "GCC-DEMO-0001";
pub const DEMO_SINGLE_USE_VALIDATION_CODE: &str = "GCC-DEMO-0002";

impl Seed {
    /// A seed with no customers, codes, apps or tokens.
    pub fn empty() -> Self {
        Self {
            token_lifetime_secs: DEFAULT_TOKEN_LIFETIME_SECS,
            rotate_refresh_tokens: false,
            static_tokens: Vec::new(),
            static_token_identity: Actor::default(),
            apps: Vec::new(),
            customers: Vec::new(),
            validation_codes: Vec::new(),
            audit_records: Vec::new(),
        }
    }

    /// The built-in seed: [`DEMO_CUSTOMERS`], all without a qualification, two validation
    /// codes, one app registration and one static token, both [`DEMO_USER_PRINCIPAL_NAME`]'s
    /// through the application [`DEMO_CLIENT_ID`].
    pub fn demo() -> Self {
        let code = |validation_id: &str, organization_name: &str, max_creates, etag: &str| {
            SeedValidationCode {
                partner_id: DEMO_PARTNER_ID.to_owned(),
                organization_name: organization_name.to_owned(),
                validation_id: validation_id.to_owned(),
                max_creates,
                remaining_creates: max_creates,
                etag: etag.to_owned(),
            }
        };
        Self {
            static_tokens: vec![DEMO_ACCESS_TOKEN.to_owned()],
            static_token_identity: Actor::user(DEMO_USER_PRINCIPAL_NAME).through(DEMO_CLIENT_ID),
            apps: vec![AppRegistration {
                tenant_id: DEMO_TENANT_ID.to_owned(),
                client_id: DEMO_CLIENT_ID.to_owned(),
                client_secret: DEMO_CLIENT_SECRET.to_owned(),
                refresh_token: DEMO_REFRESH_TOKEN.to_owned(),
                user_principal_name: Some(DEMO_USER_PRINCIPAL_NAME.to_owned()),
            }],
            customers: DEMO_CUSTOMERS
                .iter()
                .map(|(id, name)| SeedCustomer {
                    name: Some((*name).to_owned()),
                    ..SeedCustomer::new(*id)
                })
                .collect(),
            validation_codes: vec![
                code(
                    DEMO_VALIDATION_CODE,
                    "Fabrikam County Agency",
                    10,
                    "W/\"1\"",
                ),
                code(
                    DEMO_SINGLE_USE_VALIDATION_CODE,
                    "Tailspin State Department",
                    1,
                    "W/\"2\"",
                ),
            ],
            ..Self::empty()
        }
    }
}

/// The id of generated customer `n` (1-based): `00000000-0000-4000-8000-{n:012}`, e.g.
/// `00000000-0000-4000-8000-000000000042`, so benchmarks can name them without reading state.
pub fn generated_customer_id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::is_guid;

    #[test]
    fn demo_seed_round_trips_and_is_valid() {
        let demo = Seed::demo();
        let json = serde_json::to_string(&demo).expect("serializes");
        assert_eq!(serde_json::from_str::<Seed>(&json).expect("parses"), demo);
        assert!(demo.customers.iter().all(|c| is_guid(&c.id)));
        assert!(is_guid(UNKNOWN_CUSTOMER));
        assert!(!demo.customers.iter().any(|c| c.id == UNKNOWN_CUSTOMER));
    }

    #[test]
    fn minimal_seed_uses_defaults_and_any_case() {
        let seed: Seed = serde_json::from_str(
            r#"{"customers":[{"id":"0c39d6d5-c70d-4c55-bc02-f620844f3fd1","qualification":"education"},
                             {"id":"4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11"}]}"#,
        )
        .expect("parses");
        assert_eq!(seed.token_lifetime_secs, 3599);
        assert_eq!(seed.customers[0].qualification, Qualification::Education);
        assert_eq!(seed.customers[1].qualification, Qualification::None);
        assert!(
            serde_json::from_str::<Seed>(r#"{"customers":[{"id":"x","qualification":"gold"}]}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<Seed>(r#"{"unknown":1}"#).is_err());
    }

    #[test]
    fn generated_ids_are_guids() {
        assert_eq!(
            generated_customer_id(42),
            "00000000-0000-4000-8000-000000000042"
        );
        assert!(is_guid(&generated_customer_id(999_999_999_999)));
    }
}
