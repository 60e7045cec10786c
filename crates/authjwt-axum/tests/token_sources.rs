//! The new token locations: a query parameter and a JSON body member, the configured order,
//! per-route locations, and the location the verified token records.

mod common;

use authjwt_axum::{
    AuthJwtConfig, JwtOptional, JwtRequired, RefreshRequired, RequireJwtLayer, TokenLocation,
    TokenLocations,
};
use axum::body::Body;
use axum::http::Request;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use common::{bearer, build, builder, get_with, json_request, send};
use serde_json::{Value, json};

/// Who the token names and where it was found.
async fn whoami(JwtRequired(token): JwtRequired) -> Json<Value> {
    Json(json!({
        "user": token.claims().subject(),
        "from": token.location().map(TokenLocation::as_str),
    }))
}

fn app(config: &AuthJwtConfig) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .with_state(config.clone())
}

#[tokio::test]
async fn a_token_in_the_query() {
    let config = build(builder().token_location([TokenLocation::Query]));
    let app = app(&config);
    let token = config.create_access_token("alice").unwrap();
    get_with(&app, &format!("/whoami?token={token}"), &[])
        .await
        .assert(200, &json!({ "user": "alice", "from": "query" }));
    // Percent-encoded is the same token.
    let encoded = token.replace('.', "%2E");
    get_with(&app, &format!("/whoami?x=1&token={encoded}"), &[])
        .await
        .assert(200, &json!({ "user": "alice", "from": "query" }));

    get_with(&app, "/whoami", &[])
        .await
        .assert_detail(401, "Missing token query parameter");
    get_with(&app, "/whoami?token=", &[])
        .await
        .assert_detail(401, "Missing token query parameter");
    get_with(&app, "/whoami?token=garbage", &[])
        .await
        .assert_detail(422, "Not enough segments");
    get_with(&app, &format!("/whoami?token={token}&token={token}"), &[])
        .await
        .assert_detail(422, "Bad token query parameter");
    get_with(&app, "/whoami?token=%zz", &[])
        .await
        .assert_detail(422, "Bad token query parameter");
    // A header is not a location here.
    get_with(&app, "/whoami", &[("Authorization", &bearer(&token))])
        .await
        .assert_detail(401, "Missing token query parameter");
}

#[tokio::test]
async fn the_query_parameter_name_is_a_setting() {
    let config = build(
        builder()
            .token_location([TokenLocation::Query])
            .query_token_name("jwt"),
    );
    let token = config.create_access_token("alice").unwrap();
    get_with(&app(&config), &format!("/whoami?jwt={token}"), &[])
        .await
        .assert(200, &json!({ "user": "alice", "from": "query" }));
    get_with(&app(&config), &format!("/whoami?token={token}"), &[])
        .await
        .assert_detail(401, "Missing jwt query parameter");
    let refused = authjwt_axum::AuthJwtConfig::builder()
        .secret_key(common::SECRET)
        .query_token_name("a&b")
        .build()
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "authjwt_query_token_name: not a query parameter name that needs no escaping"
    );
}

#[tokio::test]
async fn the_configured_order_decides_and_the_first_token_found_wins() {
    let config = build(builder().token_location([TokenLocation::Query, TokenLocation::Headers]));
    let app = app(&config);
    let alice = config.create_access_token("alice").unwrap();
    let bob = config.create_access_token("bob").unwrap();
    get_with(
        &app,
        &format!("/whoami?token={alice}"),
        &[("Authorization", &bearer(&bob))],
    )
    .await
    .assert(200, &json!({ "user": "alice", "from": "query" }));
    get_with(&app, "/whoami", &[("Authorization", &bearer(&bob))])
        .await
        .assert(200, &json!({ "user": "bob", "from": "headers" }));
    // No fallback: an invalid token where one is found fails.
    get_with(
        &app,
        "/whoami?token=garbage",
        &[("Authorization", &bearer(&bob))],
    )
    .await
    .assert_detail(422, "Not enough segments");
    // Nothing anywhere: the last location's message.
    get_with(&app, "/whoami", &[])
        .await
        .assert_detail(401, "Missing Authorization Header");

    // Headers stay before cookies, as in the original, whatever the list's order.
    let config = build(builder().token_location([TokenLocation::Cookies, TokenLocation::Headers]));
    let app = Router::new()
        .route("/whoami", get(whoami))
        .with_state(config.clone());
    let cookie = format!("access_token_cookie={alice}");
    get_with(
        &app,
        "/whoami",
        &[("Cookie", &cookie), ("Authorization", &bearer(&bob))],
    )
    .await
    .assert(200, &json!({ "user": "bob", "from": "headers" }));
    get_with(&app, "/whoami", &[("Cookie", &cookie)])
        .await
        .assert(200, &json!({ "user": "alice", "from": "cookies" }));
    get_with(&app, "/whoami", &[])
        .await
        .assert_detail(401, "Missing cookie access_token_cookie");
}

