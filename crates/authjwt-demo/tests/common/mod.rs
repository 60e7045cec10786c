//! Helpers of the demo's hostile-input suites: configurations on a fixed clock, a request
//! driver over `tower::ServiceExt::oneshot` that refuses any 5xx it was not told to expect,
//! and hand-made tokens — HMAC with any key, raw ECDSA / RSA / Ed25519 signatures over any
//! header and payload bytes.
// Every test binary compiles this module and uses its own subset of it.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authjwt::revocation::StoreFuture;
use authjwt::testing::TestTokens;
use authjwt::{
    AuthJwtConfig, AuthJwtConfigBuilder, Claims, Clock, FixedClock, RevocationError,
    RevocationStore, TokenLocation,
};
use authjwt_demo::DemoOptions;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// A 64-byte secret: long enough for HS256, HS384 and HS512.
pub const SECRET: &str = "authjwt-demo-adversarial-secret-0123456789abcdef0123456789abcdef";

/// The instant every fixed clock starts at (2023-11-14T22:13:20Z).
pub const NOW: i64 = 1_700_000_000;

pub const HS256_HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

// ---------------------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------------------

pub fn fixed_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(NOW))
}

pub fn clock_of(clock: &Arc<FixedClock>) -> Arc<dyn Clock> {
    Arc::clone(clock) as Arc<dyn Clock>
}

/// [`SECRET`], headers only, a clock at [`NOW`].
pub fn builder() -> AuthJwtConfigBuilder {
    AuthJwtConfig::builder()
        .secret_key(SECRET)
        .clock(clock_of(&fixed_clock()))
}

/// [`SECRET`] on `clock`.
pub fn builder_on(clock: &Arc<FixedClock>) -> AuthJwtConfigBuilder {
    AuthJwtConfig::builder()
        .secret_key(SECRET)
        .clock(clock_of(clock))
}

/// Cookies only (CSRF protection on, the default).
pub fn cookie_builder() -> AuthJwtConfigBuilder {
    builder().token_location([TokenLocation::Cookies])
}

/// Headers and cookies.
pub fn both_builder() -> AuthJwtConfigBuilder {
    builder().token_location([TokenLocation::Headers, TokenLocation::Cookies])
}

pub fn build(builder: AuthJwtConfigBuilder) -> AuthJwtConfig {
    builder.build().expect("the test configuration is valid")
}

/// The demo router on `builder`'s configuration, with the minting routes (`/token`,
/// `/cookies/*`) the suites use.
pub fn app(builder: AuthJwtConfigBuilder) -> (AuthJwtConfig, Router) {
    let config = build(builder);
    let options = DemoOptions {
        test_routes: true,
        ..DemoOptions::default()
    };
    let router = authjwt_demo::app_with_options(config.clone(), options);
    (config, router)
}

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../authjwt/tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).expect("the fixture exists")
}

/// The DER contents of a PEM fixture.
pub fn fixture_der(name: &str) -> Vec<u8> {
    pem_der(&fixture(name))
}

pub fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).expect("PEM base64")
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "a {} whose body is not JSON: {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `detail` of an error body.
    pub fn detail(&self) -> String {
        let json = self.json();
        json.get("detail")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("a {} without a detail: {json}", self.status))
            .to_owned()
    }

    /// Asserts the status and `{"detail": message}`.
    #[track_caller]
    pub fn expect(&self, status: u16, message: &str) {
        assert_eq!(
            (self.status.as_u16(), self.detail().as_str()),
            (status, message),
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
    }

    /// Asserts a 200 with `{"user": user}`.
    #[track_caller]
    pub fn expect_user(&self, user: Value) {
        let mut expected = serde_json::Map::new();
        expected.insert("user".to_owned(), user);
        assert_eq!(
            (self.status.as_u16(), self.json()),
            (200, Value::Object(expected)),
        );
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|value| value.to_str().expect("ASCII Set-Cookie").to_owned())
            .collect()
    }
}

/// A request under construction.
#[derive(Debug)]
pub struct Req {
    method: Method,
    uri: String,
    headers: Vec<(String, HeaderValue)>,
    body: Body,
}

