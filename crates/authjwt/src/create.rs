//! Token creation: `create_access_token` and `create_refresh_token` with every option of the
//! original.
//!
//! Claims are written in the original's order (`sub, iat, nbf, jti, exp, iss, aud, type,
//! fresh, csrf`, then a session's `sid`, then user claims) as compact JSON, under the header
//! `{"typ":"JWT","alg":...}` plus any extra headers. Unlike the original, user claims cannot
//! replace a reserved claim.

use std::marker::PhantomData;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::Algorithm;
use crate::claims::{JsonObject, Subject};
use crate::codec::{self, Scalar};
use crate::config::{AuthJwtConfig, TokenType};
use crate::error::CreateTokenError;
use crate::session::SESSION_CLAIM;

/// The claims the library writes itself; user claims may not set them.
pub const RESERVED_CLAIMS: [&str; 10] = [
    "sub", "iat", "nbf", "jti", "exp", "iss", "aud", "type", "fresh", "csrf",
];

/// How long a token lives (the original's `expires_time`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExpiresTime {
    /// The configured lifetime for the token's type (`authjwt_access_token_expires` or
    /// `authjwt_refresh_token_expires`); no `exp` if that is disabled.
    #[default]
    Default,
    /// No `exp` claim: the token never expires.
    Never,
    /// `exp = now + seconds`. Zero or negative values make a token that is already at or past
    /// its expiry, which tests find useful.
    Seconds(i64),
}

impl From<Duration> for ExpiresTime {
    fn from(lifetime: Duration) -> Self {
        Self::Seconds(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX))
    }
}

/// The `aud` claim to write: one audience (a JSON string) or several (a JSON array).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Audience {
    /// `"aud": "<audience>"`.
    One(String),
    /// `"aud": [...]`.
    Many(Vec<String>),
}

impl Audience {
    /// Like the original, an empty audience writes no `aud` claim.
    fn to_value(&self) -> Option<Value> {
        match self {
            Self::One(audience) if audience.is_empty() => None,
            Self::Many(audiences) if audiences.is_empty() => None,
            Self::One(audience) => Some(Value::from(audience.as_str())),
            Self::Many(audiences) => Some(Value::from(audiences.clone())),
        }
    }
}

impl From<&str> for Audience {
    fn from(audience: &str) -> Self {
        Self::One(audience.to_owned())
    }
}

impl From<String> for Audience {
    fn from(audience: String) -> Self {
        Self::One(audience)
    }
}

impl From<Vec<String>> for Audience {
    fn from(audiences: Vec<String>) -> Self {
        Self::Many(audiences)
    }
}

impl<const N: usize> From<[&str; N]> for Audience {
    fn from(audiences: [&str; N]) -> Self {
        Self::Many(
            audiences
                .iter()
                .map(|audience| (*audience).to_owned())
                .collect(),
        )
    }
}

/// The type of token a [`TokenBuilder`] makes; [`Access`] or [`Refresh`].
pub trait TokenKind: sealed::Sealed {
    /// The `type` claim written.
    const TYPE: TokenType;
}

/// Marks a [`TokenBuilder`] making an access token.
#[derive(Debug, Clone, Copy)]
pub struct Access;

/// Marks a [`TokenBuilder`] making a refresh token.
#[derive(Debug, Clone, Copy)]
pub struct Refresh;

impl TokenKind for Access {
    const TYPE: TokenType = TokenType::Access;
}

impl TokenKind for Refresh {
    const TYPE: TokenType = TokenType::Refresh;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Access {}
    impl Sealed for super::Refresh {}
}