#[tokio::test]
async fn a_route_can_read_its_token_elsewhere() {
    let config = build(builder());
    let app = Router::new()
        .route("/whoami", get(whoami))
        .route(
            "/events",
            get(whoami).route_layer(Extension(TokenLocations::new([TokenLocation::Query]))),
        )
        .with_state(config.clone());
    let token = config.create_access_token("alice").unwrap();
    get_with(&app, &format!("/events?token={token}"), &[])
        .await
        .assert(200, &json!({ "user": "alice", "from": "query" }));
    get_with(&app, &format!("/whoami?token={token}"), &[])
        .await
        .assert_detail(401, "Missing Authorization Header");
    get_with(&app, "/whoami", &[("Authorization", &bearer(&token))])
        .await
        .assert(200, &json!({ "user": "alice", "from": "headers" }));
}

/// The layer reads the JSON body for the token and hands the handler the same body.
#[tokio::test]
async fn a_token_in_a_json_body_behind_the_layer() {
    let config = build(builder().token_location([TokenLocation::Headers, TokenLocation::Json]));
    let app = Router::new()
        .route(
            "/notes",
            post(
                |JwtRequired(token): JwtRequired, Json(body): Json<Value>| async move {
                    Json(json!({
                        "user": token.claims().subject(),
                        "from": token.location().map(TokenLocation::as_str),
                        "note": body["note"],
                    }))
                },
            ),
        )
        .route(
            "/refresh",
            post(|RefreshRequired(token): RefreshRequired| async move {
                Json(json!({ "user": token.claims().subject() }))
            }),
        )
        .route_layer(RequireJwtLayer::optional(&config))
        .with_state(config.clone());
    let access = config.create_access_token("alice").unwrap();
    send(
        &app,
        json_request(
            "/notes",
            &json!({ "access_token": access, "note": "hello" }),
        ),
    )
    .await
    .assert(
        200,
        &json!({ "user": "alice", "from": "json", "note": "hello" }),
    );

    let refresh = config.create_refresh_token("alice").unwrap();
    send(
        &app,
        json_request("/refresh", &json!({ "refresh_token": refresh })),
    )
    .await
    .assert(200, &json!({ "user": "alice" }));
    send(
        &app,
        json_request("/refresh", &json!({ "access_token": access })),
    )
    .await
    .assert_detail(401, "Missing refresh_token in the JSON body");

    send(
        &app,
        json_request("/notes", &json!({ "access_token": 7, "note": "x" })),
    )
    .await
    .assert_detail(422, "Bad access_token in the JSON body. Expected a string");

    // Not JSON: the body is not read for a token.
    let plain = Request::post("/notes")
        .header("content-type", "text/plain")
        .body(Body::from(json!({ "access_token": access }).to_string()))
        .unwrap();
    assert_eq!(send(&app, plain).await.status, 401);
}

#[tokio::test]
async fn the_optional_guard_sees_no_token_in_an_empty_query() {
    let config = build(builder().token_location([TokenLocation::Query]));
    let app = Router::new()
        .route(
            "/maybe",
            get(|JwtOptional(token): JwtOptional| async move {
                Json(json!({ "user": token.and_then(|token| token.claims().subject().cloned()) }))
            }),
        )
        .with_state(config);
    get_with(&app, "/maybe", &[])
        .await
        .assert(200, &json!({ "user": null }));
}

#[tokio::test]
async fn the_layer_can_give_its_routes_their_own_locations() {
    // Configured for headers only; these routes take the token from the JSON body.
    let config = build(builder());
    let app = Router::new()
        .route(
            "/notes",
            post(
                |JwtRequired(token): JwtRequired, Json(body): Json<Value>| async move {
                    Json(json!({
                        "from": token.location().map(TokenLocation::as_str),
                        "note": body["note"],
                    }))
                },
            ),
        )
        .route_layer(RequireJwtLayer::access(&config).locations([TokenLocation::Json]))
        .with_state(config.clone());
    let access = config.create_access_token("alice").unwrap();
    send(
        &app,
        json_request("/notes", &json!({ "access_token": access, "note": "hi" })),
    )
    .await
    .assert(200, &json!({ "from": "json", "note": "hi" }));
    let with_header = Request::post("/notes")
        .header("content-type", "application/json")
        .header("authorization", bearer(&access))
        .body(Body::from(json!({ "note": "hi" }).to_string()))
        .unwrap();
    send(&app, with_header)
        .await
        .assert_detail(401, "Missing access_token in the JSON body");
}
