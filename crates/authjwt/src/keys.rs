//! Key material, parsed once when the configuration is built and bound to algorithms.
//!
//! Every configured algorithm gets its own signing and verifying key object here, so a
//! request only looks one up by the token's `alg`: it never parses a key, and an algorithm
//! without a key of its own family (a public key offered to the HMAC path, say) has no
//! entry to find.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm, Ed25519KeyPair, KeyPair,
    ParsedPublicKey, RsaEncoding, RsaKeyPair, RsaParameters,
};

use crate::algorithm::Algorithm;
use crate::error::ConfigError;

const SECRET_KEY: &str = "authjwt_secret_key";
const PUBLIC_KEY: &str = "authjwt_public_key";
const PRIVATE_KEY: &str = "authjwt_private_key";

/// The raw key settings, as configured.
pub(crate) struct KeyMaterial<'a> {
    pub(crate) secret: Option<&'a [u8]>,
    pub(crate) private_pem: Option<&'a str>,
    pub(crate) public_pem: Option<&'a str>,
    pub(crate) allow_weak_secret: bool,
}

/// The signing and verifying keys of every usable algorithm, indexed by [`Algorithm`].
pub(crate) struct KeyRing {
    signers: [Option<SigningKey>; Algorithm::ALL.len()],
    verifiers: [Option<VerifyingKey>; Algorithm::ALL.len()],
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |present: &dyn Fn(usize) -> bool| -> Vec<&'static str> {
            Algorithm::ALL
                .into_iter()
                .filter(|algorithm| present(algorithm.index()))
                .map(Algorithm::as_str)
                .collect()
        };
        f.debug_struct("KeyRing")
            .field("signing", &names(&|i| self.signers[i].is_some()))
            .field("verifying", &names(&|i| self.verifiers[i].is_some()))
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Parses the key material and binds it to algorithms.
    ///
    /// `signing_algorithm` must be signable with the material if the material for its family is
    /// configured at all; every algorithm of `decode_algorithms` must be verifiable.
    pub(crate) fn build(
        material: &KeyMaterial<'_>,
        signing_algorithm: Algorithm,
        decode_algorithms: &[Algorithm],
    ) -> Result<Self, ConfigError> {
        let private_key = material
            .private_pem
            .map(PrivateKey::from_pem)
            .transpose()
            .map_err(|message| ConfigError::InvalidKey {
                setting: PRIVATE_KEY,
                message,
            })?;
        let public_key = material
            .public_pem
            .map(PublicKey::from_pem)
            .transpose()
            .map_err(|message| ConfigError::InvalidKey {
                setting: PUBLIC_KEY,
                message,
            })?;
        check_secret_is_no_key(material, private_key.as_ref())?;

        let mut ring = KeyRing {
            signers: Default::default(),
            verifiers: Default::default(),
        };
        for algorithm in Algorithm::ALL {
            ring.signers[algorithm.index()] = match algorithm.min_secret_len() {
                Some(min_len) => material
                    .secret
                    .filter(|secret| material.allow_weak_secret || secret.len() >= min_len)
                    .map(|secret| SigningKey::Hmac(hmac_key(algorithm, secret))),
                None => private_key
                    .as_ref()
                    .and_then(|key| key.signer_for(algorithm)),
            };
        }

        check_signing_key(material, private_key.as_ref(), signing_algorithm)?;
        for &algorithm in decode_algorithms {
            let verifier = verifier_for(
                material,
                private_key.as_ref(),
                public_key.as_ref(),
                algorithm,
            )?;
            ring.verifiers[algorithm.index()] = Some(verifier);
        }
        Ok(ring)
    }

    /// The public key bytes that verify `algorithm` (see [`crate::jwk`]); `None` for HMAC.
    pub(crate) fn public_der(&self, algorithm: Algorithm) -> Option<&[u8]> {
        match self.verifier(algorithm)? {
            VerifyingKey::Public(key) => Some(key.as_ref()),
            VerifyingKey::Hmac(_) => None,
        }
    }

    pub(crate) fn signer(&self, algorithm: Algorithm) -> Option<&SigningKey> {
        self.signers[algorithm.index()].as_ref()
    }

    pub(crate) fn verifier(&self, algorithm: Algorithm) -> Option<&VerifyingKey> {
        self.verifiers[algorithm.index()].as_ref()
    }
}

/// One key of a key set, bound to its one algorithm.
pub(crate) struct BoundKey {
    pub(crate) signer: Option<SigningKey>,
    pub(crate) verifier: VerifyingKey,
    /// The public key's bytes as given (see [`crate::jwk`]); `None` for an HMAC secret.
    pub(crate) public_der: Option<Vec<u8>>,
}

