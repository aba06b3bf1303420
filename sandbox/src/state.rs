//! The sandbox's data (customers, validation codes, tokens) and Partner Center's rules over it.

use std::collections::BTreeMap;
use std::ops::Bound;

use time::OffsetDateTime;

use crate::answered::Answered;
use crate::audit::{AuditLog, InvalidRecord};
use crate::seed::{Actor, Seed, SeedAuditRecord, SeedCustomer, SeedValidationCode, Vetting};
use crate::token::Tokens;
use crate::wire::{Qualification, error_codes, is_guid};

/// A refusal in Partner Center's terms; `api` renders it as `{"code","description","data","source"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiFailure {
    pub(crate) status: u16,
    /// Partner Center's error code, where the sandbox knows which one Partner Center uses.
    pub(crate) code: Option<u32>,
    pub(crate) description: String,
}

impl ApiFailure {
    pub(crate) fn bad_request(code: u32, description: impl Into<String>) -> Self {
        Self {
            status: 400,
            code: Some(code),
            description: description.into(),
        }
    }

    /// What Partner Center answers an app-only token on an operation that needs a user.
    pub(crate) fn app_only_forbidden() -> Self {
        Self {
            status: 403,
            code: None,
            description: "This resource can't be accessed by application credentials.".to_owned(),
        }
    }
}

/// Why an admin change was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AdminRefusal {
    #[error("customer id {0:?} is not a GUID")]
    NotAGuid(String),
    #[error(transparent)]
    InvalidRecord(#[from] InvalidRecord),
    #[error("there is no customer {0}")]
    UnknownCustomer(String),
    #[error(
        "customer {customer} holds {qualification}, which has no vetting; only Education and \
         GovernmentCommunityCloud are vetted"
    )]
    NotVetted {
        customer: String,
        qualification: &'static str,
    },
}

/// Where a change comes from: who made it (for the activity log) and the request that asked for
/// it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Origin {
    /// The `MS-RequestId`: a retry of a change already applied is answered, not applied again.
    pub(crate) request_id: Option<String>,
    /// The `MS-CorrelationId`, the record's `originalCorrelationId`.
    pub(crate) correlation_id: Option<String>,
    pub(crate) actor: Actor,
    /// When the record says the change was made; now when absent.
    pub(crate) at: Option<OffsetDateTime>,
}

/// A qualification a customer holds, as the asynchronous contract lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Held {
    pub(crate) qualification: Qualification,
    /// Education and GovernmentCommunityCloud only.
    pub(crate) vetting: Option<Vetting>,
}

/// A qualification the POST may set, with what it needs to be set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Requested {
    /// The segment and website are checked when the body is read, and never returned.
    Education,
    GovernmentCommunityCloud {
        validation_code: String,
    },
    StateOwnedEntity,
}

/// What a POST did: the entry it set, and everything the customer holds now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Posted {
    pub(crate) set: Held,
    pub(crate) all: Vec<Held>,
}

/// A change already applied, kept to answer a retry of the same request.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Applied {
    Put(Qualification),
    Post(Posted),
}

impl Applied {
    fn put(self) -> Option<Qualification> {
        match self {
            Self::Put(answer) => Some(answer),
            Self::Post(_) => None,
        }
    }

    fn post(self) -> Option<Posted> {
        match self {
            Self::Post(answer) => Some(answer),
            Self::Put(_) => None,
        }
    }
}

/// Whether Partner Center reviews the qualification (and answers a vetting status for it).
fn is_vetted(qualification: Qualification) -> bool {
    matches!(
        qualification,
        Qualification::Education | Qualification::GovernmentCommunityCloud
    )
}

/// The review a qualification gets when a customer takes it: in review from now on.
fn review_starting_now() -> Vetting {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    Vetting {
        status: "InReview".to_owned(),
        reason: None,
        created: now
            .format(&time::format_description::well_known::Rfc3339)
            .ok(),
    }
}

#[derive(Clone, Debug)]
struct Customer {
    name: Option<String>,
    domain: Option<String>,
    /// What the legacy contract reads and writes: never StateOwnedEntity.
    qualification: Qualification,
    /// Present exactly when `qualification` is vetted.
    vetting: Option<Vetting>,
    state_owned_entity: bool,
}

impl Customer {
    /// What the asynchronous GET lists: the qualification unless None, then StateOwnedEntity.
    fn held(&self) -> Vec<Held> {
        let main = (self.qualification != Qualification::None).then(|| Held {
            qualification: self.qualification,
            vetting: self.vetting.clone(),
        });
        let state_owned = self.state_owned_entity.then_some(Held {
            qualification: Qualification::StateOwnedEntity,
            vetting: None,
        });
        main.into_iter().chain(state_owned).collect()
    }

