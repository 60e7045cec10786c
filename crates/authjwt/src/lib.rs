//! # authjwt
//!
//! JWT authentication with the semantics of Python's fastapi-jwt-auth 0.5.0 — access,
//! refresh and fresh tokens, a revocation denylist, CSRF double submit, issuer, audience and
//! leeway, symmetric and asymmetric algorithms — in a crate that knows no web framework.
//! `authjwt-axum` puts it on axum.
//!
//! Tokens made here verify under the original (same claims, same secret), and the original's
//! tokens verify here. Every failure is an [`AuthJwtError`] with the original's status code
//! and message, found by the original's checks in the original's order; where the original
//! crashed (a 500) or accepted a malformed token, authjwt answers with a 4xx.
//!
//! ```
//! use authjwt::{AuthJwtConfig, AuthJwtError, Requirement};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = AuthJwtConfig::builder()
//!     .secret_key("a-random-secret-of-at-least-32-bytes")
//!     .build()?;
//!
//! let access = config.access_token("alice").fresh(true).encode()?;
//! let verified = config.verify(&access, Requirement::FreshAccess).await?;
//! assert_eq!(verified.claims().subject().unwrap().to_string(), "alice");
//!
//! let err = config.verify("not-a-token", Requirement::Access).await.unwrap_err();
//! assert_eq!(err.status_code(), 422);
//! assert_eq!(err.message(), "Not enough segments");
//! # Ok(())
//! # }
//! ```
//!
//! ## Where things are
//!
//! | module | holds |
//! |---|---|
//! | [`config`] | [`AuthJwtConfig`], its builder, serde and environment loading, [`Settings`] and the types of its values ([`TokenLocation`], [`TokenType`], [`SameSite`], [`HttpMethod`]) |
//! | [`create`] | access and refresh token creation and their options |
//! | [`verify`] | the ordered check pipeline, [`Requirement`] |
//! | [`claims`] | [`VerifiedToken`], [`Claims`], [`Header`], [`Subject`] |
//! | [`error`] | [`AuthJwtError`] and the causes it carries, [`ConfigError`] |
//! | [`csrf`] | the constant-time double-submit comparison |
//! | [`revocation`] | [`RevocationStore`], [`MemoryStore`](revocation::MemoryStore), closure adapters |
//! | [`session`] | [`SessionStore`], [`MemorySessionStore`]: sessions with one-time refresh tokens, reuse detection, log out everywhere |
//! | [`clock`] | [`Clock`], [`SystemClock`], [`FixedClock`] for tests |
//! | [`key_set`] | [`Key`]: key sets with key IDs, for rotating keys |
//! | `testing` | (feature `testing`) test tokens: expired, revoked, not fresh, hand-made |
//!
//! ## Keys
//!
//! Keys are parsed once, when the configuration is built: HMAC secrets (HS256/384/512, at
//! least as long as the hash unless `allow_weak_secret`), RSA (RS*, PS*; 2048 bits or more),
//! EC P-256/P-384/P-521 (ES256/384/512) and Ed25519 (EdDSA) PEM keys. Each configured
//! algorithm is bound to its own key; a token's `alg` only selects among them. A
//! [key set](key_set) holds several keys, each with its `kid` and one algorithm, for rotating
//! keys; [`AuthJwtConfig::jwk_set`] publishes the public ones.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// Each module imports only modules below it (the layers of tests/module_layers.rs), so
// none depends on another that depends on it.
mod algorithm;
mod cache;
pub mod claims;
pub mod clock;
mod codec;
pub mod config;
pub mod create;
pub mod csrf;
pub mod error;
mod issuer;
mod jwk;
pub mod key_set;
mod keys;
pub mod revocation;
mod revoke;
pub mod session;
mod sessions;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod types;
pub mod verify;

pub use crate::algorithm::Algorithm;
pub use crate::claims::{Claims, FromVerifiedToken, Header, JsonObject, Subject, VerifiedToken};
pub use crate::clock::{Clock, FixedClock, SystemClock};
pub use crate::config::{AuthJwtConfig, AuthJwtConfigBuilder, Settings};
pub use crate::create::{Access, Audience, ExpiresTime, Refresh, TokenBuilder};
pub use crate::error::{
    AuthJwtError, ConfigError, CreateTokenError, CsrfError, DecodeError, ErrorCode, InvalidHeader,
    MissingToken, StoreFailure,
};
pub use crate::key_set::Key;
pub use crate::revocation::{RevocationError, RevocationStore, RevokeError};
pub use crate::session::{MemorySessionStore, SessionStore};
pub use crate::sessions::{SessionError, SessionTokens};
pub use crate::types::{HttpMethod, SameSite, TokenLocation, TokenType};
pub use crate::verify::Requirement;
