//! No secret of the client (a validation code, a client secret, a refresh or access token) in
//! any error's text.

use std::time::Duration;

use partnercenter_sandbox::{
    ACCESS_TOKEN_PREFIX, DEMO_AGENCY as AGENCY, DEMO_CLIENT_ID, DEMO_SCHOOL as SCHOOL,
    DEMO_TENANT_ID, Seed, UNKNOWN_CUSTOMER as UNKNOWN,
};
use serde_json::{Value, json};
use terraform_provider_partnercenter::partnercenter::{
    Client, ClientConfig, Credentials, Error, Qualification, Secret,
};
use tokio_util::sync::CancellationToken;

use super::{client, config, start};

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
    errors.push(
        client(config(&sandbox, with(CLIENT_SECRET, "wrong")))
            .get_qualification(SCHOOL)
            .await
            .expect_err("refused"),
    );
    errors.push(
        client(config(&sandbox, with("wrong", REFRESH)))
            .get_qualification(SCHOOL)
            .await
            .expect_err("refused"),
    );

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
            .set_qualification(AGENCY, gcc, Some(&code))
            .await;
        errors.push(outcome.expect_err("refused"));
    }
    let cancelled = CancellationToken::new();
    cancelled.cancel();
    let stopped = Client::new(single, cancelled).expect("client");
    errors.push(
        stopped
            .set_qualification(AGENCY, gcc, Some(&code))
            .await
            .expect_err("cancelled"),
    );
    let ready = client(config(
        &sandbox,
        Credentials::AccessToken(Secret::new(STATIC)),
    ));
    errors.push(ready.get_qualification(UNKNOWN).await.expect_err("404"));

    assert_eq!(errors.len(), 9);
    for error in &errors {
        for text in [error.to_string(), format!("{error:?}")] {
            for secret in [CODE, CLIENT_SECRET, REFRESH, STATIC, ACCESS_TOKEN_PREFIX] {
                assert!(!text.contains(secret), "{secret} leaked into: {text}");
            }
        }
    }
    // The request log keeps paths without their query.
    let log = admin.requests().await.expect("log");
    assert!(
        log.iter()
            .all(|e| !e["path"].as_str().unwrap_or_default().contains('?'))
    );
}
