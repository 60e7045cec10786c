//! Error responses chosen by configuration: the original's, RFC 6750's, RFC 9457's, or
//! your own.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use authjwt::ErrorCode;
use axum_core::response::Response;
use http::header::WWW_AUTHENTICATE;
use http::{HeaderValue, Request, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::rejection::{AuthFailure, detail_body, json_response};

/// Which statuses failures answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ErrorStatuses {
    /// The original's: 422 for invalid tokens, 401 for missing ones, CSRF failures, revoked
    /// and non-fresh tokens.
    #[default]
    Original,
    /// RFC 6750 §3: 401 with `WWW-Authenticate: Bearer error="invalid_token",
    /// error_description="..."` for invalid, expired or revoked tokens; 401 with a bare
    /// `WWW-Authenticate: Bearer` for a missing one; 400 `invalid_request` for a malformed
    /// request (a bad `Authorization` value); 403 `insufficient_scope` where the token lacks
    /// the rights (not fresh). CSRF failures are 403 without the header: the token was fine,
    /// the request forged.
    Rfc6750,
}

/// Which body failures answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ErrorBody {
    /// The original's `{"detail": "<message>"}`, `application/json`.
    #[default]
    Detail,
    /// RFC 9457 `application/problem+json`: `{"type": "about:blank", "title": <the status's
    /// reason phrase>, "status", "detail": <message>, "code": <the machine-readable code>}`.
    ProblemJson,
}

/// How failures are answered.
#[derive(Clone)]
enum Responder {
    Builtin {
        statuses: ErrorStatuses,
        body: ErrorBody,
    },
    Custom(Arc<dyn Fn(&AuthFailure) -> Response + Send + Sync>),
}

/// A layer that reshapes every authjwt failure below it (guards, the extractor's `?`,
/// [`RequireJwtLayer`](crate::RequireJwtLayer), token creation and revocation failures) and
/// leaves every other response alone.
///
/// Without it, failures answer as the original: status and `{"detail": ...}`.
///
/// ```
/// use axum::{Json, Router, response::IntoResponse, routing::get, http::StatusCode};
/// use authjwt_axum::{AuthJwtConfig, ErrorBody, ErrorResponses, ErrorStatuses, JwtRequired};
/// use serde_json::json;
///
/// async fn protected(_: JwtRequired) -> &'static str {
///     "ok"
/// }
///
/// let config = AuthJwtConfig::builder().secret_key("a-random-secret-of-at-least-32-bytes").build()?;
///
/// // RFC 6750 statuses and headers, RFC 9457 bodies.
/// let standard: Router = Router::new()
///     .route("/protected", get(protected))
///     .layer(ErrorResponses::new().statuses(ErrorStatuses::Rfc6750).body(ErrorBody::ProblemJson))
///     .with_state(config.clone());
///
/// // Or your own shape: 401 `{"error", "message"}` for every authentication failure.
/// let custom: Router = Router::new()
///     .route("/protected", get(protected))
///     .layer(ErrorResponses::custom(|failure| {
///         let status = if failure.status().is_server_error() { failure.status() } else { StatusCode::UNAUTHORIZED };
///         (status, Json(json!({ "error": failure.code().as_str(), "message": failure.client_message() }))).into_response()
///     }))
///     .with_state(config);
/// # Ok::<(), authjwt_axum::ConfigError>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct ErrorResponses {
    responder: Responder,
}

impl fmt::Debug for ErrorResponses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.responder {
            Responder::Builtin { statuses, body } => f
                .debug_struct("ErrorResponses")
                .field("statuses", statuses)
                .field("body", body)
                .finish(),
            Responder::Custom(_) => f.write_str("ErrorResponses::Custom"),
        }
    }
}

impl Default for ErrorResponses {
    fn default() -> Self {
        Self::new()
    }
}

impl ErrorResponses {
    /// The original's statuses and body; change them with [`statuses`](Self::statuses) and
    /// [`body`](Self::body).
    pub fn new() -> Self {
        Self::builtin(ErrorStatuses::Original, ErrorBody::Detail)
    }

    /// Answers with `statuses` (replacing a [`custom`](Self::custom) responder).
    pub fn statuses(self, statuses: ErrorStatuses) -> Self {
        let body = match self.responder {
            Responder::Builtin { body, .. } => body,
            Responder::Custom(_) => ErrorBody::Detail,
        };
        Self::builtin(statuses, body)
    }

    /// Answers with `body` (replacing a [`custom`](Self::custom) responder).
    pub fn body(self, body: ErrorBody) -> Self {
        let statuses = match self.responder {
            Responder::Builtin { statuses, .. } => statuses,
            Responder::Custom(_) => ErrorStatuses::Original,
        };
        Self::builtin(statuses, body)
    }

    /// Answers every failure with `respond`'s response.
    pub fn custom(respond: impl Fn(&AuthFailure) -> Response + Send + Sync + 'static) -> Self {
        Self {
            responder: Responder::Custom(Arc::new(respond)),
        }
    }

    fn builtin(statuses: ErrorStatuses, body: ErrorBody) -> Self {
        Self {
            responder: Responder::Builtin { statuses, body },
        }
    }

