//! Authentication failures: the original's exception classes, with their status codes and
//! messages.
//!
//! Every failure a request can cause is one [`AuthJwtError`]. Its variants are
//! fastapi-jwt-auth's exception classes; the nested enums say which check failed, so an
//! application can match on a precise cause (for instance [`DecodeError::ExpiredSignature`])
//! while [`AuthJwtError::status_code`] and [`AuthJwtError::message`] give exactly what the
//! original answered.
//!
//! A configuration refused at start-up is a [`ConfigError`].

use std::fmt;
use std::sync::Arc;

use crate::algorithm::Algorithm;

/// The largest `jti` or `csrf` claim accepted, in bytes.
pub const MAX_ID_CLAIM_LEN: usize = 256;

/// An authentication failure.
///
/// The variants are fastapi-jwt-auth's exception classes, plus
/// [`AuthJwtError::RevocationUnavailable`] for a revocation store that cannot answer.
///
/// ```
/// use authjwt::{AuthJwtError, DecodeError};
///
/// let err = AuthJwtError::Decode(DecodeError::ExpiredSignature);
/// assert_eq!(err.status_code(), 422);
/// assert_eq!(err.message(), "Signature has expired");
/// assert_eq!(err.exception_name(), "JWTDecodeError");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthJwtError {
    /// `InvalidHeaderError` (422): a malformed `Authorization` header, or a token whose
    /// structure or JOSE header cannot be read.
    InvalidHeader(InvalidHeader),
    /// `JWTDecodeError` (422): the token was read but failed verification.
    Decode(DecodeError),
    /// `CSRFError` (401): the double-submit value is missing or wrong.
    Csrf(CsrfError),
    /// `MissingTokenError` (401, or 1008 for a WebSocket token missing from the query).
    MissingToken(MissingToken),
    /// `RevokedTokenError` (401): the revocation store lists the token's `jti`.
    RevokedToken,
    /// `AccessTokenRequired` (422): a non-access token where an access token is required.
    AccessTokenRequired,
    /// `RefreshTokenRequired` (422): a non-refresh token where a refresh token is required.
    RefreshTokenRequired,
    /// `FreshTokenRequired` (401): the access token is not fresh.
    FreshTokenRequired,
    /// (new) `Missing required scope: {scopes}` (403): the token's scope claim lacks scopes
    /// the route requires, the missing ones listed space-separated.
    InsufficientScope {
        /// The required scopes the token lacks.
        missing: Vec<String>,
    },
    /// A refresh token presented again after it was used up (401, sessions only): its whole
    /// session is revoked.
    RefreshTokenReused,
    /// The revocation store could not answer (503). authjwt fails closed: a token whose
    /// revocation status is unknown is refused. The store's error is the
    /// [`source`](std::error::Error::source), for logs; the client is told no more.
    RevocationUnavailable(StoreFailure),
}

impl AuthJwtError {
    /// The original's `status_code`: the HTTP status, except `1008` (WebSocket policy
    /// violation) for [`MissingToken::WebSocket`], as fastapi-jwt-auth reports it in its JSON.
    /// For a response use [`http_status`](Self::http_status); to close a WebSocket,
    /// [`websocket_close_code`](Self::websocket_close_code).
    #[must_use]
    pub fn status_code(&self) -> u16 {
        match self {
            Self::InvalidHeader(_)
            | Self::Decode(_)
            | Self::AccessTokenRequired
            | Self::RefreshTokenRequired => 422,
            Self::Csrf(_)
            | Self::RevokedToken
            | Self::FreshTokenRequired
            | Self::RefreshTokenReused => 401,
            Self::InsufficientScope { .. } => 403,
            Self::MissingToken(MissingToken::WebSocket { .. }) => 1008,
            Self::MissingToken(_) => 401,
            Self::RevocationUnavailable(_) => 503,
        }
    }

