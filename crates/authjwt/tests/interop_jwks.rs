//! Interoperability with an implementation authjwt did not write: PyJWT (≥ 2, with
//! `cryptography`). PyJWT signs RS256, ES256 and EdDSA tokens with a `kid` and writes its JWK
//! Set; authjwt verifies them through keys read from that set ([`Key::from_jwk_set`]). And
//! authjwt's tokens verify in PyJWT against authjwt's published [`AuthJwtConfig::jwk_set`],
//! loaded with `jwt.PyJWKSet.from_dict`.
//!
//! The Python is `INTEROP_PYTHON` (a virtualenv's `python`), else `python3`, if it
//! imports `jwt` ≥ 2 and `cryptography`. Without one the tests print that they are skipped and
//! pass, except under `CI=true`, where a missing PyJWT fails
//! (`pip install 'PyJWT[crypto]'`).

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use authjwt::{Algorithm, AuthJwtConfig, Key, Requirement};
use common::fixture;
use serde_json::{Value, json};

const PROBE: &str = "import jwt, cryptography, sys; \
                     sys.exit(0 if int(jwt.__version__.split('.')[0]) >= 2 else 1)";

/// The Python with PyJWT ≥ 2 and `cryptography`, or `None` (locally) when there is none.
fn python() -> Option<String> {
    let python = std::env::var("INTEROP_PYTHON").unwrap_or_else(|_| "python3".into());
    let usable = Command::new(&python)
        .args(["-c", PROBE])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if usable {
        return Some(python);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true: `{python}` has no PyJWT >= 2 with cryptography (pip install 'PyJWT[crypto]', \
         set INTEROP_PYTHON)"
    );
    println!("SKIPPED: `{python}` has no PyJWT >= 2 with cryptography (set INTEROP_PYTHON)");
    None
}

/// Runs `script` with `input` on its standard input; its standard output is JSON.
fn run_python(python: &str, script: &str, input: &Value) -> Value {
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child
        .stdin
        .take()
        .expect("a stdin pipe")
        .write_all(input.to_string().as_bytes())
        .expect("python reads its input");
    let output = child.wait_with_output().expect("python finishes");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("python prints JSON")
}

/// Makes an RSA, a P-256 and an Ed25519 key, signs an access token with each (with its
/// `kid`), and prints the tokens, the public JWK Set and the private JWKs.
const PYJWT_SIGNS: &str = r#"
import json, sys, time, uuid
import jwt
from jwt.algorithms import RSAAlgorithm, ECAlgorithm, OKPAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519

now = int(time.time())
keys = [
    ("py-rsa", "RS256", RSAAlgorithm, rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ("py-ec", "ES256", ECAlgorithm, ec.generate_private_key(ec.SECP256R1())),
    ("py-ed", "EdDSA", OKPAlgorithm, ed25519.Ed25519PrivateKey.generate()),
]
out = {"tokens": {}, "jwks": {"keys": []}, "private_jwks": []}
for kid, alg, family, key in keys:
    public = json.loads(family.to_jwk(key.public_key()))
    public.update({"kid": kid, "alg": alg, "use": "sig"})
    out["jwks"]["keys"].append(public)
    private = json.loads(family.to_jwk(key))
    private.update({"kid": kid, "alg": alg})
    out["private_jwks"].append(private)
    claims = {"sub": "alice", "type": "access", "fresh": False, "jti": str(uuid.uuid4()),
              "iat": now, "nbf": now, "exp": now + 300}
    out["tokens"][alg] = jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})
print(json.dumps(out))
"#;

/// Reads `{"jwks": ..., "tokens": [...]}`, verifies each token with the key its `kid` names
/// in the set, and prints each token's `sub` and the algorithm PyJWT used.
const PYJWT_VERIFIES: &str = r#"
import json, sys
import jwt

given = json.load(sys.stdin)
jwks = jwt.PyJWKSet.from_dict(given["jwks"])
out = []
for token in given["tokens"]:
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(key for key in jwks.keys if key.key_id == kid)
    claims = jwt.decode(token, key.key, algorithms=[key.algorithm_name])
    out.append({"kid": kid, "alg": key.algorithm_name, "sub": claims["sub"]})
tampered = given["tokens"][0][:-4] + ("AAAA" if not given["tokens"][0].endswith("AAAA") else "BBBB")
kid = jwt.get_unverified_header(tampered)["kid"]
key = next(key for key in jwks.keys if key.key_id == kid)
try:
    jwt.decode(tampered, key.key, algorithms=[key.algorithm_name])
    tampered_refused = False
