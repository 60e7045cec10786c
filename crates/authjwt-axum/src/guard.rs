//! Typed guards: extractors that run a protect function before the handler and hand it the
//! verified token, or the claims read as the application's own type.
//!
//! ```
//! use axum::{Json, Router, routing::get};
//! use authjwt_axum::{AuthJwtConfig, FreshRequired, JwtOptional, JwtRequired};
//! use serde::Deserialize;
//! use serde_json::{Value, json};
//!
//! #[derive(Deserialize)]
//! struct MyClaims {
//!     sub: String,
//!     role: String,
//! }
//!
//! // The claims as your type: a token whose claims do not fit is a 422 naming the field.
//! async fn protected(JwtRequired(claims): JwtRequired<MyClaims>) -> Json<Value> {
//!     Json(json!({ "user": claims.sub, "role": claims.role }))
//! }
//!
//! // Or the verified token itself, the default.
//! async fn fresh(FreshRequired(token): FreshRequired) -> Json<Value> {
//!     Json(json!({ "user": token.claims().subject() }))
//! }
//!
//! // No token is fine; a token that is sent must be valid.
//! async fn optional(token: Option<JwtRequired>) -> Json<Value> {
//!     let user = token.as_ref().and_then(|JwtRequired(token)| token.claims().subject());
//!     Json(json!({ "user": user }))
//! }
//!
//! let app: Router = Router::new()
//!     .route("/protected", get(protected))
//!     .route("/fresh", get(fresh))
//!     .route("/optional", get(optional))
//!     .with_state(AuthJwtConfig::builder().secret_key("a-random-secret-of-at-least-32-bytes").build()?);
//! # Ok::<(), authjwt_axum::ConfigError>(())
//! ```
//!
//! A guard rejects with [`AuthJwtRejection`]; take `Result<JwtRequired, AuthJwtRejection>` to
//! handle the failure in the handler instead. Behind a [`RequireJwtLayer`](crate::RequireJwtLayer)
//! whose requirement covers the guard's, the guard takes the layer's token instead of
//! verifying again.
//!
//! `Option<JwtRequired>` (and the other required guards) is `None` when no token was sent and
//! rejects an invalid one; unlike [`JwtOptional`], which follows the original's
//! `jwt_optional`, it checks the issuer as `jwt_required` does.

use authjwt::{AuthJwtConfig, AuthJwtError, FromVerifiedToken, Requirement, VerifiedToken};
use axum_core::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

use crate::layer::verified_by_layer;
use crate::rejection::AuthJwtRejection;
use crate::request::{RequestCredentials, optional, verify_request};

/// The request's token for a required `requirement`: the layer's, or verified here.
pub(crate) async fn required_token(
    parts: &Parts,
    config: &AuthJwtConfig,
    requirement: Requirement,
) -> Result<VerifiedToken, AuthJwtError> {
    // Only an optional layer records no token, and it covers no required guard.
    if let Some(Some(token)) = verified_by_layer(parts, requirement) {
        return Ok(token);
    }
    let credentials = RequestCredentials::capture(parts, config.settings());
    verify_request(config, &credentials, requirement).await
}

/// The request's token for `jwt_optional`: the layer's, or verified here.
pub(crate) async fn optional_token(
    parts: &Parts,
    config: &AuthJwtConfig,
) -> Result<Option<VerifiedToken>, AuthJwtError> {
    if let Some(token) = verified_by_layer(parts, Requirement::OptionalAccess) {
        return Ok(token);
    }
    let credentials = RequestCredentials::capture(parts, config.settings());
    optional(verify_request(config, &credentials, Requirement::OptionalAccess).await)
}

async fn required<T: FromVerifiedToken>(
    parts: &Parts,
    config: &AuthJwtConfig,
    requirement: Requirement,
) -> Result<T, AuthJwtError> {
    required_token(parts, config, requirement)
        .await
        .and_then(T::from_verified_token)
}

