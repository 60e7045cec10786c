//! The properties the fuzz targets check, shared by `cargo fuzz` (through `fuzz/src/lib.rs`)
//! and by the stable corpus replay of `crates/authjwt-demo/tests/fuzz_corpus.rs` (through
//! `#[path]`), so both run exactly the same code.
//!
//! Every entry point takes raw bytes and panics when a property is broken:
//!
//! * [`token_parser`]: `unverified_header` and `decode` on any string answer `Ok` or a 422,
//!   with a short message that never echoes the input;
//! * [`verify`]: the whole pipeline (`AuthJwtConfig::verify`, every requirement) under three
//!   configurations that together reach every branch — HMAC, RSA (RS*/PS*), ECDSA P-256 with
//!   issuer and audience, Ed25519, a revocation store — answers `Ok` or a 401/422;
//! * [`request`]: a request to the demo router with arbitrary `Authorization`, `Cookie` and
//!   `X-CSRF-Token` values answers 2xx, or 4xx with a JSON `{"detail": "..."}`; never 5xx.
//!
//! Input formats are line-based so seeds stay readable: [`request`] reads
//! `PATH\nMETHOD\nAUTHORIZATION\nCOOKIE\nCSRF` (missing lines are absent headers).
// Included by two crates with different lint settings; not every item is used by both.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};

use authjwt::{AuthJwtConfig, AuthJwtError, FixedClock, Requirement, TokenLocation, revocation};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The instant every configuration's clock stands at (2023-11-14T22:13:20Z): seeds minted at
/// this time stay valid forever.
pub const NOW: i64 = 1_700_000_000;

/// A 64-byte secret, long enough for HS256, HS384 and HS512.
pub const SECRET: &str = "authjwt-fuzz-secret-0123456789abcdef0123456789abcdef0123456789ab";

/// The `jti` the revocation store of every configuration says is revoked.
pub const REVOKED_JTI: &str = "revoked-jti";

/// The issuer and audience the ECDSA configuration requires.
pub const ISSUER: &str = "https://issuer.example";
pub const AUDIENCE: &str = "authjwt-fuzz";

pub const RSA_PRIVATE: &str = include_str!("../../crates/authjwt/tests/fixtures/rsa_private.pem");
pub const EC256_PRIVATE: &str =
    include_str!("../../crates/authjwt/tests/fixtures/ec256_private.pem");
pub const ED25519_PRIVATE: &str =
    include_str!("../../crates/authjwt/tests/fixtures/ed25519_private.pem");

/// The three configurations every token is verified under.
#[derive(Debug)]
pub struct Configs {
    /// HS256/384/512 with [`SECRET`], RS256/384/512 and PS256/384/512 with the RSA fixture.
    pub rsa: AuthJwtConfig,
    /// HS256 and ES256 (P-256 fixture), requiring [`ISSUER`] and [`AUDIENCE`].
    pub ec: AuthJwtConfig,
    /// HS256 and EdDSA (Ed25519 fixture), cookies only.
    pub ed: AuthJwtConfig,
    /// The same three, in the same order, with a verified-token cache: every answer must be
    /// the uncached one.
    pub cached: [AuthJwtConfig; 3],
}

impl Configs {
    pub fn all(&self) -> [&AuthJwtConfig; 3] {
        [&self.rsa, &self.ec, &self.ed]
    }
}

fn base() -> authjwt::AuthJwtConfigBuilder {
    use authjwt::Clock;
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(NOW));
    AuthJwtConfig::builder()
        .secret_key(SECRET)
        .clock(clock)
        .token_location([TokenLocation::Headers, TokenLocation::Cookies])
        .denylist_enabled(true)
        .revocation_store(revocation::from_fn(|claims| {
            claims.jti() == Some(REVOKED_JTI)
        }))
}

/// The configurations, built once per process.
pub fn configs() -> &'static Configs {
    static CONFIGS: OnceLock<Configs> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        use authjwt::Algorithm::*;
        let build = |builder: authjwt::AuthJwtConfigBuilder| {
            builder
                .build()
                .unwrap_or_else(|err| panic!("the fuzz configuration is valid: {err}"))
        };
        let builders = [
            base().private_key(RSA_PRIVATE).decode_algorithms([
                HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512,
            ]),
            base()
                .private_key(EC256_PRIVATE)
                .decode_algorithms([HS256, ES256])
                .encode_issuer(ISSUER)
                .decode_issuer(ISSUER)
                .decode_audience([AUDIENCE]),
            base()
                .private_key(ED25519_PRIVATE)
                .decode_algorithms([HS256, EdDSA])
                .token_location([TokenLocation::Cookies]),
        ];
        let cached = builders
            .clone()
            .map(|builder| build(builder.verified_token_cache(64)));
        let [rsa, ec, ed] = builders.map(build);
        Configs {
            rsa,
            ec,
            ed,
            cached,
        }
    })
}

