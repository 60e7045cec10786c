//! A verified token: its JOSE header and its claims, with typed accessors.

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::Algorithm;
use crate::error::{AuthJwtError, DecodeError};
use crate::types::{TokenLocation, TokenType};

/// A JSON object, with members in the order they were written.
pub type JsonObject = Map<String, Value>;

/// A JSON object kept as the text that was verified, parsed into a map only when asked for.
#[derive(Clone)]
struct LazyObject {
    json: String,
    map: OnceLock<JsonObject>,
}

impl LazyObject {
    fn new(json: String) -> Self {
        Self {
            json,
            map: OnceLock::new(),
        }
    }

    /// The text was checked to be one object without repeated names: the fallback is never
    /// taken.
    fn map(&self) -> &JsonObject {
        self.map
            .get_or_init(|| serde_json::from_str(&self.json).unwrap_or_default())
    }
}

/// The `sub` claim: a string or an integer, keeping its JSON type.
///
/// ```
/// use authjwt::Subject;
///
/// assert_eq!(Subject::from("test").to_string(), "test");
/// assert_eq!(Subject::from(42).to_string(), "42");
/// assert_eq!(serde_json::to_string(&Subject::from(42)).unwrap(), "42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Subject {
    /// A string subject (a username, say).
    String(String),
    /// An integer subject (a database id, say).
    Integer(i64),
}

impl Subject {
    /// The subject if it is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) => Some(text),
            Self::Integer(_) => None,
        }
    }

    /// The subject if it is an integer.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::String(_) => None,
            Self::Integer(number) => Some(*number),
        }
    }

    /// The subject as session stores key it: its JSON text, so that the string `"42"` and
    /// the number `42` are two subjects.
    ///
    /// ```
    /// use authjwt::Subject;
    ///
    /// assert_eq!(Subject::from("alice").store_key(), r#""alice""#);
    /// assert_eq!(Subject::from(42).store_key(), "42");
    /// ```
    #[must_use]
    pub fn store_key(&self) -> String {
        match self {
            Self::String(text) => Value::from(text.as_str()).to_string(),
            Self::Integer(number) => number.to_string(),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(text) => f.write_str(text),
            Self::Integer(number) => number.fmt(f),
        }
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::String(text) => serializer.serialize_str(text),
            Self::Integer(number) => serializer.serialize_i64(*number),
        }
    }
}

impl From<&str> for Subject {
    fn from(text: &str) -> Self {
        Self::String(text.to_owned())
    }
}

impl From<String> for Subject {
    fn from(text: String) -> Self {
        Self::String(text)
    }
}

impl From<&String> for Subject {
    fn from(text: &String) -> Self {
        Self::String(text.clone())
    }
}

impl From<i64> for Subject {
    fn from(number: i64) -> Self {
        Self::Integer(number)
    }
}

impl From<i32> for Subject {
    fn from(number: i32) -> Self {
        Self::Integer(number.into())
    }
}

impl From<u32> for Subject {
    fn from(number: u32) -> Self {
        Self::Integer(number.into())
    }
}

/// The `type` claim as found in a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClaimedType {
    Absent,
    Known(TokenType),
    /// Any other value: another string, or not a string at all.
    Other,
}

/// The registered claims, typed once by verification.
#[derive(Debug, Clone)]
pub(crate) struct RegisteredClaims {
    pub(crate) subject: Option<Subject>,
    pub(crate) jti: Option<String>,
    pub(crate) csrf: Option<String>,
    pub(crate) token_type: ClaimedType,
    pub(crate) fresh: bool,
    pub(crate) issued_at: Option<i64>,
    pub(crate) not_before: Option<i64>,
    pub(crate) expires_at: Option<i64>,
    /// `sid`, read with the others so the per-request session check needs no JSON map.
    pub(crate) session_id: ClaimedSessionId,
}

/// The `sid` claim as found in a token: decoding accepts any value, as for any user claim;
/// the session check refuses what is not a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClaimedSessionId {
    Absent,
    Text(String),
    Other,
}

/// The claims of a verified token.
///
/// The registered claims are typed; every claim, user claims included, is available as JSON
/// through [`as_map`](Self::as_map) and [`get`](Self::get). Serializes as the JSON object.
#[derive(Clone)]
pub struct Claims {
    object: LazyObject,
    registered: RegisteredClaims,
}

impl Claims {
    pub(crate) fn new(json: String, registered: RegisteredClaims) -> Self {
        Self {
            object: LazyObject::new(json),
            registered,
        }
    }

    pub(crate) fn registered(&self) -> &RegisteredClaims {
        &self.registered
    }

