//! Public keys as RFC 7517 JSON Web Keys, for publishing a JWK Set.
//!
//! The public key bytes come as the PEM or the private key gave them: an X.509
//! `SubjectPublicKeyInfo`, a PKCS#1 `RSAPublicKey`, an uncompressed EC point or a raw Ed25519
//! key. Only the few DER elements these hold are read here; anything else gives no JWK
//! rather than a wrong one.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;

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
