//! Key sets: several keys, each with its key ID (`kid`) and its one algorithm, for rotating
//! keys without logging anyone out.
//!
//! Under a key set, created tokens carry the signing key's `kid` in their header, and a
//! token's `kid` selects the one key that verifies it; the token's `alg` must then be that
//! key's algorithm (RFC 8725 §3.1), so a `kid` never lets a token choose how it is checked. A
//! token without `kid` is tried only against the keys marked
//! [`accepts_tokens_without_kid`](Key::accepts_tokens_without_kid), those that signed tokens
//! before the switch to a key set. The README's "Rotating keys" walks a rotation.
//!
//! ```
//! use authjwt::{Algorithm, AuthJwtConfig, Requirement, key_set::Key};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = AuthJwtConfig::builder()
//!     .key_set([
//!         Key::secret("2026-06", Algorithm::HS256, "a-random-secret-of-at-least-32-bytes")
//!             .signing(true),
//!         Key::secret("2026-01", Algorithm::HS512, [7u8; 64]),
//!     ])
//!     .build()?;
//! let token = config.create_access_token("alice")?;
//! let verified = config.verify(&token, Requirement::Access).await?;
//! assert_eq!(verified.header().key_id(), Some("2026-06"));
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::algorithm::Algorithm;
use crate::error::{ConfigError, DecodeError};
use crate::jwk::{PublicParameters, VerificationJwk};
use crate::keys::{BoundKey, KeyMaterial, SigningKey, secret_equals_key};

const KEY_SET: &str = "authjwt_key_set";

/// One key of a key set: its `kid`, its algorithm, its material, and its role.
///
/// Made by [`secret`](Self::secret), [`private_pem`](Self::private_pem),
/// [`public_pem`](Self::public_pem) or their `_file` forms, or deserialized (in
/// `authjwt_key_set` or the file of `authjwt_key_set_file`) from
///
/// ```json
/// {"kid": "2026-06", "algorithm": "ES256", "private_key_file": "2026-06.pem", "signing": true}
/// ```
///
/// with exactly one of `secret_key`, `private_key`, `public_key` (PEM text),
/// `private_key_file`, `public_key_file` (paths, relative to the key set file's directory when
/// they come from one), and optionally `signing` and `accepts_tokens_without_kid` (default
/// `false`). Checked by [`AuthJwtConfigBuilder::build`](crate::AuthJwtConfigBuilder::build).
/// `Debug` shows no secret and no private key.
#[derive(Clone, Deserialize)]
#[serde(try_from = "KeyEntry")]
#[must_use]
pub struct Key {
    kid: String,
    algorithm: Algorithm,
    material: Material,
    signing: bool,
    accepts_tokens_without_kid: bool,
}

#[derive(Clone)]
enum Material {
    Secret(Vec<u8>),
    PrivatePem(String),
    PublicPem(String),
    PrivatePemFile(PathBuf),
    PublicPemFile(PathBuf),
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let material = match &self.material {
            Material::Secret(_) => "secret <redacted>".to_owned(),
            Material::PrivatePem(_) => "private key <redacted>".to_owned(),
            Material::PublicPem(_) => "public key".to_owned(),
            Material::PrivatePemFile(path) => format!("private key file {}", path.display()),
            Material::PublicPemFile(path) => format!("public key file {}", path.display()),
        };
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("material", &material)
            .field("signing", &self.signing)
            .field(
                "accepts_tokens_without_kid",
                &self.accepts_tokens_without_kid,
            )
            .finish()
    }
}

impl Key {
    fn new(kid: impl Into<String>, algorithm: Algorithm, material: Material) -> Self {
        Self {
            kid: kid.into(),
            algorithm,
            material,
            signing: false,
            accepts_tokens_without_kid: false,
        }
    }

    /// An HMAC key (`HS256`, `HS384`, `HS512`): the secret, used as given.
    pub fn secret(kid: impl Into<String>, algorithm: Algorithm, secret: impl AsRef<[u8]>) -> Self {
        Self::new(kid, algorithm, Material::Secret(secret.as_ref().to_vec()))
    }