    /// The HTTP status of the original's answer: [`status_code`](Self::status_code) with the
    /// WebSocket-only 1008 as its HTTP twin, 401.
    ///
    /// ```
    /// use authjwt::{AuthJwtError, MissingToken};
    ///
    /// let err = AuthJwtError::MissingToken(MissingToken::WebSocket { refresh: false });
    /// assert_eq!((err.status_code(), err.http_status(), err.websocket_close_code()), (1008, 401, 1008));
    /// ```
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MissingToken(MissingToken::WebSocket { .. }) => 401,
            _ => self.status_code(),
        }
    }

    /// The code to close a WebSocket with (RFC 6455 §7.4.1): 1008 (policy violation) for
    /// every authentication failure, 1013 (try again later) when the revocation store could
    /// not answer.
    #[must_use]
    pub fn websocket_close_code(&self) -> u16 {
        match self {
            Self::RevocationUnavailable(_) => 1013,
            _ => 1008,
        }
    }

    /// The stable, machine-readable code of this failure.
    ///
    /// ```
    /// use authjwt::{AuthJwtError, DecodeError, ErrorCode};
    ///
    /// let err = AuthJwtError::Decode(DecodeError::ExpiredSignature);
    /// assert_eq!(err.code(), ErrorCode::TokenExpired);
    /// assert_eq!(err.code().as_str(), "token_expired");
    /// ```
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidHeader(inner) => inner.code(),
            Self::Decode(inner) => inner.code(),
            Self::Csrf(CsrfError::Missing) => ErrorCode::CsrfMissing,
            Self::Csrf(CsrfError::Mismatch) => ErrorCode::CsrfMismatch,
            Self::MissingToken(_) => ErrorCode::TokenMissing,
            Self::RevokedToken => ErrorCode::TokenRevoked,
            Self::AccessTokenRequired => ErrorCode::AccessTokenRequired,
            Self::RefreshTokenRequired => ErrorCode::RefreshTokenRequired,
            Self::FreshTokenRequired => ErrorCode::FreshTokenRequired,
            Self::InsufficientScope { .. } => ErrorCode::InsufficientScope,
            Self::RefreshTokenReused => ErrorCode::RefreshTokenReused,
            Self::RevocationUnavailable(_) => ErrorCode::RevocationUnavailable,
        }
    }

    /// The message, exactly as fastapi-jwt-auth words it (the `detail` of the response).
    #[must_use]
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The name of the original exception class this error corresponds to.
    #[must_use]
    pub fn exception_name(&self) -> &'static str {
        match self {
            Self::InvalidHeader(_) => "InvalidHeaderError",
            Self::Decode(_) => "JWTDecodeError",
            Self::Csrf(_) => "CSRFError",
            Self::MissingToken(_) => "MissingTokenError",
            Self::RevokedToken => "RevokedTokenError",
            Self::AccessTokenRequired => "AccessTokenRequired",
            Self::RefreshTokenRequired => "RefreshTokenRequired",
            Self::FreshTokenRequired => "FreshTokenRequired",
            Self::InsufficientScope { .. } => "InsufficientScope",
            Self::RefreshTokenReused => "RefreshTokenReuseDetected",
            Self::RevocationUnavailable(_) => "RevocationUnavailable",
        }
    }
}

impl fmt::Display for AuthJwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidHeader(inner) => inner.fmt(f),
            Self::Decode(inner) => inner.fmt(f),
            Self::Csrf(inner) => inner.fmt(f),
            Self::MissingToken(inner) => inner.fmt(f),
            Self::RevokedToken => f.write_str("Token has been revoked"),
            Self::AccessTokenRequired => f.write_str("Only access tokens are allowed"),
            Self::RefreshTokenRequired => f.write_str("Only refresh tokens are allowed"),
            Self::FreshTokenRequired => f.write_str("Fresh token required"),
            Self::InsufficientScope { missing } => {
                write!(f, "Missing required scope: {}", missing.join(" "))
            }
            Self::RefreshTokenReused => f.write_str("Refresh token reuse detected"),
            Self::RevocationUnavailable(_) => f.write_str("Token revocation check unavailable"),
        }
    }
}

impl std::error::Error for AuthJwtError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::RevocationUnavailable(failure) => Some(failure.cause()),
            _ => None,
        }
    }
}

