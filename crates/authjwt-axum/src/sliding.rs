//! Sliding refresh for cookie sessions: an access cookie close to its expiry is replaced on
//! the way out.

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Duration;

use authjwt::create::RESERVED_CLAIMS;
use authjwt::session::SESSION_CLAIM;
use authjwt::{Audience, AuthJwtConfig, Requirement, VerifiedToken};
use axum_core::body::Body;
use axum_core::response::Response;
use http::Request;
use http::header::SET_COOKIE;
use serde_json::Value;
use tower_layer::Layer;
use tower_service::Service;

use crate::cookies::AuthCookies;
use crate::layer::{ResponseFuture, take_ready};
use crate::request::{RequestCredentials, verify_cookie};

/// Replaces a request's access cookie that has less than `threshold` left with a new one
/// (not fresh; same subject, audience, user claims and session) and its CSRF cookie, set on
/// the response, so an active browser session never meets an expired access token.
///
/// The cookie is verified as a cookie-reading guard verifies it, on the request's method
/// (so the CSRF check too where it applies), revocation store included: a revoked, invalid
/// or expired token is never renewed. Nothing happens when the response already sets or
/// deletes the access cookie (a login or a logout) or is an error (4xx, 5xx). Off unless you
/// add the layer.
///
/// ```
/// use std::time::Duration;
/// use axum::{Router, routing::get};
/// use authjwt_axum::{AuthJwtConfig, JwtRequired, SlidingRefreshLayer, TokenLocation};
///
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .token_location([TokenLocation::Cookies])
///     .build()?;
/// let app: Router = Router::new()
///     .route("/notes", get(|_: JwtRequired| async { "notes" }))
///     .layer(SlidingRefreshLayer::new(&config, Duration::from_secs(5 * 60)))
///     .with_state(config);
/// # Ok::<(), authjwt_axum::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SlidingRefreshLayer {
    config: AuthJwtConfig,
    threshold: Duration,
}

impl SlidingRefreshLayer {
    /// Renews access cookies with less than `threshold` left.
    pub fn new(config: &AuthJwtConfig, threshold: Duration) -> Self {
        Self {
            config: config.clone(),
            threshold,
        }
    }

    /// The cookies replacing the request's access cookie, when it is valid and close to its
    /// expiry.
    async fn renewal(&self, parts: &http::request::Parts) -> Option<AuthCookies> {
        let settings = self.config.settings();
        let credentials = RequestCredentials::capture(parts, settings);
        let token_type = Requirement::Access.token_type();
        let verified = verify_cookie(
            &self.config,
            &credentials,
            credentials.csrf_header(token_type),
            settings.is_csrf_method(parts.method.as_str()),
            Requirement::Access,
        )
        .await
        .ok()?;
        let expires_at = verified.claims().expires_at()?;
        let left = expires_at.saturating_sub(self.config.clock().now());
        let threshold = i64::try_from(self.threshold.as_secs()).unwrap_or(i64::MAX);
        if left >= threshold {
            return None;
        }
        let renewed = self.renewed(&verified)?;
        AuthCookies::access(&self.config, &renewed, None).ok()
    }

    /// A new, non-fresh access token for the same subject, audience and user claims.
    fn renewed(&self, verified: &VerifiedToken) -> Option<String> {
        let claims = verified.claims();
        let user_claims: authjwt::JsonObject = claims
            .as_map()
            .iter()
            .filter(|(name, _)| {
                !RESERVED_CLAIMS.contains(&name.as_str()) && name.as_str() != SESSION_CLAIM
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let mut builder = self
            .config
            .access_token(claims.subject()?.clone())
            .claims(user_claims);
        // The renewed token stays in the session of the one it replaces.
        if let Some(sid) = claims.session_id() {
            builder = builder.session_id(sid);
        }
        match claims.get("aud") {
            Some(Value::String(audience)) => builder = builder.audience(audience.as_str()),
            Some(Value::Array(audiences)) => {
                let audiences: Vec<String> = audiences
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                builder = builder.audience(Audience::Many(audiences));
            }
            _ => {}
        }
        builder.encode().ok()
    }
}

impl<S> Layer<S> for SlidingRefreshLayer {
    type Service = SlidingRefresh<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SlidingRefresh {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`SlidingRefreshLayer`] wraps around the routes below it.
#[derive(Debug, Clone)]
pub struct SlidingRefresh<S> {
    inner: S,
    layer: SlidingRefreshLayer,
}

impl<S> Service<Request<Body>> for SlidingRefresh<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let mut inner = take_ready(&mut self.inner);
        let layer = self.layer.clone();
        ResponseFuture::new(async move {
            let (parts, body) = request.into_parts();
            let renewal = layer.renewal(&parts).await;
            let Ok(response) = inner.call(Request::from_parts(parts, body)).await;
            let Some(cookies) = renewal else {
                return Ok(response);
            };
            let access_cookie = &layer.config.settings().access_cookie_key;
            let sets_access_cookie = response.headers().get_all(SET_COOKIE).iter().any(|value| {
                value
                    .to_str()
                    .ok()
                    .and_then(|cookie| cookie.split_once('='))
                    .is_some_and(|(name, _)| name.trim() == access_cookie)
            });
            if sets_access_cookie
                || response.status().is_client_error()
                || response.status().is_server_error()
            {
                return Ok(response);
            }
            let mut response = response;
            cookies.append_to(response.headers_mut());
            Ok(response)
        })
    }
}
