//! The typed guards (`JwtRequired`, `JwtOptional`, `RefreshRequired`, `FreshRequired`), their
//! rejection (`status` + `{"detail"}`, the error in the response extensions), and the
//! error-reshaping middleware documented in the crate root.

mod common;

use std::sync::Arc;

use authjwt_axum::authjwt::revocation::{self, RevocationError};
use authjwt_axum::{
    AuthJwtConfig, AuthJwtError, CsrfError, DecodeError, ExpiresTime, MissingToken,
};
use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use common::{
    Jar, NOW, bearer, both_builder, build, builder, fixed_clock, get_with, guard_app, guard_routes,
    post_with, with_clock,
};
use serde_json::json;

async fn get_bearer(app: &Router, uri: &str, token: &str) -> common::Answer {
    get_with(app, uri, &[("Authorization", &bearer(token))]).await
}

#[tokio::test]
async fn jwt_required_guard() {
    let config = build(builder());
    let app = guard_app(config.clone());

    let answer = get_with(&app, "/jwt-required", &[]).await;
    answer.assert_detail(401, "Missing Authorization Header");
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        answer.error,
        Some(AuthJwtError::MissingToken(MissingToken::Header {
            header_name: "Authorization".to_owned()
        }))
    );

    let access = config.create_access_token("test").unwrap();
    let answer = get_bearer(&app, "/jwt-required", &access).await;
    answer.assert(200, &json!({ "hello": "test" }));
    assert_eq!(answer.error, None);

    let refresh = config.create_refresh_token("test").unwrap();
    get_bearer(&app, "/jwt-required", &refresh)
        .await
        .assert_detail(422, "Only access tokens are allowed");
    get_with(&app, "/jwt-required", &[("Authorization", "Bearer")])
        .await
        .assert_detail(
            422,
            "Bad Authorization header. Expected value 'Bearer <JWT>'",
        );
}

#[tokio::test]
async fn jwt_optional_guard() {
    let clock = fixed_clock();
    let config = build(with_clock(builder(), &clock));
    let app = guard_app(config.clone());

    get_with(&app, "/jwt-optional", &[])
        .await
        .assert(200, &json!({ "hello": null }));
    let access = config.create_access_token(5).unwrap();
    get_bearer(&app, "/jwt-optional", &access)
        .await
        .assert(200, &json!({ "hello": 5 }));
    let refresh = config.create_refresh_token(5).unwrap();
    get_bearer(&app, "/jwt-optional", &refresh)
        .await
        .assert_detail(422, "Only access tokens are allowed");
    clock.set(NOW + 901);
    get_bearer(&app, "/jwt-optional", &access)
        .await
        .assert_detail(422, "Signature has expired");
}

#[tokio::test]
async fn refresh_required_guard() {
    let config = build(builder());
    let app = guard_app(config.clone());
    get_with(&app, "/jwt-refresh", &[])
        .await
        .assert_detail(401, "Missing Authorization Header");
    let access = config.create_access_token("test").unwrap();
    get_bearer(&app, "/jwt-refresh", &access)
        .await
        .assert_detail(422, "Only refresh tokens are allowed");
    let refresh = config.create_refresh_token("test").unwrap();
    get_bearer(&app, "/jwt-refresh", &refresh)
        .await
        .assert(200, &json!({ "hello": "test" }));
}

#[tokio::test]
async fn fresh_required_guard() {
    let config = build(builder());
    let app = guard_app(config.clone());
    get_with(&app, "/jwt-fresh", &[])
        .await
        .assert_detail(401, "Missing Authorization Header");
    let stale = config.create_access_token("test").unwrap();
    get_bearer(&app, "/jwt-fresh", &stale)
        .await
        .assert_detail(401, "Fresh token required");
    let fresh = config.access_token("test").fresh(true).encode().unwrap();
    get_bearer(&app, "/jwt-fresh", &fresh)
        .await
        .assert(200, &json!({ "hello": "test" }));
}

/// The guards read cookies and check CSRF exactly as the protect functions do.
#[tokio::test]
async fn guards_on_the_cookie_path() {
    let config = build(both_builder());
    let mint = common::subject_app(config.clone());
    let mut jar = Jar::new();
    jar.fetch(&mint, "/all-token").await;
    let access_csrf = jar.get("csrf_access_token").unwrap().to_owned();
    let refresh_csrf = jar.get("csrf_refresh_token").unwrap().to_owned();
    let app = guard_app(config);

    for url in ["/jwt-required", "/jwt-optional", "/jwt-fresh"] {
        let answer = jar.post(&app, url, &[]).await;
        answer.assert_detail(401, "Missing CSRF Token");
        assert_eq!(answer.error, Some(AuthJwtError::Csrf(CsrfError::Missing)));
        jar.post(&app, url, &[("X-CSRF-Token", &refresh_csrf)])
            .await
            .assert_detail(401, "CSRF double submit tokens do not match");
        jar.post(&app, url, &[("X-CSRF-Token", &access_csrf)])
            .await
            .assert(200, &json!({ "hello": 1 }));
        jar.send(&app, "GET", url, &[])
            .await
            .assert(200, &json!({ "hello": 1 }));
    }
    jar.post(&app, "/jwt-refresh", &[("X-CSRF-Token", &refresh_csrf)])
        .await
        .assert(200, &json!({ "hello": 1 }));
    Jar::new()
        .post(&app, "/jwt-refresh", &[])
        .await
        .assert_detail(401, "Missing cookie refresh_token_cookie");
}

