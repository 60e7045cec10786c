//! Public keys as RFC 7517 JSON Web Keys: written for publishing a JWK Set, read for
//! verifying with keys another party published.
//!
//! The public key bytes come as the PEM or the private key gave them: an X.509
//! `SubjectPublicKeyInfo`, a PKCS#1 `RSAPublicKey`, an uncompressed EC point or a raw Ed25519
//! key. Only the few DER elements these hold are read here; anything else gives no JWK
//! rather than a wrong one. A JWK read in becomes a `SubjectPublicKeyInfo`, which the key
//! parser then checks as it checks any public key (RSA size, point on the curve).

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;

// The `AlgorithmIdentifier` contents of a `SubjectPublicKeyInfo` (RFC 3279, RFC 5480,
// RFC 8410): the OID, and for RSA its NULL parameters, for EC the curve's OID.
const RSA_ENCRYPTION: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
const ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];

/// JWK members that hold private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4;
/// RFC 8037 §2).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// A JWK accepted for verification: its `kid`, its one algorithm, and its public key as an
/// X.509 `SubjectPublicKeyInfo`.
#[derive(Debug)]
pub(crate) struct VerificationJwk {
    pub(crate) kid: String,
    pub(crate) algorithm: Algorithm,
    pub(crate) spki_der: Vec<u8>,
}

impl VerificationJwk {
    /// Reads `jwk` as a public signature-verification key (RFC 7517, RFC 7518 §6, RFC 8037),
    /// refusing anything that is not exactly that: private or symmetric members, a `kty`
    /// other than `RSA`, `EC` and `OKP`, a `use` other than `sig`, `key_ops` without
    /// `verify` or with non-signature operations, an `alg` that is HMAC or does not fit the
    /// key type and curve, and EC coordinates not of the curve's full size.
    ///
    /// The algorithm is the JWK's `alg`; a JWK without one verifies `expected`, and with one
    /// it must be `expected` when that is given (RFC 8725 §3.1: one key, one algorithm).
    pub(crate) fn parse(jwk: &Value, expected: Option<Algorithm>) -> Result<Self, String> {
        let jwk = jwk.as_object().ok_or("a JWK is a JSON object")?;
        if let Some(member) = PRIVATE_MEMBERS.iter().find(|name| jwk.contains_key(**name)) {
            return Err(format!(
                "the JWK holds private or secret key material (`{member}`); only public keys \
                 are taken"
            ));
        }
        let text = |name: &str| -> Result<Option<&str>, String> {
            jwk.get(name)
                .map(|value| {
                    value
                        .as_str()
                        .ok_or_else(|| format!("the JWK's `{name}` is not a string"))
                })
                .transpose()
        };
        let required = |name: &str| text(name)?.ok_or_else(|| format!("the JWK has no `{name}`"));
        let bytes = |name: &str| {
            URL_SAFE_NO_PAD
                .decode(required(name)?)
                .map_err(|err| format!("the JWK's `{name}` is not base64url: {err}"))
        };
        let kid = required("kid")?;
        if kid.is_empty() {
            return Err("the JWK's `kid` is empty".to_owned());
        }
        if let Some(key_use) = text("use")?
            && key_use != "sig"
        {
            return Err(format!(
                "the JWK's `use` is `{key_use}`, not `sig`: it is not a signature key"
            ));
        }
        if let Some(operations) = jwk.get("key_ops") {
            check_key_operations(operations)?;
        }
        let algorithm = match (text("alg")?, expected) {
            (Some(name), expected) => {
                let algorithm = Algorithm::from_header(name)
                    .ok_or_else(|| format!("the JWK's `alg` `{name}` is no JWS algorithm"))?;
                if expected.is_some_and(|expected| expected != algorithm) {
                    return Err(format!(
                        "the JWK's `alg` is {algorithm}, not the expected {}",
                        expected.map_or("", Algorithm::as_str)
                    ));
                }
                algorithm
            }
            (None, Some(expected)) => expected,
            (None, None) => {
                return Err(
                    "the JWK has no `alg`, and no algorithm was given for it: a key verifies \
                     one algorithm (RFC 8725 §3.1)"
                        .to_owned(),
                );
            }
        };
        let kty = required("kty")?;
        let (identifier, public_key) = match (kty, algorithm) {
            (
                "RSA",
                Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512,
            ) => {
                let modulus = bytes("n")?;
                // The verifier would refuse a smaller modulus only when verifying; a key
                // set refuses it when it is read (RFC 7518 §3.3: 2048 bits or larger).
                let bits = significant_bits(&modulus);
                if !(2048..=8192).contains(&bits) {
                    return Err(format!(
                        "the RSA modulus has {bits} bits; 2048 to 8192 are accepted"
                    ));
                }
                let mut integers = der_unsigned(&modulus);
                integers.extend(der_unsigned(&bytes("e")?));
                (RSA_ENCRYPTION.to_vec(), der(SEQUENCE, &integers))
            }
            ("EC", Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512) => {
                let (crv, curve, coordinate_len) = match algorithm {
                    Algorithm::ES256 => ("P-256", P256, 32),
                    Algorithm::ES384 => ("P-384", P384, 48),
                    _ => ("P-521", P521, 66),
                };
                if required("crv")? != crv {
                    return Err(format!("an {algorithm} key's `crv` must be {crv}"));
                }
                let mut point = vec![0x04];
                for name in ["x", "y"] {
                    let coordinate = bytes(name)?;
                    if coordinate.len() != coordinate_len {
                        return Err(format!(
                            "the JWK's `{name}` is {} bytes, not {crv}'s {coordinate_len}",
                            coordinate.len()
                        ));
                    }
                    point.extend(coordinate);
                }
                ([EC_PUBLIC_KEY, curve].concat(), point)
            }
            ("OKP", Algorithm::EdDSA) => {
                if required("crv")? != "Ed25519" {
                    return Err("an EdDSA key's `crv` must be Ed25519".to_owned());
                }
                let x = bytes("x")?;
                if x.len() != 32 {
                    return Err(format!("the JWK's `x` is {} bytes, not 32", x.len()));
                }
                (ED25519.to_vec(), x)
            }
            ("RSA" | "EC" | "OKP" | "oct", _) => {
                return Err(format!("a `{kty}` key cannot verify {algorithm}"));
            }
            (other, _) => return Err(format!("the JWK's `kty` `{other}` is not supported")),
        };
        let mut bit_string = vec![0];
        bit_string.extend(public_key);
        let mut info = der(SEQUENCE, &identifier);
        info.extend(der(BIT_STRING, &bit_string));
        Ok(Self {
            kid: kid.to_owned(),
            algorithm,
            spki_der: der(SEQUENCE, &info),
        })
    }
}

