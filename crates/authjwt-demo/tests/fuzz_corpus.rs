//! The fuzz properties on stable, in every CI run: each file of `fuzz/corpus/<target>/` (the
//! committed seeds, plus whatever a local `cargo fuzz run` added) is replayed through the
//! exact code the `cargo fuzz` targets run (`fuzz/src/harness.rs`, included here). A file
//! that breaks a property — a panic, a 5xx, a status outside 401/422 for a refused token, a
//! 4xx without a JSON `detail`, a message that echoes the input — fails the test and is
//! named.
//!
//! The seeds themselves are made by the ignored test at the bottom:
//! `cargo test -p authjwt-demo --test fuzz_corpus -- --ignored regenerate_seed_corpus`.

#[path = "../../../fuzz/src/harness.rs"]
mod harness;

mod common;

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use authjwt::{Algorithm, AuthJwtConfig};
use aws_lc_rs::hmac;

use common::{b64, b64_decode, ecdsa_der, high_s_twin, hmac_segments, segments};

/// A fuzz target: its name and the harness function it runs.
type Target = (&'static str, fn(&[u8]));

/// The targets.
const TARGETS: [Target; 3] = [
    ("token_parser", harness::token_parser),
    ("verify", harness::verify),
    ("request", harness::request),
];

fn corpus_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_file_keeps_the_fuzz_properties() {
    for (target, run) in TARGETS {
        let files = corpus_files(&corpus_root().join(target));
        let seeds = files
            .iter()
            .filter(|path| {
                path.file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with("seed-"))
            })
            .count();
        assert!(seeds >= 20, "{target}: only {seeds} committed seeds");
        for file in &files {
            let data = fs::read(file).expect("a readable corpus file");
            if let Err(cause) = panic::catch_unwind(AssertUnwindSafe(|| run(&data))) {
                eprintln!("{target}: {} broke a fuzz property", file.display());
                panic::resume_unwind(cause);
            }
        }
        println!(
            "{target}: {} corpus files replayed ({seeds} seeds)",
            files.len()
        );
    }
}

/// The `seed-valid-*` tokens verify under one of the configurations, so fuzzing starts from
/// inputs that reach the claim checks, the revocation store and the type checks.
#[test]
fn the_valid_seeds_reach_the_end_of_the_pipeline() {
    let dir = corpus_root().join("verify");
    let valid: Vec<PathBuf> = corpus_files(&dir)
        .into_iter()
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("seed-valid-"))
        })
        .collect();
    assert!(valid.len() >= 15, "{} valid seeds", valid.len());
    for file in valid {
        let token = fs::read_to_string(&file).expect("a UTF-8 seed");
        let accepted = harness::configs().all().into_iter().any(|config| {
            [
                authjwt::Requirement::FreshAccess,
                authjwt::Requirement::Refresh,
            ]
            .into_iter()
            .any(|requirement| harness::block_on(config.verify(&token, requirement)).is_ok())
        });
        assert!(accepted, "{} verifies nowhere", file.display());
    }
}

// ---------------------------------------------------------------------------------------
// The seed corpus
// ---------------------------------------------------------------------------------------

/// FNV-1a, for short content hashes in the seed file names.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn write_seeds(target: &str, seeds: &[(String, Vec<u8>)]) {
    let dir = corpus_root().join(target);
    fs::create_dir_all(&dir).expect("the corpus directory");
    for old in corpus_files(&dir) {
        if old
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with("seed-"))
        {
            fs::remove_file(old).expect("an old seed removed");
        }
    }
    for (name, data) in seeds {
        let file = dir.join(format!("seed-{name}-{:08x}", fnv1a(data) as u32));
        fs::write(file, data).expect("a seed written");
    }
}

fn hs256(header: &str, payload: &str) -> String {
    hmac_segments(
        hmac::HMAC_SHA256,
        harness::SECRET.as_bytes(),
        &b64(header),
        &b64(payload),
    )
}

fn claims(extra: &str) -> String {
    let now = harness::NOW;
    format!(
        r#"{{"sub":"alice","iat":{now},"nbf":{now},"jti":"j1","exp":{},"type":"access","fresh":true,"csrf":"c1"{extra}}}"#,
        now + 900
    )
}

