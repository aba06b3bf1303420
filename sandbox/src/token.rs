//! The sandbox's token endpoint (`POST /{tenant_id}/oauth2/token`) and its bearer-token check.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
// Tokio's clock, so that tests on paused time can let tokens expire without waiting.
use tokio::time::Instant;

use crate::seed::{Actor, AppRegistration, Seed};
use crate::wire::{Cloud, EntraError};
use crate::{App, lock};

/// Issued tokens, app registrations and the token settings of the seed.
#[derive(Debug)]
pub(crate) struct Tokens {
    lifetime: Duration,
    rotate_refresh_tokens: bool,
    static_tokens: HashSet<String>,
    /// Who the static tokens stand for.
    static_identity: Actor,
    apps: Vec<AppRegistration>,
    /// Access token → expiry and whom it stands for.
    issued: HashMap<String, (Instant, Caller)>,
}

/// Whom a bearer token stands for, and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Caller {
    pub(crate) access: Access,
    /// The user (App+User) and the application, as the activity log names them.
    pub(crate) actor: Actor,
}

/// The `resource` a token request named, put on its answer for the request log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestedResource(pub(crate) String);

/// What a bearer token may do: Partner Center lets only App+User tokens change a customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// A user signed in through the app (a refresh-token grant, or a ready token).
    AppUser,
    /// The application alone (client credentials): reads only.
    AppOnly,
}

/// The longest token lifetime a seed may ask for; more would overflow `Instant` arithmetic.
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// The form of a token request; every field optional so that omissions get AAD's answer.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    resource: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Granted {
    access_token: String,
    expires_in: u64,
    refresh_token: Option<String>,
}

/// Above this many issued tokens, expired ones are dropped when a new one is issued.
const PRUNE_THRESHOLD: usize = 1024;

/// Every access token the sandbox issues starts with this, so that tests can look for leaks.
pub const ACCESS_TOKEN_PREFIX: &str = "sandbox-at-";
/// Rotated refresh tokens start with this.
const REFRESH_TOKEN_PREFIX: &str = "sandbox-rt-";

