//! The documented `qualification` contract (PUT / GET) and the validation codes, as HTTP
//! requests and answers, kept in one place; [`ApiRequest`] is shared with the asynchronous
//! contract in `async_contract.rs`.

use std::time::Duration;

use reqwest::Method;
use tokio::time::Instant;

use super::config::Secret;
use super::error::describe_json_error;
use super::model::{Qualification, QualificationRequest, ValidationCode, VettedQualification};

/// `MS-Contract-Version` of this contract.
pub(crate) const CONTRACT_VERSION: &str = "v1";

/// One API request, before authentication and transport headers.
#[derive(Debug, Default)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) method: Method,
    /// Path segments under the base URL; each is percent-encoded on its own.
    pub(crate) segments: Vec<&'a str>,
    /// Query parameters that hold nothing secret (`size`, `seekOperation`).
    pub(crate) query: Vec<(&'static str, String)>,
    /// The validation code the request carries: never logged, and redacted from any answer.
    pub(crate) code: Option<&'a Secret>,
    /// Whether the code goes in the `?code=` query (the PUT) rather than in the body.
    pub(crate) code_in_query: bool,
    /// Headers beyond the ones every call sends (`MS-ContinuationToken`).
    pub(crate) headers: Vec<(&'static str, String)>,
    /// A JSON body.
    pub(crate) body: Option<String>,
    /// A budget shorter than the client's deadline, retries and waits included, for a call
    /// whose answer is a nicety that must not hold up the run (the drift lookup).
    pub(crate) budget: Option<Budget>,
}

/// A time limit that several calls share (the pages of one activity log lookup): each must end
/// by `ends`, and a call that does not names `of`, the whole budget, in its error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    pub(crate) of: Duration,
    pub(crate) ends: Instant,
}

impl Budget {
    /// `of`, counted from now.
    pub(crate) fn from_now(of: Duration) -> Self {
        Self {
            of,
            ends: Instant::now() + of,
        }
    }
}

/// `PUT /v1/customers/{id}/qualification[?code=…]` with the enum's integer as body and the
/// code `request` holds (as its contract sends it: only with GovernmentCommunityCloud, as the
/// API documents).
pub(crate) fn set_qualification<'a>(
    customer_id: &'a str,
    request: &QualificationRequest<'a>,
) -> ApiRequest<'a> {
    ApiRequest {
        method: Method::PUT,
        segments: vec!["v1", "customers", customer_id, "qualification"],
        code: request.validation_code,
        code_in_query: true,
        body: Some(request.qualification.wire_value().to_string()),
        ..ApiRequest::default()
    }
}

/// `GET /v1/customers/{id}/qualification`.
pub(crate) fn get_qualification(customer_id: &str) -> ApiRequest<'_> {
    ApiRequest {
        segments: vec!["v1", "customers", customer_id, "qualification"],
        ..ApiRequest::default()
    }
}

/// `GET /v1/customers/all/validations`.
pub(crate) fn list_validation_codes() -> ApiRequest<'static> {
    ApiRequest {
        segments: vec!["v1", "customers", "all", "validations"],
        ..ApiRequest::default()
    }
}

/// The qualification answer, a JSON string in any case (e.g. `"governmentcommunitycloud"`), as
/// the one qualification the customer holds, without vetting.
pub(crate) fn decode_qualification(body: &[u8]) -> Result<Vec<VettedQualification>, String> {
    let text: String = serde_json::from_slice(body).map_err(|e| describe_json_error(&e))?;
    let qualification: Qualification = text
        .parse()
        .map_err(|e: super::model::UnknownQualification| e.to_string())?;
    Ok(vec![VettedQualification::unvetted(qualification)])
}

/// The validation codes answer: a JSON array of Partner Center's camelCase objects.
pub(crate) fn decode_validation_codes(body: &[u8]) -> Result<Vec<ValidationCode>, String> {
    serde_json::from_slice(body).map_err(|e| describe_json_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partnercenter::QualificationApi;

    /// The PUT for `qualification` with `code`, as the legacy contract sends it.
    fn put<'a>(qualification: Qualification, code: &'a Secret) -> ApiRequest<'a> {
        let request = QualificationRequest {
            website: Some("https://school.example"),
            ..QualificationRequest::new(qualification, Some(code))
        };
        set_qualification("c", &request.as_sent(QualificationApi::Legacy))
    }

    #[test]
    fn set_sends_integer_and_code_only_for_gcc() {
        let code = Secret::new("V-1");
        let gcc = put(Qualification::GovernmentCommunityCloud, &code);
        assert_eq!((gcc.method, gcc.body.as_deref()), (Method::PUT, Some("3")));
        assert_eq!(gcc.code.map(Secret::expose), Some("V-1"));
        let education = put(Qualification::Education, &code);
        assert_eq!(education.body.as_deref(), Some("1"));
        assert!(education.code.is_none());
    }

    #[test]
    fn decodes_answers() {
        let held = |q| Ok(vec![VettedQualification::unvetted(q)]);
        assert_eq!(
            decode_qualification(br#""governmentcommunitycloud""#),
            held(Qualification::GovernmentCommunityCloud)
        );
        assert_eq!(
            decode_qualification(br#""Education""#),
            held(Qualification::Education)
        );
        assert_eq!(
            decode_qualification(b"3"),
            Err("Data error at line 1 column 1".to_owned()),
            "an integer is the PUT's body, never its answer"
        );
        assert_eq!(
            decode_qualification(br#""gold""#),
            Err(crate::partnercenter::UnknownQualification("gold".to_owned()).to_string())
        );
        assert_eq!(decode_validation_codes(b"[]"), Ok(vec![]));
    }

    #[test]
    fn decode_errors_do_not_quote_values() {
        let err =
            decode_validation_codes(br#"[{"validationId": 12345678}]"#).expect_err("wrong type");
        assert!(!err.contains("12345678"), "{err}");
        let err = decode_validation_codes(br#"[{"validationId":"SECRET-1","maxCreates":"x"}]"#)
            .expect_err("wrong type");
        assert!(!err.contains("SECRET-1"), "{err}");
    }
}
