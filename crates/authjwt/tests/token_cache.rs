//! The verified-token cache (`verified_token_cache`): a token seen again is not decoded again,
//! and every answer is still the one decoding would give — the clock, the issuer, the type,
//! freshness and the revocation store are checked on every hit.
//!
//! The fuzz harness holds the broader property: every corpus token, under every requirement,
//! answers the same with and without a cache (`authjwt-demo/tests/fuzz_corpus.rs`).

mod common;

use std::sync::Arc;
use std::time::Duration;

use authjwt::revocation::MemoryStore;
use authjwt::{AuthJwtConfig, AuthJwtConfigBuilder, AuthJwtError, FixedClock, Requirement};
use common::{NOW, SECRET, builder_with_clock, failure, fixed_clock, hs256_claims};

const ALL_REQUIREMENTS: [Requirement; 4] = [
    Requirement::Access,
    Requirement::OptionalAccess,
    Requirement::Refresh,
    Requirement::FreshAccess,
];

/// Two configurations on one clock and one secret, with and without a cache.
struct Pair {
    cached: AuthJwtConfig,
    uncached: AuthJwtConfig,
    clock: Arc<FixedClock>,
}

impl Pair {
    fn new(configure: impl Fn(AuthJwtConfigBuilder) -> AuthJwtConfigBuilder) -> Self {
        let clock = fixed_clock();
        let builder = configure(builder_with_clock(Arc::clone(&clock)));
        Self {
            cached: builder
                .clone()
                .verified_token_cache(100)
                .build()
                .expect("valid"),
            uncached: builder.build().expect("valid"),
            clock,
        }
    }

    /// Verifies `token` under `requirement` three times with the cache and once without; the
    /// answers must agree. The cache remembers a token the second time it decodes it, so the
    /// third is a hit, and the token stays remembered for the next call.
    async fn answer(&self, token: &str, requirement: Requirement) -> Result<String, (u16, String)> {
        let expected = outcome(self.uncached.verify(token, requirement).await);
        for attempt in ["first", "second", "third"] {
            assert_eq!(
                outcome(self.cached.verify(token, requirement).await),
                expected,
                "{attempt} cached {requirement:?}"
            );
        }
        expected
    }
}

fn outcome(result: Result<authjwt::VerifiedToken, AuthJwtError>) -> Result<String, (u16, String)> {
    result
        .map(|verified| verified.claims().json().to_owned())
        .map_err(|err| (err.status_code(), err.message()))
}

fn refused(status: u16, message: &str) -> Result<String, (u16, String)> {
    Err((status, message.to_owned()))
}

#[tokio::test]
async fn a_remembered_token_still_expires() {
    let pair = Pair::new(|builder| builder.decode_leeway(Duration::from_secs(10)));
    let token = pair
        .cached
        .access_token("alice")
        .expires(Duration::from_secs(60))
        .encode()
        .expect("created");
    assert!(pair.answer(&token, Requirement::Access).await.is_ok());

    // Inside the leeway after exp: still accepted, from the cache.
    pair.clock.set(NOW + 70);
    assert!(pair.answer(&token, Requirement::Access).await.is_ok());
    pair.clock.set(NOW + 71);
    for requirement in ALL_REQUIREMENTS {
        assert_eq!(
            pair.answer(&token, requirement).await,
            refused(422, "Signature has expired")
        );
    }
}

#[tokio::test]
async fn a_remembered_token_is_not_valid_before_its_nbf() {
    let pair = Pair::new(|builder| builder);
    let token = hs256_claims(&format!(
        r#"{{"sub":"alice","jti":"j1","type":"access","nbf":{NOW},"exp":{}}}"#,
        NOW + 600
    ));
    assert!(pair.answer(&token, Requirement::Access).await.is_ok());

    // A clock set back (an NTP step) before nbf refuses the cached token as decoding would.
    pair.clock.set(NOW - 1);
    assert_eq!(
        pair.answer(&token, Requirement::Access).await,
        refused(422, "The token is not yet valid (nbf)")
    );
}