fn new_token(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

impl Tokens {
    pub(crate) fn from_seed(seed: &Seed) -> Self {
        Self {
            lifetime: Duration::from_secs(seed.token_lifetime_secs).min(MAX_LIFETIME),
            rotate_refresh_tokens: seed.rotate_refresh_tokens,
            static_tokens: seed.static_tokens.iter().cloned().collect(),
            static_identity: seed.static_token_identity.clone(),
            apps: seed.apps.clone(),
            issued: HashMap::new(),
        }
    }

    /// The partner's first app registration: its tenant is the partner's, the one Partner
    /// Center's and Entra's errors name.
    pub(crate) fn first_app(&self) -> Option<&AppRegistration> {
        self.apps.first()
    }

    /// Puts the settings and registrations (with any rotated refresh token) into a seed.
    pub(crate) fn write_into(&self, seed: &mut Seed) {
        seed.token_lifetime_secs = self.lifetime.as_secs();
        seed.rotate_refresh_tokens = self.rotate_refresh_tokens;
        seed.static_tokens = self.static_tokens.iter().cloned().collect();
        seed.static_tokens.sort();
        seed.static_token_identity = self.static_identity.clone();
        seed.apps = self.apps.clone();
    }

    /// Whom the token in an `Authorization` header stands for now; `None` when it is missing,
    /// unknown, expired or revoked.
    pub(crate) fn caller(&self, authorization: Option<&str>, now: Instant) -> Option<Caller> {
        let (scheme, token) = authorization?.trim().split_once(' ')?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        if self.static_tokens.contains(token) {
            return Some(Caller {
                access: Access::AppUser,
                actor: self.static_identity.clone(),
            });
        }
        self.issued
            .get(token)
            .filter(|(expiry, _)| now < *expiry)
            .map(|(_, caller)| caller.clone())
    }

    /// Forgets every issued access token, as a password reset or a revoked consent does:
    /// clients must come back to the token endpoint.
    pub(crate) fn revoke_issued(&mut self) {
        self.issued.clear();
    }

    /// Checks a grant against the registrations and the cloud's resource, and issues a token.
    pub(crate) fn grant(
        &mut self,
        tenant_id: &str,
        form: &TokenForm,
        cloud: Cloud,
        now: Instant,
    ) -> Result<Granted, EntraError> {
        let client_id = form.client_id.as_deref().unwrap_or_default();
        let secret = form.client_secret.as_deref().unwrap_or_default();
        let resource = form.resource.as_deref().unwrap_or_default();
        if resource != cloud.resource() {
            return Err(EntraError::new(
                "invalid_resource",
                500011,
                format!(
                    "The resource principal named {resource} was not found in the tenant named \
                     {tenant_id}. This can happen if the application has not been installed by \
                     the administrator of the tenant or consented to by any user in the tenant. \
                     You might have sent your authentication request to the wrong tenant."
                ),
            ));
        }
        let rotate = self.rotate_refresh_tokens;
        let app = self
            .apps
            .iter_mut()
            .find(|a| a.tenant_id.eq_ignore_ascii_case(tenant_id) && a.client_id == client_id)
            .ok_or_else(|| {
                EntraError::new(
                    "invalid_grant",
                    700016,
                    format!("Application {client_id} was not found in tenant {tenant_id}."),
                )
            })?;
        if app.client_secret != secret {
            return Err(EntraError::new(
                "invalid_grant",
                7000215,
                "Invalid client secret provided.",
            ));
        }
        let application = Actor::application(app.client_id.clone());
        let (caller, refresh_token) = match form.grant_type.as_deref() {
            Some("client_credentials") => {
                let caller = Caller {
                    access: Access::AppOnly,
                    actor: application,
                };
                (caller, None)
            }
            Some("refresh_token") => {
                if form.refresh_token.as_deref() != Some(app.refresh_token.as_str()) {
                    return Err(EntraError::new(
                        "invalid_grant",
                        70000,
                        "The provided refresh token is invalid or has been used.",
                    ));
                }
                if rotate {
                    app.refresh_token = new_token(REFRESH_TOKEN_PREFIX);
                }
                let caller = Caller {
                    access: Access::AppUser,
                    actor: Actor {
                        user_principal_name: app.user_principal_name.clone(),
                        ..application
                    },
                };
                (caller, Some(app.refresh_token.clone()))
            }
            _ => {
                return Err(EntraError::new(
                    "unsupported_grant_type",
                    70003,
                    "The grant type must be refresh_token or client_credentials.",
                ));
            }
        };
        if self.issued.len() >= PRUNE_THRESHOLD {
            self.issued.retain(|_, (expiry, _)| now < *expiry);
        }
        let access_token = new_token(ACCESS_TOKEN_PREFIX);
        self.issued
            .insert(access_token.clone(), (now + self.lifetime, caller));
        Ok(Granted {
            access_token,
            expires_in: self.lifetime.as_secs(),
            refresh_token,
        })
    }
}

/// The `client-request-id` a token request sent, which Entra echoes as its correlation id.
pub(crate) fn client_request_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
}

