//! The original's `tests/test_cookies.py`, and the cookies of spec §7: names, values,
//! attributes (compared as sets) and deletion.

mod common;

use std::time::Duration;

use authjwt_axum::authjwt::HttpMethod;
use authjwt_axum::{AuthJwtConfig, ExpiresTime, SameSite};
use axum::Router;
use common::{
    Answer, Jar, build, claims_of, cookie_builder, csrf_of, deletion_attributes, fixed_clock,
    get_with, json_request, literal_builder, send, subject_app, with_clock,
};
use serde_json::{Value, json};

fn literal_cookies() -> authjwt_axum::AuthJwtConfigBuilder {
    literal_builder().token_location([authjwt_axum::TokenLocation::Cookies])
}

fn app_of(config: &AuthJwtConfig) -> Router {
    subject_app(config.clone())
}

/// Asserts that `answer` set the token cookie `token_name` (HttpOnly) and, if `csrf_name`,
/// its CSRF cookie holding the token's `csrf` claim, with exactly `shared` as their other
/// attributes, and returns the token.
#[track_caller]
fn assert_token_cookies(
    config: &AuthJwtConfig,
    answer: &Answer,
    token_name: &str,
    token_path: &str,
    csrf: Option<(&str, &str)>,
    shared: &[(&str, &str)],
) -> String {
    let mut names = vec![token_name];
    names.extend(csrf.map(|(name, _)| name));
    assert_eq!(answer.cookie_names(), names, "{answer:#?}");

    let token_cookie = answer.cookie(token_name);
    let mut attributes = vec![("httponly", ""), ("path", token_path)];
    attributes.extend_from_slice(shared);
    token_cookie.assert_attributes(&attributes);
    let token = token_cookie.value.clone();

    if let Some((csrf_name, csrf_path)) = csrf {
        let csrf_cookie = answer.cookie(csrf_name);
        assert_eq!(csrf_cookie.value, csrf_of(config, &token));
        let mut attributes = vec![("path", csrf_path)];
        attributes.extend_from_slice(shared);
        csrf_cookie.assert_attributes(&attributes);
    }
    token
}

/// The original raised a `RuntimeWarning` (a 500) when a cookie helper ran without cookies
/// in the token location. Here the helpers work whatever the location: deleting always
/// works; setting needs the token's `csrf` claim while CSRF protection is on, and tokens made
/// under a headers-only location carry none, so that is the 422 "Missing claim: csrf".
#[tokio::test]
async fn cookie_helpers_without_cookies_in_token_location() {
    let config = build(literal_builder());
    let app = app_of(&config);

    for (url, name) in [
        ("/access-token", "access_token_cookie"),
        ("/refresh-token", "refresh_token_cookie"),
    ] {
        let answer = get_with(&app, url, &[]).await;
        answer.assert_detail(422, "Missing claim: csrf");
        assert!(answer.cookies.is_empty(), "{name}: {answer:#?}");
    }
    for (url, message, names) in [
        (
            "/unset-access-token",
            "unset access token",
            ["access_token_cookie", "csrf_access_token"],
        ),
        (
            "/unset-refresh-token",
            "unset refresh token",
            ["refresh_token_cookie", "csrf_refresh_token"],
        ),
    ] {
        let answer = get_with(&app, url, &[]).await;
        answer.assert(200, &json!({ "msg": message }));
        assert_eq!(answer.cookie_names(), names);
        for cookie in &answer.cookies {
            assert_eq!(cookie.value, "\"\"");
            cookie.assert_attributes(&deletion_attributes("/", &[("samesite", "lax")]));
        }
    }

    // Without CSRF protection there is no claim to read: the token cookie alone is set.
    let config = build(literal_builder().cookie_csrf_protect(false));
    let app = app_of(&config);
    let answer = get_with(&app, "/access-token", &[]).await;
    answer.assert(200, &json!({ "msg": "access token" }));
    assert_token_cookies(&config, &answer, "access_token_cookie", "/", None, &[]);

    // A token that carries the claim is set with its CSRF cookie whatever the location.
    let cookie_config = build(literal_cookies());
    let token = cookie_config.create_access_token(1).unwrap();
    let config = build(literal_builder());
    let answer = send(
        &app_of(&config),
        json_request("/set-access-cookies", &json!({ "token": token })),
    )
    .await;
    answer.assert(200, &json!({ "msg": "ok" }));
    assert_token_cookies(
        &config,
        &answer,
        "access_token_cookie",
        "/",
        Some(("csrf_access_token", "/")),
        &[],
    );
}

