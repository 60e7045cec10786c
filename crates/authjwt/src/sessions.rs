//! Sessions through the configuration: [`AuthJwtConfig::start_session`] at login,
//! [`AuthJwtConfig::refresh_session`] to rotate the refresh token, and the registry
//! ([`sessions`](AuthJwtConfig::sessions), [`revoke_session`](AuthJwtConfig::revoke_session),
//! [`revoke_all_sessions`](AuthJwtConfig::revoke_all_sessions),
//! [`refuse_tokens_issued_before`](AuthJwtConfig::refuse_tokens_issued_before)).
//!
//! They live here rather than beside the store: they need the configuration, token creation
//! and the pipeline, and those need the store's module.

use std::fmt;
use std::time::Duration;

use crate::claims::{Claims, JsonObject, Subject};
use crate::clock::time_to_live;
use crate::config::AuthJwtConfig;
use crate::create::random_session_id;
use crate::error::{AuthJwtError, CreateTokenError, DecodeError, ErrorCode, RevocationError};
use crate::session::{
    Rotation, SESSION_CLAIM, SessionInfo, SessionRotation, SessionStart, SessionStore,
};
use crate::types::TokenType;

/// A session's tokens: what a login or a refresh hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionTokens {
    /// The session id, the tokens' `sid`.
    pub sid: String,
    /// An access token of the session: fresh after a login, not fresh after a refresh.
    pub access_token: String,
    /// The session's current refresh token; the one presented to refresh is used up.
    pub refresh_token: String,
}

/// Why a session operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError {
    /// `authjwt_sessions_enabled` is off.
    Disabled,
    /// The presented token is refused: [`AuthJwtError::RefreshTokenReused`] for a refresh
    /// token used twice (its session is revoked now), [`AuthJwtError::RevokedToken`] for a
    /// session that ended, a missing `sub`, `jti` or `sid` claim.
    Token(AuthJwtError),
    /// A token could not be created.
    CreateToken(CreateTokenError),
    /// The session store could not answer or record.
    Store(RevocationError),
}

impl SessionError {
    /// The failure's machine-readable code: the token's own for [`Token`](Self::Token),
    /// [`ErrorCode::RevocationRefused`] when sessions are off,
    /// [`ErrorCode::TokenCreationFailed`], or [`ErrorCode::RevocationUnavailable`] for a
    /// store failure.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Disabled => ErrorCode::RevocationRefused,
            Self::Token(err) => err.code(),
            Self::CreateToken(err) => err.code(),
            Self::Store(_) => ErrorCode::RevocationUnavailable,
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disabled => f.write_str("sessions are off: authjwt_sessions_enabled is false"),
            Self::Token(err) => write!(f, "the session's token is refused: {err}"),
            Self::CreateToken(err) => write!(f, "the session's tokens were not created: {err}"),
            Self::Store(err) => write!(f, "the session store failed: {err}"),
        }
    }
}

impl std::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Disabled => None,
            Self::Token(err) => Some(err),
            Self::CreateToken(err) => Some(err),
            Self::Store(err) => Some(err),
        }
    }
}

impl From<AuthJwtError> for SessionError {
    fn from(err: AuthJwtError) -> Self {
        Self::Token(err)
    }
}

impl From<CreateTokenError> for SessionError {
    fn from(err: CreateTokenError) -> Self {
        Self::CreateToken(err)
    }
}

