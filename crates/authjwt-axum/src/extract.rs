//! The `AuthJwt` extractor: the original's `AuthJWT` dependency, with its protect functions,
//! getters, token creation and cookie helpers.

use std::convert::Infallible;
use std::time::Duration;

use authjwt::{
    Access, AuthJwtConfig, AuthJwtError, Claims, CreateTokenError, JsonObject, MissingToken,
    Refresh, Requirement, RevokeError, Subject, TokenBuilder, VerifiedToken,
};
use axum_core::extract::{FromRef, FromRequestParts};
use http::request::Parts;

use crate::cookies::AuthCookies;
use crate::layer::LayerVerified;
use crate::request::{RequestCredentials, optional, verify_cookie, verify_request};

/// The original's `Authorize: AuthJWT = Depends()`, as an axum extractor.
///
/// Extracting it never fails and parses nothing: a handler that takes it but never calls a
/// protect function is not affected by a malformed `Authorization` header. The configuration
/// comes from the router state (`AuthJwtConfig: FromRef<S>`). Each protect function returns
/// the token it verified; behind a [`RequireJwtLayer`](crate::RequireJwtLayer) whose
/// requirement covers it, it returns the layer's token without verifying again.
///
/// ```
/// use axum::{Json, Router, routing::{get, post}};
/// use authjwt_axum::{AuthJwt, AuthJwtConfig, AuthJwtRejection};
/// use serde_json::{Value, json};
///
/// async fn login(auth: AuthJwt) -> Result<Json<Value>, AuthJwtRejection> {
///     let access_token = auth.access_token("alice").fresh(true).encode()?;
///     let refresh_token = auth.create_refresh_token("alice")?;
///     Ok(Json(json!({ "access_token": access_token, "refresh_token": refresh_token })))
/// }
///
/// async fn protected(mut auth: AuthJwt) -> Result<Json<Value>, AuthJwtRejection> {
///     let token = auth.jwt_required().await?;
///     Ok(Json(json!({ "user": token.claims().subject() })))
/// }
///
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .build()?;
/// let app: Router = Router::new()
///     .route("/login", post(login))
///     .route("/protected", get(protected))
///     .with_state(config);
/// # Ok::<(), authjwt_axum::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AuthJwt {
    config: AuthJwtConfig,
    credentials: RequestCredentials,
    layer: Option<LayerVerified>,
    token: Option<VerifiedToken>,
}

impl<S> FromRequestParts<S> for AuthJwt
where
    AuthJwtConfig: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config = AuthJwtConfig::from_ref(state);
        let credentials = RequestCredentials::capture(parts, config.settings());
        Ok(Self {
            config,
            credentials,
            layer: LayerVerified::of(parts).cloned(),
            token: None,
        })
    }
}

impl AuthJwt {
    /// Requires a valid access token, fresh or not (`jwt_required`), and returns it.
    ///
    /// # Errors
    ///
    /// The first failing check, in the original's order.
    pub async fn jwt_required(&mut self) -> Result<VerifiedToken, AuthJwtError> {
        self.protect(Requirement::Access).await
    }

    /// Accepts a request without a token; a token that is present must be a valid access
    /// token (`jwt_optional`). Returns the token, `None` if there was none.
    ///
    /// # Errors
    ///
    /// Any failure but the absence of a token: an invalid, expired or revoked token fails.
    pub async fn jwt_optional(&mut self) -> Result<Option<VerifiedToken>, AuthJwtError> {
        self.token = None;
        let token = match self.layer_token(Requirement::OptionalAccess) {
            Some(token) => token,
            None => optional(
                verify_request(&self.config, &self.credentials, Requirement::OptionalAccess).await,
            )?,
        };
        self.token.clone_from(&token);
        Ok(token)
    }

    /// Requires a valid refresh token (`jwt_refresh_token_required`), and returns it.
    ///
    /// # Errors
    ///
    /// The first failing check, in the original's order.
    pub async fn jwt_refresh_token_required(&mut self) -> Result<VerifiedToken, AuthJwtError> {
        self.protect(Requirement::Refresh).await
    }

    /// Requires a valid, fresh access token (`fresh_jwt_required`), and returns it.
    ///
    /// # Errors
    ///
    /// The first failing check, in the original's order.
    pub async fn fresh_jwt_required(&mut self) -> Result<VerifiedToken, AuthJwtError> {
        self.protect(Requirement::FreshAccess).await
    }