/// `max_age` is typed here (`Option<Duration>`), so the original's `TypeError` for
/// `max_age="string"` cannot happen; what remains is its effect: it overrides the
/// configuration, and `0` falls back to it (spec §7.1).
#[tokio::test]
async fn max_age_argument() {
    let config = build(cookie_builder().cookie_max_age(Some(Duration::from_secs(90))));
    let app = app_of(&config);
    let token = config.create_access_token(1).unwrap();
    let refresh = config.create_refresh_token(1).unwrap();

    for (uri, token, name, csrf) in [
        (
            "/set-access-cookies",
            &token,
            "access_token_cookie",
            "csrf_access_token",
        ),
        (
            "/set-refresh-cookies",
            &refresh,
            "refresh_token_cookie",
            "csrf_refresh_token",
        ),
    ] {
        for (max_age, expected) in [(json!(60), "60"), (json!(0), "90"), (Value::Null, "90")] {
            let answer = send(
                &app,
                json_request(uri, &json!({ "token": token, "max_age": max_age })),
            )
            .await;
            answer.assert(200, &json!({ "msg": "ok" }));
            assert_token_cookies(
                &config,
                &answer,
                name,
                "/",
                Some((csrf, "/")),
                &[("max-age", expected)],
            );
        }
    }

    // Without a configured max age, `0` and none both make session cookies.
    let config = build(cookie_builder());
    let app = app_of(&config);
    for max_age in [json!(0), Value::Null] {
        let answer = send(
            &app,
            json_request(
                "/set-access-cookies",
                &json!({ "token": token, "max_age": max_age }),
            ),
        )
        .await;
        answer.assert(200, &json!({ "msg": "ok" }));
        assert_token_cookies(
            &config,
            &answer,
            "access_token_cookie",
            "/",
            Some(("csrf_access_token", "/")),
            &[],
        );
    }
}

#[tokio::test]
async fn set_cookie_csrf_protect_false() {
    let config = build(literal_cookies().cookie_csrf_protect(false));
    let app = app_of(&config);
    for (url, name, message) in [
        ("/access-token", "access_token_cookie", "access token"),
        ("/refresh-token", "refresh_token_cookie", "refresh token"),
        (
            "/access-token-response",
            "access_token_cookie",
            "access token",
        ),
        (
            "/refresh-token-response",
            "refresh_token_cookie",
            "refresh token",
        ),
    ] {
        let answer = get_with(&app, url, &[]).await;
        answer.assert(200, &json!({ "msg": message }));
        let token = assert_token_cookies(&config, &answer, name, "/", None, &[]);
        assert_eq!(claims_of(&config, &token).get("csrf"), None);
    }
}

#[tokio::test]
async fn set_cookie_csrf_protect_true() {
    let config = build(literal_cookies());
    let app = app_of(&config);
    for (url, name, csrf, message, token_type) in [
        (
            "/access-token",
            "access_token_cookie",
            "csrf_access_token",
            "access token",
            "access",
        ),
        (
            "/refresh-token",
            "refresh_token_cookie",
            "csrf_refresh_token",
            "refresh token",
            "refresh",
        ),
        (
            "/access-token-response",
            "access_token_cookie",
            "csrf_access_token",
            "access token",
            "access",
        ),
        (
            "/refresh-token-response",
            "refresh_token_cookie",
            "csrf_refresh_token",
            "refresh token",
            "refresh",
        ),
    ] {
        let answer = get_with(&app, url, &[]).await;
        answer.assert(200, &json!({ "msg": message }));
        let token = assert_token_cookies(&config, &answer, name, "/", Some((csrf, "/")), &[]);
        let claims = claims_of(&config, &token);
        assert_eq!(
            (&claims["sub"], &claims["type"]),
            (&json!(1), &json!(token_type))
        );
    }
}

