//! Keys read from JWKs ([`Key::from_jwk`], [`Key::from_jwk_set`]): public signature keys only,
//! each bound to the one algorithm its `alg` names and checked against its `kty`, `crv`, `use`
//! and `key_ops` (RFC 7517, RFC 7518 §6, RFC 8725 §3.1).

mod common;

use authjwt::{Algorithm, AuthJwtConfig, ConfigError, Key, Requirement};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::fixture;
use serde_json::{Value, json};

/// One private key per family, each with its algorithm.
const KEYS: [(&str, Algorithm, &str); 5] = [
    ("rsa", Algorithm::RS256, "rsa_private.pem"),
    ("pss", Algorithm::PS256, "rsa_private_pkcs1.pem"),
    ("ec256", Algorithm::ES256, "ec256_private.pem"),
    ("ec384", Algorithm::ES384, "ec384_private.pem"),
    ("ed", Algorithm::EdDSA, "ed25519_private.pem"),
];

fn signing_config(signing_kid: &str) -> AuthJwtConfig {
    AuthJwtConfig::builder()
        .key_set(KEYS.iter().map(|&(kid, algorithm, file)| {
            Key::private_pem(kid, algorithm, fixture(file)).signing(kid == signing_kid)
        }))
        .build()
        .expect("a key set")
}

/// The published JWK of `kid`.
fn published(kid: &str) -> Value {
    signing_config("rsa").jwk_set()["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|jwk| jwk["kid"] == kid)
        .cloned()
        .expect("a published key")
}

fn refusal(jwk: &Value) -> String {
    match Key::from_jwk(jwk) {
        Ok(key) => panic!("accepted {key:?} from {jwk}"),
        Err(err @ ConfigError::InvalidKey { .. }) => err.to_string(),
        Err(other) => panic!("refused with an unexpected error: {other:?}"),
    }
}

fn with(mut jwk: Value, member: &str, value: Value) -> Value {
    jwk[member] = value;
    jwk
}

#[tokio::test]
async fn a_published_jwk_set_reads_back_into_keys_that_verify_its_tokens() {
    let jwks = signing_config("rsa").jwk_set();
    let verifier = AuthJwtConfig::builder()
        .key_set(Key::from_jwk_set(&jwks).expect("authjwt's own JWK Set"))
        .build()
        .expect("a verify-only key set");
    assert_eq!(verifier.jwk_set(), jwks);
    for (kid, algorithm, _) in KEYS {
        let token = signing_config(kid)
            .create_access_token("alice")
            .expect("a token");
        let verified = verifier
            .verify(&token, Requirement::Access)
            .await
            .unwrap_or_else(|err| panic!("{kid}: {err:?}"));
        assert_eq!(verified.header().key_id(), Some(kid));
        assert_eq!(verified.header().algorithm(), algorithm);
    }
}

#[test]
fn a_key_read_from_a_jwk_verifies_only_its_algorithm_and_never_signs() {
    let key = Key::from_jwk(&published("ec256")).expect("a public EC key");
    assert_eq!((key.kid(), key.algorithm()), ("ec256", Algorithm::ES256));
    let err = AuthJwtConfig::builder()
        .key_set([key.signing(true)])
        .build()
        .expect_err("a public key cannot sign");
    assert!(err.to_string().contains("cannot sign"), "{err}");
}

#[test]
fn jwks_with_private_or_secret_members_are_refused() {
    for member in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
        let message = refusal(&with(published("rsa"), member, json!("AQAB")));
        assert!(
            message.contains("private") && message.contains(&format!("`{member}`")),
            "{member}: {message}"
        );
    }
}

#[test]
fn symmetric_and_unknown_key_types_are_refused() {
    let oct = json!({"kty": "oct", "kid": "hmac", "alg": "HS256"});
    assert!(refusal(&oct).contains("cannot verify HS256"));
    let unknown = with(published("ec256"), "kty", json!("EC2"));
    assert!(refusal(&unknown).contains("`kty` `EC2` is not supported"));
    let missing = published("ec256").as_object().map(|jwk| {
        let mut jwk = jwk.clone();
        jwk.remove("kty");
        Value::Object(jwk)
    });
    assert!(refusal(&missing.expect("an object")).contains("no `kty`"));
}

#[test]
fn a_use_other_than_sig_is_refused() {
    let message = refusal(&with(published("rsa"), "use", json!("enc")));
    assert!(message.contains("`use` is `enc`"), "{message}");
}

#[test]
fn key_ops_must_allow_verify_and_only_signature_operations() {
    for accepted in [json!(["verify"]), json!(["sign", "verify"])] {
        let key = Key::from_jwk(&with(published("ed"), "key_ops", accepted.clone()))
            .unwrap_or_else(|err| panic!("{accepted}: {err}"));
        assert_eq!(key.kid(), "ed");
    }
    for (refused, reason) in [
        (json!(["sign"]), "does not allow `verify`"),
        (json!([]), "does not allow `verify`"),
        (json!(["verify", "encrypt"]), "allows `encrypt`"),
        (json!(["verify", "verify"]), "twice"),
        (json!("verify"), "not a list"),
    ] {
        let message = refusal(&with(published("ed"), "key_ops", refused.clone()));
        assert!(message.contains(reason), "{refused}: {message}");
    }
}