    /// A private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC): signs, and its public half
    /// verifies.
    pub fn private_pem(
        kid: impl Into<String>,
        algorithm: Algorithm,
        pem: impl Into<String>,
    ) -> Self {
        Self::new(kid, algorithm, Material::PrivatePem(pem.into()))
    }

    /// A public key (PEM: `PUBLIC KEY` or `RSA PUBLIC KEY`): verifies only.
    pub fn public_pem(
        kid: impl Into<String>,
        algorithm: Algorithm,
        pem: impl Into<String>,
    ) -> Self {
        Self::new(kid, algorithm, Material::PublicPem(pem.into()))
    }

    /// A public key from an RFC 7517 JWK, such as one of an OpenID provider's JWK Set: its
    /// `kid`, and its `alg` as the algorithm. Verifies only.
    ///
    /// Refused: a JWK with private or secret members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`,
    /// `k`); a `kty` other than `RSA`, `EC`, `OKP`; no `kid` or no `alg`; an `alg` that is
    /// HMAC or does not fit the `kty` and `crv`; a `use` other than `sig`; `key_ops` without
    /// `verify` or with anything but `sign` and `verify`; EC coordinates not of the curve's
    /// size; and any key [`public_pem`](Self::public_pem) would refuse (RSA below 2048 bits,
    /// a point not on its curve). Other members (`x5c`, `x5t`, ...) are ignored: no
    /// certificate is checked.
    ///
    /// ```
    /// use authjwt::{Algorithm, key_set::Key};
    /// use serde_json::json;
    ///
    /// let jwk = json!({
    ///     "kty": "OKP", "crv": "Ed25519", "kid": "2026-06", "alg": "EdDSA", "use": "sig",
    ///     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    /// });
    /// let key = Key::from_jwk(&jwk)?;
    /// assert_eq!((key.kid(), key.algorithm()), ("2026-06", Algorithm::EdDSA));
    ///
    /// let mut private = jwk.clone();
    /// private["d"] = json!("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
    /// assert!(Key::from_jwk(&private).is_err());
    /// # Ok::<(), authjwt::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidKey`] saying why the JWK is refused.
    pub fn from_jwk(jwk: &Value) -> Result<Self, ConfigError> {
        Self::from_verification_jwk(jwk, None)
    }

    /// As [`from_jwk`](Self::from_jwk), for a JWK that may have no `alg` (some providers
    /// publish none): it verifies `algorithm`, and if it has an `alg`, that must be
    /// `algorithm`.
    ///
    /// ```
    /// use authjwt::{Algorithm, key_set::Key};
    /// use serde_json::json;
    ///
    /// let jwk = json!({
    ///     "kty": "OKP", "crv": "Ed25519", "kid": "2026-06",
    ///     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    /// });
    /// assert!(Key::from_jwk(&jwk).is_err());
    /// assert_eq!(Key::from_jwk_with_algorithm(&jwk, Algorithm::EdDSA)?.algorithm(), Algorithm::EdDSA);
    /// assert!(Key::from_jwk_with_algorithm(&jwk, Algorithm::ES256).is_err());
    /// # Ok::<(), authjwt::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidKey`] saying why the JWK is refused.
    pub fn from_jwk_with_algorithm(jwk: &Value, algorithm: Algorithm) -> Result<Self, ConfigError> {
        Self::from_verification_jwk(jwk, Some(algorithm))
    }