    async fn protect(&mut self, requirement: Requirement) -> Result<VerifiedToken, AuthJwtError> {
        self.token = None;
        let token = match self.layer_token(requirement) {
            Some(Some(token)) => token,
            // Only an optional layer records no token, and it covers no required check.
            Some(None) | None => {
                verify_request(&self.config, &self.credentials, requirement).await?
            }
        };
        self.token = Some(token.clone());
        Ok(token)
    }

    fn layer_token(&self, requirement: Requirement) -> Option<Option<VerifiedToken>> {
        self.layer.as_ref()?.covering(requirement)
    }

    /// The protect functions for a WebSocket (`auth_from="websocket"`): the token comes from
    /// the query or path, or from the handshake's cookies with the CSRF value passed
    /// explicitly.
    pub fn websocket<'a>(&'a mut self, source: WebSocketAuth<'a>) -> WebSocketGuard<'a> {
        WebSocketGuard { auth: self, source }
    }

    /// The verified token, after a protect function succeeded with one.
    #[must_use]
    pub fn token(&self) -> Option<&VerifiedToken> {
        self.token.as_ref()
    }

    /// The claims of the verified token (`get_raw_jwt()`); `None` without one.
    #[must_use]
    pub fn get_raw_jwt(&self) -> Option<&Claims> {
        self.token.as_ref().map(VerifiedToken::claims)
    }

    /// The verified token's `sub` (`get_jwt_subject()`); `None` without a token.
    #[must_use]
    pub fn get_jwt_subject(&self) -> Option<&Subject> {
        self.get_raw_jwt().and_then(Claims::subject)
    }

    /// The verified token's `jti`; `None` without a token.
    #[must_use]
    pub fn get_jti(&self) -> Option<&str> {
        self.get_raw_jwt().and_then(Claims::jti)
    }

    /// The verified token's JOSE header (`get_unverified_jwt_headers()`); `None` without a
    /// token.
    #[must_use]
    pub fn get_unverified_jwt_headers(&self) -> Option<&JsonObject> {
        self.token.as_ref().map(|token| token.header().as_map())
    }

    /// Verifies any token as the original's getters do (`get_raw_jwt(token)`,
    /// `get_jti(token)`): no issuer, revocation or type check.
    ///
    /// # Errors
    ///
    /// See [`AuthJwtConfig::decode`].
    pub fn decode_token(&self, token: &str) -> Result<VerifiedToken, AuthJwtError> {
        self.config.decode(token)
    }

    /// Any token's JOSE header, unverified (`get_unverified_jwt_headers(token)`).
    ///
    /// # Errors
    ///
    /// See [`AuthJwtConfig::unverified_header`].
    pub fn unverified_jwt_headers_of(&self, token: &str) -> Result<JsonObject, AuthJwtError> {
        self.config.unverified_header(token)
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &AuthJwtConfig {
        &self.config
    }

    /// Starts an access token (`create_access_token` with options).
    pub fn access_token(&self, subject: impl Into<Subject>) -> TokenBuilder<'_, Access> {
        self.config.access_token(subject)
    }

