//! Route-level protection: a tower layer that verifies once and hands the token on.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::sync::Arc;

use authjwt::{AuthJwtConfig, Requirement, TokenLocation, VerifiedToken};
use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use serde_json::Value;
use tower_layer::Layer;
use tower_service::Service;

use crate::rejection::AuthJwtRejection;
use crate::request::{
    JsonBodyTokens, JsonMember, RequestCredentials, TokenLocations, optional, verify_request,
};

/// The largest JSON body read for a token: past it the request is refused (413) rather than
/// buffered.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

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
    locations: Option<TokenLocations>,
    scopes: Arc<[String]>,
}

impl RequireJwtLayer {
    /// Requires what `requirement` describes.
    pub fn new(config: &AuthJwtConfig, requirement: Requirement) -> Self {
        Self {
            config: config.clone(),
            requirement,
            locations: None,
            scopes: Arc::new([]),
        }
    }

    /// Reads the token from these locations instead of `authjwt_token_location`, for this
    /// layer and the extractors behind it.
    ///
    /// With [`TokenLocation::Json`], the layer reads an `application/json` body (up to
    /// [`JSON_BODY_LIMIT`]) for the token and hands the same body to the handler; it is the
    /// one place that location is read, as extractors cannot take the body from the handler.
    ///
    /// # Panics
    ///
    /// When `locations` is empty.
    pub fn locations(mut self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        self.locations = Some(TokenLocations::new(locations));
        self
    }

    /// Also requires every scope of `scopes` in the token's scope claim
    /// (`authjwt_scope_claim`): 403 `Missing required scope: ...` otherwise.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use authjwt_axum::{AuthJwtConfig, RequireJwtLayer};
    ///
    /// let config = AuthJwtConfig::builder().secret_key("a-random-secret-of-at-least-32-bytes").build()?;
    /// let admin: Router = Router::new()
    ///     .route("/admin/users", get(|| async { "the users" }))
    ///     .route_layer(RequireJwtLayer::access(&config).scopes(["admin"]))
    ///     .with_state(config);
    /// # Ok::<(), authjwt_axum::ConfigError>(())
    /// ```
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
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
            layer: self.clone(),
        }
    }
}

/// The service [`RequireJwtLayer`] wraps around a route.
#[derive(Debug, Clone)]
pub struct RequireJwt<S> {
    inner: S,
    layer: RequireJwtLayer,
}

impl<S> Service<Request<Body>> for RequireJwt<S>
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
            let (mut parts, mut body) = request.into_parts();
            if let Some(locations) = &layer.locations {
                parts.extensions.insert(locations.clone());
            }
            if reads_json(&parts, &layer.config) {
                match read_json_tokens(body, &layer.config).await {
                    Ok((tokens, whole)) => {
                        parts.extensions.insert(tokens);
                        body = whole;
                    }
                    Err(response) => return Ok(response),
                }
            }
            match layer.check(&parts).await {
                Ok(token) => {
                    record(&mut parts, layer.requirement, token);
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(err) => Ok(AuthJwtRejection::from(err).into_response()),
            }
        })
    }
}

impl RequireJwtLayer {
    /// Verifies the request's token for the requirement, then the scopes.
    async fn check(&self, parts: &Parts) -> Result<Option<VerifiedToken>, authjwt::AuthJwtError> {
        let credentials = RequestCredentials::capture(parts, self.config.settings());
        let verified = verify_request(&self.config, &credentials, self.requirement).await;
        let token = if self.requirement == Requirement::OptionalAccess {
            optional(verified)?
        } else {
            Some(verified?)
        };
        if let Some(token) = &token
            && !self.scopes.is_empty()
        {
            token
                .claims()
                .require_scopes(&self.config.settings().scope_claim, &self.scopes)?;
        }
        Ok(token)
    }
}

/// Whether the request's token may be in its JSON body: `json` is a location of the route
/// and the body is `application/json`.
fn reads_json(parts: &Parts, config: &AuthJwtConfig) -> bool {
    let locations = parts.extensions.get::<TokenLocations>().map_or(
        config.settings().token_location.as_slice(),
        TokenLocations::as_slice,
    );
    let is_json = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"));
    is_json && locations.contains(&TokenLocation::Json)
}

/// Reads the body whole (up to [`JSON_BODY_LIMIT`]) and the token members of its JSON object,
/// and gives the same bytes back as a body for the handler; a body that is not a JSON object
/// holds no token (the handler judges the body itself).
async fn read_json_tokens(
    body: Body,
    config: &AuthJwtConfig,
) -> Result<(JsonBodyTokens, Body), Response> {
    let bytes = match Limited::new(body, JSON_BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Err(crate::rejection::json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "application/json",
                crate::rejection::detail_body("Request body too large"),
            ));
        }
    };
    let settings = config.settings();
    let tokens = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => {
            let member = |key: &str| match object.get(key) {
                None => JsonMember::Absent,
                Some(Value::String(token)) => JsonMember::Text(token.clone()),
                Some(_) => JsonMember::NotText,
            };
            JsonBodyTokens {
                access: member(&settings.json_access_token_key),
                refresh: member(&settings.json_refresh_token_key),
            }
        }
        _ => JsonBodyTokens::default(),
    };
    Ok((tokens, Body::from(bytes)))
}

/// The future of the services of [`RequireJwtLayer`] and
/// [`SlidingRefreshLayer`](crate::SlidingRefreshLayer).
pub struct ResponseFuture(Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>);

impl ResponseFuture {
    pub(crate) fn new(
        future: impl Future<Output = Result<Response, Infallible>> + Send + 'static,
    ) -> Self {
        Self(Box::pin(future))
    }
}

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

/// The inner service to call now, leaving a fresh clone in its place: the clone that was
/// polled ready serves this request, the fresh one waits for the next `poll_ready`.
pub(crate) fn take_ready<S: Clone>(inner: &mut S) -> S {
    let fresh = inner.clone();
    std::mem::replace(inner, fresh)
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