impl BoundKey {
    /// Parses `material` (one kind of key) for `algorithm` alone, with the checks of
    /// [`KeyRing::build`]: the key's family must serve the algorithm.
    pub(crate) fn bind(
        material: &KeyMaterial<'_>,
        algorithm: Algorithm,
    ) -> Result<Self, ConfigError> {
        let mut ring = KeyRing::build(material, algorithm, &[algorithm])?;
        let verifier = ring.verifiers[algorithm.index()]
            .take()
            .ok_or(ConfigError::MissingKey {
                setting: PUBLIC_KEY,
                algorithm,
            })?;
        let public_der = match &verifier {
            VerifyingKey::Public(key) => Some(key.as_ref().to_vec()),
            VerifyingKey::Hmac(_) => None,
        };
        Ok(Self {
            signer: ring.signers[algorithm.index()].take(),
            verifier,
            public_der,
        })
    }
}

/// An HMAC secret equal to a configured key makes that key an HMAC key too: whoever knows it
/// (anyone, for a public key) could make HMAC tokens that verify.
fn check_secret_is_no_key(
    material: &KeyMaterial<'_>,
    private_key: Option<&PrivateKey>,
) -> Result<(), ConfigError> {
    let Some(secret) = material.secret else {
        return Ok(());
    };
    let equals_key = |setting: &'static str| ConfigError::InvalidValue {
        setting: SECRET_KEY,
        message: format!(
            "equals the key of {setting}: HMAC tokens keyed with that key would verify; use a \
             random secret"
        ),
    };
    for (setting, pem_text) in [
        (PUBLIC_KEY, material.public_pem),
        (PRIVATE_KEY, material.private_pem),
    ] {
        if pem_text.is_some_and(|pem_text| secret_equals_pem(secret, pem_text)) {
            return Err(equals_key(setting));
        }
    }
    if private_key.is_some_and(|key| secret == key.public_der()) {
        return Err(equals_key(PRIVATE_KEY));
    }
    Ok(())
}

/// Whether `secret` is the key of `pem_text`: the PEM text (whitespace ignored, so line
/// endings and trimming make no difference), its DER contents, or, for a private key, the raw
/// public half.
pub(crate) fn secret_equals_key(secret: &[u8], pem_text: &str) -> bool {
    secret_equals_pem(secret, pem_text)
        || PrivateKey::from_pem(pem_text).is_ok_and(|key| secret == key.public_der())
}

fn secret_equals_pem(secret: &[u8], pem_text: &str) -> bool {
    let without_whitespace = |bytes: &[u8]| -> Vec<u8> {
        bytes
            .iter()
            .copied()
            .filter(|byte| !byte.is_ascii_whitespace())
            .collect()
    };
    let der = pem::parse(pem_text)
        .map(pem::Pem::into_contents)
        .unwrap_or_default();
    without_whitespace(secret) == without_whitespace(pem_text.as_bytes())
        || secret == der.as_slice()
}

/// The configured signing algorithm must be usable with whatever key of its family is set.
/// A service that only verifies may leave the signing key out entirely.
fn check_signing_key(
    material: &KeyMaterial<'_>,
    private_key: Option<&PrivateKey>,
    algorithm: Algorithm,
) -> Result<(), ConfigError> {
    match algorithm.min_secret_len() {
        Some(min_len) => match material.secret {
            Some(secret) if !material.allow_weak_secret && secret.len() < min_len => {
                Err(ConfigError::WeakSecret {
                    algorithm,
                    min_len,
                    len: secret.len(),
                })
            }
            _ => Ok(()),
        },
        None => match private_key {
            Some(key) if key.signer_for(algorithm).is_none() => Err(ConfigError::InvalidKey {
                setting: PRIVATE_KEY,
                message: format!("a {} key cannot sign with {algorithm}", key.family()),
            }),
            _ => Ok(()),
        },
    }
}

