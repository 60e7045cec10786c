//! The demo contract, route by route, and the demo's start-up from the environment.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use authjwt_demo::DemoOptions;
use authjwt_demo::serve::ServerLimits;
use authjwt_demo::startup::{self, Startup, StartupError};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "a-64-byte-secret-for-the-demo-contract-tests-0123456789abcdefghij";

fn vars(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    pairs
        .iter()
        .map(|(key, value)| (OsString::from(key), OsString::from(value)))
        .collect()
}

/// The start-up from `pairs` and [`SECRET`].
async fn started(pairs: &[(&str, &str)]) -> Startup {
    let mut all = vec![("AUTHJWT_SECRET_KEY", SECRET)];
    all.extend_from_slice(pairs);
    startup::from_env(vars(&all)).await.unwrap()
}

/// The demo as the binary starts it from `pairs`, with the minting routes on (the contract's
/// tests mint tokens and cookies at `/token` and `/cookies/*`).
async fn demo(pairs: &[(&str, &str)]) -> Router {
    let mut all = vec![("DEMO_TEST_ROUTES", "true")];
    all.extend_from_slice(pairs);
    let started = started(&all).await;
    authjwt_demo::app_with_options(started.config, started.options)
}

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../authjwt/tests/fixtures")
        .join(name)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).unwrap()
}

struct Answer {
    status: StatusCode,
    /// The body as JSON; `null` when it is not JSON.
    body: Value,
    raw_body: Vec<u8>,
    cookies: Vec<String>,
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        body,
        raw_body: bytes.to_vec(),
        cookies,
    }
}

async fn login(app: &Router) -> (String, String) {
    let answer = send(
        app,
        "POST",
        "/login",
        &[],
        Some(json!({ "username": "test", "password": "test" })),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    (
        answer.body["access_token"].as_str().unwrap().to_owned(),
        answer.body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn public_and_bad_login() {
    let app = demo(&[]).await;
    let answer = send(&app, "GET", "/public", &[], None).await;
    assert_eq!(
        (answer.status, answer.body),
        (StatusCode::OK, json!({ "msg": "hello" }))
    );

    let answer = send(
        &app,
        "POST",
        "/login",
        &[],
        Some(json!({ "username": "test", "password": "nope" })),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({ "detail": "Bad username or password" })
        )
    );
}

#[tokio::test]
async fn login_protected_claims_headers_and_revocation() {
    let app = demo(&[]).await;
    let (access, refresh) = login(&app).await;
    let auth = bearer(&access);
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        for path in ["/protected", "/optional", "/fresh"] {
            let answer = send(&app, method, path, &[("authorization", &auth)], None).await;
            assert_eq!(
                (answer.status, answer.body),
                (StatusCode::OK, json!({ "user": "test" })),
                "{method} {path}"
            );
        }
    }
    let answer = send(&app, "GET", "/optional", &[], None).await;
    assert_eq!(answer.body, json!({ "user": null }));

    let claims = send(&app, "GET", "/claims", &[("authorization", &auth)], None)
        .await
        .body;
    let keys: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["sub", "iat", "nbf", "jti", "exp", "type", "fresh"]);
    let headers = send(&app, "GET", "/headers", &[("authorization", &auth)], None)
        .await
        .body;
    assert_eq!(headers, json!({ "typ": "JWT", "alg": "HS256" }));

    let refreshed = send(
        &app,
        "POST",
        "/refresh",
        &[("authorization", &bearer(&refresh))],
        None,
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::OK);
    let non_fresh = bearer(refreshed.body["access_token"].as_str().unwrap());
    let answer = send(
        &app,
        "GET",
        "/fresh",
        &[("authorization", &non_fresh)],
        None,
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({ "detail": "Fresh token required" })
        )
    );

    let answer = send(
        &app,
        "DELETE",
        "/access-revoke",
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(
        answer.body,
        json!({ "detail": "Access token has been revoke" })
    );
    let answer = send(&app, "GET", "/protected", &[("authorization", &auth)], None).await;
    assert_eq!(
        (answer.status, answer.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({ "detail": "Token has been revoked" })
        )
    );
    let answer = send(
        &app,
        "DELETE",
        "/refresh-revoke",
        &[("authorization", &bearer(&refresh))],
        None,
    )
    .await;
    assert_eq!(
        answer.body,
        json!({ "detail": "Refresh token has been revoke" })
    );
    let answer = send(
        &app,
        "GET",
        "/refresh",
        &[("authorization", &bearer(&refresh))],
        None,
    )
    .await;
    assert_eq!(answer.body, json!({ "detail": "Token has been revoked" }));
}