/// One demo router per configuration, built once.
fn routers() -> &'static [Router; 3] {
    static ROUTERS: OnceLock<[Router; 3]> = OnceLock::new();
    ROUTERS.get_or_init(|| {
        configs()
            .all()
            .map(|config| authjwt_demo::app(config.clone()))
    })
}

/// Runs a future that never waits on I/O or timers to completion on the current thread.
/// Everything the harness awaits is in memory, so it is ready within a few polls.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("an in-memory future did not complete");
}

/// Every message a refusal may carry under the harness's configurations. Messages are
/// generic: none reflects attacker bytes or parser internals beyond a position.
const MESSAGES: &[&str] = &[
    "Not enough segments",
    "Invalid header padding",
    "Invalid payload padding",
    "Invalid crypto padding",
    "Key ID header parameter must be a string",
    "Token is larger than 8192 bytes",
    "Unsupported header parameter: crit",
    "Unsupported header parameter: b64",
    "Unsupported header parameter: enc",
    "Unsupported header parameter: zip",
    "Unsupported header parameter: cty",
    "The specified alg value is not allowed",
    "Signature verification failed",
    "Issued At claim (iat) must be an integer.",
    "Not Before claim (nbf) must be an integer.",
    "The token is not yet valid (nbf)",
    "Expiration Time claim (exp) must be an integer.",
    "Signature has expired",
    "Token is missing the \"iss\" claim",
    "Token is missing the \"aud\" claim",
    "Token is missing the \"type\" claim",
    "Token is missing the \"jti\" claim",
    "Invalid issuer",
    "Invalid audience",
    "Invalid claim format in token",
    "Subject (sub) must be a string or an integer",
    "JWT ID (jti) must be a string of at most 256 bytes",
    "CSRF claim (csrf) must be a string of at most 256 bytes",
    "Missing claim: csrf",
    "Missing CSRF Token",
    "CSRF double submit tokens do not match",
    "Missing cookie access_token_cookie",
    "Missing cookie refresh_token_cookie",
    "Missing Authorization Header",
    "Bad Authorization header. Expected value 'Bearer <JWT>'",
    "Token has been revoked",
    "Only access tokens are allowed",
    "Only refresh tokens are allowed",
    "Fresh token required",
];

/// What may follow `Invalid header string: ` or `Invalid payload string: `: authjwt's own
/// reasons and serde_json's syntax errors, optionally with ` at line L column C`.
const JSON_DETAILS: &[&str] = &[
    "the header is not valid UTF-8",
    "the payload is not valid UTF-8",
    "must be a json object",
    "duplicate member name",
    "EOF while parsing a list",
    "EOF while parsing a string",
    "EOF while parsing a value",
    "EOF while parsing an object",
    "control character (\\u0000-\\u001F) found while parsing a string",
    "expected `,` or `]`",
    "expected `,` or `}`",
    "expected `:`",
    "expected ident",
    "expected value",
    "invalid escape",
    "invalid number",
    "invalid unicode code point",
    "key must be a string",
    "lone leading surrogate in hex escape",
    "number out of range",
    "recursion limit exceeded",
    "trailing characters",
    "trailing comma",
    "unexpected end of hex escape",
];

/// Whether `message` is one of the generic messages (I11: no reflection of attacker bytes).
pub fn is_known_message(message: &str) -> bool {
    let Some(detail) = message
        .strip_prefix("Invalid header string: ")
        .or_else(|| message.strip_prefix("Invalid payload string: "))
    else {
        return MESSAGES.contains(&message);
    };
    let detail = match detail.split_once(" at line ") {
        Some((detail, position)) => {
            let valid_position = position
                .split_once(" column ")
                .is_some_and(|(line, column)| {
                    !line.is_empty()
                        && !column.is_empty()
                        && line.bytes().all(|b| b.is_ascii_digit())
                        && column.bytes().all(|b| b.is_ascii_digit())
                });
            if !valid_position {
                return false;
            }
            detail
        }
        None => detail,
    };
    JSON_DETAILS.contains(&detail)
}

fn check_error(err: &AuthJwtError, allowed: &[u16]) {
    let status = err.status_code();
    let message = err.message();
    assert!(
        allowed.contains(&status),
        "status {status} ({message:?}) is not one of {allowed:?}"
    );
    assert!(
        is_known_message(&message),
        "an unexpected message: {message:?}"
    );
}

fn check_verified(verified: &authjwt::VerifiedToken) {
    // The lazily built maps are there and readable.
    let _ = verified.claims().as_map().len();
    let _ = verified.header().as_map().len();
    let _ = verified.claims().subject().map(ToString::to_string);
}

