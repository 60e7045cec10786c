//! CSRF double submit on the cookie path (spec §6.4, §6.5): which check comes first, which
//! methods are checked, where the submitted value comes from.

mod common;

use std::sync::Arc;

use authjwt_axum::authjwt::HttpMethod;
use authjwt_axum::authjwt::revocation::MemoryStore;
use authjwt_axum::{AuthJwtConfig, ExpiresTime};
use axum::Router;
use common::{
    Jar, build, cookie_builder, csrf_of, fixed_clock, request_with_bytes, send, subject_app,
    with_clock,
};
use serde_json::json;

/// A cookie app and a jar holding the four cookies of `/all-token` (fresh access token and
/// refresh token, subject 1).
async fn logged_in(config: &AuthJwtConfig) -> (Router, Jar) {
    let app = subject_app(config.clone());
    let mut jar = Jar::new();
    jar.fetch(&app, "/all-token")
        .await
        .assert(200, &json!({ "msg": "all token" }));
    (app, jar)
}

fn access_csrf(jar: &Jar) -> String {
    jar.get("csrf_access_token").unwrap().to_owned()
}

fn refresh_csrf(jar: &Jar) -> String {
    jar.get("csrf_refresh_token").unwrap().to_owned()
}

/// The cookie is looked for first, then the CSRF header (before any decoding), then the
/// token is verified, and the double-submit comparison comes last.
#[tokio::test]
async fn check_order() {
    let config = build(cookie_builder());
    let app = subject_app(config.clone());
    let mut jar = Jar::new();

    // No cookie, no header: the cookie is missing.
    jar.post(&app, "/jwt-required", &[])
        .await
        .assert_detail(401, "Missing cookie access_token_cookie");
    jar.post(&app, "/jwt-refresh", &[])
        .await
        .assert_detail(401, "Missing cookie refresh_token_cookie");

    // A garbage cookie without header: the header is missing (nothing decoded yet).
    jar.insert("access_token_cookie", "garbage");
    jar.post(&app, "/jwt-required", &[])
        .await
        .assert_detail(401, "Missing CSRF Token");
    // With a wrong header: the decode error comes before the comparison.
    jar.post(&app, "/jwt-required", &[("X-CSRF-Token", "wrong")])
        .await
        .assert_detail(422, "Not enough segments");
    jar.post(&app, "/jwt-optional", &[("X-CSRF-Token", "wrong")])
        .await
        .assert_detail(422, "Not enough segments");
}

/// A refresh token in the access cookie, with its own matching CSRF value: the type check
/// comes before the comparison.
#[tokio::test]
async fn refresh_token_in_the_access_cookie() {
    let config = build(cookie_builder());
    let refresh = config.create_refresh_token(1).unwrap();
    let app = subject_app(config.clone());
    let mut jar = Jar::new();
    jar.insert("access_token_cookie", &refresh);
    let csrf = csrf_of(&config, &refresh);
    for url in ["/jwt-required", "/jwt-optional", "/jwt-fresh"] {
        jar.post(&app, url, &[("X-CSRF-Token", &csrf)])
            .await
            .assert_detail(422, "Only access tokens are allowed");
    }
    // The same for an access token in the refresh cookie.
    let access = config.create_access_token(1).unwrap();
    jar.insert("refresh_token_cookie", &access);
    jar.post(
        &app,
        "/jwt-refresh",
        &[("X-CSRF-Token", &csrf_of(&config, &access))],
    )
    .await
    .assert_detail(422, "Only refresh tokens are allowed");
}

/// Expiry, freshness and revocation all fail before a wrong CSRF value is noticed.
#[tokio::test]
async fn verification_errors_come_before_the_comparison() {
    let clock = fixed_clock();
    let store = Arc::new(MemoryStore::new());
    let config = build(with_clock(
        cookie_builder()
            .denylist_enabled(true)
            .revocation_store(Arc::clone(&store)),
        &clock,
    ));
    let app = subject_app(config.clone());
    let wrong = [("X-CSRF-Token", "wrong")];

    let mut jar = Jar::new();
    let expired = config
        .access_token(1)
        .expires(ExpiresTime::Seconds(-1))
        .encode()
        .unwrap();
    jar.insert("access_token_cookie", &expired);
    jar.post(&app, "/jwt-required", &wrong)
        .await
        .assert_detail(422, "Signature has expired");

    let stale = config.create_access_token(1).unwrap();
    jar.insert("access_token_cookie", &stale);
    jar.post(&app, "/jwt-fresh", &wrong)
        .await
        .assert_detail(401, "Fresh token required");
    jar.post(&app, "/jwt-required", &wrong)
        .await
        .assert_detail(401, "CSRF double submit tokens do not match");

    config.revoke_token(&stale).await.unwrap();
    jar.post(&app, "/jwt-required", &wrong)
        .await
        .assert_detail(401, "Token has been revoked");
}

