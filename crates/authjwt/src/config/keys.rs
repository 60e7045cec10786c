//! The configuration's keys: the original's one key per family, or a key set that can be
//! reloaded while the process runs.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use serde_json::{Value, json};

use super::settings::Settings;
use super::{AuthJwtConfig, ConfigError};
use crate::Algorithm;
use crate::error::{CreateTokenError, DecodeError};
use crate::jwk::PublicParameters;
use crate::key_set::{Key, KeySetRing, SetKey};
use crate::keys::{KeyMaterial, KeyRing, SigningKey};

const KEY_SET: &str = "authjwt_key_set";
const KEY_SET_FILE: &str = "authjwt_key_set_file";

/// The keys of a configuration.
// One per configuration: the single-key ring stays inline, as it was before key sets.
#[allow(clippy::large_enum_variant)]
pub(super) enum Keys {
    /// `secret_key`, `private_key` and `public_key`, as the original has them.
    Single(KeyRing),
    /// `key_set` or `key_set_file`. Replaced whole on reload: a verification reads the lock
    /// once and uses one key set throughout, so no token ever meets half of two.
    Set(RwLock<Arc<KeySetRing>>),
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Single(ring) => ring.fmt(f),
            Self::Set(ring) => ring.read().unwrap_or_else(PoisonError::into_inner).fmt(f),
        }
    }
}

impl Keys {
    pub(super) fn build(settings: &Settings) -> Result<Self, ConfigError> {
        let Some(keys) = configured_keys(settings)? else {
            let ring = KeyRing::build(
                &KeyMaterial {
                    secret: settings
                        .secret_key
                        .as_ref()
                        .map(|secret| secret.expose().as_slice()),
                    private_pem: settings
                        .private_key
                        .as_ref()
                        .map(|pem| pem.expose().as_str()),
                    public_pem: settings.public_key.as_deref(),
                    allow_weak_secret: settings.allow_weak_secret,
                },
                settings.algorithm,
                settings.effective_decode_algorithms(),
            )?;
            return Ok(Self::Single(ring));
        };
        if settings.secret_key.is_some()
            || settings.private_key.is_some()
            || settings.public_key.is_some()
        {
            return Err(ConfigError::invalid(
                KEY_SET,
                "cannot be combined with authjwt_secret_key, authjwt_private_key or \
                 authjwt_public_key: give every key in the key set",
            ));
        }
        let ring = build_ring(settings, &keys)?;
        Ok(Self::Set(RwLock::new(Arc::new(ring))))
    }
}

fn build_ring(settings: &Settings, keys: &[Key]) -> Result<KeySetRing, ConfigError> {
    KeySetRing::build(
        keys,
        settings.decode_algorithms.as_deref(),
        settings.allow_weak_secret,
    )
}

/// The keys of `key_set`, or read from `key_set_file`; `None` without a key set.
fn configured_keys(settings: &Settings) -> Result<Option<Vec<Key>>, ConfigError> {
    match (&settings.key_set, &settings.key_set_file) {
        (Some(_), Some(_)) => Err(ConfigError::invalid(
            KEY_SET_FILE,
            "given with authjwt_key_set; set only one",
        )),
        (Some(keys), None) => Ok(Some(keys.clone())),
        (None, Some(path)) => read_key_set_file(path).map(Some),
        (None, None) => Ok(None),
    }
}

/// The keys listed in the JSON file at `path`, their relative file paths taken from the
/// file's directory.
fn read_key_set_file(path: &Path) -> Result<Vec<Key>, ConfigError> {
    let invalid = |message: String| {
        ConfigError::invalid(KEY_SET_FILE, format!("`{}`: {message}", path.display()))
    };
    let text = std::fs::read_to_string(path).map_err(|err| invalid(err.to_string()))?;
    let keys: Vec<Key> = serde_json::from_str(&text).map_err(|err| invalid(err.to_string()))?;
    let directory = path.parent().unwrap_or(Path::new("."));
    Ok(keys
        .into_iter()
        .map(|key| key.resolve_files(directory))
        .collect())
}

