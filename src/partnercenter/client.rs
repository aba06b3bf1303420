//! The Partner Center client: one connection pool, headers, retries, deadline and cancellation.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::async_contract;
use super::auth::TokenSource;
use super::config::{Caller, ClientConfig, Secret};
use super::contract::{self, ApiRequest, CONTRACT_VERSION};
use super::environment::Environment;
use super::error::{
    ApiError, CallContext, ConfigError, Error, ErrorBody, RequestIds, RetryDecision, source_chain,
};
use super::model::{QualificationApi, QualificationRequest, ValidationCode, VettedQualification};
use super::proxy::ProxyRule;
use super::response;
use super::retry::RetryPolicy;
use super::throttle::Throttle;

/// Time to establish a TCP (and TLS) connection before the attempt counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle connections kept per host: above Terraform's highest usual `-parallelism` (50), so a
/// burst of parallel calls reuses connections instead of opening new ones each time.
const POOL_MAX_IDLE_PER_HOST: usize = 64;
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// A Partner Center API client. Cheap to clone: clones share the pool and the token cache.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: Url,
    environment: Environment,
    tokens: TokenSource,
    caller: Caller,
    max_retries: u32,
    deadline: Duration,
    retry: RetryPolicy,
    throttle: Throttle,
    cancel: CancellationToken,
    qualification_api: QualificationApi,
    explain_drift: bool,
}

/// The TLS of every call to Partner Center and its token service: ring, given to this client
/// rather than installed as the process's default, which reqwest (built without a backend of
/// its own) would otherwise need; certificates checked against the system's trust store (the macOS keychain, the Windows
/// certificate store, the Linux CA bundle), where companies put their TLS-inspection CAs.
/// The ALPN protocols are those reqwest offers on its own.
fn https_config() -> Result<rustls::ClientConfig, ConfigError> {
    use rustls_platform_verifier::BuilderVerifierExt as _;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| ConfigError::Http(source_chain(&e)))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A successful answer and the call it belongs to (for errors found while decoding it).
pub(super) struct Answer {
    status: u16,
    body: Vec<u8>,
    call: CallContext,
}