/// On methods outside `authjwt_csrf_methods` (GET by default) the header is ignored, even
/// when present and wrong; PUT, PATCH and DELETE are checked like POST.
#[tokio::test]
async fn methods_outside_csrf_methods_ignore_the_header() {
    let config = build(cookie_builder());
    let (app, jar) = logged_in(&config).await;
    for url in [
        "/jwt-required",
        "/jwt-optional",
        "/jwt-fresh",
        "/jwt-refresh",
    ] {
        jar.send(&app, "GET", url, &[])
            .await
            .assert(200, &json!({ "hello": 1 }));
        jar.send(&app, "GET", url, &[("X-CSRF-Token", "wrong")])
            .await
            .assert(200, &json!({ "hello": 1 }));
    }
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        jar.send(&app, method, "/jwt-required", &[])
            .await
            .assert_detail(401, "Missing CSRF Token");
        jar.send(&app, method, "/jwt-required", &[("X-CSRF-Token", "wrong")])
            .await
            .assert_detail(401, "CSRF double submit tokens do not match");
        jar.send(
            &app,
            method,
            "/jwt-required",
            &[("X-CSRF-Token", &access_csrf(&jar))],
        )
        .await
        .assert(200, &json!({ "hello": 1 }));
    }
}

/// `authjwt_csrf_methods = ["GET"]`: GET is checked, POST is not.
#[tokio::test]
async fn csrf_methods_get_only() {
    let config = build(cookie_builder().csrf_methods([HttpMethod::Get]));
    let (app, jar) = logged_in(&config).await;
    jar.send(&app, "GET", "/jwt-required", &[])
        .await
        .assert_detail(401, "Missing CSRF Token");
    jar.send(&app, "GET", "/jwt-required", &[("X-CSRF-Token", "wrong")])
        .await
        .assert_detail(401, "CSRF double submit tokens do not match");
    jar.send(
        &app,
        "GET",
        "/jwt-required",
        &[("X-CSRF-Token", &access_csrf(&jar))],
    )
    .await
    .assert(200, &json!({ "hello": 1 }));
    jar.post(&app, "/jwt-required", &[])
        .await
        .assert(200, &json!({ "hello": 1 }));
    jar.post(&app, "/jwt-required", &[("X-CSRF-Token", "wrong")])
        .await
        .assert(200, &json!({ "hello": 1 }));
}

/// axum answers HEAD with a route's GET handler, so HEAD has GET's effects (a refresh route
/// sets cookies either way): with GET in `authjwt_csrf_methods`, HEAD is checked too. Without
/// GET listed, HEAD is not checked, as GET is not.
#[tokio::test]
async fn head_is_checked_as_get() {
    let config = build(cookie_builder().csrf_methods([HttpMethod::Get]));
    let (app, jar) = logged_in(&config).await;
    let guarded = Router::new()
        .route(
            "/refresh-by-get",
            axum::routing::get(|_: authjwt_axum::RefreshRequired| async { "new cookies" }),
        )
        .with_state(config.clone());
    for (router, url) in [(&app, "/jwt-refresh"), (&guarded, "/refresh-by-get")] {
        let answer = jar.send(router, "HEAD", url, &[]).await;
        assert_eq!(answer.status, 401, "{url}");
        assert_eq!(
            answer.error,
            Some(authjwt_axum::AuthJwtError::Csrf(
                authjwt_axum::CsrfError::Missing
            ))
        );
        let answer = jar
            .send(
                router,
                "HEAD",
                url,
                &[("X-CSRF-Token", &refresh_csrf(&jar))],
            )
            .await;
        assert_eq!(answer.status, 200, "{url}");
    }

    let (app, jar) = logged_in(&build(cookie_builder())).await;
    let answer = jar.send(&app, "HEAD", "/jwt-refresh", &[]).await;
    assert_eq!(answer.status, 200);
}