fn mint(config: &AuthJwtConfig, algorithm: Algorithm, refresh: bool) -> String {
    let audience = config
        .settings()
        .decode_audience
        .as_ref()
        .map(|_| authjwt::Audience::One(harness::AUDIENCE.to_owned()));
    match (refresh, audience) {
        (true, None) => config.refresh_token("alice").algorithm(algorithm).encode(),
        (true, Some(audience)) => config
            .refresh_token("alice")
            .algorithm(algorithm)
            .audience(audience)
            .encode(),
        (false, None) => config
            .access_token("alice")
            .fresh(true)
            .algorithm(algorithm)
            .encode(),
        (false, Some(audience)) => config
            .access_token("alice")
            .fresh(true)
            .algorithm(algorithm)
            .audience(audience)
            .encode(),
    }
    .expect("a seed token")
}

fn token_seeds() -> Vec<(String, Vec<u8>)> {
    use Algorithm::*;
    let configs = harness::configs();
    let mut seeds: Vec<(String, String)> = Vec::new();
    for algorithm in [
        HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512,
    ] {
        seeds.push((
            format!("valid-{algorithm}-access"),
            mint(&configs.rsa, algorithm, false),
        ));
    }
    seeds.push((
        "valid-HS256-refresh".into(),
        mint(&configs.rsa, HS256, true),
    ));
    let es256 = mint(&configs.ec, ES256, false);
    seeds.push(("valid-ES256-access".into(), es256.clone()));
    seeds.push(("valid-ES256-refresh".into(), mint(&configs.ec, ES256, true)));
    seeds.push(("valid-ES256-high-s-twin".into(), high_s_twin(&es256)));
    seeds.push(("valid-EdDSA-access".into(), mint(&configs.ed, EdDSA, false)));
    seeds.push(("valid-EdDSA-refresh".into(), mint(&configs.ed, EdDSA, true)));
    let header = r#"{"typ":"JWT","alg":"HS256"}"#;
    let valid = hs256(header, &claims(""));
    let parts: Vec<String> = segments(&valid).into_iter().map(str::to_owned).collect();
    let (h, p, s) = (&parts[0], &parts[1], &parts[2]);

    let mut add = |name: &str, token: String| seeds.push((name.to_owned(), token));
    add("handmade-HS256", valid.clone());
    add(
        "revoked-jti",
        hs256(header, &claims("").replace("\"j1\"", "\"revoked-jti\"")),
    );
    add(
        "not-fresh",
        hs256(
            header,
            &claims("").replace("\"fresh\":true", "\"fresh\":false"),
        ),
    );
    add(
        "fresh-string-false",
        hs256(
            header,
            &claims("").replace("\"fresh\":true", "\"fresh\":\"false\""),
        ),
    );
    add("empty", String::new());
    add("one-dot", ".".into());
    add("two-dots", "..".into());
    add("two-segments", format!("{h}.{p}"));
    add("four-segments", format!("{valid}.AAAA"));
    add("trailing-dot", format!("{valid}."));
    add(
        "jwe-five-segments",
        format!(
            "{}.a.b.c.d",
            b64(r#"{"alg":"dir","enc":"A128GCM","zip":"DEF","p2c":2147483647}"#)
        ),
    );
    add(
        "json-serialization",
        format!(r#"{{"payload":"{p}","signatures":[{{"protected":"{h}","signature":"{s}"}}]}}"#),
    );
    add(
        "padding-header",
        hmac_segments(
            hmac::HMAC_SHA256,
            harness::SECRET.as_bytes(),
            &format!("{h}="),
            p,
        ),
    );
    add("padding-signature", format!("{valid}="));
    add(
        "standard-alphabet",
        valid.replace('-', "+").replace('_', "/"),
    );
    add("signature-stripped", format!("{h}.{p}."));
    add("signature-truncated", valid[..valid.len() - 3].to_owned());
    add("alg-none", format!("{}.{p}.", b64(r#"{"alg":"none"}"#)));
    add(
        "alg-None-kept-signature",
        format!("{}.{p}.{s}", b64(r#"{"alg":"None"}"#)),
    );
    add("alg-lowercase", hs256(r#"{"alg":"hs256"}"#, &claims("")));
    add("alg-escaped", hs256(r#"{"alg":"\u0048S256"}"#, &claims("")));
    add("alg-missing", hs256(r#"{"typ":"JWT"}"#, &claims("")));
    add("alg-number", hs256(r#"{"alg":123}"#, &claims("")));
    add(
        "alg-pbes2",
        hs256(
            r#"{"alg":"PBES2-HS512+A256KW","p2c":2147483647}"#,
            &claims(""),
        ),
    );
    add(
        "alg-duplicate",
        hs256(r#"{"alg":"none","alg":"HS256"}"#, &claims("")),
    );
    add(
        "crit",
        hs256(r#"{"alg":"HS256","crit":["exp2"],"exp2":"x"}"#, &claims("")),
    );
    add(
        "b64-false",
        hs256(r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#, &claims("")),
    );
    add(
        "enc",
        hs256(r#"{"alg":"HS256","enc":"A128GCM"}"#, &claims("")),
    );
    add(
        "cty-jwt",
        hs256(r#"{"alg":"HS256","cty":"JWT"}"#, &claims("")),
    );
    add(
        "kid-object",
        hs256(r#"{"alg":"HS256","kid":{}}"#, &claims("")),
    );
    add(
        "kid-traversal",
        hs256(
            r#"{"alg":"HS256","kid":"../../../../dev/null"}"#,
            &claims(""),
        ),
    );
    add(
        "jku-jwk",
        hs256(
            r#"{"alg":"HS256","jku":"http://127.0.0.1:1/jwks","jwk":{"kty":"oct","k":"AA"}}"#,
            &claims(""),
        ),
    );
    add("header-array", hs256(r#"["alg","HS256"]"#, &claims("")));
    add("header-null", hs256("null", &claims("")));
    add(
        "header-trailing-bytes",
        hs256(r#"{"alg":"HS256"}xyz"#, &claims("")),
    );
    add(
        "header-bom",
        hs256("\u{feff}{\"alg\":\"HS256\"}", &claims("")),
    );
    add(
        "header-nested-200",
        hs256(
            &format!(r#"{{"alg":"HS256","x":{}}}"#, "[".repeat(200)),
            &claims(""),
        ),
    );
    add(
        "payload-nested-200",
        hs256(
            header,
            &format!(r#"{{"x":{}1{}}}"#, "[".repeat(200), "]".repeat(200)),
        ),
    );
    add("payload-array", hs256(header, "[1,2]"));
    add(
        "payload-text",
        hs256(
            header,
            "It\u{2019}s a dangerous business, Frodo, going out your door.",
        ),
    );
    add(
        "payload-lone-surrogate",
        hs256(header, &claims(r#","x":"\ud800""#)),
    );
    add(
        "payload-duplicate-type",
        hs256(header, &claims(r#","type":"refresh""#)),
    );
    add(
        "exp-string",
        hs256(
            header,
            &claims("").replace(
                &format!("\"exp\":{}", harness::NOW + 900),
                "\"exp\":\"9999999999\"",
            ),
        ),
    );
    add(
        "exp-1e400",
        hs256(
            header,
            &claims("").replace(&format!("\"exp\":{}", harness::NOW + 900), "\"exp\":1e400"),
        ),
    );
    add(
        "exp-fraction",
        hs256(
            header,
            &claims("").replace(
                &format!("\"exp\":{}", harness::NOW + 900),
                &format!("\"exp\":{}.5", harness::NOW + 100),
            ),
        ),
    );
    add(
        "exp-past",
        hs256(
            header,
            &claims("").replace(&format!("\"exp\":{}", harness::NOW + 900), "\"exp\":5"),
        ),
    );
    add(
        "nbf-future",
        hs256(
            header,
            &claims("").replace(
                &format!("\"nbf\":{}", harness::NOW),
                &format!("\"nbf\":{}", harness::NOW + 60),
            ),
        ),
    );
    add(
        "iat-string",
        hs256(
            header,
            &claims("").replace(&format!("\"iat\":{}", harness::NOW), "\"iat\":\"x\""),
        ),
    );
    add(
        "type-missing",
        hs256(header, &claims("").replace(",\"type\":\"access\"", "")),
    );
    add(
        "type-upper",
        hs256(header, &claims("").replace("\"access\"", "\"ACCESS\"")),
    );
    add(
        "sub-object",
        hs256(header, &claims("").replace("\"alice\"", "{\"id\":1}")),
    );
    add(
        "jti-long",
        hs256(
            header,
            &claims("").replace("\"j1\"", &format!("\"{}\"", "j".repeat(300))),
        ),
    );
    add("aud-number", hs256(header, &claims(r#","aud":5"#)));
    add(
        "iss-array",
        hs256(
            header,
            &claims(&format!(r#","iss":["{}"]"#, harness::ISSUER)),
        ),
    );
    add(
        "big-number",
        hs256(header, &claims(&format!(r#","x":1{}"#, "0".repeat(400)))),
    );
    add(
        "utf8-invalid-payload",
        format!(
            "{h}.{}.{s}",
            b64([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])
        ),
    );
    add("too-large", format!("{h}.{}.{s}", "A".repeat(9000)));
    add("dots", ".".repeat(9000));
    add(
        "hs256-with-rsa-public-pem",
        hmac_segments(hmac::HMAC_SHA256, harness::RSA_PRIVATE.as_bytes(), h, p),
    );
    let es_parts = segments(&es256);
    add(
        "es256-zero-signature",
        format!("{}.{}.{}", es_parts[0], es_parts[1], b64([0u8; 64])),
    );
    add(
        "es256-der-signature",
        format!(
            "{}.{}.{}",
            es_parts[0],
            es_parts[1],
            b64(ecdsa_der(&b64_decode(es_parts[2])))
        ),
    );
    add(
        "es256-psychic-der",
        format!("{}.{}.MAYCAQACAQA", es_parts[0], es_parts[1]),
    );
    seeds
        .into_iter()
        .map(|(name, token)| (name, token.into_bytes()))
        .collect()
}

fn request_seeds(tokens: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let configs = harness::configs();
    let access = mint(&configs.rsa, Algorithm::HS256, false);
    let refresh = mint(&configs.rsa, Algorithm::HS256, true);
    let csrf = configs
        .rsa
        .decode(&access)
        .expect("a valid seed")
        .claims()
        .csrf()
        .expect("a csrf claim")
        .to_owned();
    let ed_access = mint(&configs.ed, Algorithm::EdDSA, false);
    let ed_csrf = configs
        .ed
        .decode(&ed_access)
        .expect("a valid seed")
        .claims()
        .csrf()
        .expect("csrf")
        .to_owned();
    let mut seeds: Vec<(String, Vec<u8>)> = vec![
        ("bearer-get".into(), format!("/protected\nGET\nBearer {access}").into_bytes()),
        ("bearer-lowercase".into(), format!("/protected\nGET\nbearer {access}").into_bytes()),
        ("bearer-extra".into(), format!("/protected\nGET\nBearer {access} extra").into_bytes()),
        ("bearer-empty".into(), b"/protected\nGET\nBearer ".to_vec()),
        ("basic".into(), format!("/protected\nGET\nBasic {access}").into_bytes()),
        ("obs-text".into(), b"/protected\nGET\nBearer \xff\xfe".to_vec()),
        ("refresh-get".into(), format!("/refresh\nPOST\nBearer {refresh}").into_bytes()),
        ("fresh-get".into(), format!("/fresh\nPATCH\nBearer {access}").into_bytes()),
        ("claims".into(), format!("/claims\nGET\nBearer {access}").into_bytes()),
        ("headers".into(), format!("/headers\nGET\nBearer {access}").into_bytes()),
        ("optional-nothing".into(), b"/optional\nGET".to_vec()),
        ("cookie-post-csrf".into(), format!("/protected\nPOST\n\naccess_token_cookie={access}\n{csrf}").into_bytes()),
        ("cookie-post-no-csrf".into(), format!("/protected\nPOST\n\naccess_token_cookie={access}").into_bytes()),
        ("cookie-post-wrong-csrf".into(), format!("/protected\nDELETE\n\naccess_token_cookie={access}\nx{csrf}").into_bytes()),
        ("cookie-ed-csrf".into(), format!("/fresh\nPUT\n\naccess_token_cookie={ed_access}; csrf_access_token={ed_csrf}\n{ed_csrf}").into_bytes()),
        ("cookie-duplicate".into(), format!("/protected\nGET\n\naccess_token_cookie={access}; access_token_cookie=garbage").into_bytes()),
        ("cookie-quoted".into(), format!("/protected\nGET\n\naccess_token_cookie=\"{access}\"").into_bytes()),
        ("cookie-only-csrf".into(), format!("/protected\nPOST\n\ncsrf_access_token={csrf}\n{csrf}").into_bytes()),
        ("header-and-cookie".into(), format!("/protected\nPOST\nBearer {access}\naccess_token_cookie=garbage").into_bytes()),
        ("csrf-obs-text".into(), format!("/protected\nPOST\n\naccess_token_cookie={access}\n\u{e9}{csrf}").into_bytes()),
    ];
    for (name, token) in tokens.iter().step_by(3) {
        let mut data = b"/protected\nGET\nBearer ".to_vec();
        data.extend(token);
        seeds.push((format!("bearer-{name}"), data));
    }
    seeds
}

/// Rewrites the committed seeds (`seed-*`) of the three targets; other corpus files are left
/// alone.
#[test]
#[ignore = "writes fuzz/corpus; run by hand after changing the seeds"]
fn regenerate_seed_corpus() {
    let tokens = token_seeds();
    write_seeds("token_parser", &tokens);
    write_seeds("verify", &tokens);
    write_seeds("request", &request_seeds(&tokens));
}
