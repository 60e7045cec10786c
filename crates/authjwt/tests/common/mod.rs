//! Helpers shared by the integration tests.
// Every test binary compiles this module and uses its own subset of it.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashSet;
use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authjwt::revocation::StoreFuture;
use authjwt::testing::TestTokens;
use authjwt::{
    AuthJwtConfig, AuthJwtConfigBuilder, AuthJwtError, Claims, FixedClock, RevocationStore,
};
use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// An HS256 secret long enough for RFC 7518 §3.2 (40 bytes).
pub const SECRET: &str = "test-secret-of-at-least-thirty-two-bytes";

/// A secret long enough for HS512 (64 bytes).
pub const SECRET_64: &str = "hs512-test-secret-0123456789abcdef0123456789abcdef0123456789abcd";

/// The instant every fixed clock starts at (2023-11-14T22:13:20Z).
pub const NOW: i64 = 1_700_000_000;

/// The header authjwt writes for HS256 tokens.
pub const HS256_HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

pub fn fixed_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(NOW))
}

/// A builder with [`SECRET`] and a clock standing at [`NOW`].
pub fn builder() -> AuthJwtConfigBuilder {
    builder_with_clock(fixed_clock())
}

/// A builder with [`SECRET`] on `clock`, so the test can move time.
pub fn builder_with_clock(clock: Arc<FixedClock>) -> AuthJwtConfigBuilder {
    AuthJwtConfig::builder().secret_key(SECRET).clock(clock)
}

/// The default configuration with [`SECRET`] at [`NOW`].
pub fn config() -> AuthJwtConfig {
    builder().build().expect("the test configuration is valid")
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).expect("the fixture exists")
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes one segment of a token without verifying anything (lenient about nothing: the
/// segments under test here are authjwt's or the original's, both canonical).
pub fn b64_decode(segment: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .expect("the segment is base64url")
}

/// HMAC-signs `header_segment.payload_segment` exactly as given, so the segments may be
/// malformed in ways a JWT library would refuse to produce.
pub fn sign_segments_with(
    algorithm: hmac::Algorithm,
    secret: &[u8],
    header_segment: &str,
    payload_segment: &str,
) -> String {
    let signing_input = format!("{header_segment}.{payload_segment}");
    let key = hmac::Key::new(algorithm, secret);
    let tag = hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", b64(tag.as_ref()))
}

/// The test kit on [`config`]'s key: HS256 with [`SECRET`].
pub fn test_tokens() -> TestTokens {
    TestTokens::new(&config())
}

/// A token over these exact segments, HS256-signed with [`SECRET`].
pub fn sign_segments(header_segment: &str, payload_segment: &str) -> String {
    test_tokens()
        .with_segments(header_segment, payload_segment)
        .expect("HS256 signs")
}

/// A token with this exact header and payload text, HS256-signed with [`SECRET`].
pub fn hs256(header_json: &str, payload_json: &str) -> String {
    test_tokens()
        .with_parts(header_json, payload_json)
        .expect("HS256 signs")
}

/// A token with authjwt's HS256 header and this exact payload text.
pub fn hs256_claims(payload_json: &str) -> String {
    hs256(HS256_HEADER, payload_json)
}

/// The segments of a compact token.
pub fn segments(token: &str) -> Vec<&str> {
    token.split('.').collect()
}

/// The header JSON text of a token, unverified.
pub fn header_text(token: &str) -> String {
    String::from_utf8(b64_decode(segments(token)[0])).expect("the header is UTF-8")
}

/// The payload JSON text of a token, unverified.
pub fn payload_text(token: &str) -> String {
    String::from_utf8(b64_decode(segments(token)[1])).expect("the payload is UTF-8")
}

/// The payload of a token as JSON, unverified.
pub fn payload_json(token: &str) -> serde_json::Value {
    serde_json::from_str(&payload_text(token)).expect("the payload is JSON")
}

/// The member names of a JSON object text, in the order written.
pub fn member_names(json: &str) -> Vec<String> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(json).expect("a JSON object");
    object.keys().cloned().collect()
}

/// The status code and message of the error a failing call returned.
pub fn failure<T: Debug>(result: Result<T, AuthJwtError>) -> (u16, String) {
    let err = result.expect_err("the call should fail");
    (err.status_code(), err.message())
}

/// Whether `text` is a random UUID in Python's `str(uuid4())` form: lower-case hex, version
/// nibble 4, RFC 4122 variant.
pub fn is_uuid4(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => *byte == b'-',
            _ => byte.is_ascii_digit() || (b'a'..=b'f').contains(byte),
        })
        && bytes[14] == b'4'
        && matches!(bytes[19], b'8' | b'9' | b'a' | b'b')
}

/// A revocation store that records every question and every revocation.
#[derive(Debug, Default)]
pub struct RecordingStore {
    revoked: Mutex<HashSet<String>>,
    queries: Mutex<Vec<String>>,
    revocations: Mutex<Vec<(String, Option<Duration>)>>,
}

impl RecordingStore {
    pub fn with_revoked<'a>(jtis: impl IntoIterator<Item = &'a str>) -> Self {
        let store = Self::default();
        store
            .revoked
            .lock()
            .expect("not poisoned")
            .extend(jtis.into_iter().map(str::to_owned));
        store
    }

    /// The `jti`s the pipeline asked about, in order.
    pub fn queries(&self) -> Vec<String> {
        self.queries.lock().expect("not poisoned").clone()
    }

    /// The `(jti, time to live)` pairs revoked, in order.
    pub fn revocations(&self) -> Vec<(String, Option<Duration>)> {
        self.revocations.lock().expect("not poisoned").clone()
    }
}

impl RevocationStore for RecordingStore {
    fn is_revoked<'a>(&'a self, jti: &'a str, _claims: &'a Claims) -> StoreFuture<'a, bool> {
        self.queries
            .lock()
            .expect("not poisoned")
            .push(jti.to_owned());
        Box::pin(std::future::ready(Ok(self
            .revoked
            .lock()
            .expect("not poisoned")
            .contains(jti))))
    }

    fn revoke<'a>(&'a self, jti: &'a str, ttl: Option<Duration>) -> StoreFuture<'a, ()> {
        self.revocations
            .lock()
            .expect("not poisoned")
            .push((jti.to_owned(), ttl));
        self.revoked
            .lock()
            .expect("not poisoned")
            .insert(jti.to_owned());
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Counts calls, for stores built from closures.
#[derive(Debug, Default)]
pub struct CallCounter(AtomicUsize);

impl CallCounter {
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}
