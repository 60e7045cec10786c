//! Sessions on axum: logging in, refreshing with rotation (headers and cookies), listing,
//! revoking one session, logging out everywhere. Each helper that needs a token verifies it
//! first, with the protect function its operation calls for.

use authjwt::session::SessionInfo;
use authjwt::{JsonObject, SessionTokens, Subject, TokenLocation};

use crate::cookies::AuthCookies;
use crate::extract::AuthJwt;
use crate::rejection::AuthJwtRejection;

/// A session's new tokens, and the cookies that carry them when cookies are a token
/// location (the access and refresh cookies, each with its CSRF cookie when CSRF protection
/// is on); no cookies otherwise.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuedSession {
    /// The tokens, for the response body.
    pub tokens: SessionTokens,
    /// The cookies, to return with the response.
    pub cookies: AuthCookies,
}

impl AuthJwt {
    /// Logs `subject` in: starts a session with `metadata` (a user agent, say) and returns
    /// its fresh access token and refresh token, with their cookies.
    ///
    /// ```
    /// use axum::{Json, Router, routing::post};
    /// use authjwt_axum::{AuthJwt, AuthJwtConfig, AuthJwtRejection, AuthCookies, MemorySessionStore};
    /// use serde_json::{Value, json};
    ///
    /// async fn login(auth: AuthJwt) -> Result<(AuthCookies, Json<Value>), AuthJwtRejection> {
    ///     let session = auth.start_session("alice", serde_json::Map::new()).await?;
    ///     let body = json!({
    ///         "access_token": session.tokens.access_token,
    ///         "refresh_token": session.tokens.refresh_token,
    ///     });
    ///     Ok((session.cookies, Json(body)))
    /// }
    ///
    /// async fn refresh(mut auth: AuthJwt) -> Result<(AuthCookies, Json<Value>), AuthJwtRejection> {
    ///     let session = auth.rotate_session().await?;
    ///     let body = json!({
    ///         "access_token": session.tokens.access_token,
    ///         "refresh_token": session.tokens.refresh_token,
    ///     });
    ///     Ok((session.cookies, Json(body)))
    /// }
    ///
    /// let config = AuthJwtConfig::builder()
    ///     .secret_key("a-random-secret-of-at-least-32-bytes")
    ///     .sessions_enabled(true)
    ///     .session_store(MemorySessionStore::new())
    ///     .build()?;
    /// let app: Router = Router::new()
    ///     .route("/login", post(login))
    ///     .route("/refresh", post(refresh))
    ///     .with_state(config);
    /// # Ok::<(), authjwt_axum::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// See [`AuthJwtConfig::start_session`](authjwt::AuthJwtConfig::start_session): a store
    /// failure answers 503 `Token revocation check unavailable`, sessions off 500.
    pub async fn start_session(
        &self,
        subject: impl Into<Subject>,
        metadata: JsonObject,
    ) -> Result<IssuedSession, AuthJwtRejection> {
        let tokens = self.config().start_session(subject, metadata).await?;
        self.issued(tokens)
    }

    /// Refreshes with rotation: requires a refresh token (as
    /// [`jwt_refresh_token_required`](Self::jwt_refresh_token_required)), uses it up, and
    /// returns a new access token and the session's next refresh token, with their cookies.
    ///
    /// # Errors
    ///
    /// The protect function's failures; 401 `Refresh token reuse detected` for a refresh
    /// token used before (its session is revoked now); 401 `Token has been revoked` for an
    /// ended session; otherwise see
    /// [`AuthJwtConfig::refresh_session`](authjwt::AuthJwtConfig::refresh_session).
    pub async fn rotate_session(&mut self) -> Result<IssuedSession, AuthJwtRejection> {
        let refresh = self.jwt_refresh_token_required().await?;
        let tokens = self.config().refresh_session(refresh.claims()).await?;
        self.issued(tokens)
    }

    /// Requires an access token (as [`jwt_required`](Self::jwt_required)) and lists its
    /// subject's live sessions, oldest first. [`session_id`](Self::session_id) then names
    /// the caller's own.
    ///
    /// # Errors
    ///
    /// The protect function's failures; a token without `sub` (422); a store failure (503).
    pub async fn list_sessions(&mut self) -> Result<Vec<SessionInfo>, AuthJwtRejection> {
        let access = self.jwt_required().await?;
        let subject = access.claims().require_subject()?;
        Ok(self.config().sessions(subject).await?)
    }

    /// Requires an access token and revokes one of its subject's sessions; `false` when the
    /// subject has no such live session (an unknown `sid`, or another subject's).
    ///
    /// # Errors
    ///
    /// As [`list_sessions`](Self::list_sessions).
    pub async fn revoke_session(&mut self, sid: &str) -> Result<bool, AuthJwtRejection> {
        let access = self.jwt_required().await?;
        let subject = access.claims().require_subject()?;
        Ok(self.config().revoke_session(subject, sid).await?)
    }

    /// Requires an access token and revokes every session of its subject (log out
    /// everywhere); returns how many were live.
    ///
    /// # Errors
    ///
    /// As [`list_sessions`](Self::list_sessions).
    pub async fn revoke_all_sessions(&mut self) -> Result<usize, AuthJwtRejection> {
        let access = self.jwt_required().await?;
        let subject = access.claims().require_subject()?;
        Ok(self.config().revoke_all_sessions(subject).await?)
    }

    /// The `sid` of the token a protect function verified: the caller's session.
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.get_raw_jwt()?.session_id()
    }

    fn issued(&self, tokens: SessionTokens) -> Result<IssuedSession, AuthJwtRejection> {
        let mut cookies = AuthCookies::default();
        if self
            .config()
            .settings()
            .has_location(TokenLocation::Cookies)
        {
            cookies.extend(self.set_access_cookies(&tokens.access_token, None)?);
            cookies.extend(self.set_refresh_cookies(&tokens.refresh_token, None)?);
        }
        Ok(IssuedSession { tokens, cookies })
    }
}
