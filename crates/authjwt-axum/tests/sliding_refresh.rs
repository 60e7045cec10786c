//! Sliding refresh: an access cookie close to its expiry is replaced on the response, never a
//! revoked, invalid or expired one, and never over a login's or logout's own cookies.

mod common;

use std::sync::Arc;
use std::time::Duration;

use authjwt_axum::authjwt::revocation::MemoryStore;
use authjwt_axum::{AuthJwt, AuthJwtConfig, ExpiresTime, JwtRequired, SlidingRefreshLayer};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use common::{
    NOW, build, claims_of, cookie_builder, csrf_of, fixed_clock, get_with, post_with, with_clock,
};
use serde_json::json;

const THRESHOLD: Duration = Duration::from_secs(300);

fn app(config: &AuthJwtConfig) -> Router {
    Router::new()
        .route(
            "/notes",
            get(|JwtRequired(token): JwtRequired| async move {
                Json(json!({ "user": token.claims().subject() }))
            })
            .post(|JwtRequired(_): JwtRequired| async { Json(json!({ "msg": "added" })) }),
        )
        .route(
            "/logout",
            post(|auth: AuthJwt| async move {
                (auth.unset_jwt_cookies(), Json(json!({ "msg": "bye" })))
            }),
        )
        .route(
            "/fails",
            get(|| async { (StatusCode::BAD_REQUEST, Json(json!({ "detail": "no" }))) }),
        )
        .layer(SlidingRefreshLayer::new(config, THRESHOLD))
        .with_state(config.clone())
}

fn cookie_header(token: &str) -> String {
    format!("access_token_cookie={token}")
}

#[tokio::test]
async fn a_cookie_close_to_expiry_is_renewed_with_its_claims_and_csrf() {
    let clock = fixed_clock();
    let store = Arc::new(MemoryStore::new());
    let config = build(
        with_clock(cookie_builder(), &clock)
            .decode_audience(["billing"])
            .denylist_enabled(true)
            .revocation_store(Arc::clone(&store)),
    );
    let app = app(&config);
    let old = config
        .access_token("alice")
        .fresh(true)
        .audience("billing")
        .claim("role", "admin")
        .expires(ExpiresTime::Seconds(600))
        .encode()
        .unwrap();

    // Ten minutes left: nothing to do.
    let answer = get_with(&app, "/notes", &[("Cookie", &cookie_header(&old))]).await;
    answer.assert(200, &json!({ "user": "alice" }));
    assert!(answer.cookies.is_empty());

    // Four minutes left: renewed.
    clock.set(NOW + 360);
    let answer = get_with(&app, "/notes", &[("Cookie", &cookie_header(&old))]).await;
    answer.assert(200, &json!({ "user": "alice" }));
    assert_eq!(
        answer.cookie_names(),
        ["access_token_cookie", "csrf_access_token"]
    );
    let renewed = answer.cookie("access_token_cookie").value.clone();
    assert_ne!(renewed, old);
    let claims = claims_of(&config, &renewed);
    assert_eq!(claims["sub"], json!("alice"));
    assert_eq!(claims["role"], json!("admin"));
    assert_eq!(claims["aud"], json!("billing"));
    assert_eq!(
        claims["fresh"],
        json!(false),
        "a renewed token is never fresh"
    );
    assert_eq!(claims["exp"], json!(NOW + 360 + 900));
    assert_eq!(
        answer.cookie("csrf_access_token").value,
        csrf_of(&config, &renewed)
    );
    answer
        .cookie("access_token_cookie")
        .assert_attributes(&[("httponly", ""), ("path", "/")]);

    // A revoked token is not renewed.
    config.revoke_token(&old).await.unwrap();
    let answer = get_with(&app, "/notes", &[("Cookie", &cookie_header(&old))]).await;
    answer.assert_detail(401, "Token has been revoked");
    assert!(answer.cookies.is_empty());
}

#[tokio::test]
async fn nothing_is_renewed_for_invalid_tokens_errors_or_responses_that_set_cookies() {
    let clock = fixed_clock();
    let config = build(with_clock(cookie_builder(), &clock));
    let app = app(&config);
    let near_expiry = config
        .access_token("alice")
        .expires(ExpiresTime::Seconds(60))
        .encode()
        .unwrap();
    let cookie = cookie_header(&near_expiry);

    // A POST without its CSRF value is refused, and not renewed.
    let answer = post_with(&app, "/notes", &[("Cookie", &cookie)]).await;
    answer.assert_detail(401, "Missing CSRF Token");
    assert!(answer.cookies.is_empty());
    // With it: renewed.
    let csrf = csrf_of(&config, &near_expiry);
    let answer = post_with(
        &app,
        "/notes",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
    )
    .await;
    answer.assert(200, &json!({ "msg": "added" }));
    assert_eq!(
        answer.cookie_names(),
        ["access_token_cookie", "csrf_access_token"]
    );

    // An error response keeps its own answer.
    let answer = get_with(&app, "/fails", &[("Cookie", &cookie)]).await;
    answer.assert_detail(400, "no");
    assert!(answer.cookies.is_empty());

    // A logout's deletion cookies are not overridden.
    let answer = post_with(
        &app,
        "/logout",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
    )
    .await;
    answer.assert(200, &json!({ "msg": "bye" }));
    assert!(answer.cookie("access_token_cookie").is_deletion());

    // Expired, or not a token: nothing.
    clock.set(NOW + 61);
    let answer = get_with(&app, "/notes", &[("Cookie", &cookie)]).await;
    answer.assert_detail(422, "Signature has expired");
    assert!(answer.cookies.is_empty());
    let answer = get_with(&app, "/notes", &[("Cookie", "access_token_cookie=garbage")]).await;
    assert!(answer.cookies.is_empty());

    // A token without `exp` never needs renewing.
    let forever = config
        .access_token("alice")
        .expires(ExpiresTime::Never)
        .encode()
        .unwrap();
    let answer = get_with(&app, "/notes", &[("Cookie", &cookie_header(&forever))]).await;
    answer.assert(200, &json!({ "user": "alice" }));
    assert!(answer.cookies.is_empty());
}

/// With sessions on, the renewed token stays in its session, and a token of a session that
/// was ended is not renewed.
#[tokio::test]
async fn a_renewed_cookie_keeps_its_session() {
    let clock = fixed_clock();
    let config = build(
        with_clock(cookie_builder(), &clock)
            .sessions_enabled(true)
            .session_store(authjwt_axum::session::MemorySessionStore::new()),
    );
    let app = app(&config);
    let session = config
        .start_session("alice", authjwt_axum::JsonObject::new())
        .await
        .unwrap();
    clock.set(NOW + 700);
    let answer = get_with(
        &app,
        "/notes",
        &[("Cookie", &cookie_header(&session.access_token))],
    )
    .await;
    answer.assert(200, &json!({ "user": "alice" }));
    let renewed = answer.cookie("access_token_cookie").value.clone();
    assert_eq!(claims_of(&config, &renewed)["sid"], json!(session.sid));

    config
        .revoke_session(&"alice".into(), &session.sid)
        .await
        .unwrap();
    let answer = get_with(&app, "/notes", &[("Cookie", &cookie_header(&renewed))]).await;
    answer.assert_detail(401, "Token has been revoked");
    assert!(answer.cookies.is_empty());
}
