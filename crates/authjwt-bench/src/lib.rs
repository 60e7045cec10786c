//! The set-up shared by authjwt's benchmarks (`cargo bench -p authjwt-bench`): keys,
//! configurations, tokens, the guard call, and the same work done with `jsonwebtoken` 12
//! directly as the baseline.
//!
//! * `benches/micro.rs` times create and verify for each algorithm with criterion, then prints
//!   the ratios authjwt time / jsonwebtoken time ([`summary`]).
//! * `benches/cache_miss.rs` times the HS256 guard on tokens new to the verified-token
//!   cache, with the cache on against off ([`Case::new_token_requests`]).
//! * `benches/alloc.rs` counts the heap allocations of each operation.
//! * `benches/calls.rs` runs each operation a few times for `tools/bench/callgrind.sh`.
//!
//! # What is compared
//!
//! **Verify.** authjwt: the [`JwtRequired`] guard's `from_request_parts` on request parts
//! carrying `Authorization: Bearer <token>` — header parse, signature, claims checks, type,
//! and the denylist lookup in a [`MemoryStore`] holding [`REVOKED_ENTRIES`] unrelated revoked
//! ids. Baseline: `jsonwebtoken::decode` of the same token string into [`BaselineClaims`]
//! (the claims of authjwt's access token) with a `Validation` set like authjwt's: the one
//! algorithm, leeway 0, `validate_nbf`.
//!
//! **Create.** authjwt: `config.access_token(SUBJECT).encode()`, with the key parsed when the
//! configuration was built. Baseline: the same claims (current time, a fresh random `jti`)
//! through `jsonwebtoken::encode` with an `EncodingKey` made once from the same PEM; the
//! crate re-parses the key inside every call.
//!
//! # Running the guard without a runtime
//!
//! The guard is an `async fn`, but with the memory store nothing in it waits: the store
//! answers with a ready future. [`poll_once`] polls the future a single time with
//! [`Waker::noop`] and panics if it is not ready, so the measurement holds the guard's own
//! work and no executor at all (no tokio runtime, no task, no wake-up); a guard that started
//! waiting would fail the benchmark instead of being timed.
//!
//! # Keys
//!
//! Generated at start with aws-lc-rs (RSA 2048, P-256, Ed25519; no openssl), written as PEM
//! and handed to both libraries: PKCS#8 private keys, SPKI public keys.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authjwt::revocation::MemoryStore;
use authjwt::{Algorithm, AuthJwtConfig, Requirement, VerifiedToken};
use authjwt_axum::JwtRequired;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256,
    RSA_PSS_SHA256, RsaEncoding, RsaKeyPair,
};
use axum_core::extract::FromRequestParts;
use http::request::Parts;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub mod summary;

/// The algorithms benchmarked.
pub const ALGORITHMS: [Algorithm; 5] = [
    Algorithm::HS256,
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::EdDSA,
];

/// The algorithms a benchmark program's arguments select: those whose name contains one of
/// the arguments that are not flags (`cargo bench` passes `--bench`), or all of them.
#[must_use]
pub fn selected_algorithms() -> Vec<Algorithm> {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    ALGORITHMS
        .into_iter()
        .filter(|algorithm| {
            filter.is_empty()
                || filter
                    .iter()
                    .any(|f| algorithm.as_str().contains(f.as_str()))
        })
        .collect()
}

/// The tokens' subject.
pub const SUBJECT: &str = "test";

/// Unrelated revoked ids in the memory store, so the lookup hashes into populated shards.
pub const REVOKED_ENTRIES: usize = 1_000;

/// The HMAC secret (48 bytes, above HS256's 32-byte minimum).
const SECRET: &str = "authjwt-bench-secret-0123456789-abcdefghijklmnop";

/// Access token lifetime: long enough for any benchmark run.
const LIFETIME: Duration = Duration::from_secs(3_600);

/// PEM keys for every asymmetric family.
#[derive(Debug, Clone)]
pub struct Keys {
    rsa_private: String,
    rsa_public: String,
    ec_private: String,
    ec_public: String,
    ed_private: String,
    ed_public: String,
}

