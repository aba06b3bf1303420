//! The partner's customers: the documented `GET /v1/customers?size=N`, paged with a continuation
//! token as Partner Center's collections are (`GET /v1/customers?seekOperation=Next` with the
//! `MS-ContinuationToken` header, the way Microsoft's own SDK asks for the next page).

use futures_util::stream::{self, BoxStream};
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde::Deserialize;

use super::client::Client;
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
                let next = match page.continuation {
                    // A server that hands back the token it was given would page forever.
                    Some(token) if matches!(&cursor, Cursor::Next(t) if *t == token) => {
                        Cursor::Done
                    }
                    Some(token) if !page.customers.is_empty() => Cursor::Next(token),
                    _ => Cursor::Done,
                };
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
struct Collection {
    #[serde(default)]
    items: Vec<Item>,
    #[serde(default)]
    continuation_token: Option<String>,
    #[serde(default)]
    links: Links,
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

#[derive(Deserialize, Default)]
struct Links {
    #[serde(default)]
    next: Option<Link>,
}

#[derive(Deserialize)]
struct Link {
    #[serde(default)]
    headers: Vec<Header>,
}

#[derive(Deserialize)]
struct Header {
    key: String,
    value: String,
}

/// A page of the customer collection. The continuation token is the collection's
/// `continuationToken`, or the `MS-ContinuationToken` header of its `links.next`.
fn decode_page(body: &[u8]) -> Result<Page, String> {
    let collection: Collection =
        serde_json::from_slice(body).map_err(|e| describe_json_error(&e))?;
    let from_link = || {
        collection.links.next.as_ref().and_then(|next| {
            next.headers
                .iter()
                .find(|h| h.key.eq_ignore_ascii_case("MS-ContinuationToken"))
                .map(|h| h.value.clone())
        })
    };
    let continuation = collection
        .continuation_token
        .clone()
        .or_else(from_link)
        .filter(|token| !token.is_empty());
    Ok(Page {
        customers: collection
            .items
            .into_iter()
            .map(|item| Customer {
                id: item.id,
                company_name: item.company_profile.company_name.unwrap_or_default(),
                domain: item.company_profile.domain.unwrap_or_default(),
            })
            .collect(),
        continuation,
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
    fn the_continuation_comes_from_the_body_or_the_next_link() {
        let token = |body: &str| decode_page(body.as_bytes()).unwrap().continuation;
        assert_eq!(
            token(r#"{"items":[],"continuationToken":"abc"}"#).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token(
                r#"{"items":[],"links":{"next":{"uri":"/v1/customers?seekOperation=Next",
                    "method":"GET","headers":[{"key":"MS-ContinuationToken","value":"xyz"}]}}}"#
            )
            .as_deref(),
            Some("xyz")
        );
        assert_eq!(token(r#"{"items":[],"continuationToken":""}"#), None);
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