#[tokio::test]
async fn fresh_login_gives_a_fresh_access_token_only() {
    let app = demo(&[]).await;
    let answer = send(
        &app,
        "POST",
        "/fresh-login",
        &[],
        Some(json!({ "username": "test", "password": "test" })),
    )
    .await;
    let keys: Vec<&String> = answer.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["access_token"]);
    let auth = bearer(answer.body["access_token"].as_str().unwrap());
    let answer = send(&app, "GET", "/fresh", &[("authorization", &auth)], None).await;
    assert_eq!(answer.body, json!({ "user": "test" }));
}

#[tokio::test]
async fn cookie_mode_login_sets_four_cookies_and_logout_deletes_them() {
    let app = demo(&[("AUTHJWT_TOKEN_LOCATION", "headers,cookies")]).await;
    let answer = send(
        &app,
        "POST",
        "/login",
        &[],
        Some(json!({ "username": "test", "password": "test" })),
    )
    .await;
    let names: Vec<&str> = answer
        .cookies
        .iter()
        .map(|cookie| cookie.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "access_token_cookie",
            "csrf_access_token",
            "refresh_token_cookie",
            "csrf_refresh_token"
        ]
    );
    let answer = send(&app, "DELETE", "/logout", &[], None).await;
    assert_eq!(answer.body, json!({ "msg": "Successfully logout" }));
    assert_eq!(answer.cookies.len(), 4);
    assert!(
        answer
            .cookies
            .iter()
            .all(|cookie| cookie.contains("=\"\"; ") && cookie.contains("Max-Age=0"))
    );
}

#[tokio::test]
async fn token_endpoint_mints_each_option_and_refuses_bad_arguments_with_422() {
    let app = demo(&[("AUTHJWT_DECODE_AUDIENCE", "[\"a\",\"b\"]")]).await;
    let answer = send(
        &app,
        "POST",
        "/token",
        &[],
        Some(json!({
            "type": "access", "subject": 7, "fresh": true, "expires_time": false,
            "audience": ["a", "b"], "headers": { "kid": "k1" }, "user_claims": { "role": "admin" }
        })),
    )
    .await;
    let auth = bearer(answer.body["token"].as_str().unwrap());
    let claims = send(&app, "GET", "/claims", &[("authorization", &auth)], None)
        .await
        .body;
    assert_eq!(claims["sub"], 7);
    assert_eq!(claims["aud"], json!(["a", "b"]));
    assert_eq!(claims["role"], "admin");
    assert_eq!(claims.get("exp"), None);
    let headers = send(&app, "GET", "/headers", &[("authorization", &auth)], None)
        .await
        .body;
    assert_eq!(
        headers,
        json!({ "typ": "JWT", "alg": "HS256", "kid": "k1" })
    );

    for (body, detail) in [
        (
            json!({ "type": "access", "subject": "x", "algorithm": "none" }),
            "Algorithm none could not be found",
        ),
        (
            json!({ "type": "access", "subject": "x", "algorithm": "RS256" }),
            "no signing key is configured for algorithm RS256",
        ),
        (
            json!({ "type": "refresh", "subject": "x", "user_claims": { "type": "access" } }),
            "user claims may not set the reserved claim `type`",
        ),
    ] {
        let answer = send(&app, "POST", "/token", &[], Some(body)).await;
        assert_eq!(
            (answer.status, answer.body),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "detail": detail })
            )
        );
    }
}

