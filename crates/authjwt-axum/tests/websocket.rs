//! The original's `tests/test_websocket.py` on a real socket (spec §8): token mode
//! (`?token=`) and cookie mode (handshake cookies, `?csrf_token=`). Each route sends one text
//! frame, the error's message or the original's success text, then closes.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use authjwt_axum::authjwt::HttpMethod;
use authjwt_axum::authjwt::revocation::MemoryStore;
use authjwt_axum::{AuthJwtConfig, AuthJwtConfigBuilder};
use axum::Router;
use common::{Jar, bearer, build, builder, claims_of, get_with, serve, ws_app, ws_texts};
use serde_json::{Value, json};

async fn server(config: &AuthJwtConfig) -> (Router, SocketAddr) {
    let app = ws_app(config.clone());
    let address = serve(app.clone()).await;
    (app, address)
}

/// The one text frame a route sends.
async fn frame(address: SocketAddr, path: &str, cookie: Option<&str>) -> String {
    let texts = ws_texts(address, path, cookie).await;
    assert_eq!(texts.len(), 1, "{path}: {texts:?}");
    texts.into_iter().next().unwrap_or_default()
}

/// The one frame of a `/details/` route, as JSON.
async fn details(address: SocketAddr, path: &str, cookie: Option<&str>) -> Value {
    serde_json::from_str(&frame(address, &format!("/details{path}"), cookie).await).unwrap()
}

const SUCCESS: &str = "Successfully Login!";

// ---------------------------------------------------------------------------------------
// Token mode
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn missing_token_websocket() {
    let (_, address) = server(&build(builder())).await;
    for (url, token_type) in [
        ("/jwt-required", "access"),
        ("/jwt-refresh-required", "refresh"),
        ("/fresh-jwt-required", "access"),
    ] {
        assert_eq!(
            frame(address, &format!("{url}?token="), None).await,
            format!("Missing {token_type} token from Query or Path")
        );
    }
}

#[tokio::test]
async fn only_access_token_allowed_websocket() {
    let config = build(builder());
    let (_, address) = server(&config).await;
    let token = config.create_refresh_token("test").unwrap();
    for url in ["/jwt-required", "/jwt-optional", "/fresh-jwt-required"] {
        assert_eq!(
            frame(address, &format!("{url}?token={token}"), None).await,
            "Only access tokens are allowed"
        );
    }
}

#[tokio::test]
async fn jwt_required_websocket() {
    let config = build(builder());
    let (_, address) = server(&config).await;
    let token = config.create_access_token("test").unwrap();
    assert_eq!(
        frame(address, &format!("/jwt-required?token={token}"), None).await,
        SUCCESS
    );
}

#[tokio::test]
async fn jwt_optional_websocket() {
    let config = build(builder());
    let (_, address) = server(&config).await;
    assert_eq!(
        frame(address, "/jwt-optional?token=", None).await,
        "hello anonym"
    );
    let token = config.create_access_token("test").unwrap();
    assert_eq!(
        frame(address, &format!("/jwt-optional?token={token}"), None).await,
        "hello world"
    );
}

#[tokio::test]
async fn refresh_required_websocket() {
    let config = build(builder());
    let (_, address) = server(&config).await;
    let access = config.create_access_token("test").unwrap();
    assert_eq!(
        frame(
            address,
            &format!("/jwt-refresh-required?token={access}"),
            None
        )
        .await,
        "Only refresh tokens are allowed"
    );
    let refresh = config.create_refresh_token("test").unwrap();
    assert_eq!(
        frame(
            address,
            &format!("/jwt-refresh-required?token={refresh}"),
            None
        )
        .await,
        SUCCESS
    );
}

#[tokio::test]
async fn fresh_jwt_required_websocket() {
    let config = build(builder());
    let (_, address) = server(&config).await;
    let stale = config.create_access_token("test").unwrap();
    assert_eq!(
        frame(address, &format!("/fresh-jwt-required?token={stale}"), None).await,
        "Fresh token required"
    );
    let fresh = config.access_token("test").fresh(true).encode().unwrap();
    assert_eq!(
        frame(address, &format!("/fresh-jwt-required?token={fresh}"), None).await,
        SUCCESS
    );
}

