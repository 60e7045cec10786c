//! Every setting of fastapi-jwt-auth 0.5.0, with the original's defaults.

use std::fmt;
use std::time::Duration;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::Algorithm;
use crate::types::{HttpMethod, SameSite, TokenLocation, TokenType};

/// The settings, one field per `authjwt_*` setting of the original (spec §2.2) plus the three
/// authjwt adds (`allow_weak_secret`, `max_token_size`, `verified_token_cache`).
///
/// A built [`AuthJwtConfig`](crate::AuthJwtConfig) exposes its validated settings through
/// [`settings()`](crate::AuthJwtConfig::settings); they are set through
/// [`AuthJwtConfigBuilder`](crate::AuthJwtConfigBuilder), serde or the environment. The key
/// material is not readable here.
///
/// Serde accepts each name with or without the `authjwt_` prefix and refuses unknown names.
///
/// `Debug` shows every setting but the HMAC secret and the private key, as `<redacted>`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Settings {
    /// `authjwt_token_location`: where tokens are read from. Default `["headers"]`.
    #[serde(alias = "authjwt_token_location")]
    pub token_location: Vec<TokenLocation>,
    #[serde(alias = "authjwt_secret_key", deserialize_with = "secret")]
    pub(crate) secret_key: Option<Secret<Vec<u8>>>,
    #[serde(alias = "authjwt_public_key")]
    pub(crate) public_key: Option<String>,
    #[serde(alias = "authjwt_private_key")]
    pub(crate) private_key: Option<Secret<String>>,
    /// `authjwt_algorithm`: the signing algorithm. Default `HS256`.
    #[serde(alias = "authjwt_algorithm")]
    pub algorithm: Algorithm,
    /// `authjwt_decode_algorithms`: the algorithms a token may use. Default: `algorithm` alone.
    #[serde(alias = "authjwt_decode_algorithms")]
    pub decode_algorithms: Option<Vec<Algorithm>>,
    /// `authjwt_decode_leeway`: clock skew allowed on `exp` and `nbf`. Default 0 s.
    #[serde(alias = "authjwt_decode_leeway", deserialize_with = "seconds")]
    pub decode_leeway: Duration,
    /// `authjwt_encode_issuer`: the `iss` written on access tokens. Default none.
    #[serde(alias = "authjwt_encode_issuer")]
    pub encode_issuer: Option<String>,
    /// `authjwt_decode_issuer`: the `iss` access-token checks require. Default none.
    #[serde(alias = "authjwt_decode_issuer")]
    pub decode_issuer: Option<String>,
    /// `authjwt_strict_issuer` (new): write `encode_issuer` on refresh tokens too, and check
    /// `decode_issuer` on every protected path (`jwt_optional` and refresh included), so a
    /// token of another service that shares the key is refused everywhere. Needs
    /// `decode_issuer`. Default `false`: the original checks the issuer only where an access
    /// token is required.
    #[serde(alias = "authjwt_strict_issuer")]
    pub strict_issuer: bool,
    /// `authjwt_decode_audience`: the audiences accepted; one must be in the token's `aud`.
    /// Default none, which refuses tokens that carry `aud`.
    #[serde(alias = "authjwt_decode_audience", deserialize_with = "audience")]
    pub decode_audience: Option<Vec<String>>,
    /// `authjwt_access_token_expires`: access token lifetime; `None` writes no `exp`.
    /// Default 15 minutes.
    #[serde(
        alias = "authjwt_access_token_expires",
        deserialize_with = "access_expiry"
    )]
    pub access_token_expires: Option<Duration>,
    /// `authjwt_refresh_token_expires`: refresh token lifetime; `None` writes no `exp`.
    /// Default 30 days.
    #[serde(
        alias = "authjwt_refresh_token_expires",
        deserialize_with = "refresh_expiry"
    )]
    pub refresh_token_expires: Option<Duration>,
    /// `authjwt_denylist_enabled`: consult the revocation store. Default `false`.
    #[serde(alias = "authjwt_denylist_enabled")]
    pub denylist_enabled: bool,
    /// `authjwt_denylist_token_checks`: the token types checked against the store. Default
    /// both.
    #[serde(alias = "authjwt_denylist_token_checks")]
    pub denylist_token_checks: Vec<TokenType>,
    /// `authjwt_header_name`: the header carrying the token. Default `Authorization`.
    #[serde(alias = "authjwt_header_name")]
    pub header_name: String,
    /// `authjwt_header_type`: the scheme before the token; `None` for a bare token. Default
    /// `Bearer`. Serde and the environment spell `None` as `null` or `"none"`.
    #[serde(alias = "authjwt_header_type", deserialize_with = "header_type")]
    pub header_type: Option<String>,
    /// `authjwt_access_cookie_key`. Default `access_token_cookie`.
    #[serde(alias = "authjwt_access_cookie_key")]
    pub access_cookie_key: String,
    /// `authjwt_refresh_cookie_key`. Default `refresh_token_cookie`.
    #[serde(alias = "authjwt_refresh_cookie_key")]
    pub refresh_cookie_key: String,
    /// `authjwt_access_cookie_path`. Default `/`.
    #[serde(alias = "authjwt_access_cookie_path")]
    pub access_cookie_path: String,
    /// `authjwt_refresh_cookie_path`. Default `/`.
    #[serde(alias = "authjwt_refresh_cookie_path")]
    pub refresh_cookie_path: String,
    /// `authjwt_cookie_max_age`: `Max-Age` of the cookies; `None` makes session cookies.
    /// Default none.
    #[serde(
        alias = "authjwt_cookie_max_age",
        deserialize_with = "optional_seconds"
    )]
    pub cookie_max_age: Option<Duration>,
    /// `authjwt_cookie_domain`. Default none.
    #[serde(alias = "authjwt_cookie_domain")]
    pub cookie_domain: Option<String>,
    /// `authjwt_cookie_secure`. Default `false`.
    #[serde(alias = "authjwt_cookie_secure")]
    pub cookie_secure: bool,
    /// `authjwt_cookie_samesite`. Default none (no attribute). An explicit `null` is refused,
    /// as the original refuses `None`: leave the setting out instead.
    #[serde(alias = "authjwt_cookie_samesite", deserialize_with = "same_site")]
    pub cookie_samesite: Option<SameSite>,
    /// `authjwt_cookie_csrf_protect`: double-submit protection for cookie tokens. Default
    /// `true`.
    #[serde(alias = "authjwt_cookie_csrf_protect")]
    pub cookie_csrf_protect: bool,
    /// `authjwt_access_csrf_cookie_key`. Default `csrf_access_token`.
    #[serde(alias = "authjwt_access_csrf_cookie_key")]
    pub access_csrf_cookie_key: String,
    /// `authjwt_refresh_csrf_cookie_key`. Default `csrf_refresh_token`.
    #[serde(alias = "authjwt_refresh_csrf_cookie_key")]
    pub refresh_csrf_cookie_key: String,
    /// `authjwt_access_csrf_cookie_path`. Default `/`.
    #[serde(alias = "authjwt_access_csrf_cookie_path")]
    pub access_csrf_cookie_path: String,
    /// `authjwt_refresh_csrf_cookie_path`. Default `/`.
    #[serde(alias = "authjwt_refresh_csrf_cookie_path")]
    pub refresh_csrf_cookie_path: String,
    /// `authjwt_access_csrf_header_name`. Default `X-CSRF-Token`.
    #[serde(alias = "authjwt_access_csrf_header_name")]
    pub access_csrf_header_name: String,
    /// `authjwt_refresh_csrf_header_name`. Default `X-CSRF-Token`.
    #[serde(alias = "authjwt_refresh_csrf_header_name")]
    pub refresh_csrf_header_name: String,
    /// `authjwt_csrf_methods`: the methods whose requests must carry the CSRF header.
    /// Default POST, PUT, PATCH, DELETE.
    #[serde(alias = "authjwt_csrf_methods")]
    pub csrf_methods: Vec<HttpMethod>,
    /// `authjwt_allow_weak_secret` (new): accept HMAC secrets shorter than the hash
    /// (RFC 7518 §3.2). Default `false`.
    #[serde(alias = "authjwt_allow_weak_secret")]
    pub allow_weak_secret: bool,
    /// `authjwt_max_token_size` (new): longest token accepted, in bytes, checked before any
    /// decoding. Default 8192.
    #[serde(alias = "authjwt_max_token_size")]
    pub max_token_size: usize,
    /// `authjwt_verified_token_cache` (new): how many verified tokens to remember, so that a
    /// token seen again skips decoding and its signature; `nbf`, `exp`, the issuer, the type,
    /// freshness and the revocation store are still checked on every request. Default 0: no
    /// cache. See [`AuthJwtConfigBuilder::verified_token_cache`](crate::AuthJwtConfigBuilder::verified_token_cache).
    #[serde(alias = "authjwt_verified_token_cache")]
    pub verified_token_cache: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_location: vec![TokenLocation::Headers],
            secret_key: None,
            public_key: None,
            private_key: None,
            algorithm: Algorithm::HS256,
            decode_algorithms: None,
            decode_leeway: Duration::ZERO,
            encode_issuer: None,
            decode_issuer: None,
            strict_issuer: false,
            decode_audience: None,
            access_token_expires: Some(Duration::from_secs(15 * 60)),
            refresh_token_expires: Some(Duration::from_secs(30 * 24 * 60 * 60)),
            denylist_enabled: false,
            denylist_token_checks: vec![TokenType::Access, TokenType::Refresh],
            header_name: "Authorization".into(),
            header_type: Some("Bearer".into()),
            access_cookie_key: "access_token_cookie".into(),
            refresh_cookie_key: "refresh_token_cookie".into(),
            access_cookie_path: "/".into(),
            refresh_cookie_path: "/".into(),
            cookie_max_age: None,
            cookie_domain: None,
            cookie_secure: false,
            cookie_samesite: None,
            cookie_csrf_protect: true,
            access_csrf_cookie_key: "csrf_access_token".into(),
            refresh_csrf_cookie_key: "csrf_refresh_token".into(),
            access_csrf_cookie_path: "/".into(),
            refresh_csrf_cookie_path: "/".into(),
            access_csrf_header_name: "X-CSRF-Token".into(),
            refresh_csrf_header_name: "X-CSRF-Token".into(),
            csrf_methods: vec![
                HttpMethod::Post,
                HttpMethod::Put,
                HttpMethod::Patch,
                HttpMethod::Delete,
            ],
            allow_weak_secret: false,
            max_token_size: 8 * 1024,
            verified_token_cache: 0,
        }
    }
}

