//! Wycheproof's JOSE vectors (C2SP/wycheproof, `testvectors_v1/json_web_*_test.json`) replayed
//! through authjwt's verifier.
//!
//! The vectors live outside the repository, in the shared folder
//! (`../shared/testdata/wycheproof/` beside the repository root), or wherever
//! `WYCHEPROOF_DIR` says. Without them the test prints that it is skipped and passes — except
//! under `CI=true`, where a missing folder fails.
//!
//! Each test group's JWK becomes a configuration: `oct` keys are the HMAC secret
//! (`secret_key_bytes`), RSA `n`/`e`, EC `x`/`y` and OKP `x` become a `SubjectPublicKeyInfo`
//! PEM built here by hand, and the key's `alg` is the configured algorithm (so the decode
//! allow-list is that algorithm alone). A configuration authjwt refuses to build counts as the
//! key (and every token under it) being refused.
//!
//! A JWS is *valid* for authjwt when [`AuthJwtConfig::decode`] succeeds or fails only after the
//! signature check (the payload is not a claims object, or a claim check fails: Wycheproof's
//! payloads are mostly not JWT claims); *invalid* when it fails at the header stage, the
//! allow-list or the signature.
//!
//! The data quirks of `security-anchors.md` §3.1 are special-cased, nothing else:
//! 367/370 skipped (identical to valid 357 but labelled invalid), 372/373 expected invalid
//! (their MAC covers the canonical string, not the received one), 346/350 acceptable (PS384
//! token under a key labelled PS256: one algorithm per key refuses it), 347/351 skipped (key
//! `alg` "ES521" is no registered name; the ES512 token is checked separately), 353–356
//! skipped here (JWK `use`/`key_ops`) and checked through [`Key::from_jwk_with_algorithm`] by
//! `jwk_use_and_key_ops_vectors_are_refused_when_read`. The other skips are listed with their
//! reason in the summary this test prints.
//!
//! The JWK vectors are replayed twice: through a configuration made of the key as a PEM
//! (above), and through a key set read from the JWK Set itself ([`Key::from_jwk_set`]), which
//! is how keys published by another party are taken.

use std::collections::BTreeMap;
use std::path::PathBuf;

use authjwt::{Algorithm, AuthJwtConfig, AuthJwtError, DecodeError, Key};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

fn vectors_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("WYCHEPROOF_DIR").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata/wycheproof"
            ))
        },
        PathBuf::from,
    );
    if dir.join("json_web_signature_test.json").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the Wycheproof vectors are missing from {} under CI=true",
        dir.display()
    );
    println!(
        "SKIPPED: no Wycheproof vectors in {} (set WYCHEPROOF_DIR)",
        dir.display()
    );
    None
}

fn load(dir: &std::path::Path, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(name)).expect("a readable vector file");
    serde_json::from_str(&text).expect("a JSON vector file")
}

// ---------------------------------------------------------------------------------------
// JWK → configuration
// ---------------------------------------------------------------------------------------

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).expect("short"));
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|byte| *byte == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).expect("few length bytes"));
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A DER INTEGER holding the unsigned big-endian `bytes`: leading zeros stripped (§3.1's
/// gotcha), one zero put back when the high bit is set.
fn der_unsigned(bytes: &[u8]) -> Vec<u8> {
    let mut value: Vec<u8> = bytes
        .iter()
        .copied()
        .skip_while(|byte| *byte == 0)
        .collect();
    if value.first().is_none_or(|byte| byte & 0x80 != 0) {
        value.insert(0, 0);
    }
    der(0x02, &value)
}

fn spki_pem(algorithm_identifier: &[u8], public_key: &[u8]) -> String {
    let mut bit_string = vec![0u8];
    bit_string.extend_from_slice(public_key);
    let mut body = der(0x30, algorithm_identifier);
    body.extend(der(0x03, &bit_string));
    let spki = der(0x30, &body);
    let text = STANDARD.encode(spki);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

const RSA_ENCRYPTION: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
const ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];

fn member<'a>(jwk: &'a Value, name: &str) -> Result<&'a str, String> {
    jwk.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the JWK has no `{name}`"))
}

fn b64_member(jwk: &Value, name: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(member(jwk, name)?)
        .map_err(|err| format!("`{name}` is not base64url: {err}"))
}