/// `/all-token` sets the four cookies (access, its CSRF, refresh, its CSRF, in that order);
/// `/unset-all-token` deletes the four.
async fn set_then_unset_all(config: &AuthJwtConfig, set: &str, unset: &str, names: [&str; 4]) {
    let app = app_of(config);
    let mut jar = Jar::new();
    let answer = jar.fetch(&app, set).await;
    answer.assert(200, &json!({ "msg": "all token" }));
    assert_eq!(answer.cookie_names(), names);
    let access = answer.cookie(names[0]).value.clone();
    let refresh = answer.cookie(names[2]).value.clone();
    assert_eq!(answer.cookie(names[1]).value, csrf_of(config, &access));
    assert_eq!(answer.cookie(names[3]).value, csrf_of(config, &refresh));
    let access_claims = claims_of(config, &access);
    assert_eq!(
        (
            &access_claims["sub"],
            &access_claims["type"],
            &access_claims["fresh"]
        ),
        (&json!(1), &json!("access"), &json!(true))
    );
    assert_eq!(claims_of(config, &refresh)["type"], json!("refresh"));
    for name in names {
        assert!(jar.get(name).is_some(), "{name}");
    }

    let answer = jar.fetch(&app, unset).await;
    answer.assert(200, &json!({ "msg": "unset all token" }));
    assert_eq!(answer.cookie_names(), names);
    for cookie in &answer.cookies {
        assert_eq!(cookie.value, "\"\"");
        cookie.assert_attributes(&deletion_attributes("/", &[("samesite", "lax")]));
    }
    assert!(jar.is_empty(), "{jar:?}");
}

const DEFAULT_NAMES: [&str; 4] = [
    "access_token_cookie",
    "csrf_access_token",
    "refresh_token_cookie",
    "csrf_refresh_token",
];

#[tokio::test]
async fn unset_all_cookie() {
    let config = build(literal_cookies());
    set_then_unset_all(&config, "/all-token", "/unset-all-token", DEFAULT_NAMES).await;
}

#[tokio::test]
async fn unset_all_cookie_response() {
    let config = build(literal_cookies());
    set_then_unset_all(
        &config,
        "/all-token-response",
        "/unset-all-token-response",
        DEFAULT_NAMES,
    )
    .await;
}

#[tokio::test]
async fn custom_cookie_key() {
    let config = build(
        literal_cookies()
            .access_cookie_key("access_cookie")
            .refresh_cookie_key("refresh_cookie")
            .access_csrf_cookie_key("csrf_access")
            .refresh_csrf_cookie_key("csrf_refresh"),
    );
    set_then_unset_all(
        &config,
        "/all-token",
        "/unset-all-token",
        [
            "access_cookie",
            "csrf_access",
            "refresh_cookie",
            "csrf_refresh",
        ],
    )
    .await;
}

