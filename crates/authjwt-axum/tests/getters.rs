//! The getters (spec §9), and `test_decode_token.py`'s getter scenarios (`/raw_token`,
//! `get_raw_jwt(token)`, `get_jti(token)`, `get_jwt_subject()`): what they return after each
//! protect function, and what an explicit token is checked for.

mod common;

use std::sync::Arc;

use authjwt_axum::authjwt::revocation::MemoryStore;
use authjwt_axum::{AuthJwtConfig, ExpiresTime};
use axum::Router;
use common::{
    NOW, bearer, build, builder, claims_of, fixed_clock, get_with, getter_app, hs256_token, signed,
    with_clock,
};
use serde_json::{Value, json};

fn app() -> (Router, AuthJwtConfig) {
    let config = build(builder());
    (getter_app(config.clone()), config)
}

async fn get_bearer(app: &Router, uri: &str, token: &str) -> common::Answer {
    get_with(app, uri, &[("Authorization", &bearer(token))]).await
}

/// `test_decode_token.py`'s hand-made token: `jti`, `sub`, `type`, `fresh`; no `exp`, no `iat`.
fn handmade() -> (Value, String) {
    let payload = json!({ "jti": "123", "sub": "test", "type": "access", "fresh": true });
    let token = signed(&payload);
    (payload, token)
}

#[tokio::test]
async fn get_raw_token() {
    let (app, _) = app();
    let (payload, token) = handmade();
    let answer = get_bearer(&app, "/raw_token", &token).await;
    answer.assert(200, &payload);
    // In the token's own member order.
    assert_eq!(answer.body.to_string(), payload.to_string());
}

#[tokio::test]
async fn get_raw_jwt_with_a_token() {
    let (app, _) = app();
    let (payload, token) = handmade();
    get_with(&app, &format!("/decode?token={token}"), &[])
        .await
        .assert(200, &payload);
}

#[tokio::test]
async fn get_jwt_jti() {
    let (app, _) = app();
    let (_, token) = handmade();
    get_with(&app, &format!("/jti-of?token={token}"), &[])
        .await
        .assert(200, &json!("123"));
    get_bearer(&app, "/getters-required", &token).await.assert(
        200,
        &json!({
            "raw": { "jti": "123", "sub": "test", "type": "access", "fresh": true },
            "subject": "test",
            "jti": "123",
            "headers": { "typ": "JWT", "alg": "HS256" },
        }),
    );
}

#[tokio::test]
async fn get_jwt_subject_keeps_its_json_type() {
    let (app, config) = app();
    for subject in [json!("test"), json!(42)] {
        let token = match &subject {
            Value::String(text) => config.access_token(text.as_str()).encode().unwrap(),
            other => config
                .access_token(other.as_i64().unwrap())
                .encode()
                .unwrap(),
        };
        let answer = get_bearer(&app, "/getters-required", &token).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body["subject"], subject);
        assert_eq!(answer.body["raw"]["sub"], subject);
    }
}

/// After each protect function the getters answer for the verified token.
#[tokio::test]
async fn getters_after_each_protect_function() {
    let (app, config) = app();
    let access = config
        .access_token("alice")
        .fresh(true)
        .header("kid", "k1")
        .encode()
        .unwrap();
    let refresh = config.create_refresh_token("alice").unwrap();
    for (url, token) in [
        ("/getters-required", &access),
        ("/getters-optional", &access),
        ("/getters-fresh", &access),
        ("/getters-refresh", &refresh),
    ] {
        let claims = claims_of(&config, token);
        let headers = if url == "/getters-refresh" {
            json!({ "typ": "JWT", "alg": "HS256" })
        } else {
            json!({ "typ": "JWT", "alg": "HS256", "kid": "k1" })
        };
        get_bearer(&app, url, token).await.assert(
            200,
            &json!({
                "raw": claims,
                "subject": "alice",
                "jti": claims["jti"],
                "headers": headers,
            }),
        );
    }
}

/// Without a token (optional), every getter answers `None`.
#[tokio::test]
async fn getters_without_a_token() {
    let (app, config) = app();
    let none = json!({ "raw": null, "subject": null, "jti": null, "headers": null });
    get_with(&app, "/getters-optional", &[])
        .await
        .assert(200, &none);
    // The getters only read a token a protect function verified: without one, a header
    // token is not looked at (the original decoded it in the constructor).
    let token = config.create_access_token("alice").unwrap();
    get_bearer(&app, "/getters-unprotected", &token)
        .await
        .assert(200, &none);
}