/// `POST /{tenant_id}/oauth2/token`, answering like AAD v1 (`expires_in` as a string). The
/// answer carries the requested `resource` for the request log.
pub(crate) async fn token(
    State(app): State<Arc<App>>,
    Path(tenant_id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let cloud = *lock(&app.cloud);
    let refused = |error: EntraError| error.into_response(cloud, client_request_id(&headers));
    let Ok(Form(form)) = form else {
        return refused(EntraError::new(
            "invalid_request",
            900144,
            "The request body must be a form.",
        ));
    };
    let outcome = app.mutate(|state| state.tokens.grant(&tenant_id, &form, cloud, Instant::now()));
    let mut response = match outcome {
        Ok(granted) => Json(TokenAnswer {
            token_type: "Bearer",
            expires_in: granted.expires_in.to_string(),
            resource: cloud.resource(),
            access_token: granted.access_token,
            refresh_token: granted.refresh_token,
        })
        .into_response(),
        Err(error) => refused(error),
    };
    response
        .extensions_mut()
        .insert(RequestedResource(form.resource.unwrap_or_default()));
    response
}

/// AAD v1's answer, in its order; `expires_in` is a string there.
#[derive(serde::Serialize)]
struct TokenAnswer {
    token_type: &'static str,
    expires_in: String,
    resource: &'static str,
    access_token: String,
    /// Only for the refresh-token grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{
        DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN, DEMO_TENANT_ID,
        DEMO_USER_PRINCIPAL_NAME,
    };
    use crate::wire::PARTNER_CENTER_RESOURCE;

    fn access(tokens: &Tokens, header: Option<&str>, now: Instant) -> Option<Access> {
        tokens.caller(header, now).map(|caller| caller.access)
    }

    fn form(grant: &str, secret: &str, refresh: Option<&str>) -> TokenForm {
        TokenForm {
            grant_type: Some(grant.into()),
            client_id: Some(DEMO_CLIENT_ID.into()),
            client_secret: Some(secret.into()),
            refresh_token: refresh.map(Into::into),
            resource: Some(PARTNER_CENTER_RESOURCE.into()),
        }
    }

    fn app_user_form(refresh_token: &str) -> TokenForm {
        form("refresh_token", DEMO_CLIENT_SECRET, Some(refresh_token))
    }

    /// A grant for the demo tenant, in the public cloud.
    fn grant(tokens: &mut Tokens, form: &TokenForm, now: Instant) -> Result<Granted, EntraError> {
        tokens.grant(DEMO_TENANT_ID, form, Cloud::Public, now)
    }

    #[test]
    fn issued_tokens_are_accepted_until_they_expire() {
        let mut tokens = Tokens::from_seed(&Seed::demo());
        let now = Instant::now();
        let granted = grant(
            &mut tokens,
            &form("client_credentials", DEMO_CLIENT_SECRET, None),
            now,
        )
        .expect("granted");
        assert!(granted.refresh_token.is_none());
        let header = format!("Bearer {}", granted.access_token);
        assert_eq!(access(&tokens, Some(&header), now), Some(Access::AppOnly));
        assert_eq!(
            access(&tokens, Some(&header), now + Duration::from_secs(3600)),
            None
        );
        assert_eq!(
            access(&tokens, Some("bearer sandbox-access-token"), now),
            Some(Access::AppUser)
        );
        assert_eq!(
            access(&tokens, Some("Basic sandbox-access-token"), now),
            None
        );
        assert_eq!(access(&tokens, None, now), None);
        tokens.revoke_issued();
        assert_eq!(access(&tokens, Some(&header), now), None);
    }

    #[test]
    fn refresh_token_grants_are_app_user_and_lifetimes_are_bounded() {
        let mut seed = Seed::demo();
        seed.token_lifetime_secs = u64::MAX;
        let mut tokens = Tokens::from_seed(&seed);
        let now = Instant::now();
        let granted = grant(&mut tokens, &app_user_form(DEMO_REFRESH_TOKEN), now).expect("granted");
        let header = format!("Bearer {}", granted.access_token);
        assert_eq!(access(&tokens, Some(&header), now), Some(Access::AppUser));
        assert_eq!(granted.expires_in, MAX_LIFETIME.as_secs());
    }

    #[test]
    fn wrong_credentials_are_invalid_grant() {
        let mut tokens = Tokens::from_seed(&Seed::demo());
        let now = Instant::now();
        let refused =
            |t: &mut Tokens, f: &TokenForm| grant(t, f, now).map(|_| ()).map_err(|e| e.error);
        assert_eq!(
            refused(&mut tokens, &form("client_credentials", "wrong", None)),
            Err("invalid_grant")
        );
        assert_eq!(
            refused(
                &mut tokens,
                &form("refresh_token", DEMO_CLIENT_SECRET, Some("old"))
            ),
            Err("invalid_grant")
        );
        assert_eq!(
            refused(&mut tokens, &form("password", DEMO_CLIENT_SECRET, None)),
            Err("unsupported_grant_type")
        );
        let mut other_tenant = form("client_credentials", DEMO_CLIENT_SECRET, None);
        other_tenant.resource = None;
        assert_eq!(refused(&mut tokens, &other_tenant), Err("invalid_resource"));
        assert!(
            tokens
                .grant(
                    "other-tenant",
                    &form("client_credentials", DEMO_CLIENT_SECRET, None),
                    Cloud::Public,
                    now
                )
                .is_err()
        );
    }

    #[test]
    fn callers_are_named_for_the_activity_log() {
        let mut tokens = Tokens::from_seed(&Seed::demo());
        let now = Instant::now();
        let actor = |t: &mut Tokens, f: &TokenForm| {
            let granted = grant(t, f, now).expect("granted");
            let header = format!("Bearer {}", granted.access_token);
            t.caller(Some(&header), now).expect("issued").actor
        };
        let user = Actor::user(DEMO_USER_PRINCIPAL_NAME).through(DEMO_CLIENT_ID);
        assert_eq!(actor(&mut tokens, &app_user_form(DEMO_REFRESH_TOKEN)), user);
        assert_eq!(
            actor(
                &mut tokens,
                &form("client_credentials", DEMO_CLIENT_SECRET, None)
            ),
            Actor::application(DEMO_CLIENT_ID)
        );
        let static_caller = tokens.caller(Some("Bearer sandbox-access-token"), now);
        assert_eq!(static_caller.map(|c| c.actor), Some(user));
    }

    #[test]
    fn each_cloud_requires_its_resource() {
        let mut tokens = Tokens::from_seed(&Seed::demo());
        let now = Instant::now();
        let china = "https://partner.partnercenterapi.microsoftonline.cn";
        let mut china_form = app_user_form(DEMO_REFRESH_TOKEN);
        china_form.resource = Some(china.to_owned());
        assert!(
            tokens
                .grant(DEMO_TENANT_ID, &china_form, Cloud::China, now)
                .is_ok()
        );
        let refused = tokens
            .grant(DEMO_TENANT_ID, &china_form, Cloud::UsGovernment, now)
            .map(|_| ())
            .expect_err("the global resource is required");
        assert_eq!((refused.error, refused.code), ("invalid_resource", 500011));
        assert!(
            refused.message.starts_with(&format!(
                "The resource principal named {china} was not found"
            )),
            "{}",
            refused.message
        );
        let global = app_user_form(DEMO_REFRESH_TOKEN);
        assert!(
            tokens
                .grant(DEMO_TENANT_ID, &global, Cloud::UsGovernment, now)
                .is_ok()
        );
        assert!(
            tokens
                .grant(DEMO_TENANT_ID, &global, Cloud::China, now)
                .is_err()
        );
    }

    #[test]
    fn rotation_invalidates_the_used_refresh_token() {
        let mut seed = Seed::demo();
        seed.rotate_refresh_tokens = true;
        let mut tokens = Tokens::from_seed(&seed);
        let now = Instant::now();
        let first = grant(&mut tokens, &app_user_form(DEMO_REFRESH_TOKEN), now).expect("granted");
        let rotated = first.refresh_token.expect("rotated");
        assert_ne!(rotated, DEMO_REFRESH_TOKEN);
        let reuse = app_user_form(DEMO_REFRESH_TOKEN);
        assert!(grant(&mut tokens, &reuse, now).is_err());
        let next = app_user_form(&rotated);
        assert!(grant(&mut tokens, &next, now).is_ok());
    }
}