/// `test_cookie_optional_protected`: POST `/jwt-optional` through eight configurations, with
/// the cookies kept between requests as the original's test client keeps them.
#[tokio::test]
async fn cookie_optional_protected() {
    let url = "/jwt-optional";
    let mut jar = Jar::new();

    // 1. Without a token.
    let app = app_of(&build(literal_cookies()));
    jar.post(&app, url, &[])
        .await
        .assert(200, &json!({ "hello": null }));

    // 2. CSRF checked on GET only: a POST passes without the header.
    let app = app_of(&build(literal_cookies().csrf_methods([HttpMethod::Get])));
    jar.fetch(&app, "/access-token").await;
    jar.post(&app, url, &[])
        .await
        .assert(200, &json!({ "hello": 1 }));

    // 3. CSRF protection off: nothing to check.
    let app = app_of(&build(literal_cookies().cookie_csrf_protect(false)));
    jar.fetch(&app, "/access-token").await;
    jar.post(&app, url, &[])
        .await
        .assert(200, &json!({ "hello": 1 }));

    // 4.–6. Protection on: the header is required and must match.
    let app = app_of(&build(literal_cookies().cookie_csrf_protect(true)));
    let answer = jar.fetch(&app, "/access-token").await;
    let csrf_token = answer.cookie("csrf_access_token").value.clone();
    jar.post(&app, url, &[])
        .await
        .assert_detail(401, "Missing CSRF Token");
    jar.post(&app, url, &[("X-CSRF-Token", "invalid")])
        .await
        .assert_detail(401, "CSRF double submit tokens do not match");
    jar.post(&app, url, &[("X-CSRF-Token", &csrf_token)])
        .await
        .assert(200, &json!({ "hello": 1 }));

    // 7. A token minted without protection has no claim to compare with.
    let app = app_of(&build(literal_cookies().cookie_csrf_protect(false)));
    jar.fetch(&app, "/access-token").await;
    let app = app_of(&build(literal_cookies()));
    jar.post(&app, url, &[("X-CSRF-Token", "invalid")])
        .await
        .assert_detail(422, "Missing claim: csrf");

    // 8. Custom access cookie key and CSRF header name.
    let app = app_of(&build(
        literal_cookies()
            .access_cookie_key("access_cookie")
            .access_csrf_header_name("X-CSRF"),
    ));
    let answer = jar.fetch(&app, "/access-token").await;
    assert_eq!(
        answer.cookie_names(),
        ["access_cookie", "csrf_access_token"]
    );
    let csrf_token = answer.cookie("csrf_access_token").value.clone();
    jar.post(&app, url, &[("X-CSRF", &csrf_token)])
        .await
        .assert(200, &json!({ "hello": 1 }));
}

/// `test_cookie_protected`, for `/jwt-required`, `/jwt-refresh` and `/jwt-fresh`.
#[tokio::test]
async fn cookie_protected() {
    for url in ["/jwt-required", "/jwt-refresh", "/jwt-fresh"] {
        cookie_protected_at(url).await;
    }
}

async fn cookie_protected_at(url: &str) {
    let refresh = url == "/jwt-refresh";
    let mut jar = Jar::new();

    // Custom cookie keys and CSRF header names.
    let app = app_of(&build(
        literal_cookies()
            .access_cookie_key("access_cookie")
            .access_csrf_header_name("X-CSRF-Access")
            .refresh_cookie_key("refresh_cookie")
            .refresh_csrf_header_name("X-CSRF-Refresh"),
    ));
    let answer = jar.fetch(&app, "/all-token").await;
    assert_eq!(
        answer.cookie_names(),
        [
            "access_cookie",
            "csrf_access_token",
            "refresh_cookie",
            "csrf_refresh_token"
        ]
    );
    let csrf_access = answer.cookie("csrf_access_token").value.clone();
    let csrf_refresh = answer.cookie("csrf_refresh_token").value.clone();

    // 1. Valid.
    let answer = if refresh {
        jar.post(&app, url, &[("X-CSRF-Refresh", &csrf_refresh)])
            .await
    } else {
        jar.post(&app, url, &[("X-CSRF-Access", &csrf_access)])
            .await
    };
    answer.assert(200, &json!({ "hello": 1 }));

    // 2. No CSRF header.
    jar.post(&app, url, &[])
        .await
        .assert_detail(401, "Missing CSRF Token");

    // 3. After unsetting, the cookie is missing.
    jar.fetch(&app, "/unset-all-token").await;
    let missing = if refresh {
        "Missing cookie refresh_cookie"
    } else {
        "Missing cookie access_cookie"
    };
    jar.post(&app, url, &[]).await.assert_detail(401, missing);

    // 4. CSRF protection off: nothing to check.
    let app = app_of(&build(literal_cookies().cookie_csrf_protect(false)));
    jar.fetch(&app, "/all-token").await;
    jar.post(&app, url, &[])
        .await
        .assert(200, &json!({ "hello": 1 }));

    // 5. CSRF checked on GET only: a POST passes.
    let app = app_of(&build(
        literal_cookies()
            .csrf_methods([HttpMethod::Get])
            .cookie_csrf_protect(true),
    ));
    jar.post(&app, url, &[])
        .await
        .assert(200, &json!({ "hello": 1 }));

    // 6. Defaults again: the tokens minted in 4 have no `csrf` claim.
    let app = app_of(&build(literal_cookies()));
    jar.post(&app, url, &[("X-CSRF-Token", "invalid")])
        .await
        .assert_detail(422, "Missing claim: csrf");

    // 7. New tokens, wrong value.
    let answer = jar.fetch(&app, "/all-token").await;
    let csrf_access = answer.cookie("csrf_access_token").value.clone();
    let csrf_refresh = answer.cookie("csrf_refresh_token").value.clone();
    jar.post(&app, url, &[("X-CSRF-Token", "invalid")])
        .await
        .assert_detail(401, "CSRF double submit tokens do not match");

    // 8. Right value.
    let csrf = if refresh { &csrf_refresh } else { &csrf_access };
    jar.post(&app, url, &[("X-CSRF-Token", csrf)])
        .await
        .assert(200, &json!({ "hello": 1 }));
}