/// `get_raw_jwt(token)` and `get_jti(token)` verify the token fully but check neither the
/// issuer, the denylist, nor the type.
#[tokio::test]
async fn explicit_token_skips_issuer_denylist_and_type() {
    let store = Arc::new(MemoryStore::new());
    let config = build(
        builder()
            .decode_issuer("urn:foo")
            .denylist_enabled(true)
            .revocation_store(Arc::clone(&store)),
    );
    let app = getter_app(config.clone());
    let token = config.access_token("test").encode().unwrap();
    let claims = claims_of(&config, &token);

    get_bearer(&app, "/raw_token", &token)
        .await
        .assert_detail(422, "Token is missing the \"iss\" claim");
    get_with(&app, &format!("/decode?token={token}"), &[])
        .await
        .assert(200, &claims);

    config.revoke_token(&token).await.unwrap();
    get_bearer(&app, "/getters-optional", &token)
        .await
        .assert_detail(401, "Token has been revoked");
    get_with(&app, &format!("/decode?token={token}"), &[])
        .await
        .assert(200, &claims);
    get_with(&app, &format!("/jti-of?token={token}"), &[])
        .await
        .assert(200, &claims["jti"]);

    let refresh = config.create_refresh_token("test").unwrap();
    get_with(&app, &format!("/decode?token={refresh}"), &[])
        .await
        .assert(200, &claims_of(&config, &refresh));
}

/// ... but they do check expiry, audience and the signature.
#[tokio::test]
async fn explicit_token_checks_expiry_audience_and_signature() {
    let clock = fixed_clock();
    let config = build(with_clock(builder(), &clock));
    let app = getter_app(config.clone());

    let token = config.create_access_token("test").unwrap();
    clock.set(NOW + 901);
    get_with(&app, &format!("/decode?token={token}"), &[])
        .await
        .assert_detail(422, "Signature has expired");
    get_with(&app, &format!("/jti-of?token={token}"), &[])
        .await
        .assert_detail(422, "Signature has expired");
    clock.set(NOW);

    let with_audience = config
        .access_token("test")
        .audience("foo")
        .encode()
        .unwrap();
    get_with(&app, &format!("/decode?token={with_audience}"), &[])
        .await
        .assert_detail(422, "Invalid audience");
    let audience_config = build(with_clock(
        builder().decode_audience(["foo", "bar"]),
        &clock,
    ));
    let audience_app = getter_app(audience_config.clone());
    get_with(
        &audience_app,
        &format!("/decode?token={with_audience}"),
        &[],
    )
    .await
    .assert(200, &claims_of(&audience_config, &with_audience));
    get_with(&audience_app, &format!("/decode?token={token}"), &[])
        .await
        .assert_detail(422, "Token is missing the \"aud\" claim");

    let foreign = hs256_token(
        "another-secret-of-the-same-length-0123456789abcdef0123456789abcd",
        r#"{"typ":"JWT","alg":"HS256"}"#,
        &json!({ "sub": "test", "type": "access" }).to_string(),
    );
    get_with(&app, &format!("/decode?token={foreign}"), &[])
        .await
        .assert_detail(422, "Signature verification failed");
    get_with(&app, "/decode?token=garbage", &[])
        .await
        .assert_detail(422, "Not enough segments");

    let expiring = config
        .access_token("test")
        .expires(ExpiresTime::Never)
        .encode()
        .unwrap();
    let claims = claims_of(&config, &expiring);
    assert_eq!(claims.get("exp"), None);
    clock.set(NOW + 10_000_000);
    get_with(&app, &format!("/decode?token={expiring}"), &[])
        .await
        .assert(200, &claims);
}

/// `get_unverified_jwt_headers(token)` reads the header without checking the signature;
/// a token whose structure cannot be read is a 422 (the original's error was unwrapped, a
/// 500).
#[tokio::test]
async fn unverified_headers_of_any_token() {
    let (app, config) = app();
    let token = config
        .refresh_token(2)
        .header("refresh", "foo")
        .header("kid", "k2")
        .encode()
        .unwrap();
    get_with(&app, &format!("/headers-of?token={token}"), &[])
        .await
        .assert(
            200,
            &json!({ "typ": "JWT", "alg": "HS256", "refresh": "foo", "kid": "k2" }),
        );

    let foreign = hs256_token(
        "another-secret-of-the-same-length-0123456789abcdef0123456789abcd",
        r#"{"typ":"JWT","alg":"HS256","x":[1,2]}"#,
        "{}",
    );
    get_with(&app, &format!("/headers-of?token={foreign}"), &[])
        .await
        .assert(200, &json!({ "typ": "JWT", "alg": "HS256", "x": [1, 2] }));

    get_with(&app, "/headers-of?token=garbage", &[])
        .await
        .assert_detail(422, "Not enough segments");
    get_with(&app, "/headers-of?token=", &[])
        .await
        .assert_detail(422, "Not enough segments");
}
