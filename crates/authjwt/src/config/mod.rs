//! Configuration: every `authjwt_*` setting, validated once, with the keys parsed.
//!
//! There are three ways in, all ending in [`AuthJwtConfigBuilder::build`], which checks every
//! setting and parses the keys before the first request:
//!
//! * the builder: [`AuthJwtConfig::builder`];
//! * serde: [`AuthJwtConfigBuilder`] deserializes from any format (TOML, JSON, ...), accepting
//!   each setting's name with or without the `authjwt_` prefix;
//! * the environment: [`AuthJwtConfigBuilder::apply_env`] reads `AUTHJWT_<NAME>` variables.
//!
//! ```
//! use authjwt::{AuthJwtConfig, TokenLocation};
//!
//! let config = AuthJwtConfig::builder()
//!     .secret_key("a-random-secret-of-at-least-32-bytes")
//!     .token_location([TokenLocation::Headers, TokenLocation::Cookies])
//!     .build()?;
//! assert!(config.settings().cookie_csrf_protect);
//!
//! // The same from JSON; serde does not validate, `build` does.
//! let config: AuthJwtConfig = serde_json::from_str::<authjwt::AuthJwtConfigBuilder>(
//!     r#"{"authjwt_secret_key": "a-random-secret-of-at-least-32-bytes", "cookie_samesite": "lax"}"#,
//! )?
//! .build()?;
//! assert_eq!(config.settings().cookie_samesite, Some(authjwt::SameSite::Lax));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod env;
mod keys;
mod settings;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::de;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use self::keys::Keys;
use self::settings::Secret;
pub use self::settings::Settings;
use crate::cache::TokenCache;
use crate::clock::{Clock, SystemClock};
pub use crate::error::ConfigError;
use crate::key_set::Key;
use crate::revocation::RevocationStore;
use crate::session::SessionStore;
pub use crate::types::{HttpMethod, SameSite, TokenLocation, TokenType};
use crate::{Algorithm, JsonObject};

/// The validated configuration: settings, parsed keys, revocation store and clock.
///
/// Cheap to clone (one reference count); share one per application, for instance as axum
/// state. It is built once, by [`AuthJwtConfigBuilder::build`], and never changes, but for a
/// key set, which [`reload_keys`](Self::reload_keys) can replace.
#[derive(Clone)]
pub struct AuthJwtConfig {
    inner: Arc<ConfigInner>,
}

struct ConfigInner {
    settings: Settings,
    keys: Keys,
    revocation_store: Option<Arc<dyn RevocationStore>>,
    session_store: Option<Arc<dyn SessionStore>>,
    /// The session store keeps the denylist too ([`AuthJwtConfigBuilder::session_and_revocation_store`]).
    session_store_keeps_denylist: bool,
    clock: Arc<dyn Clock>,
    token_cache: Option<TokenCache>,
    unknown_key: Option<UnknownKeyHandler>,
}

/// What [`AuthJwtConfigBuilder::on_unknown_key`] runs.
type UnknownKeyHandler = Arc<dyn Fn() + Send + Sync>;

impl fmt::Debug for AuthJwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthJwtConfig")
            .field("settings", &self.inner.settings)
            .field("keys", &self.inner.keys)
            .field("revocation_store", &self.inner.revocation_store.is_some())
            .field("session_store", &self.inner.session_store.is_some())
            .field("clock", &self.inner.clock)
            .finish()
    }
}

impl AuthJwtConfig {
    /// A builder starting from the original's defaults.
    pub fn builder() -> AuthJwtConfigBuilder {
        AuthJwtConfigBuilder::default()
    }

