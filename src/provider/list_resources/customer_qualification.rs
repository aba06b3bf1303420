//! `list "partnercenter_customer_qualification"`: the partner's customers whose qualification
//! this provider can keep, for `terraform query` to find and `-generate-config-out` to adopt.
//!
//! One `GET /v1/customers` per page, then one read of each customer's qualification with the
//! contract the provider is configured for, a few at a time through the client's shared
//! throttling. Each result is the state an import of the customer refreshes to (the resource's
//! own import and read), so the plan after `-generate-config-out` finds nothing to change.
//! Results keep Partner Center's order, so the same customers get the same generated names on
//! every run.

use std::sync::Arc;

use futures_util::{StreamExt as _, future};

use crate::framework::{ListRequest, ListResource, ListStream, Listed, Refreshed, Resource};
use crate::partnercenter::{Client, Customer, Qualification, QualificationApi, keepable};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::Context;
use crate::provider::errors::refused;
use crate::provider::resources::customer_qualification::{CustomerQualification, State};
use crate::provider::values::canonical_customer_id;

/// Customers per `GET /v1/customers` page.
const PAGE_SIZE: u32 = 100;
/// Qualification reads in flight at once: Terraform's own default parallelism.
const READS_IN_FLIGHT: usize = 10;

crate::object! {
    #[names(ConfigNames)]
    /// The `config` block of the list.
    pub struct Config {
        qualification: String => Optional(
            "Only customers with this qualification: `Education` or `GovernmentCommunityCloud` \
            (with `qualification_api = \"async\"` also `StateOwnedEntity`), in any case. \
            Without it, every customer whose qualification the resource can keep."
        ),
    }
}

#[derive(Debug)]
pub struct CustomerQualifications;

/// The qualification a filter names, or the error pointing at it. Without the contract (at
/// validate) any qualification some contract keeps passes.
fn parse_filter(text: &str, api: Option<QualificationApi>) -> Result<Qualification, Diagnostic> {
    keepable(text, api).map_err(|refusal| refused(&refusal, Config::NAMES.qualification))
}

/// The display name of a customer: its company name, else its domain, else its id.
fn display_name(customer: Customer, customer_id: &str) -> String {
    [customer.company_name, customer.domain]
        .into_iter()
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| customer_id.to_owned())
}

/// The result for a refreshed customer, if it is one to list.
fn listed(
    api: QualificationApi,
    display_name: String,
    refreshed: Refreshed<State>,
    filter: Option<Qualification>,
) -> Option<Listed<State>> {
    // Gone between the page and the read: nothing to adopt.
    let Refreshed::Found { state, .. } = refreshed else {
        return None;
    };
    let held = state
        .qualification
        .as_str()?
        .parse::<Qualification>()
        .ok()?;
    let wanted = api.keeps(held) && filter.is_none_or(|f| f == held);
    wanted.then_some(Listed {
        display_name,
        state,
    })
}

/// What an import of the customer refreshes to: one read, as `terraform plan` will do it.
async fn refresh(
    client: &Client,
    customer: Customer,
) -> Result<Listed<Refreshed<State>>, Diagnostics> {
    let customer_id = canonical_customer_id(&customer.id);
    let imported = CustomerQualification.import(&customer_id)?;
    let refreshed = CustomerQualification.read(client, imported).await?;
    Ok(Listed {
        display_name: display_name(customer, &customer_id),
        state: refreshed,
    })
}

impl ListResource<Context> for CustomerQualifications {
    type Resource = CustomerQualification;
    type Config = Config;
    const DESCRIPTION: &'static str = "The partner's customers whose qualification the \
        `partnercenter_customer_qualification` resource can keep, for `terraform query` \
        (Terraform 1.14+). With `-generate-config-out`, Terraform writes a `resource` and an \
        `import` block for each; the `terraform plan` after it imports them without a change.\n\n\
        The list pages through `GET /v1/customers` and reads each customer's qualification \
        with the provider's `qualification_api`, a few at a time; it stops asking Partner \
        Center once `limit` results are found. A customer is listed once, with the \
        qualification an import of it would record.";

    fn validate(&self, config: &Config) -> Diagnostics {
        config
            .qualification
            .as_str()
            .and_then(|q| parse_filter(q, None).err())
            .into_iter()
            .collect()
    }