/// Why a revocation store could not answer or record.
#[derive(Debug)]
#[non_exhaustive]
pub enum RevocationError {
    /// The store is unreachable or failed.
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    /// The store did not answer in time.
    Timeout,
    /// The store only answers queries; it cannot record revocations.
    ReadOnly,
    /// The store is full and refuses to evict live entries.
    CapacityExceeded,
}

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(source) => write!(f, "the revocation store is unavailable: {source}"),
            Self::Timeout => f.write_str("the revocation store did not answer in time"),
            Self::ReadOnly => f.write_str("the revocation store cannot record revocations"),
            Self::CapacityExceeded => f.write_str("the revocation store is full"),
        }
    }
}

impl std::error::Error for RevocationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unavailable(source) => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// The cause of [`AuthJwtError::RevocationUnavailable`]: the store's error, shared so the
/// error stays cheap to clone.
///
/// Two failures compare equal whatever their causes: the cause is for the logs, and the
/// answer is the same.
///
/// ```
/// use std::error::Error as _;
/// use authjwt::{AuthJwtError, RevocationError, StoreFailure};
///
/// let err = AuthJwtError::RevocationUnavailable(StoreFailure::new(RevocationError::Timeout));
/// assert_eq!(err.message(), "Token revocation check unavailable");
/// assert_eq!(err.source().map(ToString::to_string).as_deref(), Some("the revocation store did not answer in time"));
/// assert_eq!(err, AuthJwtError::RevocationUnavailable(StoreFailure::new(RevocationError::ReadOnly)));
/// ```
#[derive(Debug, Clone)]
pub struct StoreFailure(Arc<RevocationError>);

impl StoreFailure {
    /// A failure caused by `cause`.
    #[must_use]
    pub fn new(cause: RevocationError) -> Self {
        Self(Arc::new(cause))
    }

    /// The store's error.
    #[must_use]
    pub fn cause(&self) -> &RevocationError {
        &self.0
    }
}

