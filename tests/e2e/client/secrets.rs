//! Where the client's secrets go: the validation code only into the PUT's query, as Partner
//! Center's contract asks, and no secret into any error's text.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use partnercenter_sandbox::{
    ACCESS_TOKEN_PREFIX, DEMO_ACCESS_TOKEN, DEMO_AGENCY as AGENCY, DEMO_CLIENT_ID, DEMO_TENANT_ID,
    Seed, UNKNOWN_CUSTOMER as UNKNOWN,
};
use serde_json::{Value, json};
use terraform_provider_partnercenter::partnercenter::{
    Client, ClientConfig, Credentials, Error, Qualification, QualificationRequest, Secret,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::{client, config, config_at, read_school_fails, start};

#[tokio::test(start_paused = true)]
async fn no_secret_in_any_error_text() {
    const CODE: &str = "GCC-SECRET-7f3a";
    const CLIENT_SECRET: &str = "client-secret-9b2e";
    const REFRESH: &str = "refresh-token-4c1d";
    const STATIC: &str = "static-token-8e5f";
    let mut seed = Seed::demo();
    seed.static_tokens.push(STATIC.into());
    seed.apps[0].client_secret = CLIENT_SECRET.into();
    seed.apps[0].refresh_token = REFRESH.into();
    let sandbox = start(seed).await;
    let admin = sandbox.admin();
    let with = |secret: &str, refresh: &str| Credentials::RefreshToken {
        tenant_id: DEMO_TENANT_ID.into(),
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: Secret::new(secret),
        refresh_token: Secret::new(refresh),
    };
    let code = Secret::new(CODE);
    let gcc = Qualification::GovernmentCommunityCloud;
    let mut errors: Vec<Error> = Vec::new();

    // The authority refuses a wrong refresh token, and a wrong client secret.
    errors.push(read_school_fails(config(&sandbox, with(CLIENT_SECRET, "wrong")), "refused").await);
    errors.push(read_school_fails(config(&sandbox, with("wrong", REFRESH)), "refused").await);

    // With the code in the URL: the API refuses it as unknown; a server echoes it; the
    // connection drops; retries run out; the deadline passes; Terraform cancels.
    let echo = json!({"kind": "status", "status": 400, "count": 1,
                      "body": {"code": 3000, "description": format!("code {CODE} is invalid")}});
    type Adjust = fn(&mut ClientConfig);
    let scenarios: [(Option<Value>, Adjust); 5] = [
        (None, |_| {}),
        (Some(echo), |_| {}),
        (Some(json!({"kind": "drop", "count": 1})), |_| {}),
        (
            Some(json!({"kind": "status", "status": 500, "count": 2})),
            |c| c.max_retries = 1,
        ),
        (
            Some(json!({"kind": "latency", "millis": 1000, "count": 1})),
            |c| c.deadline = Duration::from_millis(200),
        ),
    ];
    let mut single = config(&sandbox, with(CLIENT_SECRET, REFRESH));
    single.max_retries = 0;
    for (fault, adjust) in scenarios {
        if let Some(fault) = fault {
            admin.add_fault(fault).await.expect("fault");
        }
        let mut adjusted = single.clone();
        adjust(&mut adjusted);
        let outcome = client(adjusted)
            .set_qualification(AGENCY, &QualificationRequest::new(gcc, Some(&code)))
            .await;
        errors.push(outcome.expect_err("refused"));
    }
    let cancelled = CancellationToken::new();
    cancelled.cancel();
    let stopped = Client::new(single, cancelled).expect("client");
    errors.push(
        stopped
            .set_qualification(AGENCY, &QualificationRequest::new(gcc, Some(&code)))
            .await
            .expect_err("cancelled"),
    );
    let ready = client(config(
        &sandbox,
        Credentials::AccessToken(Secret::new(STATIC)),
    ));
    errors.push(ready.qualifications(UNKNOWN).await.expect_err("404"));
    // A gateway quotes the request it refused, bearer token included.
    admin
        .add_fault(json!({"kind": "status", "status": 502, "count": 1,
                          "body": format!("<html>Authorization: Bearer {STATIC}</html>")}))
        .await
        .expect("fault");
    let mut once = config(&sandbox, Credentials::AccessToken(Secret::new(STATIC)));
    once.max_retries = 0;
    errors.push(read_school_fails(once, "refused").await);

    assert_eq!(errors.len(), 10);
    for error in &errors {
        for text in [error.to_string(), format!("{error:?}")] {
            for secret in [CODE, CLIENT_SECRET, REFRESH, STATIC, ACCESS_TOKEN_PREFIX] {
                assert!(!text.contains(secret), "{secret} leaked into: {text}");
            }
        }
    }
}

/// A validation code with a character that means something in a query: sent raw, it would
/// end the `code` parameter and start another.
const CODE_WITH_AMPERSAND: &str = "GCC-7f3a&9b2e";
/// The same code as a query must carry it.
const ENCODED_CODE: &str = "GCC-7f3a%269b2e";

/// What the client sends, read off the wire by a server of our own (the sandbox keeps no
/// query in its log, so it cannot tell): the validation code travels once, percent-encoded,
/// in the PUT's `code` parameter, and in nothing else, not the headers, not the body, not the
/// read that follows.
#[tokio::test]
async fn the_code_leaves_the_client_only_in_the_puts_query() {
    let recorder = Recorder::start().await;
    let client = client(config_at(
        &recorder.url,
        Credentials::AccessToken(Secret::new(DEMO_ACCESS_TOKEN)),
    ));
    let code = Secret::new(CODE_WITH_AMPERSAND);
    client
        .set_qualification(
            AGENCY,
            &QualificationRequest::new(Qualification::GovernmentCommunityCloud, Some(&code)),
        )
        .await
        .expect("set");
    client.qualifications(AGENCY).await.expect("read");

    let requests = recorder.requests();
    let [put, get] = &requests[..] else {
        panic!("two requests expected: {requests:?}")
    };
    let put_line =
        format!("PUT /v1/customers/{AGENCY}/qualification?code={ENCODED_CODE} HTTP/1.1\r\n");
    assert!(put.starts_with(&put_line), "{put}");
    assert_eq!(put.matches(ENCODED_CODE).count(), 1, "{put}");
    let get_line = format!("GET /v1/customers/{AGENCY}/qualification HTTP/1.1\r\n");
    assert!(get.starts_with(&get_line), "{get}");
    assert!(!get.contains(ENCODED_CODE), "{get}");
    for request in [put, get] {
        assert!(!request.contains(CODE_WITH_AMPERSAND), "{request}");
    }
}

/// A plain HTTP/1.1 server on loopback that keeps each request as it came off the wire and
/// answers every one `200 "governmentcommunitycloud"`, one request per connection.
struct Recorder {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    const ANSWER: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                          Content-Length: 26\r\nConnection: close\r\n\r\n\
                          \"governmentcommunitycloud\"";

    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&requests);
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.expect("accept");
                let request = read_request(&mut stream).await;
                kept.lock().expect("requests").push(request);
                stream
                    .write_all(Self::ANSWER.as_bytes())
                    .await
                    .expect("answer");
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("requests").clone()
    }
}

/// One request, head and body (as long as its `Content-Length` says).
async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut raw = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        let read = stream.read(&mut buffer).await.expect("read the request");
        assert_ne!(read, 0, "the connection closed mid-request: {raw:?}");
        raw.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().expect("a length"))
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text.into_owned();
            }
        }
    }
}
