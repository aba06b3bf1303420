//! Partner Center's wire vocabulary, written down here from Microsoft's documentation and not
//! borrowed from the provider's client: if the client's model of the API is wrong, a sandbox
//! built on the same model would agree with it and no test could tell.

use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// The `resource` a token request must name (AAD v1) to get a token of the global (and the US
/// Government) Partner Center.
pub const PARTNER_CENTER_RESOURCE: &str = "https://api.partnercenter.microsoft.com";

/// The application id of the Partner Center API in Microsoft Entra, which Entra's errors name as
/// the resource a sign-in was for.
pub const PARTNER_CENTER_APP_ID: &str = "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd";

/// The Partner Center a sandbox poses as (`--cloud`, `PUT /admin/cloud`): each cloud has its own
/// token `resource` and sign-in authority
/// (learn.microsoft.com/partner-center/developer/partner-center-rest-urls).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cloud {
    /// The global Partner Center.
    #[default]
    #[serde(rename = "public")]
    Public,
    /// Partner Center for Microsoft Cloud for US Government.
    #[serde(rename = "usgovernment")]
    UsGovernment,
    /// Partner Center operated by 21Vianet.
    #[serde(rename = "china")]
    China,
}

impl Cloud {
    pub const ALL: [Self; 3] = [Self::Public, Self::UsGovernment, Self::China];

    /// `public`, `usgovernment` or `china`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::UsGovernment => "usgovernment",
            Self::China => "china",
        }
    }

    /// The cloud of this name in any case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|cloud| cloud.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The `resource` its token endpoint requires.
    pub fn resource(self) -> &'static str {
        match self {
            Self::Public | Self::UsGovernment => PARTNER_CENTER_RESOURCE,
            Self::China => "https://partner.partnercenterapi.microsoftonline.cn",
        }
    }

    /// Its sign-in authority, to whose error pages Entra's answers link.
    pub fn authority(self) -> &'static str {
        match self {
            Self::Public => "https://login.microsoftonline.com",
            Self::UsGovernment => "https://login.microsoftonline.us",
            Self::China => "https://login.partner.microsoftonline.cn",
        }
    }
}

/// Partner Center's error codes (the `code` of an error body) that the sandbox answers.
pub mod error_codes {
    /// The customer does not exist (HTTP 404).
    pub const CUSTOMER_NOT_FOUND: u32 = 1000;
    /// The customer id is not a valid tenant id (HTTP 400).
    pub const INVALID_TENANT_ID: u32 = 900118;
    /// A property of the request is invalid (HTTP 400).
    pub const INVALID_PROPERTY: u32 = 3000;
    /// The caller's role may not perform the operation (HTTP 403).
    pub const ACCESS_DENIED: u32 = 2032;
    /// The partner has no commerce relationship with the customer (HTTP 403).
    pub const NO_RELATIONSHIP: u32 = 20002;
    /// The supplied role doesn't have the rights to perform the operation (HTTP 403).
    pub const ROLE_MISSING: u32 = 900150;
    /// An App+User token without a multi-factor sign-in, refused since April 2026 (HTTP 401).
    pub const MFA_REQUIRED: u32 = 900421;
}

/// The `code` of an error body: documented as a string, answered as a number as often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Code {
    Number(u32),
    Text(String),
}

/// Partner Center's error body, its fields in the documented order:
/// `{"code":1000,"description":"…","data":[],"source":"PartnerFD"}`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorBody {
    /// Absent where the sandbox knows of no code Partner Center uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) code: Option<Code>,
    pub(crate) description: String,
    /// Always empty here.
    pub(crate) data: [(); 0],
    pub(crate) source: &'static str,
}

impl ErrorBody {
    pub(crate) fn new(code: Option<u32>, description: impl Into<String>) -> Self {
        Self::coded(code.map(Code::Number), description)
    }

    pub(crate) fn coded(code: Option<Code>, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            data: [],
            source: "PartnerFD",
        }
    }

    pub(crate) fn into_response(self, status: StatusCode) -> Response {
        (status, Json(self)).into_response()
    }
}