    /// The keys of an RFC 7517 JWK Set (`{"keys": [...]}`), each read by
    /// [`from_jwk`](Self::from_jwk); one refused key refuses the set, since a set that
    /// cannot be read whole is not the one its publisher meant. Give the keys to
    /// [`AuthJwtConfigBuilder::key_set`](crate::AuthJwtConfigBuilder::key_set) or
    /// [`AuthJwtConfig::replace_keys`](crate::AuthJwtConfig::replace_keys).
    ///
    /// ```
    /// use authjwt::{AuthJwtConfig, key_set::Key};
    /// use serde_json::json;
    ///
    /// let jwks = json!({"keys": [{
    ///     "kty": "OKP", "crv": "Ed25519", "kid": "2026-06", "alg": "EdDSA",
    ///     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    /// }]});
    /// let config = AuthJwtConfig::builder().key_set(Key::from_jwk_set(&jwks)?).build()?;
    /// assert_eq!(config.jwk_set()["keys"][0]["x"], jwks["keys"][0]["x"]);
    /// # Ok::<(), authjwt::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidKey`] for a document without a `keys` list or with a refused
    /// key.
    pub fn from_jwk_set(jwk_set: &Value) -> Result<Vec<Self>, ConfigError> {
        jwk_set
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| ConfigError::InvalidKey {
                setting: KEY_SET,
                message: "a JWK Set is an object with a `keys` list".to_owned(),
            })?
            .iter()
            .enumerate()
            .map(|(index, jwk)| {
                Self::from_jwk(jwk).map_err(|err| ConfigError::InvalidKey {
                    setting: KEY_SET,
                    message: format!("JWK {index} of the set: {err}"),
                })
            })
            .collect()
    }

    fn from_verification_jwk(
        jwk: &Value,
        expected: Option<Algorithm>,
    ) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::InvalidKey {
            setting: KEY_SET,
            message,
        };
        let parsed = VerificationJwk::parse(jwk, expected).map_err(|message| {
            let kid = jwk.get("kid").and_then(Value::as_str).unwrap_or_default();
            invalid(format!("JWK `{kid}`: {message}"))
        })?;
        let pem = pem::encode(&pem::Pem::new("PUBLIC KEY", parsed.spki_der));
        let key = Self::public_pem(parsed.kid, parsed.algorithm, pem);
        // Bound once here so that a key the verifier cannot use is refused with the JWK,
        // not later with the key set.
        key.bind(false)?;
        Ok(key)
    }

    /// A private key read from the PEM file at `path` when the configuration is built, and
    /// again on each [`reload_keys`](crate::AuthJwtConfig::reload_keys).
    pub fn private_pem_file(
        kid: impl Into<String>,
        algorithm: Algorithm,
        path: impl Into<PathBuf>,
    ) -> Self {
        Self::new(kid, algorithm, Material::PrivatePemFile(path.into()))
    }

    /// A public key read from the PEM file at `path` when the configuration is built, and
    /// again on each [`reload_keys`](crate::AuthJwtConfig::reload_keys).
    pub fn public_pem_file(
        kid: impl Into<String>,
        algorithm: Algorithm,
        path: impl Into<PathBuf>,
    ) -> Self {
        Self::new(kid, algorithm, Material::PublicPemFile(path.into()))
    }

    /// Makes this the key that signs new tokens; a key set has at most one. Default `false`.
    pub fn signing(mut self, signing: bool) -> Self {
        self.signing = signing;
        self
    }

    /// Lets this key verify tokens without `kid`: those it signed before the configuration
    /// became a key set. Default `false`: a token without `kid` is refused unless a key of
    /// its algorithm says so.
    pub fn accepts_tokens_without_kid(mut self, accepts: bool) -> Self {
        self.accepts_tokens_without_kid = accepts;
        self
    }

    /// The key ID.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The one algorithm the key signs or verifies.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Relative key file paths taken as relative to `directory`.
    pub(crate) fn resolve_files(mut self, directory: &Path) -> Self {
        match &mut self.material {
            Material::PrivatePemFile(path) | Material::PublicPemFile(path)
                if path.is_relative() =>
            {
                *path = directory.join(&*path);
            }
            _ => {}
        }
        self
    }

    fn bind(&self, allow_weak_secret: bool) -> Result<BoundKey, ConfigError> {
        let invalid = |message: String| ConfigError::InvalidKey {
            setting: KEY_SET,
            message: format!("key `{}`: {message}", self.kid),
        };
        let read = |path: &Path| {
            std::fs::read_to_string(path)
                .map_err(|err| invalid(format!("cannot read key file `{}`: {err}", path.display())))
        };
        let text;
        let mut material = KeyMaterial {
            secret: None,
            private_pem: None,
            public_pem: None,
            allow_weak_secret,
        };
        match &self.material {
            Material::Secret(secret) => material.secret = Some(secret),
            Material::PrivatePem(pem) => material.private_pem = Some(pem.trim()),
            Material::PublicPem(pem) => material.public_pem = Some(pem.trim()),
            Material::PrivatePemFile(path) => {
                text = read(path)?;
                material.private_pem = Some(text.trim());
            }
            Material::PublicPemFile(path) => {
                text = read(path)?;
                material.public_pem = Some(text.trim());
            }
        }
        if self.signing && material.public_pem.is_some() {
            return Err(invalid("a public key cannot sign".to_owned()));
        }
        let bound =
            BoundKey::bind(&material, self.algorithm).map_err(|err| invalid(err.to_string()))?;
        Ok(bound)
    }

    /// The PEM text of an asymmetric key, for comparing secrets with it.
    fn pem_text(&self) -> Option<String> {
        match &self.material {
            Material::Secret(_) => None,
            Material::PrivatePem(pem) | Material::PublicPem(pem) => Some(pem.clone()),
            Material::PrivatePemFile(path) | Material::PublicPemFile(path) => {
                std::fs::read_to_string(path).ok()
            }
        }
    }
}