    /// Builds a configuration from the process's `AUTHJWT_*` environment variables alone.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first invalid setting.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::builder().apply_env(std::env::vars_os())?.build()
    }

    /// The validated settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The clock expiry is measured against.
    #[must_use]
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The revocation store, if one was configured.
    #[must_use]
    pub fn revocation_store(&self) -> Option<&dyn RevocationStore> {
        self.inner.revocation_store.as_deref()
    }

    /// The session store, if one was configured.
    #[must_use]
    pub fn session_store(&self) -> Option<&dyn SessionStore> {
        self.inner.session_store.as_deref()
    }

    /// Whether one store keeps both sessions and the denylist
    /// ([`AuthJwtConfigBuilder::session_and_revocation_store`]), so that a request checked
    /// by both asks it once.
    #[must_use]
    pub fn session_store_keeps_denylist(&self) -> bool {
        self.inner.session_store_keeps_denylist
    }

    /// Whether tokens can be created: the signing algorithm has a key. A service given only
    /// verification keys (a public key, say) cannot, and every token creation fails with
    /// [`CreateTokenError::NoSigningKey`](crate::CreateTokenError::NoSigningKey).
    ///
    /// ```
    /// use authjwt::{Algorithm, AuthJwtConfig};
    ///
    /// let config = AuthJwtConfig::builder()
    ///     .secret_key("a-random-secret-of-at-least-32-bytes")
    ///     .build()?;
    /// assert!(config.can_sign());
    /// # Ok::<(), authjwt::ConfigError>(())
    /// ```
    #[must_use]
    pub fn can_sign(&self) -> bool {
        self.signer(None).is_ok()
    }

    /// Tells the [`on_unknown_key`](AuthJwtConfigBuilder::on_unknown_key) handler, if any,
    /// that a token named no known key.
    pub(crate) fn unknown_key_seen(&self) {
        if let Some(handler) = &self.inner.unknown_key {
            handler();
        }
    }

    pub(crate) fn token_cache(&self) -> Option<&TokenCache> {
        self.inner.token_cache.as_ref()
    }

    /// The leeway in whole seconds.
    pub(crate) fn leeway_secs(&self) -> i64 {
        i64::try_from(self.inner.settings.decode_leeway.as_secs()).unwrap_or(i64::MAX)
    }
}

/// Builds an [`AuthJwtConfig`]; every check runs in [`build`](Self::build).
///
/// Setters take typed values; serde and [`apply_env`](Self::apply_env) take the original's
/// spellings. A setter called twice keeps the last value.
#[derive(Clone, Default)]
#[must_use]
pub struct AuthJwtConfigBuilder {
    settings: Settings,
    private_key_file: Option<PathBuf>,
    public_key_file: Option<PathBuf>,
    revocation_store: Option<Arc<dyn RevocationStore>>,
    session_store: Option<Arc<dyn SessionStore>>,
    session_store_keeps_denylist: bool,
    clock: Option<Arc<dyn Clock>>,
    unknown_key: Option<UnknownKeyHandler>,
}

impl fmt::Debug for AuthJwtConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthJwtConfigBuilder")
            .field("settings", &self.settings)
            .field("private_key_file", &self.private_key_file)
            .field("public_key_file", &self.public_key_file)
            .field("revocation_store", &self.revocation_store.is_some())
            .field("session_store", &self.session_store.is_some())
            .field(
                "session_store_keeps_denylist",
                &self.session_store_keeps_denylist,
            )
            .field("clock", &self.clock)
            .finish()
    }
}

/// Reads [`Settings`] from any self-describing format. Each setting is read alone first, so
/// an error names the setting whatever the format: `authjwt_cookie_secure: invalid type:
/// string "yes", expected a boolean`.
impl<'de> Deserialize<'de> for AuthJwtConfigBuilder {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let object = JsonObject::deserialize(deserializer)?;
        for (name, value) in &object {
            let alone = JsonObject::from_iter([(name.clone(), value.clone())]);
            if let Err(err) = Settings::deserialize(Value::Object(alone)) {
                let setting = if name.starts_with("authjwt_") {
                    name.clone()
                } else {
                    format!("authjwt_{name}")
                };
                return Err(de::Error::custom(format!("{setting}: {err}")));
            }
        }
        Ok(Self {
            settings: Settings::deserialize(Value::Object(object)).map_err(de::Error::custom)?,
            ..Self::default()
        })
    }
}