impl Req {
    pub fn new(method: &str, uri: &str) -> Self {
        Self {
            method: Method::from_bytes(method.as_bytes()).expect("a method"),
            uri: uri.to_owned(),
            headers: Vec::new(),
            body: Body::empty(),
        }
    }

    pub fn get(uri: &str) -> Self {
        Self::new("GET", uri)
    }

    pub fn post(uri: &str) -> Self {
        Self::new("POST", uri)
    }

    /// A header from bytes (so obs-text and other odd values can be sent).
    pub fn header_bytes(mut self, name: &str, value: &[u8]) -> Self {
        self.headers.push((
            name.to_owned(),
            HeaderValue::from_bytes(value).expect("a header value HTTP can carry"),
        ));
        self
    }

    pub fn header(self, name: &str, value: &str) -> Self {
        self.header_bytes(name, value.as_bytes())
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn cookie(self, pairs: &str) -> Self {
        self.header("cookie", pairs)
    }

    pub fn csrf(self, value: &str) -> Self {
        self.header("x-csrf-token", value)
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = Body::from(body.to_string());
        self.header("content-type", "application/json")
    }

    pub fn build(self) -> Request<Body> {
        let mut request = Request::builder().method(self.method).uri(self.uri);
        for (name, value) in self.headers {
            request = request.header(name, value);
        }
        request.body(self.body).expect("a valid request")
    }

    /// Sends the request; any 5xx fails the test.
    pub async fn send(self, app: &Router) -> Answer {
        let answer = self.send_allowing_5xx(app).await;
        assert!(
            !answer.status.is_server_error(),
            "a {}: {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
        answer
    }

    /// Sends the request, for the one test that expects a 503.
    pub async fn send_allowing_5xx(self, app: &Router) -> Answer {
        let response = app
            .clone()
            .oneshot(self.build())
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("an in-memory body")
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64_decode(segment: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(segment).expect("base64url")
}

/// Whether a segment is strict base64url (what authjwt accepts).
pub fn is_strict_b64(segment: &str) -> bool {
    URL_SAFE_NO_PAD.decode(segment).is_ok()
}

pub fn segments(token: &str) -> Vec<&str> {
    token.split('.').collect()
}

/// `header.payload` segments of exact JSON texts.
pub fn signing_input(header_json: &str, payload_json: &str) -> String {
    format!("{}.{}", b64(header_json), b64(payload_json))
}

/// HMAC over the literal `header_segment.payload_segment`.
pub fn hmac_segments(
    algorithm: hmac::Algorithm,
    key: &[u8],
    header_segment: &str,
    payload_segment: &str,
) -> String {
    let input = format!("{header_segment}.{payload_segment}");
    let tag = hmac::sign(&hmac::Key::new(algorithm, key), input.as_bytes());
    format!("{input}.{}", b64(tag.as_ref()))
}

/// The test kit on [`builder`]'s key: HS256 with [`SECRET`].
pub fn test_tokens() -> TestTokens {
    TestTokens::new(&build(builder()))
}

/// HS256 with [`SECRET`] over the literal segments.
pub fn hs256_segments(header_segment: &str, payload_segment: &str) -> String {
    test_tokens()
        .with_segments(header_segment, payload_segment)
        .expect("HS256 signs")
}

/// HS256 with [`SECRET`] over these exact JSON texts.
pub fn hs256(header_json: &str, payload_json: &str) -> String {
    test_tokens()
        .with_parts(header_json, payload_json)
        .expect("HS256 signs")
}

/// HS256 with `key` over these exact JSON texts.
pub fn hs256_with(key: &[u8], header_json: &str, payload_json: &str) -> String {
    hmac_segments(
        hmac::HMAC_SHA256,
        key,
        &b64(header_json),
        &b64(payload_json),
    )
}

/// authjwt's HS256 header over this exact payload text.
pub fn hs256_claims(payload_json: &str) -> String {
    hs256(HS256_HEADER, payload_json)
}

/// A valid access payload for subject `sub`, with `extra` members (JSON text, without
/// braces, starting with a comma) appended.
pub fn access_claims(sub: &str, extra: &str) -> String {
    format!(
        r#"{{"sub":"{sub}","iat":{NOW},"nbf":{NOW},"jti":"jti-{sub}","exp":{},"type":"access","fresh":false{extra}}}"#,
        NOW + 900
    )
}

/// `header.payload.signature` from a raw signature.
pub fn with_signature(input: &str, signature: &[u8]) -> String {
    format!("{input}.{}", b64(signature))
}

/// The P-256 fixture key pair (PKCS#8).
pub fn ec256_pair() -> EcdsaKeyPair {
    EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &fixture_der("ec256_private.pem"),
    )
    .expect("the P-256 fixture")
}

/// A raw `r‖s` ES256 signature over `input`.
pub fn es256_sign(pair: &EcdsaKeyPair, input: &str) -> Vec<u8> {
    pair.sign(&SystemRandom::new(), input.as_bytes())
        .expect("ECDSA signing")
        .as_ref()
        .to_vec()
}

/// An ES256 token over these exact JSON texts, signed by `pair`.
pub fn es256(pair: &EcdsaKeyPair, header_json: &str, payload_json: &str) -> String {
    let input = signing_input(header_json, payload_json);
    let signature = es256_sign(pair, &input);
    with_signature(&input, &signature)
}

/// The uncompressed SEC1 point `04‖x‖y` of a P-256 key pair.
pub fn ec256_point(pair: &EcdsaKeyPair) -> Vec<u8> {
    pair.public_key().as_ref().to_vec()
}

pub fn rsa_pair() -> RsaKeyPair {
    RsaKeyPair::from_pkcs8(&fixture_der("rsa_private.pem")).expect("the RSA fixture")
}

/// An RSA signature (`padding` decides RS* or PS*) over `input`.
pub fn rsa_sign(
    pair: &RsaKeyPair,
    padding: &'static dyn signature::RsaEncoding,
    input: &str,
) -> Vec<u8> {
    let mut out = vec![0; pair.public_modulus_len()];
    pair.sign(padding, &SystemRandom::new(), input.as_bytes(), &mut out)
        .expect("RSA signing");
    out
}

/// An RS256 token over these exact JSON texts.
pub fn rs256(pair: &RsaKeyPair, header_json: &str, payload_json: &str) -> String {
    let input = signing_input(header_json, payload_json);
    let signature = rsa_sign(pair, &signature::RSA_PKCS1_SHA256, &input);
    with_signature(&input, &signature)
}

/// The RSA fixture's modulus and exponent, big-endian without leading zeros, read from its
/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
pub fn rsa_components() -> (Vec<u8>, Vec<u8>) {
    let der = fixture_der("rsa_public_pkcs1.pem");
    let (sequence, _) = der_element(&der, 0x30);
    let (n, rest) = der_element(sequence, 0x02);
    let (e, _) = der_element(rest, 0x02);
    let strip = |bytes: &[u8]| bytes.iter().copied().skip_while(|b| *b == 0).collect();
    (strip(n), strip(e))
}

/// One DER element of tag `tag` at the start of `der`: its contents and what follows.
pub fn der_element(der: &[u8], tag: u8) -> (&[u8], &[u8]) {
    assert_eq!(der[0], tag, "unexpected DER tag");
    let (len, header) = match der[1] {
        short @ 0..=0x7f => (usize::from(short), 2),
        long => {
            let count = usize::from(long & 0x7f);
            let len = der[2..2 + count]
                .iter()
                .fold(0usize, |len, byte| (len << 8) | usize::from(*byte));
            (len, 2 + count)
        }
    };
    (&der[header..header + len], &der[header + len..])
}

pub fn ed25519_pair() -> Ed25519KeyPair {
    Ed25519KeyPair::from_pkcs8_maybe_unchecked(&fixture_der("ed25519_private.pem"))
        .expect("the Ed25519 fixture")
}

// ---------------------------------------------------------------------------------------
// Big-endian arithmetic for crafted ECDSA signatures
// ---------------------------------------------------------------------------------------

/// The order n of P-256.
pub const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The field prime p of P-256.
pub const P256_P: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

/// `a − b` for equal-length big-endian numbers with `a ≥ b`.
pub fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    assert_eq!(a.len(), b.len());
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut digit = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        out[i] = u8::try_from(digit).expect("a byte");
    }
    assert_eq!(borrow, 0, "a < b");
    out
}

/// The high-S twin `(r, n − s)` of an ES256 token: the other valid signature of the same
/// message.
pub fn high_s_twin(token: &str) -> String {
    let parts = segments(token);
    let signature = b64_decode(parts[2]);
    let (r, s) = signature.split_at(32);
    let mut twin = r.to_vec();
    twin.extend(sub_be(&P256_N, s));
    format!("{}.{}.{}", parts[0], parts[1], b64(twin))
}

/// `a + small` for a big-endian number (wrapping is not expected).
pub fn add_small_be(a: &[u8], small: u8) -> Vec<u8> {
    let mut out = a.to_vec();
    let mut carry = u16::from(small);
    for byte in out.iter_mut().rev() {
        let sum = u16::from(*byte) + carry;
        *byte = (sum & 0xff) as u8;
        carry = sum >> 8;
        if carry == 0 {
            break;
        }
    }
    out
}

/// A 32-byte big-endian integer with value `small`.
pub fn small_be(small: u8) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    out[31] = small;
    out
}

