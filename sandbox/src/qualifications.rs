//! The asynchronous contract: `POST` and `GET /v1/customers/{id}/qualifications`, with vetting.
//!
//! Microsoft's documents disagree on its answers: the POST answers 201 with the entry it set or
//! 200 with `{"qualifications":[…]}`, the GET a bare array or that wrapper, and the date is
//! `vettingCreateDate` in some and `vettingCreatedDate` in others. [`AnswerShapes`] picks one
//! of each, so that a client can be tested against every shape.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::api::{get_customer, serve_change};
use crate::state::{ApiFailure, Held, Origin, Posted, Requested};
use crate::wire::{Qualification, error_codes};
use crate::{App, lock};

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route(
        "/v1/customers/{customer_id}/qualifications",
        get_customer(crate::state::State::qualifications, |app, held| {
            render_list(&held, *lock(&app.shapes))
        })
        .post(post),
    )
}

/// The shapes of the asynchronous contract's answers (`PUT /admin/qualifications/shapes`).
/// Fields left out of a JSON body take their defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AnswerShapes {
    pub post: PostShape,
    pub get: GetShape,
    /// The name of the vetting date field, in both answers.
    pub date_field: DateField,
}

/// How the POST answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PostShape {
    /// 201 Created with the entry set, as in "Update a customer's qualifications
    /// asynchronously".
    #[default]
    Object,
    /// 200 OK with `{"qualifications":[…]}`, every entry held, as in the REST reference.
    Wrapper,
}

/// How the GET answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GetShape {
    /// A bare array, as in the current "Get a customer's qualifications asynchronously".
    #[default]
    Array,
    /// `{"qualifications":[…]}`, as in its older revision and the REST reference.
    Wrapper,
}

/// The spelling of the vetting date field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateField {
    /// The POST example and the REST reference.
    #[default]
    #[serde(rename = "vettingCreateDate")]
    VettingCreateDate,
    /// The GET examples.
    #[serde(rename = "vettingCreatedDate")]
    VettingCreatedDate,
}

impl DateField {
    fn name(self) -> &'static str {
        match self {
            Self::VettingCreateDate => "vettingCreateDate",
            Self::VettingCreatedDate => "vettingCreatedDate",
        }
    }
}

/// One entry of an answer, fields in the documented order:
/// `{"qualification":"Education","vettingStatus":"Denied","vettingReason":"…","vettingCreateDate":"…"}`.
struct Entry<'a> {
    held: &'a Held,
    date_field: DateField,
}

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("qualification", self.held.qualification.name())?;
        if let Some(vetting) = &self.held.vetting {
            map.serialize_entry("vettingStatus", &vetting.status)?;
            if let Some(reason) = &vetting.reason {
                map.serialize_entry("vettingReason", reason)?;
            }
            if let Some(created) = &vetting.created {
                map.serialize_entry(self.date_field.name(), created)?;
            }
        }
        map.end()
    }
}

fn entries(held: &[Held], date_field: DateField) -> Vec<Entry<'_>> {
    held.iter().map(|held| Entry { held, date_field }).collect()
}

#[derive(Serialize)]
struct Wrapper<'a> {
    qualifications: Vec<Entry<'a>>,
}

/// The POST body, `{"qualification","educationSegment","website","validationCode"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostBody {
    qualification: String,
    education_segment: Option<String>,
    website: Option<String>,
    validation_code: Option<String>,
}

fn invalid(description: impl Into<String>) -> ApiFailure {
    ApiFailure::bad_request(error_codes::INVALID_PROPERTY, description)
}

/// Reads a POST body into what it asks for. Each field must belong to the qualification asked
/// for, so that a client sending more than the documents describe is caught. A refusal never
/// quotes the validation code.
fn read_request(body: &[u8]) -> Result<Requested, ApiFailure> {
    let body: PostBody = serde_json::from_slice(body)
        .map_err(|_| invalid("The request body must be a JSON object with a qualification."))?;
    let qualification = Qualification::from_name(&body.qualification)
        .ok_or_else(|| invalid(format!("Unknown qualification {:?}.", body.qualification)))?;
    let only_for = |field: &str, owner: &str| invalid(format!("{field} is only for {owner}."));
    if qualification != Qualification::Education {
        if body.education_segment.is_some() {
            return Err(only_for("educationSegment", "Education"));
        }
        if body.website.is_some() {
            return Err(only_for("website", "Education"));
        }
    }
    if qualification != Qualification::GovernmentCommunityCloud && body.validation_code.is_some() {
        return Err(only_for("validationCode", "GovernmentCommunityCloud"));
    }
    match qualification {
        Qualification::Education => {
            let segment = body.education_segment.unwrap_or_default();
            if ["K12", "HigherEducation"]
                .iter()
                .any(|known| known.eq_ignore_ascii_case(&segment))
            {
                Ok(Requested::Education)
            } else {
                Err(invalid(
                    "Education requires an educationSegment: K12 or HigherEducation.",
                ))
            }
        }
        // A missing code is refused where codes are checked, with the same words as a PUT's.
        Qualification::GovernmentCommunityCloud => Ok(Requested::GovernmentCommunityCloud {
            validation_code: body.validation_code.unwrap_or_default(),
        }),
        Qualification::StateOwnedEntity => Ok(Requested::StateOwnedEntity),
        Qualification::None | Qualification::Nonprofit => Err(invalid(format!(
            "The qualification {} cannot be set; only Education, GovernmentCommunityCloud \
             and StateOwnedEntity can.",
            qualification.name()
        ))),
    }
}