/// The missing-token error carries status 1008 (policy violation); returned as an HTTP
/// response it becomes 401.
#[tokio::test]
async fn missing_token_status_is_1008_and_401_over_http() {
    let config = build(builder());
    let (app, address) = server(&config).await;
    assert_eq!(
        details(address, "/jwt-required?token=", None).await,
        json!({ "status": 1008, "detail": "Missing access token from Query or Path" })
    );
    assert_eq!(
        details(address, "/jwt-refresh-required?token=", None).await,
        json!({ "status": 1008, "detail": "Missing refresh token from Query or Path" })
    );
    let answer = get_with(&app, "/http/jwt-required?token=", &[]).await;
    answer.assert_detail(401, "Missing access token from Query or Path");
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    get_with(&app, "/http/jwt-refresh-required?token=", &[])
        .await
        .assert_detail(401, "Missing refresh token from Query or Path");
    // Other failures keep their own status.
    get_with(&app, "/http/jwt-required?token=garbage", &[])
        .await
        .assert_detail(422, "Not enough segments");
}

/// Unlike the original (which left them empty), token mode populates the token, so the
/// no-argument getters work afterwards.
#[tokio::test]
async fn token_mode_populates_the_getters() {
    let config = build(builder());
    let (app, address) = server(&config).await;
    let token = config.access_token("test").fresh(true).encode().unwrap();
    let claims = claims_of(&config, &token);
    let expected = json!({
        "raw": claims,
        "subject": "test",
        "jti": claims["jti"],
        "headers": { "typ": "JWT", "alg": "HS256" },
    });
    for url in ["/jwt-required", "/jwt-optional", "/fresh-jwt-required"] {
        assert_eq!(
            details(address, &format!("{url}?token={token}"), None).await,
            expected
        );
    }
    get_with(&app, &format!("/http/jwt-required?token={token}"), &[])
        .await
        .assert(200, &expected);
    // No token, no claims.
    assert_eq!(
        details(address, "/jwt-optional?token=", None).await,
        json!({ "raw": null, "subject": null, "jti": null, "headers": null })
    );
}

/// The handshake's `Authorization` header is not read in token mode, nor in cookie mode.
#[tokio::test]
async fn handshake_authorization_header_is_ignored() {
    let config = build(builder());
    let (app, _) = server(&config).await;
    let token = config.create_access_token("test").unwrap();
    get_with(
        &app,
        "/http/jwt-required?token=",
        &[("Authorization", &bearer(&token))],
    )
    .await
    .assert_detail(401, "Missing access token from Query or Path");
    get_with(
        &app,
        "/http/jwt-required-cookies?csrf_token=x",
        &[("Authorization", &bearer(&token))],
    )
    .await
    .assert_detail(401, "Missing cookie access_token_cookie");
}

/// Token mode runs the full pipeline: issuer and revocation included.
#[tokio::test]
async fn token_mode_checks_issuer_and_revocation() {
    let store = Arc::new(MemoryStore::new());
    let config = build(
        builder()
            .decode_issuer("urn:foo")
            .denylist_enabled(true)
            .revocation_store(Arc::clone(&store)),
    );
    let (_, address) = server(&config).await;
    let token = config.access_token("test").fresh(true).encode().unwrap();
    assert_eq!(
        frame(address, &format!("/jwt-required?token={token}"), None).await,
        "Token is missing the \"iss\" claim"
    );
    assert_eq!(
        frame(address, &format!("/fresh-jwt-required?token={token}"), None).await,
        "Token is missing the \"iss\" claim"
    );
    assert_eq!(
        frame(address, &format!("/jwt-optional?token={token}"), None).await,
        "hello world"
    );
    config.revoke_token(&token).await.unwrap();
    assert_eq!(
        frame(address, &format!("/jwt-optional?token={token}"), None).await,
        "Token has been revoked"
    );
}

// ---------------------------------------------------------------------------------------
// Cookie mode
// ---------------------------------------------------------------------------------------

