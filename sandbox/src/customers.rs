//! "Get a list of customers": `GET /v1/customers?size=N`, and the following pages through
//! `GET /v1/customers?size=N&seekOperation=Next` with the `MS-ContinuationToken` header.
//!
//! The continuation token names the page size and the last customer of the page it follows:
//! paging is by id, so customers added or removed meanwhile neither repeat nor shift a page.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::api::{
    PageRequest, continuation, continuation_header, invalid_continuation, page_size, serve_page,
};
use crate::state::{ApiFailure, Listed, Page};
use crate::wire::{Collection, Link, ObjectType};

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route("/v1/customers", get(list))
}

/// The page size without `size`.
const DEFAULT_PAGE_SIZE: usize = 200;
/// Larger sizes are served as this many.
const MAX_PAGE_SIZE: usize = 1000;
/// Marks the sandbox's continuation tokens, so that a foreign one is refused.
const TOKEN_PREFIX: &str = "sandbox-continuation";

#[derive(Debug, Deserialize)]
struct ListQuery {
    size: Option<String>,
    #[serde(rename = "seekOperation")]
    seek_operation: Option<String>,
}

fn continuation_token(size: usize, last: &str) -> String {
    format!("{TOKEN_PREFIX}.{size}.{last}")
}

/// The page size and the last customer of the page a token follows.
fn read_token(token: &str) -> Option<(usize, &str)> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?.strip_prefix('.')?;
    let (size, last) = rest.split_once('.')?;
    Some((size.parse().ok()?, last))
}

/// Where the requested page starts and how long it is.
fn requested_page(
    query: ListQuery,
    headers: &HeaderMap,
) -> Result<(Option<String>, usize), ApiFailure> {
    let size = page_size(query.size.as_deref(), MAX_PAGE_SIZE)?;
    let Some(token) = continuation(query.seek_operation.as_deref(), headers)? else {
        return Ok((None, size.unwrap_or(DEFAULT_PAGE_SIZE)));
    };
    let (token_size, last) = read_token(token).ok_or_else(invalid_continuation)?;
    Ok((Some(last.to_owned()), size.unwrap_or(token_size)))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CompanyProfile<'a> {
    tenant_id: &'a str,
    domain: &'a str,
    company_name: &'a str,
    attributes: ObjectType,
}

/// A customer as "Get a list of customers" shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Item<'a> {
    id: &'a str,
    company_profile: CompanyProfile<'a>,
    relationship_to_partner: &'static str,
    attributes: ObjectType,
}

impl<'a> From<&'a Listed> for Item<'a> {
    fn from(customer: &'a Listed) -> Self {
        Self {
            id: &customer.id,
            company_profile: CompanyProfile {
                tenant_id: &customer.id,
                domain: &customer.domain,
                company_name: &customer.company_name,
                attributes: ObjectType::new("CustomerCompanyProfile"),
            },
            relationship_to_partner: "reseller",
            attributes: ObjectType::new("Customer"),
        }
    }
}

fn render(page: &Page, size: usize, this_uri: String) -> Response {
    let next = page.customers.last().filter(|_| page.more).map(|last| {
        Link::get(
            format!("/v1/customers?size={size}&seekOperation=Next"),
            vec![continuation_header(continuation_token(size, &last.id))],
        )
    });
    Collection::page(
        page.customers.iter().map(Item::from).collect(),
        this_uri,
        next,
    )
}

/// App-only or App+User.
async fn list(State(app): State<Arc<App>>, page: PageRequest<ListQuery>) -> Response {
    serve_page(
        &app,
        page,
        requested_page,
        |state, (after, size)| state.customer_page(after.as_deref(), *size),
        |page, (_, size), this_uri| render(&page, *size, this_uri),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHOOL: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";

    fn page(
        size: Option<&str>,
        seek_operation: Option<&str>,
        token: Option<&str>,
    ) -> Result<(Option<String>, usize), String> {
        let query = ListQuery {
            size: size.map(str::to_owned),
            seek_operation: seek_operation.map(str::to_owned),
        };
        let mut headers = HeaderMap::new();
        if let Some(token) = token {
            headers.insert("MS-ContinuationToken", token.parse().expect("header value"));
        }
        requested_page(query, &headers).map_err(|f| f.description)
    }

    #[test]
    fn first_pages_and_next_pages() {
        assert_eq!(page(None, None, None), Ok((None, DEFAULT_PAGE_SIZE)));
        assert_eq!(page(Some("40"), None, None), Ok((None, 40)));
        assert_eq!(page(Some("100000"), None, None), Ok((None, MAX_PAGE_SIZE)));
        let token = continuation_token(40, SCHOOL);
        let after = Some(SCHOOL.to_owned());
        assert_eq!(
            page(None, Some("Next"), Some(&token)),
            Ok((after.clone(), 40)),
            "the size comes with the token"
        );
        assert_eq!(
            page(Some("10"), Some("next"), Some(&token)),
            Ok((after, 10))
        );
    }

    #[test]
    fn refusals() {
        let size = "size must be a whole number greater than 0.";
        assert_eq!(page(Some("0"), None, None), Err(size.to_owned()));
        assert_eq!(page(Some("ten"), None, None), Err(size.to_owned()));
        let token = "seekOperation=Next needs the MS-ContinuationToken of the page before.";
        assert_eq!(page(None, Some("Next"), None), Err(token.to_owned()));
        assert_eq!(
            page(None, Some("Next"), Some("someone-elses-token")),
            Err(token.to_owned())
        );
        assert_eq!(
            page(None, Some("Previous"), None),
            Err("seekOperation must be Next.".to_owned())
        );
    }
}
