//! Route-level protection with `RequireJwtLayer`: one verification per request, shared with
//! the guards, the `AuthJwt` extractor and `Extension<VerifiedToken>`; `Option<guard>`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use authjwt_axum::authjwt::revocation::{RevocationStore, StoreFuture};
use authjwt_axum::{
    AuthJwt, AuthJwtConfig, AuthJwtRejection, Claims, FreshRequired, JwtOptional, JwtRequired,
    RefreshRequired, RequireJwtLayer, VerifiedToken,
};
use axum::routing::get;
use axum::{Extension, Json, Router};
use common::{bearer, build, builder, get_with};
use serde::Deserialize;
use serde_json::{Value, json};

/// A store that revokes nothing and counts how often it is asked: one question per
/// verification, since the denylist checks every token type.
#[derive(Default)]
struct CountingStore {
    asked: AtomicUsize,
}

impl RevocationStore for CountingStore {
    fn is_revoked<'a>(&'a self, _jti: &'a str, _claims: &'a Claims) -> StoreFuture<'a, bool> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::ready(Ok(false)))
    }
}

fn counted() -> (AuthJwtConfig, Arc<CountingStore>) {
    let store = Arc::new(CountingStore::default());
    let config = build(
        builder()
            .denylist_enabled(true)
            .revocation_store(Arc::clone(&store)),
    );
    (config, store)
}

/// A handler that asks for the token four ways.
async fn everything(
    JwtRequired(guarded): JwtRequired,
    JwtOptional(optional): JwtOptional,
    Extension(extension): Extension<VerifiedToken>,
    mut auth: AuthJwt,
) -> Result<Json<Value>, AuthJwtRejection> {
    let required = auth.jwt_required().await?;
    let jtis = [
        guarded.claims().jti(),
        optional.as_ref().and_then(|token| token.claims().jti()),
        extension.claims().jti(),
        required.claims().jti(),
    ];
    let all_same = jtis.iter().all(|jti| *jti == jtis[0]);
    Ok(Json(
        json!({ "user": required.claims().subject(), "same": all_same }),
    ))
}

async fn get_bearer(app: &Router, uri: &str, token: &str) -> common::Answer {
    get_with(app, uri, &[("Authorization", &bearer(token))]).await
}

