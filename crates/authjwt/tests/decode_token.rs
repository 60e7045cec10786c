//! Verification: every message of the original's catalogue (spec §3.1), the order of the
//! checks (§6.1–§6.3), leeway, issuer and audience, the 500s of the original turned into 4xx,
//! and the strict parsing authjwt adds.

mod common;

use std::sync::Arc;
use std::time::Duration;

use authjwt::revocation::{self, MemoryStore, StoreFuture};
use authjwt::{
    Algorithm, AuthJwtConfig, AuthJwtConfigBuilder, AuthJwtError, Claims, CsrfError, DecodeError,
    ExpiresTime, FixedClock, InvalidHeader, MissingToken, Requirement, RevocationError,
    RevocationStore, Subject, TokenType,
};
use aws_lc_rs::hmac;
use common::{
    CallCounter, HS256_HEADER, NOW, RecordingStore, SECRET_64, b64, b64_decode, builder,
    builder_with_clock, config, failure, fixture, hs256, hs256_claims, segments, sign_segments,
    sign_segments_with,
};
use serde_json::json;

const ALL_REQUIREMENTS: [Requirement; 4] = [
    Requirement::Access,
    Requirement::OptionalAccess,
    Requirement::Refresh,
    Requirement::FreshAccess,
];

fn expect(status: u16, message: &str) -> (u16, String) {
    (status, message.to_owned())
}

