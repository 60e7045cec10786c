//! Token creation: the claim set and its order (spec §4.2), expiry (§4.3), the JOSE header
//! (§4.4), algorithm and key selection (§4.5), and the refusals authjwt adds.

mod common;

use std::sync::Arc;
use std::time::Duration;

use authjwt::create::RESERVED_CLAIMS;
use authjwt::{
    Algorithm, Audience, AuthJwtConfig, CreateTokenError, ExpiresTime, FixedClock, JsonObject,
    Requirement, Subject, TokenLocation, TokenType,
};
use common::{
    HS256_HEADER, NOW, SECRET_64, builder, builder_with_clock, config, failure, fixed_clock,
    fixture, header_text, is_uuid4, member_names, payload_json, payload_text,
};
use serde_json::{Value, json};

fn str_claim<'a>(payload: &'a Value, name: &str) -> &'a str {
    payload[name].as_str().expect("a string claim")
}

// ---------------------------------------------------------------------------------------------
// Claims and their order
// ---------------------------------------------------------------------------------------------

#[test]
fn every_claim_is_written_in_the_originals_order_before_user_claims() {
    let config = builder()
        .token_location([TokenLocation::Headers, TokenLocation::Cookies])
        .encode_issuer("urn:issuer")
        .decode_audience(["billing"])
        .build()
        .expect("valid");
    let token = config
        .access_token("alice")
        .fresh(true)
        .audience("billing")
        .claim("role", "admin")
        .claim("scopes", json!(["a", "b"]))
        .encode()
        .expect("signed");

    let verified = config.decode(&token).expect("valid");
    let json = verified.claims().json();
    assert_eq!(
        member_names(json),
        [
            "sub", "iat", "nbf", "jti", "exp", "iss", "aud", "type", "fresh", "csrf", "role",
            "scopes"
        ]
    );
    let jti = verified.claims().jti().expect("a jti");
    let csrf = verified.claims().csrf().expect("a csrf claim");
    assert_eq!(
        json,
        format!(
            r#"{{"sub":"alice","iat":{NOW},"nbf":{NOW},"jti":"{jti}","exp":{},"iss":"urn:issuer","aud":"billing","type":"access","fresh":true,"csrf":"{csrf}","role":"admin","scopes":["a","b"]}}"#,
            NOW + 900
        )
    );
    // The claims returned are the payload that was signed, byte for byte.
    assert_eq!(json, payload_text(&token));
}

#[test]
fn a_default_access_token_has_the_originals_claims() {
    let token = config().create_access_token("alice").expect("signed");
    let payload = payload_json(&token);
    assert_eq!(
        payload_text(&token),
        format!(
            r#"{{"sub":"alice","iat":{NOW},"nbf":{NOW},"jti":"{}","exp":{},"type":"access","fresh":false}}"#,
            str_claim(&payload, "jti"),
            NOW + 900
        )
    );
}

#[test]
fn a_default_refresh_token_has_no_fresh_claim() {
    let token = config().create_refresh_token("alice").expect("signed");
    let payload = payload_json(&token);
    assert_eq!(
        payload_text(&token),
        format!(
            r#"{{"sub":"alice","iat":{NOW},"nbf":{NOW},"jti":"{}","exp":{},"type":"refresh"}}"#,
            str_claim(&payload, "jti"),
            NOW + 2_592_000
        )
    );
}

#[test]
fn jti_and_csrf_are_distinct_random_uuid4_strings() {
    let config = builder()
        .token_location([TokenLocation::Cookies])
        .build()
        .expect("valid");
    let mut seen = std::collections::HashSet::new();
    for _ in 0..50 {
        let token = config.create_access_token("alice").expect("signed");
        let payload = payload_json(&token);
        let jti = str_claim(&payload, "jti").to_owned();
        let csrf = str_claim(&payload, "csrf").to_owned();
        assert!(is_uuid4(&jti), "{jti}");
        assert!(is_uuid4(&csrf), "{csrf}");
        assert!(seen.insert(jti), "jti repeated");
        assert!(seen.insert(csrf), "csrf repeated or equal to a jti");
    }
}

#[test]
fn the_uuid4_check_refuses_what_is_not_a_python_uuid4() {
    assert!(is_uuid4("e7ee79cf-26fa-4dac-afa8-56098b6a0eb5"));
    assert!(!is_uuid4("E7EE79CF-26FA-4DAC-AFA8-56098B6A0EB5"));
    assert!(!is_uuid4("e7ee79cf-26fa-1dac-afa8-56098b6a0eb5"));
    assert!(!is_uuid4("e7ee79cf-26fa-4dac-cfa8-56098b6a0eb5"));
    assert!(!is_uuid4("e7ee79cf26fa4dacafa856098b6a0eb5"));
}