fn verifier_for(
    material: &KeyMaterial<'_>,
    private_key: Option<&PrivateKey>,
    public_key: Option<&PublicKey>,
    algorithm: Algorithm,
) -> Result<VerifyingKey, ConfigError> {
    if let Some(min_len) = algorithm.min_secret_len() {
        let secret = material.secret.ok_or(ConfigError::MissingKey {
            setting: SECRET_KEY,
            algorithm,
        })?;
        if !material.allow_weak_secret && secret.len() < min_len {
            return Err(ConfigError::WeakSecret {
                algorithm,
                min_len,
                len: secret.len(),
            });
        }
        return Ok(VerifyingKey::Hmac(hmac_key(algorithm, secret)));
    }
    // Without a public key, the private key's own public half verifies what it signs.
    let (setting, public_der, family) = match (public_key, private_key) {
        (Some(public), _) => (PUBLIC_KEY, public.der.as_slice(), public.family),
        (None, Some(private)) => (PRIVATE_KEY, private.public_der(), private.family()),
        (None, None) => {
            return Err(ConfigError::MissingKey {
                setting: PUBLIC_KEY,
                algorithm,
            });
        }
    };
    let mismatch = || ConfigError::InvalidKey {
        setting,
        message: format!("a {family} key cannot verify {algorithm}"),
    };
    let parameters = verification_algorithm(algorithm).ok_or_else(mismatch)?;
    if family != KeyFamily::of(algorithm) {
        return Err(mismatch());
    }
    ParsedPublicKey::new(parameters, public_der)
        .map(VerifyingKey::Public)
        .map_err(|rejected| ConfigError::InvalidKey {
            setting,
            message: format!("the key is not usable with {algorithm}: {rejected}"),
        })
}

fn hmac_key(algorithm: Algorithm, secret: &[u8]) -> Box<hmac::Key> {
    let hash = match algorithm {
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    };
    Box::new(hmac::Key::new(hash, secret))
}

fn verification_algorithm(
    algorithm: Algorithm,
) -> Option<&'static dyn signature::VerificationAlgorithm> {
    Some(match algorithm {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
        Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
        Algorithm::ES512 => &signature::ECDSA_P521_SHA512_FIXED,
        Algorithm::EdDSA => &signature::ED25519,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => return None,
    })
}

/// The kind of asymmetric key, which decides the algorithms it may serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFamily {
    Rsa,
    P256,
    P384,
    P521,
    Ed25519,
    Hmac,
}

impl KeyFamily {
    fn of(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => Self::Rsa,
            Algorithm::ES256 => Self::P256,
            Algorithm::ES384 => Self::P384,
            Algorithm::ES512 => Self::P521,
            Algorithm::EdDSA => Self::Ed25519,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => Self::Hmac,
        }
    }
}

impl fmt::Display for KeyFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rsa => "RSA",
            Self::P256 => "P-256",
            Self::P384 => "P-384",
            Self::P521 => "P-521",
            Self::Ed25519 => "Ed25519",
            Self::Hmac => "HMAC",
        })
    }
}

const EC_CURVES: [(KeyFamily, &EcdsaSigningAlgorithm, Algorithm); 3] = [
    (
        KeyFamily::P256,
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        Algorithm::ES256,
    ),
    (
        KeyFamily::P384,
        &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        Algorithm::ES384,
    ),
    (
        KeyFamily::P521,
        &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
        Algorithm::ES512,
    ),
];

const EC_VERIFIERS: [(KeyFamily, &EcdsaVerificationAlgorithm); 3] = [
    (KeyFamily::P256, &signature::ECDSA_P256_SHA256_FIXED),
    (KeyFamily::P384, &signature::ECDSA_P384_SHA384_FIXED),
    (KeyFamily::P521, &signature::ECDSA_P521_SHA512_FIXED),
];

/// A parsed private key of one family.
enum PrivateKey {
    Rsa(Arc<RsaKeyPair>),
    Ec(Arc<EcdsaKeyPair>, KeyFamily, Algorithm),
    Ed25519(Arc<Ed25519KeyPair>),
}

impl PrivateKey {
    fn from_pem(text: &str) -> Result<Self, String> {
        let block = pem::parse(text).map_err(|err| format!("not a PEM key: {err}"))?;
        let der = block.contents();
        let rejected = |kind: &str| format!("the PEM block is not a valid {kind}");
        match block.tag() {
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(der)
                .map(|pair| Self::Rsa(Arc::new(pair)))
                .map_err(|_| rejected("RSA private key (at least 2048 bits)")),
            "EC PRIVATE KEY" => Self::ec_from_der(der)
                .ok_or_else(|| rejected("EC private key on P-256, P-384 or P-521")),
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(der)
                .map(|pair| Self::Rsa(Arc::new(pair)))
                .ok()
                .or_else(|| Self::ec_from_der(der))
                .or_else(|| {
                    Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                        .ok()
                        .map(|pair| Self::Ed25519(Arc::new(pair)))
                })
                .ok_or_else(|| {
                    rejected(
                        "PKCS#8 private key (RSA of at least 2048 bits, EC on P-256, P-384 \
                         or P-521, or Ed25519)",
                    )
                }),
            "ENCRYPTED PRIVATE KEY" => Err("encrypted private keys are not supported".to_owned()),
            tag => Err(format!("a PEM block labelled `{tag}` is not a private key")),
        }
    }