/// An access-token payload without `exp`, `iat`, `nbf`; `claims` are written after `type`.
fn bare_access(claims: &str) -> String {
    format!(r#"{{"sub":"alice","jti":"j1","type":"access"{claims}}}"#)
}

async fn verify_failure(
    config: &AuthJwtConfig,
    token: &str,
    requirement: Requirement,
) -> (u16, String) {
    failure(config.verify(token, requirement).await)
}

fn decode_failure(config: &AuthJwtConfig, token: &str) -> (u16, String) {
    failure(config.decode(token))
}

/// Refused the same way by `decode` and by every requirement of `verify`.
async fn assert_refused_everywhere(config: &AuthJwtConfig, token: &str, expected: (u16, &str)) {
    let expected = (expected.0, expected.1.to_owned());
    assert_eq!(decode_failure(config, token), expected, "decode {token}");
    for requirement in ALL_REQUIREMENTS {
        assert_eq!(
            verify_failure(config, token, requirement).await,
            expected,
            "{requirement:?} {token}"
        );
    }
}

/// The same token with the last character of one segment changed to carry non-zero bits
/// that base64 decoding drops: lenient decoders give the same bytes, a strict one refuses it.
fn non_canonical(segment: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let unused_bits = match segment.len() % 4 {
        2 => 4,
        3 => 2,
        _ => panic!(
            "a segment of {} characters has no unused bits",
            segment.len()
        ),
    };
    let last = segment.as_bytes()[segment.len() - 1];
    let value = ALPHABET.iter().position(|c| *c == last).expect("base64url");
    assert_eq!(
        value & ((1 << unused_bits) - 1),
        0,
        "canonical to begin with"
    );
    format!(
        "{}{}",
        &segment[..segment.len() - 1],
        char::from(ALPHABET[value | 1])
    )
}

/// A valid access payload whose length is not a multiple of 3, so its base64url ends in a
/// partial group: padded by lenient encoders, with unused bits in its last character.
fn unaligned_payload() -> String {
    (0..3)
        .map(|width| bare_access(&format!(r#","p":"{}""#, "p".repeat(width))))
        .find(|json| json.len() % 3 != 0)
        .expect("one of three consecutive lengths is not a multiple of 3")
}

/// The base64url of the first of `make(0)`, `make(1)`, ... whose encoding uses `-` or `_`.
fn with_url_safe_characters(make: impl Fn(usize) -> String) -> String {
    (0..64)
        .map(|i| b64(make(i)))
        .find(|encoded| encoded.contains(['-', '_']))
        .expect("some length puts 62 or 63 in a sextet")
}

/// A store whose answer is always the same failure.
#[derive(Debug, Default)]
struct FailingStore {
    calls: CallCounter,
}

impl RevocationStore for FailingStore {
    fn is_revoked<'a>(&'a self, _jti: &'a str, _claims: &'a Claims) -> StoreFuture<'a, bool> {
        self.calls.bump();
        Box::pin(std::future::ready(Err(RevocationError::Timeout)))
    }
}

fn denylist(store: impl RevocationStore + 'static) -> AuthJwtConfigBuilder {
    builder().denylist_enabled(true).revocation_store(store)
}

// ---------------------------------------------------------------------------------------------
// test_decode_token.py
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn test_verified_token_steps() {
    let clock = Arc::new(FixedClock::new(NOW));
    let config = builder_with_clock(Arc::clone(&clock))
        .access_token_expires(Some(Duration::from_secs(2)))
        .build()
        .expect("valid");

    assert_eq!(
        verify_failure(&config, "test", Requirement::Access).await,
        expect(422, "Not enough segments")
    );

    let other_secret = AuthJwtConfig::builder()
        .secret_key("another-secret-of-at-least-thirty-two-bytes")
        .clock(Arc::clone(&clock) as _)
        .build()
        .expect("valid");
    let foreign = other_secret.create_access_token("test").expect("signed");
    assert_eq!(
        verify_failure(&config, &foreign, Requirement::Access).await,
        expect(422, "Signature verification failed")
    );

    let short_lived = config.create_access_token("test").expect("signed");
    clock.advance(3);
    assert_eq!(
        verify_failure(&config, &short_lived, Requirement::Access).await,
        expect(422, "Signature has expired")
    );

    let hs384 = AuthJwtConfig::builder()
        .secret_key("s".repeat(48))
        .algorithm(Algorithm::HS384)
        .clock(Arc::clone(&clock) as _)
        .build()
        .expect("valid")
        .create_access_token("test")
        .expect("signed");
    assert_eq!(
        verify_failure(&config, &hs384, Requirement::Access).await,
        expect(422, "The specified alg value is not allowed")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_leeway_keeps_just_expired_tokens_valid() {
    let clock = Arc::new(FixedClock::new(NOW));
    let config = builder_with_clock(Arc::clone(&clock))
        .decode_leeway(Duration::from_secs(2))
        .access_token_expires(Some(Duration::from_secs(1)))
        .refresh_token_expires(Some(Duration::from_secs(1)))
        .build()
        .expect("valid");
    let access = config.create_access_token("test").expect("signed");
    let refresh = config.create_refresh_token("test").expect("signed");
    clock.advance(2);
    config
        .verify(&access, Requirement::Access)
        .await
        .expect("within the leeway");
    let verified = config
        .verify(&refresh, Requirement::Refresh)
        .await
        .expect("within the leeway");
    assert_eq!(verified.claims().subject(), Some(&Subject::from("test")));
}

/// The handcrafted token of test_decode_token.py: no `exp`, no `iat`.
const HANDCRAFTED: &str = r#"{"jti":"123","sub":"test","type":"access","fresh":true}"#;

#[tokio::test(flavor = "current_thread")]
async fn the_handcrafted_token_is_accepted_and_its_claims_returned_exactly() {
    let config = config();
    let token = hs256_claims(HANDCRAFTED);
    let verified = config
        .verify(&token, Requirement::FreshAccess)
        .await
        .expect("accepted without exp or iat");
    let claims = verified.claims();
    assert_eq!(claims.json(), HANDCRAFTED);
    assert_eq!(
        serde_json::to_value(claims).expect("serializable"),
        json!({"jti": "123", "sub": "test", "type": "access", "fresh": true})
    );
    assert_eq!(claims.jti(), Some("123"));
    assert_eq!(claims.subject(), Some(&Subject::from("test")));
    assert_eq!(claims.token_type(), Some(TokenType::Access));
    assert!(claims.is_fresh());
    assert_eq!(claims.expires_at(), None);
    assert_eq!(claims.issued_at(), None);
    assert_eq!(claims.not_before(), None);
    assert_eq!(claims.csrf(), None);

    // get_raw_jwt(token) and get_jti(token)
    let raw = config.decode(&token).expect("valid");
    assert_eq!(raw.claims().as_map(), claims.as_map());
    assert_eq!(raw.claims().jti(), Some("123"));
}

#[tokio::test(flavor = "current_thread")]
async fn test_invalid_jwt_issuer() {
    let unchecked = config();
    let without_iss = unchecked.create_access_token("test").expect("signed");
    unchecked
        .verify(&without_iss, Requirement::Access)
        .await
        .expect("no issuer configured");

    let checked = builder().decode_issuer("urn:foo").build().expect("valid");
    assert_eq!(
        verify_failure(&checked, &without_iss, Requirement::Access).await,
        expect(422, r#"Token is missing the "iss" claim"#)
    );
    let other_issuer = builder()
        .encode_issuer("urn:bar")
        .build()
        .expect("valid")
        .create_access_token("test")
        .expect("signed");
    assert_eq!(
        verify_failure(&checked, &other_issuer, Requirement::Access).await,
        expect(422, "Invalid issuer")
    );
    let same_issuer = builder()
        .encode_issuer("urn:foo")
        .build()
        .expect("valid")
        .create_access_token("test")
        .expect("signed");
    checked
        .verify(&same_issuer, Requirement::Access)
        .await
        .expect("the issuer matches");
}

#[tokio::test(flavor = "current_thread")]
async fn the_issuer_is_checked_only_for_required_and_fresh_access() {
    let checked = builder().decode_issuer("urn:foo").build().expect("valid");
    let wrong_issuer = builder()
        .encode_issuer("urn:bar")
        .build()
        .expect("valid")
        .access_token("test")
        .fresh(true)
        .encode()
        .expect("signed");
    for requirement in [Requirement::Access, Requirement::FreshAccess] {
        assert_eq!(
            verify_failure(&checked, &wrong_issuer, requirement).await,
            expect(422, "Invalid issuer"),
            "{requirement:?}"
        );
    }
    checked
        .verify(&wrong_issuer, Requirement::OptionalAccess)
        .await
        .expect("jwt_optional never checks the issuer");
    checked
        .decode(&wrong_issuer)
        .expect("getters never check the issuer");

    // Refresh tokens carry no issuer and are never checked for one.
    let refresh = checked.create_refresh_token("test").expect("signed");
    checked
        .verify(&refresh, Requirement::Refresh)
        .await
        .expect("refresh tokens are not issuer-checked");
    // A refresh token that does carry a wrong issuer passes too.
    let refresh_with_iss =
        hs256_claims(r#"{"sub":"test","jti":"r1","iss":"urn:bar","type":"refresh"}"#);
    checked
        .verify(&refresh_with_iss, Requirement::Refresh)
        .await
        .expect("not checked");
}

/// The review's attack: another service sharing the key issues a refresh token, which the
/// compatible mode accepts and turns into a local access token carrying the local issuer.
#[tokio::test(flavor = "current_thread")]
async fn strict_issuer_refuses_other_services_tokens_on_every_path() {
    let other = builder().encode_issuer("urn:other").build().expect("valid");
    let compatible = builder()
        .encode_issuer("urn:ours")
        .decode_issuer("urn:ours")
        .build()
        .expect("valid");
    let strict = builder()
        .encode_issuer("urn:ours")
        .decode_issuer("urn:ours")
        .strict_issuer(true)
        .build()
        .expect("valid");

    let foreign_refresh = other.create_refresh_token("alice").expect("signed");
    compatible
        .verify(&foreign_refresh, Requirement::Refresh)
        .await
        .expect("the compatible default does not check refresh tokens");
    assert_eq!(
        verify_failure(&strict, &foreign_refresh, Requirement::Refresh).await,
        expect(422, r#"Token is missing the "iss" claim"#)
    );
    let foreign_with_iss =
        hs256_claims(r#"{"sub":"alice","jti":"r1","iss":"urn:other","type":"refresh"}"#);
    assert_eq!(
        verify_failure(&strict, &foreign_with_iss, Requirement::Refresh).await,
        expect(422, "Invalid issuer")
    );

    let foreign_access = other.create_access_token("alice").expect("signed");
    for requirement in [
        Requirement::Access,
        Requirement::OptionalAccess,
        Requirement::FreshAccess,
    ] {
        assert_eq!(
            verify_failure(&strict, &foreign_access, requirement).await,
            expect(422, "Invalid issuer"),
            "{requirement:?}"
        );
    }
    compatible
        .verify(&foreign_access, Requirement::OptionalAccess)
        .await
        .expect("the compatible default does not check jwt_optional");

    // The strict service's own tokens carry its issuer, refresh tokens included.
    let own_refresh = strict.create_refresh_token("alice").expect("signed");
    let verified = strict
        .verify(&own_refresh, Requirement::Refresh)
        .await
        .expect("its own refresh token");
    assert_eq!(verified.claims().get("iss"), Some(&json!("urn:ours")));
    let own_access = strict
        .access_token("alice")
        .fresh(true)
        .encode()
        .expect("signed");
    for requirement in [
        Requirement::Access,
        Requirement::OptionalAccess,
        Requirement::FreshAccess,
    ] {
        strict
            .verify(&own_access, requirement)
            .await
            .expect("its own access token");
    }
    // The compatible default keeps the original's refresh tokens: no `iss`.
    let compatible_refresh = compatible.create_refresh_token("alice").expect("signed");
    let claims = compatible.decode(&compatible_refresh).expect("valid");
    assert_eq!(claims.claims().get("iss"), None);
}

#[tokio::test(flavor = "current_thread")]
async fn strict_issuer_with_the_verified_token_cache_checks_every_hit() {
    let strict = builder()
        .encode_issuer("urn:ours")
        .decode_issuer("urn:ours")
        .strict_issuer(true)
        .verified_token_cache(16)
        .build()
        .expect("valid");
    let foreign = hs256_claims(r#"{"sub":"alice","jti":"r1","iss":"urn:other","type":"refresh"}"#);
    // Remembered by a getter, which never checks the issuer, then refused on a protected path.
    strict
        .decode(&foreign)
        .expect("getters do not check the issuer");
    assert_eq!(
        verify_failure(&strict, &foreign, Requirement::Refresh).await,
        expect(422, "Invalid issuer")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_issuer_must_be_exactly_the_configured_string() {
    let checked = builder()
        .decode_issuer("https://issuer")
        .build()
        .expect("valid");
    for iss in [
        json!("http"),
        json!("https://issuer/"),
        json!("HTTPS://ISSUER"),
        json!(["https://issuer"]),
        json!(1),
        json!(null),
    ] {
        let token = hs256_claims(&bare_access(&format!(r#","iss":{iss}"#)));
        assert_eq!(
            verify_failure(&checked, &token, Requirement::Access).await,
            expect(422, "Invalid issuer"),
            "{iss}"
        );
    }
}

async fn assert_audience_accepted(config: &AuthJwtConfig, aud: serde_json::Value) {
    let access = hs256_claims(&bare_access(&format!(r#","aud":{aud}"#)));
    let refresh = hs256_claims(&format!(
        r#"{{"sub":1,"jti":"r1","aud":{aud},"type":"refresh"}}"#
    ));
    config
        .verify(&access, Requirement::Access)
        .await
        .unwrap_or_else(|err| panic!("{aud}: {err}"));
    let verified = config
        .verify(&refresh, Requirement::Refresh)
        .await
        .unwrap_or_else(|err| panic!("{aud}: {err}"));
    assert_eq!(verified.claims().subject(), Some(&Subject::Integer(1)));
}

#[tokio::test(flavor = "current_thread")]
async fn test_valid_aud() {
    let config = builder()
        .decode_audience(["foo", "bar"])
        .build()
        .expect("valid");
    for aud in [json!("foo"), json!(["bar"]), json!(["foo", "bar", "baz"])] {
        assert_audience_accepted(&config, aud).await;
    }
    // Tokens made by authjwt, too.
    for audience in [
        authjwt::Audience::from("foo"),
        authjwt::Audience::from(["bar"]),
    ] {
        let token = config
            .access_token("test")
            .audience(audience)
            .encode()
            .expect("signed");
        config
            .verify(&token, Requirement::Access)
            .await
            .expect("valid");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn test_invalid_aud_and_missing_aud() {
    let config = builder().decode_audience(["foo"]).build().expect("valid");
    for aud in [json!("bar"), json!(["bar"]), json!(["bar", "baz"])] {
        let token = hs256_claims(&bare_access(&format!(r#","aud":{aud}"#)));
        assert_eq!(
            verify_failure(&config, &token, Requirement::Access).await,
            expect(422, "Invalid audience"),
            "{aud}"
        );
    }
    let refresh = config.create_refresh_token("test").expect("signed");
    assert_eq!(
        verify_failure(&config, &refresh, Requirement::Refresh).await,
        expect(422, r#"Token is missing the "aud" claim"#)
    );
    // Audience is checked on every path, getters included.
    assert_eq!(
        decode_failure(&config, &refresh),
        expect(422, r#"Token is missing the "aud" claim"#)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn every_audience_case_of_pyjwt() {
    let none_configured = config();
    let foo_configured = builder().decode_audience(["foo"]).build().expect("valid");
    let cases: &[(&AuthJwtConfig, &str, Option<&str>)] = &[
        (&none_configured, r#""foo""#, Some("Invalid audience")),
        (&none_configured, "5", Some("Invalid audience")),
        (&none_configured, "[]", Some("Invalid audience")),
        (&foo_configured, "5", Some("Invalid claim format in token")),
        (
            &foo_configured,
            "null",
            Some("Invalid claim format in token"),
        ),
        (
            &foo_configured,
            "true",
            Some("Invalid claim format in token"),
        ),
        (
            &foo_configured,
            r#"{"foo":1}"#,
            Some("Invalid claim format in token"),
        ),
        (
            &foo_configured,
            r#"["foo",1]"#,
            Some("Invalid claim format in token"),
        ),
        (&foo_configured, "[]", Some("Invalid audience")),
        (&foo_configured, r#""FOO""#, Some("Invalid audience")),
        (&foo_configured, r#"["x","foo"]"#, None),
        (&foo_configured, r#""foo""#, None),
    ];
    for (config, aud, expected) in cases {
        let token = hs256_claims(&bare_access(&format!(r#","aud":{aud}"#)));
        let result = config.decode(&token);
        match expected {
            Some(message) => assert_eq!(failure(result), expect(422, message), "aud {aud}"),
            None => {
                result.unwrap_or_else(|err| panic!("aud {aud}: {err}"));
            }
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn test_invalid_decode_algorithms() {
    let config = AuthJwtConfig::builder()
        .secret_key("s".repeat(48))
        .public_key(fixture("rsa_public.pem"))
        .decode_algorithms([Algorithm::HS384, Algorithm::RS256])
        .clock(common::fixed_clock())
        .build()
        .expect("valid");
    let hs256_token = config.create_access_token("test").expect("signed");
    assert_eq!(
        verify_failure(&config, &hs256_token, Requirement::Access).await,
        expect(422, "The specified alg value is not allowed")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn test_valid_asymmetric_algorithms() {
    let hs256_token = config().create_access_token("test").expect("signed");
    let rs256 = builder()
        .algorithm(Algorithm::RS256)
        .private_key(fixture("rsa_private.pem"))
        .public_key(fixture("rsa_public.pem"))
        .build()
        .expect("valid");
    assert_eq!(
        verify_failure(&rs256, &hs256_token, Requirement::Access).await,
        expect(422, "The specified alg value is not allowed")
    );
    let rs256_token = rs256.create_access_token("test").expect("signed");
    rs256
        .verify(&rs256_token, Requirement::Access)
        .await
        .expect("valid");
}

#[tokio::test(flavor = "current_thread")]
async fn several_decode_algorithms_are_accepted_together() {
    let config = AuthJwtConfig::builder()
        .secret_key(SECRET_64)
        .decode_algorithms([Algorithm::HS256, Algorithm::HS512])
        .clock(common::fixed_clock())
        .build()
        .expect("valid");
    for algorithm in [Algorithm::HS256, Algorithm::HS512] {
        let token = config
            .access_token("test")
            .algorithm(algorithm)
            .encode()
            .expect("signed");
        let verified = config
            .verify(&token, Requirement::Access)
            .await
            .expect("valid");
        assert_eq!(verified.header().algorithm(), algorithm);
    }
    let hs384 = sign_segments_with(
        hmac::HMAC_SHA384,
        SECRET_64.as_bytes(),
        &b64(r#"{"typ":"JWT","alg":"HS384"}"#),
        &b64(bare_access("")),
    );
    assert_eq!(
        verify_failure(&config, &hs384, Requirement::Access).await,
        expect(422, "The specified alg value is not allowed")
    );
}

// ---------------------------------------------------------------------------------------------
// The unverified-header stage (InvalidHeaderError, 422)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn not_enough_segments() {
    let config = config();
    for token in ["", "test", "asd", ".", "a.b", "eyJhbGciOiJIUzI1NiJ9"] {
        assert_refused_everywhere(&config, token, (422, "Not enough segments")).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn invalid_header_padding() {
    let config = config();
    let valid = config.create_access_token("test").expect("signed");
    let parts = segments(&valid);
    for header in [
        format!("{}=", parts[0]),
        parts[0].replace('J', "+"),
        format!("{}/", &parts[0][1..]),
        format!(" {}", parts[0]),
        "!!".to_owned(),
        "A".to_owned(),
    ] {
        let token = format!("{header}.{}.{}", parts[1], parts[2]);
        assert_refused_everywhere(&config, &token, (422, "Invalid header padding")).await;
    }
    // An empty header segment decodes to no bytes, which are not JSON.
    assert_refused_everywhere(
        &config,
        &format!(".{}.{}", parts[1], parts[2]),
        (
            422,
            "Invalid header string: EOF while parsing a value at line 1 column 0",
        ),
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn invalid_header_string() {
    let config = config();
    let cases = [
        (
            "not json",
            "Invalid header string: expected ident at line 1 column 2",
        ),
        (
            "{",
            "Invalid header string: EOF while parsing an object at line 1 column 1",
        ),
        (
            "[1",
            "Invalid header string: EOF while parsing a list at line 1 column 2",
        ),
        (
            r#"{"alg":"HS256"}x"#,
            "Invalid header string: trailing characters at line 1 column 16",
        ),
        (
            r#"{"alg":"HS256"} {}"#,
            "Invalid header string: trailing characters at line 1 column 17",
        ),
        ("[]", "Invalid header string: must be a json object"),
        (r#""HS256""#, "Invalid header string: must be a json object"),
        ("1", "Invalid header string: must be a json object"),
        ("null", "Invalid header string: must be a json object"),
    ];
    for (header, message) in cases {
        let token = sign_segments(&b64(header), &b64(bare_access("")));
        assert_refused_everywhere(&config, &token, (422, message)).await;
    }
    // Not UTF-8 (a Latin-1 "é").
    let token = sign_segments(
        &b64(b"{\"alg\":\"HS256\",\"x\":\"\xe9\"}"),
        &b64(bare_access("")),
    );
    assert_refused_everywhere(
        &config,
        &token,
        (422, "Invalid header string: the header is not valid UTF-8"),
    )
    .await;
    // Surrounding whitespace is still JSON.
    let token = hs256(" {\"typ\":\"JWT\",\"alg\":\"HS256\"}\n", &bare_access(""));
    config
        .decode(&token)
        .expect("whitespace around the object is JSON");
}

#[tokio::test(flavor = "current_thread")]
async fn invalid_payload_and_crypto_padding() {
    let config = config();
    let valid = config.create_access_token("test").expect("signed");
    let parts = segments(&valid);
    let bad_payload = format!("{}.{}=.{}", parts[0], parts[1], parts[2]);
    assert_refused_everywhere(&config, &bad_payload, (422, "Invalid payload padding")).await;
    let bad_signature = format!("{}.{}.{}=", parts[0], parts[1], parts[2]);
    assert_refused_everywhere(&config, &bad_signature, (422, "Invalid crypto padding")).await;
    let bad_signature = format!("{}.{}.{}*", parts[0], parts[1], parts[2]);
    assert_refused_everywhere(&config, &bad_signature, (422, "Invalid crypto padding")).await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_kid_that_is_not_a_string_is_refused() {
    let config = config();
    for kid in ["1", "null", "[\"k\"]", "{}"] {
        let token = hs256(
            &format!(r#"{{"typ":"JWT","alg":"HS256","kid":{kid}}}"#),
            &bare_access(""),
        );
        assert_refused_everywhere(
            &config,
            &token,
            (422, "Key ID header parameter must be a string"),
        )
        .await;
        assert_eq!(
            failure(config.unverified_header(&token)),
            expect(422, "Key ID header parameter must be a string")
        );
    }
}

#[test]
fn header_stage_failures_are_invalid_header_errors() {
    let config = config();
    let err = config.decode("test").expect_err("refused");
    assert_eq!(
        err,
        AuthJwtError::InvalidHeader(InvalidHeader::NotEnoughSegments)
    );
    assert_eq!(err.exception_name(), "InvalidHeaderError");
    let token = hs256(r#"{"alg":"HS256","kid":1}"#, &bare_access(""));
    assert_eq!(
        config.decode(&token).expect_err("refused"),
        AuthJwtError::InvalidHeader(InvalidHeader::KidNotString)
    );
}

// ---------------------------------------------------------------------------------------------
// The verifying stage (JWTDecodeError, 422)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn the_alg_must_be_allowed_and_known() {
    let config = config();
    let payload = b64(bare_access(""));
    for header in [
        r#"{"typ":"JWT","alg":"none"}"#,
        r#"{"typ":"JWT","alg":"None"}"#,
        r#"{"typ":"JWT","alg":"hs256"}"#,
        r#"{"typ":"JWT","alg":"HS384"}"#,
        r#"{"typ":"JWT","alg":"RS256"}"#,
        r#"{"typ":"JWT","alg":"EdDSA"}"#,
        r#"{"typ":"JWT","alg":"PBES2-HS512+A256KW"}"#,
        r#"{"typ":"JWT","alg":1}"#,
        r#"{"typ":"JWT","alg":null}"#,
        r#"{"typ":"JWT"}"#,
    ] {
        // alg none with an empty signature, as an attacker sends it, and with an HMAC tag.
        let unsigned = format!("{}.{payload}.", b64(header));
        let signed = sign_segments(&b64(header), &payload);
        for token in [unsigned, signed] {
            assert_refused_everywhere(
                &config,
                &token,
                (422, "The specified alg value is not allowed"),
            )
            .await;
        }
    }
    let err = config
        .decode(&format!("{}.{payload}.", b64(r#"{"alg":"none"}"#)))
        .expect_err("refused");
    assert_eq!(err, AuthJwtError::Decode(DecodeError::AlgorithmNotAllowed));
    assert_eq!(err.exception_name(), "JWTDecodeError");
}

#[tokio::test(flavor = "current_thread")]
async fn an_escaped_alg_name_is_the_same_name() {
    // RFC 7515 §10.13: JSON escapes are decoded before names are compared.
    let token = hs256(r#"{"typ":"JWT","alg":"\u0048S256"}"#, &bare_access(""));
    config()
        .decode(&token)
        .expect("HS256 spelled with an escape");
}

#[tokio::test(flavor = "current_thread")]
async fn an_rs256_token_without_a_public_key_configured_is_refused_not_a_crash() {
    let rs256_token = builder()
        .algorithm(Algorithm::RS256)
        .private_key(fixture("rsa_private.pem"))
        .build()
        .expect("valid")
        .create_access_token("test")
        .expect("signed");
    assert_refused_everywhere(
        &config(),
        &rs256_token,
        (422, "The specified alg value is not allowed"),
    )
    .await;
    // Without any secret configured, an HS256 token is refused the same way (the original
    // raised a RuntimeError for the missing secret).
    let rs256_only = AuthJwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .public_key(fixture("rsa_public.pem"))
        .clock(common::fixed_clock())
        .build()
        .expect("valid");
    assert_refused_everywhere(
        &rs256_only,
        &hs256_claims(&bare_access("")),
        (422, "The specified alg value is not allowed"),
    )
    .await;
    // An HS256 token HMAC'd with the public key's PEM never reaches the HMAC path of an RS256
    // configuration.
    let public_pem = fixture("rsa_public.pem");
    let rs256 = builder()
        .algorithm(Algorithm::RS256)
        .public_key(public_pem.clone())
        .decode_algorithms([Algorithm::RS256])
        .build()
        .expect("valid");
    let confused = sign_segments_with(
        hmac::HMAC_SHA256,
        public_pem.as_bytes(),
        &b64(HS256_HEADER),
        &b64(bare_access("")),
    );
    assert_refused_everywhere(
        &rs256,
        &confused,
        (422, "The specified alg value is not allowed"),
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn signature_verification_failed() {
    let config = config();
    let valid = config.create_access_token("test").expect("signed");
    let parts = segments(&valid);
    let cases = [
        format!("{}.{}.", parts[0], parts[1]),
        format!("{}.{}.{}", parts[0], parts[1], b64([0_u8; 32])),
        format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            b64(&b64_decode(parts[2])[..31])
        ),
        format!("{}.{}.{}", parts[0], b64(bare_access("")), parts[2]),
        format!(
            "{}.{}.{}",
            b64(r#"{"typ":"JWT","alg":"HS256","kid":"x"}"#),
            parts[1],
            parts[2]
        ),
    ];
    for token in cases {
        assert_refused_everywhere(&config, &token, (422, "Signature verification failed")).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn invalid_payload_string() {
    let config = config();
    let cases: &[(&[u8], &str)] = &[
        (
            b"not json",
            "Invalid payload string: expected ident at line 1 column 2",
        ),
        (
            b"",
            "Invalid payload string: EOF while parsing a value at line 1 column 0",
        ),
        (b"[]", "Invalid payload string: must be a json object"),
        (
            b"[{\"sub\":\"a\"}]",
            "Invalid payload string: must be a json object",
        ),
        (b"\"sub\"", "Invalid payload string: must be a json object"),
        (b"42", "Invalid payload string: must be a json object"),
        (
            b"{\"sub\":\"a\"} x",
            "Invalid payload string: trailing characters at line 1 column 13",
        ),
        (
            b"{\"sub\":\"\xe9\"}",
            "Invalid payload string: the payload is not valid UTF-8",
        ),
    ];
    for (payload, message) in cases {
        let token = sign_segments(&b64(HS256_HEADER), &b64(payload));
        assert_refused_everywhere(&config, &token, (422, message)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn numeric_dates_must_be_json_numbers() {
    let config = config();
    let cases = [
        ("iat", r#""x""#, "Issued At claim (iat) must be an integer."),
        (
            "iat",
            r#""1700000000""#,
            "Issued At claim (iat) must be an integer.",
        ),
        ("iat", "null", "Issued At claim (iat) must be an integer."),
        (
            "nbf",
            r#""1700000000""#,
            "Not Before claim (nbf) must be an integer.",
        ),
        ("nbf", "true", "Not Before claim (nbf) must be an integer."),
        ("nbf", "[]", "Not Before claim (nbf) must be an integer."),
        (
            "exp",
            r#""abc""#,
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            r#""9999999999""#,
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            r#""never""#,
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            "null",
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            "true",
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            "{}",
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            "1e300",
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            "-1e300",
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            "9007199254740994.0",
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            "100000000000000000000000000000",
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            "exp",
            "18446744073709551615",
            "Expiration Time claim (exp) must be an integer.",
        ),
    ];
    for (claim, value, message) in cases {
        let token = hs256_claims(&bare_access(&format!(r#","{claim}":{value}"#)));
        assert_refused_everywhere(&config, &token, (422, message)).await;
    }
}

#[test]
fn fractional_dates_are_truncated_like_pythons_int() {
    let config = config();
    let cases = [
        (format!("{}.5", NOW + 100), Some(NOW + 100)),
        (format!("{NOW}.9"), Some(NOW)),
        (format!("{NOW}.0"), Some(NOW)),
        ("9007199254740992.0".to_owned(), Some(9_007_199_254_740_992)),
        (format!("{}.1", NOW - 1), None),
    ];
    for (exp, expected) in cases {
        let token = hs256_claims(&bare_access(&format!(r#","exp":{exp}"#)));
        match expected {
            Some(at) => {
                let claims = config.decode(&token).expect("valid").into_claims();
                assert_eq!(claims.expires_at(), Some(at), "exp {exp}");
            }
            None => assert_eq!(
                decode_failure(&config, &token),
                expect(422, "Signature has expired"),
                "exp {exp}"
            ),
        }
    }
    let token = hs256_claims(&bare_access(&format!(r#","iat":{NOW}.7,"nbf":{NOW}.2"#)));
    let claims = config.decode(&token).expect("valid").into_claims();
    assert_eq!(claims.issued_at(), Some(NOW));
    assert_eq!(claims.not_before(), Some(NOW));
}

#[test]
fn expiry_is_inclusive_of_now() {
    let config = config();
    let cases = [
        (NOW + 1, true),
        (NOW, true),
        (NOW - 1, false),
        (-5, false),
        (0, false),
    ];
    for (exp, valid) in cases {
        let token = hs256_claims(&bare_access(&format!(r#","exp":{exp}"#)));
        if valid {
            let claims = config.decode(&token).expect("valid").into_claims();
            assert_eq!(claims.expires_at(), Some(exp));
        } else {
            assert_eq!(
                decode_failure(&config, &token),
                expect(422, "Signature has expired"),
                "exp {exp}"
            );
        }
    }
}

#[test]
fn not_before_is_inclusive_of_now() {
    let config = config();
    let cases = [
        (NOW - 1, true),
        (NOW, true),
        (NOW + 1, false),
        (NOW + 3_600, false),
    ];
    for (nbf, valid) in cases {
        let token = hs256_claims(&bare_access(&format!(r#","nbf":{nbf}"#)));
        if valid {
            config.decode(&token).expect("valid");
        } else {
            assert_eq!(
                decode_failure(&config, &token),
                expect(422, "The token is not yet valid (nbf)"),
                "nbf {nbf}"
            );
        }
    }
}

#[test]
fn the_leeway_widens_exp_and_nbf_by_exactly_its_seconds() {
    let leeway = 30;
    let config = builder()
        .decode_leeway(Duration::from_secs(30))
        .build()
        .expect("valid");
    let at =
        |claim: &str, value: i64| hs256_claims(&bare_access(&format!(r#","{claim}":{value}"#)));
    config
        .decode(&at("exp", NOW - leeway))
        .expect("exp = now - leeway is valid");
    assert_eq!(
        decode_failure(&config, &at("exp", NOW - leeway - 1)),
        expect(422, "Signature has expired")
    );
    config
        .decode(&at("nbf", NOW + leeway))
        .expect("nbf = now + leeway is valid");
    assert_eq!(
        decode_failure(&config, &at("nbf", NOW + leeway + 1)),
        expect(422, "The token is not yet valid (nbf)")
    );
    // The leeway does not apply to iat, which is never compared with the clock.
    config
        .decode(&at("iat", NOW + 10 * leeway))
        .expect("future iat is accepted");
}

#[test]
fn a_sub_second_leeway_counts_as_zero() {
    let config = builder()
        .decode_leeway(Duration::from_millis(900))
        .build()
        .expect("valid");
    let token = hs256_claims(&bare_access(&format!(r#","exp":{}"#, NOW - 1)));
    assert_eq!(
        decode_failure(&config, &token),
        expect(422, "Signature has expired")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_token_without_exp_and_a_token_issued_in_the_future_are_accepted() {
    let config = config();
    let no_exp = hs256_claims(&bare_access(""));
    config
        .verify(&no_exp, Requirement::Access)
        .await
        .expect("exp is optional");
    let future_iat = hs256_claims(&bare_access(&format!(r#","iat":{}"#, NOW + 1_000)));
    let verified = config
        .verify(&future_iat, Requirement::Access)
        .await
        .expect("there is no future-iat check");
    assert_eq!(verified.claims().issued_at(), Some(NOW + 1_000));
}

// ---------------------------------------------------------------------------------------------
// Claim typing (sub, jti, csrf, type, fresh)
// ---------------------------------------------------------------------------------------------

#[test]
fn sub_must_be_a_string_or_an_integer() {
    let config = config();
    for sub in [
        "{\"id\":1}",
        "null",
        "1.5",
        "true",
        "[\"a\"]",
        "18446744073709551615",
    ] {
        let token = hs256_claims(&format!(r#"{{"sub":{sub},"type":"access"}}"#));
        assert_eq!(
            decode_failure(&config, &token),
            expect(422, "Subject (sub) must be a string or an integer"),
            "sub {sub}"
        );
    }
    let cases = [
        ("\"\"", Subject::from("")),
        ("123", Subject::Integer(123)),
        ("-9223372036854775808", Subject::Integer(i64::MIN)),
        ("\"test\"", Subject::from("test")),
    ];
    for (sub, expected) in cases {
        let token = hs256_claims(&format!(r#"{{"sub":{sub},"type":"access"}}"#));
        let claims = config.decode(&token).expect("valid").into_claims();
        assert_eq!(claims.subject(), Some(&expected), "sub {sub}");
    }
    let no_sub = hs256_claims(r#"{"type":"access"}"#);
    assert_eq!(
        config.decode(&no_sub).expect("valid").claims().subject(),
        None
    );
}

#[test]
fn jti_and_csrf_must_be_strings_of_at_most_256_bytes() {
    let config = config();
    let long = "j".repeat(257);
    let longest = "j".repeat(256);
    let cases = [
        (
            "jti",
            "123".to_owned(),
            "JWT ID (jti) must be a string of at most 256 bytes",
        ),
        (
            "jti",
            "{}".to_owned(),
            "JWT ID (jti) must be a string of at most 256 bytes",
        ),
        (
            "jti",
            "null".to_owned(),
            "JWT ID (jti) must be a string of at most 256 bytes",
        ),
        (
            "jti",
            format!("\"{long}\""),
            "JWT ID (jti) must be a string of at most 256 bytes",
        ),
        (
            "csrf",
            "1".to_owned(),
            "CSRF claim (csrf) must be a string of at most 256 bytes",
        ),
        (
            "csrf",
            "[\"a\"]".to_owned(),
            "CSRF claim (csrf) must be a string of at most 256 bytes",
        ),
        (
            "csrf",
            format!("\"{long}\""),
            "CSRF claim (csrf) must be a string of at most 256 bytes",
        ),
    ];
    for (claim, value, message) in cases {
        let token = hs256_claims(&format!(
            r#"{{"sub":"a","{claim}":{value},"type":"access"}}"#
        ));
        assert_eq!(
            decode_failure(&config, &token),
            expect(422, message),
            "{claim} {value}"
        );
    }
    let token = hs256_claims(&format!(
        r#"{{"sub":"a","jti":"{longest}","csrf":"{longest}","type":"access"}}"#
    ));
    let claims = config
        .decode(&token)
        .expect("256 bytes are allowed")
        .into_claims();
    assert_eq!(claims.jti(), Some(longest.as_str()));
    assert_eq!(claims.csrf(), Some(longest.as_str()));
}

#[tokio::test(flavor = "current_thread")]
async fn a_missing_type_claim_is_refused_on_every_protected_path() {
    let config = config();
    let token = hs256_claims(r#"{"sub":"test","jti":"j1","fresh":true}"#);
    for requirement in ALL_REQUIREMENTS {
        assert_eq!(
            verify_failure(&config, &token, requirement).await,
            expect(422, r#"Token is missing the "type" claim"#),
            "{requirement:?}"
        );
    }
    // Getters do not look at the type.
    config.decode(&token).expect("decode does not need a type");
}

#[tokio::test(flavor = "current_thread")]
async fn the_type_must_be_exactly_access_or_refresh() {
    let config = config();
    for value in [
        r#""ACCESS""#,
        r#""access ""#,
        "1",
        "null",
        r#"["access"]"#,
        r#""reset""#,
    ] {
        let token = hs256_claims(&format!(r#"{{"sub":"a","type":{value},"fresh":true}}"#));
        for requirement in [
            Requirement::Access,
            Requirement::OptionalAccess,
            Requirement::FreshAccess,
        ] {
            assert_eq!(
                verify_failure(&config, &token, requirement).await,
                expect(422, "Only access tokens are allowed"),
                "{value} {requirement:?}"
            );
        }
        assert_eq!(
            verify_failure(&config, &token, Requirement::Refresh).await,
            expect(422, "Only refresh tokens are allowed"),
            "{value}"
        );
        assert_eq!(
            config.decode(&token).expect("valid").claims().token_type(),
            None
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn test_url_protected_type_checks() {
    let config = config();
    let access = config.create_access_token("test").expect("signed");
    let refresh = config.create_refresh_token("test").expect("signed");
    for requirement in [
        Requirement::Access,
        Requirement::OptionalAccess,
        Requirement::FreshAccess,
    ] {
        assert_eq!(
            verify_failure(&config, &refresh, requirement).await,
            expect(422, "Only access tokens are allowed")
        );
    }
    assert_eq!(
        verify_failure(&config, &access, Requirement::Refresh).await,
        expect(422, "Only refresh tokens are allowed")
    );
    config
        .verify(&access, Requirement::Access)
        .await
        .expect("valid");
    config
        .verify(&access, Requirement::OptionalAccess)
        .await
        .expect("valid");
    config
        .verify(&refresh, Requirement::Refresh)
        .await
        .expect("valid");
    assert_eq!(
        config
            .verify(&refresh, Requirement::Access)
            .await
            .expect_err("refused"),
        AuthJwtError::AccessTokenRequired
    );
    assert_eq!(
        config
            .verify(&access, Requirement::Refresh)
            .await
            .expect_err("refused"),
        AuthJwtError::RefreshTokenRequired
    );
}

#[tokio::test(flavor = "current_thread")]
async fn only_a_json_true_fresh_claim_is_fresh() {
    let config = config();
    let stale = config.create_access_token("test").expect("signed");
    assert_eq!(
        verify_failure(&config, &stale, Requirement::FreshAccess).await,
        expect(401, "Fresh token required")
    );
    for fresh in [
        None,
        Some("1"),
        Some(r#""true""#),
        Some("false"),
        Some(r#""false""#),
        Some("null"),
    ] {
        let claims = fresh.map_or_else(String::new, |value| format!(r#","fresh":{value}"#));
        let token = hs256_claims(&bare_access(&claims));
        assert_eq!(
            verify_failure(&config, &token, Requirement::FreshAccess).await,
            expect(401, "Fresh token required"),
            "fresh {fresh:?}"
        );
        // Freshness only matters where it is required.
        config
            .verify(&token, Requirement::Access)
            .await
            .expect("valid");
    }
    let fresh = config
        .access_token("test")
        .fresh(true)
        .encode()
        .expect("signed");
    config
        .verify(&fresh, Requirement::FreshAccess)
        .await
        .expect("fresh");
}

// ---------------------------------------------------------------------------------------------
// Check order
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn the_size_cap_is_checked_before_anything_else() {
    let config = config();
    for token in [
        "a".repeat(8193),
        ".".repeat(1 << 20),
        format!("{}.x.y", "!".repeat(9000)),
    ] {
        assert_refused_everywhere(&config, &token, (422, "Token is larger than 8192 bytes")).await;
        assert_eq!(
            failure(config.unverified_header(&token)),
            expect(422, "Token is larger than 8192 bytes")
        );
    }
    assert_refused_everywhere(&config, &"a".repeat(8192), (422, "Not enough segments")).await;
    // A validly signed token that is too large is refused too.
    let padding = "x".repeat(9000);
    let large = hs256_claims(&bare_access(&format!(r#","pad":"{padding}""#)));
    assert_refused_everywhere(&config, &large, (422, "Token is larger than 8192 bytes")).await;
    let small = builder().max_token_size(100).build().expect("valid");
    let token = small.create_access_token("test").expect("signed");
    assert!(token.len() > 100);
    assert_refused_everywhere(&small, &token, (422, "Token is larger than 100 bytes")).await;
}

#[tokio::test(flavor = "current_thread")]
async fn header_stage_errors_come_in_pyjwts_order() {
    let config = config();
    let good_header = b64(HS256_HEADER);
    let good_payload = b64(bare_access(""));
    let cases = [
        // header padding before payload padding
        (
            format!("{good_header}=.{good_payload}=.x="),
            "Invalid header padding",
        ),
        // header JSON before payload padding
        (
            format!("{}.{good_payload}=.x=", b64("[]")),
            "Invalid header string: must be a json object",
        ),
        // payload padding before crypto padding
        (
            format!("{good_header}.{good_payload}=.x="),
            "Invalid payload padding",
        ),
        // crypto padding before the kid check
        (
            format!("{}.{good_payload}.x=", b64(r#"{"alg":"HS256","kid":1}"#)),
            "Invalid crypto padding",
        ),
        // kid before unsupported parameters
        (
            format!(
                "{}.{good_payload}.",
                b64(r#"{"alg":"HS256","crit":["exp"],"kid":1}"#)
            ),
            "Key ID header parameter must be a string",
        ),
        // unsupported parameters before the alg allow-list
        (
            format!(
                "{}.{good_payload}.",
                b64(r#"{"alg":"none","crit":["exp"]}"#)
            ),
            "Unsupported header parameter: crit",
        ),
    ];
    for (token, message) in cases {
        assert_refused_everywhere(&config, &token, (422, message)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_alg_allow_list_comes_before_the_signature() {
    let config = config();
    let payload = b64(bare_access(""));
    let hs384_garbage = format!(
        "{}.{payload}.{}",
        b64(r#"{"alg":"HS384"}"#),
        b64([1_u8; 48])
    );
    assert_refused_everywhere(
        &config,
        &hs384_garbage,
        (422, "The specified alg value is not allowed"),
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn the_signature_comes_before_every_claim_check() {
    let config = builder()
        .decode_issuer("urn:foo")
        .decode_audience(["foo"])
        .build()
        .expect("valid");
    let bad_claims = [
        format!(r#"{{"exp":{},"type":"access"}}"#, NOW - 100),
        format!(r#"{{"nbf":{},"type":"access"}}"#, NOW + 100),
        r#"{"iat":"x","type":"access"}"#.to_owned(),
        r#"{"aud":5,"type":"access"}"#.to_owned(),
        r#"{"sub":{},"type":"access"}"#.to_owned(),
        "[]".to_owned(),
        "not json".to_owned(),
    ];
    for payload in bad_claims {
        let signed = hs256_claims(&payload);
        let parts = segments(&signed);
        let forged = format!("{}.{}.{}", parts[0], parts[1], b64([7_u8; 32]));
        assert_refused_everywhere(&config, &forged, (422, "Signature verification failed")).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn claim_checks_come_in_pyjwts_order() {
    let config = builder()
        .decode_issuer("urn:foo")
        .decode_audience(["foo"])
        .build()
        .expect("valid");
    let past = NOW - 100;
    let future = NOW + 100;
    let cases = [
        // iat type before nbf
        (
            format!(r#"{{"iat":"x","nbf":{future},"exp":"y","type":"access"}}"#),
            "Issued At claim (iat) must be an integer.",
        ),
        // nbf type before exp type
        (
            r#"{"nbf":"x","exp":"y","type":"access"}"#.to_owned(),
            "Not Before claim (nbf) must be an integer.",
        ),
        // nbf before exp
        (
            format!(r#"{{"nbf":{future},"exp":{past},"type":"access"}}"#),
            "The token is not yet valid (nbf)",
        ),
        // nbf value before exp type
        (
            format!(r#"{{"nbf":{future},"exp":"y","type":"access"}}"#),
            "The token is not yet valid (nbf)",
        ),
        // exp before the issuer
        (
            format!(r#"{{"exp":{past},"iss":"urn:bar","aud":"bar","type":"access"}}"#),
            "Signature has expired",
        ),
        // issuer before the audience
        (
            r#"{"iss":"urn:bar","aud":"bar","type":"access"}"#.to_owned(),
            "Invalid issuer",
        ),
        (
            r#"{"aud":"foo","type":"access"}"#.to_owned(),
            r#"Token is missing the "iss" claim"#,
        ),
        // audience before the claim typing
        (
            r#"{"iss":"urn:foo","aud":"bar","sub":{},"type":"access"}"#.to_owned(),
            "Invalid audience",
        ),
        (
            r#"{"iss":"urn:foo","sub":{},"type":"access"}"#.to_owned(),
            r#"Token is missing the "aud" claim"#,
        ),
        // sub before jti before csrf
        (
            r#"{"iss":"urn:foo","aud":"foo","sub":{},"jti":1,"csrf":1,"type":"access"}"#.to_owned(),
            "Subject (sub) must be a string or an integer",
        ),
        (
            r#"{"iss":"urn:foo","aud":"foo","jti":1,"csrf":1,"type":"access"}"#.to_owned(),
            "JWT ID (jti) must be a string of at most 256 bytes",
        ),
        // claim typing before the type check
        (
            r#"{"iss":"urn:foo","aud":"foo","csrf":1,"type":"refresh"}"#.to_owned(),
            "CSRF claim (csrf) must be a string of at most 256 bytes",
        ),
        // the audience before the type's presence
        (
            r#"{"iss":"urn:foo","aud":"bar"}"#.to_owned(),
            "Invalid audience",
        ),
    ];
    for (payload, message) in cases {
        let token = hs256_claims(&payload);
        assert_eq!(
            verify_failure(&config, &token, Requirement::Access).await,
            expect(422, message),
            "{payload}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_audience_comes_before_the_type_check() {
    let config = builder().decode_audience(["foo"]).build().expect("valid");
    let access_for_bar = config
        .access_token("test")
        .audience("bar")
        .encode()
        .expect("signed");
    assert_eq!(
        verify_failure(&config, &access_for_bar, Requirement::Refresh).await,
        expect(422, "Invalid audience")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_type_comes_before_freshness() {
    let config = config();
    let refresh = config.create_refresh_token("test").expect("signed");
    assert_eq!(
        verify_failure(&config, &refresh, Requirement::FreshAccess).await,
        expect(422, "Only access tokens are allowed")
    );
}

// ---------------------------------------------------------------------------------------------
// The revocation store in the pipeline
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn test_denylist() {
    let store = Arc::new(RecordingStore::default());
    let config = denylist(Arc::clone(&store)).build().expect("valid");
    let access = config
        .access_token("test")
        .fresh(true)
        .encode()
        .expect("signed");
    let refresh = config.create_refresh_token("test").expect("signed");
    for requirement in [
        Requirement::Access,
        Requirement::OptionalAccess,
        Requirement::FreshAccess,
    ] {
        config
            .verify(&access, requirement)
            .await
            .expect("not revoked");
    }
    config
        .verify(&refresh, Requirement::Refresh)
        .await
        .expect("not revoked");

    config.revoke_token(&access).await.expect("revoked");
    config.revoke_token(&refresh).await.expect("revoked");
    for requirement in [
        Requirement::Access,
        Requirement::OptionalAccess,
        Requirement::FreshAccess,
    ] {
        assert_eq!(
            verify_failure(&config, &access, requirement).await,
            expect(401, "Token has been revoked")
        );
    }
    assert_eq!(
        verify_failure(&config, &refresh, Requirement::Refresh).await,
        expect(401, "Token has been revoked")
    );
    assert_eq!(
        config
            .verify(&refresh, Requirement::Refresh)
            .await
            .expect_err("revoked"),
        AuthJwtError::RevokedToken
    );
    // Getters never consult the store.
    let queries = store.queries().len();
    config
        .decode(&access)
        .expect("decode does not look at revocation");
    assert_eq!(store.queries().len(), queries);
}

#[tokio::test(flavor = "current_thread")]
async fn revocation_comes_before_the_type_check_and_freshness() {
    let access = config().create_access_token("test").expect("signed");
    let jti = config()
        .decode(&access)
        .expect("valid")
        .claims()
        .jti()
        .expect("jti")
        .to_owned();
    let config = denylist(RecordingStore::with_revoked([jti.as_str()]))
        .build()
        .expect("valid");
    assert_eq!(
        verify_failure(&config, &access, Requirement::Refresh).await,
        expect(401, "Token has been revoked")
    );
    assert_eq!(
        verify_failure(&config, &access, Requirement::FreshAccess).await,
        expect(401, "Token has been revoked")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn types_outside_the_denylist_checks_never_reach_the_store() {
    let calls = Arc::new(CallCounter::default());
    let counted = Arc::clone(&calls);
    // Everything asked about is revoked.
    let config = denylist(revocation::from_fn(move |_claims| {
        counted.bump();
        true
    }))
    .denylist_token_checks([TokenType::Access])
    .build()
    .expect("valid");
    let refresh = config.create_refresh_token("test").expect("signed");
    config
        .verify(&refresh, Requirement::Refresh)
        .await
        .expect("refresh tokens are not checked");
    assert_eq!(
        verify_failure(&config, &refresh, Requirement::Access).await,
        expect(422, "Only access tokens are allowed")
    );
    assert_eq!(calls.get(), 0);

    let access = config.create_access_token("test").expect("signed");
    assert_eq!(
        verify_failure(&config, &access, Requirement::Access).await,
        expect(401, "Token has been revoked")
    );
    assert_eq!(calls.get(), 1);

    // The other way round (security anchors H9): a revoked access token passes.
    let refresh_only = builder()
        .denylist_enabled(true)
        .denylist_token_checks([TokenType::Refresh])
        .revocation_store(revocation::from_fn(|_claims| true))
        .build()
        .expect("valid");
    let access = refresh_only.create_access_token("test").expect("signed");
    refresh_only
        .verify(&access, Requirement::Access)
        .await
        .expect("access tokens are not checked");
    let refresh = refresh_only.create_refresh_token("test").expect("signed");
    assert_eq!(
        verify_failure(&refresh_only, &refresh, Requirement::Refresh).await,
        expect(401, "Token has been revoked")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_disabled_denylist_never_consults_the_store() {
    let store = Arc::new(RecordingStore::with_revoked(["j1"]));
    let config = builder()
        .revocation_store(Arc::clone(&store))
        .build()
        .expect("valid");
    let token = hs256_claims(&bare_access(""));
    config
        .verify(&token, Requirement::Access)
        .await
        .expect("the denylist is off");
    assert!(store.queries().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn the_store_is_asked_by_jti_and_a_token_without_one_is_refused() {
    let store = Arc::new(RecordingStore::default());
    let config = denylist(Arc::clone(&store)).build().expect("valid");
    let token = hs256_claims(&bare_access(""));
    config
        .verify(&token, Requirement::Access)
        .await
        .expect("not revoked");
    assert_eq!(store.queries(), ["j1"]);

    let without_jti = hs256_claims(r#"{"sub":"test","type":"access","fresh":true}"#);
    // The store is consulted before the type check, so at Refresh the jti is missed first.
    for requirement in ALL_REQUIREMENTS {
        assert_eq!(
            verify_failure(&config, &without_jti, requirement).await,
            expect(422, r#"Token is missing the "jti" claim"#),
            "{requirement:?}"
        );
    }
    assert_eq!(store.queries(), ["j1"]);
}

#[tokio::test(flavor = "current_thread")]
async fn the_store_is_never_called_for_invalid_tokens() {
    let store = Arc::new(RecordingStore::default());
    let config = denylist(Arc::clone(&store))
        .decode_audience(["foo"])
        .build()
        .expect("valid");
    let valid = config.create_access_token("test").expect("signed");
    let parts = segments(&valid);
    let invalid_tokens = [
        "garbage".to_owned(),
        "a".repeat(9000),
        format!("{}.{}.{}", parts[0], parts[1], b64([0_u8; 32])),
        format!("{}.{}.", b64(r#"{"alg":"none"}"#), parts[1]),
        hs256_claims(&bare_access(&format!(r#","exp":{}"#, NOW - 1))),
        hs256_claims(&bare_access(&format!(r#","nbf":{}"#, NOW + 1))),
        hs256_claims(&bare_access(r#","aud":"bar""#)),
        hs256_claims(&bare_access("")), // no aud while one is required
        hs256_claims(r#"{"sub":{},"jti":"j1","aud":"foo","type":"access"}"#),
        hs256_claims(r#"{"jti":1,"aud":"foo","type":"access"}"#),
        hs256_claims(r#"{"jti":"j1","aud":"foo"}"#), // no type
        hs256_claims(r#"{"jti":"j1","aud":"foo","type":"reset"}"#), // not a checked type
        hs256_claims(r#"{"jti":"j1","aud":"foo","type":"access","type":"access"}"#),
    ];
    for token in &invalid_tokens {
        for requirement in ALL_REQUIREMENTS {
            config
                .verify(token, requirement)
                .await
                .expect_err("the token is invalid");
        }
    }
    assert_eq!(store.queries(), Vec::<String>::new());
    assert_eq!(
        config.decode(&valid).expect_err("no audience"),
        AuthJwtError::Decode(DecodeError::MissingClaim("aud"))
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_store_fails_closed_with_503() {
    let store = Arc::new(FailingStore::default());
    let config = denylist(Arc::clone(&store)).build().expect("valid");
    let access = config
        .access_token("test")
        .fresh(true)
        .encode()
        .expect("signed");
    let refresh = config.create_refresh_token("test").expect("signed");
    for (token, requirement) in [
        (&access, Requirement::Access),
        (&access, Requirement::OptionalAccess),
        (&access, Requirement::FreshAccess),
        (&refresh, Requirement::Refresh),
        // The store is asked before the type check.
        (&refresh, Requirement::Access),
    ] {
        let err = config
            .verify(token, requirement)
            .await
            .expect_err("fails closed");
        let AuthJwtError::RevocationUnavailable(failure) = &err else {
            panic!("{err:?}");
        };
        // The store's error stays with it, for the logs.
        assert!(matches!(failure.cause(), RevocationError::Timeout));
        assert_eq!(
            std::error::Error::source(&err)
                .map(ToString::to_string)
                .as_deref(),
            Some("the revocation store did not answer in time")
        );
        assert_eq!(
            (err.status_code(), err.message()),
            expect(503, "Token revocation check unavailable")
        );
        assert_eq!(err.exception_name(), "RevocationUnavailable");
    }
    assert_eq!(store.calls.get(), 5);
    // A garbage token still gets its own error, without asking the store.
    assert_eq!(
        verify_failure(&config, "garbage", Requirement::Access).await,
        expect(422, "Not enough segments")
    );
    assert_eq!(store.calls.get(), 5);
}

#[tokio::test(flavor = "current_thread")]
async fn an_async_store_is_awaited_and_its_errors_fail_closed() {
    let config = denylist(revocation::from_async_fn(|claims| async move {
        match claims.jti() {
            Some("revoked") => Ok(true),
            Some("broken") => Err(RevocationError::Unavailable("connection refused".into())),
            _ => Ok(false),
        }
    }))
    .build()
    .expect("valid");
    let token =
        |jti: &str| hs256_claims(&format!(r#"{{"sub":"a","jti":"{jti}","type":"access"}}"#));
    config
        .verify(&token("fine"), Requirement::Access)
        .await
        .expect("not revoked");
    assert_eq!(
        verify_failure(&config, &token("revoked"), Requirement::Access).await,
        expect(401, "Token has been revoked")
    );
    assert_eq!(
        verify_failure(&config, &token("broken"), Requirement::Access).await,
        expect(503, "Token revocation check unavailable")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_revoked_jti_is_revoked_whatever_the_tokens_bytes() {
    let store = Arc::new(MemoryStore::new());
    let config = denylist(Arc::clone(&store)).build().expect("valid");
    config
        .revoke_jti("shared-jti", None)
        .await
        .expect("revoked");
    let plain = hs256_claims(r#"{"sub":"a","jti":"shared-jti","type":"access"}"#);
    let reordered = hs256_claims(r#"{"type":"access","jti":"shared-jti","sub":"a","extra":1}"#);
    let other_header = hs256(
        r#"{"alg":"HS256","kid":"rotated"}"#,
        r#"{"sub":"a","jti":"shared-jti","type":"access"}"#,
    );
    for token in [plain, reordered, other_header] {
        assert_eq!(
            verify_failure(&config, &token, Requirement::Access).await,
            expect(401, "Token has been revoked")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Strict parsing (deviations)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn padding_and_the_standard_alphabet_are_refused_even_when_validly_signed() {
    let config = config();
    let header = b64(HS256_HEADER);
    // Re-signed over the exact altered segments, so only the encoding is at fault.
    let payload = b64(unaligned_payload());
    let padding = "=".repeat(4 - payload.len() % 4);
    let token = sign_segments(&header, &format!("{payload}{padding}"));
    assert_refused_everywhere(&config, &token, (422, "Invalid payload padding")).await;

    // Segments whose base64url uses "-" or "_", rewritten in the standard alphabet.
    let standard = |url_safe: &str| url_safe.replace('-', "+").replace('_', "/");
    let payload_url_safe =
        with_url_safe_characters(|i| bare_access(&format!(r#","x":"{}""#, ">?".repeat(i))));
    let token = sign_segments(&header, &standard(&payload_url_safe));
    assert_refused_everywhere(&config, &token, (422, "Invalid payload padding")).await;
    let header_url_safe = with_url_safe_characters(|i| {
        format!(r#"{{"typ":"JWT","alg":"HS256","x":"{}"}}"#, "?>".repeat(i))
    });
    let token = sign_segments(&standard(&header_url_safe), &payload);
    assert_refused_everywhere(&config, &token, (422, "Invalid header padding")).await;

    // A signature in the standard alphabet.
    let mut subject = 0;
    let valid = loop {
        let token = hs256_claims(&format!(r#"{{"sub":{subject},"type":"access"}}"#));
        if segments(&token)[2].contains(['-', '_']) {
            break token;
        }
        subject += 1;
    };
    config.decode(&valid).expect("valid as issued");
    let parts = segments(&valid);
    let standard_signature = parts[2].replace('-', "+").replace('_', "/");
    let token = format!("{}.{}.{standard_signature}", parts[0], parts[1]);
    assert_refused_everywhere(&config, &token, (422, "Invalid crypto padding")).await;
    let padded_signature = format!("{}.{}.{}=", parts[0], parts[1], parts[2]);
    assert_refused_everywhere(&config, &padded_signature, (422, "Invalid crypto padding")).await;
}

#[tokio::test(flavor = "current_thread")]
async fn non_canonical_trailing_bits_are_refused_in_every_segment() {
    let config = config();
    // 22 bytes of header: its last base64 character carries 4 unused bits.
    let header_json = r#"{"alg":"HS256","x":12}"#;
    assert_eq!(header_json.len() % 3, 1);
    let header = b64(header_json);
    let payload = b64(unaligned_payload());
    let valid = sign_segments(&header, &payload);
    config.decode(&valid).expect("valid as issued");

    let token = sign_segments(&non_canonical(&header), &payload);
    assert_refused_everywhere(&config, &token, (422, "Invalid header padding")).await;
    let token = sign_segments(&header, &non_canonical(&payload));
    assert_refused_everywhere(&config, &token, (422, "Invalid payload padding")).await;
    let parts = segments(&valid);
    // 32 bytes of HS256 tag: 43 characters, the last with 2 unused bits.
    let token = format!("{}.{}.{}", parts[0], parts[1], non_canonical(parts[2]));
    assert_refused_everywhere(&config, &token, (422, "Invalid crypto padding")).await;
    // The altered signature still decodes to the same bytes under a lenient decoder.
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    use base64::Engine as _;
    assert_eq!(
        lenient.decode(non_canonical(parts[2])).expect("lenient"),
        b64_decode(parts[2])
    );
}

#[tokio::test(flavor = "current_thread")]
async fn four_and_five_segments_are_refused() {
    let config = config();
    let valid = config.create_access_token("test").expect("signed");
    let parts = segments(&valid);
    let four = format!("{valid}.{}", parts[2]);
    assert_refused_everywhere(&config, &four, (422, "Invalid payload padding")).await;
    let four_empty = format!("{}.{}..{}", parts[0], parts[1], parts[2]);
    assert_refused_everywhere(&config, &four_empty, (422, "Invalid payload padding")).await;
    // The shape of an encrypted token (JWE), with an enc header.
    let jwe_header = b64(r#"{"alg":"dir","enc":"A256GCM"}"#);
    let five = format!(
        "{jwe_header}..{}.{}.{}",
        b64("iv"),
        b64("ciphertext"),
        b64("tag")
    );
    assert_refused_everywhere(&config, &five, (422, "Invalid payload padding")).await;
    let five_from_valid = format!("{valid}.{}.{}", parts[1], parts[2]);
    assert_refused_everywhere(&config, &five_from_valid, (422, "Invalid payload padding")).await;
}

#[tokio::test(flavor = "current_thread")]
async fn repeated_member_names_are_refused_at_any_depth() {
    let config = config();
    let header_cases = [
        r#"{"typ":"JWT","alg":"HS256","alg":"HS256"}"#,
        r#"{"alg":"none","alg":"HS256"}"#,
        r#"{"alg":"HS256","x":{"a":1,"a":2}}"#,
        r#"{"alg":"HS256","x":[{"a":1},{"b":1,"b":1}]}"#,
        r#"{"alg":"HS256","a\u0062":1,"ab":2}"#,
    ];
    for header in header_cases {
        let token = hs256(header, &bare_access(""));
        let (status, message) = decode_failure(&config, &token);
        assert_eq!(status, 422, "{header}");
        assert!(
            message.starts_with("Invalid header string: duplicate member name at line 1 column "),
            "{header}: {message}"
        );
    }
    let payload_cases = [
        r#"{"sub":"a","type":"access","type":"refresh"}"#,
        r#"{"sub":"a","exp":9999999999,"exp":1,"type":"access"}"#,
        r#"{"sub":"a","type":"access","role":"user","role":"admin"}"#,
        r#"{"sub":"a","type":"access","x":{"k":1,"k":2}}"#,
        r#"{"sub":"a","type":"access","x":[[{"k":1,"k":2}]]}"#,
        r#"{"sub":"a","type":"access","aud":{"a":1,"a":1}}"#,
    ];
    for payload in payload_cases {
        let token = hs256_claims(payload);
        let (status, message) = decode_failure(&config, &token);
        assert_eq!(status, 422, "{payload}");
        assert!(
            message.starts_with("Invalid payload string: duplicate member name at line 1 column "),
            "{payload}: {message}"
        );
    }
    assert_eq!(
        decode_failure(
            &config,
            &hs256_claims(r#"{"type":"access","type":"refresh"}"#)
        ),
        expect(
            422,
            "Invalid payload string: duplicate member name at line 1 column 23"
        )
    );
    // Many distinct members are fine.
    let many: String = (0..2_000).map(|i| format!(r#","c{i}":{i}"#)).collect();
    let token = hs256_claims(&format!(r#"{{"type":"access"{many}}}"#));
    let large = builder().max_token_size(1 << 16).build().expect("valid");
    large.decode(&token).expect("2000 distinct claims");
    let repeated = format!(r#"{{"type":"access"{many},"c0":0}}"#);
    let (status, message) = decode_failure(&large, &hs256_claims(&repeated));
    assert_eq!(status, 422);
    assert!(
        message.starts_with("Invalid payload string: duplicate member name"),
        "{message}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn unsupported_header_parameters_are_refused() {
    let config = config();
    let cases = [
        (r#"{"alg":"HS256","crit":["exp"]}"#, "crit"),
        (r#"{"alg":"HS256","crit":[]}"#, "crit"),
        (r#"{"alg":"HS256","b64":false}"#, "b64"),
        (r#"{"alg":"HS256","b64":true}"#, "b64"),
        (r#"{"alg":"HS256","enc":"A256GCM"}"#, "enc"),
        (r#"{"alg":"HS256","zip":"DEF"}"#, "zip"),
        (r#"{"alg":"HS256","cty":"JWT"}"#, "cty"),
        (r#"{"alg":"HS256","cty":"jwt"}"#, "cty"),
    ];
    for (header, name) in cases {
        let token = hs256(header, &bare_access(""));
        assert_refused_everywhere(
            &config,
            &token,
            (422, &format!("Unsupported header parameter: {name}")),
        )
        .await;
        assert_eq!(
            failure(config.unverified_header(&token)),
            expect(422, &format!("Unsupported header parameter: {name}"))
        );
    }
    for header in [
        r#"{"alg":"HS256","cty":"json"}"#,
        r#"{"alg":"HS256","typ":"at+jwt","jku":"https://x","kid":"../../dev/null"}"#,
    ] {
        config
            .decode(&hs256(header, &bare_access("")))
            .expect("ignored parameters");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn deeply_nested_json_is_refused_without_a_crash() {
    let config = builder().max_token_size(1 << 20).build().expect("valid");
    let nested_header = format!(
        r#"{{"alg":"HS256","x":{}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (status, message) = decode_failure(&config, &hs256(&nested_header, &bare_access("")));
    assert_eq!(status, 422);
    assert!(
        message.starts_with("Invalid header string: recursion limit exceeded at line 1 column "),
        "{message}"
    );
    let nested_payload = format!(
        r#"{{"type":"access","x":{}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (status, message) = decode_failure(&config, &hs256_claims(&nested_payload));
    assert_eq!(status, 422);
    assert!(
        message.starts_with("Invalid payload string: recursion limit exceeded at line 1 column "),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// unverified_header (get_unverified_jwt_headers)
// ---------------------------------------------------------------------------------------------

#[test]
fn the_unverified_header_is_returned_without_checking_the_signature() {
    let config = config();
    let token = config
        .access_token("test")
        .header("access", "bar")
        .encode()
        .expect("signed");
    let parts = segments(&token);
    let forged = format!("{}.{}.{}", parts[0], parts[1], b64([0_u8; 32]));
    for token in [&token, &forged] {
        let header = config.unverified_header(token).expect("readable");
        assert_eq!(
            serde_json::Value::Object(header),
            json!({"typ": "JWT", "alg": "HS256", "access": "bar"})
        );
    }
    // Even an expired token, or one with a disallowed alg, has a readable header.
    let hs384 = sign_segments_with(
        hmac::HMAC_SHA384,
        &[1; 48],
        &b64(r#"{"alg":"HS384","kid":"k"}"#),
        &b64(format!(r#"{{"exp":{}}}"#, NOW - 10)),
    );
    assert_eq!(
        serde_json::Value::Object(config.unverified_header(&hs384).expect("readable")),
        json!({"alg": "HS384", "kid": "k"})
    );
    assert_eq!(
        failure(config.unverified_header("test")),
        expect(422, "Not enough segments")
    );
    assert_eq!(
        failure(config.unverified_header(&format!("{}.x.y", b64("[]")))),
        expect(422, "Invalid header string: must be a json object")
    );
}

// ---------------------------------------------------------------------------------------------
// The rest of the message catalogue (§3.1), raised by the framework layer
// ---------------------------------------------------------------------------------------------

#[test]
fn every_message_of_the_catalogue_has_the_originals_status_and_text() {
    let cases: Vec<(AuthJwtError, u16, &str, &str)> = vec![
        (
            InvalidHeader::BadHeaderValue {
                header_name: "Authorization".into(),
                header_type: Some("Bearer".into()),
            }
            .into(),
            422,
            "Bad Authorization header. Expected value 'Bearer <JWT>'",
            "InvalidHeaderError",
        ),
        (
            InvalidHeader::BadHeaderValue {
                header_name: "Foo".into(),
                header_type: None,
            }
            .into(),
            422,
            "Bad Foo header. Expected value '<JWT>'",
            "InvalidHeaderError",
        ),
        (
            MissingToken::Header {
                header_name: "Authorization".into(),
            }
            .into(),
            401,
            "Missing Authorization Header",
            "MissingTokenError",
        ),
        (
            MissingToken::Cookie {
                cookie_key: "access_token_cookie".into(),
            }
            .into(),
            401,
            "Missing cookie access_token_cookie",
            "MissingTokenError",
        ),
        (
            MissingToken::WebSocket { refresh: false }.into(),
            1008,
            "Missing access token from Query or Path",
            "MissingTokenError",
        ),
        (
            MissingToken::WebSocket { refresh: true }.into(),
            1008,
            "Missing refresh token from Query or Path",
            "MissingTokenError",
        ),
        (
            CsrfError::Missing.into(),
            401,
            "Missing CSRF Token",
            "CSRFError",
        ),
        (
            CsrfError::Mismatch.into(),
            401,
            "CSRF double submit tokens do not match",
            "CSRFError",
        ),
        (
            DecodeError::MissingCsrfClaim.into(),
            422,
            "Missing claim: csrf",
            "JWTDecodeError",
        ),
        (
            AuthJwtError::AccessTokenRequired,
            422,
            "Only access tokens are allowed",
            "AccessTokenRequired",
        ),
        (
            AuthJwtError::RefreshTokenRequired,
            422,
            "Only refresh tokens are allowed",
            "RefreshTokenRequired",
        ),
        (
            AuthJwtError::FreshTokenRequired,
            401,
            "Fresh token required",
            "FreshTokenRequired",
        ),
        (
            AuthJwtError::RevokedToken,
            401,
            "Token has been revoked",
            "RevokedTokenError",
        ),
        (
            InvalidHeader::InvalidHeaderPadding.into(),
            422,
            "Invalid header padding",
            "InvalidHeaderError",
        ),
        (
            InvalidHeader::InvalidPayloadPadding.into(),
            422,
            "Invalid payload padding",
            "InvalidHeaderError",
        ),
        (
            InvalidHeader::InvalidCryptoPadding.into(),
            422,
            "Invalid crypto padding",
            "InvalidHeaderError",
        ),
        (
            DecodeError::ImmatureSignature.into(),
            422,
            "The token is not yet valid (nbf)",
            "JWTDecodeError",
        ),
        (
            DecodeError::MissingClaim("iss").into(),
            422,
            r#"Token is missing the "iss" claim"#,
            "JWTDecodeError",
        ),
        (
            DecodeError::InvalidIssuer.into(),
            422,
            "Invalid issuer",
            "JWTDecodeError",
        ),
        (
            DecodeError::InvalidAudience.into(),
            422,
            "Invalid audience",
            "JWTDecodeError",
        ),
        (
            DecodeError::InvalidClaimFormat.into(),
            422,
            "Invalid claim format in token",
            "JWTDecodeError",
        ),
    ];
    for (err, status, message, class) in cases {
        assert_eq!(err.status_code(), status, "{err:?}");
        assert_eq!(err.message(), message, "{err:?}");
        assert_eq!(err.exception_name(), class, "{err:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn expiry_via_the_creation_api_matches_handcrafted_expiry() {
    let clock = Arc::new(FixedClock::new(NOW));
    let config = builder_with_clock(Arc::clone(&clock))
        .build()
        .expect("valid");
    let token = config
        .access_token("test")
        .expires(ExpiresTime::Seconds(60))
        .encode()
        .expect("signed");
    clock.set(NOW + 60);
    config
        .verify(&token, Requirement::Access)
        .await
        .expect("exp == now");
    clock.set(NOW + 61);
    assert_eq!(
        verify_failure(&config, &token, Requirement::OptionalAccess).await,
        expect(422, "Signature has expired")
    );
}