/// The key that signs a token, with its algorithm and, under a key set, its `kid`.
pub(crate) enum Signer<'a> {
    Single {
        algorithm: Algorithm,
        key: &'a SigningKey,
    },
    Set(Arc<SetKey>),
}

impl Signer<'_> {
    pub(crate) fn algorithm(&self) -> Algorithm {
        match self {
            Self::Single { algorithm, .. } => *algorithm,
            Self::Set(key) => key.algorithm,
        }
    }

    /// The `kid` the token's header must carry: the key set's, none otherwise.
    pub(crate) fn kid(&self) -> Option<&str> {
        match self {
            Self::Single { .. } => None,
            Self::Set(key) => Some(&key.kid),
        }
    }

    /// The raw signature over `message`, or `None` if the primitive failed.
    pub(crate) fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Single { key, .. } => key.sign(message),
            Self::Set(key) => key.signer()?.sign(message),
        }
    }
}

impl AuthJwtConfig {
    /// The key that signs with `requested`, or by default with `authjwt_algorithm` (under a
    /// key set, the signing key, whose algorithm `requested` must be).
    pub(crate) fn signer(
        &self,
        requested: Option<Algorithm>,
    ) -> Result<Signer<'_>, CreateTokenError> {
        match &self.inner.keys {
            Keys::Single(ring) => {
                let algorithm = requested.unwrap_or(self.settings().algorithm);
                ring.signer(algorithm)
                    .map(|key| Signer::Single { algorithm, key })
                    .ok_or(CreateTokenError::NoSigningKey(algorithm))
            }
            Keys::Set(ring) => {
                let ring = ring.read().unwrap_or_else(PoisonError::into_inner);
                let key = ring
                    .signing_key()
                    .filter(|key| requested.is_none_or(|algorithm| algorithm == key.algorithm))
                    .ok_or_else(|| {
                        CreateTokenError::NoSigningKey(
                            requested.unwrap_or(self.settings().algorithm),
                        )
                    })?;
                Ok(Signer::Set(Arc::clone(key)))
            }
        }
    }

    /// Checks a token's signature with the key its header selects. Returns the generation of
    /// the key set that verified it (0 without a key set), which a cached verification must
    /// still match.
    pub(crate) fn check_signature(
        &self,
        algorithm: Algorithm,
        kid: Option<&str>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<u64, DecodeError> {
        match &self.inner.keys {
            Keys::Single(ring) => {
                let verifier = ring
                    .verifier(algorithm)
                    .ok_or(DecodeError::AlgorithmNotAllowed)?;
                if verifier.verify(message, signature) {
                    Ok(0)
                } else {
                    Err(DecodeError::InvalidSignature)
                }
            }
            Keys::Set(ring) => {
                let ring = ring.read().unwrap_or_else(PoisonError::into_inner);
                ring.verify(algorithm, kid, message, signature)?;
                Ok(ring.generation)
            }
        }
    }

    /// The generation of the current key set (0 without a key set).
    pub(crate) fn key_generation(&self) -> u64 {
        match &self.inner.keys {
            Keys::Single(_) => 0,
            Keys::Set(ring) => {
                ring.read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .generation
            }
        }
    }

    /// Reads the key set again from where it was configured (`authjwt_key_set_file`, and the
    /// key files its keys name) and puts it in place of the current one, atomically: each
    /// verification runs under either the old key set or the new one. A key set that fails
    /// [`build`](crate::AuthJwtConfigBuilder::build)'s checks is refused and the current one
    /// kept. Tokens remembered by the verified-token cache are verified again under the new
    /// keys, so a removed key stops verifying at once.
    ///
    /// Call it when the files change: on `SIGHUP`, say, or from a timer.
    ///
    /// ```
    /// use authjwt::{Algorithm, AuthJwtConfig, Requirement};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = std::env::temp_dir().join(format!("authjwt-doc-reload-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let file = dir.join("keys.json");
    /// let old = r#"{"kid": "old", "alg": "HS256", "secret_key": "an-old-random-secret-of-32-bytes!!"}"#;
    /// let new = r#"{"kid": "new", "alg": "HS256", "secret_key": "a-new-random-secret-of-32-bytes!!!", "signing": true}"#;
    /// std::fs::write(&file, format!("[{}]", old.replace('}', r#", "signing": true}"#)))?;
    /// let config = AuthJwtConfig::builder().key_set_file(&file).build()?;
    /// let before = config.create_access_token("alice")?;
    ///
    /// std::fs::write(&file, format!("[{old}, {new}]"))?;
    /// config.reload_keys()?;
    /// let after = config.create_access_token("alice")?;
    /// assert_eq!(config.decode(&after)?.header().key_id(), Some("new"));
    /// assert!(config.verify(&before, Requirement::Access).await.is_ok());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for a configuration without a key set, a file that cannot be read, or
    /// a key set `build` would refuse.
    pub fn reload_keys(&self) -> Result<(), ConfigError> {
        let keys = configured_keys(self.settings())?.ok_or_else(no_key_set)?;
        self.install_key_set(&keys)
    }

    /// Puts `keys` in place of the current key set, as [`reload_keys`](Self::reload_keys)
    /// does, for keys that come from elsewhere than the configured files. A later
    /// `reload_keys` reads the configured ones again.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for a configuration without a key set, or a key set that
    /// [`build`](crate::AuthJwtConfigBuilder::build) would refuse; the current one is kept.
    pub fn replace_keys(&self, keys: impl IntoIterator<Item = Key>) -> Result<(), ConfigError> {
        self.install_key_set(&keys.into_iter().collect::<Vec<_>>())
    }

    fn install_key_set(&self, keys: &[Key]) -> Result<(), ConfigError> {
        let Keys::Set(current) = &self.inner.keys else {
            return Err(no_key_set());
        };
        // Parsed before the lock is taken: verifications wait only for the pointer swap.
        let mut ring = build_ring(self.settings(), keys)?;
        let mut current = current.write().unwrap_or_else(PoisonError::into_inner);
        ring.generation = current.generation.wrapping_add(1);
        *current = Arc::new(ring);
        Ok(())
    }

    /// The public verification keys as an RFC 7517 JWK Set, for
    /// `GET /.well-known/jwks.json`: `{"keys": [...]}`, each key with `kty`, `kid`,
    /// `use: "sig"`, `alg` and its public members (`n`, `e` for RSA; `crv`, `x`, `y` for
    /// EC; `crv`, `x` for Ed25519). Never an HMAC secret nor a private part: HMAC keys are
    /// left out, so `{"keys": []}` with HMAC only.
    ///
    /// Under a key set, each key has its own `kid`. With one key pair, the key is listed once
    /// per configured asymmetric algorithm, with its RFC 7638 thumbprint as `kid`.
    ///
    /// ```
    /// use authjwt::{Algorithm, AuthJwtConfig, key_set::Key};
    ///
    /// let pem = std::fs::read_to_string(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/tests/fixtures/ec256_private.pem"
    /// ))?;
    /// let config = AuthJwtConfig::builder()
    ///     .key_set([Key::private_pem("2026-06", Algorithm::ES256, pem).signing(true)])
    ///     .build()?;
    /// let jwks = config.jwk_set();
    /// let key = &jwks["keys"][0];
    /// assert_eq!((key["kid"].as_str(), key["kty"].as_str()), (Some("2026-06"), Some("EC")));
    /// assert_eq!((key["alg"].as_str(), key["use"].as_str()), (Some("ES256"), Some("sig")));
    /// assert!(key.get("d").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn jwk_set(&self) -> Value {
        let keys = match &self.inner.keys {
            Keys::Set(ring) => ring
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .public_jwks(),
            Keys::Single(ring) => {
                let mut algorithms = self.settings().effective_decode_algorithms().to_vec();
                algorithms.dedup();
                algorithms
                    .into_iter()
                    .filter_map(|algorithm| {
                        let parameters =
                            PublicParameters::of(algorithm, ring.public_der(algorithm)?)?;
                        Some(parameters.to_jwk(&parameters.thumbprint(), algorithm))
                    })
                    .collect()
            }
        };
        json!({ "keys": keys })
    }
}

fn no_key_set() -> ConfigError {
    ConfigError::invalid(
        KEY_SET,
        "no key set is configured: only authjwt_key_set or authjwt_key_set_file can be reloaded",
    )
}