impl PartialEq for StoreFailure {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for StoreFailure {}

impl From<RevocationError> for StoreFailure {
    fn from(cause: RevocationError) -> Self {
        Self::new(cause)
    }
}

impl From<InvalidHeader> for AuthJwtError {
    fn from(inner: InvalidHeader) -> Self {
        Self::InvalidHeader(inner)
    }
}

impl From<DecodeError> for AuthJwtError {
    fn from(inner: DecodeError) -> Self {
        Self::Decode(inner)
    }
}

impl From<CsrfError> for AuthJwtError {
    fn from(inner: CsrfError) -> Self {
        Self::Csrf(inner)
    }
}

impl From<MissingToken> for AuthJwtError {
    fn from(inner: MissingToken) -> Self {
        Self::MissingToken(inner)
    }
}

/// A failure's stable, machine-readable code: what [`AuthJwtError::code`],
/// [`CreateTokenError::code`] and [`RevokeError::code`](crate::RevokeError::code) return.
///
/// Unlike the error enums it is exhaustive on purpose, so an application can map every code
/// without a catch-all arm and the compiler tells it when a release adds one. The
/// [`as_str`](Self::as_str) spellings never change.
///
/// ```
/// use authjwt::ErrorCode;
///
/// fn public_message(code: ErrorCode) -> &'static str {
///     match code {
///         ErrorCode::TokenExpired => "Your session has expired",
///         ErrorCode::TokenMissing => "Please log in",
///         ErrorCode::RevocationUnavailable | ErrorCode::TokenCreationFailed
///         | ErrorCode::RevocationRefused => "Try again later",
///         ErrorCode::InvalidAuthorizationHeader | ErrorCode::MalformedToken
///         | ErrorCode::TokenTooLarge | ErrorCode::InvalidCookieValue
///         | ErrorCode::AlgorithmNotAllowed | ErrorCode::InvalidSignature | ErrorCode::UnknownKey
///         | ErrorCode::InvalidClaim | ErrorCode::MissingClaim | ErrorCode::TokenNotYetValid
///         | ErrorCode::InvalidIssuer | ErrorCode::InvalidAudience | ErrorCode::CsrfMissing
///         | ErrorCode::CsrfMismatch | ErrorCode::TokenRevoked
///         | ErrorCode::AccessTokenRequired | ErrorCode::RefreshTokenRequired
///         | ErrorCode::FreshTokenRequired | ErrorCode::InsufficientScope
///         | ErrorCode::InvalidTokenParameter | ErrorCode::RefreshTokenReused => "Not allowed",
///     }
/// }
/// assert_eq!(public_message(ErrorCode::TokenExpired), "Your session has expired");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `invalid_authorization_header`: the token header is not `<type> <token>`, or is repeated.
    InvalidAuthorizationHeader,
    /// `malformed_token`: not a compact JWS: segments, base64url, JSON or header parameters.
    MalformedToken,
    /// `token_too_large`: longer than `max_token_size`.
    TokenTooLarge,
    /// `invalid_cookie_value`: a value unfit for a cookie was given to a cookie helper.
    InvalidCookieValue,
    /// `algorithm_not_allowed`: the token's `alg` is not an allowed, configured algorithm.
    AlgorithmNotAllowed,
    /// `invalid_signature`.
    InvalidSignature,
    /// `invalid_claim`: a claim of the wrong type, or claims that do not fit the
    /// application's claims type.
    InvalidClaim,
    /// `missing_claim`: a claim that is required here is absent.
    MissingClaim,
    /// `token_not_yet_valid`: `nbf` is in the future.
    TokenNotYetValid,
    /// `token_expired`: `exp` has passed.
    TokenExpired,
    /// `invalid_issuer`.
    InvalidIssuer,
    /// `invalid_audience`.
    InvalidAudience,
    /// `csrf_missing`: the double-submit value was not sent.
    CsrfMissing,
    /// `csrf_mismatch`: the double-submit value is wrong.
    CsrfMismatch,
    /// `token_missing`: no token where one is required.
    TokenMissing,
    /// `token_revoked`.
    TokenRevoked,
    /// `access_token_required`: another kind of token where an access token is required.
    AccessTokenRequired,
    /// `refresh_token_required`: another kind of token where a refresh token is required.
    RefreshTokenRequired,
    /// `fresh_token_required`.
    FreshTokenRequired,
    /// `insufficient_scope`: the token lacks a scope the route requires.
    InsufficientScope,
    /// `invalid_token_parameter`: the query parameter or JSON member holding the token is
    /// repeated or not a string.
    InvalidTokenParameter,
    /// `refresh_token_reused`: a used-up refresh token was presented again; its session is
    /// revoked.
    RefreshTokenReused,
    /// `revocation_unavailable`: the revocation store could not answer.
    RevocationUnavailable,
    /// `revocation_refused`: the configuration would never check the token revoked.
    RevocationRefused,
    /// `token_creation_failed`: the application could not create a token.
    TokenCreationFailed,
    /// `unknown_key`: under a key set, the token's `kid` names no key, or the token has no
    /// `kid` and no key accepts tokens without one.
    UnknownKey,
}