impl AuthJwtConfig {
    /// Starts a session for `subject` (a login): records it with `metadata` (what
    /// [`sessions`](Self::sessions) shows, a user agent say) and returns a fresh access
    /// token and a refresh token, both carrying the new random `sid`.
    ///
    /// ```
    /// use authjwt::{AuthJwtConfig, AuthJwtError, Requirement, session::MemorySessionStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let config = AuthJwtConfig::builder()
    ///     .secret_key("a-random-secret-of-at-least-32-bytes")
    ///     .sessions_enabled(true)
    ///     .session_store(MemorySessionStore::new())
    ///     .build()?;
    /// let login = config.start_session("alice", serde_json::Map::new()).await?;
    ///
    /// let refresh = config.verify(&login.refresh_token, Requirement::Refresh).await?;
    /// let next = config.refresh_session(refresh.claims()).await?;
    /// assert_eq!(next.sid, login.sid);
    ///
    /// // The first refresh token is used up: presenting it again ends the session.
    /// let replayed = config.verify(&login.refresh_token, Requirement::Refresh).await?;
    /// let err = config.refresh_session(replayed.claims()).await.unwrap_err();
    /// assert_eq!(err.to_string(), "the session's token is refused: Refresh token reuse detected");
    /// let err = config.verify(&next.access_token, Requirement::Access).await.unwrap_err();
    /// assert_eq!(err, AuthJwtError::RevokedToken);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SessionError::Disabled`] when sessions are off, [`SessionError::CreateToken`] when
    /// the tokens cannot be signed, [`SessionError::Store`] when the store fails (a full
    /// [`MemorySessionStore`](crate::session::MemorySessionStore) included).
    pub async fn start_session(
        &self,
        subject: impl Into<Subject>,
        metadata: JsonObject,
    ) -> Result<SessionTokens, SessionError> {
        let store = self.enabled_session_store()?;
        let subject = subject.into();
        let sid = random_session_id()?;
        let now = self.clock().now();
        let (refresh_token, refresh_jti) = self
            .refresh_token(subject.clone())
            .session_id(&sid)
            .encode_with_jti()?;
        let access_token = self
            .access_token(subject.clone())
            .session_id(&sid)
            .fresh(true)
            .encode()?;
        let key = subject.store_key();
        let start = SessionStart {
            subject: &key,
            sid: &sid,
            created_at: now,
            refresh_jti: &refresh_jti,
            metadata: &metadata,
        };
        let ttl = self.session_time_to_live(now);
        store
            .start(&start, ttl)
            .await
            .map_err(SessionError::Store)?;
        Ok(SessionTokens {
            sid,
            access_token,
            refresh_token,
        })
    }

    /// Rotates a session's refresh token: `refresh` (the claims of a verified refresh token
    /// of a session) is used up, and the session's next refresh token is returned with a
    /// non-fresh access token. Each refresh token rotates once: presented again, it revokes
    /// its whole session, access and refresh tokens alike.
    ///
    /// # Errors
    ///
    /// [`SessionError::Token`] with [`AuthJwtError::RefreshTokenReused`] (401 `Refresh token
    /// reuse detected`) for a used-up refresh token, [`AuthJwtError::RevokedToken`] for a
    /// session that ended, [`AuthJwtError::RefreshTokenRequired`] for another kind of token,
    /// a missing-claim error for a token without `sub`, `jti` or `sid`; otherwise as
    /// [`start_session`](Self::start_session).
    pub async fn refresh_session(&self, refresh: &Claims) -> Result<SessionTokens, SessionError> {
        let store = self.enabled_session_store()?;
        if refresh.token_type() != Some(TokenType::Refresh) {
            return Err(AuthJwtError::RefreshTokenRequired.into());
        }
        let subject = refresh.require_subject()?;
        let presented_jti = jti_of(refresh)?;
        let sid = refresh
            .session_id()
            .ok_or(AuthJwtError::Decode(DecodeError::MissingClaim(
                SESSION_CLAIM,
            )))?;
        let now = self.clock().now();
        let (refresh_token, next_jti) = self
            .refresh_token(subject.clone())
            .session_id(sid)
            .encode_with_jti()?;
        let key = subject.store_key();
        let rotation = SessionRotation {
            subject: &key,
            sid,
            presented_jti,
            next_jti: &next_jti,
            now,
        };
        let ttl = self.session_time_to_live(now);
        match store.rotate(&rotation, ttl).await {
            Ok(Rotation::Rotated) => {}
            Ok(Rotation::ReuseDetected) => return Err(AuthJwtError::RefreshTokenReused.into()),
            Ok(Rotation::Revoked) => return Err(AuthJwtError::RevokedToken.into()),
            Err(cause) => return Err(SessionError::Store(cause)),
        }
        let access_token = self
            .access_token(subject.clone())
            .session_id(sid)
            .encode()?;
        Ok(SessionTokens {
            sid: sid.to_owned(),
            access_token,
            refresh_token,
        })
    }

