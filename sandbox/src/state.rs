//! The sandbox's data (customers, validation codes, tokens) and Partner Center's rules over it.

use std::collections::{HashMap, VecDeque};

use crate::wire::{Qualification, error_codes};

use crate::seed::{Seed, SeedCustomer, SeedValidationCode};
use crate::token::Tokens;
use crate::wire::is_guid;

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

/// A customer id that is not a GUID, refused by the admin routes and in seeds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("customer id {0:?} is not a GUID")]
pub(crate) struct InvalidCustomerId(pub(crate) String);

#[derive(Clone, Debug)]
struct Customer {
    name: Option<String>,
    qualification: Qualification,
}

/// Everything the sandbox knows; kept behind one mutex, never held across an await.
#[derive(Debug)]
pub(crate) struct State {
    /// Keyed by the lowercase GUID: Partner Center ids are case-insensitive.
    customers: HashMap<String, Customer>,
    codes: Vec<SeedValidationCode>,
    pub(crate) tokens: Tokens,
    answered: AnsweredPuts,
}

impl State {
    pub(crate) fn from_seed(seed: Seed) -> Result<Self, InvalidCustomerId> {
        let mut state = Self {
            customers: HashMap::with_capacity(seed.customers.len()),
            codes: Vec::new(),
            tokens: Tokens::from_seed(&seed),
            answered: AnsweredPuts::default(),
        };
        for customer in seed.customers {
            state.upsert_customer(customer)?;
        }
        state.codes = seed.validation_codes;
        Ok(state)
    }