// ---------------------------------------------------------------------------------------
// Spec §7: exact cookies
// ---------------------------------------------------------------------------------------

/// Defaults: `access_token_cookie=<jwt>; HttpOnly; Path=/` and `csrf_access_token=<uuid>;
/// Path=/` (refresh likewise). No `Expires`, `Max-Age`, `Domain`, `Secure` or `SameSite`.
#[tokio::test]
async fn default_cookie_attributes() {
    let config = build(cookie_builder());
    let app = app_of(&config);
    let answer = get_with(&app, "/all-token", &[]).await;
    answer.assert(200, &json!({ "msg": "all token" }));
    assert_eq!(answer.cookie_names(), DEFAULT_NAMES);
    for (name, path) in [("access_token_cookie", "/"), ("refresh_token_cookie", "/")] {
        answer
            .cookie(name)
            .assert_attributes(&[("httponly", ""), ("path", path)]);
    }
    for name in ["csrf_access_token", "csrf_refresh_token"] {
        let cookie = answer.cookie(name);
        cookie.assert_attributes(&[("path", "/")]);
        // A UUID4, lower-case and hyphenated.
        assert_eq!(cookie.value.len(), 36, "{cookie:?}");
        assert_eq!(cookie.value.matches('-').count(), 4, "{cookie:?}");
        assert_eq!(cookie.value, cookie.value.to_ascii_lowercase());
    }
    assert_ne!(
        answer.cookie("csrf_access_token").value,
        answer.cookie("csrf_refresh_token").value
    );
}

fn custom_cookie_config() -> AuthJwtConfig {
    build(
        cookie_builder()
            .cookie_max_age(Some(Duration::from_secs(90)))
            .cookie_domain("example.com")
            .cookie_secure(true)
            .cookie_samesite(Some(SameSite::Strict))
            .access_cookie_path("/a")
            .access_csrf_cookie_path("/ac")
            .refresh_cookie_path("/r")
            .refresh_csrf_cookie_path("/rc"),
    )
}

const CUSTOM_SHARED: [(&str, &str); 4] = [
    ("domain", "example.com"),
    ("max-age", "90"),
    ("samesite", "strict"),
    ("secure", ""),
];