#[tokio::test]
async fn the_issuer_is_checked_on_every_hit_that_requires_it() {
    let pair = Pair::new(|builder| builder.decode_issuer("urn:good"));
    let expires = NOW + 600;
    let wrong = hs256_claims(&format!(
        r#"{{"sub":"a","jti":"j1","type":"access","iss":"urn:bad","exp":{expires}}}"#
    ));
    let missing = hs256_claims(&format!(
        r#"{{"sub":"a","jti":"j2","type":"access","exp":{expires}}}"#
    ));
    let good = hs256_claims(&format!(
        r#"{{"sub":"a","jti":"j3","type":"access","iss":"urn:good","exp":{expires}}}"#
    ));
    for token in [&wrong, &missing, &good] {
        // jwt_optional does not check the issuer: the token is accepted and remembered...
        assert!(
            pair.answer(token, Requirement::OptionalAccess)
                .await
                .is_ok()
        );
    }
    // ...and jwt_required, which checks it, still refuses it.
    assert_eq!(
        pair.answer(&wrong, Requirement::Access).await,
        refused(422, "Invalid issuer")
    );
    assert_eq!(
        pair.answer(&missing, Requirement::FreshAccess).await,
        refused(422, "Token is missing the \"iss\" claim")
    );
    assert!(pair.answer(&good, Requirement::Access).await.is_ok());
}

#[tokio::test]
async fn a_token_revoked_after_it_was_remembered_is_refused() {
    let store = Arc::new(MemoryStore::new());
    let pair = Pair::new(|builder| {
        builder
            .denylist_enabled(true)
            .revocation_store(Arc::clone(&store))
    });
    let token = pair.cached.create_access_token("alice").expect("created");
    assert!(pair.answer(&token, Requirement::Access).await.is_ok());

    pair.cached.revoke_token(&token).await.expect("revoked");
    assert_eq!(
        pair.answer(&token, Requirement::Access).await,
        refused(401, "Token has been revoked")
    );
}

#[tokio::test]
async fn type_and_freshness_are_checked_on_every_hit() {
    let pair = Pair::new(|builder| builder);
    let stale = pair.cached.create_access_token("alice").expect("created");
    let refresh = pair.cached.create_refresh_token("alice").expect("created");
    assert!(pair.answer(&stale, Requirement::Access).await.is_ok());
    assert!(pair.answer(&refresh, Requirement::Refresh).await.is_ok());

    assert_eq!(
        pair.answer(&stale, Requirement::FreshAccess).await,
        refused(401, "Fresh token required")
    );
    assert_eq!(
        pair.answer(&stale, Requirement::Refresh).await,
        refused(422, "Only refresh tokens are allowed")
    );
    assert_eq!(
        pair.answer(&refresh, Requirement::Access).await,
        refused(422, "Only access tokens are allowed")
    );
}

#[tokio::test]
async fn only_the_exact_token_is_served_from_the_cache() {
    let pair = Pair::new(|builder| builder);
    let token = pair.cached.create_access_token("alice").expect("created");
    assert!(pair.answer(&token, Requirement::Access).await.is_ok());

    // The signature's first character carries six bits of the signature; its last one also
    // carries unused bits, and changing those is a padding error, not a new signature.
    let signature_start = token.rfind('.').expect("a compact token") + 1;
    let mut tampered = token.clone().into_bytes();
    tampered[signature_start] = if tampered[signature_start] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let tampered = String::from_utf8(tampered).expect("base64url text");
    assert_eq!(
        pair.answer(&tampered, Requirement::Access).await,
        refused(422, "Signature verification failed")
    );
    for longer in [
        format!("{token}."),
        format!("{token}A"),
        format!(" {token}"),
    ] {
        assert!(pair.answer(&longer, Requirement::Access).await.is_err());
    }
}

#[tokio::test]
async fn a_key_change_is_a_new_configuration_with_an_empty_cache() {
    let first = common::builder()
        .verified_token_cache(10)
        .build()
        .expect("valid");
    let token = first.create_access_token("alice").expect("created");
    assert!(first.verify(&token, Requirement::Access).await.is_ok());

    let rotated = AuthJwtConfig::builder()
        .secret_key(format!("{SECRET}-rotated"))
        .clock(fixed_clock())
        .verified_token_cache(10)
        .build()
        .expect("valid");
    assert_eq!(
        failure(rotated.verify(&token, Requirement::Access).await),
        (422, "Signature verification failed".to_owned())
    );
}

#[tokio::test]
async fn tokens_over_the_size_limit_are_refused_with_or_without_a_cache() {
    let pair = Pair::new(|builder| builder.max_token_size(100));
    let token = pair.cached.create_access_token("alice").expect("created");
    assert!(token.len() > 100);
    for requirement in ALL_REQUIREMENTS {
        assert_eq!(
            pair.answer(&token, requirement).await,
            refused(422, "Token is larger than 100 bytes")
        );
    }
}