    fn held_qualifications(&self) -> Vec<Qualification> {
        self.held().into_iter().map(|h| h.qualification).collect()
    }

    /// Takes a qualification: StateOwnedEntity beside the other, anything else in its place.
    /// Taking a vetted qualification anew starts its review; keeping it keeps the review.
    fn take(&mut self, qualification: Qualification) {
        if qualification == Qualification::StateOwnedEntity {
            self.state_owned_entity = true;
        } else if qualification != self.qualification {
            self.qualification = qualification;
            self.vetting = is_vetted(qualification).then(review_starting_now);
        }
    }
}

/// A customer as the customer list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Listed {
    /// The lowercase GUID, also the customer's tenant id.
    pub(crate) id: String,
    pub(crate) company_name: String,
    pub(crate) domain: String,
}

/// One page of the customer list, and whether more follow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) customers: Vec<Listed>,
    pub(crate) more: bool,
}

/// A default domain made from the company name, as Entra ID suggests one.
fn default_domain(id: &str, name: Option<&str>) -> String {
    let label: String = name
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let label = if label.is_empty() {
        id.chars().take(8).collect()
    } else {
        label
    };
    format!("{label}.onmicrosoft.com")
}

/// Everything the sandbox knows; kept behind one mutex, never held across an await.
#[derive(Debug)]
pub(crate) struct State {
    /// Keyed by the lowercase GUID (Partner Center ids are case-insensitive), in order.
    customers: BTreeMap<String, Customer>,
    codes: Vec<SeedValidationCode>,
    pub(crate) tokens: Tokens,
    answered: Answered<Applied>,
    /// Changes applied (not answered again from `answered`) since the counters were reset:
    /// customer → `MS-RequestId` (`""` without one) → how many times.
    accepted: Accepted,
    /// A record of every change.
    audit: AuditLog,
}

/// Customer → `MS-RequestId` → changes applied.
pub(crate) type Accepted = BTreeMap<String, BTreeMap<String, u64>>;

impl State {
    pub(crate) fn from_seed(seed: Seed) -> Result<Self, AdminRefusal> {
        let mut state = Self {
            customers: BTreeMap::new(),
            codes: Vec::new(),
            tokens: Tokens::from_seed(&seed),
            answered: Answered::default(),
            accepted: Accepted::new(),
            audit: AuditLog::from_records(seed.audit_records, OffsetDateTime::now_utc())?,
        };
        for customer in seed.customers {
            state.upsert_customer(customer)?;
        }
        state.codes = seed.validation_codes;
        Ok(state)
    }

    /// The state in seed form, customers sorted by id so that saved files diff well.
    pub(crate) fn to_seed(&self) -> Seed {
        let customers = self
            .customers
            .iter()
            .map(|(id, c)| SeedCustomer {
                id: id.clone(),
                name: c.name.clone(),
                domain: c.domain.clone(),
                qualification: c.qualification,
                vetting: c.vetting.clone(),
                state_owned_entity: c.state_owned_entity,
            })
            .collect();
        let mut seed = Seed {
            customers,
            validation_codes: self.codes.clone(),
            audit_records: self.audit.records(),
            ..Seed::empty()
        };
        self.tokens.write_into(&mut seed);
        seed
    }

    pub(crate) fn validation_codes(&self) -> &[SeedValidationCode] {
        &self.codes
    }

    /// The customer's key, or the answer Partner Center gives for a malformed or unknown id.
    fn existing(&self, customer_id: &str) -> Result<String, ApiFailure> {
        if !is_guid(customer_id) {
            return Err(ApiFailure::bad_request(
                error_codes::INVALID_TENANT_ID,
                format!("The customer id {customer_id} is not a valid GUID."),
            ));
        }
        let key = customer_id.to_ascii_lowercase();
        if self.customers.contains_key(&key) {
            Ok(key)
        } else {
            Err(ApiFailure {
                status: 404,
                code: Some(error_codes::CUSTOMER_NOT_FOUND),
                description: format!("Customer {customer_id} was not found."),
            })
        }
    }

    fn customer_mut(&mut self, key: &str) -> &mut Customer {
        self.customers
            .get_mut(key)
            .expect("the key comes from State::existing under the same lock")
    }

    /// The legacy GET: the qualification that is not StateOwnedEntity, or None.
    pub(crate) fn qualification(&self, customer_id: &str) -> Result<Qualification, ApiFailure> {
        let key = self.existing(customer_id)?;
        Ok(self.customers[&key].qualification)
    }

    /// The asynchronous GET: every qualification held.
    pub(crate) fn qualifications(&self, customer_id: &str) -> Result<Vec<Held>, ApiFailure> {
        let key = self.existing(customer_id)?;
        Ok(self.customers[&key].held())
    }