/// Access and refresh CSRF values are not interchangeable.
#[tokio::test]
async fn csrf_values_belong_to_their_token() {
    let config = build(cookie_builder());
    let (app, jar) = logged_in(&config).await;
    jar.post(
        &app,
        "/jwt-required",
        &[("X-CSRF-Token", &refresh_csrf(&jar))],
    )
    .await
    .assert_detail(401, "CSRF double submit tokens do not match");
    jar.post(
        &app,
        "/jwt-refresh",
        &[("X-CSRF-Token", &access_csrf(&jar))],
    )
    .await
    .assert_detail(401, "CSRF double submit tokens do not match");
    jar.post(
        &app,
        "/jwt-refresh",
        &[("X-CSRF-Token", &refresh_csrf(&jar))],
    )
    .await
    .assert(200, &json!({ "hello": 1 }));
}

/// Each token type reads its own CSRF header name.
#[tokio::test]
async fn each_token_type_has_its_header() {
    let config = build(
        cookie_builder()
            .access_csrf_header_name("X-CSRF-Access")
            .refresh_csrf_header_name("X-CSRF-Refresh"),
    );
    let (app, jar) = logged_in(&config).await;
    jar.post(
        &app,
        "/jwt-refresh",
        &[("X-CSRF-Access", &refresh_csrf(&jar))],
    )
    .await
    .assert_detail(401, "Missing CSRF Token");
    jar.post(
        &app,
        "/jwt-refresh",
        &[("X-CSRF-Refresh", &refresh_csrf(&jar))],
    )
    .await
    .assert(200, &json!({ "hello": 1 }));
    jar.post(
        &app,
        "/jwt-required",
        &[("X-CSRF-Refresh", &access_csrf(&jar))],
    )
    .await
    .assert_detail(401, "Missing CSRF Token");
    jar.post(
        &app,
        "/jwt-required",
        &[("X-CSRF-Access", &access_csrf(&jar))],
    )
    .await
    .assert(200, &json!({ "hello": 1 }));
    // The default name is no longer read.
    jar.post(
        &app,
        "/jwt-required",
        &[("X-CSRF-Token", &access_csrf(&jar))],
    )
    .await
    .assert_detail(401, "Missing CSRF Token");
}

/// Header names are case-insensitive, both configured and sent.
#[tokio::test]
async fn csrf_header_name_is_case_insensitive() {
    let config = build(cookie_builder());
    let (app, jar) = logged_in(&config).await;
    for name in ["x-csrf-token", "X-CSRF-TOKEN", "X-Csrf-Token"] {
        jar.post(&app, "/jwt-required", &[(name, &access_csrf(&jar))])
            .await
            .assert(200, &json!({ "hello": 1 }));
    }
    let config = build(cookie_builder().access_csrf_header_name("x-csrf-token"));
    let (app, jar) = logged_in(&config).await;
    jar.post(
        &app,
        "/jwt-required",
        &[("X-CSRF-TOKEN", &access_csrf(&jar))],
    )
    .await
    .assert(200, &json!({ "hello": 1 }));
}

/// The CSRF cookie is what the client's script reads; it is never taken as the submitted
/// value.
#[tokio::test]
async fn csrf_cookie_is_not_the_submitted_value() {
    let config = build(cookie_builder());
    let (app, jar) = logged_in(&config).await;
    assert!(jar.get("csrf_access_token").is_some());
    jar.post(&app, "/jwt-required", &[])
        .await
        .assert_detail(401, "Missing CSRF Token");
    jar.post(&app, "/jwt-optional", &[])
        .await
        .assert_detail(401, "Missing CSRF Token");
}

/// An empty cookie counts as missing; an empty header counts as missing.
#[tokio::test]
async fn empty_values_count_as_missing() {
    let config = build(cookie_builder());
    let app = subject_app(config.clone());
    for empty in ["", "\"\""] {
        let mut jar = Jar::new();
        jar.insert("access_token_cookie", empty);
        jar.insert("refresh_token_cookie", empty);
        jar.post(&app, "/jwt-required", &[("X-CSRF-Token", "x")])
            .await
            .assert_detail(401, "Missing cookie access_token_cookie");
        jar.post(&app, "/jwt-refresh", &[("X-CSRF-Token", "x")])
            .await
            .assert_detail(401, "Missing cookie refresh_token_cookie");
        // Optional: no token at all, so no CSRF check either.
        jar.post(&app, "/jwt-optional", &[])
            .await
            .assert(200, &json!({ "hello": null }));
    }

    let (app, jar) = logged_in(&config).await;
    jar.post(&app, "/jwt-required", &[("X-CSRF-Token", "")])
        .await
        .assert_detail(401, "Missing CSRF Token");
}