    /// The response for `failure`.
    fn respond(&self, failure: &AuthFailure) -> Response {
        let (statuses, body) = match &self.responder {
            Responder::Custom(respond) => return respond(failure),
            Responder::Builtin { statuses, body } => (*statuses, *body),
        };
        let (status, challenge) = match statuses {
            ErrorStatuses::Original => (failure.status(), None),
            ErrorStatuses::Rfc6750 => rfc6750(failure),
        };
        let message = failure.client_message();
        let mut response = match body {
            ErrorBody::Detail => json_response(status, "application/json", detail_body(&message)),
            ErrorBody::ProblemJson => json_response(
                status,
                "application/problem+json",
                serde_json::json!({
                    "type": "about:blank",
                    "title": status.canonical_reason().unwrap_or_default(),
                    "status": status.as_u16(),
                    "detail": message,
                    "code": failure.code().as_str(),
                })
                .to_string(),
            ),
        };
        if let Some(challenge) = challenge {
            response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        }
        response.extensions_mut().insert(failure.clone());
        response
    }
}

/// RFC 6750 §3.1's status and `WWW-Authenticate` challenge for a failure.
fn rfc6750(failure: &AuthFailure) -> (StatusCode, Option<HeaderValue>) {
    let challenge = |error: &str| {
        let description = failure.client_message();
        HeaderValue::try_from(format!(
            r#"Bearer error="{error}", error_description="{}""#,
            error_description(&description)
        ))
        .ok()
    };
    match failure.code() {
        ErrorCode::TokenMissing => (
            StatusCode::UNAUTHORIZED,
            Some(HeaderValue::from_static("Bearer")),
        ),
        ErrorCode::InvalidAuthorizationHeader
        | ErrorCode::InvalidCookieValue
        | ErrorCode::InvalidTokenParameter => {
            (StatusCode::BAD_REQUEST, challenge("invalid_request"))
        }
        ErrorCode::MalformedToken
        | ErrorCode::TokenTooLarge
        | ErrorCode::AlgorithmNotAllowed
        | ErrorCode::InvalidSignature
        | ErrorCode::UnknownKey
        | ErrorCode::InvalidClaim
        | ErrorCode::MissingClaim
        | ErrorCode::TokenNotYetValid
        | ErrorCode::TokenExpired
        | ErrorCode::InvalidIssuer
        | ErrorCode::InvalidAudience
        | ErrorCode::TokenRevoked
        | ErrorCode::AccessTokenRequired
        | ErrorCode::RefreshTokenRequired
        | ErrorCode::RefreshTokenReused => (StatusCode::UNAUTHORIZED, challenge("invalid_token")),
        ErrorCode::FreshTokenRequired => (StatusCode::FORBIDDEN, challenge("insufficient_scope")),
        ErrorCode::InsufficientScope => (StatusCode::FORBIDDEN, scope_challenge(failure)),
        ErrorCode::CsrfMissing | ErrorCode::CsrfMismatch => (StatusCode::FORBIDDEN, None),
        ErrorCode::RevocationUnavailable
        | ErrorCode::RevocationRefused
        | ErrorCode::TokenCreationFailed => (failure.status(), None),
    }
}

/// `insufficient_scope` with the `scope` attribute naming what is missing (RFC 6750 §3).
fn scope_challenge(failure: &AuthFailure) -> Option<HeaderValue> {
    let missing = match failure.rejection() {
        crate::AuthJwtRejection::Auth(authjwt::AuthJwtError::InsufficientScope { missing }) => {
            missing.join(" ")
        }
        _ => String::new(),
    };
    HeaderValue::try_from(format!(
        r#"Bearer error="insufficient_scope", error_description="{}", scope="{}""#,
        error_description(&failure.client_message()),
        error_description(&missing)
    ))
    .ok()
}

/// RFC 6750 §3 allows only `%x20-21 / %x23-5B / %x5D-7E` in `error_description`: no `"` and
/// no `\`, even escaped. Messages quote claim names (`"iss"`): those become `'`.
fn error_description(message: &str) -> String {
    message
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

impl<S> Layer<S> for ErrorResponses {
    type Service = ErrorResponsesService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ErrorResponsesService {
            inner,
            responses: self.clone(),
        }
    }
}

/// The service [`ErrorResponses`] wraps around the routes below it.
#[derive(Debug, Clone)]
pub struct ErrorResponsesService<S> {
    inner: S,
    responses: ErrorResponses,
}

impl<S, B> Service<Request<B>> for ErrorResponsesService<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ErrorResponsesFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        ErrorResponsesFuture {
            inner: Box::pin(self.inner.call(request)),
            responses: self.responses.clone(),
        }
    }
}

/// The future of [`ErrorResponsesService`].
pub struct ErrorResponsesFuture<F> {
    inner: Pin<Box<F>>,
    responses: ErrorResponses,
}

impl<F> fmt::Debug for ErrorResponsesFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorResponsesFuture")
    }
}

impl<F> Future for ErrorResponsesFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Ok(response) = ready!(self.inner.as_mut().poll(cx));
        let reshaped = match response.extensions().get::<AuthFailure>() {
            Some(failure) => self.responses.respond(failure),
            None => response,
        };
        Poll::Ready(Ok(reshaped))
    }
}