    /// Starts a refresh token (`create_refresh_token` with options).
    pub fn refresh_token(&self, subject: impl Into<Subject>) -> TokenBuilder<'_, Refresh> {
        self.config.refresh_token(subject)
    }

    /// A non-fresh access token with the default options (`create_access_token`).
    ///
    /// # Errors
    ///
    /// See [`TokenBuilder::encode`].
    pub fn create_access_token(
        &self,
        subject: impl Into<Subject>,
    ) -> Result<String, CreateTokenError> {
        self.config.create_access_token(subject)
    }

    /// A refresh token with the default options (`create_refresh_token`).
    ///
    /// # Errors
    ///
    /// See [`TokenBuilder::encode`].
    pub fn create_refresh_token(
        &self,
        subject: impl Into<Subject>,
    ) -> Result<String, CreateTokenError> {
        self.config.create_refresh_token(subject)
    }

    /// `set_access_cookies`; see [`AuthCookies::access`].
    ///
    /// # Errors
    ///
    /// See [`AuthCookies::access`].
    pub fn set_access_cookies(
        &self,
        token: &str,
        max_age: Option<Duration>,
    ) -> Result<AuthCookies, AuthJwtError> {
        AuthCookies::access(&self.config, token, max_age)
    }

    /// `set_refresh_cookies`; see [`AuthCookies::refresh`].
    ///
    /// # Errors
    ///
    /// See [`AuthCookies::refresh`].
    pub fn set_refresh_cookies(
        &self,
        token: &str,
        max_age: Option<Duration>,
    ) -> Result<AuthCookies, AuthJwtError> {
        AuthCookies::refresh(&self.config, token, max_age)
    }

    /// `unset_jwt_cookies`; see [`AuthCookies::unset_all`].
    pub fn unset_jwt_cookies(&self) -> AuthCookies {
        AuthCookies::unset_all(&self.config)
    }

    /// `unset_access_cookies`; see [`AuthCookies::unset_access`].
    pub fn unset_access_cookies(&self) -> AuthCookies {
        AuthCookies::unset_access(&self.config)
    }

    /// `unset_refresh_cookies`; see [`AuthCookies::unset_refresh`].
    pub fn unset_refresh_cookies(&self) -> AuthCookies {
        AuthCookies::unset_refresh(&self.config)
    }

    /// Revokes the verified token until it expires.
    ///
    /// # Errors
    ///
    /// [`RevokeError::Token`] with [`AuthJwtError::MissingToken`] when no protect function
    /// verified a token; otherwise see [`AuthJwtConfig::revoke`].
    pub async fn revoke(&self) -> Result<(), RevokeError> {
        let claims = self.get_raw_jwt().ok_or_else(|| self.missing_token())?;
        self.config.revoke(claims).await
    }

    /// Verifies and revokes any token.
    ///
    /// # Errors
    ///
    /// See [`AuthJwtConfig::revoke_token`].
    pub async fn revoke_token(&self, token: &str) -> Result<(), RevokeError> {
        self.config.revoke_token(token).await
    }

    /// Revokes a `jti` until `expires_at` (seconds since the epoch), or for good.
    ///
    /// # Errors
    ///
    /// See [`AuthJwtConfig::revoke_jti`].
    pub async fn revoke_jti(&self, jti: &str, expires_at: Option<i64>) -> Result<(), RevokeError> {
        self.config.revoke_jti(jti, expires_at).await
    }

    /// Logs a session out: revokes the verified token (the refresh token of a
    /// `jwt_refresh_token_required` route), then the access token presented with it, given
    /// explicitly or else found in the request's access cookie. An access token that has
    /// already expired needs no revocation and is skipped.
    ///
    /// The verified token is revoked first, whatever the access token is: a malformed access
    /// cookie planted in the browser cannot keep the refresh token alive.
    ///
    /// # Errors
    ///
    /// As for [`revoke`](Self::revoke), for the verified token (then nothing is revoked);
    /// afterwards, an access token that is invalid for another reason than expiry fails with
    /// [`RevokeError::Token`] and its verification error, the verified token being revoked
    /// already.
    pub async fn revoke_with_access(&self, access_token: Option<&str>) -> Result<(), RevokeError> {
        self.revoke().await?;
        let access_token = access_token.or_else(|| {
            self.credentials
                .cookie(&self.config.settings().access_cookie_key)
        });
        match access_token.map(|token| self.config.decode(token)) {
            None | Some(Err(AuthJwtError::Decode(authjwt::DecodeError::ExpiredSignature))) => {
                Ok(())
            }
            Some(Err(err)) => Err(RevokeError::Token(err)),
            Some(Ok(access)) => self.config.revoke(access.claims()).await,
        }
    }

    /// What `jwt_required` says when no token was sent.
    fn missing_token(&self) -> AuthJwtError {
        let settings = self.config.settings();
        if settings.has_location(authjwt::TokenLocation::Headers) {
            MissingToken::Header {
                header_name: settings.header_name.clone(),
            }
        } else {
            MissingToken::Cookie {
                cookie_key: settings.access_cookie_key.clone(),
            }
        }
        .into()
    }
}