    /// Every claim, in token order (the original's `get_raw_jwt()`).
    pub fn as_map(&self) -> &JsonObject {
        self.object.map()
    }

    /// One claim by name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_map().get(name)
    }

    /// The payload JSON exactly as it was signed.
    #[must_use]
    pub fn json(&self) -> &str {
        &self.object.json
    }

    /// `sub`, keeping its JSON type (the original's `get_jwt_subject()`).
    #[must_use]
    pub fn subject(&self) -> Option<&Subject> {
        self.registered.subject.as_ref()
    }

    /// `sub`, for code that cannot go on without one (minting a new token for the same
    /// subject, say).
    ///
    /// # Errors
    ///
    /// `Token is missing the "sub" claim` (422) for a token without `sub`.
    pub fn require_subject(&self) -> Result<&Subject, AuthJwtError> {
        self.subject()
            .ok_or(AuthJwtError::Decode(DecodeError::MissingClaim("sub")))
    }

    /// The scopes in claim `claim`: a space-separated string (RFC 8693 `scope`) or an array
    /// of strings; anything else holds none.
    #[must_use]
    pub fn scopes(&self, claim: &str) -> Vec<&str> {
        match self.get(claim) {
            Some(Value::String(text)) => {
                text.split(' ').filter(|scope| !scope.is_empty()).collect()
            }
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Checks that claim `claim` holds every scope of `required`.
    ///
    /// ```
    /// let config = authjwt::AuthJwtConfig::builder()
    ///     .secret_key("a-random-secret-of-at-least-32-bytes")
    ///     .build()?;
    /// let token = config.access_token("alice").claim("scope", "read write").encode()?;
    /// let claims = config.decode(&token)?.into_claims();
    /// assert!(claims.require_scopes("scope", &["write"]).is_ok());
    /// let err = claims.require_scopes("scope", &["admin", "write", "audit"]).unwrap_err();
    /// assert_eq!((err.status_code(), err.message().as_str()), (403, "Missing required scope: admin audit"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`AuthJwtError::InsufficientScope`] (403) naming the missing scopes.
    pub fn require_scopes<S: AsRef<str>>(
        &self,
        claim: &str,
        required: &[S],
    ) -> Result<(), AuthJwtError> {
        let held = self.scopes(claim);
        let missing: Vec<String> = required
            .iter()
            .map(AsRef::as_ref)
            .filter(|scope| !held.contains(scope))
            .map(str::to_owned)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(AuthJwtError::InsufficientScope { missing })
        }
    }

    /// The claims read as the application's type `T`, straight from the verified payload
    /// text. Registered claims are there too (`sub`, `exp`, `type`, ...): declare the ones you
    /// want as fields.
    ///
    /// ```
    /// use serde::Deserialize;
    ///
    /// #[derive(Debug, Deserialize)]
    /// struct MyClaims {
    ///     sub: String,
    ///     role: String,
    /// }
    ///
    /// let config = authjwt::AuthJwtConfig::builder()
    ///     .secret_key("a-random-secret-of-at-least-32-bytes")
    ///     .build()?;
    /// let token = config.access_token("alice").claim("role", "admin").encode()?;
    /// let claims: MyClaims = config.decode(&token)?.claims().deserialize()?;
    /// assert_eq!((claims.sub.as_str(), claims.role.as_str()), ("alice", "admin"));
    ///
    /// let token = config.create_access_token("bob")?;
    /// let err = config.decode(&token)?.claims().deserialize::<MyClaims>().unwrap_err();
    /// assert_eq!(err.status_code(), 422);
    /// assert_eq!(err.message(), "Claims do not fit the expected type: missing field `role`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DecodeError::ClaimsMismatch`] (422), naming where the claims do not fit.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, AuthJwtError> {
        let mut json = serde_json::Deserializer::from_str(self.json());
        serde_path_to_error::deserialize(&mut json).map_err(|err| {
            let path = err.path().to_string();
            let detail = without_position(&err.into_inner());
            AuthJwtError::Decode(DecodeError::ClaimsMismatch { path, detail })
        })
    }

    /// `sid`, the session the token belongs to, when it is a string.
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        match &self.registered.session_id {
            ClaimedSessionId::Text(sid) => Some(sid),
            ClaimedSessionId::Absent | ClaimedSessionId::Other => None,
        }
    }

    /// `jti`, the token's unique id (the original's `get_jti()`).
    #[must_use]
    pub fn jti(&self) -> Option<&str> {
        self.registered.jti.as_deref()
    }

    /// `csrf`, the double-submit value, present when cookies and CSRF protection are on.
    #[must_use]
    pub fn csrf(&self) -> Option<&str> {
        self.registered.csrf.as_deref()
    }

    /// `type`, if it is `access` or `refresh`.
    #[must_use]
    pub fn token_type(&self) -> Option<TokenType> {
        match self.registered.token_type {
            ClaimedType::Known(token_type) => Some(token_type),
            ClaimedType::Absent | ClaimedType::Other => None,
        }
    }

    /// Whether `fresh` is JSON `true`; any other value, or none, is not fresh.
    #[must_use]
    pub fn is_fresh(&self) -> bool {
        self.registered.fresh
    }

    /// `iat`, in seconds since the epoch (fractions truncated).
    #[must_use]
    pub fn issued_at(&self) -> Option<i64> {
        self.registered.issued_at
    }

    /// `nbf`, in seconds since the epoch (fractions truncated).
    #[must_use]
    pub fn not_before(&self) -> Option<i64> {
        self.registered.not_before
    }

    /// `exp`, in seconds since the epoch (fractions truncated); `None` for a token that
    /// never expires.
    #[must_use]
    pub fn expires_at(&self) -> Option<i64> {
        self.registered.expires_at
    }
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("registered", &self.registered)
            .finish_non_exhaustive()
    }
}