/// `key_ops` (RFC 7517 §4.3) of a verification key: a list of distinct operations that
/// includes `verify`, and nothing but `sign` and `verify` (the operations of one key pair).
fn check_key_operations(operations: &Value) -> Result<(), String> {
    let operations = operations
        .as_array()
        .ok_or("the JWK's `key_ops` is not a list")?;
    let mut seen = Vec::with_capacity(operations.len());
    for operation in operations {
        let operation = operation
            .as_str()
            .ok_or("the JWK's `key_ops` holds a non-string")?;
        if !matches!(operation, "sign" | "verify") {
            return Err(format!(
                "the JWK's `key_ops` allows `{operation}`: it is not a signature key"
            ));
        }
        if seen.contains(&operation) {
            return Err(format!("the JWK's `key_ops` lists `{operation}` twice"));
        }
        seen.push(operation);
    }
    if !seen.contains(&"verify") {
        return Err("the JWK's `key_ops` does not allow `verify`".to_owned());
    }
    Ok(())
}

/// The public parameters of a key, by key type (RFC 7518 §6, RFC 8037 §2).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PublicParameters {
    Rsa {
        n: String,
        e: String,
    },
    Ec {
        crv: &'static str,
        x: String,
        y: String,
    },
    Okp {
        crv: &'static str,
        x: String,
    },
}