#[test]
fn an_alg_that_does_not_fit_the_key_type_or_curve_is_refused() {
    for (kid, alg, reason) in [
        ("rsa", "ES256", "`RSA` key cannot verify ES256"),
        ("rsa", "HS256", "`RSA` key cannot verify HS256"),
        ("ec256", "ES384", "`crv` must be P-384"),
        ("ec256", "RS256", "`EC` key cannot verify RS256"),
        ("ec384", "ES256", "`crv` must be P-256"),
        ("ed", "ES256", "`OKP` key cannot verify ES256"),
        ("rsa", "RSA-OAEP", "no JWS algorithm"),
        ("rsa", "none", "no JWS algorithm"),
    ] {
        let message = refusal(&with(published(kid), "alg", json!(alg)));
        assert!(message.contains(reason), "{kid} as {alg}: {message}");
    }
}

#[test]
fn a_jwk_without_alg_verifies_only_the_algorithm_given_for_it() {
    let mut jwk = published("ec256");
    jwk.as_object_mut().expect("an object").remove("alg");
    assert!(refusal(&jwk).contains("no `alg`"));
    let key = Key::from_jwk_with_algorithm(&jwk, Algorithm::ES256).expect("given ES256");
    assert_eq!(key.algorithm(), Algorithm::ES256);
    assert!(Key::from_jwk_with_algorithm(&jwk, Algorithm::ES384).is_err());
    let err = Key::from_jwk_with_algorithm(&published("ec256"), Algorithm::ES384)
        .expect_err("the JWK's alg is not the one given");
    assert!(err.to_string().contains("not the expected ES384"), "{err}");
}

#[test]
fn a_jwk_without_a_kid_is_refused() {
    let mut jwk = published("ed");
    assert!(refusal(&with(jwk.clone(), "kid", json!(""))).contains("`kid` is empty"));
    jwk.as_object_mut().expect("an object").remove("kid");
    assert!(refusal(&jwk).contains("no `kid`"));
}

#[test]
fn ec_coordinates_must_be_the_full_size_of_the_curve() {
    let jwk = published("ec256");
    let x = URL_SAFE_NO_PAD
        .decode(jwk["x"].as_str().expect("x"))
        .expect("base64url");
    let short = with(jwk, "x", json!(URL_SAFE_NO_PAD.encode(&x[1..])));
    assert!(refusal(&short).contains("31 bytes, not P-256's 32"));
}

#[test]
fn a_point_off_the_curve_is_refused() {
    let jwk = published("ec256");
    let mut y = URL_SAFE_NO_PAD
        .decode(jwk["y"].as_str().expect("y"))
        .expect("base64url");
    y[31] ^= 1;
    let message = refusal(&with(jwk, "y", json!(URL_SAFE_NO_PAD.encode(y))));
    assert!(message.contains("key `ec256`"), "{message}");
}

#[test]
fn an_rsa_modulus_below_2048_bits_is_refused() {
    let jwk = published("rsa");
    let n = URL_SAFE_NO_PAD
        .decode(jwk["n"].as_str().expect("n"))
        .expect("base64url");
    let message = refusal(&with(jwk, "n", json!(URL_SAFE_NO_PAD.encode(&n[..128]))));
    assert!(message.contains("has 1024 bits"), "{message}");
}

#[test]
fn padded_or_non_base64url_members_are_refused() {
    let jwk = published("ed");
    let x = jwk["x"].as_str().expect("x").to_owned();
    assert!(refusal(&with(jwk.clone(), "x", json!(format!("{x}=")))).contains("not base64url"));
    assert!(refusal(&with(jwk, "x", json!(x.replace(['-', '_'], "+")))).contains("not base64url"));
}

#[test]
fn an_rsa_modulus_with_a_leading_zero_octet_is_read_as_its_value() {
    let jwk = published("rsa");
    let mut n = vec![0];
    n.extend(
        URL_SAFE_NO_PAD
            .decode(jwk["n"].as_str().expect("n"))
            .expect("base64url"),
    );
    let key = Key::from_jwk(&with(jwk.clone(), "n", json!(URL_SAFE_NO_PAD.encode(n))))
        .expect("a zero-prefixed modulus");
    let config = AuthJwtConfig::builder()
        .key_set([key])
        .build()
        .expect("a key set");
    assert_eq!(config.jwk_set()["keys"][0]["n"], jwk["n"]);
}

#[test]
fn one_refused_key_refuses_the_whole_set() {
    let jwks = json!({"keys": [published("rsa"), with(published("ed"), "d", json!("AA"))]});
    let err = Key::from_jwk_set(&jwks).expect_err("a private key in the set");
    assert!(err.to_string().contains("JWK 1 of the set"), "{err}");
    for not_a_set in [json!([published("rsa")]), json!({"keys": {}}), json!({})] {
        assert!(Key::from_jwk_set(&not_a_set).is_err(), "{not_a_set}");
    }
}

#[test]
fn a_set_naming_one_kid_twice_is_refused_when_configured() {
    let jwks = json!({"keys": [published("rsa"), with(published("ed"), "kid", json!("rsa"))]});
    let keys = Key::from_jwk_set(&jwks).expect("each key alone is valid");
    let err = AuthJwtConfig::builder()
        .key_set(keys)
        .build()
        .expect_err("one kid, two keys");
    assert!(err.to_string().contains("used twice"), "{err}");
}
