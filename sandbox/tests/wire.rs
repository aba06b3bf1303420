//! The exact bytes of every Partner Center route the sandbox serves (status, the headers a
//! client acts on, the whole body) against the examples in Microsoft's documentation: the REST
//! reference, "Partner Center REST error codes", the throttling answer, and AAD v1's token
//! endpoint. A change in any of them is a change of the contract the provider is tested against.

use partnercenter_sandbox::{
    self as sandbox, DEMO_ACCESS_TOKEN, DEMO_AGENCY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
    DEMO_PARTNER_ID, DEMO_REFRESH_TOKEN, DEMO_SCHOOL, DEMO_SINGLE_USE_VALIDATION_CODE,
    DEMO_TENANT_ID, DEMO_VALIDATION_CODE, RunningSandbox, SandboxConfig, UNKNOWN_CUSTOMER,
};
use reqwest::Method;
use serde_json::json;

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
        Self {
            sandbox: sandbox::spawn(SandboxConfig::default())
                .await
                .expect("starts"),
            http: reqwest::Client::new(),
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

    let refusals: [(&[(&str, &str)], &str); 3] = [
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", "wrong"),
                ("resource", resource),
            ],
            r#"{"error":"invalid_grant","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
        ),
        (
            &[
                ("grant_type", "password"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
                ("resource", resource),
            ],
            r#"{"error":"unsupported_grant_type","error_description":"AADSTS70003: The grant type must be refresh_token or client_credentials."}"#,
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
            ],
            r#"{"error":"invalid_resource","error_description":"AADSTS500011: The resource must be https://api.partnercenter.microsoft.com."}"#,
        ),
    ];
    for (form, body) in refusals {
        assert_eq!(wire.token(form).await, json_answer(400, body), "{form:?}");
    }
}

#[tokio::test]
async fn throttling_and_injected_errors() {
    let wire = Wire::start().await;
    let admin = wire.sandbox.admin();
    let school = qualification(DEMO_SCHOOL);
    let token = Some(DEMO_ACCESS_TOKEN);

    admin
        .add_fault(json!({"kind": "status", "status": 429, "retry_after_secs": 7, "count": 1}))
        .await
        .expect("fault");
    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        Answer {
            retry_after: Some("7".to_owned()),
            ..json_answer(
                429,
                r#"{"statusCode":429,"message":"Rate limit is exceeded. Try again in 7 seconds."}"#
            )
        }
    );
    admin
        .add_fault(json!({"kind": "status", "status": 429, "count": 1}))
        .await
        .expect("fault");
    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        json_answer(
            429,
            r#"{"statusCode":429,"message":"Rate limit is exceeded."}"#
        )
    );
    admin
        .add_fault(json!({"kind": "status", "status": 503, "count": 1}))
        .await
        .expect("fault");
    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        json_answer(
            503,
            r#"{"description":"The sandbox injected HTTP 503.","data":[],"source":"PartnerFD"}"#
        )
    );
    admin
        .add_fault(json!({"kind": "status", "status": 403, "body": "Access is denied", "count": 1}))
        .await
        .expect("fault");
    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        json_answer(403, r#""Access is denied""#)
    );
}

/// The date a review started, as the sandbox answered it (it is the time of the request).
fn review_date(body: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(body).expect("JSON");
    let entry = match &json {
        serde_json::Value::Array(entries) => &entries[0],
        _ if json.get("qualifications").is_some() => &json["qualifications"][0],
        _ => &json,
    };
    ["vettingCreateDate", "vettingCreatedDate"]
        .iter()
        .find_map(|field| entry[*field].as_str())
        .unwrap_or_else(|| panic!("no review date in {body}"))
        .to_owned()
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
    let created = post(r#"{"qualification":"Education","educationSegment":"K12"}"#).await;
    let date = review_date(&created.body);
    assert_eq!(
        created,
        json_answer(
            201,
            &format!(
                r#"{{"qualification":"Education","vettingStatus":"InReview","vettingCreateDate":"{date}"}}"#
            )
        )
    );
    assert_eq!(
        wire.api(Method::GET, &school, token, "").await,
        json_answer(
            200,
            &format!(
                r#"[{{"qualification":"Education","vettingStatus":"InReview","vettingCreateDate":"{date}"}},{{"qualification":"StateOwnedEntity"}}]"#
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