except jwt.InvalidSignatureError:
    tampered_refused = True
print(json.dumps({"verified": out, "tampered_refused": tampered_refused}))
"#;

#[tokio::test]
async fn pyjwt_tokens_verify_with_keys_read_from_its_jwk_set() {
    let Some(python) = python() else { return };
    let made = run_python(&python, PYJWT_SIGNS, &json!({}));
    let keys = Key::from_jwk_set(&made["jwks"]).expect("PyJWT's public JWK Set is accepted");
    let config = AuthJwtConfig::builder()
        .key_set(keys)
        .build()
        .expect("a verify-only key set");
    for (algorithm, kid) in [
        (Algorithm::RS256, "py-rsa"),
        (Algorithm::ES256, "py-ec"),
        (Algorithm::EdDSA, "py-ed"),
    ] {
        let token = made["tokens"][algorithm.as_str()]
            .as_str()
            .expect("a token per algorithm");
        let verified = config
            .verify(token, Requirement::Access)
            .await
            .unwrap_or_else(|err| panic!("PyJWT's {algorithm} token: {err:?}"));
        assert_eq!(verified.header().key_id(), Some(kid));
        assert_eq!(verified.header().algorithm(), algorithm);
        assert_eq!(
            verified.claims().subject().map(ToString::to_string),
            Some("alice".to_owned())
        );
    }
}

#[tokio::test]
async fn a_pyjwt_token_under_another_kid_than_its_signer_is_refused() {
    let Some(python) = python() else { return };
    let made = run_python(&python, PYJWT_SIGNS, &json!({}));
    let mut jwks = made["jwks"].clone();
    // The RSA key published under the EC key's kid and the other way round: each token now
    // names a key of another algorithm, which must not verify it.
    let keys = jwks["keys"].as_array_mut().expect("keys");
    let rsa_kid = keys[0]["kid"].clone();
    keys[0]["kid"] = keys[1]["kid"].clone();
    keys[1]["kid"] = rsa_kid;
    let config = AuthJwtConfig::builder()
        .key_set(Key::from_jwk_set(&jwks).expect("still a valid set"))
        .build()
        .expect("a verify-only key set");
    for algorithm in ["RS256", "ES256"] {
        let token = made["tokens"][algorithm].as_str().expect("a token");
        let err = config
            .verify(token, Requirement::Access)
            .await
            .expect_err("a key of another algorithm");
        assert_eq!(err.status_code(), 422, "{algorithm}: {err:?}");
    }
}

#[test]
fn pyjwts_private_jwks_are_refused() {
    let Some(python) = python() else { return };
    let made = run_python(&python, PYJWT_SIGNS, &json!({}));
    for jwk in made["private_jwks"].as_array().expect("private JWKs") {
        let err = Key::from_jwk(jwk).expect_err("a private JWK");
        assert!(err.to_string().contains("private"), "{err}");
    }
}

#[test]
fn authjwt_tokens_verify_in_pyjwt_against_the_published_jwk_set() {
    let Some(python) = python() else { return };
    let keys = [
        ("aj-rsa", Algorithm::RS256, "rsa_private.pem"),
        ("aj-ec", Algorithm::ES256, "ec256_private.pem"),
        ("aj-ed", Algorithm::EdDSA, "ed25519_private.pem"),
    ];
    let config_signing_with = |signing_kid: &str| {
        AuthJwtConfig::builder()
            .key_set(keys.iter().map(|&(kid, algorithm, file)| {
                Key::private_pem(kid, algorithm, fixture(file)).signing(kid == signing_kid)
            }))
            .build()
            .expect("a key set")
    };
    let tokens: Vec<String> = keys
        .iter()
        .map(|&(kid, ..)| {
            config_signing_with(kid)
                .create_access_token("alice")
                .expect("a token")
        })
        .collect();
    let jwks = config_signing_with("aj-rsa").jwk_set();

    let checked = run_python(
        &python,
        PYJWT_VERIFIES,
        &json!({ "jwks": jwks, "tokens": tokens }),
    );
    let verified: Vec<(&str, &str, &str)> = checked["verified"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|entry| {
            (
                entry["kid"].as_str().expect("kid"),
                entry["alg"].as_str().expect("alg"),
                entry["sub"].as_str().expect("sub"),
            )
        })
        .collect();
    assert_eq!(
        verified,
        [
            ("aj-rsa", "RS256", "alice"),
            ("aj-ec", "ES256", "alice"),
            ("aj-ed", "EdDSA", "alice"),
        ]
    );
    assert_eq!(checked["tampered_refused"], true);
}
