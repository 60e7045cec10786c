//! Typed guards: extractors that run a protect function before the handler and hand it the
//! verified token.
//!
//! ```
//! use axum::{Json, Router, routing::get};
//! use authjwt_axum::{AuthJwtConfig, FreshRequired, JwtOptional, JwtRequired};
//! use serde_json::{Value, json};
//!
//! async fn protected(JwtRequired(token): JwtRequired) -> Json<Value> {
//!     Json(json!({ "user": token.claims().subject() }))
//! }
//!
//! async fn optional(JwtOptional(token): JwtOptional) -> Json<Value> {
//!     Json(json!({ "user": token.as_ref().and_then(|token| token.claims().subject()) }))
//! }
//!
//! async fn fresh(FreshRequired(token): FreshRequired) -> Json<Value> {
//!     Json(json!({ "user": token.claims().subject() }))
//! }
//!
//! let app: Router = Router::new()
//!     .route("/protected", get(protected))
//!     .route("/optional", get(optional))
//!     .route("/fresh", get(fresh))
//!     .with_state(AuthJwtConfig::builder().secret_key("a-random-secret-of-at-least-32-bytes").build()?);
//! # Ok::<(), authjwt_axum::ConfigError>(())
//! ```
//!
//! A guard rejects with [`AuthJwtRejection`]; take `Result<JwtRequired, AuthJwtRejection>` to
//! handle the failure in the handler instead.

use authjwt::{AuthJwtConfig, Requirement, VerifiedToken};
use axum_core::extract::{FromRef, FromRequestParts};
use http::request::Parts;

use crate::rejection::AuthJwtRejection;
use crate::request::{RequestCredentials, optional, verify_request};

async fn verify_parts<S>(
    parts: &Parts,
    state: &S,
    requirement: Requirement,
) -> Result<VerifiedToken, authjwt::AuthJwtError>
where
    AuthJwtConfig: FromRef<S>,
{
    let config = AuthJwtConfig::from_ref(state);
    let credentials = RequestCredentials::capture(parts, config.settings());
    verify_request(&config, &credentials, requirement).await
}

macro_rules! required_guard {
    ($(#[$doc:meta])* $name:ident, $requirement:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub VerifiedToken);

        impl<S> FromRequestParts<S> for $name
        where
            AuthJwtConfig: FromRef<S>,
            S: Send + Sync,
        {
            type Rejection = AuthJwtRejection;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                Ok(Self(verify_parts(parts, state, $requirement).await?))
            }
        }
    };
}

required_guard!(
    /// A valid access token is required (`jwt_required`).
    JwtRequired,
    Requirement::Access
);

required_guard!(
    /// A valid refresh token is required (`jwt_refresh_token_required`).
    RefreshRequired,
    Requirement::Refresh
);

required_guard!(
    /// A valid, fresh access token is required (`fresh_jwt_required`).
    FreshRequired,
    Requirement::FreshAccess
);

/// An access token is optional; a present one must be valid (`jwt_optional`).
#[derive(Debug, Clone)]
pub struct JwtOptional(pub Option<VerifiedToken>);

impl<S> FromRequestParts<S> for JwtOptional
where
    AuthJwtConfig: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthJwtRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(optional(
            verify_parts(parts, state, Requirement::OptionalAccess).await,
        )?))
    }
}