impl PublicParameters {
    /// The parameters of `public_der`, the public key of an `algorithm` key. `None` for an
    /// HMAC algorithm or bytes that are not such a key.
    pub(crate) fn of(algorithm: Algorithm, public_der: &[u8]) -> Option<Self> {
        let key = subject_public_key(public_der).unwrap_or(public_der);
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let ec = |crv, coordinate_len: usize| {
            let point = key.strip_prefix(&[0x04])?;
            (point.len() == 2 * coordinate_len).then(|| Self::Ec {
                crv,
                x: b64(&point[..coordinate_len]),
                y: b64(&point[coordinate_len..]),
            })
        };
        match algorithm {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => {
                let (SEQUENCE, sequence, []) = element(key)? else {
                    return None;
                };
                let (INTEGER, modulus, rest) = element(sequence)? else {
                    return None;
                };
                let (INTEGER, exponent, []) = element(rest)? else {
                    return None;
                };
                Some(Self::Rsa {
                    n: b64(unsigned(modulus)),
                    e: b64(unsigned(exponent)),
                })
            }
            Algorithm::ES256 => ec("P-256", 32),
            Algorithm::ES384 => ec("P-384", 48),
            Algorithm::ES512 => ec("P-521", 66),
            Algorithm::EdDSA => (key.len() == 32).then(|| Self::Okp {
                crv: "Ed25519",
                x: b64(key),
            }),
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => None,
        }
    }

    /// The RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order,
    /// base64url-encoded. A stable `kid` for a key that was given none.
    pub(crate) fn thumbprint(&self) -> String {
        let canonical = match self {
            Self::Rsa { n, e } => format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#),
            Self::Ec { crv, x, y } => {
                format!(r#"{{"crv":"{crv}","kty":"EC","x":"{x}","y":"{y}"}}"#)
            }
            Self::Okp { crv, x } => format!(r#"{{"crv":"{crv}","kty":"OKP","x":"{x}"}}"#),
        };
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
    }

    /// The JWK: `kty`, `kid`, `use`, `alg`, then the key type's public members.
    pub(crate) fn to_jwk(&self, kid: &str, algorithm: Algorithm) -> Value {
        let mut jwk = Map::new();
        let kty = match self {
            Self::Rsa { .. } => "RSA",
            Self::Ec { .. } => "EC",
            Self::Okp { .. } => "OKP",
        };
        jwk.insert("kty".into(), kty.into());
        jwk.insert("kid".into(), kid.into());
        jwk.insert("use".into(), "sig".into());
        jwk.insert("alg".into(), algorithm.as_str().into());
        match self {
            Self::Rsa { n, e } => {
                jwk.insert("n".into(), n.as_str().into());
                jwk.insert("e".into(), e.as_str().into());
            }
            Self::Ec { crv, x, y } => {
                jwk.insert("crv".into(), (*crv).into());
                jwk.insert("x".into(), x.as_str().into());
                jwk.insert("y".into(), y.as_str().into());
            }
            Self::Okp { crv, x } => {
                jwk.insert("crv".into(), (*crv).into());
                jwk.insert("x".into(), x.as_str().into());
            }
        }
        Value::Object(jwk)
    }
}

/// The key inside an X.509 `SubjectPublicKeyInfo` (`SEQUENCE { AlgorithmIdentifier, BIT
/// STRING }`), or `None` if `der` is not one. A PKCS#1 `RSAPublicKey` starts with an INTEGER
/// instead of the `AlgorithmIdentifier` SEQUENCE, so the two are told apart.
fn subject_public_key(der: &[u8]) -> Option<&[u8]> {
    let (SEQUENCE, info, []) = element(der)? else {
        return None;
    };
    let (SEQUENCE, _algorithm, rest) = element(info)? else {
        return None;
    };
    let (BIT_STRING, bits, []) = element(rest)? else {
        return None;
    };
    // The first byte counts the unused bits of the last byte: none, for a key.
    bits.strip_prefix(&[0])
}

/// One DER element: its tag, its contents and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first_len, rest) = rest.split_first()?;
    let (len, rest) = if first_len < 0x80 {
        (usize::from(first_len), rest)
    } else {
        let len_bytes = usize::from(first_len & 0x7f);
        if !(1..=4).contains(&len_bytes) || rest.len() < len_bytes {
            return None;
        }
        let (len, rest) = rest.split_at(len_bytes);
        let len = len
            .iter()
            .fold(0usize, |len, &byte| (len << 8) | usize::from(byte));
        (len, rest)
    };
    (rest.len() >= len).then(|| {
        let (contents, rest) = rest.split_at(len);
        (tag, contents, rest)
    })
}

/// The bit length of the unsigned big-endian `magnitude`.
fn significant_bits(magnitude: &[u8]) -> usize {
    let significant = &magnitude[magnitude.iter().take_while(|&&byte| byte == 0).count()..];
    significant.first().map_or(0, |&first| {
        8 * significant.len() - first.leading_zeros() as usize
    })
}

/// A DER element: `tag`, the definite length, `contents`.
fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match u8::try_from(contents.len()) {
        Ok(len) if len < 0x80 => out.push(len),
        _ => {
            let len = contents.len().to_be_bytes();
            let significant = &len[len.iter().take_while(|&&byte| byte == 0).count()..];
            // At most 8 length bytes, so the count fits the low seven bits.
            out.push(0x80 | significant.len() as u8);
            out.extend_from_slice(significant);
        }
    }
    out.extend_from_slice(contents);
    out
}

