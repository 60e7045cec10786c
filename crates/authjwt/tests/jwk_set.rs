//! The published JWK Set: the public keys with `kid`, `alg` and `use`, usable by another
//! implementation (the `jsonwebtoken` crate) to verify authjwt's tokens, and never an HMAC
//! secret or a private part.

mod common;

use authjwt::{Algorithm, AuthJwtConfig, Key};
use common::{SECRET, SECRET_64, fixture};
use serde_json::{Value, json};

/// The members a public JWK may have here; `d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k` are
/// private parts or secrets.
const PUBLIC_MEMBERS: [&str; 9] = ["kty", "kid", "use", "alg", "n", "e", "crv", "x", "y"];

/// One private key of each family, with its algorithm and the jsonwebtoken algorithm.
fn private_keys() -> Vec<(Key, jsonwebtoken::Algorithm)> {
    vec![
        (
            Key::private_pem("rsa", Algorithm::RS256, fixture("rsa_private.pem")),
            jsonwebtoken::Algorithm::RS256,
        ),
        (
            Key::private_pem(
                "rsa-pss",
                Algorithm::PS256,
                fixture("rsa_private_pkcs1.pem"),
            ),
            jsonwebtoken::Algorithm::PS256,
        ),
        (
            Key::private_pem("ec256", Algorithm::ES256, fixture("ec256_private.pem")),
            jsonwebtoken::Algorithm::ES256,
        ),
        (
            Key::private_pem(
                "ec256-sec1",
                Algorithm::ES256,
                fixture("ec256_private_sec1.pem"),
            ),
            jsonwebtoken::Algorithm::ES256,
        ),
        (
            Key::private_pem("ec384", Algorithm::ES384, fixture("ec384_private.pem")),
            jsonwebtoken::Algorithm::ES384,
        ),
        (
            Key::private_pem("ed", Algorithm::EdDSA, fixture("ed25519_private.pem")),
            jsonwebtoken::Algorithm::EdDSA,
        ),
    ]
}

fn assert_public_only(jwks: &Value) {
    for jwk in jwks["keys"].as_array().expect("a keys array") {
        for member in jwk.as_object().expect("a JWK object").keys() {
            assert!(
                PUBLIC_MEMBERS.contains(&member.as_str()),
                "{member} in {jwk}"
            );
        }
    }
}

#[test]
fn an_hmac_only_configuration_publishes_no_key() {
    assert_eq!(common::config().jwk_set(), json!({"keys": []}));
    let config = AuthJwtConfig::builder()
        .key_set([
            Key::secret("a", Algorithm::HS256, SECRET).signing(true),
            Key::secret("b", Algorithm::HS512, SECRET_64),
        ])
        .build()
        .unwrap();
    let jwks = config.jwk_set();
    assert_eq!(jwks, json!({"keys": []}));
    assert!(!jwks.to_string().contains(SECRET));
}

