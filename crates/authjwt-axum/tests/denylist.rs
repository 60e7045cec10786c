//! The original's `tests/test_denylist.py` (a callback over a set of revoked `jti`s), the
//! denylist probes of spec §10 (`authjwt_denylist_token_checks`, order against the type
//! check), the in-memory store with the revoke helpers, and a failing store (503).

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use authjwt_axum::authjwt::revocation::{self, MemoryStore, RevocationError};
use authjwt_axum::{AuthJwtConfig, TokenType};
use axum::Router;
use common::{bearer, build, builder, get_with, signed, subject_app, world_app};
use serde_json::json;

/// The original's set of revoked ids and its callback, `jti in denylist`, recording the
/// types of the tokens it was asked about.
#[derive(Clone, Default)]
struct Denylist {
    revoked: Arc<Mutex<HashSet<String>>>,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Denylist {
    fn config(&self, checks: &[TokenType]) -> AuthJwtConfig {
        let this = self.clone();
        build(
            builder()
                .denylist_enabled(true)
                .denylist_token_checks(checks.iter().copied())
                .revocation_store(revocation::from_fn(move |claims| {
                    this.asked.lock().unwrap().push(
                        claims
                            .token_type()
                            .map_or("?", TokenType::as_str)
                            .to_owned(),
                    );
                    claims
                        .jti()
                        .is_some_and(|jti| this.revoked.lock().unwrap().contains(jti))
                })),
        )
    }

    fn revoke(&self, config: &AuthJwtConfig, token: &str) {
        let jti = config
            .decode(token)
            .unwrap()
            .claims()
            .jti()
            .unwrap()
            .to_owned();
        self.revoked.lock().unwrap().insert(jti);
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

const BOTH: [TokenType; 2] = [TokenType::Access, TokenType::Refresh];
const ACCESS_URLS: [&str; 3] = ["/jwt-required", "/jwt-optional", "/fresh-jwt-required"];

struct Setup {
    denylist: Denylist,
    config: AuthJwtConfig,
    app: Router,
    access: String,
    refresh: String,
}

fn setup(checks: &[TokenType]) -> Setup {
    let denylist = Denylist::default();
    let config = denylist.config(checks);
    let app = world_app(config.clone());
    let access = config.access_token("test").fresh(true).encode().unwrap();
    let refresh = config.create_refresh_token("test").unwrap();
    Setup {
        denylist,
        config,
        app,
        access,
        refresh,
    }
}

async fn get_bearer(app: &Router, uri: &str, token: &str) -> common::Answer {
    get_with(app, uri, &[("Authorization", &bearer(token))]).await
}

#[tokio::test]
async fn non_denylisted_access_token() {
    let s = setup(&BOTH);
    for url in ACCESS_URLS {
        get_bearer(&s.app, url, &s.access)
            .await
            .assert(200, &json!({ "hello": "world" }));
    }
    assert_eq!(s.denylist.asked(), ["access", "access", "access"]);
}

#[tokio::test]
async fn non_denylisted_refresh_token() {
    let s = setup(&BOTH);
    get_bearer(&s.app, "/jwt-refresh-required", &s.refresh)
        .await
        .assert(200, &json!({ "hello": "world" }));
    assert_eq!(s.denylist.asked(), ["refresh"]);
}

#[tokio::test]
async fn denylisted_access_token() {
    let s = setup(&BOTH);
    s.denylist.revoke(&s.config, &s.access);
    for url in ACCESS_URLS {
        get_bearer(&s.app, url, &s.access)
            .await
            .assert_detail(401, "Token has been revoked");
    }
    // Another access token is not affected.
    let other = s.config.access_token("test").fresh(true).encode().unwrap();
    get_bearer(&s.app, "/fresh-jwt-required", &other)
        .await
        .assert(200, &json!({ "hello": "world" }));
}

#[tokio::test]
async fn denylisted_refresh_token() {
    let s = setup(&BOTH);
    s.denylist.revoke(&s.config, &s.refresh);
    get_bearer(&s.app, "/jwt-refresh-required", &s.refresh)
        .await
        .assert_detail(401, "Token has been revoked");
}

/// The denylist runs before the type check: a revoked token sent to the other type's route
/// is "revoked", not the type error.
#[tokio::test]
async fn denylist_runs_before_the_type_check() {
    let s = setup(&BOTH);
    s.denylist.revoke(&s.config, &s.access);
    s.denylist.revoke(&s.config, &s.refresh);
    get_bearer(&s.app, "/jwt-refresh-required", &s.access)
        .await
        .assert_detail(401, "Token has been revoked");
    get_bearer(&s.app, "/jwt-required", &s.refresh)
        .await
        .assert_detail(401, "Token has been revoked");
}

/// `authjwt_denylist_token_checks = ["access"]`: refresh tokens are never passed to the
/// store, so a listed refresh token passes its route and fails elsewhere on its type.
#[tokio::test]
async fn only_access_tokens_checked() {
    let s = setup(&[TokenType::Access]);
    s.denylist.revoke(&s.config, &s.refresh);

    get_bearer(&s.app, "/jwt-refresh-required", &s.refresh)
        .await
        .assert(200, &json!({ "hello": "world" }));
    get_bearer(&s.app, "/jwt-required", &s.refresh)
        .await
        .assert_detail(422, "Only access tokens are allowed");
    assert!(s.denylist.asked().is_empty(), "{:?}", s.denylist.asked());

    s.denylist.revoke(&s.config, &s.access);
    get_bearer(&s.app, "/jwt-refresh-required", &s.access)
        .await
        .assert_detail(401, "Token has been revoked");
    assert_eq!(s.denylist.asked(), ["access"]);
}

/// `authjwt_denylist_token_checks = ["refresh"]`: revoked access tokens pass.
#[tokio::test]
async fn only_refresh_tokens_checked() {
    let s = setup(&[TokenType::Refresh]);
    s.denylist.revoke(&s.config, &s.access);
    s.denylist.revoke(&s.config, &s.refresh);
    get_bearer(&s.app, "/jwt-required", &s.access)
        .await
        .assert(200, &json!({ "hello": "world" }));
    get_bearer(&s.app, "/jwt-refresh-required", &s.refresh)
        .await
        .assert_detail(401, "Token has been revoked");
    assert_eq!(s.denylist.asked(), ["refresh"]);
}

/// With the denylist disabled the store is never asked.
#[tokio::test]
async fn disabled_denylist_is_not_consulted() {
    let denylist = Denylist::default();
    let store_denylist = denylist.clone();
    let config = build(builder().revocation_store(revocation::from_fn(move |_| {
        store_denylist
            .asked
            .lock()
            .unwrap()
            .push("asked".to_owned());
        true
    })));
    let app = world_app(config.clone());
    let token = config.create_access_token("test").unwrap();
    get_bearer(&app, "/jwt-required", &token)
        .await
        .assert(200, &json!({ "hello": "world" }));
    assert!(denylist.asked().is_empty());
}

/// The store is asked only about tokens that passed every other check, and never when
/// there is no token.
#[tokio::test]
async fn store_is_asked_only_about_valid_tokens() {
    let s = setup(&BOTH);
    get_with(&s.app, "/jwt-optional", &[])
        .await
        .assert(200, &json!({ "hello": "anonym" }));
    get_bearer(&s.app, "/jwt-required", "garbage")
        .await
        .assert_detail(422, "Not enough segments");
    let foreign = build(builder().secret_key("another-secret-of-at-least-32-bytes-long!"))
        .create_access_token("test")
        .unwrap();
    get_bearer(&s.app, "/jwt-required", &foreign)
        .await
        .assert_detail(422, "Signature verification failed");
    assert!(s.denylist.asked().is_empty());
}

/// A token without `jti` cannot be looked up: 422 (the original's callback raised a
/// `KeyError`, a 500).
#[tokio::test]
async fn token_without_jti() {
    let s = setup(&BOTH);
    let token = signed(&json!({ "sub": "test", "type": "access", "fresh": true }));
    get_bearer(&s.app, "/jwt-required", &token)
        .await
        .assert_detail(422, "Token is missing the \"jti\" claim");
}

/// The in-memory store with the revoke helpers.
#[tokio::test]
async fn memory_store_and_revoke_helpers() {
    let store = Arc::new(MemoryStore::new());
    let config = build(
        builder()
            .token_location([authjwt_axum::TokenLocation::Headers])
            .denylist_enabled(true)
            .revocation_store(Arc::clone(&store)),
    );
    let app = subject_app(config.clone());
    let access = config.access_token(1).fresh(true).encode().unwrap();
    let refresh = config.create_refresh_token(1).unwrap();

    // `revoke()` revokes the token the protect function verified.
    get_bearer(&app, "/revoke-access", &access)
        .await
        .assert(200, &json!({ "detail": "Access token has been revoke" }));
    assert_eq!(store.len(), 1);
    get_bearer(&app, "/jwt-required", &access)
        .await
        .assert_detail(401, "Token has been revoked");
    get_bearer(&app, "/revoke-access", &access)
        .await
        .assert_detail(401, "Token has been revoked");

    // `revoke_with_access` revokes the refresh token and the access token sent with it.
    let access = config.access_token(1).fresh(true).encode().unwrap();
    get_bearer(&app, &format!("/revoke-session?access={access}"), &refresh)
        .await
        .assert(200, &json!({ "detail": "Session revoked" }));
    assert_eq!(store.len(), 3);
    get_bearer(&app, "/jwt-refresh", &refresh)
        .await
        .assert_detail(401, "Token has been revoked");
    get_bearer(&app, "/jwt-fresh", &access)
        .await
        .assert_detail(401, "Token has been revoked");

    // An invalid access token (a malformed cookie planted by an attacker, say) cannot keep
    // the refresh token alive: it is revoked first, then the access token's failure told.
    let refresh = config.create_refresh_token(1).unwrap();
    get_bearer(&app, "/revoke-session?access=garbage", &refresh)
        .await
        .assert_detail(422, "Not enough segments");
    assert_eq!(store.len(), 4);
    get_bearer(&app, "/jwt-refresh", &refresh)
        .await
        .assert_detail(401, "Token has been revoked");
}

/// A store that cannot answer fails closed with 503, after the token's own checks.
#[tokio::test]
async fn failing_store_answers_503() {
    let config = build(
        builder()
            .denylist_enabled(true)
            .denylist_token_checks([TokenType::Access])
            .revocation_store(revocation::from_async_fn(|_claims| async {
                Err::<bool, _>(RevocationError::Timeout)
            })),
    );
    let app = world_app(config.clone());
    let access = config.access_token("test").fresh(true).encode().unwrap();
    for url in ACCESS_URLS {
        let answer = get_bearer(&app, url, &access).await;
        answer.assert_detail(503, "Token revocation check unavailable");
        assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    }
    get_bearer(&app, "/jwt-required", "garbage")
        .await
        .assert_detail(422, "Not enough segments");
    get_with(&app, "/jwt-optional", &[])
        .await
        .assert(200, &json!({ "hello": "anonym" }));
    // Refresh tokens are not checked here, so the store is not asked.
    let refresh = config.create_refresh_token("test").unwrap();
    get_bearer(&app, "/jwt-refresh-required", &refresh)
        .await
        .assert(200, &json!({ "hello": "world" }));
}

/// A closure store only answers queries: revoking through it is unavailable (503).
#[tokio::test]
async fn read_only_store_cannot_revoke() {
    let config = build(
        builder()
            .denylist_enabled(true)
            .revocation_store(revocation::from_fn(|_| false)),
    );
    let app = world_app(config.clone());
    let access = config.create_access_token("test").unwrap();
    get_bearer(&app, "/revoke-access", &access)
        .await
        .assert_detail(503, "Token revocation check unavailable");
    get_bearer(&app, "/jwt-required", &access)
        .await
        .assert(200, &json!({ "hello": "world" }));
}

/// Revoking a token the denylist never checks would answer success while the token keeps
/// working: the application asked for something its configuration cannot do, a 500 (the
/// reason logged), and the token is not reported revoked.
#[tokio::test]
async fn revoking_what_the_denylist_never_checks_is_a_server_error() {
    let store = Arc::new(MemoryStore::new());
    for config in [
        build(builder().revocation_store(Arc::clone(&store))),
        build(
            builder()
                .denylist_enabled(true)
                .denylist_token_checks([TokenType::Refresh])
                .revocation_store(Arc::clone(&store)),
        ),
    ] {
        let app = world_app(config.clone());
        let access = config.create_access_token("test").unwrap();
        let answer = get_bearer(&app, "/revoke-access", &access).await;
        answer.assert_detail(500, "Internal Server Error");
        assert_eq!(answer.content_type.as_deref(), Some("application/json"));
        assert!(store.is_empty());
        get_bearer(&app, "/jwt-required", &access)
            .await
            .assert(200, &json!({ "hello": "world" }));
    }
}
