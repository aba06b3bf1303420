//! Partner Center's collections, the shape of every list it pages (customers, audit records):
//! `{"totalCount","items":[…],"links":{"next":{"uri","method","headers":[{"key":
//! "MS-ContinuationToken","value":…}]}}}`, and when to ask for the next page.

use serde::Deserialize;

/// One page of a collection.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Collection<T> {
    #[serde(default = "Vec::new")]
    pub(super) items: Vec<T>,
    #[serde(default)]
    continuation_token: Option<String>,
    #[serde(default)]
    links: Links,
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

impl<T> Collection<T> {
    /// The token of the next page: the collection's `continuationToken`, or the
    /// `MS-ContinuationToken` header of its `links.next`; `None` on the last page.
    pub(super) fn continuation(&self) -> Option<String> {
        let from_link = || {
            self.links.next.as_ref().and_then(|next| {
                next.headers
                    .iter()
                    .find(|h| h.key.eq_ignore_ascii_case("MS-ContinuationToken"))
                    .map(|h| h.value.clone())
            })
        };
        self.continuation_token
            .clone()
            .or_else(from_link)
            .filter(|token| !token.is_empty())
    }
}

/// The token to ask for the page after one that `sent` asked for and that answered `next`:
/// none after an empty page, nor when the server hands back the token it was given (it would
/// page forever).
pub(super) fn next_token(sent: Option<&str>, next: Option<String>, empty: bool) -> Option<String> {
    next.filter(|token| !empty && sent != Some(token.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(body: &str) -> Option<String> {
        serde_json::from_str::<Collection<serde_json::Value>>(body)
            .expect("a collection")
            .continuation()
    }

    #[test]
    fn the_continuation_comes_from_the_body_or_the_next_link() {
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
        assert_eq!(token(r#"{"totalCount":0}"#), None);
    }

    #[test]
    fn paging_ends_on_an_empty_page_or_a_repeated_token() {
        let next = || Some("t-2".to_owned());
        assert_eq!(next_token(None, next(), false).as_deref(), Some("t-2"));
        assert_eq!(
            next_token(Some("t-1"), next(), false).as_deref(),
            Some("t-2")
        );
        assert_eq!(next_token(Some("t-2"), next(), false), None);
        assert_eq!(next_token(None, next(), true), None);
        assert_eq!(next_token(None, None, false), None);
    }
}