    /// The legacy PUT. `body` is the request body, `code` the `?code=` query; a retry of a call
    /// already applied (by its `MS-RequestId`) gets the same answer again.
    pub(crate) fn set_qualification(
        &mut self,
        customer_id: &str,
        body: &str,
        code: Option<&str>,
        origin: &Origin,
    ) -> Result<Qualification, ApiFailure> {
        self.apply_once(
            customer_id,
            origin,
            Applied::Put,
            Applied::put,
            |state, key| {
                let wanted = serde_json::from_str::<serde_json::Value>(body.trim())
                    .ok()
                    .and_then(|v| v.as_u64())
                    .and_then(Qualification::from_integer)
                    .ok_or_else(|| {
                        ApiFailure::bad_request(
                            error_codes::INVALID_PROPERTY,
                            "The request body must be a CustomerQualification integer from 0 to 4.",
                        )
                    })?;
                // The REST reference lets the PUT set these two only.
                if !is_vetted(wanted) {
                    return Err(ApiFailure::bad_request(
                        error_codes::INVALID_PROPERTY,
                        format!(
                            "The qualification {} cannot be set through this API; \
                             only Education and GovernmentCommunityCloud can.",
                            wanted.name()
                        ),
                    ));
                }
                let current = state.customers[key].qualification;
                // Setting GovernmentCommunityCloud again is a no-op and must not spend a second
                // create.
                if wanted == Qualification::GovernmentCommunityCloud && current != wanted {
                    state.consume_code(code, "in the code query parameter")?;
                }
                state.change(key, origin, |customer| customer.take(wanted));
                Ok(wanted)
            },
        )
    }

    /// The asynchronous POST, its body already read into `requested`; idempotent by its
    /// `MS-RequestId` like the PUT.
    pub(crate) fn post_qualification(
        &mut self,
        customer_id: &str,
        requested: Requested,
        origin: &Origin,
    ) -> Result<Posted, ApiFailure> {
        self.apply_once(
            customer_id,
            origin,
            Applied::Post,
            Applied::post,
            |state, key| {
                let wanted = match requested {
                    Requested::Education => Qualification::Education,
                    Requested::StateOwnedEntity => Qualification::StateOwnedEntity,
                    Requested::GovernmentCommunityCloud { validation_code } => {
                        let gcc = Qualification::GovernmentCommunityCloud;
                        if state.customers[key].qualification != gcc {
                            state.consume_code(Some(&validation_code), "as validationCode")?;
                        }
                        gcc
                    }
                };
                state.change(key, origin, |customer| customer.take(wanted));
                let all = state.customers[key].held();
                let set = all
                    .iter()
                    .find(|held| held.qualification == wanted)
                    .cloned()
                    .expect("the customer has just taken it");
                Ok(Posted { set, all })
            },
        )
    }

    /// Applies a change to an existing customer once per `MS-RequestId`: a retry of a change
    /// already applied gets its answer again (`answered` picks it out of what the request got,
    /// which `applied` records), and is neither applied nor counted twice. An id reused for
    /// another kind of change is another request.
    fn apply_once<T: Clone>(
        &mut self,
        customer_id: &str,
        origin: &Origin,
        applied: fn(T) -> Applied,
        answered: fn(Applied) -> Option<T>,
        apply: impl FnOnce(&mut Self, &str) -> Result<T, ApiFailure>,
    ) -> Result<T, ApiFailure> {
        let key = self.existing(customer_id)?;
        let request_id = origin.request_id.as_deref();
        if let Some(done) = request_id
            .and_then(|id| self.answered.get(id, &key))
            .and_then(answered)
        {
            return Ok(done);
        }
        let answer = apply(self, &key)?;
        self.count_accepted(&key, request_id);
        if let Some(id) = request_id {
            self.answered.insert(id, key, applied(answer.clone()));
        }
        Ok(answer)
    }

    /// Changes a customer and records it in the activity log: its qualifications before and
    /// after, by whom, and when.
    fn change<T>(
        &mut self,
        key: &str,
        origin: &Origin,
        change: impl FnOnce(&mut Customer) -> T,
    ) -> T {
        let before = self.customers[key].held_qualifications();
        let customer = self.customer_mut(key);
        let outcome = change(customer);
        let after = customer.held_qualifications();
        let now = OffsetDateTime::now_utc();
        let date = origin.at.unwrap_or(now);
        let record = SeedAuditRecord {
            customer_name: customer.name.clone(),
            original_correlation_id: origin.correlation_id.clone(),
            ..SeedAuditRecord::qualification_change(
                key,
                &before,
                &after,
                origin.actor.clone(),
                date.into(),
            )
        };
        self.audit.append(date, record, now);
        outcome
    }

