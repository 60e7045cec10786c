//! Interoperability: tokens minted by the original library (tests/fixtures/original_tokens.json,
//! made by tests/fixtures/mint_original_tokens.py) verify here with the same claims and
//! headers, and authjwt's tokens and the `jsonwebtoken` crate's verify each other.

mod common;

use std::sync::Arc;

use authjwt::{
    Algorithm, AuthJwtConfig, AuthJwtConfigBuilder, Clock, FixedClock, Requirement, Subject,
    SystemClock, TokenType,
};
use common::{
    NOW, failure, fixture, header_text, is_uuid4, member_names, payload_json, payload_text,
};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

struct OriginalToken {
    algorithm: String,
    name: String,
    token: String,
}

fn original_tokens() -> (String, Vec<OriginalToken>) {
    let fixture: Value =
        serde_json::from_str(&fixture("original_tokens.json")).expect("the fixture is JSON");
    let secret = fixture["secret"].as_str().expect("a secret").to_owned();
    let tokens = fixture["tokens"]
        .as_array()
        .expect("a list of tokens")
        .iter()
        .map(|entry| OriginalToken {
            algorithm: entry["algorithm"]
                .as_str()
                .expect("an algorithm")
                .to_owned(),
            name: entry["name"].as_str().expect("a name").to_owned(),
            token: entry["token"].as_str().expect("a token").to_owned(),
        })
        .collect();
    (secret, tokens)
}

/// authjwt configured like the reference server was when it minted the fixture.
fn configured_like_the_original(algorithm: &str, secret: &str) -> AuthJwtConfigBuilder {
    let builder = AuthJwtConfig::builder();
    let (algorithm, keys) = match algorithm {
        "HS256" => (Algorithm::HS256, None),
        "HS512" => (Algorithm::HS512, None),
        "RS256" => (
            Algorithm::RS256,
            Some(("rsa_private.pem", "rsa_public.pem")),
        ),
        "PS256" => (
            Algorithm::PS256,
            Some(("rsa_private.pem", "rsa_public.pem")),
        ),
        "ES256" => (
            Algorithm::ES256,
            Some(("ec256_private.pem", "ec256_public.pem")),
        ),
        "ES384" => (
            Algorithm::ES384,
            Some(("ec384_private.pem", "ec384_public.pem")),
        ),
        other => panic!("no configuration for {other}"),
    };
    let builder = builder.algorithm(algorithm);
    match keys {
        None => builder.secret_key(secret),
        Some((private, public)) => builder
            .private_key(fixture(private))
            .public_key(fixture(public)),
    }
}

#[test]
fn the_fixture_holds_every_token_kind_for_every_algorithm() {
    let (_, tokens) = original_tokens();
    let mut seen: Vec<(String, String)> = tokens
        .iter()
        .map(|token| (token.algorithm.clone(), token.name.clone()))
        .collect();
    seen.sort();
    let mut expected = Vec::new();
    for algorithm in ["ES256", "ES384", "HS256", "HS512", "PS256", "RS256"] {
        for name in [
            "access_expiring",
            "access_fresh",
            "access_int_subject_claims",
            "refresh",
        ] {
            expected.push((algorithm.to_owned(), name.to_owned()));
        }
    }
    assert_eq!(seen, expected);
}