/// The public key of a JWK as a `PUBLIC KEY` PEM.
fn public_pem(jwk: &Value) -> Result<String, String> {
    match member(jwk, "kty")? {
        "RSA" => {
            let mut key = der_unsigned(&b64_member(jwk, "n")?);
            key.extend(der_unsigned(&b64_member(jwk, "e")?));
            Ok(spki_pem(RSA_ENCRYPTION, &der(0x30, &key)))
        }
        "EC" => {
            let curve = match member(jwk, "crv")? {
                "P-256" => P256,
                "P-384" => P384,
                "P-521" => P521,
                other => return Err(format!("unknown curve {other}")),
            };
            let mut identifier = EC_PUBLIC_KEY.to_vec();
            identifier.extend_from_slice(curve);
            let mut point = vec![0x04];
            point.extend(b64_member(jwk, "x")?);
            point.extend(b64_member(jwk, "y")?);
            Ok(spki_pem(&identifier, &point))
        }
        "OKP" if member(jwk, "crv")? == "Ed25519" => Ok(spki_pem(ED25519, &b64_member(jwk, "x")?)),
        other => Err(format!("key type {other} has no public key for a JWS")),
    }
}

/// The configuration a group's key makes, with the algorithm its `alg` names, or why it
/// cannot be made.
fn config_for(jwk: &Value, algorithm_override: Option<Algorithm>) -> Result<AuthJwtConfig, String> {
    let algorithm = match algorithm_override {
        Some(algorithm) => algorithm,
        None => member(jwk, "alg")?
            .parse::<Algorithm>()
            .map_err(|err| format!("key alg: {err}"))?,
    };
    let builder = AuthJwtConfig::builder().algorithm(algorithm);
    let builder = if member(jwk, "kty")? == "oct" {
        if !algorithm.is_symmetric() {
            return Err(format!("an oct key cannot serve {algorithm}"));
        }
        builder.secret_key_bytes(b64_member(jwk, "k")?)
    } else {
        builder.public_key(public_pem(jwk)?)
    };
    builder.build().map_err(|err| err.to_string())
}

/// The key of a group: `public` if there is one, else `private` (HMAC groups); a JWK set of
/// exactly one key is that key.
fn group_key(group: &Value) -> Result<&Value, String> {
    let key = match group.get("public") {
        Some(public) if !public.is_null() => public,
        _ => group.get("private").ok_or("the group has no key")?,
    };
    match key.get("keys").and_then(Value::as_array) {
        None => Ok(key),
        Some(keys) if keys.len() == 1 => Ok(&keys[0]),
        Some(keys) => Err(format!("a JWK set of {} keys", keys.len())),
    }
}

// ---------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Valid,
    Invalid,
}

/// Valid when verification passes or fails only after the signature.
fn classify(result: &Result<authjwt::VerifiedToken, AuthJwtError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Valid,
        Err(AuthJwtError::InvalidHeader(_)) => Outcome::Invalid,
        Err(AuthJwtError::Decode(
            DecodeError::AlgorithmNotAllowed | DecodeError::InvalidSignature,
        )) => Outcome::Invalid,
        Err(AuthJwtError::Decode(
            DecodeError::InvalidPayloadString(_)
            | DecodeError::IatNotInteger
            | DecodeError::NbfNotInteger
            | DecodeError::ImmatureSignature
            | DecodeError::ExpNotInteger
            | DecodeError::ExpiredSignature
            | DecodeError::MissingClaim(_)
            | DecodeError::InvalidIssuer
            | DecodeError::InvalidAudience
            | DecodeError::InvalidClaimFormat
            | DecodeError::InvalidSubject
            | DecodeError::InvalidJti
            | DecodeError::InvalidCsrfClaim,
        )) => Outcome::Valid,
        Err(other) => panic!("decode cannot fail with {other:?}"),
    }
}

fn expected(result: &str) -> Option<Outcome> {
    match result {
        "valid" => Some(Outcome::Valid),
        "invalid" => Some(Outcome::Invalid),
        _ => None, // acceptable
    }
}