    /// The state in seed form, customers sorted by id so that saved files diff well.
    pub(crate) fn to_seed(&self) -> Seed {
        let mut customers: Vec<SeedCustomer> = self
            .customers
            .iter()
            .map(|(id, c)| SeedCustomer {
                id: id.clone(),
                name: c.name.clone(),
                qualification: c.qualification,
            })
            .collect();
        customers.sort_by(|a, b| a.id.cmp(&b.id));
        let mut seed = Seed {
            customers,
            validation_codes: self.codes.clone(),
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

    pub(crate) fn qualification(&self, customer_id: &str) -> Result<Qualification, ApiFailure> {
        let key = self.existing(customer_id)?;
        Ok(self.customers[&key].qualification)
    }

    /// The documented PUT. `body` is the request body, `code` the `?code=` query, `request_id`
    /// the `MS-RequestId`: a retry of a call already applied gets the same answer again.
    pub(crate) fn set_qualification(
        &mut self,
        customer_id: &str,
        body: &str,
        code: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<Qualification, ApiFailure> {
        let key = self.existing(customer_id)?;
        if let Some(done) = request_id.and_then(|id| self.answered.get(id, &key)) {
            return Ok(done);
        }
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
        if !matches!(
            wanted,
            Qualification::Education | Qualification::GovernmentCommunityCloud
        ) {
            return Err(ApiFailure::bad_request(
                error_codes::INVALID_PROPERTY,
                format!(
                    "The qualification {} cannot be set through this API; \
                     only Education and GovernmentCommunityCloud can.",
                    wanted.name()
                ),
            ));
        }
        let current = self.customers[&key].qualification;
        // Setting GovernmentCommunityCloud again is a no-op and must not spend a second create.
        if wanted == Qualification::GovernmentCommunityCloud && current != wanted {
            self.consume_code(code)?;
        }
        if let Some(customer) = self.customers.get_mut(&key) {
            customer.qualification = wanted;
        }
        if let Some(id) = request_id {
            self.answered.insert(id, key, wanted);
        }
        Ok(wanted)
    }

    fn consume_code(&mut self, code: Option<&str>) -> Result<(), ApiFailure> {
        let code = code.filter(|c| !c.is_empty()).ok_or_else(|| {
            ApiFailure::bad_request(
                error_codes::INVALID_PROPERTY,
                "GovernmentCommunityCloud requires a validation code in the code query parameter.",
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

    /// Adds or replaces a customer (admin route and seeds).
    pub(crate) fn upsert_customer(
        &mut self,
        customer: SeedCustomer,
    ) -> Result<(), InvalidCustomerId> {
        if !is_guid(&customer.id) {
            return Err(InvalidCustomerId(customer.id));
        }
        self.customers.insert(
            customer.id.to_ascii_lowercase(),
            Customer {
                name: customer.name,
                qualification: customer.qualification,
            },
        );
        Ok(())
    }

    /// An out-of-band change (drift): any value, the customer created if missing.
    pub(crate) fn force_qualification(
        &mut self,
        customer_id: &str,
        qualification: Qualification,
    ) -> Result<(), InvalidCustomerId> {
        let key = customer_id.to_ascii_lowercase();
        match self.customers.get_mut(&key) {
            Some(customer) => {
                customer.qualification = qualification;
                Ok(())
            }
            None => self.upsert_customer(SeedCustomer {
                id: key,
                name: None,
                qualification,
            }),
        }
    }

    /// Removes a customer, so that the API answers 404 for it; false when there was none.
    pub(crate) fn remove_customer(&mut self, customer_id: &str) -> bool {
        self.customers
            .remove(&customer_id.to_ascii_lowercase())
            .is_some()
    }
}

/// Recently applied PUTs by `MS-RequestId`, bounded: the API's idempotency for retried calls.
#[derive(Debug, Default)]
struct AnsweredPuts {
    by_request: HashMap<String, (String, Qualification)>,
    order: VecDeque<String>,
}

const ANSWERED_CAPACITY: usize = 4096;

impl AnsweredPuts {
    fn get(&self, request_id: &str, customer_key: &str) -> Option<Qualification> {
        self.by_request
            .get(request_id)
            .filter(|(key, _)| key == customer_key)
            .map(|(_, q)| *q)
    }

    fn insert(&mut self, request_id: &str, customer_key: String, qualification: Qualification) {
        if self.order.len() == ANSWERED_CAPACITY
            && let Some(oldest) = self.order.pop_front()
        {
            self.by_request.remove(&oldest);
        }
        if self
            .by_request
            .insert(request_id.to_owned(), (customer_key, qualification))
            .is_none()
        {
            self.order.push_back(request_id.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHOOL: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";
    const AGENCY: &str = "4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11";

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

    #[test]
    fn education_is_set_and_read_back_in_any_id_case() {
        let mut s = demo();
        assert_eq!(
            s.set_qualification(&SCHOOL.to_uppercase(), "1", None, None),
            Ok(Qualification::Education)
        );
        assert_eq!(s.qualification(SCHOOL), Ok(Qualification::Education));
    }

    #[test]
    fn refusals_carry_partner_center_codes() {
        let mut s = demo();
        let code = |r: Result<Qualification, ApiFailure>| {
            r.map_err(|f| (f.status, f.code.expect("a Partner Center code")))
        };
        assert_eq!(
            code(s.qualification("nope")),
            Err((400, error_codes::INVALID_TENANT_ID))
        );
        assert_eq!(
            code(s.qualification("11111111-1111-4111-8111-111111111111")),
            Err((404, error_codes::CUSTOMER_NOT_FOUND))
        );
        for body in ["\"Education\"", "7", "-1", "", "1.5"] {
            assert_eq!(
                code(s.set_qualification(SCHOOL, body, None, None)),
                Err((400, error_codes::INVALID_PROPERTY)),
                "{body}"
            );
        }
        for refused in [
            Qualification::None,
            Qualification::Nonprofit,
            Qualification::StateOwnedEntity,
        ] {
            let body = refused.integer().to_string();
            let failure = s
                .set_qualification(SCHOOL, &body, None, None)
                .expect_err("refused");
            assert!(failure.description.contains(refused.name()));
        }
    }

    #[test]
    fn gcc_consumes_one_create_once() {
        let mut s = demo();
        assert!(s.set_qualification(AGENCY, "3", None, None).is_err());
        assert!(
            s.set_qualification(AGENCY, "3", Some("wrong"), None)
                .is_err()
        );
        assert_eq!(
            s.set_qualification(AGENCY, "3", Some("GCC-DEMO-0002"), None),
            Ok(Qualification::GovernmentCommunityCloud)
        );
        assert_eq!(remaining(&s, "GCC-DEMO-0002"), 0);
        // Again: idempotent, nothing consumed, even though the code is now spent.
        assert!(
            s.set_qualification(AGENCY, "3", Some("GCC-DEMO-0002"), None)
                .is_ok()
        );
        // The spent code cannot qualify another customer.
        assert!(
            s.set_qualification(SCHOOL, "3", Some("GCC-DEMO-0002"), None)
                .is_err()
        );
    }

    #[test]
    fn a_retried_request_id_is_answered_without_applying_twice() {
        let mut s = demo();
        let first = s.set_qualification(AGENCY, "3", Some("GCC-DEMO-0001"), Some("req-1"));
        s.force_qualification(AGENCY, Qualification::None)
            .expect("guid");
        let retry = s.set_qualification(AGENCY, "3", Some("GCC-DEMO-0001"), Some("req-1"));
        assert_eq!(first, retry);
        assert_eq!(remaining(&s, "GCC-DEMO-0001"), 9);
    }

    #[test]
    fn drift_and_removal() {
        let mut s = demo();
        s.force_qualification(SCHOOL, Qualification::Nonprofit)
            .expect("guid");
        assert_eq!(s.qualification(SCHOOL), Ok(Qualification::Nonprofit));
        let new = "22222222-2222-4222-8222-222222222222";
        s.force_qualification(new, Qualification::Education)
            .expect("guid");
        assert_eq!(s.qualification(new), Ok(Qualification::Education));
        assert!(
            s.force_qualification("bad", Qualification::Education)
                .is_err()
        );
        assert!(s.remove_customer(new));
        assert_eq!(s.qualification(new).map_err(|f| f.status), Err(404));
    }

    #[test]
    fn seed_round_trip_keeps_changes() {
        let mut s = demo();
        s.set_qualification(AGENCY, "3", Some("GCC-DEMO-0001"), None)
            .expect("valid");
        let again = State::from_seed(s.to_seed()).expect("valid");
        assert_eq!(
            again.qualification(AGENCY),
            Ok(Qualification::GovernmentCommunityCloud)
        );
        assert_eq!(remaining(&again, "GCC-DEMO-0001"), 9);
    }
}