#[tokio::test]
async fn cookie_endpoints_set_and_unset() {
    let app = demo(&[
        ("AUTHJWT_TOKEN_LOCATION", "cookies"),
        ("AUTHJWT_COOKIE_MAX_AGE", "60"),
    ])
    .await;
    let token = send(
        &app,
        "POST",
        "/token",
        &[],
        Some(json!({ "type": "refresh", "subject": "t" })),
    )
    .await
    .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = send(
        &app,
        "POST",
        "/cookies/refresh",
        &[],
        Some(json!({ "token": token, "max_age": 90 })),
    )
    .await;
    assert_eq!(answer.body, json!({ "msg": "ok" }));
    assert!(answer.cookies[0].starts_with("refresh_token_cookie="));
    assert!(answer.cookies[0].contains("Max-Age=90"));
    assert!(answer.cookies[1].starts_with("csrf_refresh_token="));

    let answer = send(
        &app,
        "POST",
        "/cookies/access",
        &[],
        Some(json!({ "token": "garbage" })),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "detail": "Not enough segments" })
        )
    );
    for (path, first) in [
        ("/cookies/access", "access_token_cookie"),
        ("/cookies/refresh", "refresh_token_cookie"),
        ("/cookies", "access_token_cookie"),
    ] {
        let answer = send(&app, "DELETE", path, &[], None).await;
        assert_eq!(answer.body, json!({ "msg": "ok" }));
        assert!(
            answer.cookies[0].starts_with(&format!("{first}=\"\"")),
            "{path}"
        );
    }
}

/// The minting routes, each method.
const MINTING_ROUTES: [(&str, &str); 6] = [
    ("POST", "/token"),
    ("POST", "/cookies/access"),
    ("DELETE", "/cookies/access"),
    ("POST", "/cookies/refresh"),
    ("DELETE", "/cookies/refresh"),
    ("DELETE", "/cookies"),
];

