//! The exact bytes of every Partner Center route the sandbox serves (status, the headers a
//! client acts on, the whole body) against the examples in Microsoft's documentation: the REST
//! reference, "Partner Center REST error codes", the throttling answer, the activity log, and
//! Entra's (AAD v1) token endpoint. A change in any of them is a change of the contract the
//! provider is tested against.
//!
//! Where an answer carries what no request can know (an issued token, the trace id Entra draws)
//! the expectation takes it from the answer after checking its form; where it carries the time of
//! the request, the expectation is each second the clock passed through while the request ran.

use std::time::{Duration, SystemTime};

use partnercenter_sandbox::{
    self as sandbox, Actor, Cloud, DEMO_ACCESS_TOKEN, DEMO_AGENCY, DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET, DEMO_PARTNER_ID, DEMO_REFRESH_TOKEN, DEMO_SCHOOL,
    DEMO_SINGLE_USE_VALIDATION_CODE, DEMO_TENANT_ID, DEMO_VALIDATION_CODE, ErrorCase,
    PARTNER_CENTER_APP_ID, Qualification, RunningSandbox, SandboxConfig, SeedAuditRecord,
    UNKNOWN_CUSTOMER,
};
use reqwest::Method;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;

/// The `client-request-id` every token request sends, which Entra echoes as its correlation id.
const CLIENT_REQUEST_ID: &str = "8c7a3b7e-0d7c-4c1e-9f4e-2a6b1d0c3e5f";

/// The wall clock's seconds from a start to now: the times an answer made in between may carry.
struct Clock {
    start: OffsetDateTime,
}

impl Clock {
    fn start() -> Self {
        Self {
            start: OffsetDateTime::now_utc(),
        }
    }

    /// Each whole second from the start to now, in `format`.
    fn stamps(&self, format: &[BorrowedFormatItem<'_>]) -> Vec<String> {
        let second = |at: OffsetDateTime| at.replace_nanosecond(0).expect("a valid instant");
        let end = second(OffsetDateTime::now_utc());
        let mut at = second(self.start);
        let mut stamps = Vec::new();
        while at <= end {
            stamps.push(at.format(format).expect("formats"));
            at += time::Duration::SECOND;
        }
        stamps
    }
}

/// A JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string")
}

/// What Entra's documented error answer must be: `error`, `AADSTS{code}: {message}`, the
/// [`CLIENT_REQUEST_ID`] as its correlation id, a link to `cloud`'s authority, a timestamp from
/// `clock`, and a trace id that is a GUID.
fn assert_entra(
    answer: &Answer,
    clock: &Clock,
    cloud: Cloud,
    (error, code, message, suberror): (&str, u32, &str, Option<&str>),
) {
    let body: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON");
    let trace = body["trace_id"].as_str().unwrap_or_default();
    assert!(uuid::Uuid::parse_str(trace).is_ok(), "{}", answer.body);
    let authority = cloud_authority(cloud);
    let expected: Vec<Answer> = clock
        .stamps(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]Z"
        ))
        .into_iter()
        .map(|stamp| {
            let description = format!(
                "AADSTS{code}: {message}\r\nTrace ID: {trace}\r\nCorrelation ID: \
                 {CLIENT_REQUEST_ID}\r\nTimestamp: {stamp}"
            );
            let suberror = suberror
                .map(|s| format!(r#","suberror":"{s}""#))
                .unwrap_or_default();
            json_answer(
                400,
                &format!(
                    r#"{{"error":"{error}","error_description":{},"error_codes":[{code}],"timestamp":"{stamp}","trace_id":"{trace}","correlation_id":"{CLIENT_REQUEST_ID}","error_uri":"{authority}/error?code={code}"{suberror}}}"#,
                    quoted(&description)
                ),
            )
        })
        .collect();
    assert!(
        expected.contains(answer),
        "{answer:?}\nis none of\n{expected:?}"
    );
}

/// The sign-in authority of each cloud, from the REST URLs page.
fn cloud_authority(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "https://login.microsoftonline.com",
        Cloud::UsGovernment => "https://login.microsoftonline.us",
        Cloud::China => "https://login.partner.microsoftonline.cn",
    }
}