    /// The activity log.
    pub(crate) fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    /// Adds records as written (the admin route).
    pub(crate) fn add_audit_records(
        &mut self,
        records: Vec<SeedAuditRecord>,
    ) -> Result<(), AdminRefusal> {
        let now = OffsetDateTime::now_utc();
        records
            .into_iter()
            .try_for_each(|record| self.audit.add(record, now))
            .map_err(AdminRefusal::from)
    }

    fn count_accepted(&mut self, key: &str, request_id: Option<&str>) {
        *self
            .accepted
            .entry(key.to_owned())
            .or_default()
            .entry(request_id.unwrap_or_default().to_owned())
            .or_default() += 1;
    }

    /// The changes applied since the counters were last reset.
    pub(crate) fn accepted(&self) -> &Accepted {
        &self.accepted
    }

    pub(crate) fn reset_accepted(&mut self) {
        self.accepted.clear();
    }

    /// Spends one create of a validation code; `place` says where the request carries it.
    fn consume_code(&mut self, code: Option<&str>, place: &str) -> Result<(), ApiFailure> {
        let code = code.filter(|c| !c.is_empty()).ok_or_else(|| {
            ApiFailure::bad_request(
                error_codes::INVALID_PROPERTY,
                format!("GovernmentCommunityCloud requires a validation code {place}."),
            )
        })?;
        let entry = self
            .codes
            .iter_mut()
            .find(|c| c.validation_id == code)
            .ok_or_else(|| {
                ApiFailure::bad_request(
                    error_codes::INVALID_PROPERTY,
                    "The validation code is not one of this partner's validation codes.",
                )
            })?;
        if entry.remaining_creates <= 0 {
            return Err(ApiFailure::bad_request(
                error_codes::INVALID_PROPERTY,
                "The validation code has no remaining creates.",
            ));
        }
        entry.remaining_creates -= 1;
        Ok(())
    }

    /// Adds or replaces a customer (admin route and seeds). A vetted qualification without a
    /// vetting is an approved one.
    pub(crate) fn upsert_customer(&mut self, customer: SeedCustomer) -> Result<(), AdminRefusal> {
        if !is_guid(&customer.id) {
            return Err(AdminRefusal::NotAGuid(customer.id));
        }
        let state_owned = customer.qualification == Qualification::StateOwnedEntity;
        let qualification = if state_owned {
            Qualification::None
        } else {
            customer.qualification
        };
        self.customers.insert(
            customer.id.to_ascii_lowercase(),
            Customer {
                name: customer.name,
                domain: customer.domain,
                qualification,
                vetting: is_vetted(qualification)
                    .then(|| customer.vetting.unwrap_or_else(Vetting::approved)),
                state_owned_entity: customer.state_owned_entity || state_owned,
            },
        );
        Ok(())
    }

    /// An out-of-band change (drift): the customer takes any qualification (StateOwnedEntity
    /// beside the other), and is created if missing.
    pub(crate) fn force_qualification(
        &mut self,
        customer_id: &str,
        qualification: Qualification,
        origin: &Origin,
    ) -> Result<(), AdminRefusal> {
        let key = customer_id.to_ascii_lowercase();
        if !self.customers.contains_key(&key) {
            self.upsert_customer(SeedCustomer::new(key.clone()))?;
        }
        self.change(&key, origin, |customer| customer.take(qualification));
        Ok(())
    }

    /// An out-of-band removal of one qualification (None and Nonprofit included), recorded
    /// without a user or an application; false (and no record) when the customer did not hold it.
    pub(crate) fn remove_qualification(
        &mut self,
        customer_id: &str,
        qualification: Qualification,
    ) -> Result<bool, AdminRefusal> {
        let key = customer_id.to_ascii_lowercase();
        let customer = self.admin_customer(&key)?;
        let state_owned = qualification == Qualification::StateOwnedEntity;
        let held = if state_owned {
            customer.state_owned_entity
        } else {
            customer.qualification == qualification
        };
        if held {
            self.change(&key, &Origin::default(), |customer| {
                if state_owned {
                    customer.state_owned_entity = false;
                } else {
                    customer.qualification = Qualification::None;
                    customer.vetting = None;
                }
            });
        }
        Ok(held)
    }

    /// Partner Center's review of the customer's Education or GovernmentCommunityCloud
    /// qualification moves on: approved, denied with a reason, or any other status.
    pub(crate) fn set_vetting(
        &mut self,
        customer_id: &str,
        status: String,
        reason: Option<String>,
    ) -> Result<(), AdminRefusal> {
        let customer = self.admin_customer(customer_id)?;
        let Some(vetting) = customer.vetting.as_mut() else {
            return Err(AdminRefusal::NotVetted {
                customer: customer_id.to_owned(),
                qualification: customer.qualification.name(),
            });
        };
        vetting.status = status;
        vetting.reason = reason;
        Ok(())
    }