/// A handler taking `Result<JwtRequired, AuthJwtRejection>` answers failures itself.
#[tokio::test]
async fn handler_can_take_the_rejection() {
    let config = build(builder());
    let app = guard_app(config.clone());
    get_with(&app, "/result", &[]).await.assert(
        418,
        &json!({
            "exception": "MissingTokenError",
            "status": 401,
            "message": "Missing Authorization Header",
        }),
    );
    get_bearer(&app, "/result", "garbage").await.assert(
        418,
        &json!({
            "exception": "InvalidHeaderError",
            "status": 422,
            "message": "Not enough segments",
        }),
    );
    let token = config.create_access_token("test").unwrap();
    get_bearer(&app, "/result", &token)
        .await
        .assert(200, &json!({ "hello": "test" }));
}

/// The crate documentation's middleware: 401 instead of 422 for expired tokens, reading the
/// error from the response extensions; every other answer is left alone.
async fn expired_is_401(mut response: Response) -> Response {
    if let Some(AuthJwtError::Decode(DecodeError::ExpiredSignature)) =
        response.extensions().get::<AuthJwtError>()
    {
        *response.status_mut() = StatusCode::UNAUTHORIZED;
    }
    response
}

#[tokio::test]
async fn error_reshaping_middleware() {
    let clock = fixed_clock();
    let config = build(with_clock(builder(), &clock));
    let app = guard_routes()
        .layer(middleware::map_response(expired_is_401))
        .with_state(config.clone());
    let token = config.access_token("test").fresh(true).encode().unwrap();

    get_bearer(&app, "/jwt-required", &token)
        .await
        .assert(200, &json!({ "hello": "test" }));

    clock.set(NOW + 901);
    for url in ["/jwt-required", "/jwt-optional", "/jwt-fresh"] {
        let answer = get_bearer(&app, url, &token).await;
        answer.assert_detail(401, "Signature has expired");
        assert_eq!(
            answer.error,
            Some(AuthJwtError::Decode(DecodeError::ExpiredSignature))
        );
        assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    }
    get_bearer(&app, "/jwt-required", "garbage")
        .await
        .assert_detail(422, "Not enough segments");
    get_with(&app, "/jwt-required", &[])
        .await
        .assert_detail(401, "Missing Authorization Header");
    let refresh = config
        .refresh_token("test")
        .expires(ExpiresTime::Seconds(10_000))
        .encode()
        .unwrap();
    get_bearer(&app, "/jwt-required", &refresh)
        .await
        .assert_detail(422, "Only access tokens are allowed");
    // A handler's own answer has no error in its extensions, so it is never touched.
    get_bearer(&app, "/result", &token).await.assert(
        418,
        &json!({
            "exception": "JWTDecodeError",
            "status": 422,
            "message": "Signature has expired",
        }),
    );
}

/// The configuration can live in the application's own state (`FromRef`).
#[derive(Clone)]
struct AppState {
    auth: AuthJwtConfig,
    #[allow(dead_code)]
    name: &'static str,
}

impl FromRef<AppState> for AuthJwtConfig {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

#[tokio::test]
async fn guards_with_custom_state() {
    let config = build(builder());
    let app: Router = guard_routes().with_state(AppState {
        auth: config.clone(),
        name: "app",
    });
    let token = config.access_token(9).fresh(true).encode().unwrap();
    for url in ["/jwt-required", "/jwt-optional", "/jwt-fresh"] {
        get_bearer(&app, url, &token)
            .await
            .assert(200, &json!({ "hello": 9 }));
    }
    get_with(&app, "/jwt-required", &[])
        .await
        .assert_detail(401, "Missing Authorization Header");
}

/// A revocation store that cannot answer: 503, never a pass.
#[tokio::test]
async fn guard_with_failing_store() {
    let config = build(builder().denylist_enabled(true).revocation_store(Arc::new(
        revocation::from_async_fn(|_claims| async { Err::<bool, _>(RevocationError::Timeout) }),
    )));
    let app = guard_app(config.clone());
    let token = config.access_token("test").fresh(true).encode().unwrap();
    for url in ["/jwt-required", "/jwt-optional", "/jwt-fresh"] {
        let answer = get_bearer(&app, url, &token).await;
        answer.assert_detail(503, "Token revocation check unavailable");
        assert!(
            matches!(
                &answer.error,
                Some(AuthJwtError::RevocationUnavailable(failure))
                    if matches!(failure.cause(), RevocationError::Timeout)
            ),
            "{answer:?}"
        );
    }
}

/// Failing to create a token is the application's bug: 500 with a generic detail, and no
/// authentication error in the extensions.
#[tokio::test]
async fn token_creation_failure_is_a_500() {
    let app = guard_app(build(builder()));
    let answer = post_with(&app, "/create-bad", &[]).await;
    answer.assert_detail(500, "Internal Server Error");
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(answer.error, None);
}