/// What came back, as it came back.
#[derive(Debug, PartialEq)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    www_authenticate: Option<String>,
    body: String,
}

/// An answer with a JSON body and none of the optional headers.
fn json_answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        content_type: Some("application/json".to_owned()),
        retry_after: None,
        www_authenticate: None,
        body: body.to_owned(),
    }
}

struct Wire {
    sandbox: RunningSandbox,
    http: reqwest::Client,
}

impl Wire {
    async fn start() -> Self {
        Self::start_with(SandboxConfig::default()).await
    }

    async fn start_with(config: SandboxConfig) -> Self {
        Self {
            sandbox: sandbox::spawn(config).await.expect("starts"),
            http: sandbox::http_client(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the sandbox answers");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().expect("ASCII header").to_owned())
        };
        let (content_type, retry_after, www_authenticate) = (
            header("content-type"),
            header("retry-after"),
            header("www-authenticate"),
        );
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("the whole body");
        Answer {
            status,
            content_type,
            retry_after,
            www_authenticate,
            body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
        }
    }

    /// An API call with `token` as the bearer token, and a raw body.
    async fn api(&self, method: Method, path: &str, token: Option<&str>, body: &str) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sandbox.url()));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !body.is_empty() {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        self.send(request).await
    }

    async fn token(&self, form: &[(&str, &str)]) -> Answer {
        let url = format!("{}/{DEMO_TENANT_ID}/oauth2/token", self.sandbox.url());
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(':', "%3A").replace('/', "%2F")))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("client-request-id", CLIENT_REQUEST_ID)
            .body(body);
        self.send(request).await
    }
}

fn qualification(customer: &str) -> String {
    format!("/v1/customers/{customer}/qualification")
}

