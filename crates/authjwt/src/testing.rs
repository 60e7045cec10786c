//! Tokens for testing handlers (the `testing` feature): valid, expired, of the wrong type,
//! not fresh, revoked, or made of exactly the claims and header a test needs, signed with the
//! configuration's own key.
//!
//! ```
//! use authjwt::{AuthJwtConfig, AuthJwtError, DecodeError, Requirement};
//! use authjwt::revocation::MemoryStore;
//! use authjwt::testing::{TestTokens, fixed_clock};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = AuthJwtConfig::builder()
//!     .secret_key("a-random-secret-of-at-least-32-bytes")
//!     .denylist_enabled(true)
//!     .revocation_store(MemoryStore::new())
//!     .clock(fixed_clock(1_700_000_000))
//!     .build()?;
//! let tokens = TestTokens::new(&config);
//!
//! let expired = tokens.expired_access("alice")?;
//! let err = config.verify(&expired, Requirement::Access).await.unwrap_err();
//! assert_eq!(err, AuthJwtError::Decode(DecodeError::ExpiredSignature));
//!
//! let revoked = tokens.revoked_access("alice").await?;
//! let err = config.verify(&revoked, Requirement::Access).await.unwrap_err();
//! assert_eq!(err, AuthJwtError::RevokedToken);
//!
//! let not_fresh = tokens.access("alice")?;
//! let err = config.verify(&not_fresh, Requirement::FreshAccess).await.unwrap_err();
//! assert_eq!(err, AuthJwtError::FreshTokenRequired);
//!
//! let refresh = tokens.refresh("alice")?; // the wrong type where an access token is required
//! let err = config.verify(&refresh, Requirement::Access).await.unwrap_err();
//! assert_eq!(err, AuthJwtError::AccessTokenRequired);
//!
//! // Exactly these claims, no more: a token without `type`, say.
//! let odd = tokens.with_claims(&serde_json::json!({ "sub": "alice", "jti": "1" }))?;
//! let err = config.verify(&odd, Requirement::Access).await.unwrap_err();
//! assert_eq!(err.message(), r#"Token is missing the "type" claim"#);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::claims::Subject;
use crate::clock::FixedClock;
use crate::codec;
use crate::config::AuthJwtConfig;
use crate::create::ExpiresTime;
use crate::error::CreateTokenError;
use crate::revocation::RevokeError;

/// A [`FixedClock`] at `seconds` since the epoch, ready for
/// [`AuthJwtConfigBuilder::clock`](crate::AuthJwtConfigBuilder::clock); keep a clone to move it.
#[must_use]
pub fn fixed_clock(seconds: i64) -> Arc<FixedClock> {
    Arc::new(FixedClock::new(seconds))
}

/// Why a test token could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum TestTokenError {
    /// Creating or signing the token failed.
    Create(CreateTokenError),
    /// Revoking it failed (the denylist is off or does not check its type, say).
    Revoke(RevokeError),
}

impl fmt::Display for TestTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Create(err) => err.fmt(f),
            Self::Revoke(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for TestTokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Create(err) => Some(err),
            Self::Revoke(err) => Some(err),
        }
    }
}

impl From<CreateTokenError> for TestTokenError {
    fn from(err: CreateTokenError) -> Self {
        Self::Create(err)
    }
}

impl From<RevokeError> for TestTokenError {
    fn from(err: RevokeError) -> Self {
        Self::Revoke(err)
    }
}

/// Makes test tokens with a configuration's keys, clock and settings.
#[derive(Debug, Clone)]
pub struct TestTokens {
    config: AuthJwtConfig,
}

impl TestTokens {
    /// Tokens for `config`.
    #[must_use]
    pub fn new(config: &AuthJwtConfig) -> Self {
        Self {
            config: config.clone(),
        }
    }

    /// A valid, non-fresh access token.
    ///
    /// # Errors
    ///
    /// [`TestTokenError::Create`] when the configuration cannot sign.
    pub fn access(&self, subject: impl Into<Subject>) -> Result<String, TestTokenError> {
        Ok(self.config.create_access_token(subject)?)
    }

    /// A valid, fresh access token.
    ///
    /// # Errors
    ///
    /// As for [`access`](Self::access).
    pub fn fresh_access(&self, subject: impl Into<Subject>) -> Result<String, TestTokenError> {
        Ok(self.config.access_token(subject).fresh(true).encode()?)
    }