#[tokio::test]
async fn behind_the_layer_a_token_is_verified_once() {
    let (config, store) = counted();
    let app = Router::new()
        .route("/everything", get(everything))
        .route_layer(RequireJwtLayer::access(&config))
        .with_state(config.clone());
    let access = config.create_access_token("alice").unwrap();
    get_bearer(&app, "/everything", &access)
        .await
        .assert(200, &json!({ "user": "alice", "same": true }));
    assert_eq!(store.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn without_the_layer_each_extractor_verifies() {
    let (config, store) = counted();
    let app =
        Router::new()
            .route(
                "/everything",
                get(
                    |JwtRequired(a): JwtRequired,
                     JwtOptional(b): JwtOptional,
                     mut auth: AuthJwt| async move {
                        let c = auth.jwt_required().await?;
                        Ok::<_, AuthJwtRejection>(Json(json!([
                            a.claims().subject(),
                            b.is_some(),
                            c.claims().subject()
                        ])))
                    },
                ),
            )
            .with_state(config.clone());
    let access = config.create_access_token("alice").unwrap();
    get_bearer(&app, "/everything", &access)
        .await
        .assert(200, &json!(["alice", true, "alice"]));
    assert_eq!(store.asked.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn the_layer_refuses_before_the_handler_runs() {
    let (config, store) = counted();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = Router::new()
        .route(
            "/protected",
            get(move || async move {
                counter.fetch_add(1, Ordering::SeqCst);
                "ran"
            }),
        )
        .route_layer(RequireJwtLayer::fresh(&config))
        .with_state(config.clone());

    let answer = get_with(&app, "/protected", &[]).await;
    answer.assert_detail(401, "Missing Authorization Header");
    assert!(answer.error.is_some());
    let not_fresh = config.create_access_token("alice").unwrap();
    get_bearer(&app, "/protected", &not_fresh)
        .await
        .assert_detail(401, "Fresh token required");
    let refresh = config.create_refresh_token("alice").unwrap();
    get_bearer(&app, "/protected", &refresh)
        .await
        .assert_detail(422, "Only access tokens are allowed");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(store.asked.load(Ordering::SeqCst), 2);

    // route_layer leaves unmatched paths alone.
    assert_eq!(get_with(&app, "/elsewhere", &[]).await.status, 404);
}

#[tokio::test]
async fn a_guard_the_layer_does_not_cover_verifies_for_itself() {
    let (config, store) = counted();
    let app = Router::new()
        .route(
            "/fresh",
            get(|FreshRequired(token): FreshRequired| async move {
                Json(json!({ "user": token.claims().subject() }))
            }),
        )
        .route(
            "/refresh",
            get(|RefreshRequired(token): RefreshRequired| async move {
                Json(json!({ "user": token.claims().subject() }))
            }),
        )
        .route_layer(RequireJwtLayer::access(&config))
        .with_state(config.clone());
    let not_fresh = config.create_access_token("alice").unwrap();
    get_bearer(&app, "/fresh", &not_fresh)
        .await
        .assert_detail(401, "Fresh token required");
    assert_eq!(
        store.asked.load(Ordering::SeqCst),
        2,
        "the layer, then the guard"
    );
    get_bearer(&app, "/refresh", &not_fresh)
        .await
        .assert_detail(422, "Only refresh tokens are allowed");

    // A fresh layer covers the plain access guard.
    let (config, store) = counted();
    let app = Router::new()
        .route(
            "/protected",
            get(|JwtRequired(token): JwtRequired| async move {
                Json(json!({ "user": token.claims().subject() }))
            }),
        )
        .route_layer(RequireJwtLayer::fresh(&config))
        .with_state(config.clone());
    let fresh = config.access_token("alice").fresh(true).encode().unwrap();
    get_bearer(&app, "/protected", &fresh)
        .await
        .assert(200, &json!({ "user": "alice" }));
    assert_eq!(store.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_optional_layer_lets_anonymous_requests_through() {
    let (config, store) = counted();
    let app = Router::new()
        .route(
            "/optional",
            get(
                |JwtOptional(token): JwtOptional, mut auth: AuthJwt| async move {
                    let again = auth.jwt_optional().await?;
                    Ok::<_, AuthJwtRejection>(Json(json!({
                        "user": token.as_ref().and_then(|token| token.claims().subject()),
                        "again": again.is_some(),
                    })))
                },
            ),
        )
        .route_layer(RequireJwtLayer::optional(&config))
        .with_state(config.clone());
    get_with(&app, "/optional", &[])
        .await
        .assert(200, &json!({ "user": null, "again": false }));
    let access = config.create_access_token("alice").unwrap();
    get_bearer(&app, "/optional", &access)
        .await
        .assert(200, &json!({ "user": "alice", "again": true }));
    assert_eq!(store.asked.load(Ordering::SeqCst), 1);
    get_bearer(&app, "/optional", "garbage")
        .await
        .assert_detail(422, "Not enough segments");
}

#[derive(Deserialize)]
struct MyClaims {
    sub: String,
    role: String,
}

#[tokio::test]
async fn typed_guards_read_the_layers_token_as_the_applications_type() {
    let (config, store) = counted();
    let app = Router::new()
        .route(
            "/me",
            get(|JwtRequired(claims): JwtRequired<MyClaims>| async move {
                Json(json!({ "user": claims.sub, "role": claims.role }))
            }),
        )
        .route_layer(RequireJwtLayer::access(&config))
        .with_state(config.clone());
    let admin = config
        .access_token("alice")
        .claim("role", "admin")
        .encode()
        .unwrap();
    get_bearer(&app, "/me", &admin)
        .await
        .assert(200, &json!({ "user": "alice", "role": "admin" }));
    assert_eq!(store.asked.load(Ordering::SeqCst), 1);
    let without_role = config.create_access_token("bob").unwrap();
    let answer = get_bearer(&app, "/me", &without_role).await;
    answer.assert_detail(
        422,
        "Claims do not fit the expected type: missing field `role`",
    );
    let wrong_type = config
        .access_token("bob")
        .claim("role", 7)
        .encode()
        .unwrap();
    get_bearer(&app, "/me", &wrong_type).await.assert_detail(
        422,
        "Claims do not fit the expected type at role: invalid type: integer `7`, expected a string",
    );
}

#[tokio::test]
async fn an_optional_required_guard_is_none_without_a_token_and_refuses_a_bad_one() {
    let config = build(builder().decode_issuer("urn:ours"));
    let app = Router::new()
        .route(
            "/maybe",
            get(|token: Option<JwtRequired<MyClaims>>| async move {
                Json(json!({ "role": token.map(|JwtRequired(claims)| claims.role) }))
            }),
        )
        .route(
            "/maybe-refresh",
            get(|token: Option<RefreshRequired>| async move {
                Json(json!({ "present": token.is_some() }))
            }),
        )
        .with_state(config.clone());
    get_with(&app, "/maybe", &[])
        .await
        .assert(200, &json!({ "role": null }));
    get_with(&app, "/maybe-refresh", &[])
        .await
        .assert(200, &json!({ "present": false }));
    get_bearer(&app, "/maybe", "garbage")
        .await
        .assert_detail(422, "Not enough segments");
    // Unlike `jwt_optional`, the issuer is checked, as `jwt_required` checks it.
    let issuer = build(builder().encode_issuer("urn:ours"));
    let admin = issuer
        .access_token("alice")
        .claim("role", "admin")
        .encode()
        .unwrap();
    get_bearer(&app, "/maybe", &admin)
        .await
        .assert(200, &json!({ "role": "admin" }));
    let foreign = config
        .access_token("eve")
        .claim("role", "admin")
        .encode()
        .unwrap();
    get_bearer(&app, "/maybe", &foreign)
        .await
        .assert_detail(422, r#"Token is missing the "iss" claim"#);
}