/// One key as serde reads it, before [`Key`]'s checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    kid: String,
    #[serde(alias = "alg")]
    algorithm: Algorithm,
    secret_key: Option<String>,
    private_key: Option<String>,
    public_key: Option<String>,
    private_key_file: Option<PathBuf>,
    public_key_file: Option<PathBuf>,
    #[serde(default)]
    signing: bool,
    #[serde(default)]
    accepts_tokens_without_kid: bool,
}

impl TryFrom<KeyEntry> for Key {
    type Error = String;

    fn try_from(entry: KeyEntry) -> Result<Self, String> {
        let mut materials = [
            entry
                .secret_key
                .map(|secret| Material::Secret(secret.trim().as_bytes().to_vec())),
            entry.private_key.map(Material::PrivatePem),
            entry.public_key.map(Material::PublicPem),
            entry.private_key_file.map(Material::PrivatePemFile),
            entry.public_key_file.map(Material::PublicPemFile),
        ]
        .into_iter()
        .flatten();
        let (Some(material), None) = (materials.next(), materials.next()) else {
            return Err(format!(
                "key `{}` needs exactly one of secret_key, private_key, public_key, \
                 private_key_file, public_key_file",
                entry.kid
            ));
        };
        Ok(Self::new(entry.kid, entry.algorithm, material)
            .signing(entry.signing)
            .accepts_tokens_without_kid(entry.accepts_tokens_without_kid))
    }
}

/// A validated key set: every key parsed and bound to its algorithm.
pub(crate) struct KeySetRing {
    keys: Vec<Arc<SetKey>>,
    signing: Option<Arc<SetKey>>,
    /// Counts the key sets a configuration has had, so that a token verified under an earlier
    /// one is verified again under the current one.
    pub(crate) generation: u64,
}

/// One key of a [`KeySetRing`].
pub(crate) struct SetKey {
    pub(crate) kid: String,
    pub(crate) algorithm: Algorithm,
    bound: BoundKey,
    accepts_tokens_without_kid: bool,
}

impl SetKey {
    pub(crate) fn signer(&self) -> Option<&SigningKey> {
        self.bound.signer.as_ref()
    }
}

impl fmt::Debug for KeySetRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySetRing")
            .field(
                "keys",
                &self
                    .keys
                    .iter()
                    .map(|key| format!("{} ({})", key.kid, key.algorithm))
                    .collect::<Vec<_>>(),
            )
            .field("signing", &self.signing.as_ref().map(|key| &key.kid))
            .field("generation", &self.generation)
            .finish()
    }
}