// The setters of plain settings are generated from their declaration in settings.rs; those
// here take iterators, optional durations or keys, or set no setting.
impl AuthJwtConfigBuilder {
    /// `authjwt_token_location`: where tokens are read from. Default headers only.
    pub fn token_location(mut self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        self.settings.token_location = locations.into_iter().collect();
        self
    }

    /// `authjwt_secret_key`: the HMAC secret. Surrounding whitespace is stripped, as the
    /// original does.
    pub fn secret_key(mut self, secret: impl Into<String>) -> Self {
        self.settings.secret_key = Some(Secret::new(secret.into().trim().as_bytes().to_vec()));
        self
    }

    /// `authjwt_secret_key` as raw bytes, for secrets that are not text. Used as given.
    pub fn secret_key_bytes(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.settings.secret_key = Some(Secret::new(secret.into()));
        self
    }

    /// `authjwt_public_key`: PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`) for verifying asymmetric
    /// algorithms. Without it, the private key's public half verifies.
    pub fn public_key(mut self, pem: impl Into<String>) -> Self {
        self.settings.public_key = Some(pem.into());
        self
    }

    /// `authjwt_private_key`: PEM (PKCS#8, PKCS#1 RSA or SEC1 EC) for signing with asymmetric
    /// algorithms.
    pub fn private_key(mut self, pem: impl Into<String>) -> Self {
        self.settings.private_key = Some(Secret::new(pem.into()));
        self
    }

