//! Failures as responses: the status and `{"detail": message}`, as every fastapi-jwt-auth
//! application's exception handler answers; [`ErrorResponses`](crate::ErrorResponses)
//! reshapes them.

use std::fmt;
use std::sync::Arc;

use authjwt::{AuthJwtError, CreateTokenError, ErrorCode, RevokeError, SessionError, StoreFailure};
use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};

/// An authentication failure or a token-creation failure, ready to become a response.
///
/// Protect functions return [`AuthJwtError`]; `?` turns it (and [`CreateTokenError`],
/// [`RevokeError`]) into this type, so handlers can return `Result<_, AuthJwtRejection>`. The
/// guards and [`RequireJwtLayer`](crate::RequireJwtLayer) reject with it.
///
/// * [`AuthJwtError`] answers its [HTTP status](AuthJwtError::http_status) with
///   `{"detail": "<message>"}`; a revocation store that failed is logged once, at `warn`
///   level, with its cause.
/// * [`CreateTokenError`] is the application's bug, not the client's: 500 with
///   `{"detail": "Internal Server Error"}`, and the cause logged at `error` level.
/// * [`RevokeError`]: a token that cannot be revoked answers as the [`AuthJwtError`] it
///   carries; a store that fails, as [`AuthJwtError::RevocationUnavailable`] (503 `Token
///   revocation check unavailable`); a revocation the configuration makes pointless (the
///   denylist off, or not checking the token's type), 500 as above, since the application
///   asked for something its configuration cannot do.
///
/// The response's extensions carry the failure as an [`AuthFailure`] (and an
/// [`AuthJwtError`] for authentication failures), so a layer can reshape any of them: see
/// [`ErrorResponses`](crate::ErrorResponses).
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthJwtRejection {
    /// An authentication failure.
    Auth(AuthJwtError),
    /// A token could not be created.
    CreateToken(CreateTokenError),
    /// A token could not be revoked because the configuration would never check it revoked
    /// ([`RevokeError::DenylistDisabled`], [`RevokeError::TypeNotChecked`]); the other
    /// revocation failures convert to [`Auth`](Self::Auth).
    Revoke(RevokeError),
    /// A session operation while sessions are off ([`SessionError::Disabled`]): the
    /// application's bug, 500. The other session failures convert to [`Auth`](Self::Auth)
    /// and [`CreateToken`](Self::CreateToken).
    Session(SessionError),
}

impl AuthJwtRejection {
    /// The failure's machine-readable code.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Auth(err) => err.code(),
            Self::CreateToken(err) => err.code(),
            Self::Revoke(err) => err.code(),
            Self::Session(err) => err.code(),
        }
    }

    /// The status the original's style answers.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Auth(err) | Self::Revoke(RevokeError::Token(err)) => {
                StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::UNAUTHORIZED)
            }
            Self::Revoke(RevokeError::Store(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Self::CreateToken(_) | Self::Revoke(_) | Self::Session(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// What the client is told: the original's message for an authentication failure, the
    /// fixed `Internal Server Error` or `Token revocation check unavailable` for the
    /// application's and the store's failures, whose causes stay in the log.
    #[must_use]
    pub fn client_message(&self) -> String {
        match self {
            Self::Auth(err) | Self::Revoke(RevokeError::Token(err)) => err.message(),
            Self::Revoke(RevokeError::Store(_)) => "Token revocation check unavailable".to_owned(),
            Self::CreateToken(_) | Self::Revoke(_) | Self::Session(_) => {
                "Internal Server Error".to_owned()
            }
        }
    }

    fn log(&self) {
        match self {
            Self::Auth(AuthJwtError::RevocationUnavailable(failure)) => {
                tracing::warn!(error = %failure.cause(), "authjwt: the revocation store failed");
            }
            Self::Auth(_) | Self::Revoke(RevokeError::Token(_)) => {}
            Self::CreateToken(err) => {
                tracing::error!(error = %err, "authjwt could not create a token");
            }
            Self::Revoke(RevokeError::Store(err)) => {
                tracing::warn!(error = %err, "authjwt could not revoke a token");
            }
            Self::Revoke(err) => tracing::error!(error = %err, "authjwt could not revoke a token"),
            Self::Session(err) => tracing::error!(error = %err, "authjwt could not use sessions"),
        }
    }
}

impl fmt::Display for AuthJwtRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auth(err) => err.fmt(f),
            Self::CreateToken(err) => err.fmt(f),
            Self::Revoke(err) => err.fmt(f),
            Self::Session(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for AuthJwtRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Auth(err) => Some(err),
            Self::CreateToken(err) => Some(err),
            Self::Revoke(err) => Some(err),
            Self::Session(err) => Some(err),
        }
    }
}

impl From<AuthJwtError> for AuthJwtRejection {
    fn from(err: AuthJwtError) -> Self {
        Self::Auth(err)
    }
}

impl From<CreateTokenError> for AuthJwtRejection {
    fn from(err: CreateTokenError) -> Self {
        Self::CreateToken(err)
    }
}

impl From<RevokeError> for AuthJwtRejection {
    fn from(err: RevokeError) -> Self {
        match err {
            RevokeError::Token(err) => Self::Auth(err),
            RevokeError::Store(cause) => Self::Auth(AuthJwtError::RevocationUnavailable(
                StoreFailure::new(cause),
            )),
            err => Self::Revoke(err),
        }
    }
}

impl From<SessionError> for AuthJwtRejection {
    fn from(err: SessionError) -> Self {
        match err {
            SessionError::Token(err) => Self::Auth(err),
            SessionError::Store(cause) => Self::Auth(AuthJwtError::RevocationUnavailable(
                StoreFailure::new(cause),
            )),
            SessionError::CreateToken(err) => Self::CreateToken(err),
            err => Self::Session(err),
        }
    }
}

/// A failure as a response's extensions carry it: cheap to clone, for layers that reshape
/// error responses and for [`ErrorResponses::custom`](crate::ErrorResponses::custom).
#[derive(Debug, Clone)]
pub struct AuthFailure {
    rejection: Arc<AuthJwtRejection>,
}

impl AuthFailure {
    /// The failure itself, to match on its precise cause.
    #[must_use]
    pub fn rejection(&self) -> &AuthJwtRejection {
        &self.rejection
    }

    /// See [`AuthJwtRejection::code`].
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        self.rejection.code()
    }

    /// See [`AuthJwtRejection::status`].
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.rejection.status()
    }

    /// See [`AuthJwtRejection::client_message`].
    #[must_use]
    pub fn client_message(&self) -> String {
        self.rejection.client_message()
    }
}

/// The response body the original's handlers give: `{"detail": "<message>"}`.
#[must_use]
pub fn detail_body(message: &str) -> String {
    serde_json::json!({ "detail": message }).to_string()
}

pub(crate) fn json_response(
    status: StatusCode,
    content_type: &'static str,
    body: String,
) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

impl IntoResponse for AuthJwtRejection {
    fn into_response(self) -> Response {
        self.log();
        let mut response = json_response(
            self.status(),
            "application/json",
            detail_body(&self.client_message()),
        );
        if let Self::Auth(err) = &self {
            response.extensions_mut().insert(err.clone());
        }
        response.extensions_mut().insert(AuthFailure {
            rejection: Arc::new(self),
        });
        response
    }
}