#[tokio::test]
async fn legacy_qualification_routes() {
    let wire = Wire::start().await;
    let token = Some(DEMO_ACCESS_TOKEN);
    let school = qualification(DEMO_SCHOOL);
    let agency = qualification(DEMO_AGENCY);

    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        json_answer(200, r#""none""#)
    );
    assert_eq!(
        wire.api(Method::PUT, &school, token, "1").await,
        json_answer(200, r#""education""#)
    );
    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        json_answer(200, r#""education""#)
    );
    assert_eq!(
        wire.api(Method::PUT, &agency, token, "3").await,
        json_answer(
            400,
            r#"{"code":3000,"description":"GovernmentCommunityCloud requires a validation code in the code query parameter.","data":[],"source":"PartnerFD"}"#
        )
    );
    let with_code = format!("{agency}?code={DEMO_SINGLE_USE_VALIDATION_CODE}");
    assert_eq!(
        wire.api(Method::PUT, &with_code, token, "3").await,
        json_answer(200, r#""governmentcommunitycloud""#)
    );
    assert_eq!(
        wire.api(Method::PUT, &school, token, r#""Education""#)
            .await,
        json_answer(
            400,
            r#"{"code":3000,"description":"The request body must be a CustomerQualification integer from 0 to 4.","data":[],"source":"PartnerFD"}"#
        )
    );
    assert_eq!(
        wire.api(Method::PUT, &school, token, "2").await,
        json_answer(
            400,
            r#"{"code":3000,"description":"The qualification Nonprofit cannot be set through this API; only Education and GovernmentCommunityCloud can.","data":[],"source":"PartnerFD"}"#
        )
    );
    assert_eq!(
        wire.api(Method::GET, &qualification(UNKNOWN_CUSTOMER), token, "")
            .await,
        json_answer(
            404,
            &format!(
                r#"{{"code":1000,"description":"Customer {UNKNOWN_CUSTOMER} was not found.","data":[],"source":"PartnerFD"}}"#
            )
        )
    );
    assert_eq!(
        wire.api(Method::GET, &qualification("not-a-guid"), token, "")
            .await,
        json_answer(
            400,
            r#"{"code":900118,"description":"The customer id not-a-guid is not a valid GUID.","data":[],"source":"PartnerFD"}"#
        )
    );
}

#[tokio::test]
async fn validation_codes_route() {
    let wire = Wire::start().await;
    let expected = format!(
        r#"[{{"partnerId":"{DEMO_PARTNER_ID}","organizationName":"Fabrikam County Agency","validationId":"{DEMO_VALIDATION_CODE}","maxCreates":10,"remainingCreates":10,"eTag":"W/\"1\""}},{{"partnerId":"{DEMO_PARTNER_ID}","organizationName":"Tailspin State Department","validationId":"{DEMO_SINGLE_USE_VALIDATION_CODE}","maxCreates":1,"remainingCreates":1,"eTag":"W/\"2\""}}]"#
    );
    assert_eq!(
        wire.api(
            Method::GET,
            "/v1/customers/all/validations",
            Some(DEMO_ACCESS_TOKEN),
            ""
        )
        .await,
        json_answer(200, &expected)
    );
}

#[tokio::test]
async fn credentials_are_checked_first() {
    let wire = Wire::start().await;
    let unauthorized = Answer {
        status: 401,
        content_type: None,
        retry_after: None,
        www_authenticate: Some("Bearer".to_owned()),
        body: String::new(),
    };
    let school = qualification(DEMO_SCHOOL);
    for token in [None, Some("forged")] {
        assert_eq!(
            wire.api(Method::GET, &school, token, "").await,
            unauthorized
        );
        // A malformed request learns nothing before its credentials are good.
        assert_eq!(
            wire.api(Method::PUT, &format!("{school}?code=%ZZ"), token, "x")
                .await,
            unauthorized
        );
    }

    let app_only = wire
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("resource", sandbox::PARTNER_CENTER_RESOURCE),
        ])
        .await;
    let app_only_token = serde_json::from_str::<serde_json::Value>(&app_only.body)
        .expect("token JSON")["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    assert_eq!(
        wire.api(Method::PUT, &school, Some(&app_only_token), "1")
            .await,
        json_answer(
            403,
            r#"{"description":"This resource can't be accessed by application credentials.","data":[],"source":"PartnerFD"}"#
        )
    );
    assert_eq!(
        wire.api(Method::GET, &school, Some(&app_only_token), "")
            .await,
        json_answer(200, r#""none""#),
        "an app-only token reads"
    );
}

#[tokio::test]
async fn token_endpoint() {
    let wire = Wire::start().await;
    let resource = sandbox::PARTNER_CENTER_RESOURCE;
    let refresh = wire
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("refresh_token", DEMO_REFRESH_TOKEN),
            ("resource", resource),
        ])
        .await;
    // The access token is new each time: the expected bytes take the one that was issued.
    let issued = |answer: &Answer| {
        serde_json::from_str::<serde_json::Value>(&answer.body).expect("token JSON")["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    };
    let token = issued(&refresh);
    assert!(token.starts_with(sandbox::ACCESS_TOKEN_PREFIX), "{token}");
    assert_eq!(
        refresh,
        json_answer(
            200,
            &format!(
                r#"{{"token_type":"Bearer","expires_in":"3599","resource":"{resource}","access_token":"{token}","refresh_token":"{DEMO_REFRESH_TOKEN}"}}"#
            )
        )
    );

    let app_only = wire
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("resource", resource),
        ])
        .await;
    let token = issued(&app_only);
    assert_eq!(
        app_only,
        json_answer(
            200,
            &format!(
                r#"{{"token_type":"Bearer","expires_in":"3599","resource":"{resource}","access_token":"{token}"}}"#
            )
        )
    );

    type Refusal<'a> = (&'a str, u32, &'a str, Option<&'a str>);
    let refusals: [(&[(&str, &str)], Refusal); 3] = [
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", "wrong"),
                ("resource", resource),
            ],
            (
                "invalid_grant",
                7000215,
                "Invalid client secret provided.",
                None,
            ),
        ),
        (
            &[
                ("grant_type", "password"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
                ("resource", resource),
            ],
            (
                "unsupported_grant_type",
                70003,
                "The grant type must be refresh_token or client_credentials.",
                None,
            ),
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
                ("resource", "https://graph.microsoft.com"),
            ],
            (
                "invalid_resource",
                500011,
                &format!(
                    "The resource principal named https://graph.microsoft.com was not found in \
                     the tenant named {DEMO_TENANT_ID}. This can happen if the application has \
                     not been installed by the administrator of the tenant or consented to by \
                     any user in the tenant. You might have sent your authentication request to \
                     the wrong tenant."
                ),
                None,
            ),
        ),
    ];
    for (form, refusal) in refusals {
        let clock = Clock::start();
        let answer = wire.token(form).await;
        assert_entra(&answer, &clock, Cloud::Public, refusal);
    }
}