fn render_post(posted: &Posted, shapes: AnswerShapes) -> Response {
    match shapes.post {
        PostShape::Object => {
            let entry = Entry {
                held: &posted.set,
                date_field: shapes.date_field,
            };
            (StatusCode::CREATED, Json(entry)).into_response()
        }
        PostShape::Wrapper => Json(Wrapper {
            qualifications: entries(&posted.all, shapes.date_field),
        })
        .into_response(),
    }
}

fn render_list(held: &[Held], shapes: AnswerShapes) -> Response {
    let qualifications = entries(held, shapes.date_field);
    match shapes.get {
        GetShape::Array => Json(qualifications).into_response(),
        GetShape::Wrapper => Json(Wrapper { qualifications }).into_response(),
    }
}

/// App+User only, like the PUT; the body is read after the token, so that an anonymous caller
/// learns nothing about its request.
async fn post(
    State(app): State<Arc<App>>,
    Path(customer_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let change = |origin: Origin| {
        let requested = read_request(&body)?;
        app.mutate(|state| state.post_qualification(&customer_id, requested, &origin))
    };
    serve_change(&app, &headers, change, |posted| {
        render_post(&posted, *lock(&app.shapes))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Vetting;

    fn description(body: &str) -> String {
        read_request(body.as_bytes())
            .expect_err("refused")
            .description
    }

    #[test]
    fn each_qualification_takes_its_own_fields() {
        for (body, requested) in [
            (
                r#"{"qualification":"Education","educationSegment":"K12"}"#,
                Requested::Education,
            ),
            (
                r#"{"qualification":"education","educationSegment":"highereducation","website":"contoso.edu"}"#,
                Requested::Education,
            ),
            (
                r#"{"qualification":"GovernmentCommunityCloud","validationCode":"V-1"}"#,
                Requested::GovernmentCommunityCloud {
                    validation_code: "V-1".to_owned(),
                },
            ),
            (
                r#"{"qualification":"StateOwnedEntity"}"#,
                Requested::StateOwnedEntity,
            ),
        ] {
            assert_eq!(read_request(body.as_bytes()), Ok(requested), "{body}");
        }
    }

    #[test]
    fn refusals_say_what_is_wrong_without_quoting_codes() {
        let segment = "Education requires an educationSegment: K12 or HigherEducation.";
        for (body, expected) in [
            (
                "3",
                "The request body must be a JSON object with a qualification.",
            ),
            (
                "{}",
                "The request body must be a JSON object with a qualification.",
            ),
            (
                r#"{"qualification":"Gold"}"#,
                "Unknown qualification \"Gold\".",
            ),
            (r#"{"qualification":"Education"}"#, segment),
            (
                r#"{"qualification":"Education","educationSegment":"Primary"}"#,
                segment,
            ),
            (
                r#"{"qualification":"Education","educationSegment":"K12","validationCode":"SECRET-9"}"#,
                "validationCode is only for GovernmentCommunityCloud.",
            ),
            (
                r#"{"qualification":"StateOwnedEntity","website":"x.gov"}"#,
                "website is only for Education.",
            ),
            (
                r#"{"qualification":"GovernmentCommunityCloud","validationCode":"V","educationSegment":"K12"}"#,
                "educationSegment is only for Education.",
            ),
            (
                r#"{"qualification":"Nonprofit"}"#,
                "The qualification Nonprofit cannot be set; only Education, \
                 GovernmentCommunityCloud and StateOwnedEntity can.",
            ),
            (
                r#"{"qualification":"None"}"#,
                "The qualification None cannot be set; only Education, \
                 GovernmentCommunityCloud and StateOwnedEntity can.",
            ),
        ] {
            assert_eq!(description(body), expected, "{body}");
        }
    }

    #[test]
    fn entries_in_each_spelling() {
        let denied = Held {
            qualification: Qualification::Education,
            vetting: Some(Vetting {
                status: "Denied".to_owned(),
                reason: Some("Not an Education Customer".to_owned()),
                created: Some("2020-12-03T10:37:38Z".to_owned()),
            }),
        };
        let state_owned = Held {
            qualification: Qualification::StateOwnedEntity,
            vetting: None,
        };
        let json = |date_field| {
            serde_json::to_string(&entries(&[denied.clone(), state_owned.clone()], date_field))
                .expect("serializes")
        };
        assert_eq!(
            json(DateField::VettingCreateDate),
            r#"[{"qualification":"Education","vettingStatus":"Denied","vettingReason":"Not an Education Customer","vettingCreateDate":"2020-12-03T10:37:38Z"},{"qualification":"StateOwnedEntity"}]"#
        );
        assert!(json(DateField::VettingCreatedDate).contains(r#""vettingCreatedDate":"#));
        let shapes: AnswerShapes =
            serde_json::from_str(r#"{"get":"wrapper","dateField":"vettingCreatedDate"}"#)
                .expect("shapes");
        assert_eq!(
            shapes,
            AnswerShapes {
                post: PostShape::Object,
                get: GetShape::Wrapper,
                date_field: DateField::VettingCreatedDate,
            }
        );
        let unknown = serde_json::from_str::<AnswerShapes>(r#"{"get":"list"}"#)
            .expect_err("no such shape")
            .to_string();
        assert!(unknown.starts_with("unknown variant `list`"), "{unknown}");
    }
}
