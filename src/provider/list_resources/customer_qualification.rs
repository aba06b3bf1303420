//! `list "partnercenter_customer_qualification"`: the partner's customers whose qualification
//! this provider can keep, for `terraform query` to find and `-generate-config-out` to adopt.
//!
//! One `GET /v1/customers` per page, then one qualification read per customer, a few at a time
//! through the client's shared throttling. Results keep Partner Center's order, so the same
//! customers get the same generated names on every run.

use std::sync::Arc;

use futures_util::{StreamExt as _, future};

use crate::framework::{Attr, ListRequest, ListResource, ListStream, Listed};
use crate::partnercenter::{Client, Customer, Error, Qualification};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::Context;
use crate::provider::resources::customer_qualification::{CustomerQualification, State};
use crate::provider::values::{canonical_customer_id, path};

/// Customers per `GET /v1/customers` page.
const PAGE_SIZE: u32 = 100;
/// Qualification reads in flight at once: Terraform's own default parallelism.
const READS_IN_FLIGHT: usize = 10;

crate::object! {
    #[names(ConfigNames)]
    /// The `config` block of the list.
    pub struct Config {
        qualification: String => Optional(
            "Only customers with this qualification: `Education` or `GovernmentCommunityCloud`, \
            in any case. Without it, every customer whose qualification is one of the two."
        ),
    }
}

#[derive(Debug)]
pub struct CustomerQualifications;

/// The qualification a filter names, or the error pointing at it.
fn parse_filter(text: &str) -> Result<Qualification, Diagnostic> {
    match text.parse::<Qualification>() {
        Ok(q) if q.settable_via_put() => Ok(q),
        _ => Err(Diagnostic::error(
            "Invalid qualification",
            format!(
                "\"{text}\" is not a qualification this provider manages; qualification must be \
                 Education or GovernmentCommunityCloud (any case)."
            ),
        )
        .at(path(Config::NAMES.qualification))),
    }
}

/// The result for one customer and its qualification, if it is one to list.
fn listed(
    customer: Customer,
    qualification: Result<Qualification, Error>,
    filter: Option<Qualification>,
) -> Option<Result<Listed<State>, Diagnostics>> {
    let qualification = match qualification {
        Ok(q) => q,
        // Gone between the page and the read: nothing to adopt.
        Err(err) if err.is_not_found() => return None,
        Err(err) => return Some(Err(err.into())),
    };
    if !qualification.settable_via_put() || filter.is_some_and(|f| f != qualification) {
        return None;
    }
    let customer_id = canonical_customer_id(&customer.id);
    let display_name = [customer.company_name, customer.domain]
        .into_iter()
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| customer_id.clone());
    Some(Ok(Listed {
        display_name,
        state: State {
            id: Attr::Known(customer_id.clone()),
            customer_id: Attr::Known(customer_id),
            qualification: Attr::Known(qualification.as_str().to_owned()),
            ..State::default()
        },
    }))
}

impl ListResource<Context> for CustomerQualifications {
    type Resource = CustomerQualification;
    type Config = Config;
    const DESCRIPTION: &'static str = "The partner's customers whose qualification is Education \
        or GovernmentCommunityCloud, for `terraform query` (Terraform 1.14+). With \
        `-generate-config-out`, Terraform writes a `resource` and an `import` block for each; \
        the `terraform plan` after it imports them without a change.\n\n\
        The list pages through `GET /v1/customers` and reads each customer's qualification \
        (`GET /v1/customers/{id}/qualification`), a few at a time; it stops asking Partner \
        Center once `limit` results are found.";

    fn validate(&self, config: &Config) -> Diagnostics {
        config
            .qualification
            .as_str()
            .and_then(|q| parse_filter(q).err())
            .into_iter()
            .collect()
    }