impl Client {
    /// Builds the client; `cancel` (Terraform's StopProvider, Ctrl-C) ends any wait at once.
    pub fn new(config: ClientConfig, cancel: CancellationToken) -> Result<Self, Error> {
        let base_url = parse_base_url(&config.base_url)?;
        let tokens = TokenSource::new(
            &config.credentials,
            &config.authority_url,
            &config.token_resource,
        )?;
        let builder = reqwest::Client::builder()
            .tls_backend_preconfigured(https_config()?)
            .user_agent(config.user_agent)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(config.request_timeout)
            .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .tcp_nodelay(true);
        // Token requests included: they share this client.
        let http = ProxyRule::new(&config.proxy)?
            .install(builder)?
            .build()
            .map_err(|e| ConfigError::Http(source_chain(&e)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                environment: config.environment,
                tokens,
                caller: config.credentials.caller(),
                max_retries: config.max_retries,
                deadline: config.deadline,
                retry: config.retry,
                throttle: Throttle::default(),
                cancel,
                qualification_api: config.qualification_api,
                explain_drift: config.explain_drift,
            }),
        })
    }

    /// The contract this client sets and reads qualifications with; the provider checks its
    /// rules (`rules.rs`) before it asks for anything.
    pub fn qualification_api(&self) -> QualificationApi {
        self.inner.qualification_api
    }

    /// Whether a refresh that finds drift asks the activity log who made it
    /// ([`Client::qualification_changes`]).
    pub fn explain_drift(&self) -> bool {
        self.inner.explain_drift
    }

    /// Sets a customer's qualification with one request of the configured contract, sending
    /// what the contract has a place for, and returns what Partner Center answered the
    /// customer holds.
    pub async fn set_qualification(
        &self,
        customer_id: &str,
        request: &QualificationRequest<'_>,
    ) -> Result<Vec<VettedQualification>, Error> {
        let contract = Contract::of(self.inner.qualification_api);
        let request = request.as_sent(self.inner.qualification_api);
        self.call((contract.set)(customer_id, &request))
            .await?
            .decode(contract.decode)
    }

    /// Every qualification a customer holds, read with one request of the configured contract:
    /// the legacy GET's one value (without vetting), or the asynchronous GET's list.
    pub async fn qualifications(
        &self,
        customer_id: &str,
    ) -> Result<Vec<VettedQualification>, Error> {
        let contract = Contract::of(self.inner.qualification_api);
        self.call((contract.read)(customer_id))
            .await?
            .decode(contract.decode)
    }

    /// Lists the partner's Government Community Cloud validation codes. Only the Partner
    /// Center of the US Government documents the call; 21Vianet's is not asked, having no
    /// Government Community Cloud.
    pub async fn list_validation_codes(&self) -> Result<Vec<ValidationCode>, Error> {
        let environment = self.inner.environment;
        if !environment.may_have_validation_codes() {
            return Err(Error::NoValidationCodes { environment });
        }
        self.call(contract::list_validation_codes())
            .await?
            .decode(contract::decode_validation_codes)
    }

    /// One logical call: a new `MS-RequestId`, retried within the deadline.
    ///
    /// Microsoft's headers page (learn.microsoft.com/partner-center/developer/headers) asks for
    /// an `MS-CorrelationId` reset "for every call", so every request gets a new one, retries
    /// included; and for an `MS-RequestId` kept when a call is retried after a timeout and reset
    /// "upon receiving a response (success or business failure)". A logical call ends at its
    /// success or at a business failure (any 4xx but 429, never retried), so its retries keep
    /// the id: after no answer, and after 429 and 5xx, which are neither. That is also what
    /// makes a retried change safe: a gateway's 5xx can follow a change Partner Center applied,
    /// and the same id lets it recognise the repeat instead of applying it twice.
    ///
    /// `cancel` (Terraform said stop) ends every wait and keeps any attempt from starting, but a
    /// change already sent runs to its answer (within its timeout): Partner Center may have
    /// applied it, and only its answer lets Terraform record that. A read changes nothing, so
    /// stop abandons it at once, answer or not (a listing of thousands of customers ends
    /// promptly).
    pub(super) async fn call(&self, request: ApiRequest<'_>) -> Result<Answer, Error> {
        let mut url = self.inner.base_url.clone();
        url.path_segments_mut()
            .expect("base URL was checked to be a base")
            .pop_if_empty()
            .extend(&request.segments);
        let call = CallContext {
            method: request.method.clone(),
            path: url.path().to_owned(),
            ids: RequestIds {
                request_id: uuid::Uuid::new_v4().to_string(),
                correlation_id: new_correlation_id(),
            },
            caller: self.inner.caller,
        };
        let calling = self.with_retries(&request, &url, &call);
        if request.method == Method::GET {
            return self.unless_stopped(&call, calling).await?;
        }
        calling.await
    }

    /// Runs `wait` unless Terraform said stop first or does while it runs.
    async fn unless_stopped<T>(
        &self,
        call: &CallContext,
        wait: impl Future<Output = T>,
    ) -> Result<T, Error> {
        let cancelled = || Error::Cancelled {
            call: Box::new(call.clone()),
        };
        if self.inner.cancel.is_cancelled() {
            return Err(cancelled());
        }
        tokio::select! {
            biased;
            () = self.inner.cancel.cancelled() => Err(cancelled()),
            done = wait => Ok(done),
        }
    }

    async fn with_retries(
        &self,
        request: &ApiRequest<'_>,
        url: &Url,
        call: &CallContext,
    ) -> Result<Answer, Error> {
        let own_deadline = Instant::now() + self.inner.deadline;
        let (deadline, budget) = match request.budget {
            Some(budget) if budget.ends < own_deadline => (budget.ends, budget.of),
            _ => (own_deadline, self.inner.deadline),
        };
        // The request in flight, or the last one sent: its correlation id changes per request.
        let mut call = call.clone();
        let deadline_exceeded =
            |call: &CallContext, attempts, last: Option<Error>| Error::DeadlineExceeded {
                call: Box::new(call.clone()),
                deadline: budget,
                attempts,
                last: last.map(Box::new),
            };
        let mut last = None;
        let mut attempt = 0;
        loop {
            let attempted =
                tokio::time::timeout_at(deadline, self.attempt(request, url, &mut call, attempt))
                    .await;
            let error = match attempted {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(error)) => error,
                Err(_elapsed) => return Err(deadline_exceeded(&call, attempt + 1, last)),
            };
            let RetryDecision::Retry { server_delay } = error.retry_decision() else {
                return Err(error);
            };
            if self.inner.cancel.is_cancelled() {
                // Terraform said stop: no new attempt. The answer of this one is the outcome.
                return Err(error);
            }
            if attempt >= self.inner.max_retries {
                // With retries switched off, the one answer is the error itself.
                return Err(if attempt == 0 {
                    error
                } else {
                    Error::RetriesExhausted {
                        attempts: attempt + 1,
                        last: Box::new(error),
                    }
                });
            }
            let delay = self
                .inner
                .retry
                .delay(attempt, server_delay, rand::random());
            // Waiting past the deadline would only end in the same error, later.
            if Instant::now() + delay >= deadline {
                return Err(deadline_exceeded(&call, attempt + 1, Some(error)));
            }
            tracing::debug!(
                method = %call.method,
                path = %call.path,
                attempt,
                delay_ms = delay.as_millis(),
                request_id = %call.ids.request_id,
                correlation_id = %call.ids.correlation_id,
                "retrying after: {error}"
            );
            self.unless_stopped(&call, tokio::time::sleep(delay))
                .await?;
            last = Some(error);
            attempt += 1;
        }
    }

    /// One HTTP attempt. It waits out a `Retry-After` window another call was told about, and
    /// its slot of the rate estimated from Partner Center's 429s; it renews a token the API
    /// refused once: an issued token can be revoked before it expires (a password reset, a
    /// restarted sandbox), and that is not the user's mistake. A token refused for want of a
    /// multi-factor sign-in is not renewed: the same refresh token would give the same token.
    /// `call` takes the correlation id of each request sent.
    async fn attempt(
        &self,
        request: &ApiRequest<'_>,
        url: &Url,
        call: &mut CallContext,
        attempt: u32,
    ) -> Result<Answer, Error> {
        self.unless_stopped(call, self.inner.throttle.wait())
            .await?;
        let mut renewed = false;
        loop {
            let token = self
                .unless_stopped(call, self.inner.tokens.access_token(&self.inner.http))
                .await?
                .map_err(|source| Error::Auth {
                    call: Box::new(call.clone()),
                    source,
                })?;
            // The last moment to stop: from here on the request is on its way.
            if self.inner.cancel.is_cancelled() {
                return Err(Error::Cancelled {
                    call: Box::new(call.clone()),
                });
            }
            call.ids.correlation_id = new_correlation_id();
            let sent = Instant::now();
            let response = self.send(request, url, call, &token).await?;
            let outcome = self
                .answer(response, request, call, attempt, sent, &token)
                .await;
            let renewable = matches!(&outcome, Err(Error::Api(api))
                if api.status == StatusCode::UNAUTHORIZED.as_u16() && !api.is_mfa_required());
            if renewable && !renewed && self.inner.tokens.forget(&token).await {
                renewed = true;
                continue;
            }
            return outcome;
        }
    }

    async fn send(
        &self,
        request: &ApiRequest<'_>,
        url: &Url,
        call: &CallContext,
        token: &Secret,
    ) -> Result<reqwest::Response, Error> {
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url.clone())
            .bearer_auth(token.expose())
            .header(ACCEPT, "application/json")
            .header("MS-RequestId", &call.ids.request_id)
            .header("MS-CorrelationId", &*call.ids.correlation_id)
            .header("MS-Contract-Version", CONTRACT_VERSION);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(code) = request.code.filter(|_| request.code_in_query) {
            builder = builder.query(&[("code", code.expose())]);
        }
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        builder.send().await.map_err(|e| transport(call, e))
    }

    async fn answer(
        &self,
        response: reqwest::Response,
        request: &ApiRequest<'_>,
        call: &CallContext,
        attempt: u32,
        sent: Instant,
        token: &Secret,
    ) -> Result<Answer, Error> {
        let status = response.status();
        let retry_after = response::retry_after(&response);
        if status != StatusCode::TOO_MANY_REQUESTS {
            self.inner.throttle.accepted(sent);
        }
        let body = response::read_body(response)
            .await
            .map_err(|e| transport(call, e))?;
        tracing::debug!(
            method = %call.method,
            path = %call.path,
            status = status.as_u16(),
            attempt,
            request_id = %call.ids.request_id,
            correlation_id = %call.ids.correlation_id,
            "Partner Center answered"
        );
        if status.is_success() {
            if body.truncated {
                return Err(Error::InvalidResponse {
                    call: Box::new(call.clone()),
                    status: status.as_u16(),
                    detail: format!(
                        "the answer is larger than {} MiB",
                        response::MAX_SUCCESS_BODY / (1024 * 1024)
                    ),
                });
            }
            return Ok(Answer {
                status: status.as_u16(),
                body: body.bytes,
                call: call.clone(),
            });
        }
        let decoded = ErrorBody::decode(&body.bytes);
        let retry_after = retry_after.or_else(|| decoded.retry_after());
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.inner.throttle.throttled(sent, retry_after);
        }
        // A server may echo the validation code it refused, or the token it was sent (a gateway's
        // error page quoting the request); neither may reach the user's screen.
        let redact = |text: &str| {
            let text = token.redact_from(text);
            request.code.map_or(text.clone(), |c| c.redact_from(&text))
        };
        Err(Error::Api(Box::new(ApiError {
            status: status.as_u16(),
            code: decoded.code().map(redact),
            description: decoded.description().map(redact),
            call: call.clone(),
            retry_after,
        })))
    }
}