impl Keys {
    /// Fresh keys: RSA 2048, P-256 and Ed25519, from aws-lc-rs.
    ///
    /// # Panics
    ///
    /// If aws-lc-rs cannot generate or encode a key.
    #[must_use]
    pub fn generate() -> Self {
        let rng = SystemRandom::new();
        let rsa = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        let rsa_private = rsa.as_der().expect("RSA PKCS#8 encoding");
        let rsa_public = rsa.public_key().as_der().expect("RSA SPKI encoding");

        let ec_pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("P-256 key generation");
        let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, ec_pkcs8.as_ref())
            .expect("P-256 PKCS#8 parsing");
        let ec_public = ec.public_key().as_der().expect("P-256 SPKI encoding");

        let ed_pkcs8 = Ed25519KeyPair::generate_pkcs8v1(&rng).expect("Ed25519 key generation");
        let ed = Ed25519KeyPair::from_pkcs8(ed_pkcs8.as_ref()).expect("Ed25519 PKCS#8 parsing");
        let ed_public = ed.public_key().as_der().expect("Ed25519 SPKI encoding");

        Self {
            rsa_private: to_pem("PRIVATE KEY", rsa_private.as_ref()),
            rsa_public: to_pem("PUBLIC KEY", rsa_public.as_ref()),
            ec_private: to_pem("PRIVATE KEY", ec_pkcs8.as_ref()),
            ec_public: to_pem("PUBLIC KEY", ec_public.as_ref()),
            ed_private: to_pem("PRIVATE KEY", ed_pkcs8.as_ref()),
            ed_public: to_pem("PUBLIC KEY", ed_public.as_ref()),
        }
    }

    /// The (private, public) PEM pair for an asymmetric algorithm; `None` for HMAC.
    fn pair(&self, algorithm: Algorithm) -> Option<(&str, &str)> {
        match algorithm {
            Algorithm::RS256 | Algorithm::PS256 => Some((&self.rsa_private, &self.rsa_public)),
            Algorithm::ES256 => Some((&self.ec_private, &self.ec_public)),
            Algorithm::EdDSA => Some((&self.ed_private, &self.ed_public)),
            _ => None,
        }
    }
}

fn to_pem(tag: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(tag, der))
}

/// The claims of authjwt's access token, for the baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineClaims {
    sub: String,
    iat: i64,
    nbf: i64,
    jti: String,
    exp: i64,
    #[serde(rename = "type")]
    token_type: String,
    fresh: bool,
}

impl BaselineClaims {
    /// The claims authjwt writes for a new access token: now, a random `jti`, the lifetime.
    fn issue_now() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
            });
        Self {
            sub: SUBJECT.to_owned(),
            iat: now,
            nbf: now,
            jti: authjwt::create::random_uuid().expect("system randomness"),
            exp: now + i64::try_from(LIFETIME.as_secs()).unwrap_or(i64::MAX),
            token_type: "access".to_owned(),
            fresh: false,
        }
    }

    /// The subject.
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.sub
    }
}

/// `jsonwebtoken`'s keys and settings for one algorithm.
struct Baseline {
    header: Header,
    encoding_key: EncodingKey,
    decoding_key: DecodingKey,
    validation: Validation,
}

impl Baseline {
    fn new(algorithm: Algorithm, keys: &Keys) -> Self {
        use jsonwebtoken::Algorithm as J;
        let (jwt_algorithm, encoding_key, decoding_key) = match (algorithm, keys.pair(algorithm)) {
            (Algorithm::HS256, _) => (
                J::HS256,
                EncodingKey::from_secret(SECRET.as_bytes()),
                DecodingKey::from_secret(SECRET.as_bytes()),
            ),
            (Algorithm::RS256 | Algorithm::PS256, Some((private, public))) => (
                if algorithm == Algorithm::RS256 {
                    J::RS256
                } else {
                    J::PS256
                },
                EncodingKey::from_rsa_pem(private.as_bytes()),
                DecodingKey::from_rsa_pem(public.as_bytes()),
            ),
            (Algorithm::ES256, Some((private, public))) => (
                J::ES256,
                EncodingKey::from_ec_pem(private.as_bytes()),
                DecodingKey::from_ec_pem(public.as_bytes()),
            ),
            (Algorithm::EdDSA, Some((private, public))) => (
                J::EdDSA,
                EncodingKey::from_ed_pem(private.as_bytes()),
                DecodingKey::from_ed_pem(public.as_bytes()),
            ),
            _ => panic!("{algorithm} is not benchmarked"),
        };
        let mut validation = Validation::new(jwt_algorithm);
        validation.leeway = 0;
        validation.validate_nbf = true;
        Self {
            header: Header::new(jwt_algorithm),
            encoding_key: encoding_key.expect("jsonwebtoken encoding key"),
            decoding_key: decoding_key.expect("jsonwebtoken decoding key"),
            validation,
        }
    }
}

