//! The documented `qualification` contract (PUT / GET) and the validation codes, as HTTP
//! requests and answers, kept in one place; [`ApiRequest`] is shared with the asynchronous
//! contract in `async_contract.rs`.

use reqwest::Method;

use super::config::Secret;
use super::error::describe_json_error;
use super::model::{Qualification, ValidationCode};

/// `MS-Contract-Version` of this contract.
pub(crate) const CONTRACT_VERSION: &str = "v1";

/// One API request, before authentication and transport headers.
#[derive(Debug)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) method: Method,
    /// Path segments under the base URL; each is percent-encoded on its own.
    pub(crate) segments: [&'a str; 4],
    /// The validation code the request carries: never logged, and redacted from any answer.
    pub(crate) code: Option<&'a Secret>,
    /// Whether the code goes in the `?code=` query (the PUT) rather than in the body.
    pub(crate) code_in_query: bool,
    /// A JSON body.
    pub(crate) body: Option<String>,
}

/// `PUT /v1/customers/{id}/qualification[?code=…]` with the enum's integer as body; the code is
/// sent only with GovernmentCommunityCloud, as the API documents.
pub(crate) fn set_qualification<'a>(
    customer_id: &'a str,
    qualification: Qualification,
    validation_code: Option<&'a Secret>,
) -> ApiRequest<'a> {
    ApiRequest {
        method: Method::PUT,
        segments: ["v1", "customers", customer_id, "qualification"],
        code: validation_code.filter(|_| qualification.requires_validation_code()),
        code_in_query: true,
        body: Some(qualification.wire_value().to_string()),
    }
}

/// `GET /v1/customers/{id}/qualification`.
pub(crate) fn get_qualification(customer_id: &str) -> ApiRequest<'_> {
    ApiRequest {
        method: Method::GET,
        segments: ["v1", "customers", customer_id, "qualification"],
        code: None,
        code_in_query: false,
        body: None,
    }
}

/// `GET /v1/customers/all/validations`.
pub(crate) fn list_validation_codes() -> ApiRequest<'static> {
    ApiRequest {
        method: Method::GET,
        segments: ["v1", "customers", "all", "validations"],
        code: None,
        code_in_query: false,
        body: None,
    }
}

/// The qualification answer: a JSON string in any case, e.g. `"governmentcommunitycloud"`.
pub(crate) fn decode_qualification(body: &[u8]) -> Result<Qualification, String> {
    let text: String = serde_json::from_slice(body).map_err(|e| describe_json_error(&e))?;
    text.parse()
        .map_err(|e: super::model::UnknownQualification| e.to_string())
}

/// The validation codes answer: a JSON array of Partner Center's camelCase objects.
pub(crate) fn decode_validation_codes(body: &[u8]) -> Result<Vec<ValidationCode>, String> {
    serde_json::from_slice(body).map_err(|e| describe_json_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_sends_integer_and_code_only_for_gcc() {
        let code = Secret::new("V-1");
        let gcc = set_qualification("c", Qualification::GovernmentCommunityCloud, Some(&code));
        assert_eq!((gcc.method, gcc.body.as_deref()), (Method::PUT, Some("3")));
        assert_eq!(gcc.code.map(Secret::expose), Some("V-1"));
        let education = set_qualification("c", Qualification::Education, Some(&code));
        assert_eq!(education.body.as_deref(), Some("1"));
        assert!(education.code.is_none());
    }

    #[test]
    fn decodes_answers() {
        assert_eq!(
            decode_qualification(br#""governmentcommunitycloud""#),
            Ok(Qualification::GovernmentCommunityCloud)
        );
        assert_eq!(
            decode_qualification(br#""Education""#),
            Ok(Qualification::Education)
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