/// The DER `SEQUENCE { INTEGER r, INTEGER s }` of a raw `r‖s` signature.
pub fn ecdsa_der(raw: &[u8]) -> Vec<u8> {
    fn integer(bytes: &[u8]) -> Vec<u8> {
        let mut value: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        if value.is_empty() || value[0] & 0x80 != 0 {
            value.insert(0, 0);
        }
        let mut out = vec![0x02, u8::try_from(value.len()).expect("short")];
        out.extend(value);
        out
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let mut body = integer(r);
    body.extend(integer(s));
    let mut out = vec![0x30, u8::try_from(body.len()).expect("short")];
    out.extend(body);
    out
}

// ---------------------------------------------------------------------------------------
// A revocation store that records its questions and can be told to fail
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default)]
pub struct TestStore {
    revoked: Mutex<HashSet<String>>,
    queries: Mutex<Vec<String>>,
    revocations: Mutex<Vec<(String, Option<Duration>)>>,
    failing: Mutex<Option<fn() -> RevocationError>>,
}

impl TestStore {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Every call fails with the error `make` returns.
    pub fn failing(make: fn() -> RevocationError) -> Arc<Self> {
        let store = Self::default();
        *store.failing.lock().expect("not poisoned") = Some(make);
        Arc::new(store)
    }