/// Options for one token; finish with [`encode`](Self::encode).
///
/// ```
/// use authjwt::{AuthJwtConfig, ExpiresTime};
///
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .decode_audience(["billing"])
///     .build()?;
/// let token = config
///     .access_token(42)
///     .fresh(true)
///     .expires(ExpiresTime::Seconds(60))
///     .audience("billing")
///     .header("kid", "2024-01")
///     .claim("role", "admin")
///     .encode()?;
///
/// let verified = config.decode(&token)?;
/// let claims = verified.claims();
/// assert_eq!(claims.subject(), Some(&authjwt::Subject::Integer(42)));
/// assert!(claims.is_fresh());
/// assert_eq!(claims.get("role"), Some(&"admin".into()));
/// assert_eq!(verified.header().key_id(), Some("2024-01"));
///
/// let err = config.access_token("alice").claim("type", "refresh").encode().unwrap_err();
/// assert_eq!(err, authjwt::CreateTokenError::ReservedClaim("type".into()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a token builder does nothing until `encode` is called"]
pub struct TokenBuilder<'a, K: TokenKind> {
    config: &'a AuthJwtConfig,
    subject: Subject,
    fresh: bool,
    algorithm: Option<Algorithm>,
    headers: JsonObject,
    expires: ExpiresTime,
    audience: Option<Audience>,
    user_claims: JsonObject,
    session_id: Option<String>,
    /// Set when [`claims`](Self::claims) was given something that is not an object; reported by
    /// `encode`, as setters cannot fail.
    invalid_claims: Option<String>,
    kind: PhantomData<K>,
}

impl AuthJwtConfig {
    /// Starts an access token for `subject`; not fresh unless told.
    pub fn access_token(&self, subject: impl Into<Subject>) -> TokenBuilder<'_, Access> {
        TokenBuilder::new(self, subject.into())
    }

    /// Starts a refresh token for `subject`.
    pub fn refresh_token(&self, subject: impl Into<Subject>) -> TokenBuilder<'_, Refresh> {
        TokenBuilder::new(self, subject.into())
    }

    /// A non-fresh access token for `subject` with the default options.
    ///
    /// # Errors
    ///
    /// See [`TokenBuilder::encode`].
    pub fn create_access_token(
        &self,
        subject: impl Into<Subject>,
    ) -> Result<String, CreateTokenError> {
        self.access_token(subject).encode()
    }

    /// A refresh token for `subject` with the default options.
    ///
    /// # Errors
    ///
    /// See [`TokenBuilder::encode`].
    pub fn create_refresh_token(
        &self,
        subject: impl Into<Subject>,
    ) -> Result<String, CreateTokenError> {
        self.refresh_token(subject).encode()
    }
}

impl TokenBuilder<'_, Access> {
    /// Marks the token fresh (`"fresh": true`); the original's `fresh` argument.
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.fresh = fresh;
        self
    }
}

impl<'a, K: TokenKind> TokenBuilder<'a, K> {
    fn new(config: &'a AuthJwtConfig, subject: Subject) -> Self {
        Self {
            config,
            subject,
            fresh: false,
            algorithm: None,
            headers: Map::new(),
            expires: ExpiresTime::Default,
            audience: None,
            user_claims: Map::new(),
            session_id: None,
            invalid_claims: None,
            kind: PhantomData,
        }
    }