#[test]
fn csrf_is_present_exactly_when_cookies_are_a_location_and_protection_is_on() {
    let cases = [
        (vec![TokenLocation::Headers], true, false),
        (vec![TokenLocation::Headers], false, false),
        (vec![TokenLocation::Cookies], true, true),
        (vec![TokenLocation::Cookies], false, false),
        (
            vec![TokenLocation::Headers, TokenLocation::Cookies],
            true,
            true,
        ),
        (
            vec![TokenLocation::Cookies, TokenLocation::Headers],
            false,
            false,
        ),
    ];
    for (locations, protect, expected) in cases {
        let config = builder()
            .token_location(locations.clone())
            .cookie_csrf_protect(protect)
            .build()
            .expect("valid");
        let access = config.create_access_token("alice").expect("signed");
        let refresh = config.create_refresh_token("alice").expect("signed");
        for token in [access, refresh] {
            let payload = payload_json(&token);
            assert_eq!(
                payload.get("csrf").is_some(),
                expected,
                "{locations:?} protect={protect} {payload}"
            );
            let claims = config.decode(&token).expect("valid").into_claims();
            assert_eq!(claims.csrf().is_some(), expected);
        }
    }
}

#[test]
fn the_issuer_is_written_on_access_tokens_only() {
    let config = builder().encode_issuer("urn:foo").build().expect("valid");
    let access = payload_json(&config.create_access_token("alice").expect("signed"));
    let refresh = payload_json(&config.create_refresh_token("alice").expect("signed"));
    assert_eq!(access["iss"], json!("urn:foo"));
    assert_eq!(refresh.get("iss"), None);
}

#[test]
fn the_audience_is_a_string_or_a_list_and_an_empty_one_is_ignored() {
    let config = builder()
        .decode_audience(["foo", "bar"])
        .build()
        .expect("valid");
    let one = config
        .access_token("alice")
        .audience("foo")
        .encode()
        .expect("signed");
    assert_eq!(payload_json(&one)["aud"], json!("foo"));
    let many = config
        .refresh_token("alice")
        .audience(["foo", "bar"])
        .encode()
        .expect("signed");
    assert_eq!(payload_json(&many)["aud"], json!(["foo", "bar"]));
    let from_vec = config
        .access_token("alice")
        .audience(vec!["bar".to_owned()])
        .encode()
        .expect("signed");
    assert_eq!(payload_json(&from_vec)["aud"], json!(["bar"]));

    let plain = common::config();
    for audience in [Audience::from(""), Audience::Many(Vec::new())] {
        let token = plain
            .access_token("alice")
            .audience(audience.clone())
            .encode()
            .expect("signed");
        assert_eq!(payload_json(&token).get("aud"), None, "{audience:?}");
    }
}

#[test]
fn an_integer_subject_stays_a_json_number() {
    let config = config();
    let token = config.create_access_token(42).expect("signed");
    assert_eq!(payload_json(&token)["sub"], json!(42));
    let claims = config.decode(&token).expect("valid").into_claims();
    assert_eq!(claims.subject(), Some(&Subject::Integer(42)));
    assert_eq!(claims.get("sub"), Some(&json!(42)));

    let token = config.create_refresh_token(-7_i64).expect("signed");
    assert_eq!(payload_json(&token)["sub"], json!(-7));
    let token = config.create_access_token("42").expect("signed");
    assert_eq!(payload_json(&token)["sub"], json!("42"));
}

#[test]
fn the_fresh_flag_is_written_as_a_json_boolean() {
    let config = config();
    let fresh = config
        .access_token("alice")
        .fresh(true)
        .encode()
        .expect("signed");
    let stale = config
        .access_token("alice")
        .fresh(false)
        .encode()
        .expect("signed");
    assert_eq!(payload_json(&fresh)["fresh"], json!(true));
    assert_eq!(payload_json(&stale)["fresh"], json!(false));
}

