//! Error responses chosen by configuration: the original's by default, RFC 6750 statuses and
//! challenges, RFC 9457 problem documents, or the application's own shape.

mod common;

use authjwt_axum::authjwt::Algorithm;
use authjwt_axum::{
    AuthJwt, AuthJwtConfig, AuthJwtRejection, ErrorBody, ErrorResponses, ErrorStatuses,
    FreshRequired, JwtRequired,
};
use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use common::{bearer, build, builder, cookie_builder, get_with, post_with};
use serde_json::json;

fn app(config: &AuthJwtConfig, responses: ErrorResponses) -> Router {
    Router::new()
        .route(
            "/protected",
            get(|_: JwtRequired| async { "ok" }).post(|_: JwtRequired| async { "ok" }),
        )
        .route("/fresh", get(|_: FreshRequired| async { "ok" }))
        .route(
            "/public",
            get(|| async { (StatusCode::IM_A_TEAPOT, Json(json!("untouched"))) }),
        )
        .route(
            "/mint",
            get(|auth: AuthJwt| async move {
                Ok::<_, AuthJwtRejection>(
                    auth.access_token("alice")
                        .algorithm(Algorithm::RS256)
                        .encode()?,
                )
            }),
        )
        .layer(responses)
        .with_state(config.clone())
}

async fn get_bearer(app: &Router, uri: &str, token: &str) -> common::Answer {
    get_with(app, uri, &[("Authorization", &bearer(token))]).await
}

#[tokio::test]
async fn the_default_layer_answers_as_the_original() {
    let config = build(builder());
    let app = app(&config, ErrorResponses::new());
    let answer = get_with(&app, "/protected", &[]).await;
    answer.assert_detail(401, "Missing Authorization Header");
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(answer.www_authenticate, None);
    get_bearer(&app, "/protected", "garbage")
        .await
        .assert_detail(422, "Not enough segments");
}

