//! Listing customers: page by page, only as the stream is read, ended by a failed page.

use futures_util::{StreamExt as _, TryStreamExt as _};
use partnercenter_sandbox::DEMO_SCHOOL as SCHOOL;
use serde_json::json;
use terraform_provider_partnercenter::partnercenter::Error;

use super::{count, with_customers};

/// Every customer once, in the sandbox's order, one `GET /v1/customers` per page.
#[tokio::test]
async fn customers_page_through_the_continuation() {
    let (sandbox, client, _) = with_customers(245).await;
    let expected: Vec<String> = sandbox
        .admin()
        .state()
        .await
        .expect("state")
        .customers
        .iter()
        .map(|c| c.id.to_ascii_lowercase())
        .collect();
    assert_eq!(
        expected.len(),
        250,
        "245 generated and the 5 demo customers"
    );
    let customers: Vec<_> = client
        .customers(100)
        .try_collect()
        .await
        .expect("every page");
    let mut ids: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
    let listed_order = ids.clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 250, "each customer once");
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert_eq!(listed_order, sorted, "in Partner Center's (id) order");
    let school = customers
        .iter()
        .find(|c| c.id == SCHOOL)
        .expect("the school");
    assert_eq!(school.company_name, "Contoso School District");
    assert!(!school.domain.is_empty());
    assert_eq!(
        count(&sandbox, "GET customers").await,
        3,
        "pages of 100, 100, 50"
    );
}

/// Pages are asked for only as the stream is read: dropping it stops the listing.
#[tokio::test]
async fn a_dropped_listing_asks_for_no_more_pages() {
    let (sandbox, client, _) = with_customers(245).await;
    let first: Vec<_> = client
        .customers(100)
        .take(5)
        .try_collect()
        .await
        .expect("the first page");
    assert_eq!(first.len(), 5);
    assert_eq!(count(&sandbox, "GET customers").await, 1);
}

/// A page that fails ends the listing with the error, after the customers before it.
#[tokio::test]
async fn a_failed_page_ends_the_listing_with_its_error() {
    let (sandbox, client, stop) = with_customers(245).await;
    let mut customers = client.customers(100);
    for _ in 0..100 {
        customers
            .next()
            .await
            .expect("a customer")
            .expect("first page");
    }
    sandbox
        .admin()
        .add_fault(json!({ "kind": "status", "status": 403, "method": "GET" }))
        .await
        .expect("fault");
    let err = customers
        .next()
        .await
        .expect("an item")
        .expect_err("the second page is refused");
    assert_eq!(err.status(), Some(403), "{err}");

    // A stopped provider asks for nothing more: the next call fails at once.
    sandbox
        .admin()
        .clear_faults()
        .await
        .expect("faults cleared");
    stop.cancel();
    let mut customers = client.customers(100);
    let err = customers
        .next()
        .await
        .expect("an item")
        .expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled { .. }), "{err}");
}