    fn list(&self, client: Arc<Client>, request: ListRequest<Config>) -> ListStream<State> {
        let api = client.qualification_api();
        let filter = match request
            .config
            .qualification
            .as_str()
            .map(|q| parse_filter(q, Some(api)))
        {
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
                async move { refresh(&client, customer.map_err(Diagnostics::from)?).await }
            })
            .buffered(in_flight)
            .filter_map(move |read| {
                future::ready(match read {
                    Ok(found) => listed(api, found.display_name, found.state, filter).map(Ok),
                    Err(failed) => Some(Err(failed)),
                })
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Attr;
    use crate::provider::values::path;

    const ID: &str = "0C39D6D5-C70D-4C55-BC02-F620844F3FD1";

    fn customer(company_name: &str, domain: &str) -> Customer {
        Customer {
            id: ID.to_owned(),
            company_name: company_name.to_owned(),
            domain: domain.to_owned(),
        }
    }

    fn found(qualification: &str) -> Refreshed<State> {
        Refreshed::found(State {
            customer_id: Attr::Known(ID.to_lowercase()),
            qualification: Attr::Known(qualification.to_owned()),
            ..State::default()
        })
    }

    fn kept(api: QualificationApi, qualification: &str, filter: Option<Qualification>) -> bool {
        listed(api, "n".to_owned(), found(qualification), filter).is_some()
    }

    #[test]
    fn display_names_fall_back_to_the_domain_then_the_id() {
        let lower = ID.to_lowercase();
        assert_eq!(display_name(customer("School", "s.edu"), &lower), "School");
        assert_eq!(
            display_name(customer("", "agency.gov"), &lower),
            "agency.gov"
        );
        assert_eq!(display_name(customer("", ""), &lower), lower);
    }

    #[test]
    fn customers_are_listed_with_what_the_contract_can_keep() {
        use QualificationApi::{Async, Legacy};
        for api in [Legacy, Async] {
            assert!(kept(api, "Education", None), "{api:?}");
            assert!(kept(api, "GovernmentCommunityCloud", None), "{api:?}");
            for never in ["None", "Nonprofit", "gold"] {
                assert!(!kept(api, never, None), "{api:?} {never}");
            }
        }
        assert!(!kept(Legacy, "StateOwnedEntity", None));
        assert!(kept(Async, "StateOwnedEntity", None));
        let gone = Refreshed::Gone(Diagnostic::warning("Gone", ""));
        assert!(listed(Legacy, "n".to_owned(), gone, None).is_none());
    }

    #[test]
    fn the_filter_keeps_one_qualification() {
        let education = Some(Qualification::Education);
        let api = QualificationApi::Legacy;
        assert!(kept(api, "Education", education));
        assert!(!kept(api, "GovernmentCommunityCloud", education));
    }

    #[test]
    fn the_filter_accepts_what_the_contract_keeps_in_any_case() {
        let legacy = Some(QualificationApi::Legacy);
        assert_eq!(
            parse_filter("education", legacy),
            Ok(Qualification::Education)
        );
        assert_eq!(
            parse_filter("GOVERNMENTCOMMUNITYCLOUD", legacy),
            Ok(Qualification::GovernmentCommunityCloud)
        );
        for bad in ["None", "Nonprofit", "gold\u{1b}", "StateOwnedEntity"] {
            let err = parse_filter(bad, legacy).unwrap_err();
            assert_eq!(err.path, Some(path("qualification")), "{bad}");
            assert!(
                !err.detail.contains('\u{1b}'),
                "quoted, escaped: {}",
                err.detail
            );
        }
        let async_api = Some(QualificationApi::Async);
        assert_eq!(
            parse_filter("stateownedentity", async_api),
            Ok(Qualification::StateOwnedEntity)
        );
        let config = |q: Attr<String>| Config { qualification: q };
        let validate = |q| CustomerQualifications.validate(&config(q)).has_errors();
        assert!(validate(Attr::Known("nonprofit".to_owned())));
        assert!(!validate(Attr::Known("StateOwnedEntity".to_owned())));
        assert!(!validate(Attr::Unknown));
    }
}