/// Where a WebSocket's token comes from.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum WebSocketAuth<'a> {
    /// The token itself, taken from the query or the path; empty means missing.
    Token(&'a str),
    /// The handshake's cookies, with the double-submit value taken from the query or the
    /// path (browsers cannot add headers to a WebSocket handshake). CSRF is always checked
    /// when protection is on, whatever `authjwt_csrf_methods` says, and `authjwt_token_location`
    /// is not consulted.
    Cookie {
        /// The CSRF value; empty means missing.
        csrf_token: &'a str,
    },
}

/// The protect functions for a WebSocket; see [`AuthJwt::websocket`].
///
/// ```
/// use axum::{Router, extract::{Query, WebSocketUpgrade, ws::Message}, response::Response, routing::any};
/// use authjwt_axum::{AuthJwt, AuthJwtConfig, WebSocketAuth};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct TokenQuery {
///     #[serde(default)]
///     token: String,
/// }
///
/// async fn ws(upgrade: WebSocketUpgrade, mut auth: AuthJwt, Query(query): Query<TokenQuery>) -> Response {
///     let outcome = auth.websocket(WebSocketAuth::Token(&query.token)).jwt_required().await;
///     let reply = match outcome {
///         Ok(token) => format!("hello {}", token.claims().subject().map(ToString::to_string).unwrap_or_default()),
///         Err(err) => err.message(),
///     };
///     upgrade.on_upgrade(move |mut socket| async move {
///         let _ = socket.send(Message::text(reply)).await;
///     })
/// }
/// # let _: Router = Router::new().route("/ws", any(ws)).with_state(
/// #     AuthJwtConfig::builder().secret_key("a-random-secret-of-at-least-32-bytes").build().unwrap());
/// ```
#[derive(Debug)]
pub struct WebSocketGuard<'a> {
    auth: &'a mut AuthJwt,
    source: WebSocketAuth<'a>,
}

impl WebSocketGuard<'_> {
    /// `jwt_required(auth_from="websocket", ...)`: returns the verified token.
    ///
    /// # Errors
    ///
    /// A missing token is `Missing access token from Query or Path` with status 1008 in
    /// token mode, `Missing cookie ...` (401) in cookie mode; then the original's checks.
    pub async fn jwt_required(self) -> Result<VerifiedToken, AuthJwtError> {
        self.protect(Requirement::Access).await
    }

    /// `jwt_optional(auth_from="websocket", ...)`: returns the verified token, `None` without
    /// one.
    ///
    /// # Errors
    ///
    /// Any failure but the absence of a token.
    pub async fn jwt_optional(self) -> Result<Option<VerifiedToken>, AuthJwtError> {
        self.auth.token = None;
        let token = optional(self.verify(Requirement::OptionalAccess).await)?;
        self.auth.token.clone_from(&token);
        Ok(token)
    }

    /// `jwt_refresh_token_required(auth_from="websocket", ...)`: returns the verified token.
    ///
    /// # Errors
    ///
    /// As for [`jwt_required`](Self::jwt_required), with "refresh" in the 1008 message.
    pub async fn jwt_refresh_token_required(self) -> Result<VerifiedToken, AuthJwtError> {
        self.protect(Requirement::Refresh).await
    }

    /// `fresh_jwt_required(auth_from="websocket", ...)`: returns the verified token.
    ///
    /// # Errors
    ///
    /// As for [`jwt_required`](Self::jwt_required).
    pub async fn fresh_jwt_required(self) -> Result<VerifiedToken, AuthJwtError> {
        self.protect(Requirement::FreshAccess).await
    }

    async fn protect(self, requirement: Requirement) -> Result<VerifiedToken, AuthJwtError> {
        self.auth.token = None;
        let verified = self.verify(requirement).await?;
        self.auth.token = Some(verified.clone());
        Ok(verified)
    }

    async fn verify(&self, requirement: Requirement) -> Result<VerifiedToken, AuthJwtError> {
        let auth = &*self.auth;
        match self.source {
            WebSocketAuth::Token("") => Err(MissingToken::WebSocket {
                refresh: requirement == Requirement::Refresh,
            }
            .into()),
            WebSocketAuth::Token(token) => auth.config.verify(token, requirement).await,
            WebSocketAuth::Cookie { csrf_token } => {
                verify_cookie(
                    &auth.config,
                    &auth.credentials,
                    Some(csrf_token.as_bytes()),
                    true,
                    requirement,
                )
                .await
            }
        }
    }
}
