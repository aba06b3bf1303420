//! The asynchronous `qualifications` contract (POST / GET, with vetting), the successor
//! Microsoft announced for the documented PUT: requests and answers, kept in one place.
//!
//! Microsoft's documents disagree on the answers' shape, so every shape they show is read:
//! one object, a JSON array of objects, or the wrapper `{"qualifications": [...]}`; the date
//! spelled `vettingCreateDate` or `vettingCreatedDate`.

use reqwest::Method;
use serde::Deserialize;

use super::contract::ApiRequest;
use super::error::describe_json_error;
use super::model::{QualificationRequest, VettedQualification};

/// `POST /v1/customers/{id}/qualifications` with what `request` holds (as its contract sends
/// it): a JSON body with the validation code in it, so the request carries the code for
/// redaction but not in its query.
pub(crate) fn create_qualification<'a>(
    customer_id: &'a str,
    request: &QualificationRequest<'a>,
) -> ApiRequest<'a> {
    let mut body = serde_json::Map::new();
    body.insert(
        "qualification".into(),
        request.qualification.as_str().into(),
    );
    if let Some(segment) = request.education_segment {
        body.insert("educationSegment".into(), segment.as_str().into());
    }
    if let Some(website) = request.website {
        body.insert("website".into(), website.into());
    }
    if let Some(code) = request.validation_code {
        body.insert("validationCode".into(), code.expose().into());
    }
    ApiRequest {
        method: Method::POST,
        segments: vec!["v1", "customers", customer_id, "qualifications"],
        code: request.validation_code,
        body: Some(serde_json::Value::Object(body).to_string()),
        ..ApiRequest::default()
    }
}

/// `GET /v1/customers/{id}/qualifications`.
pub(crate) fn list_qualifications(customer_id: &str) -> ApiRequest<'_> {
    ApiRequest {
        segments: vec!["v1", "customers", customer_id, "qualifications"],
        ..ApiRequest::default()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    qualification: String,
    #[serde(default)]
    vetting_status: Option<String>,
    #[serde(default)]
    vetting_reason: Option<String>,
    #[serde(default, alias = "vettingCreatedDate")]
    vetting_create_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Shape {
    List(Vec<Wire>),
    Wrapper { qualifications: Vec<Wire> },
    One(Wire),
}

/// Any answer of the POST or the GET: every qualification it lists.
pub(crate) fn decode_qualifications(body: &[u8]) -> Result<Vec<VettedQualification>, String> {
    let shape: Shape = serde_json::from_slice(body).map_err(|e| {
        // serde's text for an untagged mismatch names no value, so it is safe to show.
        format!(
            "not one qualification, a list of them, nor {{\"qualifications\": [...]}} ({})",
            describe_json_error(&e)
        )
    })?;
    let wires = match shape {
        Shape::List(list)
        | Shape::Wrapper {
            qualifications: list,
        } => list,
        Shape::One(one) => vec![one],
    };
    Ok(wires
        .into_iter()
        .map(|w| VettedQualification {
            qualification: w.qualification,
            vetting_status: w.vetting_status,
            vetting_reason: w.vetting_reason,
            vetting_created: w.vetting_create_date,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partnercenter::Secret;
    use crate::partnercenter::model::{
        EducationSegment, Qualification, QualificationApi, principal,
    };

    fn body(request: &ApiRequest<'_>) -> serde_json::Value {
        serde_json::from_str(request.body.as_deref().unwrap()).unwrap()
    }

    /// The POST for `request`, as the asynchronous contract sends it.
    fn post<'a>(request: &QualificationRequest<'a>) -> ApiRequest<'a> {
        create_qualification("c", &request.as_sent(QualificationApi::Async))
    }

    #[test]
    fn post_bodies_leave_out_absent_fields() {
        let code = Secret::new("GCC-1");
        let education = post(&QualificationRequest {
            education_segment: Some(EducationSegment::HigherEducation),
            website: Some("https://school.example"),
            ..QualificationRequest::new(Qualification::Education, Some(&code))
        });
        assert_eq!(education.method, Method::POST);
        assert_eq!(education.segments[3], "qualifications");
        assert_eq!(
            body(&education),
            serde_json::json!({"qualification": "Education",
                "educationSegment": "HigherEducation", "website": "https://school.example"})
        );
        assert!(education.code.is_none(), "the code goes only with GCC");
        let gcc = post(&QualificationRequest {
            website: Some("https://agency.example"),
            ..QualificationRequest::new(Qualification::GovernmentCommunityCloud, Some(&code))
        });
        assert_eq!(
            body(&gcc),
            serde_json::json!({"qualification": "GovernmentCommunityCloud",
                "validationCode": "GCC-1"})
        );
        assert!(gcc.code.is_some() && !gcc.code_in_query);
        let soe = post(&QualificationRequest::new(
            Qualification::StateOwnedEntity,
            None,
        ));
        assert_eq!(
            body(&soe),
            serde_json::json!({"qualification": "StateOwnedEntity"})
        );
    }

    #[test]
    fn every_documented_answer_shape_decodes() {
        let expected = vec![VettedQualification {
            qualification: "Education".into(),
            vetting_status: Some("InReview".into()),
            vetting_reason: None,
            vetting_created: Some("2020-12-04T20:54:24Z".into()),
        }];
        for answer in [
            r#"{"qualification":"Education","vettingStatus":"InReview","vettingCreateDate":"2020-12-04T20:54:24Z"}"#,
            r#"[{"qualification":"Education","vettingStatus":"InReview","vettingCreatedDate":"2020-12-04T20:54:24Z"}]"#,
            r#"{"qualifications":[{"qualification":"Education","vettingStatus":"InReview","vettingCreateDate":"2020-12-04T20:54:24Z"}]}"#,
        ] {
            assert_eq!(
                decode_qualifications(answer.as_bytes()),
                Ok(expected.clone()),
                "{answer}"
            );
        }
        let two = decode_qualifications(
            br#"[{"qualification":"StateOwnedEntity"},
                 {"qualification":"governmentcommunitycloud","vettingStatus":"Denied","vettingReason":"Not a government entity"}]"#,
        )
        .unwrap();
        assert_eq!(two[0].kind(), Some(Qualification::StateOwnedEntity));
        assert_eq!(two[0].vetting_status, None);
        assert_eq!(two[1].kind(), Some(Qualification::GovernmentCommunityCloud));
        assert!(two[1].is_denied());
        assert_eq!(
            two[1].vetting_reason.as_deref(),
            Some("Not a government entity")
        );
        assert_eq!(decode_qualifications(b"[]"), Ok(Vec::new()));
        let unknown = decode_qualifications(br#"[{"qualification":"Gold"}]"#).unwrap();
        assert_eq!(unknown[0].kind(), None);
        assert_eq!(unknown[0].name(), "Gold");
        assert_eq!(
            principal(&two).map(VettedQualification::name).as_deref(),
            Some("GovernmentCommunityCloud")
        );
        assert_eq!(
            principal(&two[..1])
                .map(VettedQualification::name)
                .as_deref(),
            Some("StateOwnedEntity")
        );
        assert_eq!(principal(&[]), None);
    }

    #[test]
    fn malformed_answers_are_errors_that_quote_nothing() {
        for bad in [
            &br#"{"qualifications":"SECRET-1"}"#[..],
            br#""education""#,
            br#"[{"vettingStatus":"SECRET-1"}]"#,
            b"{",
        ] {
            let err = decode_qualifications(bad).unwrap_err();
            assert!(!err.contains("SECRET-1"), "{err}");
            assert!(err.starts_with("not one qualification"), "{err}");
        }
    }
}