/// The JWS text of a test: compact strings as they are, the JSON serialization as its text.
fn jws_text(test: &Value) -> Option<String> {
    match test.get("jws")? {
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

#[derive(Default)]
struct Summary {
    agreed: usize,
    acceptable: Vec<String>,
    skipped: BTreeMap<String, Vec<u64>>,
    disagreements: Vec<String>,
}

impl Summary {
    fn skip(&mut self, tc_id: u64, reason: &str) {
        self.skipped
            .entry(reason.to_owned())
            .or_default()
            .push(tc_id);
    }

    fn check(
        &mut self,
        file: &str,
        tc_id: u64,
        comment: &str,
        want: Option<Outcome>,
        got: Outcome,
    ) {
        match want {
            None => self
                .acceptable
                .push(format!("{tc_id} ({comment}): {got:?}")),
            Some(want) if want == got => self.agreed += 1,
            Some(want) => self.disagreements.push(format!(
                "{file} tcId {tc_id} ({comment}): expected {want:?}, authjwt says {got:?}"
            )),
        }
    }

    fn report(&self, file: &str) {
        println!(
            "{file}: {} agreed, {} acceptable {:?}, {} skipped, {} disagreements",
            self.agreed,
            self.acceptable.len(),
            self.acceptable,
            self.skipped.values().map(Vec::len).sum::<usize>(),
            self.disagreements.len()
        );
        for (reason, ids) in &self.skipped {
            println!("  skipped {ids:?}: {reason}");
        }
        for line in &self.disagreements {
            println!("  DISAGREES: {line}");
        }
        assert!(
            self.disagreements.is_empty(),
            "{file}: {:#?}",
            self.disagreements
        );
    }
}

fn tests_of(group: &Value) -> &Vec<Value> {
    group["tests"].as_array().expect("tests")
}

fn tc_id(test: &Value) -> u64 {
    test["tcId"].as_u64().expect("tcId")
}

fn comment(test: &Value) -> &str {
    test["comment"].as_str().unwrap_or_default()
}

/// Runs one JWS test under the group's configuration (or its refusal).
fn replay(
    summary: &mut Summary,
    file: &str,
    config: &Result<AuthJwtConfig, String>,
    test: &Value,
    want: Option<Outcome>,
) {
    let jws = jws_text(test).expect("a JWS test");
    let got = match config {
        Ok(config) => classify(&config.decode(&jws)),
        Err(_) => Outcome::Invalid,
    };
    summary.check(file, tc_id(test), comment(test), want, got);
}

// ---------------------------------------------------------------------------------------
// json_web_signature_test.json
// ---------------------------------------------------------------------------------------

#[test]
fn json_web_signature_test() {
    let Some(dir) = vectors_dir() else { return };
    let file = "json_web_signature_test.json";
    let vectors = load(&dir, file);
    let mut summary = Summary::default();
    let mut seen = 0;
    for group in vectors["testGroups"].as_array().expect("groups") {
        let config = group_key(group).and_then(|jwk| config_for(jwk, None));
        for test in tests_of(group) {
            seen += 1;
            let id = tc_id(test);
            let want = match id {
                367 | 370 => {
                    summary.skip(id, "mislabelled: byte-identical to valid tcId 357 (§3.1)");
                    continue;
                }
                347 | 351 => {
                    summary.skip(
                        id,
                        "key alg \"ES521\" is not a registered name and is not accepted; the \
                         ES512 token is checked with the curve's algorithm by \
                         rfc7520_es512_figure_27_verifies_with_es512",
                    );
                    continue;
                }
                353..=356 => {
                    summary.skip(
                        id,
                        "JWK `use`/`key_ops` (§3.1): checked by \
                         jwk_use_and_key_ops_vectors_are_refused_when_read",
                    );
                    continue;
                }
                372 | 373 => Some(Outcome::Invalid), // the MAC covers the canonical string
                346 | 350 => None,                   // PS384 token under a key labelled PS256
                _ => expected(test["result"].as_str().expect("result")),
            };
            replay(&mut summary, file, &config, test, want);
        }
    }
    assert_eq!(seen, vectors["numberOfTests"].as_u64().expect("count"));
    summary.report(file);
    assert!(summary.agreed >= 390, "only {} agreed", summary.agreed);
}

/// tcIds 347 and 351 (RFC 7520 Figure 27): the key says `"alg": "ES521"`, which authjwt does
/// not accept as a name; configured as ES512 (its curve, P-521), the token's signature
/// verifies and only the payload (plain text, not claims) fails.
#[test]
fn rfc7520_es512_figure_27_verifies_with_es512() {
    let Some(dir) = vectors_dir() else { return };
    let vectors = load(&dir, "json_web_signature_test.json");
    let mut checked = 0;
    for group in vectors["testGroups"].as_array().expect("groups") {
        for test in tests_of(group) {
            if !matches!(tc_id(test), 347 | 351) {
                continue;
            }
            let jwk = group_key(group).expect("one key");
            assert!(config_for(jwk, None).is_err(), "\"ES521\" is no algorithm");
            let config = config_for(jwk, Some(Algorithm::ES512)).expect("a P-521 key");
            let jws = jws_text(test).expect("a JWS");
            let err = config.decode(&jws).expect_err("the payload is not claims");
            assert!(
                matches!(
                    err,
                    AuthJwtError::Decode(DecodeError::InvalidPayloadString(_))
                ),
                "tcId {}: {err:?}",
                tc_id(test)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 2);
}

// ---------------------------------------------------------------------------------------
// json_web_crypto_test.json
// ---------------------------------------------------------------------------------------

#[test]
fn json_web_crypto_test() {
    let Some(dir) = vectors_dir() else { return };
    let file = "json_web_crypto_test.json";
    let vectors = load(&dir, file);
    let mut summary = Summary::default();
    let mut jwe_refused = 0;
    // Any configuration will do for JWE: it must be refused at the header stage, before any
    // key is looked at.
    let any_config = AuthJwtConfig::builder()
        .secret_key("wycheproof-jwe-probe-secret-of-32-bytes")
        .build()
        .expect("a valid configuration");
    for group in vectors["testGroups"].as_array().expect("groups") {
        let config = group_key(group).and_then(|jwk| config_for(jwk, None));
        for test in tests_of(group) {
            let id = tc_id(test);
            if let Some(jwe) = test.get("jwe") {
                let jwe = match jwe {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                let err = any_config.decode(&jwe).expect_err("JWE is refused");
                assert!(
                    matches!(err, AuthJwtError::InvalidHeader(_)),
                    "tcId {id}: JWE refused by {err:?}, not at the header stage"
                );
                assert_eq!(err.status_code(), 422);
                jwe_refused += 1;
                continue;
            }
            let want = match (id, &config) {
                (46, _) => {
                    summary.skip(
                        id,
                        "ROCA-vulnerable modulus: authjwt does not fingerprint RSA keys \
                         (SECURITY.md, known limits)",
                    );
                    continue;
                }
                (_, Err(reason)) if reason.starts_with("a JWK set") => {
                    summary.skip(
                        id,
                        "JWK set of several keys: authjwt takes one key per family, chosen by \
                         configuration, never by `kid` (mixing HMAC and an asymmetric key is \
                         allowed because each algorithm is bound to its own key: adversarial \
                         C7/C8/J2)",
                    );
                    continue;
                }
                _ => expected(test["result"].as_str().expect("result")),
            };
            replay(&mut summary, file, &config, test, want);
        }
    }
    summary.report(file);
    println!("{file}: {jwe_refused} JWE tests refused at the header stage");
    assert_eq!(jwe_refused, 34);
    assert!(summary.agreed >= 44, "only {} agreed", summary.agreed);
}

// ---------------------------------------------------------------------------------------
// json_web_key_test.json
// ---------------------------------------------------------------------------------------

/// Key-set validation mapped onto authjwt's configuration: a key set authjwt refuses to be
/// configured with (short or empty HMAC secrets, RSA below 2048 bits, a curve that does not
/// match the algorithm, an invalid point, a wrong `kty`, an encryption algorithm) makes every
/// token under it invalid.
#[test]
fn json_web_key_test() {
    let Some(dir) = vectors_dir() else { return };
    let file = "json_web_key_test.json";
    let vectors = load(&dir, file);
    let mut summary = Summary::default();
    let mut refused_at_build = Vec::new();
    for group in vectors["testGroups"].as_array().expect("groups") {
        let config = group_key(group).and_then(|jwk| config_for(jwk, None));
        for test in tests_of(group) {
            let id = tc_id(test);
            let want = match (id, &config) {
                (7, _) => {
                    summary.skip(
                        id,
                        "ROCA-vulnerable modulus: authjwt does not fingerprint RSA keys \
                         (SECURITY.md, known limits)",
                    );
                    continue;
                }
                (21, _) => {
                    summary.skip(
                        id,
                        "JWK `use: enc`: a PEM has no `use`; checked by \
                         json_web_key_test_through_jwk_sets",
                    );
                    continue;
                }
                (_, Err(reason)) if reason.starts_with("a JWK set") => {
                    summary.skip(
                        id,
                        "JWK set of several keys: one key per family, never chosen by `kid`",
                    );
                    continue;
                }
                _ => expected(test["result"].as_str().expect("result")),
            };
            if let Err(reason) = &config {
                refused_at_build.push(format!("tcId {id}: {reason}"));
            }
            replay(&mut summary, file, &config, test, want);
        }
    }
    for line in &refused_at_build {
        println!("  refused at build: {line}");
    }
    summary.report(file);
    assert!(summary.agreed >= 19, "only {} agreed", summary.agreed);
}

// ---------------------------------------------------------------------------------------
// JWKs read as JWKs: Key::from_jwk_set and Key::from_jwk_with_algorithm
// ---------------------------------------------------------------------------------------

/// The group's public JWK Set (its private one when it has none) read into a key set, or why
/// it is refused.
fn key_set_config(group: &Value) -> Result<AuthJwtConfig, String> {
    let set = match group.get("public") {
        Some(public) if !public.is_null() => public,
        _ => group.get("private").ok_or("the group has no key")?,
    };
    let keys = Key::from_jwk_set(set).map_err(|err| err.to_string())?;
    AuthJwtConfig::builder()
        .key_set(keys)
        .build()
        .map_err(|err| err.to_string())
}

/// `json_web_key_test.json` with each group's JWK Set read by [`Key::from_jwk_set`]: a set
/// refused when read (wrong `use`, `alg` not fitting `kty` or `crv`, an invalid point, RSA
/// below 2048 bits, a duplicate `kid`) makes every token under it invalid; otherwise the
/// token's `kid` picks its key. Sets of HMAC secrets (`oct`, `k`) are not read from JWKs at
/// all: their refusal is checked, and their outcome is not compared.
#[test]
fn json_web_key_test_through_jwk_sets() {
    let Some(dir) = vectors_dir() else { return };
    let file = "json_web_key_test.json";
    let vectors = load(&dir, file);
    let mut summary = Summary::default();
    for group in vectors["testGroups"].as_array().expect("groups") {
        let config = key_set_config(group);
        let has_secret = group["private"]["keys"]
            .as_array()
            .is_some_and(|keys| keys.iter().any(|key| key.get("k").is_some()));
        for test in tests_of(group) {
            let id = tc_id(test);
            if id == 7 {
                summary.skip(
                    id,
                    "ROCA-vulnerable modulus: authjwt does not fingerprint RSA keys \
                     (SECURITY.md, known limits)",
                );
                continue;
            }
            if has_secret && group.get("public").is_none() {
                let reason = config.as_ref().err().map_or("", String::as_str);
                assert!(reason.contains("`k`"), "tcId {id}: {reason}");
                summary.skip(
                    id,
                    "HMAC secret (`oct`, `k`): never read from a JWK, and the set is refused",
                );
                continue;
            }
            let want = expected(test["result"].as_str().expect("result"));
            replay(&mut summary, file, &config, test, want);
        }
    }
    summary.report(file);
    assert!(summary.agreed >= 10, "only {} agreed", summary.agreed);
}

/// tcIds 353–356 of `json_web_signature_test.json`: keys with `use: enc` or `key_ops:
/// ["encrypt"]` and no `alg`; read for the algorithm their token names, they are refused for
/// their `use` or `key_ops`, so the tokens cannot verify.
#[test]
fn jwk_use_and_key_ops_vectors_are_refused_when_read() {
    let Some(dir) = vectors_dir() else { return };
    let vectors = load(&dir, "json_web_signature_test.json");
    let mut checked = 0;
    for group in vectors["testGroups"].as_array().expect("groups") {
        for test in tests_of(group) {
            let id = tc_id(test);
            if !(353..=356).contains(&id) {
                continue;
            }
            assert_eq!(test["result"], "invalid");
            let jws = jws_text(test).expect("a JWS");
            let header = URL_SAFE_NO_PAD
                .decode(jws.split('.').next().expect("a header"))
                .expect("base64url");
            let header: Value = serde_json::from_slice(&header).expect("a JSON header");
            let algorithm: Algorithm = header["alg"]
                .as_str()
                .expect("alg")
                .parse()
                .expect("a JWS algorithm");
            let jwk = group_key(group).expect("one key");
            let err = Key::from_jwk_with_algorithm(jwk, algorithm)
                .expect_err("not a signature key")
                .to_string();
            assert!(
                err.contains("`use` is `enc`") || err.contains("`key_ops` allows `encrypt`"),
                "tcId {id}: {err}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 4);
}
