//! The partner's customers: the documented `GET /v1/customers?size=N`, paged with a continuation
//! token as Partner Center's collections are (`GET /v1/customers?seekOperation=Next` with the
//! `MS-ContinuationToken` header, the way Microsoft's own SDK asks for the next page).

use futures_util::stream::{self, BoxStream};
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde::Deserialize;

use super::client::Client;
use super::collection::{Collection, next_token};
use super::contract::ApiRequest;
use super::error::{Error, describe_json_error};

/// One customer of the partner, as the customer list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    /// The customer id (its Entra ID tenant id).
    pub id: String,
    /// `companyProfile.companyName`; empty when Partner Center gives none.
    pub company_name: String,
    /// `companyProfile.domain`; empty when Partner Center gives none.
    pub domain: String,
}

/// One page of the list, and where the next one starts.
#[derive(Debug, PartialEq, Eq)]
struct Page {
    customers: Vec<Customer>,
    continuation: Option<String>,
}

/// Where the listing stands between pages.
enum Cursor {
    First,
    Next(String),
    Done,
}

impl Client {
    /// Every customer of the partner, `page_size` per request, in Partner Center's order.
    /// Pages are asked for only as the stream is read, so dropping it stops the listing.
    pub fn customers(&self, page_size: u32) -> BoxStream<'static, Result<Customer, Error>> {
        let client = self.clone();
        let pages = stream::try_unfold(Cursor::First, move |cursor| {
            let client = client.clone();
            async move {
                let request = match &cursor {
                    Cursor::First => first_page(page_size),
                    Cursor::Next(token) => next_page(token.clone()),
                    Cursor::Done => return Ok::<_, Error>(None),
                };
                let page = client.call(request).await?.decode(decode_page)?;
                let sent = match &cursor {
                    Cursor::Next(token) => Some(token.as_str()),
                    _ => None,
                };
                let next = next_token(sent, page.continuation, page.customers.is_empty())
                    .map_or(Cursor::Done, Cursor::Next);
                Ok(Some((page.customers, next)))
            }
        });
        pages
            .map_ok(|customers| stream::iter(customers.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

fn first_page(page_size: u32) -> ApiRequest<'static> {
    ApiRequest {
        segments: vec!["v1", "customers"],
        query: vec![("size", page_size.to_string())],
        ..ApiRequest::default()
    }
}

/// The SDK sends no `size` with a seek: the token carries the query it continues.
fn next_page(token: String) -> ApiRequest<'static> {
    ApiRequest {
        segments: vec!["v1", "customers"],
        query: vec![("seekOperation", "Next".to_owned())],
        headers: vec![("MS-ContinuationToken", token)],
        ..ApiRequest::default()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    id: String,
    #[serde(default)]
    company_profile: CompanyProfile,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CompanyProfile {
    #[serde(default)]
    company_name: Option<String>,
    #[serde(default)]
    domain: Option<String>,
}

/// A page of the customer collection.
fn decode_page(body: &[u8]) -> Result<Page, String> {
    let collection: Collection<Item> =
        serde_json::from_slice(body).map_err(|e| describe_json_error(&e))?;
    Ok(Page {
        continuation: collection.continuation(),
        customers: collection
            .items
            .into_iter()
            .map(|item| Customer {
                id: item.id,
                company_name: item.company_profile.company_name.unwrap_or_default(),
                domain: item.company_profile.domain.unwrap_or_default(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_documented_page() {
        let body = br#"{
            "totalCount": 2,
            "items": [{
                "id": "b44bb1fb-c595-45b0-9e09-d657365580bf",
                "companyProfile": {
                    "tenantId": "b44bb1fb-c595-45b0-9e09-d657365580bf",
                    "domain": "contoso.onmicrosoft.com",
                    "companyName": "Contoso",
                    "attributes": { "objectType": "CustomerCompanyProfile" }
                },
                "relationshipToPartner": "reseller",
                "attributes": { "objectType": "Customer" }
            }, { "id": "45c44870-ef77-4fdd-b6fe-3dacb075cff2" }],
            "links": { "self": { "uri": "/v1/customers?size=40", "method": "GET", "headers": [] } },
            "attributes": { "objectType": "Collection" }
        }"#;
        let page = decode_page(body).unwrap();
        assert_eq!(page.continuation, None);
        assert_eq!(
            page.customers,
            [
                Customer {
                    id: "b44bb1fb-c595-45b0-9e09-d657365580bf".to_owned(),
                    company_name: "Contoso".to_owned(),
                    domain: "contoso.onmicrosoft.com".to_owned(),
                },
                Customer {
                    id: "45c44870-ef77-4fdd-b6fe-3dacb075cff2".to_owned(),
                    company_name: String::new(),
                    domain: String::new(),
                }
            ]
        );
    }

    #[test]
    fn a_customer_needs_an_id() {
        assert!(decode_page(br#"{"items":[{"name":"no id"}]}"#).is_err());
    }

    #[test]
    fn requests_follow_the_sdk() {
        let first = first_page(40);
        assert_eq!(first.segments, ["v1", "customers"]);
        assert_eq!(first.query, [("size", "40".to_owned())]);
        assert!(first.headers.is_empty());
        let next = next_page("t-1".to_owned());
        assert_eq!(next.query, [("seekOperation", "Next".to_owned())]);
        assert_eq!(next.headers, [("MS-ContinuationToken", "t-1".to_owned())]);
    }
}