impl ErrorCode {
    /// The code as written in responses and logs: lower-case words joined by `_`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidAuthorizationHeader => "invalid_authorization_header",
            Self::MalformedToken => "malformed_token",
            Self::TokenTooLarge => "token_too_large",
            Self::InvalidCookieValue => "invalid_cookie_value",
            Self::AlgorithmNotAllowed => "algorithm_not_allowed",
            Self::InvalidSignature => "invalid_signature",
            Self::InvalidClaim => "invalid_claim",
            Self::MissingClaim => "missing_claim",
            Self::TokenNotYetValid => "token_not_yet_valid",
            Self::TokenExpired => "token_expired",
            Self::InvalidIssuer => "invalid_issuer",
            Self::InvalidAudience => "invalid_audience",
            Self::CsrfMissing => "csrf_missing",
            Self::CsrfMismatch => "csrf_mismatch",
            Self::TokenMissing => "token_missing",
            Self::TokenRevoked => "token_revoked",
            Self::AccessTokenRequired => "access_token_required",
            Self::RefreshTokenRequired => "refresh_token_required",
            Self::FreshTokenRequired => "fresh_token_required",
            Self::InsufficientScope => "insufficient_scope",
            Self::InvalidTokenParameter => "invalid_token_parameter",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::RevocationUnavailable => "revocation_unavailable",
            Self::RevocationRefused => "revocation_refused",
            Self::TokenCreationFailed => "token_creation_failed",
            Self::UnknownKey => "unknown_key",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a header value or a token's structure was refused (`InvalidHeaderError`, 422).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidHeader {
    /// `Bad {header_name} header. Expected value '{header_type} <JWT>'` (or
    /// `'<JWT>'` when no header type is configured).
    BadHeaderValue {
        /// The configured header name (`Authorization` by default).
        header_name: String,
        /// The configured header type (`Bearer` by default), if any.
        header_type: Option<String>,
    },
    /// `Not enough segments`: the token is not `header.payload.signature`.
    NotEnoughSegments,
    /// `Invalid header padding`: the header segment is not strict base64url.
    InvalidHeaderPadding,
    /// `Invalid header string: {detail}`: the header is not a UTF-8 JSON object.
    InvalidHeaderString(String),
    /// `Invalid payload padding`: the payload segment is not strict base64url.
    InvalidPayloadPadding,
    /// `Invalid crypto padding`: the signature segment is not strict base64url.
    InvalidCryptoPadding,
    /// `Key ID header parameter must be a string`.
    KidNotString,
    /// `Token is larger than {limit} bytes`: refused before any decoding.
    TokenTooLarge {
        /// The configured limit (`max_token_size`).
        limit: usize,
    },
    /// `Unsupported header parameter: {name}`: `crit`, `b64`, an encrypted (JWE) token's
    /// `enc` or `zip`, or a nested token's `cty`.
    UnsupportedParameter(&'static str),
    /// `Cookie values may only hold base64url characters and dots`: a token or CSRF value
    /// given to a cookie helper would change the cookie's attributes or make the browser drop
    /// it.
    InvalidCookieValue,
    /// `Bad {name} query parameter`: the token parameter is given more than once, or is not
    /// valid percent-encoded UTF-8.
    BadQueryParameter {
        /// The configured parameter name.
        name: String,
    },
    /// `Bad {key} in the JSON body. Expected a string`: the member is there but is not a
    /// string.
    BadJsonMember {
        /// The configured member name.
        key: String,
    },
}

impl InvalidHeader {
    fn code(&self) -> ErrorCode {
        match self {
            Self::BadHeaderValue { .. } => ErrorCode::InvalidAuthorizationHeader,
            Self::TokenTooLarge { .. } => ErrorCode::TokenTooLarge,
            Self::InvalidCookieValue => ErrorCode::InvalidCookieValue,
            Self::BadQueryParameter { .. } | Self::BadJsonMember { .. } => {
                ErrorCode::InvalidTokenParameter
            }
            Self::NotEnoughSegments
            | Self::InvalidHeaderPadding
            | Self::InvalidHeaderString(_)
            | Self::InvalidPayloadPadding
            | Self::InvalidCryptoPadding
            | Self::KidNotString
            | Self::UnsupportedParameter(_) => ErrorCode::MalformedToken,
        }
    }
}

impl fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadHeaderValue {
                header_name,
                header_type: Some(header_type),
            } => write!(
                f,
                "Bad {header_name} header. Expected value '{header_type} <JWT>'"
            ),
            Self::BadHeaderValue {
                header_name,
                header_type: None,
            } => write!(f, "Bad {header_name} header. Expected value '<JWT>'"),
            Self::NotEnoughSegments => f.write_str("Not enough segments"),
            Self::InvalidHeaderPadding => f.write_str("Invalid header padding"),
            Self::InvalidHeaderString(detail) => write!(f, "Invalid header string: {detail}"),
            Self::InvalidPayloadPadding => f.write_str("Invalid payload padding"),
            Self::InvalidCryptoPadding => f.write_str("Invalid crypto padding"),
            Self::KidNotString => f.write_str("Key ID header parameter must be a string"),
            Self::TokenTooLarge { limit } => write!(f, "Token is larger than {limit} bytes"),
            Self::UnsupportedParameter(name) => write!(f, "Unsupported header parameter: {name}"),
            Self::InvalidCookieValue => {
                f.write_str("Cookie values may only hold base64url characters and dots")
            }
            Self::BadQueryParameter { name } => write!(f, "Bad {name} query parameter"),
            Self::BadJsonMember { key } => {
                write!(f, "Bad {key} in the JSON body. Expected a string")
            }
        }
    }
}