#[test]
fn each_key_of_a_key_set_is_published_with_its_kid_alg_and_use() {
    let keys: Vec<Key> = private_keys().into_iter().map(|(key, _)| key).collect();
    let kids: Vec<String> = keys.iter().map(|key| key.kid().to_owned()).collect();
    let config = AuthJwtConfig::builder()
        .key_set(
            keys.into_iter()
                .chain([Key::secret("hs", Algorithm::HS256, SECRET)]),
        )
        .build()
        .unwrap();
    let jwks = config.jwk_set();
    assert_public_only(&jwks);
    let published: Vec<(&str, &str, &str, &str)> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|jwk| {
            (
                jwk["kid"].as_str().unwrap(),
                jwk["kty"].as_str().unwrap(),
                jwk["alg"].as_str().unwrap(),
                jwk["use"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        published,
        [
            ("rsa", "RSA", "RS256", "sig"),
            ("rsa-pss", "RSA", "PS256", "sig"),
            ("ec256", "EC", "ES256", "sig"),
            ("ec256-sec1", "EC", "ES256", "sig"),
            ("ec384", "EC", "ES384", "sig"),
            ("ed", "OKP", "EdDSA", "sig"),
        ]
    );
    assert_eq!(kids.len(), published.len());
    assert!(!jwks.to_string().contains(SECRET));
}

#[test]
fn the_members_are_those_of_the_key_type() {
    let config = AuthJwtConfig::builder()
        .key_set([
            Key::public_pem("rsa", Algorithm::RS256, fixture("rsa_public.pem")),
            Key::public_pem("ec", Algorithm::ES256, fixture("ec256_public.pem")),
            Key::public_pem("ed", Algorithm::EdDSA, fixture("ed25519_public.pem")),
        ])
        .build()
        .unwrap();
    let jwks = config.jwk_set();
    let members = |index: usize| -> Vec<&str> {
        jwks["keys"][index]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    };
    assert_eq!(members(0), ["kty", "kid", "use", "alg", "n", "e"]);
    assert_eq!(members(1), ["kty", "kid", "use", "alg", "crv", "x", "y"]);
    assert_eq!(members(2), ["kty", "kid", "use", "alg", "crv", "x"]);
    assert_eq!(jwks["keys"][0]["e"], "AQAB");
    assert_eq!(jwks["keys"][1]["crv"], "P-256");
    assert_eq!(jwks["keys"][2]["crv"], "Ed25519");
    // 2048-bit modulus: 256 bytes, 342 base64url characters, no sign byte.
    assert_eq!(jwks["keys"][0]["n"].as_str().unwrap().len(), 342);
    assert_eq!(jwks["keys"][1]["x"].as_str().unwrap().len(), 43);
}

#[test]
fn a_public_key_publishes_the_same_jwk_as_its_private_key() {
    for (private, public) in [
        ("rsa_private.pem", "rsa_public.pem"),
        ("rsa_private.pem", "rsa_public_pkcs1.pem"),
        ("ec256_private_sec1.pem", "ec256_public.pem"),
        ("ed25519_private.pem", "ed25519_public.pem"),
    ] {
        let algorithm = match &private[..2] {
            "rs" => Algorithm::RS256,
            "ec" => Algorithm::ES256,
            _ => Algorithm::EdDSA,
        };
        let jwks = |key: Key| {
            AuthJwtConfig::builder()
                .key_set([key])
                .build()
                .unwrap()
                .jwk_set()
        };
        assert_eq!(
            jwks(Key::private_pem("k", algorithm, fixture(private))),
            jwks(Key::public_pem("k", algorithm, fixture(public))),
            "{private} / {public}"
        );
    }
}

#[test]
fn a_single_key_configuration_publishes_its_key_under_its_thumbprint() {
    let from_private = AuthJwtConfig::builder()
        .algorithm(Algorithm::ES256)
        .private_key(fixture("ec256_private.pem"))
        .build()
        .unwrap()
        .jwk_set();
    let from_public = AuthJwtConfig::builder()
        .algorithm(Algorithm::ES256)
        .public_key(fixture("ec256_public.pem"))
        .build()
        .unwrap()
        .jwk_set();
    assert_eq!(from_private, from_public);
    let jwk = &from_private["keys"][0];
    assert_eq!(from_private["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwk["alg"], "ES256");
    // RFC 7638: SHA-256 over {"crv","kty","x","y"} in that order.
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap()
    );
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    assert_eq!(jwk["kid"].as_str().unwrap(), common::b64(digest));
}

#[test]
fn another_implementation_verifies_authjwts_tokens_with_the_published_keys() {
    for (key, theirs) in private_keys() {
        let kid = key.kid().to_owned();
        let config = AuthJwtConfig::builder()
            .key_set([key.signing(true)])
            .build()
            .unwrap();
        let token = config.create_access_token("alice").unwrap();
        let jwks: jsonwebtoken::jwk::JwkSet =
            serde_json::from_value(config.jwk_set()).expect("jsonwebtoken reads the JWK Set");
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some(kid.as_str()));
        let jwk = jwks.find(&kid).expect("the token's kid is published");
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
        let claims =
            jsonwebtoken::decode::<Value>(&token, &key, &jsonwebtoken::Validation::new(theirs))
                .unwrap_or_else(|err| panic!("{kid}: {err}"))
                .claims;
        assert_eq!(claims["sub"], "alice");
    }
}