/// The signature primitive alone, on a key parsed once: the floor under any token creation.
enum Primitive {
    Hmac(Box<hmac::Key>),
    Rsa(RsaKeyPair, &'static dyn RsaEncoding),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl Primitive {
    fn new(algorithm: Algorithm, keys: &Keys) -> Self {
        let der = || {
            let (private, _) = keys.pair(algorithm).expect("an asymmetric key");
            pem::parse(private).expect("PEM").into_contents()
        };
        match algorithm {
            Algorithm::HS256 => Self::Hmac(Box::new(hmac::Key::new(
                hmac::HMAC_SHA256,
                SECRET.as_bytes(),
            ))),
            Algorithm::RS256 => Self::Rsa(
                RsaKeyPair::from_pkcs8(&der()).expect("RSA key"),
                &RSA_PKCS1_SHA256,
            ),
            Algorithm::PS256 => Self::Rsa(
                RsaKeyPair::from_pkcs8(&der()).expect("RSA key"),
                &RSA_PSS_SHA256,
            ),
            Algorithm::ES256 => Self::Ecdsa(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der())
                    .expect("P-256 key"),
            ),
            Algorithm::EdDSA => {
                Self::Ed25519(Ed25519KeyPair::from_pkcs8(&der()).expect("Ed25519 key"))
            }
            _ => panic!("{algorithm} is not benchmarked"),
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Hmac(key) => hmac::sign(key, message).as_ref().to_vec(),
            Self::Rsa(pair, padding) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(*padding, &SystemRandom::new(), message, &mut signature)
                    .expect("RSA signature");
                signature
            }
            Self::Ecdsa(pair) => pair
                .sign(&SystemRandom::new(), message)
                .expect("ECDSA signature")
                .as_ref()
                .to_vec(),
            Self::Ed25519(pair) => pair.sign(message).as_ref().to_vec(),
        }
    }
}