/// The requests and the answer of one qualification contract.
struct Contract {
    set: for<'a> fn(&'a str, &QualificationRequest<'a>) -> ApiRequest<'a>,
    read: fn(&str) -> ApiRequest<'_>,
    decode: fn(&[u8]) -> Result<Vec<VettedQualification>, String>,
}

impl Contract {
    fn of(api: QualificationApi) -> Self {
        match api {
            QualificationApi::Legacy => Self {
                set: contract::set_qualification,
                read: contract::get_qualification,
                decode: contract::decode_qualification,
            },
            QualificationApi::Async => Self {
                set: async_contract::create_qualification,
                read: async_contract::list_qualifications,
                decode: async_contract::decode_qualifications,
            },
        }
    }
}

/// A failure to send or to read, tied to its call and stripped of the URL, whose query could
/// carry a validation code.
fn transport(call: &CallContext, error: reqwest::Error) -> Error {
    let error = error.without_url();
    tracing::debug!(
        method = %call.method,
        path = %call.path,
        request_id = %call.ids.request_id,
        correlation_id = %call.ids.correlation_id,
        "Partner Center did not answer: {}",
        source_chain(&error)
    );
    Error::Transport {
        call: Box::new(call.clone()),
        source: error,
    }
}

/// A new `MS-CorrelationId`, for one request.
fn new_correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Answer {
    pub(super) fn decode<T>(
        self,
        decode: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<T, Error> {
        decode(&self.body).map_err(|detail| Error::InvalidResponse {
            call: Box::new(self.call),
            status: self.status,
            detail,
        })
    }
}

fn parse_base_url(value: &str) -> Result<Url, ConfigError> {
    let invalid = || ConfigError::InvalidUrl {
        name: "base_url",
        value: value.to_owned(),
    };
    let mut url = Url::parse(value).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(invalid());
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_must_be_http() {
        assert!(parse_base_url("https://api.partnercenter.microsoft.com").is_ok());
        assert_eq!(
            parse_base_url("http://127.0.0.1:8080/?x=1").map(|u| u.to_string()),
            Ok("http://127.0.0.1:8080/".to_owned())
        );
        for bad in ["mailto:x@y", "file:///tmp", ""] {
            assert_eq!(
                parse_base_url(bad),
                Err(ConfigError::InvalidUrl {
                    name: "base_url",
                    value: bad.to_owned(),
                }),
                "{bad}"
            );
        }
    }
}