    pub fn revoke_now(&self, jti: &str) {
        self.revoked
            .lock()
            .expect("not poisoned")
            .insert(jti.to_owned());
    }

    pub fn queries(&self) -> Vec<String> {
        self.queries.lock().expect("not poisoned").clone()
    }

    pub fn revocations(&self) -> Vec<(String, Option<Duration>)> {
        self.revocations.lock().expect("not poisoned").clone()
    }
}

impl RevocationStore for TestStore {
    fn is_revoked<'a>(&'a self, jti: &'a str, _claims: &'a Claims) -> StoreFuture<'a, bool> {
        self.queries
            .lock()
            .expect("not poisoned")
            .push(jti.to_owned());
        if let Some(make) = *self.failing.lock().expect("not poisoned") {
            return Box::pin(std::future::ready(Err(make())));
        }
        Box::pin(std::future::ready(Ok(self
            .revoked
            .lock()
            .expect("not poisoned")
            .contains(jti))))
    }

    fn revoke<'a>(&'a self, jti: &'a str, ttl: Option<Duration>) -> StoreFuture<'a, ()> {
        if let Some(make) = *self.failing.lock().expect("not poisoned") {
            return Box::pin(std::future::ready(Err(make())));
        }
        self.revocations
            .lock()
            .expect("not poisoned")
            .push((jti.to_owned(), ttl));
        self.revoke_now(jti);
        Box::pin(std::future::ready(Ok(())))
    }
}