/// Posing as each cloud, the token endpoint requires that cloud's resource, answers it, and
/// links its refusals to that cloud's authority.
#[tokio::test]
async fn each_cloud_and_its_resource() {
    let china = "https://partner.partnercenterapi.microsoftonline.cn";
    let global = sandbox::PARTNER_CENTER_RESOURCE;
    let wire = Wire::start_with(SandboxConfig {
        cloud: Cloud::China,
        ..SandboxConfig::default()
    })
    .await;
    let form = |resource| {
        [
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("resource", resource),
        ]
    };
    let granted = wire.token(&form(china)).await;
    let token =
        serde_json::from_str::<serde_json::Value>(&granted.body).expect("JSON")["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    assert_eq!(
        granted,
        json_answer(
            200,
            &format!(
                r#"{{"token_type":"Bearer","expires_in":"3599","resource":"{china}","access_token":"{token}"}}"#
            )
        )
    );
    let not_here = |resource: &str| {
        format!(
            "The resource principal named {resource} was not found in the tenant named \
             {DEMO_TENANT_ID}. This can happen if the application has not been installed by the \
             administrator of the tenant or consented to by any user in the tenant. You might \
             have sent your authentication request to the wrong tenant."
        )
    };
    for (cloud, refused, accepted) in [
        (Cloud::China, global, china),
        (Cloud::UsGovernment, china, global),
        (Cloud::Public, china, global),
    ] {
        wire.sandbox.admin().set_cloud(cloud).await.expect("cloud");
        let clock = Clock::start();
        let answer = wire.token(&form(refused)).await;
        assert_entra(
            &answer,
            &clock,
            cloud,
            ("invalid_resource", 500011, &not_here(refused), None),
        );
        assert_eq!(wire.token(&form(accepted)).await.status, 200, "{cloud:?}");
    }
}