/// Partner Center's throttling answer, a shape of its own:
/// `{"statusCode":429,"message":"Rate limit is exceeded. Try again in 7 seconds."}` with
/// `Retry-After: 7`, or without the wait when there is none to tell.
pub(crate) fn throttled(retry_after_secs: Option<u64>) -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Throttled {
        status_code: u16,
        message: String,
    }
    let message = match retry_after_secs {
        Some(secs) => format!("Rate limit is exceeded. Try again in {secs} seconds."),
        None => "Rate limit is exceeded.".to_owned(),
    };
    let body = Throttled {
        status_code: 429,
        message,
    };
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    if let Some(secs) = retry_after_secs {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// An error of Microsoft Entra's token endpoint. It answers in the documented shape
/// (learn.microsoft.com/entra/identity-platform/reference-error-codes): `{"error",
/// "error_description":"AADSTS…: …\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …",
/// "error_codes":[…],"timestamp","trace_id","correlation_id","error_uri"}`, and `suberror` where
/// Entra gives one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EntraError {
    /// The OAuth error, e.g. `invalid_grant`.
    pub(crate) error: &'static str,
    /// The AADSTS number.
    pub(crate) code: u32,
    /// The text after `AADSTS…: `.
    pub(crate) message: String,
    pub(crate) suberror: Option<&'static str>,
}

impl EntraError {
    pub(crate) fn new(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        Self {
            error,
            code,
            message: message.into(),
            suberror: None,
        }
    }

    pub(crate) fn with_suberror(self, suberror: &'static str) -> Self {
        Self {
            suberror: Some(suberror),
            ..self
        }
    }

    /// HTTP 400, as Entra answers every error of a token request but a client's failed
    /// authentication. The correlation id is the request's `client-request-id` when it sent
    /// one, as Entra echoes it.
    pub(crate) fn into_response(self, cloud: Cloud, client_request_id: Option<&str>) -> Response {
        #[derive(Serialize)]
        struct Body {
            error: &'static str,
            error_description: String,
            error_codes: [u32; 1],
            timestamp: String,
            trace_id: String,
            correlation_id: String,
            error_uri: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            suberror: Option<&'static str>,
        }
        let format =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
        let timestamp = time::OffsetDateTime::now_utc()
            .format(&format)
            .unwrap_or_default();
        let trace_id = uuid::Uuid::new_v4().to_string();
        let correlation_id = client_request_id
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .unwrap_or_else(uuid::Uuid::new_v4)
            .to_string();
        let body = Body {
            error: self.error,
            error_description: format!(
                "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\n\
                 Timestamp: {timestamp}",
                self.code, self.message
            ),
            error_codes: [self.code],
            timestamp,
            trace_id,
            correlation_id,
            error_uri: format!("{}/error?code={}", cloud.authority(), self.code),
            suberror: self.suberror,
        };
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

/// `{"objectType":…}`, the `attributes` of Partner Center's resources.
#[derive(Debug, Serialize)]
pub(crate) struct ObjectType {
    #[serde(rename = "objectType")]
    pub(crate) object_type: &'static str,
}

impl ObjectType {
    pub(crate) fn new(object_type: &'static str) -> Self {
        Self { object_type }
    }
}

/// A header a link asks the client to send, e.g. `MS-ContinuationToken`.
#[derive(Debug, Serialize)]
pub(crate) struct LinkHeader {
    pub(crate) key: &'static str,
    pub(crate) value: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Link {
    pub(crate) uri: String,
    pub(crate) method: &'static str,
    pub(crate) headers: Vec<LinkHeader>,
}

impl Link {
    pub(crate) fn get(uri: String, headers: Vec<LinkHeader>) -> Self {
        Self {
            uri,
            method: "GET",
            headers,
        }
    }
}

/// The `links` of a collection: itself, and the next page while more follow.
#[derive(Debug, Serialize)]
pub(crate) struct Links {
    #[serde(rename = "self")]
    pub(crate) this: Link,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next: Option<Link>,
}

/// Partner Center's collection, paged by continuation: `totalCount` is the number of items on
/// this page, `links.next` the way to the following one.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Collection<T> {
    pub(crate) total_count: usize,
    pub(crate) items: Vec<T>,
    pub(crate) links: Links,
    pub(crate) attributes: ObjectType,
}

impl<T: Serialize> Collection<T> {
    /// A page answered at `this_uri`, with `next` when more follow.
    pub(crate) fn page(items: Vec<T>, this_uri: String, next: Option<Link>) -> Response {
        Json(Self {
            total_count: items.len(),
            items,
            links: Links {
                this: Link::get(this_uri, Vec::new()),
                next,
            },
            attributes: ObjectType::new("Collection"),
        })
        .into_response()
    }
}

/// The CustomerQualification enum of the Partner Center REST reference; the PUT body carries its
/// integer and the answers its name in lower case (`"education"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Qualification {
    None,
    Education,
    Nonprofit,
    GovernmentCommunityCloud,
    StateOwnedEntity,
}

impl Qualification {
    pub const ALL: [Self; 5] = [
        Self::None,
        Self::Education,
        Self::Nonprofit,
        Self::GovernmentCommunityCloud,
        Self::StateOwnedEntity,
    ];