const COOKIE_URLS: [&str; 4] = [
    "/jwt-required-cookies",
    "/jwt-refresh-required-cookies",
    "/fresh-jwt-required-cookies",
    "/jwt-optional-cookies",
];

fn success_of(url: &str) -> &'static str {
    if url == "/jwt-optional-cookies" {
        "hello world"
    } else {
        SUCCESS
    }
}

fn cookies(config: AuthJwtConfigBuilder) -> AuthJwtConfig {
    build(config.token_location([authjwt_axum::TokenLocation::Cookies]))
}

/// Under the default (headers) location: cookie mode does not consult it, and the cookie is
/// looked for before the CSRF value.
#[tokio::test]
async fn missing_cookie() {
    let (_, address) = server(&build(builder())).await;
    for (url, key) in [
        ("/jwt-required-cookies", "access_token_cookie"),
        ("/jwt-refresh-required-cookies", "refresh_token_cookie"),
        ("/fresh-jwt-required-cookies", "access_token_cookie"),
    ] {
        assert_eq!(
            frame(address, &format!("{url}?csrf_token="), None).await,
            format!("Missing cookie {key}")
        );
    }
    // Optional: no cookie, no token, whatever the CSRF value.
    assert_eq!(
        frame(address, "/jwt-optional-cookies?csrf_token=", None).await,
        "hello anonym"
    );
}

#[tokio::test]
async fn missing_csrf_token() {
    for url in COOKIE_URLS {
        let (app, address) = server(&cookies(builder())).await;
        let mut jar = Jar::new();
        jar.fetch(&app, "/all-token").await;
        assert_eq!(
            frame(address, &format!("{url}?csrf_token="), Some(&jar.header())).await,
            "Missing CSRF Token"
        );
        jar.fetch(&app, "/unset-all-token").await;
        assert!(jar.is_empty());

        let (app, address) = server(&cookies(builder().cookie_csrf_protect(false))).await;
        jar.fetch(&app, "/all-token").await;
        assert_eq!(
            frame(address, &format!("{url}?csrf_token="), Some(&jar.header())).await,
            success_of(url)
        );
    }
}

#[tokio::test]
async fn missing_claim_csrf_in_token() {
    for url in COOKIE_URLS {
        let (app, _) = server(&cookies(builder().cookie_csrf_protect(false))).await;
        let mut jar = Jar::new();
        jar.fetch(&app, "/all-token").await;

        let (_, address) = server(&cookies(builder())).await;
        assert_eq!(
            frame(
                address,
                &format!("{url}?csrf_token=test"),
                Some(&jar.header())
            )
            .await,
            "Missing claim: csrf"
        );

        let (_, address) = server(&cookies(builder().cookie_csrf_protect(false))).await;
        assert_eq!(
            frame(
                address,
                &format!("{url}?csrf_token=test"),
                Some(&jar.header())
            )
            .await,
            success_of(url)
        );
    }
}

#[tokio::test]
async fn invalid_csrf_double_submit() {
    for url in COOKIE_URLS {
        let (app, address) = server(&cookies(builder())).await;
        let mut jar = Jar::new();
        jar.fetch(&app, "/all-token").await;
        assert_eq!(
            frame(
                address,
                &format!("{url}?csrf_token=test"),
                Some(&jar.header())
            )
            .await,
            "CSRF double submit tokens do not match"
        );

        let (_, address) = server(&cookies(builder().cookie_csrf_protect(false))).await;
        assert_eq!(
            frame(
                address,
                &format!("{url}?csrf_token=test"),
                Some(&jar.header())
            )
            .await,
            success_of(url)
        );
    }
}