/// Everything one algorithm's benchmarks need, built once.
pub struct Case {
    algorithm: Algorithm,
    config: AuthJwtConfig,
    /// The same configuration with a verified-token cache, which holds [`Case::token`].
    cached_config: AuthJwtConfig,
    token: String,
    /// The guard takes `&mut Parts`; a `RefCell` lets every operation take `&self` (one flag
    /// check per call).
    parts: RefCell<Parts>,
    baseline: Baseline,
    primitive: Primitive,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Case {
    /// Builds the configuration (denylist on, a memory store of unrelated revoked ids), an
    /// access token, the request parts carrying it and the baseline's keys, then checks that
    /// every operation succeeds and that both libraries accept each other's tokens.
    ///
    /// # Panics
    ///
    /// If any of that fails.
    #[must_use]
    pub fn new(algorithm: Algorithm, keys: &Keys) -> Self {
        let store = Arc::new(MemoryStore::new());
        for _ in 0..REVOKED_ENTRIES {
            store
                .insert(
                    &authjwt::create::random_uuid().expect("system randomness"),
                    Some(LIFETIME),
                )
                .expect("memory store insert");
        }
        let mut builder = AuthJwtConfig::builder()
            .algorithm(algorithm)
            .access_token_expires(Some(LIFETIME))
            .denylist_enabled(true)
            .revocation_store(store);
        builder = match keys.pair(algorithm) {
            Some((private, public)) => builder.private_key(private).public_key(public),
            None => builder.secret_key(SECRET),
        };
        let cached_config = builder
            .clone()
            .verified_token_cache(1024)
            .build()
            .expect("authjwt configuration");
        let config = builder.build().expect("authjwt configuration");
        let (token, parts) = new_token_request(&config);
        let case = Self {
            algorithm,
            config,
            cached_config,
            token,
            parts: RefCell::new(parts),
            baseline: Baseline::new(algorithm, keys),
            primitive: Primitive::new(algorithm, keys),
        };
        case.check();
        case
    }

    fn check(&self) {
        let algorithm = self.algorithm;
        let verified = self.authjwt_verify();
        assert_eq!(
            verified.claims().subject().map(ToString::to_string),
            Some(SUBJECT.to_owned())
        );
        assert_eq!(verified.header().algorithm(), algorithm);
        let core = self.authjwt_verify_core();
        assert_eq!(core.claims().jti(), verified.claims().jti());
        let cached = self.authjwt_verify_cached();
        assert_eq!(cached.claims().json(), verified.claims().json());
        assert_eq!(
            self.baseline_verify().subject(),
            SUBJECT,
            "{algorithm} baseline decode"
        );

        let created = self.authjwt_create();
        let baseline_created = self.baseline_create();
        let decoded = jsonwebtoken::decode::<BaselineClaims>(
            &created,
            &self.baseline.decoding_key,
            &self.baseline.validation,
        )
        .expect("jsonwebtoken accepts authjwt's token");
        assert_eq!(decoded.claims.subject(), SUBJECT);
        let accepted = poll_once(self.config.verify(&baseline_created, Requirement::Access))
            .expect("authjwt accepts jsonwebtoken's token");
        assert_eq!(
            accepted.claims().subject().map(ToString::to_string),
            Some(SUBJECT.to_owned())
        );
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The token the verify benchmarks check (made by authjwt).
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// authjwt's guard path: `JwtRequired::from_request_parts` on the request parts.
    ///
    /// # Panics
    ///
    /// If the token is refused or the guard does not answer at once.
    #[inline(never)]
    pub fn authjwt_verify(&self) -> VerifiedToken {
        guard(&mut self.parts.borrow_mut(), &self.config)
    }

    /// authjwt's guard path with a verified-token cache that already holds the token: the
    /// header, the cache lookup, `nbf`/`exp`, type and the denylist.
    ///
    /// # Panics
    ///
    /// If the token is refused or the guard does not answer at once.
    #[inline(never)]
    pub fn authjwt_verify_cached(&self) -> VerifiedToken {
        guard(&mut self.parts.borrow_mut(), &self.cached_config)
    }

    /// `count` requests, each carrying a new access token that no configuration has seen,
    /// handed out in turn to [`Case::authjwt_verify_distinct`] and
    /// [`Case::authjwt_verify_cache_miss`].
    ///
    /// # Panics
    ///
    /// If signing fails or `count` is zero.
    #[must_use]
    pub fn new_token_requests(&self, count: usize) -> TokenRequests {
        assert!(count > 0, "at least one request");
        let requests = (0..count)
            .map(|_| new_token_request(&self.config).1)
            .collect();
        TokenRequests {
            requests: RefCell::new(requests),
            next: Cell::new(0),
        }
    }

    /// authjwt's guard path, as [`Case::authjwt_verify`], on the next of `requests`: the
    /// reference for [`Case::authjwt_verify_cache_miss`].
    ///
    /// # Panics
    ///
    /// If the token is refused or the guard does not answer at once.
    #[inline(never)]
    pub fn authjwt_verify_distinct(&self, requests: &TokenRequests) -> VerifiedToken {
        requests.with_next(|parts| guard(parts, &self.config))
    }

    /// authjwt's guard path with a verified-token cache, on the next of `requests`: with more
    /// requests than the cache remembers, a token the cache does not hold, so the guard plus
    /// the cache's lookup and its note of the token — what a client sending each token once
    /// costs.
    ///
    /// # Panics
    ///
    /// If the token is refused or the guard does not answer at once.
    #[inline(never)]
    pub fn authjwt_verify_cache_miss(&self, requests: &TokenRequests) -> VerifiedToken {
        requests.with_next(|parts| guard(parts, &self.cached_config))
    }

    /// authjwt's core pipeline alone, without the HTTP layer: `config.verify(token, Access)`.
    ///
    /// # Panics
    ///
    /// If the token is refused.
    #[must_use]
    #[inline(never)]
    pub fn authjwt_verify_core(&self) -> VerifiedToken {
        poll_once(self.config.verify(&self.token, Requirement::Access))
            .expect("authjwt accepts the token")
    }

    /// authjwt's token creation: a new access token for [`SUBJECT`].
    ///
    /// # Panics
    ///
    /// If signing fails.
    #[must_use]
    #[inline(never)]
    pub fn authjwt_create(&self) -> String {
        self.config
            .access_token(SUBJECT)
            .encode()
            .expect("authjwt token")
    }

    /// The baseline verify: `jsonwebtoken::decode` of the same token.
    ///
    /// # Panics
    ///
    /// If jsonwebtoken refuses the token.
    #[must_use]
    #[inline(never)]
    pub fn baseline_verify(&self) -> BaselineClaims {
        jsonwebtoken::decode::<BaselineClaims>(
            &self.token,
            &self.baseline.decoding_key,
            &self.baseline.validation,
        )
        .expect("jsonwebtoken accepts the token")
        .claims
    }

    /// The baseline create: the same claims (now, a random `jti`) through
    /// `jsonwebtoken::encode`.
    ///
    /// # Panics
    ///
    /// If signing fails.
    #[must_use]
    #[inline(never)]
    pub fn baseline_create(&self) -> String {
        jsonwebtoken::encode(
            &self.baseline.header,
            &BaselineClaims::issue_now(),
            &self.baseline.encoding_key,
        )
        .expect("jsonwebtoken token")
    }

    /// The signature primitive alone over the token's signing input, with a key parsed once
    /// (no JSON, no base64): the least any token creation can cost.
    ///
    /// # Panics
    ///
    /// If signing fails.
    #[inline(never)]
    #[must_use]
    pub fn primitive_sign(&self) -> Vec<u8> {
        let signing_input = self
            .token
            .rsplit_once('.')
            .map_or(self.token.as_str(), |(input, _)| input);
        self.primitive.sign(signing_input.as_bytes())
    }
}

/// The `JwtRequired` guard on `parts`, polled once.
#[inline]
fn guard(parts: &mut Parts, config: &AuthJwtConfig) -> VerifiedToken {
    let JwtRequired(verified) = poll_once(JwtRequired::from_request_parts(parts, config))
        .expect("the guard accepts the token");
    verified
}

/// A new access token for [`SUBJECT`] and the request parts carrying it as a bearer token.
fn new_token_request(config: &AuthJwtConfig) -> (String, Parts) {
    let token = config
        .access_token(SUBJECT)
        .encode()
        .expect("authjwt token");
    let (parts, ()) = http::Request::builder()
        .uri("/protected")
        .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(())
        .expect("request")
        .into_parts();
    (token, parts)
}

/// Requests each carrying a different token, made by [`Case::new_token_requests`] and handed
/// out in turn, starting again after the last.
pub struct TokenRequests {
    requests: RefCell<Vec<Parts>>,
    next: Cell<usize>,
}

impl std::fmt::Debug for TokenRequests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequests")
            .field("requests", &self.requests.borrow().len())
            .finish_non_exhaustive()
    }
}

impl TokenRequests {
    fn with_next<T>(&self, f: impl FnOnce(&mut Parts) -> T) -> T {
        let mut requests = self.requests.borrow_mut();
        let index = self.next.get();
        self.next.set((index + 1) % requests.len());
        f(&mut requests[index])
    }
}

/// Polls `future` once with a no-op waker and returns its output.
///
/// # Panics
///
/// If the future is not ready at the first poll: the code measured here never waits.
pub fn poll_once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future waited; the memory store answers at once"),
    }
}