macro_rules! required_guard {
    ($(#[$doc:meta])* $name:ident, $requirement:expr) => {
        $(#[$doc])*
        ///
        /// `T` is what the handler gets: the [`VerifiedToken`] (the default), its
        /// [`Claims`](authjwt::Claims), or any type that deserializes from the claims.
        #[derive(Debug, Clone)]
        pub struct $name<T = VerifiedToken>(pub T);

        impl<S, T> FromRequestParts<S> for $name<T>
        where
            AuthJwtConfig: FromRef<S>,
            S: Send + Sync,
            T: FromVerifiedToken,
        {
            type Rejection = AuthJwtRejection;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let config = AuthJwtConfig::from_ref(state);
                Ok(Self(required(parts, &config, $requirement).await?))
            }
        }

        impl<S, T> OptionalFromRequestParts<S> for $name<T>
        where
            AuthJwtConfig: FromRef<S>,
            S: Send + Sync,
            T: FromVerifiedToken,
        {
            type Rejection = AuthJwtRejection;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Option<Self>, Self::Rejection> {
                let config = AuthJwtConfig::from_ref(state);
                match required(parts, &config, $requirement).await {
                    Ok(value) => Ok(Some(Self(value))),
                    Err(AuthJwtError::MissingToken(_)) => Ok(None),
                    Err(err) => Err(err.into()),
                }
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

/// An access token is optional; a present one must be valid (`jwt_optional`). `T` as for
/// [`JwtRequired`].
#[derive(Debug, Clone)]
pub struct JwtOptional<T = VerifiedToken>(pub Option<T>);

impl<S, T> FromRequestParts<S> for JwtOptional<T>
where
    AuthJwtConfig: FromRef<S>,
    S: Send + Sync,
    T: FromVerifiedToken,
{
    type Rejection = AuthJwtRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config = AuthJwtConfig::from_ref(state);
        let token = optional_token(parts, &config).await?;
        Ok(Self(token.map(T::from_verified_token).transpose()?))
    }
}

/// A set of scopes a route requires, for [`ScopesRequired`]; declare one with
/// [`scopes!`](crate::scopes).
pub trait Scopes {
    /// The scopes, all required.
    const REQUIRED: &'static [&'static str];
}

/// Declares a [`Scopes`] set: `scopes!(pub Admin = ["admin"]);`.
///
/// ```
/// use axum::{Json, Router, routing::get};
/// use authjwt_axum::{AuthJwtConfig, ScopesRequired, scopes};
/// use serde_json::{Value, json};
///
/// scopes!(pub Admin = ["admin"]);
/// scopes!(ReportWriter = ["reports:read", "reports:write"]);
///
/// async fn admin(ScopesRequired { token, .. }: ScopesRequired<Admin>) -> Json<Value> {
///     Json(json!({ "user": token.claims().subject() }))
/// }
///
/// let app: Router = Router::new()
///     .route("/admin", get(admin))
///     .with_state(AuthJwtConfig::builder().secret_key("a-random-secret-of-at-least-32-bytes").build()?);
/// # Ok::<(), authjwt_axum::ConfigError>(())
/// ```
#[macro_export]
macro_rules! scopes {
    ($visibility:vis $name:ident = [$($scope:expr),+ $(,)?]) => {
        #[doc = concat!("The scopes ", $(stringify!($scope), " ",)+ "(a `Scopes` set).")]
        #[derive(Debug, Clone, Copy)]
        $visibility struct $name;

        impl $crate::guard::Scopes for $name {
            const REQUIRED: &'static [&'static str] = &[$($scope),+];
        }
    };
}

/// A valid access token (`jwt_required`) whose scope claim (`authjwt_scope_claim`) holds every
/// scope of `S`: 403 `Missing required scope: ...` otherwise (403 `insufficient_scope` in
/// the RFC 6750 error style). `T` as for [`JwtRequired`].
#[derive(Debug, Clone)]
pub struct ScopesRequired<S, T = VerifiedToken> {
    /// The verified token, or its claims as `T`.
    pub token: T,
    scopes: std::marker::PhantomData<S>,
}

impl<S, T, St> FromRequestParts<St> for ScopesRequired<S, T>
where
    AuthJwtConfig: FromRef<St>,
    St: Send + Sync,
    S: Scopes,
    T: FromVerifiedToken,
{
    type Rejection = AuthJwtRejection;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let config = AuthJwtConfig::from_ref(state);
        let token = required_token(parts, &config, Requirement::Access).await?;
        token
            .claims()
            .require_scopes(&config.settings().scope_claim, S::REQUIRED)?;
        Ok(Self {
            token: T::from_verified_token(token)?,
            scopes: std::marker::PhantomData,
        })
    }
}