/// Why a readable token failed verification (`JWTDecodeError`, 422).
///
/// The variants are listed in the order the checks run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// `The specified alg value is not allowed`: the header's `alg` is missing, not a string,
    /// or not one of the configured decode algorithms.
    AlgorithmNotAllowed,
    /// `Signature verification failed`.
    InvalidSignature,
    /// `The key ID (kid) names no known key`: under a key set, no key has the token's `kid`.
    UnknownKeyId,
    /// `Token is missing the key ID (kid) header`: under a key set, the token has no `kid`
    /// and no key accepts tokens without one.
    MissingKeyId,
    /// `Invalid payload string: {detail}`: the payload is not a UTF-8 JSON object.
    InvalidPayloadString(String),
    /// `Issued At claim (iat) must be an integer.`
    IatNotInteger,
    /// `Not Before claim (nbf) must be an integer.`
    NbfNotInteger,
    /// `The token is not yet valid (nbf)`.
    ImmatureSignature,
    /// `Expiration Time claim (exp) must be an integer.`
    ExpNotInteger,
    /// `Signature has expired`.
    ExpiredSignature,
    /// `Token is missing the "{claim}" claim`: `iss` or `aud` when one is expected, `type` on
    /// any protected path, `jti` when the revocation store is consulted.
    MissingClaim(&'static str),
    /// `Invalid issuer`.
    InvalidIssuer,
    /// `Invalid audience`.
    InvalidAudience,
    /// `Invalid claim format in token`: `aud` is neither a string nor a list of strings.
    InvalidClaimFormat,
    /// `Subject (sub) must be a string or an integer`.
    InvalidSubject,
    /// `JWT ID (jti) must be a string of at most 256 bytes`.
    InvalidJti,
    /// `CSRF claim (csrf) must be a string of at most 256 bytes`.
    InvalidCsrfClaim,
    /// `Missing claim: csrf`: a CSRF value was submitted but the token carries none.
    MissingCsrfClaim,
    /// `Claims do not fit the expected type at {path}: {detail}` (or without `at {path}` for
    /// the object as a whole): the verified claims cannot be read as the application's claims
    /// type.
    ClaimsMismatch {
        /// Where in the claims, as `field` or `field.inner[0]`; `.` for the object itself
        /// (a missing field, say, which the detail names).
        path: String,
        /// What did not fit.
        detail: String,
    },
}

impl DecodeError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::AlgorithmNotAllowed => ErrorCode::AlgorithmNotAllowed,
            Self::InvalidSignature => ErrorCode::InvalidSignature,
            Self::UnknownKeyId | Self::MissingKeyId => ErrorCode::UnknownKey,
            Self::InvalidPayloadString(_) => ErrorCode::MalformedToken,
            Self::ImmatureSignature => ErrorCode::TokenNotYetValid,
            Self::ExpiredSignature => ErrorCode::TokenExpired,
            Self::MissingClaim(_) | Self::MissingCsrfClaim => ErrorCode::MissingClaim,
            Self::InvalidIssuer => ErrorCode::InvalidIssuer,
            Self::InvalidAudience => ErrorCode::InvalidAudience,
            Self::IatNotInteger
            | Self::NbfNotInteger
            | Self::ExpNotInteger
            | Self::InvalidClaimFormat
            | Self::InvalidSubject
            | Self::InvalidJti
            | Self::InvalidCsrfClaim
            | Self::ClaimsMismatch { .. } => ErrorCode::InvalidClaim,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlgorithmNotAllowed => f.write_str("The specified alg value is not allowed"),
            Self::InvalidSignature => f.write_str("Signature verification failed"),
            Self::UnknownKeyId => f.write_str("The key ID (kid) names no known key"),
            Self::MissingKeyId => f.write_str("Token is missing the key ID (kid) header"),
            Self::InvalidPayloadString(detail) => write!(f, "Invalid payload string: {detail}"),
            Self::IatNotInteger => f.write_str("Issued At claim (iat) must be an integer."),
            Self::NbfNotInteger => f.write_str("Not Before claim (nbf) must be an integer."),
            Self::ImmatureSignature => f.write_str("The token is not yet valid (nbf)"),
            Self::ExpNotInteger => f.write_str("Expiration Time claim (exp) must be an integer."),
            Self::ExpiredSignature => f.write_str("Signature has expired"),
            Self::MissingClaim(claim) => write!(f, "Token is missing the \"{claim}\" claim"),
            Self::InvalidIssuer => f.write_str("Invalid issuer"),
            Self::InvalidAudience => f.write_str("Invalid audience"),
            Self::InvalidClaimFormat => f.write_str("Invalid claim format in token"),
            Self::InvalidSubject => f.write_str("Subject (sub) must be a string or an integer"),
            Self::InvalidJti => write!(
                f,
                "JWT ID (jti) must be a string of at most {MAX_ID_CLAIM_LEN} bytes"
            ),
            Self::InvalidCsrfClaim => write!(
                f,
                "CSRF claim (csrf) must be a string of at most {MAX_ID_CLAIM_LEN} bytes"
            ),
            Self::MissingCsrfClaim => f.write_str("Missing claim: csrf"),
            Self::ClaimsMismatch { path, detail } if path == "." => {
                write!(f, "Claims do not fit the expected type: {detail}")
            }
            Self::ClaimsMismatch { path, detail } => {
                write!(f, "Claims do not fit the expected type at {path}: {detail}")
            }
        }
    }
}

