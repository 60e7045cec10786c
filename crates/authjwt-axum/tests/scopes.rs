//! Scopes: the `ScopesRequired` guard and the layer's `scopes`, from the configured claim
//! (a space-separated string or an array), 403 by default and `insufficient_scope` in the
//! RFC 6750 style.

mod common;

use authjwt_axum::{
    AuthJwtConfig, ErrorResponses, ErrorStatuses, JwtRequired, RequireJwtLayer, ScopesRequired,
    scopes,
};
use axum::routing::get;
use axum::{Json, Router};
use common::{bearer, build, builder, get_with};
use serde_json::{Value, json};

scopes!(Admin = ["admin"]);
scopes!(Reports = ["reports:read", "reports:write"]);

async fn admin(ScopesRequired { token, .. }: ScopesRequired<Admin>) -> Json<Value> {
    Json(json!({ "user": token.claims().subject() }))
}

async fn reports(ScopesRequired { token, .. }: ScopesRequired<Reports>) -> Json<Value> {
    Json(json!({ "user": token.claims().subject() }))
}

fn app(config: &AuthJwtConfig) -> Router {
    Router::new()
        .route("/admin", get(admin))
        .route("/reports", get(reports))
        .with_state(config.clone())
}

async fn get_bearer(app: &Router, uri: &str, token: &str) -> common::Answer {
    get_with(app, uri, &[("Authorization", &bearer(token))]).await
}

#[tokio::test]
async fn the_guard_requires_every_scope_of_its_set() {
    let config = build(builder());
    let app = app(&config);
    let token = |scope: Value| {
        config
            .access_token("alice")
            .claim("scope", scope)
            .encode()
            .unwrap()
    };

    get_bearer(&app, "/admin", &token(json!("read admin")))
        .await
        .assert(200, &json!({ "user": "alice" }));
    get_bearer(&app, "/admin", &token(json!(["admin"])))
        .await
        .assert(200, &json!({ "user": "alice" }));
    get_bearer(&app, "/admin", &token(json!("read")))
        .await
        .assert_detail(403, "Missing required scope: admin");
    get_bearer(&app, "/admin", &token(json!("administrator")))
        .await
        .assert_detail(403, "Missing required scope: admin");
    get_bearer(&app, "/admin", &token(json!(7)))
        .await
        .assert_detail(403, "Missing required scope: admin");
    get_bearer(&app, "/reports", &token(json!("reports:read")))
        .await
        .assert_detail(403, "Missing required scope: reports:write");
    get_bearer(
        &app,
        "/reports",
        &token(json!("reports:write reports:read")),
    )
    .await
    .assert(200, &json!({ "user": "alice" }));

    let without = config.create_access_token("bob").unwrap();
    get_bearer(&app, "/admin", &without)
        .await
        .assert_detail(403, "Missing required scope: admin");
    // The token's own checks come first.
    get_with(&app, "/admin", &[])
        .await
        .assert_detail(401, "Missing Authorization Header");
    let refresh = config.create_refresh_token("alice").unwrap();
    get_bearer(&app, "/admin", &refresh)
        .await
        .assert_detail(422, "Only access tokens are allowed");
}

#[tokio::test]
async fn the_scope_claim_is_a_setting() {
    let config = build(builder().scope_claim("permissions"));
    let app = app(&config);
    let token = config
        .access_token("alice")
        .claim("permissions", ["admin"])
        .claim("scope", "nothing")
        .encode()
        .unwrap();
    get_bearer(&app, "/admin", &token)
        .await
        .assert(200, &json!({ "user": "alice" }));
}

#[tokio::test]
async fn the_layer_requires_scopes_for_a_group_of_routes() {
    let config = build(builder());
    let app = Router::new()
        .route(
            "/admin/users",
            get(|JwtRequired(token): JwtRequired| async move {
                Json(json!({ "user": token.claims().subject() }))
            }),
        )
        .route_layer(RequireJwtLayer::access(&config).scopes(["admin"]))
        .with_state(config.clone());
    let admin = config
        .access_token("alice")
        .claim("scope", "admin")
        .encode()
        .unwrap();
    get_bearer(&app, "/admin/users", &admin)
        .await
        .assert(200, &json!({ "user": "alice" }));
    let user = config
        .access_token("bob")
        .claim("scope", "read")
        .encode()
        .unwrap();
    get_bearer(&app, "/admin/users", &user)
        .await
        .assert_detail(403, "Missing required scope: admin");
}

#[tokio::test]
async fn rfc6750_answers_insufficient_scope_with_the_missing_scopes() {
    let config = build(builder());
    let app = app(&config).layer(ErrorResponses::new().statuses(ErrorStatuses::Rfc6750));
    let token = config
        .access_token("alice")
        .claim("scope", "read")
        .encode()
        .unwrap();
    let answer = get_bearer(&app, "/reports", &token).await;
    answer.assert_detail(403, "Missing required scope: reports:read reports:write");
    assert_eq!(
        answer.www_authenticate.as_deref(),
        Some(
            r#"Bearer error="insufficient_scope", error_description="Missing required scope: reports:read reports:write", scope="reports:read reports:write""#
        )
    );
}