#[test]
fn user_claims_keep_their_json_types_and_order() {
    let mut claims = JsonObject::new();
    claims.insert("z".into(), json!({"nested": [1, 2.5, null, true]}));
    claims.insert("a".into(), json!(1));
    let token = config()
        .refresh_token("alice")
        .claims(claims)
        .claim("m", "last")
        .encode()
        .expect("signed");
    let names = member_names(&payload_text(&token));
    assert_eq!(names[names.len() - 3..], ["z", "a", "m"]);
    let payload = payload_json(&token);
    assert_eq!(payload["z"], json!({"nested": [1, 2.5, null, true]}));
    assert_eq!(payload["a"], json!(1));
    assert_eq!(payload["m"], json!("last"));
}

// ---------------------------------------------------------------------------------------------
// Expiry (§4.3 and the deviations)
// ---------------------------------------------------------------------------------------------

fn exp_of(token: &str) -> Option<i64> {
    payload_json(token)
        .get("exp")
        .map(|exp| exp.as_i64().expect("an integer exp"))
}

#[test]
fn the_default_expiry_is_the_configured_lifetime_of_the_tokens_type() {
    let config = config();
    let access = config.create_access_token("alice").expect("signed");
    let refresh = config.create_refresh_token("alice").expect("signed");
    assert_eq!(exp_of(&access), Some(NOW + 900));
    assert_eq!(exp_of(&refresh), Some(NOW + 30 * 24 * 3600));

    let custom = builder()
        .access_token_expires(Some(Duration::from_secs(2)))
        .refresh_token_expires(Some(Duration::from_secs(4)))
        .build()
        .expect("valid");
    let access = custom
        .access_token("alice")
        .expires(ExpiresTime::Default)
        .encode()
        .expect("signed");
    let refresh = custom.create_refresh_token("alice").expect("signed");
    assert_eq!(exp_of(&access), Some(NOW + 2));
    assert_eq!(exp_of(&refresh), Some(NOW + 4));
}

#[test]
fn a_disabled_configured_expiry_writes_no_exp() {
    // test_token_expired_false
    let config = builder()
        .access_token_expires(None)
        .refresh_token_expires(None)
        .build()
        .expect("valid");
    let access = config.create_access_token("alice").expect("signed");
    let refresh = config.create_refresh_token("alice").expect("signed");
    assert_eq!(exp_of(&access), None);
    assert_eq!(exp_of(&refresh), None);
    // An explicit lifetime still applies.
    let explicit = config
        .access_token("alice")
        .expires(ExpiresTime::Seconds(30))
        .encode()
        .expect("signed");
    assert_eq!(exp_of(&explicit), Some(NOW + 30));
}

#[test]
fn a_zero_configured_lifetime_writes_exp_now() {
    let config = builder()
        .access_token_expires(Some(Duration::ZERO))
        .build()
        .expect("valid");
    let token = config.create_access_token("alice").expect("signed");
    assert_eq!(exp_of(&token), Some(NOW));
}

#[test]
fn a_per_token_expiry_overrides_the_configured_one() {
    let config = config();
    let cases = [
        (ExpiresTime::Seconds(90), Some(NOW + 90)),
        (
            ExpiresTime::from(Duration::from_secs(86_400)),
            Some(NOW + 86_400),
        ),
        (ExpiresTime::Never, None),
        (ExpiresTime::Seconds(0), Some(NOW)),
        (ExpiresTime::Seconds(-10), Some(NOW - 10)),
    ];
    for (expires, expected) in cases {
        let access = config
            .access_token("alice")
            .expires(expires)
            .encode()
            .expect("signed");
        let refresh = config
            .refresh_token("alice")
            .expires(expires)
            .encode()
            .expect("signed");
        assert_eq!(exp_of(&access), expected, "{expires:?}");
        assert_eq!(exp_of(&refresh), expected, "{expires:?}");
    }
}

#[test]
fn a_duration_is_truncated_to_whole_seconds() {
    let token = config()
        .access_token("alice")
        .expires(Duration::from_millis(1_999))
        .encode()
        .expect("signed");
    assert_eq!(exp_of(&token), Some(NOW + 1));
}

#[tokio::test(flavor = "current_thread")]
async fn a_zero_expiry_token_is_valid_now_and_a_negative_one_already_expired() {
    let config = config();
    let at_expiry = config
        .access_token("alice")
        .expires(ExpiresTime::Seconds(0))
        .encode()
        .expect("signed");
    config
        .verify(&at_expiry, Requirement::Access)
        .await
        .expect("exp == now is still valid");
    let expired = config
        .access_token("alice")
        .expires(ExpiresTime::Seconds(-1))
        .encode()
        .expect("signed");
    assert_eq!(
        failure(config.verify(&expired, Requirement::Access).await),
        (422, "Signature has expired".to_owned())
    );
}