/// Spec §6.5: the optional path.
#[tokio::test]
async fn optional_path() {
    let config = build(cookie_builder());
    let app = subject_app(config.clone());

    // No cookie: nothing is checked, a CSRF header included.
    Jar::new()
        .post(&app, "/jwt-optional", &[("X-CSRF-Token", "anything")])
        .await
        .assert(200, &json!({ "hello": null }));

    let (app, jar) = logged_in(&config).await;
    jar.post(&app, "/jwt-optional", &[])
        .await
        .assert_detail(401, "Missing CSRF Token");
    jar.post(&app, "/jwt-optional", &[("X-CSRF-Token", "wrong")])
        .await
        .assert_detail(401, "CSRF double submit tokens do not match");
    jar.post(
        &app,
        "/jwt-optional",
        &[("X-CSRF-Token", &access_csrf(&jar))],
    )
    .await
    .assert(200, &json!({ "hello": 1 }));
    jar.send(&app, "GET", "/jwt-optional", &[("X-CSRF-Token", "wrong")])
        .await
        .assert(200, &json!({ "hello": 1 }));
}

/// A token without a `csrf` claim: the missing header is reported first; a header given is
/// then compared with nothing, "Missing claim: csrf".
#[tokio::test]
async fn token_without_csrf_claim() {
    let minting = build(cookie_builder().cookie_csrf_protect(false));
    let token = minting.create_access_token(1).unwrap();
    let app = subject_app(build(cookie_builder()));
    let mut jar = Jar::new();
    jar.insert("access_token_cookie", &token);
    jar.post(&app, "/jwt-required", &[])
        .await
        .assert_detail(401, "Missing CSRF Token");
    for url in ["/jwt-required", "/jwt-optional"] {
        jar.post(&app, url, &[("X-CSRF-Token", "invalid")])
            .await
            .assert_detail(422, "Missing claim: csrf");
    }
    // Not checked on GET.
    jar.send(&app, "GET", "/jwt-required", &[("X-CSRF-Token", "invalid")])
        .await
        .assert(200, &json!({ "hello": 1 }));
}

/// Without CSRF protection, tokens carry no `csrf` claim, no CSRF cookie is set and no
/// header is needed.
#[tokio::test]
async fn csrf_protection_off() {
    let config = build(cookie_builder().cookie_csrf_protect(false));
    let (app, jar) = logged_in(&config).await;
    assert_eq!(jar.get("csrf_access_token"), None);
    for url in [
        "/jwt-required",
        "/jwt-optional",
        "/jwt-fresh",
        "/jwt-refresh",
    ] {
        jar.post(&app, url, &[])
            .await
            .assert(200, &json!({ "hello": 1 }));
        jar.post(&app, url, &[("X-CSRF-Token", "wrong")])
            .await
            .assert(200, &json!({ "hello": 1 }));
    }
}

/// A non-ASCII CSRF header is a mismatch (the original crashed with a 500: its comparison
/// raised `TypeError`).
#[tokio::test]
async fn non_ascii_csrf_header_is_a_mismatch() {
    let config = build(cookie_builder());
    let (app, jar) = logged_in(&config).await;
    let mut request = request_with_bytes("POST", "/jwt-required", "X-CSRF-Token", b"caf\xe9");
    request
        .headers_mut()
        .insert("cookie", jar.header().parse().unwrap());
    send(&app, request)
        .await
        .assert_detail(401, "CSRF double submit tokens do not match");
}

/// A quoted cookie value is unquoted, as Starlette reads cookies.
#[tokio::test]
async fn quoted_cookie_value() {
    let config = build(cookie_builder());
    let token = config.create_access_token(7).unwrap();
    let app = subject_app(config.clone());
    let mut jar = Jar::new();
    jar.insert("access_token_cookie", &format!("\"{token}\""));
    jar.post(
        &app,
        "/jwt-required",
        &[("X-CSRF-Token", &csrf_of(&config, &token))],
    )
    .await
    .assert(200, &json!({ "hello": 7 }));
}