/// The token parser: `unverified_header` and `decode` (the getters' path: structure,
/// algorithm, signature, claims), under every configuration.
pub fn token_parser(data: &[u8]) {
    let token = String::from_utf8_lossy(data);
    for config in configs().all() {
        match config.unverified_header(&token) {
            Ok(header) => {
                // A header that parses is a JSON object whose text was a strict UTF-8 object.
                let _ = header.len();
            }
            Err(err) => {
                check_error(&err, &[422]);
                assert!(
                    matches!(err, AuthJwtError::InvalidHeader(_)),
                    "the header stage failed with {err:?}"
                );
            }
        }
        match config.decode(&token) {
            Ok(verified) => check_verified(&verified),
            Err(err) => check_error(&err, &[422]),
        }
    }
}

/// The whole verification path, every requirement, every configuration.
pub fn verify(data: &[u8]) {
    let token = String::from_utf8_lossy(data);
    for (config, cached) in configs().all().into_iter().zip(&configs().cached) {
        for requirement in [
            Requirement::Access,
            Requirement::OptionalAccess,
            Requirement::Refresh,
            Requirement::FreshAccess,
        ] {
            let answer = block_on(config.verify(&token, requirement));
            // The first call may fill the cache, the second is then a hit.
            for _ in 0..2 {
                assert_eq!(
                    outcome(&block_on(cached.verify(&token, requirement))),
                    outcome(&answer),
                    "the verified-token cache changed an answer"
                );
            }
            match answer {
                Ok(verified) => {
                    check_verified(&verified);
                    assert_eq!(
                        verified.claims().token_type(),
                        Some(requirement.token_type()),
                        "a token of the wrong type passed"
                    );
                    assert_ne!(
                        verified.claims().jti(),
                        Some(REVOKED_JTI),
                        "a revoked token passed"
                    );
                }
                // 401: revoked, not fresh. 422: everything else. Never 503 (the store
                // always answers) nor anything else.
                Err(err) => check_error(&err, &[401, 422]),
            }
        }
    }
}

/// The guarded routes of the demo contract and the methods each accepts.
const ROUTES: [(&str, &[&str]); 6] = [
    ("/protected", &["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ("/optional", &["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ("/fresh", &["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ("/refresh", &["GET", "POST"]),
    ("/claims", &["GET"]),
    ("/headers", &["GET"]),
];

/// A request to the demo router built from `PATH\nMETHOD\nAUTHORIZATION\nCOOKIE\nCSRF`.
/// Unknown paths fall back to `/protected`, methods a route does not take to its first;
/// header values HTTP cannot carry (control bytes) are left out, as hyper would refuse them.
/// What a verification answered: the payload it accepted or the error.
fn outcome(result: &Result<authjwt::VerifiedToken, AuthJwtError>) -> Result<&str, &AuthJwtError> {
    result.as_ref().map(|verified| verified.claims().json())
}

pub fn request(data: &[u8]) {
    let mut lines = data.split(|byte| *byte == b'\n');
    let path = lines.next().unwrap_or_default();
    let method = lines.next().unwrap_or_default();
    let (path, methods) = ROUTES
        .iter()
        .find(|(route, _)| route.as_bytes() == path)
        .copied()
        .unwrap_or(ROUTES[0]);
    let method = methods
        .iter()
        .find(|name| name.as_bytes() == method)
        .copied()
        .unwrap_or(methods[0]);
    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET))
        .uri(path);
    for name in ["authorization", "cookie", "x-csrf-token"] {
        let Some(value) = lines.next() else { break };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            builder = builder.header(name, value);
        }
    }
    let request = match builder.body(Body::empty()) {
        Ok(request) => request,
        Err(err) => panic!("the request is well-formed: {err}"),
    };

    for router in routers() {
        let response = match block_on(router.clone().oneshot(request_clone(&request))) {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let body = match block_on(response.into_body().collect()) {
            Ok(collected) => collected.to_bytes(),
            Err(err) => panic!("the body is in memory: {err}"),
        };
        assert!(
            !status.is_server_error(),
            "{method} {path} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        if status.is_client_error() {
            let json: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("a {status} without a JSON body: {body:?}"));
            let detail = json
                .get("detail")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_else(|| panic!("a {status} without a detail: {json}"));
            assert!(
                is_known_message(detail),
                "an unexpected message: {detail:?}"
            );
            assert!(
                matches!(status.as_u16(), 401 | 422),
                "{method} {path} answered {status}: {detail}"
            );
        } else {
            assert!(status.is_success(), "{method} {path} answered {status}");
        }
    }
}

fn request_clone(request: &Request<Body>) -> Request<Body> {
    let mut copy = Request::builder()
        .method(request.method().clone())
        .uri(request.uri().clone());
    for (name, value) in request.headers() {
        copy = copy.header(name, value);
    }
    match copy.body(Body::empty()) {
        Ok(copy) => copy,
        Err(err) => panic!("a copy of a valid request is valid: {err}"),
    }
}