impl KeySetRing {
    /// Parses and checks `keys`: at least one, unique non-empty `kid`s, at most one signing
    /// key, each key's family fit for its algorithm, each algorithm in `allowed` (the
    /// configured decode algorithms, if any), and no HMAC secret equal to another key.
    pub(crate) fn build(
        keys: &[Key],
        allowed: Option<&[Algorithm]>,
        allow_weak_secret: bool,
    ) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::invalid(KEY_SET, message);
        if keys.is_empty() {
            return Err(invalid("at least one key is required".to_owned()));
        }
        for (index, key) in keys.iter().enumerate() {
            if key.kid.is_empty() {
                return Err(invalid("a key's kid may not be empty".to_owned()));
            }
            if keys[..index].iter().any(|earlier| earlier.kid == key.kid) {
                return Err(invalid(format!("the kid `{}` is used twice", key.kid)));
            }
            if allowed.is_some_and(|allowed| !allowed.contains(&key.algorithm)) {
                return Err(invalid(format!(
                    "key `{}` uses {}, which authjwt_decode_algorithms does not allow",
                    key.kid, key.algorithm
                )));
            }
        }
        if keys.iter().filter(|key| key.signing).count() > 1 {
            return Err(invalid("only one key may be the signing key".to_owned()));
        }
        for key in keys {
            let Material::Secret(secret) = &key.material else {
                continue;
            };
            if let Some(other) = keys.iter().find(|other| {
                other
                    .pem_text()
                    .is_some_and(|pem_text| secret_equals_key(secret, &pem_text))
            }) {
                return Err(invalid(format!(
                    "the secret of key `{}` equals the key `{}`: HMAC tokens keyed with that \
                     key would verify; use a random secret",
                    key.kid, other.kid
                )));
            }
        }
        let bound = keys
            .iter()
            .map(|key| {
                Ok(Arc::new(SetKey {
                    kid: key.kid.clone(),
                    algorithm: key.algorithm,
                    bound: key.bind(allow_weak_secret)?,
                    accepts_tokens_without_kid: key.accepts_tokens_without_kid,
                }))
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        let signing = keys
            .iter()
            .position(|key| key.signing)
            .map(|index| Arc::clone(&bound[index]));
        Ok(Self {
            keys: bound,
            signing,
            generation: 0,
        })
    }

    /// The key that signs new tokens, if one is marked so.
    pub(crate) fn signing_key(&self) -> Option<&Arc<SetKey>> {
        self.signing.as_ref()
    }

    /// Checks `signature` over `message` for a token whose header names `algorithm` and
    /// `kid`. With a `kid`, only that key, and only if the token's algorithm is the key's;
    /// without, only the keys of that algorithm that accept tokens without `kid`.
    pub(crate) fn verify(
        &self,
        algorithm: Algorithm,
        kid: Option<&str>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), DecodeError> {
        let verifies = |key: &SetKey| key.bound.verifier.verify(message, signature);
        if let Some(kid) = kid {
            let key = self
                .keys
                .iter()
                .find(|key| key.kid == kid)
                .ok_or(DecodeError::UnknownKeyId)?;
            if key.algorithm != algorithm {
                return Err(DecodeError::AlgorithmNotAllowed);
            }
            return if verifies(key) {
                Ok(())
            } else {
                Err(DecodeError::InvalidSignature)
            };
        }
        let mut without_kid = self
            .keys
            .iter()
            .filter(|key| key.accepts_tokens_without_kid)
            .peekable();
        if without_kid.peek().is_none() {
            return Err(DecodeError::MissingKeyId);
        }
        let mut of_algorithm = without_kid
            .filter(|key| key.algorithm == algorithm)
            .peekable();
        if of_algorithm.peek().is_none() {
            return Err(DecodeError::AlgorithmNotAllowed);
        }
        if of_algorithm.any(|key| verifies(key)) {
            Ok(())
        } else {
            Err(DecodeError::InvalidSignature)
        }
    }

    /// The public keys as RFC 7517 JWKs; HMAC keys have none to publish.
    pub(crate) fn public_jwks(&self) -> Vec<Value> {
        self.keys
            .iter()
            .filter_map(|key| {
                let der = key.bound.public_der.as_deref()?;
                let parameters = PublicParameters::of(key.algorithm, der)?;
                Some(parameters.to_jwk(&key.kid, key.algorithm))
            })
            .collect()
    }
}