    /// The live sessions of `subject`, oldest first.
    ///
    /// # Errors
    ///
    /// [`SessionError::Disabled`] when sessions are off, [`SessionError::Store`] when the
    /// store fails.
    pub async fn sessions(&self, subject: &Subject) -> Result<Vec<SessionInfo>, SessionError> {
        let store = self.enabled_session_store()?;
        store
            .list(&subject.store_key())
            .await
            .map_err(SessionError::Store)
    }

    /// Revokes one session of `subject`: its access and refresh tokens are refused from now
    /// on. Returns `false` when `subject` has no such live session (another subject's
    /// included).
    ///
    /// # Errors
    ///
    /// As [`sessions`](Self::sessions).
    pub async fn revoke_session(&self, subject: &Subject, sid: &str) -> Result<bool, SessionError> {
        let store = self.enabled_session_store()?;
        store
            .revoke(&subject.store_key(), sid)
            .await
            .map_err(SessionError::Store)
    }

    /// Revokes every session of `subject` (log out everywhere); returns how many were live.
    ///
    /// # Errors
    ///
    /// As [`sessions`](Self::sessions).
    pub async fn revoke_all_sessions(&self, subject: &Subject) -> Result<usize, SessionError> {
        let store = self.enabled_session_store()?;
        store
            .revoke_all(&subject.store_key())
            .await
            .map_err(SessionError::Store)
    }

    /// Refuses every token of `subject` issued before `issued_before` (seconds since the
    /// epoch; `iat` is compared), in or out of a session: after a password change, say. The
    /// watermark is kept as long as a token issued just before it could live with the
    /// configured lifetimes (the longer of the access and refresh lifetimes, plus the
    /// leeway), for good when either lifetime is off. Tokens created with a longer
    /// [`expires`](crate::TokenBuilder::expires) outlive it.
    ///
    /// # Errors
    ///
    /// As [`sessions`](Self::sessions).
    pub async fn refuse_tokens_issued_before(
        &self,
        subject: &Subject,
        issued_before: i64,
    ) -> Result<(), SessionError> {
        let store = self.enabled_session_store()?;
        let settings = self.settings();
        let ttl = match (
            settings.access_token_expires,
            settings.refresh_token_expires,
        ) {
            (Some(access), Some(refresh)) => {
                let longest = i64::try_from(access.max(refresh).as_secs()).unwrap_or(i64::MAX);
                let expires_at = issued_before
                    .saturating_add(longest)
                    .saturating_add(self.leeway_secs());
                match time_to_live(expires_at, self.clock().now()) {
                    Some(ttl) => Some(ttl),
                    // Every token issued before it has expired already.
                    None => return Ok(()),
                }
            }
            _ => None,
        };
        store
            .set_watermark(&subject.store_key(), issued_before, ttl)
            .await
            .map_err(SessionError::Store)
    }

    fn enabled_session_store(&self) -> Result<&dyn SessionStore, SessionError> {
        if !self.settings().sessions_enabled {
            return Err(SessionError::Disabled);
        }
        // `build` refuses enabled sessions without a store.
        self.session_store().ok_or(SessionError::Disabled)
    }

    /// A session lives as long as its current refresh token, issued `now`, can pass: its
    /// lifetime plus the leeway; for good when refresh tokens do not expire.
    fn session_time_to_live(&self, now: i64) -> Option<Duration> {
        self.settings().refresh_token_expires.map(|lifetime| {
            let lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
            let expires_at = now
                .saturating_add(lifetime)
                .saturating_add(self.leeway_secs());
            time_to_live(expires_at, now).unwrap_or(Duration::ZERO)
        })
    }
}

fn jti_of(claims: &Claims) -> Result<&str, AuthJwtError> {
    claims
        .jti()
        .ok_or(AuthJwtError::Decode(DecodeError::MissingClaim("jti")))
}