#[tokio::test]
async fn valid_access_endpoint_with_csrf() {
    for url in COOKIE_URLS {
        let (app, address) = server(&cookies(builder())).await;
        let mut jar = Jar::new();
        jar.fetch(&app, "/all-token").await;
        let csrf = if url == "/jwt-refresh-required-cookies" {
            jar.get("csrf_refresh_token")
        } else {
            jar.get("csrf_access_token")
        }
        .unwrap()
        .to_owned();
        assert_eq!(
            frame(
                address,
                &format!("{url}?csrf_token={csrf}"),
                Some(&jar.header())
            )
            .await,
            success_of(url)
        );
        // The other token's value does not match.
        let other = if url == "/jwt-refresh-required-cookies" {
            jar.get("csrf_access_token")
        } else {
            jar.get("csrf_refresh_token")
        }
        .unwrap()
        .to_owned();
        assert_eq!(
            frame(
                address,
                &format!("{url}?csrf_token={other}"),
                Some(&jar.header())
            )
            .await,
            "CSRF double submit tokens do not match"
        );
    }
}

/// Cookie mode works whatever `authjwt_token_location` says, and always checks CSRF, whatever
/// `authjwt_csrf_methods` says.
#[tokio::test]
async fn cookie_mode_ignores_location_and_csrf_methods() {
    let minting = cookies(builder());
    let (mint_app, _) = server(&minting).await;
    let mut jar = Jar::new();
    jar.fetch(&mint_app, "/all-token").await;
    let csrf = jar.get("csrf_access_token").unwrap().to_owned();

    // Headers only.
    let (_, address) = server(&build(builder())).await;
    assert_eq!(
        frame(
            address,
            &format!("/jwt-required-cookies?csrf_token={csrf}"),
            Some(&jar.header())
        )
        .await,
        SUCCESS
    );

    // CSRF checked on PUT only: the handshake (a GET) is still checked.
    let (_, address) = server(&cookies(builder().csrf_methods([HttpMethod::Put]))).await;
    assert_eq!(
        frame(
            address,
            "/jwt-required-cookies?csrf_token=",
            Some(&jar.header())
        )
        .await,
        "Missing CSRF Token"
    );
    assert_eq!(
        frame(
            address,
            "/jwt-required-cookies?csrf_token=wrong",
            Some(&jar.header())
        )
        .await,
        "CSRF double submit tokens do not match"
    );
    // An `X-CSRF-Token` header cannot stand in for the query value.
    let (app, _) = server(&cookies(builder())).await;
    get_with(
        &app,
        "/http/jwt-required-cookies?csrf_token=",
        &[("cookie", &jar.header()), ("X-CSRF-Token", &csrf)],
    )
    .await
    .assert_detail(401, "Missing CSRF Token");
}

/// Cookie mode: optional with a cookie but no CSRF value fails; the getters are populated
/// after success.
#[tokio::test]
async fn cookie_mode_optional_and_getters() {
    let config = cookies(builder());
    let (app, address) = server(&config).await;
    let mut jar = Jar::new();
    jar.fetch(&app, "/all-token").await;
    assert_eq!(
        frame(
            address,
            "/jwt-optional-cookies?csrf_token=",
            Some(&jar.header())
        )
        .await,
        "Missing CSRF Token"
    );

    let csrf = jar.get("csrf_access_token").unwrap().to_owned();
    let access = jar.get("access_token_cookie").unwrap().to_owned();
    let claims = claims_of(&config, &access);
    let expected = json!({
        "raw": claims,
        "subject": 1,
        "jti": claims["jti"],
        "headers": { "typ": "JWT", "alg": "HS256" },
    });
    for url in [
        "/jwt-required-cookies",
        "/jwt-optional-cookies",
        "/fresh-jwt-required-cookies",
    ] {
        assert_eq!(
            details(
                address,
                &format!("{url}?csrf_token={csrf}"),
                Some(&jar.header())
            )
            .await,
            expected
        );
    }
    // A garbage cookie fails on decoding before the CSRF comparison.
    let mut garbage = Jar::new();
    garbage.insert("access_token_cookie", "garbage");
    assert_eq!(
        details(
            address,
            "/jwt-required-cookies?csrf_token=wrong",
            Some(&garbage.header())
        )
        .await,
        json!({ "status": 422, "detail": "Not enough segments" })
    );
    assert_eq!(
        details(
            address,
            "/jwt-required-cookies?csrf_token=",
            Some(&garbage.header())
        )
        .await,
        json!({ "status": 401, "detail": "Missing CSRF Token" })
    );
}