    /// `authjwt_public_key` from the PEM file at `path`, read by [`build`](Self::build), as
    /// `AUTHJWT_PUBLIC_KEY_FILE` is. A public key given inline too (by
    /// [`public_key`](Self::public_key), serde or the environment) is refused: which one was
    /// meant is unknown.
    ///
    /// ```no_run
    /// let config = authjwt::AuthJwtConfig::builder()
    ///     .algorithm(authjwt::Algorithm::RS256)
    ///     .public_key_file("/run/secrets/jwt_public.pem")
    ///     .build()?;
    /// # Ok::<(), authjwt::ConfigError>(())
    /// ```
    pub fn public_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.public_key_file = Some(path.into());
        self
    }

    /// `authjwt_private_key` from the PEM file at `path`, read by [`build`](Self::build), as
    /// `AUTHJWT_PRIVATE_KEY_FILE` is. A private key given inline too (by
    /// [`private_key`](Self::private_key), serde or the environment) is refused: which one
    /// was meant is unknown.
    pub fn private_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.private_key_file = Some(path.into());
        self
    }

    /// `authjwt_decode_algorithms`: the algorithms tokens may use. Default: the signing
    /// algorithm alone.
    pub fn decode_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.settings.decode_algorithms = Some(algorithms.into_iter().collect());
        self
    }

    /// `authjwt_decode_audience`: the accepted audiences; a token's `aud` must name one.
    pub fn decode_audience<S: Into<String>>(
        mut self,
        audiences: impl IntoIterator<Item = S>,
    ) -> Self {
        self.settings.decode_audience = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// `authjwt_access_token_expires`: access token lifetime in whole seconds, `None` for
    /// tokens without `exp`. Default 15 minutes.
    pub fn access_token_expires(mut self, lifetime: Option<Duration>) -> Self {
        self.settings.access_token_expires = lifetime;
        self
    }

    /// `authjwt_refresh_token_expires`: refresh token lifetime in whole seconds, `None` for
    /// tokens without `exp`. Default 30 days.
    pub fn refresh_token_expires(mut self, lifetime: Option<Duration>) -> Self {
        self.settings.refresh_token_expires = lifetime;
        self
    }

    /// `authjwt_denylist_token_checks`: the token types checked against the store. Default
    /// both.
    pub fn denylist_token_checks(mut self, types: impl IntoIterator<Item = TokenType>) -> Self {
        self.settings.denylist_token_checks = types.into_iter().collect();
        self
    }

    /// `authjwt_header_type = None`: the header holds the bare token.
    pub fn no_header_type(mut self) -> Self {
        self.settings.header_type = None;
        self
    }

    /// `authjwt_cookie_max_age`: `Max-Age` of the cookies in whole seconds; `None` makes
    /// session cookies. Default `None`.
    pub fn cookie_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.settings.cookie_max_age = max_age;
        self
    }

    /// `authjwt_csrf_methods`: the methods whose requests must carry the CSRF header.
    /// Default POST, PUT, PATCH and DELETE.
    pub fn csrf_methods(mut self, methods: impl IntoIterator<Item = HttpMethod>) -> Self {
        self.settings.csrf_methods = methods.into_iter().collect();
        self
    }

    /// The revocation store consulted when the denylist is enabled (the original's
    /// `token_in_denylist_loader`). Pass an `Arc` of the store to keep a handle on it.
    pub fn revocation_store(mut self, store: impl RevocationStore + 'static) -> Self {
        self.revocation_store = Some(Arc::new(store));
        self.session_store_keeps_denylist = false;
        self
    }

    /// `authjwt_session_token_checks`: the token types whose session and watermark are
    /// checked. Default both.
    pub fn session_token_checks(mut self, types: impl IntoIterator<Item = TokenType>) -> Self {
        self.settings.session_token_checks = types.into_iter().collect();
        self
    }

    /// The session store used when `authjwt_sessions_enabled` is on. Pass an `Arc` of the
    /// store to keep a handle on it.
    pub fn session_store(mut self, store: impl SessionStore + 'static) -> Self {
        self.session_store = Some(Arc::new(store));
        self.session_store_keeps_denylist = false;
        self
    }

    /// One store as both the session store and the revocation store, asked once per request
    /// for the denylist, the session and the watermark together: a token whose type both
    /// `authjwt_denylist_token_checks` and `authjwt_session_token_checks` list, and which has
    /// a `sub`, is checked with one [`SessionStore::is_revoked`] whose
    /// [`SessionQuery::denylist_jti`](crate::session::SessionQuery::denylist_jti) carries its
    /// `jti`. Other tokens are checked as with separate stores. The answers are the same as
    /// with separate stores; only the number of calls changes.
    ///
    /// The store must refuse a revoked `denylist_jti` in `is_revoked`, and record
    /// revocations where that check finds them
    /// ([`RevocationStore::revoke_token`] names the token's subject). The Redis store of
    /// `authjwt-redis` does both in one script. A later
    /// [`revocation_store`](Self::revocation_store) or [`session_store`](Self::session_store)
    /// undoes the pairing.
    pub fn session_and_revocation_store<S>(mut self, store: S) -> Self
    where
        S: SessionStore + RevocationStore + 'static,
    {
        let store = Arc::new(store);
        self.revocation_store = Some(Arc::clone(&store) as Arc<dyn RevocationStore>);
        self.session_store = Some(store as Arc<dyn SessionStore>);
        self.session_store_keeps_denylist = true;
        self
    }

    /// `authjwt_key_set` (new): several keys, each with its `kid` and algorithm, one of them
    /// signing; see [`key_set`](crate::key_set). Instead of `secret_key`, `private_key` and
    /// `public_key`, which may then not be set.
    pub fn key_set(mut self, keys: impl IntoIterator<Item = Key>) -> Self {
        self.settings.key_set = Some(keys.into_iter().collect());
        self
    }

    /// `authjwt_key_set_file` (new): the key set from the JSON file at `path` (a list of keys
    /// as [`Key`] deserializes them), read by [`build`](Self::build) and again by
    /// [`AuthJwtConfig::reload_keys`]. Relative key file paths are taken from the file's
    /// directory.
    pub fn key_set_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.key_set_file = Some(path.into());
        self
    }

    /// The clock expiry is measured against. Default [`SystemClock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Runs `handler` whenever verification meets a `kid` that names no key of the key set,
    /// before answering 422 `unknown_key`: for a key source that can fetch keys it does not
    /// have yet (`authjwt-jwks` registers one). It runs on the request's task: keep it quick
    /// and leave any fetch to a task of its own, rate-limited, as a client can send random
    /// `kid`s.
    pub fn on_unknown_key(mut self, handler: impl Fn() + Send + Sync + 'static) -> Self {
        self.unknown_key = Some(Arc::new(handler));
        self
    }

    /// Validates every setting, parses the keys, and returns the configuration.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first setting at fault: a key file that cannot be read,
    /// a key given both inline and as a file, every value the original rejects, an empty or
    /// repeated token location, an empty decode allow-list, a missing or unparsable key, a
    /// weak HMAC secret, `SameSite=none` without `Secure`, a `__Host-`
    /// cookie name without `Secure`, with a domain or a path other than `/`, a `__Secure-`
    /// cookie name without `Secure`, header and cookie names that cannot appear on the wire,
    /// an enabled denylist without a revocation store, enabled sessions without a session
    /// store, or a key set that is empty, repeats a `kid`, has more than one signing key, a key
    /// unfit for its algorithm, or is combined with `secret_key`, `private_key` or
    /// `public_key`.
    pub fn build(self) -> Result<AuthJwtConfig, ConfigError> {
        let Self {
            mut settings,
            private_key_file,
            public_key_file,
            revocation_store,
            session_store,
            session_store_keeps_denylist,
            clock,
            unknown_key,
        } = self;
        if let Some(path) = private_key_file {
            if settings.private_key.is_some() {
                return Err(key_given_twice("authjwt_private_key"));
            }
            let pem = read_key_file("authjwt_private_key", &path)?;
            settings.private_key = Some(Secret::new(pem));
        }
        if let Some(path) = public_key_file {
            if settings.public_key.is_some() {
                return Err(key_given_twice("authjwt_public_key"));
            }
            settings.public_key = Some(read_key_file("authjwt_public_key", &path)?);
        }
        validate(&mut settings)?;
        if settings.denylist_enabled && revocation_store.is_none() {
            return Err(ConfigError::MissingRevocationStore);
        }
        if settings.sessions_enabled && session_store.is_none() {
            return Err(ConfigError::MissingSessionStore);
        }
        let keys = Keys::build(&settings)?;
        let token_cache = (settings.verified_token_cache > 0)
            .then(|| TokenCache::new(settings.verified_token_cache));
        Ok(AuthJwtConfig {
            inner: Arc::new(ConfigInner {
                settings,
                keys,
                revocation_store,
                session_store,
                session_store_keeps_denylist,
                clock: clock.unwrap_or_else(|| Arc::new(SystemClock)),
                token_cache,
                unknown_key,
            }),
        })
    }
}