impl Serialize for Claims {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_map().serialize(serializer)
    }
}

/// serde_json's message without the ` at line 1 column 42` it appends: the position in a
/// one-line payload tells the client nothing the path does not.
fn without_position(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(end) if err.line() > 0 => message[..end].to_owned(),
        _ => message,
    }
}

/// What a verified token can be read as, for extractors generic over the claims type: the
/// token itself, its [`Claims`], or any type that deserializes from the claims (through
/// [`Claims::deserialize`]).
pub trait FromVerifiedToken: Sized {
    /// Reads `token` as `Self`.
    ///
    /// # Errors
    ///
    /// [`DecodeError::ClaimsMismatch`] (422) when the claims do not fit.
    fn from_verified_token(token: VerifiedToken) -> Result<Self, AuthJwtError>;
}

impl FromVerifiedToken for VerifiedToken {
    fn from_verified_token(token: VerifiedToken) -> Result<Self, AuthJwtError> {
        Ok(token)
    }
}

impl FromVerifiedToken for Claims {
    fn from_verified_token(token: VerifiedToken) -> Result<Self, AuthJwtError> {
        Ok(token.into_claims())
    }
}

impl<T: DeserializeOwned> FromVerifiedToken for T {
    fn from_verified_token(token: VerifiedToken) -> Result<Self, AuthJwtError> {
        token.claims().deserialize()
    }
}

/// The JOSE header of a verified token.
#[derive(Clone)]
pub struct Header {
    object: LazyObject,
    algorithm: Algorithm,
    key_id: Option<String>,
}

impl Header {
    pub(crate) fn new(json: String, algorithm: Algorithm, key_id: Option<String>) -> Self {
        Self {
            object: LazyObject::new(json),
            algorithm,
            key_id,
        }
    }

    /// Every header parameter, in token order (the original's
    /// `get_unverified_jwt_headers()`).
    pub fn as_map(&self) -> &JsonObject {
        self.object.map()
    }

    /// One header parameter by name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_map().get(name)
    }

    /// The algorithm the token was verified with.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// `kid`, if present.
    #[must_use]
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Serialize for Header {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_map().serialize(serializer)
    }
}

/// A token whose signature and claims passed verification.
///
/// Cloning is cheap: clones share one header and one set of claims.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    parts: Arc<TokenParts>,
    location: Option<TokenLocation>,
}

#[derive(Debug)]
struct TokenParts {
    header: Header,
    claims: Claims,
}

impl VerifiedToken {
    pub(crate) fn new(header: Header, claims: Claims) -> Self {
        Self {
            parts: Arc::new(TokenParts { header, claims }),
            location: None,
        }
    }

    /// Where the request carried the token, when an extractor says so (`authjwt-axum`'s
    /// do); `None` for a token verified from a string.
    #[must_use]
    pub fn location(&self) -> Option<TokenLocation> {
        self.location
    }

    /// The token, recorded as found in `location`: for extractors that read tokens from
    /// requests.
    #[must_use]
    pub fn found_in(mut self, location: TokenLocation) -> Self {
        self.location = Some(location);
        self
    }

    /// The JOSE header.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.parts.header
    }

    /// The claims.
    #[must_use]
    pub fn claims(&self) -> &Claims {
        &self.parts.claims
    }

    /// The claims, by value (a copy when clones of this token are still alive).
    #[must_use]
    pub fn into_claims(self) -> Claims {
        Arc::try_unwrap(self.parts)
            .map_or_else(|shared| shared.claims.clone(), |parts| parts.claims)
    }
}