/// Why the CSRF double-submit check failed (`CSRFError`, 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfError {
    /// `Missing CSRF Token`.
    Missing,
    /// `CSRF double submit tokens do not match`.
    Mismatch,
}

impl fmt::Display for CsrfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "Missing CSRF Token",
            Self::Mismatch => "CSRF double submit tokens do not match",
        })
    }
}

/// Where a required token was looked for and not found (`MissingTokenError`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissingToken {
    /// `Missing {header_name} Header` (401).
    Header {
        /// The configured header name.
        header_name: String,
    },
    /// `Missing cookie {cookie_key}` (401).
    Cookie {
        /// The configured cookie name for the required token type.
        cookie_key: String,
    },
    /// `Missing access token from Query or Path` or `Missing refresh token from Query or
    /// Path`, with status 1008 (WebSocket policy violation).
    WebSocket {
        /// Whether the route required a refresh token.
        refresh: bool,
    },
    /// `Missing {name} query parameter` (401).
    Query {
        /// The configured parameter name.
        name: String,
    },
    /// `Missing {key} in the JSON body` (401).
    Json {
        /// The configured member name for the required token type.
        key: String,
    },
}

impl fmt::Display for MissingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header { header_name } => write!(f, "Missing {header_name} Header"),
            Self::Cookie { cookie_key } => write!(f, "Missing cookie {cookie_key}"),
            Self::Query { name } => write!(f, "Missing {name} query parameter"),
            Self::Json { key } => write!(f, "Missing {key} in the JSON body"),
            Self::WebSocket { refresh } => write!(
                f,
                "Missing {} token from Query or Path",
                if *refresh { "refresh" } else { "access" }
            ),
        }
    }
}

/// Why a token could not be created.
///
/// These are programming or configuration errors of the application (the original raised
/// `TypeError`, `ValueError` or `RuntimeError` for them), never caused by a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CreateTokenError {
    /// The algorithm has no signing key: no secret for HS*, no private key of its family for
    /// the asymmetric algorithms, or a secret shorter than the algorithm requires.
    NoSigningKey(crate::Algorithm),
    /// A user claim tried to set a claim the library manages (`sub`, `iat`, `nbf`, `jti`,
    /// `exp`, `iss`, `aud`, `type`, `fresh`, `csrf`).
    ReservedClaim(String),
    /// User claims given as a value that does not serialize to a JSON object.
    InvalidClaims(String),
    /// An extra JOSE header the library refuses to write: `alg` (the signing algorithm
    /// decides it), a non-string `kid`, or one that verification would reject (`crit`, `b64`,
    /// `enc`, `zip`).
    InvalidHeader(String),
    /// The random number generator or the signing primitive failed.
    Crypto,
}