    fn list(&self, client: Arc<Client>, request: ListRequest<Config>) -> ListStream<State> {
        let filter = match request.config.qualification.as_str().map(parse_filter) {
            Some(Err(invalid)) => {
                return Box::pin(futures_util::stream::iter([Err(invalid.into())]));
            }
            Some(Ok(q)) => Some(q),
            None => None,
        };
        // No more reads in flight than results still wanted.
        let in_flight = usize::try_from(request.limit)
            .unwrap_or(usize::MAX)
            .clamp(1, READS_IN_FLIGHT);
        client
            .customers(PAGE_SIZE)
            .map(move |customer| {
                let client = Arc::clone(&client);
                async move {
                    let customer = customer.map_err(Diagnostics::from)?;
                    let qualification = client.get_qualification(&customer.id).await;
                    Ok((customer, qualification))
                }
            })
            .buffered(in_flight)
            .filter_map(move |read| {
                future::ready(match read {
                    Ok((customer, qualification)) => listed(customer, qualification, filter),
                    Err(failed) => Some(Err(failed)),
                })
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0C39D6D5-C70D-4C55-BC02-F620844F3FD1";

    fn customer(company_name: &str, domain: &str) -> Customer {
        Customer {
            id: ID.to_owned(),
            company_name: company_name.to_owned(),
            domain: domain.to_owned(),
        }
    }

    fn found(result: Option<Result<Listed<State>, Diagnostics>>) -> Listed<State> {
        result.expect("listed").expect("no error")
    }

    #[test]
    fn a_listed_customer_is_a_state_with_the_canonical_id() {
        let listed = found(listed(
            customer("Contoso School", "contoso.edu"),
            Ok(Qualification::Education),
            None,
        ));
        assert_eq!(listed.display_name, "Contoso School");
        let lower = ID.to_lowercase();
        assert_eq!(listed.state.id.as_str(), Some(lower.as_str()));
        assert_eq!(listed.state.customer_id.as_str(), Some(lower.as_str()));
        assert_eq!(listed.state.qualification.as_str(), Some("Education"));
        assert!(listed.state.validation_code.is_null());
    }

    #[test]
    fn display_names_fall_back_to_the_domain_then_the_id() {
        let gcc = || Ok(Qualification::GovernmentCommunityCloud);
        let by_domain = found(listed(customer("", "agency.gov"), gcc(), None));
        assert_eq!(by_domain.display_name, "agency.gov");
        let by_id = found(listed(customer("", ""), gcc(), None));
        assert_eq!(by_id.display_name, ID.to_lowercase());
    }

    #[test]
    fn only_settable_qualifications_that_match_the_filter_are_listed() {
        for q in [
            Qualification::None,
            Qualification::Nonprofit,
            Qualification::StateOwnedEntity,
        ] {
            assert!(listed(customer("c", ""), Ok(q), None).is_none(), "{q}");
        }
        let education = Some(Qualification::Education);
        assert!(
            listed(
                customer("c", ""),
                Ok(Qualification::GovernmentCommunityCloud),
                education
            )
            .is_none()
        );
        assert!(listed(customer("c", ""), Ok(Qualification::Education), education).is_some());
    }

    #[test]
    fn the_filter_accepts_the_settable_qualifications_in_any_case() {
        assert_eq!(parse_filter("education"), Ok(Qualification::Education));
        assert_eq!(
            parse_filter("GOVERNMENTCOMMUNITYCLOUD"),
            Ok(Qualification::GovernmentCommunityCloud)
        );
        for bad in ["None", "Nonprofit", "gold"] {
            let err = parse_filter(bad).unwrap_err();
            assert_eq!(err.path, Some(path("qualification")), "{bad}");
        }
        let config = Config {
            qualification: Attr::Known("nonprofit".to_owned()),
        };
        assert!(CustomerQualifications.validate(&config).has_errors());
        let unknown = Config {
            qualification: Attr::Unknown,
        };
        assert!(!CustomerQualifications.validate(&unknown).has_errors());
    }
}