#[test]
fn issued_at_and_not_before_follow_the_clock() {
    let clock = Arc::new(FixedClock::new(NOW));
    let config = builder_with_clock(Arc::clone(&clock))
        .build()
        .expect("valid");
    clock.advance(3_600);
    let token = config.create_access_token("alice").expect("signed");
    let payload = payload_json(&token);
    assert_eq!(payload["iat"], json!(NOW + 3_600));
    assert_eq!(payload["nbf"], json!(NOW + 3_600));
    assert_eq!(payload["exp"], json!(NOW + 3_600 + 900));
}

// ---------------------------------------------------------------------------------------------
// The JOSE header
// ---------------------------------------------------------------------------------------------

#[test]
fn the_header_is_typ_then_alg_then_extra_headers_in_order() {
    let config = config();
    let plain = config.create_access_token("alice").expect("signed");
    assert_eq!(header_text(&plain), HS256_HEADER);

    let extra = config
        .access_token("alice")
        .header("kid", "k1")
        .header("access", "bar")
        .header("x5t", json!("thumb"))
        .encode()
        .expect("signed");
    assert_eq!(
        header_text(&extra),
        r#"{"typ":"JWT","alg":"HS256","kid":"k1","access":"bar","x5t":"thumb"}"#
    );
    let header = config.unverified_header(&extra).expect("readable");
    assert_eq!(
        header.keys().map(String::as_str).collect::<Vec<_>>(),
        ["typ", "alg", "kid", "access", "x5t"]
    );
    let verified = config.decode(&extra).expect("valid");
    assert_eq!(verified.header().key_id(), Some("k1"));
    assert_eq!(verified.header().algorithm(), Algorithm::HS256);
    assert_eq!(verified.header().get("access"), Some(&json!("bar")));

    let mut headers = JsonObject::new();
    headers.insert("refresh".into(), json!("foo"));
    let refresh = config
        .refresh_token("alice")
        .headers(headers)
        .encode()
        .expect("signed");
    assert_eq!(
        header_text(&refresh),
        r#"{"typ":"JWT","alg":"HS256","refresh":"foo"}"#
    );
}