/// Each named error case, as Partner Center and Entra answer it.
#[tokio::test]
async fn error_cases() {
    let wire = Wire::start().await;
    let admin = wire.sandbox.admin();
    let school = qualification(DEMO_SCHOOL);
    let api_error = |status, code: &str, description: &str| {
        json_answer(
            status,
            &format!(
                r#"{{"code":{code},"description":"{description}","data":[],"source":"PartnerFD"}}"#
            ),
        )
    };
    for (case, expected) in [
        (
            ErrorCase::MfaRequired,
            api_error(401, "900421", "MFA required"),
        ),
        (
            ErrorCase::NoRelationship,
            api_error(
                403,
                "20002",
                &format!(
                    "The partner ID {DEMO_TENANT_ID} has no commerce relationship with the \
                     customer ID {DEMO_SCHOOL}."
                ),
            ),
        ),
        (
            ErrorCase::RoleMissing,
            api_error(
                403,
                r#""900150""#,
                "The supplied role doesn't have the rights to perform the requested operation",
            ),
        ),
        (
            ErrorCase::AccessDenied,
            api_error(403, "2032", "Access denied"),
        ),
        (
            ErrorCase::BareString,
            json_answer(403, r#""Customer tagging denied.""#),
        ),
    ] {
        admin.add_error_case(case, Some(1)).await.expect("fault");
        assert_eq!(
            wire.api(Method::GET, &school, Some(DEMO_ACCESS_TOKEN), "")
                .await,
            expected,
            "{case:?}"
        );
    }

    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
        ("refresh_token", DEMO_REFRESH_TOKEN),
        ("resource", sandbox::PARTNER_CENTER_RESOURCE),
    ];
    let mfa = |verb: &str| {
        format!(
            "Due to a configuration change made by your administrator, or because you moved to \
             a new location, you must {verb} multi-factor authentication to access \
             '{PARTNER_CENTER_APP_ID}'."
        )
    };
    let consent = format!(
        "The user or administrator has not consented to use the application with ID \
         '{DEMO_CLIENT_ID}' named '{DEMO_CLIENT_ID}'. Send an interactive authorization request \
         for this user and resource."
    );
    let expired = "The provided authorization code or refresh token has expired due to \
                   inactivity. Send a new interactive authorization request for this user and \
                   resource.";
    for (case, refusal) in [
        (
            ErrorCase::SignInNeedsMfa,
            ("invalid_grant", 50076, mfa("use"), Some("basic_action")),
        ),
        (
            ErrorCase::SignInNeedsMfaEnrollment,
            (
                "invalid_grant",
                50079,
                mfa("enroll in"),
                Some("basic_action"),
            ),
        ),
        (
            ErrorCase::RefreshTokenExpired,
            ("invalid_grant", 70008, expired.to_owned(), None),
        ),
        (
            ErrorCase::NoConsent,
            ("invalid_grant", 65001, consent, Some("consent_required")),
        ),
    ] {
        admin.add_error_case(case, Some(1)).await.expect("fault");
        let clock = Clock::start();
        let answer = wire.token(&refresh).await;
        let (error, code, message, suberror) = refusal;
        assert_entra(
            &answer,
            &clock,
            Cloud::Public,
            (error, code, &message, suberror),
        );
    }
    assert_eq!(
        wire.token(&refresh).await.status,
        200,
        "the cases are spent"
    );
}

