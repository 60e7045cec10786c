//! Route-level protection: a tower layer that verifies once and hands the token on.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use authjwt::{AuthJwtConfig, Requirement, VerifiedToken};
use axum_core::response::{IntoResponse, Response};
use http::Request;
use http::request::Parts;
use tower_layer::Layer;
use tower_service::Service;

use crate::rejection::AuthJwtRejection;
use crate::request::{RequestCredentials, optional, verify_request};

/// Requires a token of one kind on every request it wraps, as a protect function would, and
/// puts the verified token in the request's extensions.
///
/// Use it with [`Router::route_layer`](https://docs.rs/axum/0.8/axum/struct.Router.html#method.route_layer)
/// (unmatched paths then stay 404s) or `layer`. Handlers behind it read the token with the
/// guards ([`JwtRequired`](crate::JwtRequired) and its siblings, typed or not), the
/// [`AuthJwt`](crate::AuthJwt) extractor, or `Extension<VerifiedToken>`; none of them
/// verifies the token again when the layer's requirement covers theirs. Failures answer as
/// [`AuthJwtRejection`] does.
///
/// ```
/// use axum::{Json, Router, routing::get};
/// use authjwt_axum::{AuthJwtConfig, JwtRequired, RequireJwtLayer};
/// use serde::Deserialize;
/// use serde_json::{Value, json};
///
/// #[derive(Deserialize)]
/// struct MyClaims {
///     sub: String,
/// }
///
/// async fn me(JwtRequired(claims): JwtRequired<MyClaims>) -> Json<Value> {
///     Json(json!({ "user": claims.sub }))
/// }
///
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .build()?;
/// let app: Router = Router::new()
///     .route("/me", get(me))
///     .route("/reports", get(|| async { "only for logged-in users" }))
///     .route_layer(RequireJwtLayer::access(&config))
///     .with_state(config);
/// # Ok::<(), authjwt_axum::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RequireJwtLayer {
    config: AuthJwtConfig,
    requirement: Requirement,
}

impl RequireJwtLayer {
    /// Requires what `requirement` describes.
    pub fn new(config: &AuthJwtConfig, requirement: Requirement) -> Self {
        Self {
            config: config.clone(),
            requirement,
        }
    }

    /// A valid access token (`jwt_required`).
    pub fn access(config: &AuthJwtConfig) -> Self {
        Self::new(config, Requirement::Access)
    }

    /// A valid, fresh access token (`fresh_jwt_required`).
    pub fn fresh(config: &AuthJwtConfig) -> Self {
        Self::new(config, Requirement::FreshAccess)
    }

    /// A valid refresh token (`jwt_refresh_token_required`).
    pub fn refresh(config: &AuthJwtConfig) -> Self {
        Self::new(config, Requirement::Refresh)
    }

    /// An access token if one is sent; a sent one must be valid (`jwt_optional`). Requests
    /// without a token pass with nothing in their extensions.
    pub fn optional(config: &AuthJwtConfig) -> Self {
        Self::new(config, Requirement::OptionalAccess)
    }
}

impl<S> Layer<S> for RequireJwtLayer {
    type Service = RequireJwt<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireJwt {
            inner,
            config: self.config.clone(),
            requirement: self.requirement,
        }
    }
}

/// The service [`RequireJwtLayer`] wraps around a route.
#[derive(Debug, Clone)]
pub struct RequireJwt<S> {
    inner: S,
    config: AuthJwtConfig,
    requirement: Requirement,
}

impl<S, B> Service<Request<B>> for RequireJwt<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request; the fresh one waits for the
        // next `poll_ready`.
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        let config = self.config.clone();
        let requirement = self.requirement;
        ResponseFuture(Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let credentials = RequestCredentials::capture(&parts, config.settings());
            let verified = verify_request(&config, &credentials, requirement).await;
            let token = if requirement == Requirement::OptionalAccess {
                optional(verified)
            } else {
                verified.map(Some)
            };
            match token {
                Ok(token) => {
                    record(&mut parts, requirement, token);
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(err) => Ok(AuthJwtRejection::from(err).into_response()),
            }
        }))
    }
}

/// The future of [`RequireJwt`].
pub struct ResponseFuture(Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>);

impl Future for ResponseFuture {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseFuture")
    }
}

/// What the layer verified, for the extractors of the same request.
#[derive(Debug, Clone)]
pub(crate) struct LayerVerified {
    requirement: Requirement,
    token: Option<VerifiedToken>,
}

impl LayerVerified {
    /// The record the layer left on this request, if any.
    pub(crate) fn of(parts: &Parts) -> Option<&Self> {
        parts.extensions.get::<Self>()
    }

    /// The layer's outcome when it answers `wanted` as well: `Some(token)` (itself `None` for
    /// an optional route without a token), or `None` when the extractor must verify for
    /// itself.
    ///
    /// A fresh access token satisfies every access requirement; an access token satisfies
    /// the optional one (which checks less); a refresh token only the refresh requirement;
    /// and an optional verification only another optional one.
    pub(crate) fn covering(&self, wanted: Requirement) -> Option<Option<VerifiedToken>> {
        let covers = match (self.requirement, wanted) {
            (done, wanted) if done == wanted => true,
            (Requirement::FreshAccess, Requirement::Access | Requirement::OptionalAccess)
            | (Requirement::Access, Requirement::OptionalAccess) => true,
            _ => false,
        };
        covers.then(|| self.token.clone())
    }
}

fn record(parts: &mut Parts, requirement: Requirement, token: Option<VerifiedToken>) {
    if let Some(token) = &token {
        parts.extensions.insert(token.clone());
    }
    parts
        .extensions
        .insert(LayerVerified { requirement, token });
}

/// See [`LayerVerified::covering`].
pub(crate) fn verified_by_layer(
    parts: &Parts,
    wanted: Requirement,
) -> Option<Option<VerifiedToken>> {
    LayerVerified::of(parts)?.covering(wanted)
}