#[test]
fn typ_may_be_overridden_in_place() {
    let token = config()
        .access_token("alice")
        .header("typ", "at+jwt")
        .encode()
        .expect("signed");
    assert_eq!(header_text(&token), r#"{"typ":"at+jwt","alg":"HS256"}"#);
}

#[test]
fn headers_verification_would_refuse_are_refused_at_creation() {
    let config = config();
    let cases: &[(&str, Value, &str)] = &[
        (
            "alg",
            json!("HS256"),
            "`alg` is set by the signing algorithm",
        ),
        (
            "alg",
            json!("none"),
            "`alg` is set by the signing algorithm",
        ),
        ("kid", json!(1), "Key ID header parameter must be a string"),
        (
            "kid",
            json!(null),
            "Key ID header parameter must be a string",
        ),
        ("crit", json!(["exp"]), "`crit` is not supported"),
        ("b64", json!(false), "`b64` is not supported"),
        ("enc", json!("A256GCM"), "`enc` is not supported"),
        ("zip", json!("DEF"), "`zip` is not supported"),
        ("cty", json!("JWT"), "`cty` is not supported"),
        ("cty", json!("jwt"), "`cty` is not supported"),
    ];
    for (name, value, reason) in cases {
        let err = config
            .access_token("alice")
            .header(*name, value.clone())
            .encode()
            .expect_err("refused");
        assert_eq!(
            err,
            CreateTokenError::InvalidHeader((*reason).to_owned()),
            "{name}: {value}"
        );
        assert_eq!(err.to_string(), format!("invalid JOSE header: {reason}"));
        let err = config
            .refresh_token("alice")
            .header(*name, value.clone())
            .encode()
            .expect_err("refused");
        assert_eq!(err, CreateTokenError::InvalidHeader((*reason).to_owned()));
    }
    // A content type other than a nested JWT is an ordinary header.
    let token = config
        .access_token("alice")
        .header("cty", "json")
        .encode()
        .expect("signed");
    config.decode(&token).expect("valid");
}

// ---------------------------------------------------------------------------------------------
// Reserved claims
// ---------------------------------------------------------------------------------------------

#[test]
fn user_claims_may_not_set_a_reserved_claim() {
    assert_eq!(
        RESERVED_CLAIMS,
        [
            "sub", "iat", "nbf", "jti", "exp", "iss", "aud", "type", "fresh", "csrf"
        ]
    );
    let config = config();
    for name in RESERVED_CLAIMS {
        let expected = CreateTokenError::ReservedClaim(name.to_owned());
        let access = config.access_token("alice").claim(name, "evil").encode();
        assert_eq!(access, Err(expected.clone()), "{name}");
        let refresh = config.refresh_token("alice").claim(name, 1).encode();
        assert_eq!(refresh, Err(expected.clone()), "{name}");
        let mut claims = JsonObject::new();
        claims.insert("harmless".into(), json!(true));
        claims.insert(name.into(), json!(null));
        let through_map = config.access_token("alice").claims(claims).encode();
        assert_eq!(through_map, Err(expected), "{name}");
    }
    assert_eq!(
        CreateTokenError::ReservedClaim("type".into()).to_string(),
        "user claims may not set the reserved claim `type`"
    );
    // Names are compared exactly: a different case is an ordinary claim.
    let token = config
        .access_token("alice")
        .claim("Type", "refresh")
        .encode()
        .expect("signed");
    assert_eq!(payload_json(&token)["type"], json!("access"));
}

// ---------------------------------------------------------------------------------------------
// Algorithms and keys
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn hs512_can_be_chosen_per_token_with_a_long_enough_secret() {
    let config = AuthJwtConfig::builder()
        .secret_key(SECRET_64)
        .decode_algorithms([Algorithm::HS256, Algorithm::HS512])
        .clock(fixed_clock())
        .build()
        .expect("valid");
    let token = config
        .access_token("alice")
        .algorithm(Algorithm::HS512)
        .encode()
        .expect("signed");
    assert_eq!(header_text(&token), r#"{"typ":"JWT","alg":"HS512"}"#);
    let verified = config
        .verify(&token, Requirement::Access)
        .await
        .expect("valid");
    assert_eq!(verified.header().algorithm(), Algorithm::HS512);
}

#[tokio::test(flavor = "current_thread")]
async fn asymmetric_algorithms_sign_with_the_fixture_keys() {
    let cases = [
        (Algorithm::RS256, "rsa_private.pem", "RS256"),
        (Algorithm::PS256, "rsa_private.pem", "PS256"),
        (Algorithm::ES256, "ec256_private.pem", "ES256"),
        (Algorithm::ES384, "ec384_private.pem", "ES384"),
        (Algorithm::EdDSA, "ed25519_private.pem", "EdDSA"),
    ];
    for (algorithm, key, name) in cases {
        // Signed through the per-token override, from a configuration whose own algorithm
        // is HS256.
        let config = builder()
            .private_key(fixture(key))
            .decode_algorithms([Algorithm::HS256, algorithm])
            .build()
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let token = config
            .refresh_token("alice")
            .algorithm(algorithm)
            .encode()
            .expect("signed");
        assert_eq!(
            header_text(&token),
            format!(r#"{{"typ":"JWT","alg":"{name}"}}"#)
        );
        let verified = config
            .verify(&token, Requirement::Refresh)
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(verified.header().algorithm(), algorithm);
        assert_eq!(verified.claims().token_type(), Some(TokenType::Refresh));
    }
}

#[test]
fn an_algorithm_without_a_signing_key_cannot_sign() {
    let config = config();
    for algorithm in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        assert_eq!(
            config.access_token("alice").algorithm(algorithm).encode(),
            Err(CreateTokenError::NoSigningKey(algorithm))
        );
    }
    // 40 bytes sign HS256 but are too few for HS384 and HS512.
    for algorithm in [Algorithm::HS384, Algorithm::HS512] {
        assert_eq!(
            config.refresh_token("alice").algorithm(algorithm).encode(),
            Err(CreateTokenError::NoSigningKey(algorithm))
        );
    }
    // A P-256 key cannot sign ES384.
    let ec = builder()
        .private_key(fixture("ec256_private.pem"))
        .build()
        .expect("valid");
    assert_eq!(
        ec.access_token("alice")
            .algorithm(Algorithm::ES384)
            .encode(),
        Err(CreateTokenError::NoSigningKey(Algorithm::ES384))
    );
    assert_eq!(
        CreateTokenError::NoSigningKey(Algorithm::RS256).to_string(),
        "no signing key is configured for algorithm RS256"
    );
}
