//! Failures as responses: the status and `{"detail": message}`, as every fastapi-jwt-auth
//! application's exception handler answers.

use std::fmt;

use authjwt::{AuthJwtError, CreateTokenError, RevokeError};
use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};

/// An authentication failure or a token-creation failure, ready to become a response.
///
/// Protect functions return [`AuthJwtError`]; `?` turns it (and [`CreateTokenError`]) into
/// this type, so handlers can return `Result<_, AuthJwtRejection>`. The guards reject with
/// it.
///
/// * [`AuthJwtError`] answers its [status](AuthJwtError::status_code) with
///   `{"detail": "<message>"}`. The WebSocket-only 1008 becomes 401, its HTTP twin.
/// * [`CreateTokenError`] is the application's bug, not the client's: 500 with
///   `{"detail": "Internal Server Error"}`, and the cause logged at `error` level.
/// * [`RevokeError`]: a token that cannot be revoked answers as the [`AuthJwtError`] it
///   carries; a store that fails, 503 `Token revocation check unavailable` (the cause logged
///   at `warn` level); a revocation the configuration makes pointless (the denylist off, or
///   not checking the token's type), 500 as above, since the application asked for
///   something its configuration cannot do.
///
/// The error itself is put in the response's extensions, so a middleware can reshape any
/// authentication failure: see the crate documentation ("Shaping error responses").
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthJwtRejection {
    /// An authentication failure.
    Auth(AuthJwtError),
    /// A token could not be created.
    CreateToken(CreateTokenError),
    /// A token could not be revoked.
    Revoke(RevokeError),
}

impl fmt::Display for AuthJwtRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auth(err) => err.fmt(f),
            Self::CreateToken(err) => err.fmt(f),
            Self::Revoke(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for AuthJwtRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Auth(err) => Some(err),
            Self::CreateToken(err) => Some(err),
            Self::Revoke(err) => Some(err),
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
            err => Self::Revoke(err),
        }
    }
}

/// The response body the original's handlers give: `{"detail": "<message>"}`.
#[must_use]
pub fn detail_body(message: &str) -> String {
    serde_json::json!({ "detail": message }).to_string()
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn internal_server_error() -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        detail_body("Internal Server Error"),
    )
}

fn auth_error_response(err: AuthJwtError) -> Response {
    let status = StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut response = json_response(status, detail_body(&err.message()));
    response.extensions_mut().insert(err);
    response
}

impl IntoResponse for AuthJwtRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Auth(err) | Self::Revoke(RevokeError::Token(err)) => auth_error_response(err),
            Self::CreateToken(err) => {
                tracing::error!(error = %err, "authjwt could not create a token");
                internal_server_error()
            }
            Self::Revoke(RevokeError::Store(err)) => {
                tracing::warn!(error = %err, "authjwt could not revoke a token");
                auth_error_response(AuthJwtError::RevocationUnavailable)
            }
            Self::Revoke(err) => {
                tracing::error!(error = %err, "authjwt could not revoke a token");
                internal_server_error()
            }
        }
    }
}