/// An activity log page, every field of its records known to the test: records written in the
/// seed's form, and a change made out of band by a named user at a named time.
#[tokio::test]
async fn activity_log_route() {
    let wire = Wire::start().await;
    let admin = wire.sandbox.admin();
    let day = Duration::from_secs(86_400);
    let two_days_ago = SystemTime::now() - 2 * day;
    let yesterday = SystemTime::now() - day;
    let mut seeded = SeedAuditRecord::qualification_change(
        DEMO_SCHOOL,
        &[],
        &[Qualification::Education],
        Actor::application(DEMO_CLIENT_ID),
        two_days_ago,
    );
    seeded.customer_name = Some("Contoso School District".to_owned());
    seeded.original_correlation_id = Some("0e7f3c1a-5b2d-4e8f-9a6c-1d2e3f4a5b6c".to_owned());
    let other_customer = SeedAuditRecord::qualification_change(
        DEMO_AGENCY,
        &[],
        &[Qualification::Nonprofit],
        Actor::default(),
        yesterday,
    );
    admin
        .add_audit_records(&[seeded, other_customer])
        .await
        .expect("added");
    admin
        .set_qualification_by(
            DEMO_SCHOOL,
            Qualification::Nonprofit,
            &Actor::user("alice@contoso.onmicrosoft.com"),
            Some(yesterday),
        )
        .await
        .expect("drift");

    let filter = format!(
        "%7B%22Field%22%3A%22CustomerId%22%2C%22Value%22%3A%22{}%22%2C%22Operator%22%3A%22equals%22%7D",
        DEMO_SCHOOL.to_uppercase()
    );
    let path = format!("/v1/auditrecords?filter={filter}");
    let item = |seq: u64, who: &str, old: &str, new: &str, extra: &str, date: SystemTime| {
        format!(
            r#"{{"id":"{DEMO_SCHOOL}_updatecustomerqualification_{seq}","customerId":"{DEMO_SCHOOL}","customerName":"Contoso School District",{who}"resourceType":"customer","resourceOldValue":{},"resourceNewValue":{},"operationType":"update_customer_qualification",{extra}"operationDate":"{}","operationStatus":"succeeded","attributes":{{"objectType":"AuditRecord"}}}}"#,
            quoted(old),
            quoted(new),
            sandbox::rfc3339(date)
        )
    };
    let alice = item(
        3,
        r#""userPrincipalName":"alice@contoso.onmicrosoft.com","#,
        r#"{"Qualifications":[]}"#,
        r#"{"Qualifications":["Nonprofit"]}"#,
        "",
        yesterday,
    );
    let application = item(
        1,
        &format!(r#""applicationId":"{DEMO_CLIENT_ID}","#),
        r#"{"Qualifications":[]}"#,
        r#"{"Qualifications":["Education"]}"#,
        r#""originalCorrelationId":"0e7f3c1a-5b2d-4e8f-9a6c-1d2e3f4a5b6c","#,
        two_days_ago,
    );
    assert_eq!(
        wire.api(Method::GET, &path, Some(DEMO_ACCESS_TOKEN), "")
            .await,
        json_answer(
            200,
            &format!(
                r#"{{"totalCount":2,"items":[{alice},{application}],"links":{{"self":{{"uri":"{path}","method":"GET","headers":[]}}}},"attributes":{{"objectType":"Collection"}}}}"#
            )
        )
    );

    let unsupported = format!(
        "/v1/auditrecords?filter={}",
        "%7B%22Field%22%3A%22UserPrincipalName%22%2C%22Value%22%3A%22a%22%2C%22Operator%22%3A%22equals%22%7D"
    );
    assert_eq!(
        wire.api(Method::GET, &unsupported, Some(DEMO_ACCESS_TOKEN), "")
            .await,
        json_answer(
            400,
            r#"{"code":3000,"description":"The filter \"UserPrincipalName\" \"equals\" is not supported: filter by CustomerId or ResourceType with equals, or CompanyName with substring.","data":[],"source":"PartnerFD"}"#
        )
    );
    let long_ago = "/v1/auditrecords?startDate=2020-01-01";
    assert_eq!(
        wire.api(Method::GET, long_ago, Some(DEMO_ACCESS_TOKEN), "")
            .await,
        json_answer(
            400,
            r#"{"code":3000,"description":"startDate 2020-01-01 is more than 90 days ago: the activity log keeps the last 90 days.","data":[],"source":"PartnerFD"}"#
        )
    );
}

#[tokio::test]
async fn throttling_and_injected_errors() {
    let wire = Wire::start().await;
    let admin = wire.sandbox.admin();
    let school = qualification(DEMO_SCHOOL);
    let token = Some(DEMO_ACCESS_TOKEN);

    for (fault, answer) in [
        (
            json!({"kind": "status", "status": 429, "retry_after_secs": 7, "count": 1}),
            Answer {
                retry_after: Some("7".to_owned()),
                ..json_answer(
                    429,
                    r#"{"statusCode":429,"message":"Rate limit is exceeded. Try again in 7 seconds."}"#,
                )
            },
        ),
        (
            json!({"kind": "status", "status": 429, "count": 1}),
            json_answer(
                429,
                r#"{"statusCode":429,"message":"Rate limit is exceeded."}"#,
            ),
        ),
        (
            json!({"kind": "status", "status": 503, "count": 1}),
            json_answer(
                503,
                r#"{"description":"The sandbox injected HTTP 503.","data":[],"source":"PartnerFD"}"#,
            ),
        ),
        (
            json!({"kind": "status", "status": 403, "body": "Access is denied", "count": 1}),
            json_answer(403, r#""Access is denied""#),
        ),
    ] {
        let injected = fault.to_string();
        admin.add_fault(fault).await.expect("fault");
        assert_eq!(
            wire.api(Method::GET, &school, token, "").await,
            answer,
            "{injected}"
        );
    }
}

#[tokio::test]
async fn asynchronous_qualification_routes() {
    let wire = Wire::start().await;
    let admin = wire.sandbox.admin();
    let token = Some(DEMO_ACCESS_TOKEN);
    let school = format!("/v1/customers/{DEMO_SCHOOL}/qualifications");
    let post = |body: &'static str| wire.api(Method::POST, &school, token, body);

    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        json_answer(200, "[]")
    );
    assert_eq!(
        post(r#"{"qualification":"StateOwnedEntity"}"#).await,
        json_answer(201, r#"{"qualification":"StateOwnedEntity"}"#)
    );
    // The review starts when the request is served: at one of the seconds it ran through.
    let clock = Clock::start();
    let created = post(r#"{"qualification":"Education","educationSegment":"K12"}"#).await;
    let entry = |date: &str| {
        format!(
            r#"{{"qualification":"Education","vettingStatus":"InReview","vettingCreateDate":"{date}"}}"#
        )
    };
    let date = clock
        .stamps(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .into_iter()
        .find(|date| created == json_answer(201, &entry(date)))
        .unwrap_or_else(|| panic!("{created:?} started its review at no second of the request"));
    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        json_answer(
            200,
            &format!(
                r#"[{},{{"qualification":"StateOwnedEntity"}}]"#,
                entry(&date)
            )
        )
    );
    assert_eq!(
        wire.api(Method::GET, &qualification(DEMO_SCHOOL), token, "")
            .await,
        json_answer(200, r#""education""#),
        "the legacy GET answers the one that is not StateOwnedEntity"
    );

    // The other shapes, and a denial.
    admin
        .set_answer_shapes(sandbox::AnswerShapes {
            post: sandbox::PostShape::Wrapper,
            get: sandbox::GetShape::Wrapper,
            date_field: sandbox::DateField::VettingCreatedDate,
        })
        .await
        .expect("shapes");
    admin
        .deny(DEMO_SCHOOL, "Not an Education Customer")
        .await
        .expect("vetted");
    let all = format!(
        r#"{{"qualifications":[{{"qualification":"Education","vettingStatus":"Denied","vettingReason":"Not an Education Customer","vettingCreatedDate":"{date}"}},{{"qualification":"StateOwnedEntity"}}]}}"#
    );
    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        json_answer(200, &all)
    );
    assert_eq!(
        post(r#"{"qualification":"StateOwnedEntity"}"#).await,
        json_answer(200, &all)
    );
}

#[tokio::test]
async fn asynchronous_refusals() {
    let wire = Wire::start().await;
    let token = Some(DEMO_ACCESS_TOKEN);
    let agency = format!("/v1/customers/{DEMO_AGENCY}/qualifications");
    let refused = |description: &str| {
        json_answer(
            400,
            &format!(
                r#"{{"code":3000,"description":"{description}","data":[],"source":"PartnerFD"}}"#
            ),
        )
    };
    for (body, description) in [
        (
            r#"{"qualification":"Nonprofit"}"#,
            "The qualification Nonprofit cannot be set; only Education, GovernmentCommunityCloud and StateOwnedEntity can.",
        ),
        (
            r#"{"qualification":"GovernmentCommunityCloud"}"#,
            "GovernmentCommunityCloud requires a validation code as validationCode.",
        ),
        (
            r#"{"qualification":"Education","website":"contoso.edu"}"#,
            "Education requires an educationSegment: K12 or HigherEducation.",
        ),
    ] {
        assert_eq!(
            wire.api(Method::POST, &agency, token, body).await,
            refused(description),
            "{body}"
        );
    }
    let unknown = format!("/v1/customers/{UNKNOWN_CUSTOMER}/qualifications");
    assert_eq!(wire.api(Method::GET, &unknown, token, "").await.status, 404);
    assert_eq!(
        wire.api(
            Method::POST,
            &agency,
            None,
            r#"{"qualification":"StateOwnedEntity"}"#
        )
        .await
        .status,
        401
    );
}

#[tokio::test]
async fn customer_list_and_its_continuation() {
    let wire = Wire::start().await;
    let item = |(id, name): (&str, &str), domain: &str| {
        format!(
            r#"{{"id":"{id}","companyProfile":{{"tenantId":"{id}","domain":"{domain}","companyName":"{name}","attributes":{{"objectType":"CustomerCompanyProfile"}}}},"relationshipToPartner":"reseller","attributes":{{"objectType":"Customer"}}}}"#
        )
    };
    let [school, agency, university, department, nonprofit] = sandbox::DEMO_CUSTOMERS;
    let first = wire
        .api(
            Method::GET,
            "/v1/customers?size=2",
            Some(DEMO_ACCESS_TOKEN),
            "",
        )
        .await;
    let token = format!("sandbox-continuation.2.{DEMO_AGENCY}");
    assert_eq!(
        first,
        json_answer(
            200,
            &format!(
                r#"{{"totalCount":2,"items":[{},{}],"links":{{"self":{{"uri":"/v1/customers?size=2","method":"GET","headers":[]}},"next":{{"uri":"/v1/customers?size=2&seekOperation=Next","method":"GET","headers":[{{"key":"MS-ContinuationToken","value":"{token}"}}]}}}},"attributes":{{"objectType":"Collection"}}}}"#,
                item(school, "contososchooldistrict.onmicrosoft.com"),
                item(agency, "fabrikamcountyagency.onmicrosoft.com"),
            )
        )
    );

    let next = |token: String| {
        wire.send(
            wire.http
                .get(format!(
                    "{}/v1/customers?size=2&seekOperation=Next",
                    wire.sandbox.url()
                ))
                .bearer_auth(DEMO_ACCESS_TOKEN)
                .header("MS-ContinuationToken", token),
        )
    };
    let second = next(token).await;
    assert_eq!(second.status, 200);
    assert!(
        second
            .body
            .contains(&item(university, "northwinduniversity.onmicrosoft.com"))
            && second
                .body
                .contains(&item(department, "tailspinstatedepartment.onmicrosoft.com")),
        "{}",
        second.body
    );
    let last = next(format!("sandbox-continuation.2.{}", department.0)).await;
    assert_eq!(
        last,
        json_answer(
            200,
            &format!(
                r#"{{"totalCount":1,"items":[{}],"links":{{"self":{{"uri":"/v1/customers?size=2&seekOperation=Next","method":"GET","headers":[]}}}},"attributes":{{"objectType":"Collection"}}}}"#,
                item(nonprofit, "woodgrovenonprofit.onmicrosoft.com"),
            )
        ),
        "the last page has no next link"
    );
    assert_eq!(
        wire.send(
            wire.http
                .get(format!(
                    "{}/v1/customers?seekOperation=Next",
                    wire.sandbox.url()
                ))
                .bearer_auth(DEMO_ACCESS_TOKEN)
        )
        .await,
        json_answer(
            400,
            r#"{"code":3000,"description":"seekOperation=Next needs the MS-ContinuationToken of the page before.","data":[],"source":"PartnerFD"}"#
        )
    );
}

#[tokio::test]
async fn a_malformed_list_query_is_refused_after_the_token() {
    let wire = Wire::start().await;
    for path in [
        "/v1/customers?size=1&size=2",
        "/v1/auditrecords?size=1&size=2",
    ] {
        assert_eq!(
            wire.api(Method::GET, path, None, "").await.status,
            401,
            "{path}"
        );
        assert_eq!(
            wire.api(Method::GET, path, Some(DEMO_ACCESS_TOKEN), "")
                .await,
            json_answer(
                400,
                r#"{"code":3000,"description":"The query is malformed.","data":[],"source":"PartnerFD"}"#
            ),
            "{path}"
        );
    }
}