    fn admin_customer(&mut self, customer_id: &str) -> Result<&mut Customer, AdminRefusal> {
        self.customers
            .get_mut(&customer_id.to_ascii_lowercase())
            .ok_or_else(|| AdminRefusal::UnknownCustomer(customer_id.to_owned()))
    }

    /// Up to `size` customers in id order, after the customer `after` (the last of the page
    /// before) or from the first.
    pub(crate) fn customer_page(&self, after: Option<&str>, size: usize) -> Page {
        let start = match after {
            Some(last) => Bound::Excluded(last.to_ascii_lowercase()),
            None => Bound::Unbounded,
        };
        let mut rest = self.customers.range((start, Bound::Unbounded));
        let customers = rest
            .by_ref()
            .take(size)
            .map(|(id, c)| Listed {
                id: id.clone(),
                company_name: c.name.clone().unwrap_or_else(|| id.clone()),
                domain: c
                    .domain
                    .clone()
                    .unwrap_or_else(|| default_domain(id, c.name.as_deref())),
            })
            .collect();
        Page {
            customers,
            more: rest.next().is_some(),
        }
    }

    /// Removes a customer, so that the API answers 404 for it; false when there was none.
    pub(crate) fn remove_customer(&mut self, customer_id: &str) -> bool {
        self.customers
            .remove(&customer_id.to_ascii_lowercase())
            .is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{
        DEMO_AGENCY as AGENCY, DEMO_SCHOOL as SCHOOL, DEMO_SINGLE_USE_VALIDATION_CODE,
        DEMO_VALIDATION_CODE, UNKNOWN_CUSTOMER,
    };

    fn request(id: &str) -> Origin {
        Origin {
            request_id: Some(id.to_owned()),
            ..Origin::default()
        }
    }

    fn demo() -> State {
        State::from_seed(Seed::demo()).expect("demo seed is valid")
    }

    fn remaining(state: &State, code: &str) -> i64 {
        state
            .validation_codes()
            .iter()
            .find(|c| c.validation_id == code)
            .map(|c| c.remaining_creates)
            .expect("code exists")
    }

    /// The status and Partner Center code of a refusal.
    fn refusal<T: std::fmt::Debug>(outcome: Result<T, ApiFailure>) -> (u16, Option<u32>) {
        let failure = outcome.expect_err("refused");
        (failure.status, failure.code)
    }

    fn description<T: std::fmt::Debug>(outcome: Result<T, ApiFailure>) -> String {
        outcome.expect_err("refused").description
    }

    fn gcc(code: &str) -> Requested {
        Requested::GovernmentCommunityCloud {
            validation_code: code.to_owned(),
        }
    }

    fn held(state: &State, customer: &str) -> Vec<(Qualification, Option<String>)> {
        state
            .qualifications(customer)
            .expect("customer")
            .into_iter()
            .map(|h| (h.qualification, h.vetting.map(|v| v.status)))
            .collect()
    }

    #[test]
    fn education_is_set_and_read_back_in_any_id_case() {
        let mut s = demo();
        assert_eq!(
            s.set_qualification(&SCHOOL.to_uppercase(), "1", None, &Origin::default()),
            Ok(Qualification::Education)
        );
        assert_eq!(s.qualification(SCHOOL), Ok(Qualification::Education));
    }

    #[test]
    fn refusals_carry_partner_center_codes() {
        let mut s = demo();
        assert_eq!(
            refusal(s.qualification("nope")),
            (400, Some(error_codes::INVALID_TENANT_ID))
        );
        assert_eq!(
            refusal(s.qualifications(UNKNOWN_CUSTOMER)),
            (404, Some(error_codes::CUSTOMER_NOT_FOUND))
        );
        for body in ["\"Education\"", "7", "-1", "", "1.5"] {
            assert_eq!(
                refusal(s.set_qualification(SCHOOL, body, None, &Origin::default())),
                (400, Some(error_codes::INVALID_PROPERTY)),
                "{body}"
            );
        }
        for refused in [
            Qualification::None,
            Qualification::Nonprofit,
            Qualification::StateOwnedEntity,
        ] {
            let body = refused.integer().to_string();
            let text = description(s.set_qualification(SCHOOL, &body, None, &Origin::default()));
            assert!(text.contains(refused.name()), "{text}");
        }
    }

    #[test]
    fn gcc_consumes_one_create_once() {
        let mut s = demo();
        let single = DEMO_SINGLE_USE_VALIDATION_CODE;
        assert_eq!(
            description(s.set_qualification(AGENCY, "3", None, &Origin::default())),
            "GovernmentCommunityCloud requires a validation code in the code query parameter."
        );
        assert_eq!(
            description(s.set_qualification(AGENCY, "3", Some("wrong"), &Origin::default())),
            "The validation code is not one of this partner's validation codes."
        );
        assert_eq!(
            s.set_qualification(AGENCY, "3", Some(single), &Origin::default()),
            Ok(Qualification::GovernmentCommunityCloud)
        );
        assert_eq!(remaining(&s, single), 0);
        // Again, by PUT or POST: idempotent, nothing consumed, though the code is now spent.
        assert_eq!(
            s.set_qualification(AGENCY, "3", Some(single), &Origin::default()),
            Ok(Qualification::GovernmentCommunityCloud)
        );
        assert!(
            s.post_qualification(AGENCY, gcc(single), &Origin::default())
                .is_ok()
        );
        // The spent code cannot qualify another customer, by either contract.
        let spent = "The validation code has no remaining creates.";
        assert_eq!(
            description(s.set_qualification(SCHOOL, "3", Some(single), &Origin::default())),
            spent
        );
        assert_eq!(
            description(s.post_qualification(SCHOOL, gcc(single), &Origin::default())),
            spent
        );
        assert_eq!(
            description(s.post_qualification(SCHOOL, gcc(""), &Origin::default())),
            "GovernmentCommunityCloud requires a validation code as validationCode."
        );
    }

    /// Makes `change` twice as the request `request_id`, the customer set back to None between:
    /// the retry must be answered as the first one was, and not applied again.
    fn assert_retry_not_applied<T: PartialEq + std::fmt::Debug>(
        s: &mut State,
        customer: &str,
        request_id: &str,
        change: impl Fn(&mut State, &Origin) -> T,
    ) {
        let origin = request(request_id);
        let first = change(s, &origin);
        s.force_qualification(customer, Qualification::None, &Origin::default())
            .expect("guid");
        let retry = change(s, &origin);
        assert_eq!(first, retry);
        assert_eq!(
            s.qualification(customer),
            Ok(Qualification::None),
            "not applied"
        );
    }

    #[test]
    fn a_retried_request_id_is_answered_without_applying_twice() {
        let mut s = demo();
        assert_retry_not_applied(&mut s, AGENCY, "req-1", |s, origin| {
            s.set_qualification(AGENCY, "3", Some(DEMO_VALIDATION_CODE), origin)
        });
        assert_eq!(remaining(&s, DEMO_VALIDATION_CODE), 9);
        assert_retry_not_applied(&mut s, SCHOOL, "req-2", |s, origin| {
            s.post_qualification(SCHOOL, gcc(DEMO_VALIDATION_CODE), origin)
        });
        assert_eq!(remaining(&s, DEMO_VALIDATION_CODE), 8);
        // The same id for another kind of change is another request.
        assert_eq!(
            s.set_qualification(SCHOOL, "1", None, &request("req-2")),
            Ok(Qualification::Education)
        );
        assert_eq!(s.accepted()[SCHOOL]["req-2"], 2);
        s.set_qualification(SCHOOL, "1", None, &Origin::default())
            .expect("accepted");
        assert_eq!(s.accepted()[SCHOOL][""], 1, "without an id");
        s.reset_accepted();
        assert!(s.accepted().is_empty());
    }

    #[test]
    fn a_customer_holds_state_owned_entity_beside_its_qualification() {
        let mut s = demo();
        let posted = s
            .post_qualification(SCHOOL, Requested::StateOwnedEntity, &Origin::default())
            .expect("accepted");
        assert_eq!(
            posted.set,
            Held {
                qualification: Qualification::StateOwnedEntity,
                vetting: None
            }
        );
        assert_eq!(
            s.qualification(SCHOOL),
            Ok(Qualification::None),
            "the legacy GET"
        );
        let posted = s
            .post_qualification(SCHOOL, Requested::Education, &Origin::default())
            .expect("accepted");
        let review = posted.set.vetting.expect("Education is vetted");
        assert_eq!((review.status.as_str(), review.reason), ("InReview", None));
        let created = review.created.expect("a review has a start");
        assert!(
            time::OffsetDateTime::parse(&created, &time::format_description::well_known::Rfc3339)
                .is_ok()
                && created.ends_with('Z')
                && !created.contains('.'),
            "{created}"
        );
        assert_eq!(posted.all.len(), 2);
        assert_eq!(
            held(&s, SCHOOL),
            [
                (Qualification::Education, Some("InReview".to_owned())),
                (Qualification::StateOwnedEntity, None)
            ]
        );
        assert_eq!(s.qualification(SCHOOL), Ok(Qualification::Education));
        // The legacy PUT replaces the other qualification only.
        s.set_qualification(SCHOOL, "3", Some(DEMO_VALIDATION_CODE), &Origin::default())
            .expect("accepted");
        assert_eq!(
            held(&s, SCHOOL),
            [
                (
                    Qualification::GovernmentCommunityCloud,
                    Some("InReview".to_owned())
                ),
                (Qualification::StateOwnedEntity, None)
            ]
        );
        assert_eq!(
            s.remove_qualification(SCHOOL, Qualification::StateOwnedEntity),
            Ok(true)
        );
        assert_eq!(
            s.remove_qualification(SCHOOL, Qualification::StateOwnedEntity),
            Ok(false)
        );
        assert_eq!(
            s.remove_qualification(SCHOOL, Qualification::GovernmentCommunityCloud),
            Ok(true)
        );
        assert_eq!(held(&s, SCHOOL), []);
    }

    #[test]
    fn vetting_moves_on_and_a_kept_qualification_keeps_it() {
        let mut s = demo();
        assert_eq!(
            s.set_vetting(SCHOOL, "Approved".to_owned(), None),
            Err(AdminRefusal::NotVetted {
                customer: SCHOOL.to_owned(),
                qualification: "None"
            })
        );
        s.set_qualification(SCHOOL, "1", None, &Origin::default())
            .expect("accepted");
        let reason = "Not an Education Customer";
        s.set_vetting(SCHOOL, "Denied".to_owned(), Some(reason.to_owned()))
            .expect("vetted");
        let education = &s.qualifications(SCHOOL).expect("customer")[0];
        let vetting = education.vetting.clone().expect("vetted");
        assert_eq!(
            (vetting.status.as_str(), vetting.reason.as_deref()),
            ("Denied", Some(reason))
        );
        // Setting it again by either contract is no new review.
        s.set_qualification(SCHOOL, "1", None, &Origin::default())
            .expect("accepted");
        s.post_qualification(SCHOOL, Requested::Education, &Origin::default())
            .expect("accepted");
        assert_eq!(
            s.qualifications(SCHOOL).expect("customer")[0].vetting,
            Some(vetting)
        );
        assert_eq!(
            s.set_vetting(UNKNOWN_CUSTOMER, "Approved".to_owned(), None),
            Err(AdminRefusal::UnknownCustomer(UNKNOWN_CUSTOMER.to_owned()))
        );
    }

    #[test]
    fn drift_and_removal() {
        let mut s = demo();
        s.force_qualification(SCHOOL, Qualification::Nonprofit, &Origin::default())
            .expect("guid");
        assert_eq!(s.qualification(SCHOOL), Ok(Qualification::Nonprofit));
        assert_eq!(held(&s, SCHOOL), [(Qualification::Nonprofit, None)]);
        let new = "22222222-2222-4222-8222-222222222222";
        s.force_qualification(new, Qualification::Education, &Origin::default())
            .expect("guid");
        assert_eq!(s.qualification(new), Ok(Qualification::Education));
        assert_eq!(
            s.force_qualification("bad", Qualification::Education, &Origin::default()),
            Err(AdminRefusal::NotAGuid("bad".to_owned()))
        );
        assert!(s.remove_customer(new));
        assert_eq!(refusal(s.qualification(new)).0, 404);
    }

    /// The value a record gives for a set of qualifications.
    fn held_value(held: &[Qualification]) -> Option<String> {
        Some(crate::seed::qualifications_value(held))
    }

    #[test]
    fn every_change_is_recorded_once() {
        let mut s = demo();
        let alice = Origin {
            request_id: Some("req-1".to_owned()),
            correlation_id: Some("corr-1".to_owned()),
            actor: Actor::user("alice@contoso.com").through("app-1"),
            at: None,
        };
        s.set_qualification(SCHOOL, "1", None, &alice).expect("set");
        s.set_qualification(SCHOOL, "1", None, &alice)
            .expect("a retry");
        let placed = time::OffsetDateTime::now_utc() - time::Duration::days(40);
        let bob = Origin {
            actor: Actor::application("portal"),
            at: Some(placed),
            ..Origin::default()
        };
        s.post_qualification(SCHOOL, Requested::StateOwnedEntity, &bob)
            .expect("posted");
        s.force_qualification(SCHOOL, Qualification::Nonprofit, &Origin::default())
            .expect("drift");
        assert_eq!(
            s.remove_qualification(SCHOOL, Qualification::Education),
            Ok(false),
            "not held: nothing changed, nothing recorded"
        );
        s.remove_qualification(SCHOOL, Qualification::StateOwnedEntity)
            .expect("removed");
        let records = s.audit_log().records();
        let summary: Vec<(Option<String>, Option<String>, Option<String>)> = records
            .iter()
            .map(|r| {
                (
                    r.user_principal_name.clone(),
                    r.resource_old_value.clone(),
                    r.resource_new_value.clone(),
                )
            })
            .collect();
        use Qualification::{Education, Nonprofit, StateOwnedEntity};
        assert_eq!(
            summary,
            [
                (
                    Some("alice@contoso.com".to_owned()),
                    held_value(&[]),
                    held_value(&[Education])
                ),
                (
                    None,
                    held_value(&[Education]),
                    held_value(&[Education, StateOwnedEntity])
                ),
                (
                    None,
                    held_value(&[Education, StateOwnedEntity]),
                    held_value(&[Nonprofit, StateOwnedEntity])
                ),
                (
                    None,
                    held_value(&[Nonprofit, StateOwnedEntity]),
                    held_value(&[Nonprofit])
                ),
            ]
        );
        let first = &records[0];
        assert_eq!(
            (
                first.customer_name.as_deref(),
                first.application_id.as_deref(),
                first.original_correlation_id.as_deref(),
                first.operation_type.as_str(),
                first.operation_status.as_str(),
                first.resource_type.as_str()
            ),
            (
                Some("Contoso School District"),
                Some("app-1"),
                Some("corr-1"),
                "update_customer_qualification",
                "succeeded",
                "customer"
            )
        );
        assert_eq!(records[1].application_id.as_deref(), Some("portal"));
        assert_eq!(
            records[1].operation_date,
            crate::audit::rfc3339(placed),
            "placed in time"
        );
        let again = State::from_seed(s.to_seed()).expect("valid");
        assert_eq!(
            again.audit_log().records(),
            records,
            "kept in the state file"
        );
    }

    #[test]
    fn seeds_hold_qualifications_and_round_trip() {
        let seeded = |customer: SeedCustomer| {
            let mut seed = Seed::empty();
            seed.customers.push(customer);
            State::from_seed(seed).expect("valid")
        };
        let s = seeded(SeedCustomer {
            qualification: Qualification::Education,
            state_owned_entity: true,
            ..SeedCustomer::new(SCHOOL)
        });
        assert_eq!(
            held(&s, SCHOOL),
            [
                (Qualification::Education, Some("Approved".to_owned())),
                (Qualification::StateOwnedEntity, None)
            ],
            "a seed's qualification is settled"
        );
        let s = seeded(SeedCustomer {
            qualification: Qualification::StateOwnedEntity,
            ..SeedCustomer::new(SCHOOL)
        });
        assert_eq!(held(&s, SCHOOL), [(Qualification::StateOwnedEntity, None)]);

        let mut s = demo();
        s.set_qualification(AGENCY, "3", Some(DEMO_VALIDATION_CODE), &Origin::default())
            .expect("valid");
        s.post_qualification(AGENCY, Requested::StateOwnedEntity, &Origin::default())
            .expect("valid");
        let again = State::from_seed(s.to_seed()).expect("valid");
        assert_eq!(again.to_seed(), s.to_seed());
        assert_eq!(held(&again, AGENCY), held(&s, AGENCY));
        assert_eq!(remaining(&again, DEMO_VALIDATION_CODE), 9);
    }

    #[test]
    fn the_customer_list_pages_in_id_order() {
        let s = demo();
        let first = s.customer_page(None, 2);
        let ids =
            |page: &Page| -> Vec<String> { page.customers.iter().map(|c| c.id.clone()).collect() };
        assert_eq!(ids(&first), [SCHOOL, AGENCY]);
        assert!(first.more);
        assert_eq!(
            first.customers[0],
            Listed {
                id: SCHOOL.to_owned(),
                company_name: "Contoso School District".to_owned(),
                domain: "contososchooldistrict.onmicrosoft.com".to_owned(),
            }
        );
        let second = s.customer_page(Some(&AGENCY.to_uppercase()), 2);
        assert_eq!(ids(&second).len(), 2);
        assert!(second.more);
        let last = s.customer_page(second.customers.last().map(|c| c.id.as_str()), 2);
        assert_eq!(ids(&last).len(), 1);
        assert!(!last.more);
        let mut all: Vec<String> = [first, second, last].iter().flat_map(ids).collect();
        let sorted = {
            let mut ids = all.clone();
            ids.sort();
            ids
        };
        assert_eq!(all, sorted);
        all.dedup();
        assert_eq!(all.len(), crate::seed::DEMO_CUSTOMERS.len());
        assert_eq!(
            default_domain("0c39d6d5-x", None),
            "0c39d6d5.onmicrosoft.com"
        );
    }
}