/// A random secret for the HMAC algorithms: 64 random bytes, base64url-encoded (86
/// characters), long enough for HS512 and so for every HS algorithm.
///
/// ```
/// let secret = authjwt::config::random_secret()?;
/// assert_eq!(secret.len(), 86);
/// let config = authjwt::AuthJwtConfig::builder().secret_key(secret).build()?;
/// # Ok::<(), authjwt::ConfigError>(())
/// ```
///
/// # Errors
///
/// [`ConfigError::InvalidValue`] for `authjwt_secret_key` if the system's random generator
/// fails.
pub fn random_secret() -> Result<String, ConfigError> {
    let mut bytes = [0u8; 64];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| ConfigError::invalid("authjwt_secret_key", "the random generator failed"))?;
    Ok(crate::codec::b64_encode(&bytes))
}

/// The text of the key file at `path`, for `setting` (`authjwt_private_key` or
/// `authjwt_public_key`).
fn read_key_file(setting: &'static str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|err| {
        ConfigError::invalid(
            setting,
            format!("cannot read key file `{}`: {err}", path.display()),
        )
    })
}

/// The refusal of a key given both inline and as a file: which one was meant is unknown.
fn key_given_twice(setting: &'static str) -> ConfigError {
    ConfigError::invalid(setting, "given both inline and as a file; set only one")
}

const MIN_LENGTH: &str = "ensure this value has at least 1 characters";

