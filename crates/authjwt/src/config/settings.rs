//! Every setting of fastapi-jwt-auth 0.5.0, with the original's defaults.

use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::time::Duration;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::Algorithm;
use crate::key_set::Key;
use crate::types::{HttpMethod, SameSite, TokenLocation, TokenType};

/// Declares [`Settings`] from one list in which each setting is written once: its doc, its
/// serde attributes, the kind of builder setter generated from it (which takes the setting's
/// doc), then `name: Type = default`. The setter kinds:
///
/// * `#[setter(value)]`: `fn name(self, value: Type)`;
/// * `#[setter(into)]`: `fn name(self, value: impl Into<Type>)`;
/// * `#[setter(some)]`: for an `Option<String>`, `fn name(self, value: impl Into<String>)`
///   storing `Some`;
/// * `#[setter(custom)]`: none generated, the setter is written by hand in `config/mod.rs`
///   (iterators, optional durations, keys).
///
/// It also gives the environment loader the settings' names and a way to set one setting from
/// another `Settings`.
macro_rules! settings {
    (
        $(#[$struct_attribute:meta])*
        pub struct Settings {
            $(
                $(#[doc = $doc:expr])*
                #[serde($($serde:tt)*)]
                #[setter($setter:ident)]
                $visibility:vis $name:ident: $type:ty = $default:expr,
            )*
        }
    ) => {
        $(#[$struct_attribute])*
        pub struct Settings {
            $(
                $(#[doc = $doc])*
                #[serde($($serde)*)]
                $visibility $name: $type,
            )*
        }

        impl Default for Settings {
            fn default() -> Self {
                Self {
                    $($name: $default,)*
                }
            }
        }

        impl Settings {
            /// Every setting's name, `authjwt_<field>`, as errors report it.
            pub(super) const NAMES: &'static [&'static str] =
                &[$(concat!("authjwt_", stringify!($name)),)*];

            /// Sets `setting` (`authjwt_<field>`) to its value in `layer`, the others
            /// untouched.
            pub(super) fn set_from(&mut self, layer: Self, setting: &str) {
                $(
                    if setting == concat!("authjwt_", stringify!($name)) {
                        self.$name = layer.$name;
                        return;
                    }
                )*
            }
        }

        impl super::AuthJwtConfigBuilder {
            $(setter!($setter, [$(#[doc = $doc])*], $name, $type);)*
        }
    };
}

/// One builder setter of [`settings!`].
macro_rules! setter {
    (custom, $docs:tt, $name:ident, $type:ty) => {};
    (value, [$($doc:tt)*], $name:ident, $type:ty) => {
        $($doc)*
        pub fn $name(mut self, value: $type) -> Self {
            self.settings.$name = value;
            self
        }
    };
    (into, [$($doc:tt)*], $name:ident, $type:ty) => {
        $($doc)*
        pub fn $name(mut self, value: impl Into<$type>) -> Self {
            self.settings.$name = value.into();
            self
        }
    };
    (some, [$($doc:tt)*], $name:ident, $type:ty) => {
        $($doc)*
        pub fn $name(mut self, value: impl Into<String>) -> Self {
            self.settings.$name = Some(value.into());
            self
        }
    };
}

settings! {
    /// The settings, one field per `authjwt_*` setting of the original (spec §2.2) plus those
    /// authjwt adds (`strict_issuer`, `allow_weak_secret`, `max_token_size`,
    /// `verified_token_cache`, `sessions_enabled`, `session_token_checks`, `key_set`,
    /// `key_set_file`).
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
        #[setter(custom)]
        pub token_location: Vec<TokenLocation> = vec![TokenLocation::Headers],
        #[serde(alias = "authjwt_secret_key", deserialize_with = "secret")]
        #[setter(custom)]
        pub(crate) secret_key: Option<Secret<Vec<u8>>> = None,
        #[serde(alias = "authjwt_public_key")]
        #[setter(custom)]
        pub(crate) public_key: Option<String> = None,
        #[serde(alias = "authjwt_private_key")]
        #[setter(custom)]
        pub(crate) private_key: Option<Secret<String>> = None,
        /// `authjwt_algorithm`: the signing algorithm. Default `HS256`.
        #[serde(alias = "authjwt_algorithm")]
        #[setter(value)]
        pub algorithm: Algorithm = Algorithm::HS256,
        /// `authjwt_decode_algorithms`: the algorithms a token may use. Default: `algorithm` alone.
        #[serde(alias = "authjwt_decode_algorithms")]
        #[setter(custom)]
        pub decode_algorithms: Option<Vec<Algorithm>> = None,
        /// `authjwt_decode_leeway`: clock skew allowed on `exp` and `nbf`, in whole seconds.
        /// Default 0 s.
        #[serde(alias = "authjwt_decode_leeway", deserialize_with = "seconds")]
        #[setter(value)]
        pub decode_leeway: Duration = Duration::ZERO,
        /// `authjwt_encode_issuer`: the `iss` written on access tokens. Default none.
        #[serde(alias = "authjwt_encode_issuer")]
        #[setter(some)]
        pub encode_issuer: Option<String> = None,
        /// `authjwt_decode_issuer`: the `iss` access-token checks require. Default none.
        #[serde(alias = "authjwt_decode_issuer")]
        #[setter(some)]
        pub decode_issuer: Option<String> = None,
        /// `authjwt_strict_issuer` (new): write `encode_issuer` on refresh tokens too, and check
        /// `decode_issuer` on every protected path (`jwt_optional` and refresh included), so a
        /// token of another service that shares the key is refused everywhere. Needs
        /// `decode_issuer`. Default `false`: the original checks the issuer only where an access
        /// token is required.
        ///
        /// ```
        /// use authjwt::{AuthJwtConfig, AuthJwtError, DecodeError, Requirement};
        ///
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let secret = "a-secret-two-services-share-32-bytes";
        /// let other = AuthJwtConfig::builder()
        ///     .secret_key(secret)
        ///     .encode_issuer("urn:other")
        ///     .build()?;
        /// let ours = AuthJwtConfig::builder()
        ///     .secret_key(secret)
        ///     .encode_issuer("urn:ours")
        ///     .decode_issuer("urn:ours")
        ///     .strict_issuer(true)
        ///     .build()?;
        ///
        /// let foreign = other.create_refresh_token("alice")?;
        /// let err = ours.verify(&foreign, Requirement::Refresh).await.unwrap_err();
        /// assert_eq!(err, AuthJwtError::Decode(DecodeError::MissingClaim("iss")));
        ///
        /// let own = ours.create_refresh_token("alice")?;
        /// assert!(ours.verify(&own, Requirement::Refresh).await.is_ok());
        /// # Ok(())
        /// # }
        /// ```
        #[serde(alias = "authjwt_strict_issuer")]
        #[setter(value)]
        pub strict_issuer: bool = false,
        /// `authjwt_decode_audience`: the audiences accepted; one must be in the token's `aud`.
        /// Default none, which refuses tokens that carry `aud`.
        #[serde(alias = "authjwt_decode_audience", deserialize_with = "audience")]
        #[setter(custom)]
        pub decode_audience: Option<Vec<String>> = None,
        /// `authjwt_access_token_expires`: access token lifetime; `None` writes no `exp`.
        /// Default 15 minutes.
        #[serde(
            alias = "authjwt_access_token_expires",
            deserialize_with = "access_expiry"
        )]
        #[setter(custom)]
        pub access_token_expires: Option<Duration> = Some(Duration::from_secs(15 * 60)),
        /// `authjwt_refresh_token_expires`: refresh token lifetime; `None` writes no `exp`.
        /// Default 30 days.
        #[serde(
            alias = "authjwt_refresh_token_expires",
            deserialize_with = "refresh_expiry"
        )]
        #[setter(custom)]
        pub refresh_token_expires: Option<Duration> = Some(Duration::from_secs(30 * 24 * 60 * 60)),
        /// `authjwt_denylist_enabled`: consult the revocation store. Needs a
        /// [revocation store](crate::AuthJwtConfigBuilder::revocation_store). Default `false`.
        #[serde(alias = "authjwt_denylist_enabled")]
        #[setter(value)]
        pub denylist_enabled: bool = false,
        /// `authjwt_denylist_token_checks`: the token types checked against the store. Default
        /// both.
        #[serde(alias = "authjwt_denylist_token_checks")]
        #[setter(custom)]
        pub denylist_token_checks: Vec<TokenType> = vec![TokenType::Access, TokenType::Refresh],
        /// `authjwt_header_name`: the header carrying the token. Default `Authorization`.
        #[serde(alias = "authjwt_header_name")]
        #[setter(into)]
        pub header_name: String = "Authorization".into(),
        /// `authjwt_header_type`: the scheme before the token; `None` for a bare token
        /// ([`no_header_type`](crate::AuthJwtConfigBuilder::no_header_type) in the builder).
        /// Default `Bearer`. Serde and the environment spell `None` as `null` or `"none"`.
        #[serde(alias = "authjwt_header_type", deserialize_with = "header_type")]
        #[setter(some)]
        pub header_type: Option<String> = Some("Bearer".into()),
        /// `authjwt_access_cookie_key`. Default `access_token_cookie`.
        #[serde(alias = "authjwt_access_cookie_key")]
        #[setter(into)]
        pub access_cookie_key: String = "access_token_cookie".into(),
        /// `authjwt_refresh_cookie_key`. Default `refresh_token_cookie`.
        #[serde(alias = "authjwt_refresh_cookie_key")]
        #[setter(into)]
        pub refresh_cookie_key: String = "refresh_token_cookie".into(),
        /// `authjwt_access_cookie_path`. Default `/`.
        #[serde(alias = "authjwt_access_cookie_path")]
        #[setter(into)]
        pub access_cookie_path: String = "/".into(),
        /// `authjwt_refresh_cookie_path`. Default `/`.
        #[serde(alias = "authjwt_refresh_cookie_path")]
        #[setter(into)]
        pub refresh_cookie_path: String = "/".into(),
        /// `authjwt_cookie_max_age`: `Max-Age` of the cookies; `None` makes session cookies.
        /// Default none.
        #[serde(
            alias = "authjwt_cookie_max_age",
            deserialize_with = "optional_seconds"
        )]
        #[setter(custom)]
        pub cookie_max_age: Option<Duration> = None,
        /// `authjwt_cookie_domain`: the cookies' `Domain`. Default none.
        #[serde(alias = "authjwt_cookie_domain")]
        #[setter(some)]
        pub cookie_domain: Option<String> = None,
        /// `authjwt_cookie_secure`: mark the cookies `Secure`. Default `false`.
        #[serde(alias = "authjwt_cookie_secure")]
        #[setter(value)]
        pub cookie_secure: bool = false,
        /// `authjwt_cookie_samesite`: the cookies' `SameSite`. Default none (no attribute).
        /// Serde refuses an explicit `null`, as the original refuses `None`: leave the setting
        /// out instead.
        #[serde(alias = "authjwt_cookie_samesite", deserialize_with = "same_site")]
        #[setter(value)]
        pub cookie_samesite: Option<SameSite> = None,
        /// `authjwt_cookie_csrf_protect`: double-submit protection for cookie tokens. Default
        /// `true`.
        #[serde(alias = "authjwt_cookie_csrf_protect")]
        #[setter(value)]
        pub cookie_csrf_protect: bool = true,
        /// `authjwt_access_csrf_cookie_key`. Default `csrf_access_token`.
        #[serde(alias = "authjwt_access_csrf_cookie_key")]
        #[setter(into)]
        pub access_csrf_cookie_key: String = "csrf_access_token".into(),
        /// `authjwt_refresh_csrf_cookie_key`. Default `csrf_refresh_token`.
        #[serde(alias = "authjwt_refresh_csrf_cookie_key")]
        #[setter(into)]
        pub refresh_csrf_cookie_key: String = "csrf_refresh_token".into(),
        /// `authjwt_access_csrf_cookie_path`. Default `/`.
        #[serde(alias = "authjwt_access_csrf_cookie_path")]
        #[setter(into)]
        pub access_csrf_cookie_path: String = "/".into(),
        /// `authjwt_refresh_csrf_cookie_path`. Default `/`.
        #[serde(alias = "authjwt_refresh_csrf_cookie_path")]
        #[setter(into)]
        pub refresh_csrf_cookie_path: String = "/".into(),
        /// `authjwt_access_csrf_header_name`. Default `X-CSRF-Token`.
        #[serde(alias = "authjwt_access_csrf_header_name")]
        #[setter(into)]
        pub access_csrf_header_name: String = "X-CSRF-Token".into(),
        /// `authjwt_refresh_csrf_header_name`. Default `X-CSRF-Token`.
        #[serde(alias = "authjwt_refresh_csrf_header_name")]
        #[setter(into)]
        pub refresh_csrf_header_name: String = "X-CSRF-Token".into(),
        /// `authjwt_csrf_methods`: the methods whose requests must carry the CSRF header.
        /// Default POST, PUT, PATCH, DELETE.
        #[serde(alias = "authjwt_csrf_methods")]
        #[setter(custom)]
        pub csrf_methods: Vec<HttpMethod> = vec![
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Patch,
            HttpMethod::Delete,
        ],
        /// `authjwt_allow_weak_secret` (new): accept HMAC secrets shorter than the hash
        /// (RFC 7518 §3.2). Only for compatibility with deployments that already use one; never
        /// for new ones. Default `false`.
        #[serde(alias = "authjwt_allow_weak_secret")]
        #[setter(value)]
        pub allow_weak_secret: bool = false,
        /// `authjwt_max_token_size` (new): longest token accepted, in bytes, checked before any
        /// decoding. Default 8192.
        #[serde(alias = "authjwt_max_token_size", deserialize_with = "bytes")]
        #[setter(value)]
        pub max_token_size: usize = 8 * 1024,
        /// `authjwt_verified_token_cache` (new): remember up to this many verified tokens, so
        /// that a token sent again is not decoded and its signature not checked again. Default
        /// 0: no cache.
        ///
        /// A token is remembered only once it has passed decoding, and only the second time it
        /// is decoded: a token sent once (a client minting one per request) costs two bits,
        /// not an insertion and an eviction. A remembered one is checked again for everything that can change: `nbf` and `exp` against the clock, the issuer
        /// when the requirement checks it, and, in [`verify`](crate::AuthJwtConfig::verify),
        /// the type, freshness and the revocation store. Answers are the same with or without
        /// the cache. The cache keeps two generations: when the newer one is full it becomes
        /// the older one and the tokens of the generation before are forgotten, so eviction
        /// costs the same however large the cache. A token survives at least one such turn
        /// after it was remembered; one forgotten while still in use is decoded and remembered
        /// again on its next request. A token kept here stays in memory until it is forgotten:
        /// size the cache to the tokens in use in a few minutes, not to every token ever
        /// issued. An entry holds the token's text and its decoded JSON: about 1 KB for a
        /// typical 300-byte access token, at most about twice `max_token_size` plus 0.5 KB.
        ///
        /// ```
        /// use authjwt::{AuthJwtConfig, Requirement};
        ///
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let config = AuthJwtConfig::builder()
        ///     .secret_key("a-random-secret-of-at-least-32-bytes")
        ///     .verified_token_cache(10_000)
        ///     .build()?;
        /// let access = config.create_access_token("alice")?;
        /// // Decoded, then decoded and remembered, then served from the cache.
        /// let first = config.verify(&access, Requirement::Access).await?;
        /// config.verify(&access, Requirement::Access).await?;
        /// let again = config.verify(&access, Requirement::Access).await?;
        /// assert_eq!(first.claims().json(), again.claims().json());
        /// # Ok(())
        /// # }
        /// ```
        #[serde(alias = "authjwt_verified_token_cache", deserialize_with = "tokens")]
        #[setter(value)]
        pub verified_token_cache: usize = 0,
        /// `authjwt_query_token_name` (new): the query parameter holding the token when
        /// `query` is a token location (for `EventSource`, downloads, links). Default `token`.
        #[serde(alias = "authjwt_query_token_name")]
        #[setter(into)]
        pub query_token_name: String = "token".into(),
        /// `authjwt_json_access_token_key` (new): the member of a JSON request body holding an
        /// access token when `json` is a token location. Default `access_token`.
        #[serde(alias = "authjwt_json_access_token_key")]
        #[setter(into)]
        pub json_access_token_key: String = "access_token".into(),
        /// `authjwt_json_refresh_token_key` (new): the member of a JSON request body holding a
        /// refresh token when `json` is a token location. Default `refresh_token`.
        #[serde(alias = "authjwt_json_refresh_token_key")]
        #[setter(into)]
        pub json_refresh_token_key: String = "refresh_token".into(),
        /// `authjwt_scope_claim` (new): the claim scope checks read: a space-separated string
        /// (RFC 8693 `scope`) or an array of strings. Default `scope`.
        #[serde(alias = "authjwt_scope_claim")]
        #[setter(into)]
        pub scope_claim: String = "scope".into(),
        /// `authjwt_sessions_enabled` (new): each login starts a session whose tokens carry
        /// its `sid`; refresh tokens are used up by refreshing, and one presented again
        /// revokes its session. Needs a
        /// [session store](crate::AuthJwtConfigBuilder::session_store). Default `false`.
        #[serde(alias = "authjwt_sessions_enabled")]
        #[setter(value)]
        pub sessions_enabled: bool = false,
        /// `authjwt_session_token_checks` (new): the token types whose session and watermark
        /// are checked on every request. Default both.
        #[serde(alias = "authjwt_session_token_checks")]
        #[setter(custom)]
        pub session_token_checks: Vec<TokenType> = vec![TokenType::Access, TokenType::Refresh],
        /// `authjwt_key_set` (new): several keys, each with its `kid` and algorithm; see
        /// [`key_set`](crate::key_set). The environment's `AUTHJWT_KEY_SET` is the JSON array.
        /// Default none.
        #[serde(alias = "authjwt_key_set")]
        #[setter(custom)]
        pub key_set: Option<Vec<Key>> = None,
        /// `authjwt_key_set_file` (new): a JSON file holding the list of `authjwt_key_set`,
        /// read again by [`reload_keys`](crate::AuthJwtConfig::reload_keys). Default none.
        #[serde(alias = "authjwt_key_set_file")]
        #[setter(custom)]
        pub key_set_file: Option<PathBuf> = None,
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

    /// Whether the session store is consulted for tokens of this type.
    #[must_use]
    pub fn checks_sessions(&self, token_type: TokenType) -> bool {
        self.sessions_enabled && self.session_token_checks.contains(&token_type)
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

const SECONDS: &str = "a non-negative number of seconds";

/// A `T` read through a newtype whose visitor expects `what` ("a number of bytes", ...).
/// Self-describing formats see through the newtype to `T`, and refuse with `T`'s own message
/// (`expected u64`); the environment's text is refused as "expected {what}, got `...`".
fn quantity<'de, T, D>(deserializer: D, what: &'static str) -> Result<T, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    struct Quantity<T> {
        what: &'static str,
        value: PhantomData<T>,
    }

    impl<'de, T: Deserialize<'de>> Visitor<'de> for Quantity<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.what)
        }

        fn visit_newtype_struct<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<T, D::Error> {
            T::deserialize(deserializer)
        }
    }

    deserializer.deserialize_newtype_struct(
        "Quantity",
        Quantity {
            what,
            value: PhantomData,
        },
    )
}

fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    quantity(deserializer, SECONDS).map(Duration::from_secs)
}

fn optional_seconds<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    Ok(quantity::<Option<u64>, D>(deserializer, SECONDS)?.map(Duration::from_secs))
}

fn bytes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    quantity(deserializer, "a number of bytes")
}

fn tokens<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    quantity(deserializer, "a number of tokens")
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
    /// Anything else is `Other` rather than an error of serde's, so that this setting says
    /// what it expects; the environment's own refusal of text that is no number passes
    /// through.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(u64),
        Flag(bool),
        Other(de::IgnoredAny),
    }
    match quantity(deserializer, SECONDS)? {
        Raw::Seconds(seconds) => Ok(Some(Duration::from_secs(seconds))),
        Raw::Flag(false) => Ok(None),
        Raw::Flag(true) => Err(serde::de::Error::custom(expiry_true_message(setting))),
        Raw::Other(_) => Err(serde::de::Error::custom(
            "expected a non-negative number of seconds or false",
        )),
    }
}

/// The original's message for `True` as an expiry.
fn expiry_true_message(setting: &str) -> String {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Settings;

    /// The environment reads `AUTHJWT_<NAME>` as `authjwt_<field>`: serde must know each of
    /// those names as an alias.
    #[test]
    fn every_setting_name_is_a_serde_alias() {
        for name in Settings::NAMES {
            if let Err(err) = serde_json::from_value::<Settings>(json!({ *name: null })) {
                assert!(!err.to_string().contains("unknown field"), "{name}: {err}");
            }
        }
    }
}
