//! Publishing the configuration's public keys: `GET /.well-known/jwks.json`.
//!
//! ```
//! use authjwt_axum::AuthJwtConfig;
//! use axum::Router;
//! use axum::routing::get;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = AuthJwtConfig::builder()
//!     .secret_key("a-random-secret-of-at-least-32-bytes")
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/.well-known/jwks.json", get(authjwt_axum::jwks::jwk_set))
//!     .with_state(config);
//! # Ok(())
//! # }
//! ```

use std::convert::Infallible;

use authjwt::AuthJwtConfig;
use axum_core::extract::{FromRef, FromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::header::CACHE_CONTROL;
use http::request::Parts;
use http::{HeaderValue, StatusCode};

use crate::rejection::json_response;

/// The `Cache-Control` of a JWK Set response: clients and caches may keep it five minutes.
/// A key added for verification only (the README's "Rotating keys", step 1) must be
/// published at least this long before it signs, so that every verifier has fetched it.
pub const CACHE_CONTROL_VALUE: &str = "public, max-age=300";

/// The handler for `GET /.well-known/jwks.json`: the JWK Set of
/// [`AuthJwtConfig::jwk_set`] from the router state (`AuthJwtConfig: FromRef<S>`).
pub async fn jwk_set(keys: PublishedKeys) -> JwkSetResponse {
    JwkSetResponse::new(&keys.0)
}

/// The configuration of the router state, for [`jwk_set`].
#[derive(Debug, Clone)]
pub struct PublishedKeys(pub AuthJwtConfig);

impl<S> FromRequestParts<S> for PublishedKeys
where
    AuthJwtConfig: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(AuthJwtConfig::from_ref(state)))
    }
}

/// A JWK Set response: `200`, `Content-Type: application/jwk-set+json` (RFC 7517 §8.5),
/// `Cache-Control: public, max-age=300`. Read when made: after
/// [`reload_keys`](AuthJwtConfig::reload_keys), the next response lists the new keys.
///
/// ```
/// use authjwt_axum::jwks::JwkSetResponse;
/// use axum::response::IntoResponse;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = authjwt_axum::AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .build()?;
/// let response = JwkSetResponse::new(&config).into_response();
/// assert_eq!(response.headers()["cache-control"], "public, max-age=300");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct JwkSetResponse(serde_json::Value);

impl JwkSetResponse {
    /// The current public keys of `config`.
    pub fn new(config: &AuthJwtConfig) -> Self {
        Self(config.jwk_set())
    }
}

impl IntoResponse for JwkSetResponse {
    fn into_response(self) -> Response {
        let mut response = json_response(
            StatusCode::OK,
            "application/jwk-set+json",
            self.0.to_string(),
        );
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_VALUE));
        response
    }
}