impl Settings {
    /// The decode allow-list: `decode_algorithms`, or `algorithm` alone.
    #[must_use]
    pub fn effective_decode_algorithms(&self) -> &[Algorithm] {
        self.decode_algorithms
            .as_deref()
            .unwrap_or(std::slice::from_ref(&self.algorithm))
    }

    /// Whether `location` is one of the configured token locations.
    #[must_use]
    pub fn has_location(&self, location: TokenLocation) -> bool {
        self.token_location.contains(&location)
    }

    /// Whether created tokens carry a `csrf` claim: cookies are a token location and CSRF
    /// protection is on, whatever way the token is later delivered.
    #[must_use]
    pub fn csrf_in_tokens(&self) -> bool {
        self.cookie_csrf_protect && self.has_location(TokenLocation::Cookies)
    }

    /// Whether the revocation store is consulted for tokens of this type.
    #[must_use]
    pub fn checks_denylist(&self, token_type: TokenType) -> bool {
        self.denylist_enabled && self.denylist_token_checks.contains(&token_type)
    }

    /// Whether requests with this method (upper-case) must carry the CSRF header. `HEAD`
    /// is also checked when `GET` is listed: servers answer `HEAD` with the `GET` handler, so
    /// it has the same effects (a refresh route sets cookies either way).
    #[must_use]
    pub fn is_csrf_method(&self, method: &str) -> bool {
        self.csrf_methods.iter().any(|listed| {
            listed.as_str() == method || (method == "HEAD" && *listed == HttpMethod::Get)
        })
    }
}

fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Secret<Vec<u8>>>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?
        .map(|secret| Secret::new(secret.trim().as_bytes().to_vec())))
}

fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_secs)
}

fn optional_seconds<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    Ok(Option::<u64>::deserialize(deserializer)?.map(Duration::from_secs))
}

fn access_expiry<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    expiry(deserializer, "authjwt_access_token_expires")
}

fn refresh_expiry<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    expiry(deserializer, "authjwt_refresh_token_expires")
}

/// An integer number of seconds, or `false` for "no `exp` claim". `true` is refused with the
/// original's message.
fn expiry<'de, D: Deserializer<'de>>(
    deserializer: D,
    setting: &str,
) -> Result<Option<Duration>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(u64),
        Flag(bool),
    }
    match Raw::deserialize(deserializer) {
        Ok(Raw::Seconds(seconds)) => Ok(Some(Duration::from_secs(seconds))),
        Ok(Raw::Flag(false)) => Ok(None),
        Ok(Raw::Flag(true)) => Err(serde::de::Error::custom(expiry_true_message(setting))),
        Err(_) => Err(serde::de::Error::custom(
            "expected a non-negative number of seconds or false",
        )),
    }
}

/// The original's message for `True` as an expiry.
pub(crate) fn expiry_true_message(setting: &str) -> String {
    format!("The '{setting}' only accept value False (bool)")
}

/// `null` or `"none"` (any case) for no header type, or the type itself.
fn header_type<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?
        .filter(|value| !value.eq_ignore_ascii_case("none")))
}

/// One audience as a string, or a list of them.
fn audience<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    struct AudienceVisitor;

    impl<'de> Visitor<'de> for AudienceVisitor {
        type Value = Option<Vec<String>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a list of strings")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_str<E: de::Error>(self, audience: &str) -> Result<Self::Value, E> {
            Ok(Some(vec![audience.to_owned()]))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut audiences = Vec::new();
            while let Some(audience) = seq.next_element::<String>()? {
                audiences.push(audience);
            }
            Ok(Some(audiences))
        }
    }

    deserializer.deserialize_any(AudienceVisitor)
}

fn same_site<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SameSite>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        Some(value) => value.parse().map(Some).map_err(de::Error::custom),
        None => Err(de::Error::custom(
            "The 'authjwt_cookie_samesite' must be between 'strict', 'lax', 'none'",
        )),
    }
}

/// Key material: deserialized as the `T` it holds, shown by `Debug` as `<redacted>` so that
/// printing the settings (in a log, say) never prints a secret.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret<T>(T);

impl<T> Secret<T> {
    pub(crate) fn new(material: T) -> Self {
        Self(material)
    }

    pub(crate) fn expose(&self) -> &T {
        &self.0
    }

    pub(crate) fn expose_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}