    /// A valid refresh token.
    ///
    /// # Errors
    ///
    /// As for [`access`](Self::access).
    pub fn refresh(&self, subject: impl Into<Subject>) -> Result<String, TestTokenError> {
        Ok(self.config.create_refresh_token(subject)?)
    }

    /// An access token that expired a second beyond the leeway.
    ///
    /// # Errors
    ///
    /// As for [`access`](Self::access).
    pub fn expired_access(&self, subject: impl Into<Subject>) -> Result<String, TestTokenError> {
        Ok(self
            .config
            .access_token(subject)
            .expires(self.expired())
            .encode()?)
    }

    /// A refresh token that expired a second beyond the leeway.
    ///
    /// # Errors
    ///
    /// As for [`access`](Self::access).
    pub fn expired_refresh(&self, subject: impl Into<Subject>) -> Result<String, TestTokenError> {
        Ok(self
            .config
            .refresh_token(subject)
            .expires(self.expired())
            .encode()?)
    }

    /// A valid access token, revoked through the configuration's store.
    ///
    /// # Errors
    ///
    /// As for [`access`](Self::access); [`TestTokenError::Revoke`] when it cannot be revoked.
    pub async fn revoked_access(
        &self,
        subject: impl Into<Subject>,
    ) -> Result<String, TestTokenError> {
        let token = self.access(subject)?;
        self.config.revoke_token(&token).await?;
        Ok(token)
    }

    /// A valid refresh token, revoked through the configuration's store.
    ///
    /// # Errors
    ///
    /// As for [`revoked_access`](Self::revoked_access).
    pub async fn revoked_refresh(
        &self,
        subject: impl Into<Subject>,
    ) -> Result<String, TestTokenError> {
        let token = self.refresh(subject)?;
        self.config.revoke_token(&token).await?;
        Ok(token)
    }

    /// A token with exactly these claims (nothing added: no `iat`, `jti` or `type` unless
    /// given) under the standard header `{"typ":"JWT","alg":...}` (with the signing key's
    /// `kid` under a key set).
    ///
    /// # Errors
    ///
    /// [`CreateTokenError::InvalidClaims`] when `claims` do not serialize; as for
    /// [`access`](Self::access) otherwise.
    pub fn with_claims(&self, claims: &impl Serialize) -> Result<String, TestTokenError> {
        let payload = serde_json::to_string(claims)
            .map_err(|err| CreateTokenError::InvalidClaims(err.to_string()))?;
        let signer = self.config.signer(None)?;
        let mut header = format!(r#"{{"typ":"JWT","alg":"{}""#, signer.algorithm());
        if let Some(kid) = signer.kid() {
            header.push_str(&format!(r#","kid":{}"#, serde_json::Value::from(kid)));
        }
        header.push('}');
        self.with_parts(&header, &payload)
    }

    /// A token over exactly this header and payload text, each base64url-encoded, signed with
    /// the signing key (the configured algorithm's, or the key set's) whatever the header says: for header cases
    /// (`kid`, `crit`, another `alg`) and payload text a serializer would not write.
    ///
    /// # Errors
    ///
    /// As for [`access`](Self::access).
    pub fn with_parts(
        &self,
        header_json: &str,
        payload_json: &str,
    ) -> Result<String, TestTokenError> {
        self.with_segments(
            &codec::b64_encode(header_json.as_bytes()),
            &codec::b64_encode(payload_json.as_bytes()),
        )
    }

    /// A token over exactly these two segments (malformed ones included), with a valid
    /// signature for the signing key (the configured algorithm's, or the key set's).
    ///
    /// # Errors
    ///
    /// As for [`access`](Self::access).
    pub fn with_segments(
        &self,
        header_segment: &str,
        payload_segment: &str,
    ) -> Result<String, TestTokenError> {
        let signer = self.config.signer(None)?;
        let signing_input = format!("{header_segment}.{payload_segment}");
        let signature = signer
            .sign(signing_input.as_bytes())
            .ok_or(CreateTokenError::Crypto)?;
        Ok(format!("{signing_input}.{}", codec::b64_encode(&signature)))
    }

    /// `exp` one second before the oldest one the pipeline still accepts.
    fn expired(&self) -> ExpiresTime {
        ExpiresTime::Seconds(-self.config.leeway_secs().saturating_add(1))
    }
}
