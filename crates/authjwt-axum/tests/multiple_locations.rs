//! The original's `tests/test_token_multiple_locations.py`, and location selection and
//! precedence (spec §5.2).

mod common;

use authjwt_axum::AuthJwtConfig;
use axum::Router;
use common::{Jar, bearer, both_builder, build, builder, claims_of, cookie_builder, subject_app};
use serde_json::json;

const URLS: [&str; 4] = [
    "/jwt-optional",
    "/jwt-required",
    "/jwt-refresh",
    "/jwt-fresh",
];

/// `/get-token` under `config`: the app, the jar with the four cookies, and the two tokens.
async fn logged_in(config: &AuthJwtConfig) -> (Router, Jar, String, String) {
    let app = subject_app(config.clone());
    let mut jar = Jar::new();
    let answer = jar.fetch(&app, "/get-token").await;
    assert_eq!(answer.status, 200, "{answer:#?}");
    let access = answer.body["access"].as_str().unwrap().to_owned();
    let refresh = answer.body["refresh"].as_str().unwrap().to_owned();
    (app, jar, access, refresh)
}

#[tokio::test]
async fn get_subject_through_cookie_or_headers() {
    let config = build(both_builder());
    for url in URLS {
        let (app, jar, access, refresh) = logged_in(&config).await;
        let refresh_route = url == "/jwt-refresh";

        // Through the header: cookies are present but ignored, so no CSRF header is needed.
        let token = if refresh_route { &refresh } else { &access };
        jar.post(&app, url, &[("Authorization", &bearer(token))])
            .await
            .assert(200, &json!({ "hello": 1 }));

        // Through the cookies, with the matching CSRF header.
        let csrf = if refresh_route {
            jar.get("csrf_refresh_token")
        } else {
            jar.get("csrf_access_token")
        }
        .unwrap()
        .to_owned();
        jar.post(&app, url, &[("X-CSRF-Token", &csrf)])
            .await
            .assert(200, &json!({ "hello": 1 }));
    }
}

/// With both locations, tokens carry a `csrf` claim even when used through the header.
#[tokio::test]
async fn header_tokens_carry_csrf_when_cookies_are_a_location() {
    let config = build(both_builder());
    let (_, _, access, refresh) = logged_in(&config).await;
    assert!(claims_of(&config, &access)["csrf"].is_string());
    assert!(claims_of(&config, &refresh)["csrf"].is_string());
    let headers_only = build(builder());
    let token = headers_only.create_access_token(1).unwrap();
    assert_eq!(claims_of(&headers_only, &token).get("csrf"), None);
}

/// A header token wins: the cookie and CSRF are then ignored, a wrong CSRF header included.
#[tokio::test]
async fn header_takes_precedence() {
    let config = build(both_builder());
    let (app, jar, access, _) = logged_in(&config).await;
    let other = config.access_token(2).fresh(true).encode().unwrap();
    for url in ["/jwt-required", "/jwt-optional", "/jwt-fresh"] {
        jar.post(
            &app,
            url,
            &[
                ("Authorization", &bearer(&other)),
                ("X-CSRF-Token", "wrong"),
            ],
        )
        .await
        .assert(200, &json!({ "hello": 2 }));
    }
    // Without cookies at all, the header alone works.
    Jar::new()
        .post(
            &app,
            "/jwt-required",
            &[("Authorization", &bearer(&access))],
        )
        .await
        .assert(200, &json!({ "hello": 1 }));
}

/// There is no fallback: a malformed or invalid header fails even next to a valid cookie
/// and its CSRF header.
#[tokio::test]
async fn no_fallback_to_cookies() {
    let config = build(both_builder());
    let (app, jar, _, refresh) = logged_in(&config).await;
    let csrf = jar.get("csrf_access_token").unwrap().to_owned();

    for url in ["/jwt-required", "/jwt-optional", "/jwt-fresh"] {
        jar.post(
            &app,
            url,
            &[("Authorization", "Bearer garbage"), ("X-CSRF-Token", &csrf)],
        )
        .await
        .assert_detail(422, "Not enough segments");
    }
    jar.post(
        &app,
        "/jwt-required",
        &[("Authorization", "Basic abc"), ("X-CSRF-Token", &csrf)],
    )
    .await
    .assert_detail(
        422,
        "Bad Authorization header. Expected value 'Bearer <JWT>'",
    );
    jar.post(
        &app,
        "/jwt-required",
        &[
            ("Authorization", &bearer(&refresh)),
            ("X-CSRF-Token", &csrf),
        ],
    )
    .await
    .assert_detail(422, "Only access tokens are allowed");
}

/// With nothing sent, the cookie path answers: "Missing cookie ...", not "Missing
/// Authorization Header"; optional passes with no subject.
#[tokio::test]
async fn nothing_sent_with_both_locations() {
    let app = subject_app(build(both_builder()));
    let jar = Jar::new();
    for (url, message) in [
        ("/jwt-required", "Missing cookie access_token_cookie"),
        ("/jwt-fresh", "Missing cookie access_token_cookie"),
        ("/jwt-refresh", "Missing cookie refresh_token_cookie"),
    ] {
        jar.post(&app, url, &[]).await.assert_detail(401, message);
    }
    jar.post(&app, "/jwt-optional", &[])
        .await
        .assert(200, &json!({ "hello": null }));
}

/// An empty `Authorization` header is no header: the cookie path is used.
#[tokio::test]
async fn empty_header_falls_to_the_cookie_path() {
    let config = build(both_builder());
    let (app, jar, _, _) = logged_in(&config).await;
    let csrf = jar.get("csrf_access_token").unwrap().to_owned();
    jar.post(
        &app,
        "/jwt-required",
        &[("Authorization", ""), ("X-CSRF-Token", &csrf)],
    )
    .await
    .assert(200, &json!({ "hello": 1 }));
    jar.post(&app, "/jwt-required", &[("Authorization", "")])
        .await
        .assert_detail(401, "Missing CSRF Token");
}

/// Cookies only: the `Authorization` header is not read at all, not even to refuse it.
#[tokio::test]
async fn cookies_only_ignores_the_header() {
    let config = build(cookie_builder());
    let (app, jar, access, _) = logged_in(&config).await;
    Jar::new()
        .post(
            &app,
            "/jwt-required",
            &[("Authorization", &bearer(&access))],
        )
        .await
        .assert_detail(401, "Missing cookie access_token_cookie");
    let csrf = jar.get("csrf_access_token").unwrap().to_owned();
    for value in ["Basic abc", "Bearer garbage"] {
        jar.post(
            &app,
            "/jwt-required",
            &[("Authorization", value), ("X-CSRF-Token", &csrf)],
        )
        .await
        .assert(200, &json!({ "hello": 1 }));
    }
}

/// Headers only: cookies are not read.
#[tokio::test]
async fn headers_only_ignores_the_cookies() {
    let cookie_config = build(cookie_builder());
    let (_, jar, _, _) = logged_in(&cookie_config).await;
    let app = subject_app(build(builder()));
    let csrf = jar.get("csrf_access_token").unwrap().to_owned();
    jar.post(&app, "/jwt-required", &[("X-CSRF-Token", &csrf)])
        .await
        .assert_detail(401, "Missing Authorization Header");
    jar.post(&app, "/jwt-refresh", &[])
        .await
        .assert_detail(401, "Missing Authorization Header");
    jar.post(&app, "/jwt-optional", &[("X-CSRF-Token", &csrf)])
        .await
        .assert(200, &json!({ "hello": null }));
}