    /// Signs with `algorithm` instead of `authjwt_algorithm`; its key must be configured
    /// (under a key set, it must be the signing key's algorithm).
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = Some(algorithm);
        self
    }

    /// Adds one JOSE header parameter (the original's `headers` argument).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// Adds JOSE header parameters (the original's `headers` argument).
    pub fn headers(mut self, headers: JsonObject) -> Self {
        self.headers.extend(headers);
        self
    }

    /// The token's lifetime (the original's `expires_time`).
    pub fn expires(mut self, expires: impl Into<ExpiresTime>) -> Self {
        self.expires = expires.into();
        self
    }

    /// The `aud` claim (the original's `audience`).
    pub fn audience(mut self, audience: impl Into<Audience>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The `sid` claim: the token belongs to that session, and with sessions on is refused
    /// once the session ends. [`AuthJwtConfig::start_session`] and
    /// [`AuthJwtConfig::refresh_session`] set it; set it yourself to issue more tokens of a
    /// session (a fresh access token after the password is asked again, say).
    pub fn session_id(mut self, sid: impl Into<String>) -> Self {
        self.session_id = Some(sid.into());
        self
    }

    /// Adds one user claim (the original's `user_claims`).
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.user_claims.insert(name.into(), value.into());
        self
    }

    /// Adds user claims (the original's `user_claims`): a [`JsonObject`], or any value that
    /// serializes to a JSON object, such as your own claims struct.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, PartialEq, Debug)]
    /// struct Roles {
    ///     role: String,
    ///     tenant: u32,
    /// }
    ///
    /// let config = authjwt::AuthJwtConfig::builder()
    ///     .secret_key("a-random-secret-of-at-least-32-bytes")
    ///     .build()?;
    /// let roles = Roles { role: "admin".into(), tenant: 7 };
    /// let token = config.access_token("alice").claims(&roles).encode()?;
    /// assert_eq!(config.decode(&token)?.claims().deserialize::<Roles>()?, roles);
    ///
    /// // Reserved claims stay refused, whatever type carries them.
    /// #[derive(Serialize)]
    /// struct Sneaky { r#type: &'static str }
    /// let err = config.access_token("alice").claims(Sneaky { r#type: "refresh" }).encode();
    /// assert_eq!(err, Err(authjwt::CreateTokenError::ReservedClaim("type".into())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// A value that is not an object (or fails to serialize) makes [`encode`](Self::encode)
    /// fail with [`CreateTokenError::InvalidClaims`].
    pub fn claims(mut self, claims: impl Serialize) -> Self {
        match serde_json::to_value(claims) {
            Ok(Value::Object(claims)) => self.user_claims.extend(claims),
            Ok(other) => {
                self.invalid_claims = Some(format!(
                    "user claims must serialize to a JSON object, not {}",
                    json_kind(&other)
                ));
            }
            Err(err) => self.invalid_claims = Some(err.to_string()),
        }
        self
    }

    /// Signs the token and returns it in compact form.
    ///
    /// # Errors
    ///
    /// [`CreateTokenError::ReservedClaim`] for a user claim named like a reserved claim,
    /// [`CreateTokenError::InvalidHeader`] for an `alg` header, a non-string `kid` (any `kid`
    /// under a key set, which writes its own), or a header verification refuses, [`CreateTokenError::NoSigningKey`] when the algorithm has
    /// no signing key.
    pub fn encode(self) -> Result<String, CreateTokenError> {
        self.encode_with_jti().map(|(token, _)| token)
    }

    /// [`encode`](Self::encode), and the `jti` written.
    pub(crate) fn encode_with_jti(self) -> Result<(String, String), CreateTokenError> {
        let config = self.config;
        let signer = config.signer(self.algorithm)?;
        let header = self.header_json(signer.algorithm(), signer.kid())?;
        let (payload, jti) = self.payload_json()?;

        // One allocation for the whole token with signatures up to 512 bytes (RSA 4096).
        let mut token = String::with_capacity((header.len() + payload.len() + 512) * 4 / 3 + 8);
        codec::b64_encode_into(header.as_bytes(), &mut token);
        token.push('.');
        codec::b64_encode_into(payload.as_bytes(), &mut token);
        let signature = signer
            .sign(token.as_bytes())
            .ok_or(CreateTokenError::Crypto)?;
        token.push('.');
        codec::b64_encode_into(&signature, &mut token);
        Ok((token, jti))
    }

    /// The header: `{"typ":"JWT","alg":...}` as the original writes it, then under a key set
    /// the signing key's `kid`, then the extra headers.
    fn header_json(
        &self,
        algorithm: Algorithm,
        kid: Option<&str>,
    ) -> Result<String, CreateTokenError> {
        if self.headers.is_empty() && kid.is_none() {
            return Ok(format!(r#"{{"typ":"JWT","alg":"{}"}}"#, algorithm.as_str()));
        }
        let mut header = Map::new();
        header.insert("typ".into(), "JWT".into());
        header.insert("alg".into(), algorithm.as_str().into());
        if let Some(kid) = kid {
            header.insert("kid".into(), kid.into());
        }
        for (name, value) in &self.headers {
            let invalid = |reason: &str| Err(CreateTokenError::InvalidHeader(reason.to_owned()));
            match (name.as_str(), value) {
                ("alg", _) => return invalid("`alg` is set by the signing algorithm"),
                ("kid", _) if kid.is_some() => return invalid("`kid` is set by the key set"),
                ("kid", value) if !value.is_string() => {
                    return invalid("Key ID header parameter must be a string");
                }
                (name, value) => {
                    let scalar = match value {
                        Value::String(text) => Scalar::Str(text.into()),
                        _ => Scalar::Other,
                    };
                    if let Some(parameter) = codec::unsupported_header(name, &scalar) {
                        return invalid(&format!("`{parameter}` is not supported"));
                    }
                }
            }
            header.insert(name.clone(), value.clone());
        }
        Ok(Value::Object(header).to_string())
    }

    /// The payload's JSON and its `jti`.
    fn payload_json(&self) -> Result<(String, String), CreateTokenError> {
        if let Some(reason) = &self.invalid_claims {
            return Err(CreateTokenError::InvalidClaims(reason.clone()));
        }
        if let Some(reserved) = self
            .user_claims
            .keys()
            .find(|name| RESERVED_CLAIMS.contains(&name.as_str()))
        {
            return Err(CreateTokenError::ReservedClaim(reserved.clone()));
        }
        let config = self.config;
        let settings = config.settings();
        if settings.sessions_enabled && self.user_claims.contains_key(SESSION_CLAIM) {
            return Err(CreateTokenError::ReservedClaim(SESSION_CLAIM.to_owned()));
        }
        let now = config.clock().now();
        let lifetime = match self.expires {
            ExpiresTime::Default => match K::TYPE {
                TokenType::Access => settings.access_token_expires,
                TokenType::Refresh => settings.refresh_token_expires,
            }
            .map(|lifetime| i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX)),
            ExpiresTime::Never => None,
            ExpiresTime::Seconds(seconds) => Some(seconds),
        };

        let jti = RandomId::new()?;
        let csrf = if settings.csrf_in_tokens() {
            Some(RandomId::new()?)
        } else {
            None
        };
        let payload = Payload {
            sub: &self.subject,
            iat: now,
            nbf: now,
            jti: jti.as_str(),
            exp: lifetime.map(|lifetime| now.saturating_add(lifetime)),
            iss: settings
                .encode_issuer
                .as_deref()
                .filter(|_| K::TYPE == TokenType::Access || settings.strict_issuer),
            aud: self.audience.as_ref().and_then(Audience::to_value),
            token_type: K::TYPE.as_str(),
            fresh: (K::TYPE == TokenType::Access).then_some(self.fresh),
            csrf: csrf.as_ref().map(RandomId::as_str),
            sid: self.session_id.as_deref(),
            user_claims: &self.user_claims,
        };
        // Strings, numbers and string-keyed JSON objects written into memory: serde_json
        // has no error to report for them.
        #[allow(clippy::expect_used)]
        let json = serde_json::to_string(&payload).expect("claims serialize to JSON");
        Ok((json, jti.as_str().to_owned()))
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The claims in the original's order; user claims last.
#[derive(Serialize)]
struct Payload<'a> {
    sub: &'a Subject,
    iat: i64,
    nbf: i64,
    jti: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<Value>,
    #[serde(rename = "type")]
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fresh: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
    #[serde(flatten)]
    user_claims: &'a JsonObject,
}

/// A random (version 4) UUID in its lower-case hyphenated form, as Python's `uuid4()` gives:
/// what `jti` and `csrf` claims hold.
///
/// ```
/// let id = authjwt::create::random_uuid()?;
/// assert_eq!(id.len(), 36);
/// assert_eq!(&id[14..15], "4");
/// # Ok::<(), authjwt::CreateTokenError>(())
/// ```
///
/// # Errors
///
/// [`CreateTokenError::Crypto`] if the system's random generator fails.
pub fn random_uuid() -> Result<String, CreateTokenError> {
    Ok(RandomId::new()?.as_str().to_owned())
}

/// A random session id: 16 random bytes (128 bits), base64url-encoded (22 characters).
///
/// ```
/// let sid = authjwt::create::random_session_id()?;
/// assert_eq!(sid.len(), 22);
/// # Ok::<(), authjwt::CreateTokenError>(())
/// ```
///
/// # Errors
///
/// [`CreateTokenError::Crypto`] if the system's random generator fails.
pub fn random_session_id() -> Result<String, CreateTokenError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| CreateTokenError::Crypto)?;
    Ok(codec::b64_encode(&bytes))
}

/// A random UUID's text, kept on the stack while a token is written.
struct RandomId([u8; 36]);

impl RandomId {
    fn new() -> Result<Self, CreateTokenError> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [0u8; 16];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| CreateTokenError::Crypto)?;
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let mut text = [b'-'; 36];
        let mut at = 0;
        for (index, byte) in bytes.iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                at += 1;
            }
            text[at] = HEX[usize::from(byte >> 4)];
            text[at + 1] = HEX[usize::from(byte & 0x0f)];
            at += 2;
        }
        Ok(Self(text))
    }

    fn as_str(&self) -> &str {
        // Hex digits and hyphens only.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}