#[tokio::test]
async fn the_minting_routes_answer_404_unless_demo_test_routes_is_true() {
    let body = json!({ "type": "access", "subject": "x", "token": "x" });
    for pairs in [vec![], vec![("DEMO_TEST_ROUTES", "false")]] {
        let started = started(&pairs).await;
        assert_eq!(started.options, DemoOptions::default());
        let apps = [
            authjwt_demo::app_with_options(started.config.clone(), started.options),
            authjwt_demo::app(started.config),
        ];
        for app in apps {
            for (method, path) in MINTING_ROUTES {
                let answer = send(&app, method, path, &[], Some(body.clone())).await;
                assert_eq!(
                    (answer.status, answer.raw_body.as_slice()),
                    (StatusCode::NOT_FOUND, &b""[..]),
                    "{method} {path} {pairs:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_minting_routes_answer_with_demo_test_routes_true() {
    let started = started(&[
        ("DEMO_TEST_ROUTES", "true"),
        ("AUTHJWT_TOKEN_LOCATION", "cookies"),
    ])
    .await;
    assert_eq!(
        started.options,
        DemoOptions {
            test_routes: true,
            sliding_refresh: None
        }
    );
    let app = authjwt_demo::app_with_options(started.config, started.options);
    let mut minted = Vec::new();
    for kind in ["access", "refresh"] {
        let answer = send(
            &app,
            "POST",
            "/token",
            &[],
            Some(json!({ "type": kind, "subject": "t" })),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK);
        minted.push(answer.body["token"].as_str().unwrap().to_owned());
    }
    for ((method, path), body) in MINTING_ROUTES[1..].iter().zip([
        Some(json!({ "token": minted[0] })),
        None,
        Some(json!({ "token": minted[1] })),
        None,
        None,
    ]) {
        let answer = send(&app, method, path, &[], body).await;
        assert_eq!(
            (answer.status, answer.body),
            (StatusCode::OK, json!({ "msg": "ok" })),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn startup_defaults_and_a_generated_secret_when_nothing_is_configured() {
    let started = startup::from_env(Vec::new()).await.unwrap();
    assert!(started.generated_secret);
    assert_eq!(started.addr.to_string(), "127.0.0.1:8000");
    assert!(started.config.settings().denylist_enabled);
    assert_eq!(started.options, DemoOptions::default());
    assert_eq!(
        started.limits,
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    );
    assert_eq!(started.warnings, [GENERATED_SECRET_WARNING]);

    let started = startup::from_env(vars(&[
        ("AUTHJWT_SECRET_KEY", SECRET),
        ("AUTHJWT_DENYLIST_ENABLED", "false"),
        ("DEMO_ADDR", "127.0.0.1:9123"),
    ]))
    .await
    .unwrap();
    assert!(!started.generated_secret);
    assert!(!started.config.settings().denylist_enabled);
    assert_eq!(started.addr.to_string(), "127.0.0.1:9123");
    assert_eq!(started.warnings, Vec::<String>::new());
}

const GENERATED_SECRET_WARNING: &str = "no AUTHJWT_SECRET_KEY or key pair set: signing with a random secret, so tokens last until restart";

fn beyond_loopback_warning(addr: &str) -> String {
    format!(
        "DEMO_TEST_ROUTES=true on {addr}, which is not a loopback address: anyone who can \
         reach the server can mint tokens and cookies without credentials at /token and \
         /cookies"
    )
}

#[tokio::test]
async fn startup_warns_when_the_minting_routes_listen_beyond_loopback() {
    for addr in ["0.0.0.0:8000", "[::]:8000", "192.0.2.10:8000"] {
        let started = started(&[("DEMO_TEST_ROUTES", "true"), ("DEMO_ADDR", addr)]).await;
        assert_eq!(started.warnings, [beyond_loopback_warning(addr)]);
    }
    for (test_routes, addr) in [
        ("true", "127.0.0.1:8000"),
        ("true", "127.0.0.2:8000"),
        ("true", "[::1]:8000"),
        ("false", "0.0.0.0:8000"),
    ] {
        let started = started(&[("DEMO_TEST_ROUTES", test_routes), ("DEMO_ADDR", addr)]).await;
        assert_eq!(
            started.warnings,
            Vec::<String>::new(),
            "{test_routes} {addr}"
        );
    }

    let started = startup::from_env(vars(&[
        ("DEMO_TEST_ROUTES", "true"),
        ("DEMO_ADDR", "0.0.0.0:8000"),
    ]))
    .await
    .unwrap();
    assert_eq!(
        started.warnings,
        [
            GENERATED_SECRET_WARNING.to_owned(),
            beyond_loopback_warning("0.0.0.0:8000")
        ]
    );
}

#[tokio::test]
async fn startup_reads_the_server_limits() {
    let limits = started(&[
        ("DEMO_HEADER_READ_TIMEOUT", "5"),
        ("DEMO_IDLE_TIMEOUT", "30"),
        ("DEMO_MAX_CONNECTIONS", "64"),
    ])
    .await
    .limits;
    assert_eq!(
        limits,
        ServerLimits {
            header_read_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            max_connections: 64,
        }
    );
    assert_eq!(started(&[]).await.limits, ServerLimits::default());
}

#[tokio::test]
async fn startup_reads_the_sliding_refresh_threshold_and_leaves_it_off_by_default() {
    assert_eq!(started(&[]).await.options.sliding_refresh, None);
    assert_eq!(
        started(&[("DEMO_SLIDING_REFRESH", "300")])
            .await
            .options
            .sliding_refresh,
        Some(Duration::from_secs(300))
    );
}

#[tokio::test]
async fn startup_refuses_verification_keys_without_a_signing_key() {
    let rsa_public = fixture("rsa_public.pem");
    let ec_public = fixture_path("ec256_public.pem");
    for (pairs, message) in [
        (
            vec![
                ("AUTHJWT_ALGORITHM", "RS256"),
                ("AUTHJWT_PUBLIC_KEY", rsa_public.as_str()),
            ],
            "the demo issues tokens at /login and /refresh but has no key to sign RS256 \
             (AUTHJWT_ALGORITHM) with: set AUTHJWT_PRIVATE_KEY or AUTHJWT_PRIVATE_KEY_FILE",
        ),
        (
            vec![
                ("AUTHJWT_ALGORITHM", "ES256"),
                ("AUTHJWT_PUBLIC_KEY_FILE", ec_public.to_str().unwrap()),
            ],
            "the demo issues tokens at /login and /refresh but has no key to sign ES256 \
             (AUTHJWT_ALGORITHM) with: set AUTHJWT_PRIVATE_KEY or AUTHJWT_PRIVATE_KEY_FILE",
        ),
        (
            vec![
                ("AUTHJWT_PUBLIC_KEY", rsa_public.as_str()),
                ("AUTHJWT_DECODE_ALGORITHMS", "RS256"),
            ],
            "the demo issues tokens at /login and /refresh but has no key to sign HS256 \
             (AUTHJWT_ALGORITHM) with: set AUTHJWT_SECRET_KEY (at least 32 bytes)",
        ),
    ] {
        let err = startup::from_env(vars(&pairs)).await.unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

#[tokio::test]
async fn startup_with_a_private_key_signs_at_login() {
    let private_key = fixture_path("rsa_private.pem");
    let started = startup::from_env(vars(&[
        ("AUTHJWT_ALGORITHM", "RS256"),
        ("AUTHJWT_PRIVATE_KEY_FILE", private_key.to_str().unwrap()),
    ]))
    .await
    .unwrap();
    assert_eq!(started.warnings, Vec::<String>::new());
    let app = authjwt_demo::app(started.config);
    let (access, _) = login(&app).await;
    let answer = send(
        &app,
        "GET",
        "/protected",
        &[("authorization", &bearer(&access))],
        None,
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (StatusCode::OK, json!({ "user": "test" }))
    );
}

#[test]
fn the_binary_refuses_to_start_without_a_signing_key_with_status_2() {
    let mut demo = Command::new(env!("CARGO_BIN_EXE_authjwt-demo"))
        .env_clear()
        .env("AUTHJWT_ALGORITHM", "RS256")
        .env("AUTHJWT_PUBLIC_KEY_FILE", fixture_path("rsa_public.pem"))
        .env("DEMO_ADDR", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A demo that started would serve until stopped: wait for the exit, boundedly.
    let deadline = Instant::now() + Duration::from_secs(30);
    while demo.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            demo.kill().unwrap();
            panic!("the demo started without a signing key");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = demo.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "authjwt-demo: the demo issues tokens at /login and /refresh but has no key to sign \
         RS256 (AUTHJWT_ALGORITHM) with: set AUTHJWT_PRIVATE_KEY or AUTHJWT_PRIVATE_KEY_FILE\n"
    );
}

#[tokio::test]
async fn redis_urls_are_recognised_in_any_case_and_their_passwords_never_shown() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("REDIS://user:secret@127.0.0.1:{closed_port}/0");
    let err = startup::from_env(vars(&[
        ("AUTHJWT_SECRET_KEY", SECRET),
        ("DEMO_DENYLIST", &url),
    ]))
    .await
    .unwrap_err();
    let message = err.to_string();
    let prefix =
        format!("DEMO_DENYLIST: could not connect to Redis at 127.0.0.1:{closed_port}/0: ");
    // The rest is the operating system's own words ("Connection refused (os error 111)").
    let reason = message
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{message}"));
    assert!(reason.starts_with("Connection refused"), "{message}");
    assert!(!message.contains("secret"), "{message}");

    for (url, message) in [
        (
            "REDIS://user:secret@host:99999/0",
            "DEMO_DENYLIST: `REDIS://user:***@host:99999/0`: invalid Redis URL: Redis URL did not \
             parse - InvalidClientConfig",
        ),
        (
            "Rediss://:secret@127.0.0.1/0",
            "DEMO_DENYLIST: `Rediss://:***@127.0.0.1/0`: invalid Redis URL: can't connect with \
             TLS, the feature is not enabled - InvalidClientConfig",
        ),
        (
            "postgres://user:secret@host/db",
            "DEMO_DENYLIST: `postgres://user:***@host/db` is neither `memory` nor a redis:// URL",
        ),
    ] {
        let err = startup::from_env(vars(&[
            ("AUTHJWT_SECRET_KEY", SECRET),
            ("DEMO_DENYLIST", url),
        ]))
        .await
        .unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

#[tokio::test]
async fn startup_errors_name_the_variable_at_fault() {
    for (pairs, message) in [
        (
            vec![("AUTHJWT_COOKIE_SAMESITE", "Lax")],
            "invalid configuration: authjwt_cookie_samesite: The 'authjwt_cookie_samesite' must be between 'strict', 'lax', 'none'",
        ),
        (
            vec![("AUTHJWT_SECRET_KEY", "secret")],
            "invalid configuration: authjwt_secret_key: HS256 needs a secret of at least 32 bytes \
             (RFC 7518 section 3.2), this one has 6; use a random secret, or set \
             authjwt_allow_weak_secret to accept it",
        ),
        (
            vec![("DEMO_ADDR", "nowhere")],
            "DEMO_ADDR: `nowhere` is not an address like 127.0.0.1:8000",
        ),
        (
            vec![("DEMO_DENYLIST", "postgres://x")],
            "DEMO_DENYLIST: `postgres://x` is neither `memory` nor a redis:// URL",
        ),
        (
            vec![("AUTHJWT_NOPE", "1")],
            "invalid configuration: AUTHJWT_NOPE: unknown setting",
        ),
        (
            vec![("DEMO_TEST_ROUTES", "yes")],
            "DEMO_TEST_ROUTES: `yes` is neither `true` nor `false`",
        ),
        (
            vec![("DEMO_TEST_ROUTES", "TRUE")],
            "DEMO_TEST_ROUTES: `TRUE` is neither `true` nor `false`",
        ),
        (
            vec![("DEMO_HEADER_READ_TIMEOUT", "0")],
            "DEMO_HEADER_READ_TIMEOUT: `0` is not a whole number from 1 to 4294967295",
        ),
        (
            vec![("DEMO_IDLE_TIMEOUT", "1.5")],
            "DEMO_IDLE_TIMEOUT: `1.5` is not a whole number from 1 to 4294967295",
        ),
        (
            vec![("DEMO_MAX_CONNECTIONS", "4294967296")],
            "DEMO_MAX_CONNECTIONS: `4294967296` is not a whole number from 1 to 4294967295",
        ),
        (
            vec![("DEMO_SLIDING_REFRESH", "0")],
            "DEMO_SLIDING_REFRESH: `0` is not a whole number from 1 to 4294967295",
        ),
        (
            vec![("DEMO_SLIDING_REFRESH", "5m")],
            "DEMO_SLIDING_REFRESH: `5m` is not a whole number from 1 to 4294967295",
        ),
    ] {
        let err: StartupError = startup::from_env(vars(&pairs)).await.unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

#[tokio::test]
async fn jwks_lists_the_public_keys_of_the_key_set_and_none_with_hmac() {
    let app = demo(&[]).await;
    let answer = send(&app, "GET", "/.well-known/jwks.json", &[], None).await;
    assert_eq!(
        (answer.status, answer.body),
        (StatusCode::OK, json!({"keys": []}))
    );

    let dir = std::env::temp_dir().join(format!("authjwt-demo-jwks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys.json");
    let keys = json!([
        {"kid": "ec", "alg": "ES256", "private_key_file": fixture_path("ec256_private.pem"), "signing": true},
        {"kid": "rsa", "alg": "RS256", "public_key_file": fixture_path("rsa_public.pem")},
        {"kid": "hs", "alg": "HS256", "secret_key": SECRET},
    ]);
    std::fs::write(&file, keys.to_string()).unwrap();
    let started = startup::from_env(vars(&[("AUTHJWT_KEY_SET_FILE", file.to_str().unwrap())]))
        .await
        .unwrap();
    assert!(!started.generated_secret);
    let app = authjwt_demo::app_with_options(started.config, started.options);
    let answer = send(&app, "GET", "/.well-known/jwks.json", &[], None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let published: Vec<(&str, &str)> = answer.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|jwk| (jwk["kid"].as_str().unwrap(), jwk["alg"].as_str().unwrap()))
        .collect();
    assert_eq!(published, [("ec", "ES256"), ("rsa", "RS256")]);
    let raw = String::from_utf8(answer.raw_body).unwrap();
    assert!(!raw.contains(SECRET) && !raw.contains("\"d\""), "{raw}");

    let inline = startup::from_env(vars(&[("AUTHJWT_KEY_SET", &keys.to_string())]))
        .await
        .unwrap();
    assert!(!inline.generated_secret);
    assert_eq!(inline.config.jwk_set()["keys"], answer.body["keys"]);

    let (access, _) = login(&app).await;
    let answer = send(
        &app,
        "GET",
        "/protected",
        &[("authorization", &bearer(&access))],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let _ = std::fs::remove_dir_all(dir);
}