    /// The documented name, e.g. `GovernmentCommunityCloud`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Education => "Education",
            Self::Nonprofit => "Nonprofit",
            Self::GovernmentCommunityCloud => "GovernmentCommunityCloud",
            Self::StateOwnedEntity => "StateOwnedEntity",
        }
    }

    /// The documented integer of the enum.
    pub fn integer(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Education => 1,
            Self::Nonprofit => 2,
            Self::GovernmentCommunityCloud => 3,
            Self::StateOwnedEntity => 4,
        }
    }

    pub fn from_integer(value: u64) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|q| u64::from(q.integer()) == value)
    }

    /// The qualification of this name in any case, as Partner Center reads names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|q| q.name().eq_ignore_ascii_case(name.trim()))
    }

    /// What the legacy GET and PUT answer: the name in lower case, as a JSON string's content.
    pub fn answer(self) -> String {
        self.name().to_ascii_lowercase()
    }
}

/// Whether `id` is a GUID as Partner Center writes customer ids: 8-4-4-4-12 hexadecimal digits,
/// any case, nothing around them.
pub(crate) fn is_guid(id: &str) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == GROUPS.len()
        && groups
            .iter()
            .zip(GROUPS)
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_integers_and_names() {
        let table: Vec<(u8, &str, String)> = Qualification::ALL
            .into_iter()
            .map(|q| (q.integer(), q.name(), q.answer()))
            .collect();
        assert_eq!(
            table,
            [
                (0, "None", "none".to_owned()),
                (1, "Education", "education".to_owned()),
                (2, "Nonprofit", "nonprofit".to_owned()),
                (
                    3,
                    "GovernmentCommunityCloud",
                    "governmentcommunitycloud".to_owned()
                ),
                (4, "StateOwnedEntity", "stateownedentity".to_owned()),
            ]
        );
        for q in Qualification::ALL {
            assert_eq!(Qualification::from_integer(q.integer().into()), Some(q));
            assert_eq!(Qualification::from_name(&q.answer()), Some(q));
        }
        assert_eq!(Qualification::from_integer(5), None);
        assert_eq!(Qualification::from_name("gold"), None);
    }

    #[test]
    fn guids_in_their_usual_form_only() {
        assert!(is_guid("0c39d6d5-c70d-4c55-bc02-f620844f3fd1"));
        assert!(is_guid("0C39D6D5-C70D-4C55-BC02-F620844F3FD1"));
        for bad in [
            "0c39d6d5c70d4c55bc02f620844f3fd1",
            "{0c39d6d5-c70d-4c55-bc02-f620844f3fd1}",
            "0c39d6d5-c70d-4c55-bc02-f620844f3fd",
            "0c39d6d5-c70d-4c55-bc02-f620844f3fdg",
            "0c39d6d5-c70d-4c55-bc02f-620844f3fd1",
            "",
        ] {
            assert!(!is_guid(bad), "{bad}");
        }
    }
}