/// Strips surrounding whitespace, as the original does, and refuses what is left empty.
fn normalize(setting: &'static str, value: &mut String) -> Result<(), ConfigError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ConfigError::invalid(setting, MIN_LENGTH));
    }
    if trimmed.len() != value.len() {
        *value = trimmed.to_owned();
    }
    Ok(())
}

fn normalize_optional(
    setting: &'static str,
    value: &mut Option<String>,
) -> Result<(), ConfigError> {
    value
        .as_mut()
        .map_or(Ok(()), |value| normalize(setting, value))
}

/// RFC 9110 `tchar`: what header names and cookie names are made of.
fn is_token(value: &str) -> bool {
    value
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

/// What a cookie's `Path` or `Domain` may hold: visible ASCII and spaces, no `;`.
fn is_cookie_attribute(value: &str) -> bool {
    value
        .bytes()
        .all(|byte| (b' '..=b'~').contains(&byte) && byte != b';')
}

fn validate(settings: &mut Settings) -> Result<(), ConfigError> {
    if settings.token_location.is_empty() {
        return Err(ConfigError::invalid(
            "authjwt_token_location",
            "at least one token location is required",
        ));
    }
    let locations = &settings.token_location;
    if (1..locations.len()).any(|i| locations[..i].contains(&locations[i])) {
        return Err(ConfigError::invalid(
            "authjwt_token_location",
            "a token location may be listed once",
        ));
    }
    if settings
        .secret_key
        .as_ref()
        .is_some_and(|secret| secret.expose().is_empty())
    {
        return Err(ConfigError::invalid("authjwt_secret_key", MIN_LENGTH));
    }
    normalize_optional("authjwt_public_key", &mut settings.public_key)?;
    if let Some(private_key) = settings.private_key.as_mut() {
        normalize("authjwt_private_key", private_key.expose_mut())?;
    }
    if settings
        .decode_algorithms
        .as_ref()
        .is_some_and(Vec::is_empty)
    {
        return Err(ConfigError::invalid(
            "authjwt_decode_algorithms",
            "at least one algorithm is required",
        ));
    }
    normalize_optional("authjwt_encode_issuer", &mut settings.encode_issuer)?;
    normalize_optional("authjwt_decode_issuer", &mut settings.decode_issuer)?;
    if settings.strict_issuer && settings.decode_issuer.is_none() {
        return Err(ConfigError::invalid(
            "authjwt_strict_issuer",
            "needs authjwt_decode_issuer: there is no issuer to check",
        ));
    }
    if let Some(audiences) = settings.decode_audience.as_mut() {
        if audiences.is_empty() {
            return Err(ConfigError::invalid(
                "authjwt_decode_audience",
                "at least one audience is required",
            ));
        }
        for audience in audiences {
            normalize("authjwt_decode_audience", audience)?;
        }
    }

    for (setting, value) in [
        ("authjwt_header_name", &mut settings.header_name),
        (
            "authjwt_access_csrf_header_name",
            &mut settings.access_csrf_header_name,
        ),
        (
            "authjwt_refresh_csrf_header_name",
            &mut settings.refresh_csrf_header_name,
        ),
    ] {
        normalize(setting, value)?;
        if !is_token(value) {
            return Err(ConfigError::invalid(
                setting,
                "not a valid HTTP header name",
            ));
        }
    }
    if let Some(header_type) = settings.header_type.as_mut() {
        normalize("authjwt_header_type", header_type)?;
        if !is_token(header_type) {
            return Err(ConfigError::invalid(
                "authjwt_header_type",
                "must be a single word of visible characters",
            ));
        }
    }
    for (setting, value) in [
        ("authjwt_access_cookie_key", &mut settings.access_cookie_key),
        (
            "authjwt_refresh_cookie_key",
            &mut settings.refresh_cookie_key,
        ),
        (
            "authjwt_access_csrf_cookie_key",
            &mut settings.access_csrf_cookie_key,
        ),
        (
            "authjwt_refresh_csrf_cookie_key",
            &mut settings.refresh_csrf_cookie_key,
        ),
    ] {
        normalize(setting, value)?;
        if !is_token(value) {
            return Err(ConfigError::invalid(setting, "not a valid cookie name"));
        }
    }
    for (setting, value) in [
        (
            "authjwt_access_cookie_path",
            &mut settings.access_cookie_path,
        ),
        (
            "authjwt_refresh_cookie_path",
            &mut settings.refresh_cookie_path,
        ),
        (
            "authjwt_access_csrf_cookie_path",
            &mut settings.access_csrf_cookie_path,
        ),
        (
            "authjwt_refresh_csrf_cookie_path",
            &mut settings.refresh_csrf_cookie_path,
        ),
    ] {
        normalize(setting, value)?;
        if !is_cookie_attribute(value) {
            return Err(ConfigError::invalid(setting, "not a valid cookie path"));
        }
    }
    normalize_optional("authjwt_cookie_domain", &mut settings.cookie_domain)?;
    if settings
        .cookie_domain
        .as_deref()
        .is_some_and(|domain| !is_cookie_attribute(domain))
    {
        return Err(ConfigError::invalid(
            "authjwt_cookie_domain",
            "not a valid cookie domain",
        ));
    }
    check_cookie_prefixes(settings)?;
    normalize("authjwt_query_token_name", &mut settings.query_token_name)?;
    if !settings
        .query_token_name
        .bytes()
        .all(|byte| byte.is_ascii_graphic() && !b"&=#%+".contains(&byte))
    {
        return Err(ConfigError::invalid(
            "authjwt_query_token_name",
            "not a query parameter name that needs no escaping",
        ));
    }
    normalize(
        "authjwt_json_access_token_key",
        &mut settings.json_access_token_key,
    )?;
    normalize(
        "authjwt_json_refresh_token_key",
        &mut settings.json_refresh_token_key,
    )?;
    normalize("authjwt_scope_claim", &mut settings.scope_claim)?;
    if settings.cookie_samesite == Some(SameSite::None) && !settings.cookie_secure {
        return Err(ConfigError::invalid(
            "authjwt_cookie_samesite",
            "'none' requires authjwt_cookie_secure: browsers drop SameSite=None cookies \
             that are not Secure",
        ));
    }
    if settings.max_token_size == 0 {
        return Err(ConfigError::invalid(
            "authjwt_max_token_size",
            "must be at least 1 byte",
        ));
    }
    Ok(())
}

/// Whether `name` starts with `prefix`, compared as browsers compare cookie prefixes
/// (ASCII case-insensitively).
fn has_cookie_prefix(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// Browsers drop a `__Host-` cookie that is not `Secure`, has a `Domain` or a path other
/// than `/`, and a `__Secure-` cookie that is not `Secure`: refused here, at start-up,
/// rather than surfacing later as "Missing cookie".
fn check_cookie_prefixes(settings: &Settings) -> Result<(), ConfigError> {
    for (setting, name, path) in [
        (
            "authjwt_access_cookie_key",
            &settings.access_cookie_key,
            &settings.access_cookie_path,
        ),
        (
            "authjwt_refresh_cookie_key",
            &settings.refresh_cookie_key,
            &settings.refresh_cookie_path,
        ),
        (
            "authjwt_access_csrf_cookie_key",
            &settings.access_csrf_cookie_key,
            &settings.access_csrf_cookie_path,
        ),
        (
            "authjwt_refresh_csrf_cookie_key",
            &settings.refresh_csrf_cookie_key,
            &settings.refresh_csrf_cookie_path,
        ),
    ] {
        if has_cookie_prefix(name, "__Host-")
            && (!settings.cookie_secure || settings.cookie_domain.is_some() || path != "/")
        {
            return Err(ConfigError::invalid(
                setting,
                "a __Host- cookie needs authjwt_cookie_secure, the path / and no \
                 authjwt_cookie_domain: browsers drop it otherwise",
            ));
        }
        if has_cookie_prefix(name, "__Secure-") && !settings.cookie_secure {
            return Err(ConfigError::invalid(
                setting,
                "a __Secure- cookie needs authjwt_cookie_secure: browsers drop it otherwise",
            ));
        }
    }
    Ok(())
}