impl fmt::Display for CreateTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSigningKey(algorithm) => {
                write!(f, "no signing key is configured for algorithm {algorithm}")
            }
            Self::ReservedClaim(name) => {
                write!(f, "user claims may not set the reserved claim `{name}`")
            }
            Self::InvalidClaims(reason) => write!(f, "invalid user claims: {reason}"),
            Self::InvalidHeader(reason) => write!(f, "invalid JOSE header: {reason}"),
            Self::Crypto => {
                f.write_str("the random number generator or the signing primitive failed")
            }
        }
    }
}

impl CreateTokenError {
    /// [`ErrorCode::TokenCreationFailed`], whatever the cause: a response never tells the
    /// client more than that.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        ErrorCode::TokenCreationFailed
    }
}

impl std::error::Error for CreateTokenError {}

/// A configuration that failed validation. Each variant names the setting at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A setting's value is refused: one the original rejects (with its message), or one it
    /// accepted and then misbehaved on.
    InvalidValue {
        /// The setting, as `authjwt_<name>`.
        setting: &'static str,
        /// Why it is refused.
        message: String,
    },
    /// A configured algorithm has no key: the original's `RuntimeError`, raised here at
    /// start-up instead of on the first request.
    MissingKey {
        /// `authjwt_secret_key` or `authjwt_public_key`.
        setting: &'static str,
        /// The algorithm that needs it.
        algorithm: Algorithm,
    },
    /// A key cannot be parsed, or is of a family the algorithm cannot use.
    InvalidKey {
        /// `authjwt_private_key` or `authjwt_public_key`.
        setting: &'static str,
        /// Why it is refused.
        message: String,
    },
    /// The HMAC secret is shorter than the hash (RFC 7518 §3.2). Set `allow_weak_secret` to
    /// accept it anyway.
    WeakSecret {
        /// The HMAC algorithm.
        algorithm: Algorithm,
        /// The bytes it needs.
        min_len: usize,
        /// The bytes the secret has.
        len: usize,
    },
    /// `authjwt_denylist_enabled` is on but no revocation store was given.
    MissingRevocationStore,
    /// `authjwt_sessions_enabled` is on but no session store was given.
    MissingSessionStore,
    /// An `AUTHJWT_*` environment variable that names no setting.
    UnknownSetting(String),
}

impl ConfigError {
    /// The setting at fault, as `authjwt_<name>` (or the unknown variable's name).
    #[must_use]
    pub fn setting(&self) -> &str {
        match self {
            Self::InvalidValue { setting, .. }
            | Self::MissingKey { setting, .. }
            | Self::InvalidKey { setting, .. } => setting,
            Self::WeakSecret { .. } => "authjwt_secret_key",
            Self::MissingRevocationStore => "authjwt_denylist_enabled",
            Self::MissingSessionStore => "authjwt_sessions_enabled",
            Self::UnknownSetting(name) => name,
        }
    }

    pub(crate) fn invalid(setting: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidValue {
            setting,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidValue { setting, message } | Self::InvalidKey { setting, message } => {
                write!(f, "{setting}: {message}")
            }
            Self::MissingKey { setting, algorithm } => {
                let kind = if algorithm.is_symmetric() {
                    "symmetric"
                } else {
                    "asymmetric"
                };
                write!(
                    f,
                    "{setting} must be set when using {kind} algorithm {algorithm}"
                )
            }
            Self::WeakSecret {
                algorithm,
                min_len,
                len,
            } => write!(
                f,
                "authjwt_secret_key: {algorithm} needs a secret of at least {min_len} bytes \
                 (RFC 7518 section 3.2), this one has {len}; use a random secret, or set \
                 authjwt_allow_weak_secret to accept it"
            ),
            Self::MissingRevocationStore => f.write_str(
                "authjwt_denylist_enabled: the denylist is enabled but no revocation store \
                 was configured",
            ),
            Self::MissingSessionStore => f.write_str(
                "authjwt_sessions_enabled: sessions are enabled but no session store was \
                 configured",
            ),
            Self::UnknownSetting(name) => write!(f, "{name}: unknown setting"),
        }
    }
}

impl std::error::Error for ConfigError {}