/// A DER INTEGER of the unsigned big-endian `magnitude`: leading zeros dropped (a JWK may
/// carry them), and one put back where the high bit would make it negative.
fn der_unsigned(magnitude: &[u8]) -> Vec<u8> {
    let significant = &magnitude[magnitude.iter().take_while(|&&byte| byte == 0).count()..];
    let mut integer = Vec::with_capacity(significant.len() + 1);
    if significant.first().is_none_or(|&byte| byte & 0x80 != 0) {
        integer.push(0);
    }
    integer.extend_from_slice(significant);
    der(INTEGER, &integer)
}

/// A DER INTEGER's magnitude without the leading zero that keeps it positive (RFC 7518
/// §6.3.1: `n` and `e` are unsigned big-endian).
fn unsigned(integer: &[u8]) -> &[u8] {
    let zeros = integer
        .iter()
        .take(integer.len().saturating_sub(1))
        .take_while(|&&byte| byte == 0)
        .count();
    &integer[zeros..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pkcs1_rsa_public_key_gives_n_and_e_without_the_sign_byte() {
        // SEQUENCE { INTEGER 0x00 0x81 0x01, INTEGER 0x01 0x00 0x01 }
        let der = [
            0x30, 0x0a, 0x02, 0x03, 0x00, 0x81, 0x01, 0x02, 0x03, 0x01, 0x00, 0x01,
        ];
        assert_eq!(
            PublicParameters::of(Algorithm::RS256, &der),
            Some(PublicParameters::Rsa {
                n: URL_SAFE_NO_PAD.encode([0x81, 0x01]),
                e: "AQAB".into(),
            })
        );
    }

    #[test]
    fn an_ec_point_of_the_wrong_length_gives_no_jwk() {
        let mut point = vec![0x04];
        point.extend([1; 64]);
        assert!(PublicParameters::of(Algorithm::ES256, &point).is_some());
        assert_eq!(PublicParameters::of(Algorithm::ES384, &point), None);
        point.push(0);
        assert_eq!(PublicParameters::of(Algorithm::ES256, &point), None);
    }

    #[test]
    fn truncated_der_gives_no_jwk() {
        let der = [0x30, 0x82, 0x01];
        assert_eq!(PublicParameters::of(Algorithm::RS256, &der), None);
        assert_eq!(element(&[0x30, 0x85, 0, 0, 0, 0, 1]), None);
    }

    #[test]
    fn hmac_algorithms_have_no_public_key() {
        assert_eq!(PublicParameters::of(Algorithm::HS256, &[0; 32]), None);
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s_example() {
        // RFC 7638 §3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let parameters = PublicParameters::Rsa {
            n: n.into(),
            e: "AQAB".into(),
        };
        assert_eq!(
            parameters.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