#[tokio::test(flavor = "current_thread")]
async fn every_token_of_the_original_verifies_with_its_claims_and_header() {
    let (secret, tokens) = original_tokens();
    for original in &tokens {
        let context = format!("{} {}", original.algorithm, original.name);
        let payload = payload_json(&original.token);
        let iat = payload["iat"].as_i64().expect("an integer iat");
        let clock = Arc::new(FixedClock::new(iat));
        let mut builder = configured_like_the_original(&original.algorithm, &secret)
            .clock(Arc::clone(&clock) as _);
        if original.name == "access_int_subject_claims" {
            builder = builder.decode_audience(["foo"]);
        }
        let config = builder
            .build()
            .unwrap_or_else(|err| panic!("{context}: {err}"));

        let requirement = match original.name.as_str() {
            "access_fresh" => Requirement::FreshAccess,
            "refresh" => Requirement::Refresh,
            _ => Requirement::Access,
        };
        let verified = config
            .verify(&original.token, requirement)
            .await
            .unwrap_or_else(|err| panic!("{context}: {err}"));
        let claims = verified.claims();
        let header = verified.header();

        assert_eq!(claims.json(), payload_text(&original.token), "{context}");
        assert_eq!(header.algorithm().as_str(), original.algorithm, "{context}");
        let jti = claims.jti().expect("a jti");
        assert!(is_uuid4(jti), "{context}: {jti}");
        assert_eq!(claims.issued_at(), Some(iat), "{context}");
        assert_eq!(claims.not_before(), Some(iat), "{context}");
        assert_eq!(claims.csrf(), None, "{context}");

        match original.name.as_str() {
            "access_fresh" => {
                assert_eq!(
                    member_names(claims.json()),
                    ["sub", "iat", "nbf", "jti", "type", "fresh"],
                    "{context}"
                );
                assert_eq!(claims.subject(), Some(&Subject::from("test")));
                assert_eq!(claims.token_type(), Some(TokenType::Access));
                assert!(claims.is_fresh());
                assert_eq!(claims.expires_at(), None);
                assert_eq!(
                    header_text(&original.token),
                    format!(r#"{{"typ":"JWT","alg":"{}"}}"#, original.algorithm)
                );
                assert_eq!(header.key_id(), None);
            }
            "refresh" => {
                assert_eq!(
                    member_names(claims.json()),
                    ["sub", "iat", "nbf", "jti", "type"],
                    "{context}"
                );
                assert_eq!(claims.token_type(), Some(TokenType::Refresh));
                assert!(!claims.is_fresh());
                assert_eq!(claims.expires_at(), None);
            }
            "access_int_subject_claims" => {
                assert_eq!(
                    member_names(claims.json()),
                    [
                        "sub", "iat", "nbf", "jti", "aud", "type", "fresh", "role", "scopes"
                    ],
                    "{context}"
                );
                assert_eq!(claims.subject(), Some(&Subject::Integer(42)));
                assert_eq!(claims.get("aud"), Some(&json!(["foo", "bar"])));
                assert_eq!(claims.get("role"), Some(&json!("admin")));
                assert_eq!(claims.get("scopes"), Some(&json!(["a", "b"])));
                assert!(!claims.is_fresh());
                assert_eq!(
                    header_text(&original.token),
                    format!(
                        r#"{{"typ":"JWT","alg":"{}","kid":"k1"}}"#,
                        original.algorithm
                    )
                );
                assert_eq!(header.key_id(), Some("k1"));
                assert_eq!(header.get("typ"), Some(&json!("JWT")));
                assert_eq!(
                    failure(
                        config
                            .verify(&original.token, Requirement::FreshAccess)
                            .await
                    ),
                    (401, "Fresh token required".to_owned()),
                    "{context}"
                );
            }
            "access_expiring" => {
                assert_eq!(
                    member_names(claims.json()),
                    ["sub", "iat", "nbf", "jti", "exp", "type", "fresh"],
                    "{context}"
                );
                assert_eq!(claims.expires_at(), Some(iat + 60), "{context}");
                clock.set(iat + 60);
                config
                    .verify(&original.token, Requirement::Access)
                    .await
                    .unwrap_or_else(|err| panic!("{context} at exp: {err}"));
                clock.set(iat + 61);
                assert_eq!(
                    failure(config.verify(&original.token, Requirement::Access).await),
                    (422, "Signature has expired".to_owned()),
                    "{context}"
                );
            }
            other => panic!("unexpected fixture {other}"),
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_originals_tokens_without_exp_stay_valid_and_others_are_refused() {
    let (secret, tokens) = original_tokens();
    let hs256 = configured_like_the_original("HS256", &secret)
        .clock(Arc::new(FixedClock::new(4_000_000_000)))
        .build()
        .expect("valid");
    for original in tokens.iter().filter(|token| token.algorithm == "HS256") {
        let result = hs256.decode(&original.token);
        match original.name.as_str() {
            "access_fresh" | "refresh" => {
                result.unwrap_or_else(|err| panic!("{}: {err}", original.name));
            }
            "access_int_subject_claims" => {
                // aud is present and this configuration expects none.
                assert_eq!(failure(result), (422, "Invalid audience".to_owned()));
            }
            _ => assert_eq!(failure(result), (422, "Signature has expired".to_owned())),
        }
    }
    // The HS512 tokens are not allowed under an HS256 configuration.
    let hs512_token = tokens
        .iter()
        .find(|token| token.algorithm == "HS512")
        .expect("an HS512 token");
    assert_eq!(
        failure(hs256.decode(&hs512_token.token)),
        (422, "The specified alg value is not allowed".to_owned())
    );
}

#[test]
fn authjwt_writes_the_same_claim_names_in_the_same_order_as_the_original() {
    let (secret, tokens) = original_tokens();
    for original in tokens.iter().filter(|token| token.algorithm == "HS256") {
        let payload = payload_json(&original.token);
        let iat = payload["iat"].as_i64().expect("an integer iat");
        let config = configured_like_the_original("HS256", &secret)
            .clock(Arc::new(FixedClock::new(iat)))
            .access_token_expires(None)
            .refresh_token_expires(None)
            .decode_audience(["foo"])
            .build()
            .expect("valid");
        let ours = match original.name.as_str() {
            "access_fresh" => config.access_token("test").fresh(true).encode(),
            "refresh" => config.refresh_token("test").encode(),
            "access_int_subject_claims" => config
                .access_token(42)
                .audience(["foo", "bar"])
                .header("kid", "k1")
                .claim("role", "admin")
                .claim("scopes", json!(["a", "b"]))
                .encode(),
            _ => config
                .access_token("test")
                .expires(authjwt::ExpiresTime::Seconds(60))
                .encode(),
        }
        .expect("signed");
        assert_eq!(
            member_names(&payload_text(&ours)),
            member_names(&payload_text(&original.token)),
            "{}",
            original.name
        );
        assert_eq!(
            header_text(&ours),
            header_text(&original.token),
            "{}",
            original.name
        );
        // Every value but the random jti is the same.
        let mut theirs = payload;
        let mut ours = payload_json(&ours);
        theirs["jti"] = Value::Null;
        ours["jti"] = Value::Null;
        assert_eq!(ours, theirs, "{}", original.name);
    }
}

// ---------------------------------------------------------------------------------------------
// The jsonwebtoken crate
// ---------------------------------------------------------------------------------------------

struct KeyPair {
    algorithm: Algorithm,
    theirs: jsonwebtoken::Algorithm,
    builder: fn() -> AuthJwtConfigBuilder,
    encoding: fn() -> EncodingKey,
    decoding: fn() -> DecodingKey,
}

fn key_pairs() -> Vec<KeyPair> {
    vec![
        KeyPair {
            algorithm: Algorithm::HS256,
            theirs: jsonwebtoken::Algorithm::HS256,
            builder: || AuthJwtConfig::builder().secret_key(common::SECRET),
            encoding: || EncodingKey::from_secret(common::SECRET.as_bytes()).expect("a key"),
            decoding: || DecodingKey::from_secret(common::SECRET.as_bytes()).expect("a key"),
        },
        KeyPair {
            algorithm: Algorithm::RS256,
            theirs: jsonwebtoken::Algorithm::RS256,
            builder: || {
                AuthJwtConfig::builder()
                    .algorithm(Algorithm::RS256)
                    .private_key(fixture("rsa_private.pem"))
                    .public_key(fixture("rsa_public.pem"))
            },
            encoding: || {
                EncodingKey::from_rsa_pem(fixture("rsa_private.pem").as_bytes()).expect("a key")
            },
            decoding: || {
                DecodingKey::from_rsa_pem(fixture("rsa_public.pem").as_bytes()).expect("a key")
            },
        },
        KeyPair {
            algorithm: Algorithm::PS256,
            theirs: jsonwebtoken::Algorithm::PS256,
            builder: || {
                AuthJwtConfig::builder()
                    .algorithm(Algorithm::PS256)
                    .private_key(fixture("rsa_private_pkcs1.pem"))
                    .public_key(fixture("rsa_public.pem"))
            },
            encoding: || {
                EncodingKey::from_rsa_pem(fixture("rsa_private_pkcs1.pem").as_bytes())
                    .expect("a key")
            },
            decoding: || {
                DecodingKey::from_rsa_pem(fixture("rsa_public.pem").as_bytes()).expect("a key")
            },
        },
        KeyPair {
            algorithm: Algorithm::ES256,
            theirs: jsonwebtoken::Algorithm::ES256,
            builder: || {
                AuthJwtConfig::builder()
                    .algorithm(Algorithm::ES256)
                    .private_key(fixture("ec256_private.pem"))
                    .public_key(fixture("ec256_public.pem"))
            },
            encoding: || {
                EncodingKey::from_ec_pem(fixture("ec256_private.pem").as_bytes()).expect("a key")
            },
            decoding: || {
                DecodingKey::from_ec_pem(fixture("ec256_public.pem").as_bytes()).expect("a key")
            },
        },
        KeyPair {
            algorithm: Algorithm::EdDSA,
            theirs: jsonwebtoken::Algorithm::EdDSA,
            builder: || {
                AuthJwtConfig::builder()
                    .algorithm(Algorithm::EdDSA)
                    .private_key(fixture("ed25519_private.pem"))
                    .public_key(fixture("ed25519_public.pem"))
            },
            encoding: || {
                EncodingKey::from_ed_pem(fixture("ed25519_private.pem").as_bytes()).expect("a key")
            },
            decoding: || {
                DecodingKey::from_ed_pem(fixture("ed25519_public.pem").as_bytes()).expect("a key")
            },
        },
    ]
}

/// jsonwebtoken's validation set to authjwt's rules: no leeway, `nbf` checked.
fn strict_validation(algorithm: jsonwebtoken::Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.leeway = 0;
    validation.validate_nbf = true;
    validation.set_audience(&["billing"]);
    validation
}

#[test]
fn authjwt_tokens_verify_under_jsonwebtoken() {
    // jsonwebtoken reads the system clock, so authjwt's fixed clock is set to it; the tokens
    // live 15 minutes, far longer than the test.
    let now = SystemClock.now();
    for pair in key_pairs() {
        let config = (pair.builder)()
            .clock(Arc::new(FixedClock::new(now)))
            .decode_audience(["billing"])
            .build()
            .unwrap_or_else(|err| panic!("{}: {err}", pair.algorithm));
        let token = config
            .access_token(42)
            .fresh(true)
            .audience("billing")
            .header("kid", "k1")
            .claim("role", "admin")
            .encode()
            .expect("signed");
        let ours = config.decode(&token).expect("valid").into_claims();
        let theirs = jsonwebtoken::decode::<Value>(
            &token,
            &(pair.decoding)(),
            &strict_validation(pair.theirs),
        )
        .unwrap_or_else(|err| panic!("{}: {err}", pair.algorithm));
        assert_eq!(theirs.header.alg, pair.theirs);
        assert_eq!(theirs.header.typ.as_deref(), Some("JWT"));
        assert_eq!(theirs.header.kid.as_deref(), Some("k1"));
        assert_eq!(theirs.claims, Value::Object(ours.as_map().clone()));
        assert_eq!(theirs.claims["exp"], json!(now + 900));
        assert_eq!(theirs.claims["sub"], json!(42));
    }
}

#[test]
fn jsonwebtoken_refuses_an_expired_authjwt_token_as_authjwt_does() {
    let config = AuthJwtConfig::builder()
        .secret_key(common::SECRET)
        .clock(Arc::new(FixedClock::new(NOW)))
        .build()
        .expect("valid");
    let token = config.create_access_token("alice").expect("signed");
    let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.leeway = 0;
    let err = jsonwebtoken::decode::<Value>(
        &token,
        &DecodingKey::from_secret(common::SECRET.as_bytes()).expect("a key"),
        &validation,
    )
    .expect_err("expired in real time");
    assert_eq!(
        err.kind(),
        &jsonwebtoken::errors::ErrorKind::ExpiredSignature
    );
}

#[tokio::test(flavor = "current_thread")]
async fn jsonwebtoken_tokens_verify_under_authjwt() {
    for pair in key_pairs() {
        let config = (pair.builder)()
            .clock(Arc::new(FixedClock::new(NOW)))
            .decode_audience(["billing"])
            .build()
            .unwrap_or_else(|err| panic!("{}: {err}", pair.algorithm));
        let claims = json!({
            "sub": "alice",
            "iat": NOW,
            "nbf": NOW,
            "jti": "2f0c1a5e-6d3b-4c1f-9a7e-0b8d2c4e6f81",
            "exp": NOW + 900,
            "aud": ["billing", "other"],
            "type": "access",
            "fresh": true,
            "role": "admin",
        });
        let mut header = Header::new(pair.theirs);
        header.kid = Some("k1".to_owned());
        let token = jsonwebtoken::encode(&header, &claims, &(pair.encoding)())
            .unwrap_or_else(|err| panic!("{}: {err}", pair.algorithm));
        let verified = config
            .verify(&token, Requirement::FreshAccess)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", pair.algorithm));
        assert_eq!(verified.header().algorithm(), pair.algorithm);
        assert_eq!(verified.header().key_id(), Some("k1"));
        assert_eq!(Value::Object(verified.claims().as_map().clone()), claims);
        assert_eq!(
            verified.claims().jti(),
            Some("2f0c1a5e-6d3b-4c1f-9a7e-0b8d2c4e6f81")
        );
        assert_eq!(verified.claims().expires_at(), Some(NOW + 900));

        let refresh_claims = json!({"sub": 7, "jti": "r1", "type": "refresh", "aud": "billing"});
        let refresh = jsonwebtoken::encode(
            &Header::new(pair.theirs),
            &refresh_claims,
            &(pair.encoding)(),
        )
        .expect("signed");
        let verified = config
            .verify(&refresh, Requirement::Refresh)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", pair.algorithm));
        assert_eq!(verified.claims().subject(), Some(&Subject::Integer(7)));
    }
}

#[test]
fn a_signature_from_another_key_of_the_same_algorithm_fails() {
    let config = AuthJwtConfig::builder()
        .secret_key(common::SECRET)
        .clock(Arc::new(FixedClock::new(NOW)))
        .build()
        .expect("valid");
    let claims = json!({"sub": "alice", "type": "access"});
    let token = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"another-secret-of-at-least-thirty-two-bytes").expect("a key"),
    )
    .expect("signed");
    assert_eq!(
        failure(config.decode(&token)),
        (422, "Signature verification failed".to_owned())
    );
}

#[test]
fn claims_are_compact_json_exactly_as_signed() {
    let config = AuthJwtConfig::builder()
        .secret_key(common::SECRET)
        .clock(Arc::new(FixedClock::new(NOW)))
        .build()
        .expect("valid");
    let token = config
        .access_token("alice bob")
        .claim("nested", json!({"list": [1, 2, {"k": "v w"}], "empty": {}}))
        .encode()
        .expect("signed");
    let claims = config.decode(&token).expect("valid").into_claims();
    let json = claims.json();
    assert_eq!(json, payload_text(&token));
    assert_eq!(
        json,
        serde_json::to_string(claims.as_map()).expect("serializable")
    );
    assert!(
        !json.contains(": ") && !json.contains(", ") && !json.contains('\n'),
        "{json}"
    );
    assert!(
        json.ends_with(r#""nested":{"list":[1,2,{"k":"v w"}],"empty":{}}}"#),
        "{json}"
    );
    assert!(!header_text(&token).contains(' '));
    assert_eq!(
        serde_json::to_string(&claims).expect("serializable"),
        json,
        "Claims serialize as the payload object"
    );
}
