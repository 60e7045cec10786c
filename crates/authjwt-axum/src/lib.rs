//! # authjwt-axum
//!
//! fastapi-jwt-auth's `AuthJWT` on axum 0.8: access, refresh and fresh tokens from headers or
//! cookies, CSRF double submit, a revocation denylist and WebSocket authentication, answering
//! with the original's status codes and `{"detail": ...}` messages.
//!
//! The configuration is an [`AuthJwtConfig`] in the router state (directly, or in your own
//! state through `FromRef`). Then any of:
//!
//! * a guard — [`JwtRequired`], [`JwtOptional`], [`RefreshRequired`], [`FreshRequired`] —
//!   which checks before the handler runs and hands it the verified token, or the claims as
//!   your own type (`JwtRequired<MyClaims>`); `Option<JwtRequired>` for routes where a token
//!   is optional;
//! * [`RequireJwtLayer`] on a group of routes, which verifies once and leaves the token to
//!   the guards behind it;
//! * the [`AuthJwt`] extractor and its protect functions, which return the verified token, as
//!   the original's handlers call `Authorize.jwt_required()`.
//!
//! Everything public in the core crate is re-exported here: one dependency is enough.
//!
//! ```
//! use axum::{Json, Router, routing::{get, post}};
//! use authjwt_axum::{AuthJwt, AuthJwtConfig, AuthJwtRejection, JwtRequired, TokenLocation};
//! use serde_json::{Value, json};
//!
//! async fn login(auth: AuthJwt) -> Result<(authjwt_axum::AuthCookies, Json<Value>), AuthJwtRejection> {
//!     let access_token = auth.access_token("alice").fresh(true).encode()?;
//!     let cookies = auth.set_access_cookies(&access_token, None)?;
//!     Ok((cookies, Json(json!({ "access_token": access_token }))))
//! }
//!
//! async fn refresh(mut auth: AuthJwt) -> Result<Json<Value>, AuthJwtRejection> {
//!     let token = auth.jwt_refresh_token_required().await?;
//!     let subject = token.claims().require_subject()?.clone();
//!     Ok(Json(json!({ "access_token": auth.create_access_token(subject)? })))
//! }
//!
//! async fn protected(JwtRequired(token): JwtRequired) -> Json<Value> {
//!     Json(json!({ "user": token.claims().subject() }))
//! }
//!
//! let config = AuthJwtConfig::builder()
//!     .secret_key("a-random-secret-of-at-least-32-bytes")
//!     .token_location([TokenLocation::Headers, TokenLocation::Cookies])
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/login", post(login))
//!     .route("/refresh", post(refresh))
//!     .route("/protected", get(protected))
//!     .with_state(config);
//! # Ok::<(), authjwt_axum::ConfigError>(())
//! ```
//!
//! ## Cookies
//!
//! [`AuthCookies`] carries `Set-Cookie` headers as part of the response: return it from the
//! handler (see [`cookies`]).
//!
//! ## Sessions
//!
//! With `authjwt_sessions_enabled`, [`AuthJwt::start_session`] logs in,
//! [`AuthJwt::rotate_session`] refreshes with one-time refresh tokens (a reused one revokes
//! its session: 401 `Refresh token reuse detected`), [`AuthJwt::list_sessions`],
//! [`AuthJwt::revoke_session`] and [`AuthJwt::revoke_all_sessions`] manage the registry.
//!
//! ## WebSocket
//!
//! [`AuthJwt::websocket`] runs the protect functions on a token from the query or path, or on
//! the handshake's cookies with the CSRF value passed explicitly (see [`WebSocketGuard`]).
//!
//! ## Publishing keys
//!
//! [`jwks::jwk_set`] answers `GET /.well-known/jwks.json` with the configuration's public
//! keys ([`AuthJwtConfig::jwk_set`]), for other services that verify your tokens.
//!
//! ## Shaping error responses
//!
//! Failures answer the original's status and `{"detail": "<message>"}`. The
//! [`ErrorResponses`] layer answers RFC 6750 statuses and `WWW-Authenticate` challenges
//! ([`ErrorStatuses::Rfc6750`]), RFC 9457 problem documents ([`ErrorBody::ProblemJson`]), or
//! any shape of yours ([`ErrorResponses::custom`]); every failure has a stable
//! [`ErrorCode`]. A handler can also take `Result<JwtRequired, AuthJwtRejection>` and answer
//! as it likes.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cookies;
mod extract;
pub mod guard;
pub mod jwks;
pub mod layer;
#[cfg(feature = "utoipa")]
#[cfg_attr(docsrs, doc(cfg(feature = "utoipa")))]
pub mod openapi;
mod rejection;
mod request;
pub mod responses;
mod sessions;
pub mod sliding;

pub use authjwt;
// Every public item and module of the core, so that an axum application needs this one
// dependency: `authjwt_axum::FixedClock`, `authjwt_axum::revocation::MemoryStore`, ...
pub use authjwt::*;

pub use crate::cookies::AuthCookies;
pub use crate::extract::{AuthJwt, WebSocketAuth, WebSocketGuard};
pub use crate::guard::{
    FreshRequired, JwtOptional, JwtRequired, RefreshRequired, Scopes, ScopesRequired,
};
pub use crate::layer::{RequireJwt, RequireJwtLayer};
pub use crate::rejection::{AuthFailure, AuthJwtRejection, detail_body};
pub use crate::request::TokenLocations;
pub use crate::responses::{ErrorBody, ErrorResponses, ErrorStatuses};
pub use crate::sessions::IssuedSession;
pub use crate::sliding::SlidingRefreshLayer;

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