/// Custom settings: `Domain`, `Max-Age`, `SameSite` and `Secure` on all four cookies, each
/// with its own path; `HttpOnly` on the token cookies only.
#[tokio::test]
async fn custom_cookie_attributes() {
    let config = custom_cookie_config();
    let app = app_of(&config);
    let answer = get_with(&app, "/access-token", &[]).await;
    answer.assert(200, &json!({ "msg": "access token" }));
    assert_token_cookies(
        &config,
        &answer,
        "access_token_cookie",
        "/a",
        Some(("csrf_access_token", "/ac")),
        &CUSTOM_SHARED,
    );
    let answer = get_with(&app, "/refresh-token", &[]).await;
    answer.assert(200, &json!({ "msg": "refresh token" }));
    assert_token_cookies(
        &config,
        &answer,
        "refresh_token_cookie",
        "/r",
        Some(("csrf_refresh_token", "/rc")),
        &CUSTOM_SHARED,
    );
    // Lax and None are written as configured too (None needs Secure).
    for same_site in [SameSite::Lax, SameSite::None] {
        let config = build(
            cookie_builder()
                .cookie_secure(true)
                .cookie_samesite(Some(same_site)),
        );
        let answer = get_with(&app_of(&config), "/access-token", &[]).await;
        let expected = [("samesite", same_site.as_str()), ("secure", "")];
        assert_token_cookies(
            &config,
            &answer,
            "access_token_cookie",
            "/",
            Some(("csrf_access_token", "/")),
            &expected,
        );
    }
}

/// Deletion: value `""`, `Max-Age=0`, `Expires` now, the cookie's path and the domain, and
/// (a deviation from Starlette's fixed `SameSite=lax`) the configured `Secure` and `SameSite`;
/// never `HttpOnly`.
#[tokio::test]
async fn deletion_cookies() {
    let config = custom_cookie_config();
    let app = app_of(&config);
    let extra = [
        ("domain", "example.com"),
        ("samesite", "strict"),
        ("secure", ""),
    ];

    let answer = get_with(&app, "/unset-access-token", &[]).await;
    answer.assert(200, &json!({ "msg": "unset access token" }));
    assert_eq!(
        answer.cookie_names(),
        ["access_token_cookie", "csrf_access_token"]
    );
    answer
        .cookie("access_token_cookie")
        .assert_attributes(&deletion_attributes("/a", &extra));
    answer
        .cookie("csrf_access_token")
        .assert_attributes(&deletion_attributes("/ac", &extra));

    let answer = get_with(&app, "/unset-refresh-token", &[]).await;
    answer.assert(200, &json!({ "msg": "unset refresh token" }));
    assert_eq!(
        answer.cookie_names(),
        ["refresh_token_cookie", "csrf_refresh_token"]
    );
    answer
        .cookie("refresh_token_cookie")
        .assert_attributes(&deletion_attributes("/r", &extra));
    answer
        .cookie("csrf_refresh_token")
        .assert_attributes(&deletion_attributes("/rc", &extra));

    let answer = get_with(&app, "/unset-all-token", &[]).await;
    assert_eq!(answer.cookie_names(), DEFAULT_NAMES);
    for cookie in &answer.cookies {
        assert_eq!(cookie.value, "\"\"");
        assert!(cookie.is_deletion());
        assert!(!cookie.attributes.contains_key("httponly"), "{cookie:?}");
    }

    // Secure without SameSite: lax, plus Secure.
    let config = build(cookie_builder().cookie_secure(true));
    let answer = get_with(&app_of(&config), "/unset-access-token", &[]).await;
    for cookie in &answer.cookies {
        cookie.assert_attributes(&deletion_attributes(
            "/",
            &[("samesite", "lax"), ("secure", "")],
        ));
    }
}

/// With CSRF protection off, only the token cookies are deleted.
#[tokio::test]
async fn unset_without_csrf_protection_keeps_csrf_cookies() {
    let config = build(cookie_builder().cookie_csrf_protect(false));
    let answer = get_with(&app_of(&config), "/unset-all-token", &[]).await;
    answer.assert(200, &json!({ "msg": "unset all token" }));
    assert_eq!(
        answer.cookie_names(),
        ["access_token_cookie", "refresh_token_cookie"]
    );
}