    fn ec_from_der(der: &[u8]) -> Option<Self> {
        EC_CURVES
            .into_iter()
            .find_map(|(family, signing, algorithm)| {
                EcdsaKeyPair::from_private_key_der(signing, der)
                    .ok()
                    .map(|pair| Self::Ec(Arc::new(pair), family, algorithm))
            })
    }

    fn family(&self) -> KeyFamily {
        match self {
            Self::Rsa(_) => KeyFamily::Rsa,
            Self::Ec(_, family, _) => *family,
            Self::Ed25519(_) => KeyFamily::Ed25519,
        }
    }

    fn public_der(&self) -> &[u8] {
        match self {
            Self::Rsa(pair) => pair.public_key().as_ref(),
            Self::Ec(pair, ..) => pair.public_key().as_ref(),
            Self::Ed25519(pair) => pair.public_key().as_ref(),
        }
    }

    fn signer_for(&self, algorithm: Algorithm) -> Option<SigningKey> {
        match self {
            Self::Rsa(pair) => rsa_padding(algorithm).map(|padding| SigningKey::Rsa {
                pair: Arc::clone(pair),
                padding,
            }),
            Self::Ec(pair, _, curve_algorithm) if *curve_algorithm == algorithm => {
                Some(SigningKey::Ecdsa(Arc::clone(pair)))
            }
            Self::Ed25519(pair) if algorithm == Algorithm::EdDSA => {
                Some(SigningKey::Ed25519(Arc::clone(pair)))
            }
            _ => None,
        }
    }
}

fn rsa_padding(algorithm: Algorithm) -> Option<&'static dyn RsaEncoding> {
    Some(match algorithm {
        Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => return None,
    })
}

/// A public key whose family is known; bound to algorithms by [`verifier_for`].
struct PublicKey {
    der: Vec<u8>,
    family: KeyFamily,
}

impl PublicKey {
    fn from_pem(text: &str) -> Result<Self, String> {
        let block = pem::parse(text).map_err(|err| format!("not a PEM key: {err}"))?;
        if !matches!(block.tag(), "PUBLIC KEY" | "RSA PUBLIC KEY") {
            return Err(format!(
                "a PEM block labelled `{}` is not a public key",
                block.tag()
            ));
        }
        let der = block.into_contents();
        let rsa: &RsaParameters = &signature::RSA_PKCS1_2048_8192_SHA256;
        let family = if ParsedPublicKey::new(rsa, &der).is_ok() {
            KeyFamily::Rsa
        } else if let Some((family, _)) = EC_VERIFIERS
            .into_iter()
            .find(|(_, verification)| ParsedPublicKey::new(*verification, &der).is_ok())
        {
            family
        } else if ParsedPublicKey::new(&signature::ED25519, &der).is_ok() {
            KeyFamily::Ed25519
        } else {
            return Err(
                "the PEM block is not an RSA (at least 2048 bits), EC (P-256, P-384, P-521) \
                 or Ed25519 public key"
                    .to_owned(),
            );
        };
        Ok(Self { der, family })
    }
}

/// A key that signs with one algorithm.
pub(crate) enum SigningKey {
    Hmac(Box<hmac::Key>),
    Rsa {
        pair: Arc<RsaKeyPair>,
        padding: &'static dyn RsaEncoding,
    },
    Ecdsa(Arc<EcdsaKeyPair>),
    Ed25519(Arc<Ed25519KeyPair>),
}

impl SigningKey {
    /// The raw signature over `message`, or `None` if the primitive failed.
    pub(crate) fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Hmac(key) => Some(hmac::sign(key, message).as_ref().to_vec()),
            Self::Rsa { pair, padding } => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(*padding, &SystemRandom::new(), message, &mut signature)
                    .ok()?;
                Some(signature)
            }
            Self::Ecdsa(pair) => pair
                .sign(&SystemRandom::new(), message)
                .ok()
                .map(|signature| signature.as_ref().to_vec()),
            Self::Ed25519(pair) => Some(pair.sign(message).as_ref().to_vec()),
        }
    }
}

/// A key that verifies one algorithm.
pub(crate) enum VerifyingKey {
    Hmac(Box<hmac::Key>),
    Public(ParsedPublicKey),
}

impl VerifyingKey {
    /// Whether `signature` is valid for `message`. HMAC tags are compared in constant time.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Hmac(key) => hmac::verify(key, message, signature).is_ok(),
            Self::Public(key) => key.verify_sig(message, signature).is_ok(),
        }
    }
}