#[tokio::test]
async fn rfc6750_statuses_and_challenges() {
    let config = build(builder());
    let app = app(
        &config,
        ErrorResponses::new().statuses(ErrorStatuses::Rfc6750),
    );
    let challenge = |answer: &common::Answer| answer.www_authenticate.clone();

    let missing = get_with(&app, "/protected", &[]).await;
    missing.assert_detail(401, "Missing Authorization Header");
    assert_eq!(challenge(&missing).as_deref(), Some("Bearer"));

    let malformed = get_with(&app, "/protected", &[("Authorization", "Bearer")]).await;
    malformed.assert_detail(
        400,
        "Bad Authorization header. Expected value 'Bearer <JWT>'",
    );
    assert_eq!(
        challenge(&malformed).as_deref(),
        Some(
            r#"Bearer error="invalid_request", error_description="Bad Authorization header. Expected value 'Bearer <JWT>'""#
        )
    );

    let expired = config
        .access_token("alice")
        .expires(authjwt_axum::ExpiresTime::Seconds(-10))
        .encode()
        .unwrap();
    let answer = get_bearer(&app, "/protected", &expired).await;
    answer.assert_detail(401, "Signature has expired");
    assert_eq!(
        challenge(&answer).as_deref(),
        Some(r#"Bearer error="invalid_token", error_description="Signature has expired""#)
    );

    // A quoted claim name cannot appear quoted inside the quoted description.
    let issuer = build(builder().decode_issuer("urn:ours"));
    let answer = get_bearer(
        &self::app(
            &issuer,
            ErrorResponses::new().statuses(ErrorStatuses::Rfc6750),
        ),
        "/protected",
        &issuer.create_access_token("alice").unwrap(),
    )
    .await;
    answer.assert_detail(401, r#"Token is missing the "iss" claim"#);
    assert_eq!(
        challenge(&answer).as_deref(),
        Some(
            r#"Bearer error="invalid_token", error_description="Token is missing the 'iss' claim""#
        )
    );

    let not_fresh = config.create_access_token("alice").unwrap();
    let answer = get_bearer(&app, "/fresh", &not_fresh).await;
    answer.assert_detail(403, "Fresh token required");
    assert_eq!(
        challenge(&answer).as_deref(),
        Some(r#"Bearer error="insufficient_scope", error_description="Fresh token required""#)
    );

    let refresh = config.create_refresh_token("alice").unwrap();
    get_bearer(&app, "/protected", &refresh)
        .await
        .assert_detail(401, "Only access tokens are allowed");

    // Other responses pass untouched.
    let public = get_with(&app, "/public", &[]).await;
    public.assert(418, &json!("untouched"));
    assert_eq!(public.www_authenticate, None);
}

#[tokio::test]
async fn rfc6750_csrf_failures_are_forbidden_without_a_challenge() {
    let config = build(cookie_builder());
    let app = app(
        &config,
        ErrorResponses::new().statuses(ErrorStatuses::Rfc6750),
    );
    let access = config.create_access_token("alice").unwrap();
    let cookie = format!("access_token_cookie={access}");
    let answer = post_with(&app, "/protected", &[("Cookie", &cookie)]).await;
    answer.assert_detail(403, "Missing CSRF Token");
    assert_eq!(answer.www_authenticate, None);
    post_with(
        &app,
        "/protected",
        &[("Cookie", &cookie), ("X-CSRF-Token", "wrong")],
    )
    .await
    .assert_detail(403, "CSRF double submit tokens do not match");
}

#[tokio::test]
async fn problem_json_bodies() {
    let config = build(builder());
    let app = app(&config, ErrorResponses::new().body(ErrorBody::ProblemJson));
    let answer = get_bearer(&app, "/protected", "garbage").await;
    answer.assert(
        422,
        &json!({
            "type": "about:blank",
            "title": "Unprocessable Entity",
            "status": 422,
            "detail": "Not enough segments",
            "code": "malformed_token",
        }),
    );
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json")
    );

    let both = self::app(
        &config,
        ErrorResponses::new()
            .statuses(ErrorStatuses::Rfc6750)
            .body(ErrorBody::ProblemJson),
    );
    let answer = get_with(&both, "/protected", &[]).await;
    answer.assert(
        401,
        &json!({
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": "Missing Authorization Header",
            "code": "token_missing",
        }),
    );
    assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"));
}

/// Token creation failures reach the same shaping, and never tell the client their cause.
#[tokio::test]
async fn creation_failures_are_shaped_too() {
    let config = build(builder());
    let answer = get_with(
        &app(&config, ErrorResponses::new().body(ErrorBody::ProblemJson)),
        "/mint",
        &[],
    )
    .await;
    answer.assert(
        500,
        &json!({
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "Internal Server Error",
            "code": "token_creation_failed",
        }),
    );
}

/// The issue's new-user exercise: 401 `{"error", "message"}` for every authentication
/// failure, in a few lines.
#[tokio::test]
async fn a_custom_shape_in_a_few_lines() {
    let config = build(builder());
    let custom = ErrorResponses::custom(|failure| {
        let status = if failure.status().is_server_error() {
            failure.status()
        } else {
            StatusCode::UNAUTHORIZED
        };
        let body = json!({ "error": failure.code().as_str(), "message": failure.client_message() });
        (status, Json(body)).into_response()
    });
    let app = app(&config, custom);
    get_with(&app, "/protected", &[]).await.assert(
        401,
        &json!({ "error": "token_missing", "message": "Missing Authorization Header" }),
    );
    get_bearer(&app, "/protected", "garbage").await.assert(
        401,
        &json!({ "error": "malformed_token", "message": "Not enough segments" }),
    );
    get_with(&app, "/mint", &[]).await.assert(
        500,
        &json!({ "error": "token_creation_failed", "message": "Internal Server Error" }),
    );
    get_with(&app, "/public", &[])
        .await
        .assert(418, &json!("untouched"));
}