/// The CSRF value is read by fully verifying the token: an expired, malformed or
/// wrong-audience token cannot be set, and one without `csrf` is the 422
/// "Missing claim: csrf" (the original crashed with a `KeyError`, a 500).
#[tokio::test]
async fn setting_cookies_verifies_the_token() {
    let clock = fixed_clock();
    let config = build(with_clock(cookie_builder(), &clock));
    let app = app_of(&config);
    let set = |token: &str| json_request("/set-access-cookies", &json!({ "token": token }));

    let expired = config
        .access_token(1)
        .expires(ExpiresTime::Seconds(-1))
        .encode()
        .unwrap();
    let answer = send(&app, set(&expired)).await;
    answer.assert_detail(422, "Signature has expired");
    assert!(answer.cookies.is_empty());

    send(&app, set("garbage"))
        .await
        .assert_detail(422, "Not enough segments");

    let without_csrf = build(with_clock(
        cookie_builder().cookie_csrf_protect(false),
        &clock,
    ))
    .create_access_token(1)
    .unwrap();
    send(&app, set(&without_csrf))
        .await
        .assert_detail(422, "Missing claim: csrf");
    let answer = send(
        &app,
        json_request("/set-refresh-cookies", &json!({ "token": without_csrf })),
    )
    .await;
    answer.assert_detail(422, "Missing claim: csrf");

    let audience = app_of(&build(with_clock(
        cookie_builder().decode_audience(["foo"]),
        &clock,
    )));
    let token = config.create_access_token(1).unwrap();
    send(&audience, set(&token))
        .await
        .assert_detail(422, "Token is missing the \"aud\" claim");

    // Without CSRF protection nothing is read, as in the original: any value made of
    // base64url characters and dots is set.
    let config = build(cookie_builder().cookie_csrf_protect(false));
    let answer = send(&app_of(&config), set("garbage")).await;
    answer.assert(200, &json!({ "msg": "ok" }));
    assert_eq!(answer.cookie_names(), ["access_token_cookie"]);
    assert_eq!(answer.cookie("access_token_cookie").value, "garbage");

    // An access token in the refresh cookie is not refused: the type is not checked here.
    let config = build(with_clock(cookie_builder(), &clock));
    let answer = send(
        &app_of(&config),
        json_request("/set-refresh-cookies", &json!({ "token": token })),
    )
    .await;
    answer.assert(200, &json!({ "msg": "ok" }));
    assert_eq!(
        answer.cookie("csrf_refresh_token").value,
        csrf_of(&config, &token)
    );
}

/// Whatever the settings, only base64url characters and dots reach a cookie: anything else
/// could add attributes (`; Domain=...`) or make the browser drop the cookie (a line break)
/// while the route answered 200.
#[tokio::test]
async fn cookie_values_cannot_carry_attributes_or_line_breaks() {
    let refusal = (
        422,
        "Cookie values may only hold base64url characters and dots",
    );
    for config in [
        build(cookie_builder().cookie_csrf_protect(false)),
        build(cookie_builder()),
    ] {
        let app = app_of(&config);
        for hostile in [
            "x; Domain=evil.example; Max-Age=315360000",
            "x\r\nSet-Cookie: admin=1",
            "x\ny",
            "a b",
            "a,b",
            "\"quoted\"",
            "",
        ] {
            for route in ["/set-access-cookies", "/set-refresh-cookies"] {
                let answer = send(&app, json_request(route, &json!({ "token": hostile }))).await;
                answer.assert_detail(refusal.0, refusal.1);
                assert!(answer.cookies.is_empty(), "{route} {hostile:?}");
            }
        }
    }

    // A token signed with the key but carrying a `csrf` claim unfit for a cookie.
    let config = build(cookie_builder());
    let token = common::signed(
        &json!({"sub": 1, "jti": "j", "type": "access", "csrf": "v; Domain=evil.example"}),
    );
    let answer = send(
        &app_of(&config),
        json_request("/set-access-cookies", &json!({ "token": token })),
    )
    .await;
    answer.assert_detail(refusal.0, refusal.1);
    assert!(answer.cookies.is_empty());
}
