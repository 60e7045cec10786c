//! The example browser app (`GET /app`) in a real headless Chromium, against the demo served
//! on loopback sockets as the binary serves it: what the browser's own cookie jar holds, every
//! flow of the app, and pages of other origins trying to use the victim's cookies.
//!
//! Without Chromium the tests skip with a message; under `CI=true` they fail instead.
//! `CHROMIUM_BINARY` names the binary (default: `chromium` on the `PATH`). Every wait is
//! bounded; nothing asserts how long anything took.

mod chromium;

use std::ffi::OsString;
use std::sync::{Arc, Mutex};

use authjwt_demo::serve::serve;
use authjwt_demo::startup;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use chromium::{Chromium, GENEROUS, JarCookie, Page};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const SECRET: &str = "a-64-byte-secret-for-the-demo-browser-tests-0123456789abcdef0123";

/// A request the demo answered, as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    /// The request's `Cookie` header, empty without one.
    cookies: String,
    status: StatusCode,
    /// The answer's `detail`, for error answers.
    detail: Option<String>,
}

impl Seen {
    fn carried_cookie(&self, name: &str) -> bool {
        self.cookies
            .split("; ")
            .any(|pair| pair.split_once('=').is_some_and(|(key, _)| key == name))
    }
}

type SeenLog = Arc<Mutex<Vec<Seen>>>;

/// The demo, started from environment variables as the binary starts, on a free loopback
/// port, recording every request it answers.
struct Demo {
    port: u16,
    seen: SeenLog,
    stop: Option<oneshot::Sender<()>>,
}

impl Demo {
    async fn start(pairs: &[(&str, &str)]) -> Self {
        let mut vars = vec![(OsString::from("AUTHJWT_SECRET_KEY"), OsString::from(SECRET))];
        vars.extend(
            pairs
                .iter()
                .map(|(key, value)| (OsString::from(key), OsString::from(value))),
        );
        let started = startup::from_env(vars)
            .await
            .expect("a valid demo configuration");
        let seen = SeenLog::default();
        let router = authjwt_demo::app_with_options(started.config, started.options)
            .layer(middleware::from_fn_with_state(Arc::clone(&seen), record));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().expect("a bound address").port();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve(listener, router, started.limits, async {
            let _ = stopped.await;
        }));
        Self {
            port,
            seen,
            stop: Some(stop),
        }
    }

    /// The demo in cookie mode (headers too, as the README's tour runs it) with `pairs`.
    async fn cookie_mode(pairs: &[(&str, &str)]) -> Self {
        let mut all = vec![("AUTHJWT_TOKEN_LOCATION", "headers,cookies")];
        all.extend_from_slice(pairs);
        Self::start(&all).await
    }

    /// `http://127.0.0.1:<port>`.
    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://localhost:<port>`: another site than [`Self::origin`] for the browser.
    fn localhost_origin(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }

    /// The requests for `method path` seen so far.
    fn seen_at(&self, method: &str, path: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|seen| seen.method == method && seen.path == path)
            .collect()
    }

    /// Waits, boundedly, until the demo has answered `count` requests for `method path`, and
    /// returns the last.
    async fn answered(&self, method: &str, path: &str, count: usize) -> Seen {
        let deadline = tokio::time::Instant::now() + GENEROUS;
        loop {
            let seen = self.seen_at(method, path);
            if seen.len() >= count {
                return seen[count - 1].clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the demo never answered {method} {path} #{count}: {:?}",
                self.seen()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Records each answer; error bodies are read for their `detail`.
async fn record(State(seen): State<SeenLog>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let cookies = request
        .headers()
        .get("cookie")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let (response, detail) = if status.is_client_error() || status.is_server_error() {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("an in-memory body");
        let detail = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|body| body["detail"].as_str().map(str::to_owned));
        (Response::from_parts(parts, Body::from(bytes)), detail)
    } else {
        (response, None)
    };
    seen.lock().expect("not poisoned").push(Seen {
        method,
        path,
        cookies,
        status,
        detail,
    });
    response
}

/// A browser on a page of the app, or `None` (after a message) without Chromium.
async fn browser() -> Option<(Chromium, Page)> {
    let binary = chromium::binary()?;
    let mut browser = Chromium::launch(&binary).await;
    let page = browser.new_page().await;
    Some((browser, page))
}

/// `{"status": ..., "body": ...}` of an app call.
async fn app_call(browser: &mut Chromium, page: &Page, call: &str) -> (u64, Value) {
    let answer = browser.evaluate(page, call).await;
    (
        answer["status"].as_u64().expect("a status"),
        answer["body"].clone(),
    )
}

async fn log_in(browser: &mut Chromium, page: &Page) {
    let (status, _) = app_call(browser, page, "app.login('test', 'test')").await;
    assert_eq!(status, 200);
}

fn names(cookies: &[JarCookie]) -> Vec<&str> {
    cookies.iter().map(|cookie| cookie.name.as_str()).collect()
}

fn value_of<'a>(cookies: &'a [JarCookie], name: &str) -> &'a str {
    &cookies
        .iter()
        .find(|cookie| cookie.name == name)
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
        .value
}

const JWT_COOKIES: [&str; 4] = [
    "access_token_cookie",
    "csrf_access_token",
    "csrf_refresh_token",
    "refresh_token_cookie",
];

// ---------------------------------------------------------------------------------------
// The cookie jar
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_token_cookies_are_httponly_and_hidden_from_the_page_the_csrf_cookies_readable() {
    let Some((mut browser, page)) = browser().await else {
        return;
    };
    let demo = Demo::cookie_mode(&[]).await;
    browser
        .open_app(&page, &format!("{}/app", demo.origin()))
        .await;
    // Logging in with the page's own form and button.
    browser
        .evaluate(&page, "document.getElementById('login').click(); true")
        .await;
    browser
        .wait_for(
            &page,
            "document.getElementById('output').textContent.startsWith('POST /login: 200')",
        )
        .await;

    let jar = browser.cookies(None).await;
    assert_eq!(names(&jar), JWT_COOKIES);
    for cookie in &jar {
        let is_token = !cookie.name.starts_with("csrf_");
        assert_eq!(
            (
                cookie.domain.as_str(),
                cookie.path.as_str(),
                cookie.http_only,
                cookie.secure,
                cookie.same_site.as_deref(),
                cookie.session,
            ),
            ("127.0.0.1", "/", is_token, false, None, true),
            "{cookie:?}"
        );
    }
    let visible = browser.evaluate(&page, "document.cookie").await;
    assert_eq!(
        visible,
        json!(format!(
            "csrf_access_token={}; csrf_refresh_token={}",
            value_of(&jar, "csrf_access_token"),
            value_of(&jar, "csrf_refresh_token")
        ))
    );
    // The page shows the login's answer without the tokens it carries.
    let shown = browser
        .evaluate(&page, "document.getElementById('output').textContent")
        .await;
    let shown = shown.as_str().expect("text");
    assert!(
        !shown.contains(value_of(&jar, "access_token_cookie")),
        "{shown}"
    );
    browser.close().await;
}

#[tokio::test]
async fn logout_leaves_no_jwt_cookie_in_the_browser() {
    let Some((mut browser, page)) = browser().await else {
        return;
    };
    let demo = Demo::cookie_mode(&[("AUTHJWT_COOKIE_SAMESITE", "lax")]).await;
    browser
        .open_app(&page, &format!("{}/app", demo.origin()))
        .await;
    log_in(&mut browser, &page).await;
    assert_eq!(names(&browser.cookies(None).await), JWT_COOKIES);

    let (status, body) = app_call(&mut browser, &page, "app.logout()").await;
    assert_eq!(
        (status, body),
        (200, json!({ "msg": "Successfully logout" }))
    );
    assert_eq!(browser.cookies(None).await, Vec::new());
    assert_eq!(browser.evaluate(&page, "document.cookie").await, json!(""));
    let (status, body) = app_call(&mut browser, &page, "app.getProtected()").await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({ "detail": "Missing cookie access_token_cookie" })
        )
    );
    browser.close().await;
}

#[tokio::test]
async fn samesite_and_paths_reach_the_jar_as_configured_and_the_app_still_refreshes() {
    for (same_site, jar_same_site) in [("lax", "Lax"), ("strict", "Strict")] {
        let Some((mut browser, page)) = browser().await else {
            return;
        };
        let demo = Demo::cookie_mode(&[
            ("AUTHJWT_COOKIE_SAMESITE", same_site),
            ("AUTHJWT_REFRESH_COOKIE_PATH", "/refresh"),
        ])
        .await;
        browser
            .open_app(&page, &format!("{}/app", demo.origin()))
            .await;
        log_in(&mut browser, &page).await;
        let jar = browser.cookies(None).await;
        assert_eq!(names(&jar), JWT_COOKIES);
        for cookie in &jar {
            let path = if cookie.name == "refresh_token_cookie" {
                "/refresh"
            } else {
                "/"
            };
            assert_eq!(
                (cookie.path.as_str(), cookie.same_site.as_deref()),
                (path, Some(jar_same_site)),
                "{cookie:?}"
            );
        }
        let (status, _) = app_call(&mut browser, &page, "app.refresh()").await;
        assert_eq!(status, 200);
        // The refresh cookie went to /refresh only.
        assert!(
            demo.answered("POST", "/refresh", 1)
                .await
                .carried_cookie("refresh_token_cookie")
        );
        let login = demo.answered("POST", "/login", 1).await;
        assert!(!login.carried_cookie("refresh_token_cookie"));
        let (status, _) = app_call(&mut browser, &page, "app.getProtected()").await;
        assert_eq!(status, 200);
        let protected = demo.answered("GET", "/protected", 1).await;
        assert_eq!(
            (
                protected.status,
                protected.carried_cookie("refresh_token_cookie")
            ),
            (StatusCode::OK, false)
        );
        browser.close().await;
    }
}

#[tokio::test]
async fn secure_host_prefixed_cookies_work_over_http_on_localhost() {
    let Some((mut browser, page)) = browser().await else {
        return;
    };
    let demo = Demo::cookie_mode(&[
        ("AUTHJWT_COOKIE_SECURE", "true"),
        ("AUTHJWT_COOKIE_SAMESITE", "strict"),
        ("AUTHJWT_ACCESS_COOKIE_KEY", "__Host-access"),
        ("AUTHJWT_REFRESH_COOKIE_KEY", "__Host-refresh"),
        ("AUTHJWT_ACCESS_CSRF_COOKIE_KEY", "__Host-csrf-access"),
        ("AUTHJWT_REFRESH_CSRF_COOKIE_KEY", "__Host-csrf-refresh"),
    ])
    .await;
    // Chromium treats http://localhost as a secure context, so Secure cookies hold there as
    // they do over HTTPS.
    browser
        .open_app(&page, &format!("{}/app", demo.localhost_origin()))
        .await;
    log_in(&mut browser, &page).await;
    let jar = browser.cookies(None).await;
    assert_eq!(
        names(&jar),
        [
            "__Host-access",
            "__Host-csrf-access",
            "__Host-csrf-refresh",
            "__Host-refresh"
        ]
    );
    for cookie in &jar {
        assert_eq!(
            (
                cookie.domain.as_str(),
                cookie.path.as_str(),
                cookie.secure,
                cookie.same_site.as_deref()
            ),
            ("localhost", "/", true, Some("Strict")),
            "{cookie:?}"
        );
    }
    for (call, answer) in [
        ("app.postProtected()", json!({ "user": "test" })),
        ("app.refresh()", json!({ "access_token": null })),
    ] {
        let (status, mut body) = app_call(&mut browser, &page, call).await;
        if body.get("access_token").is_some() {
            body["access_token"] = Value::Null;
        }
        assert_eq!((status, body), (200, answer), "{call}");
    }
    let frame = browser.evaluate(&page, "app.websocket()").await;
    assert_eq!(frame, json!({ "user": "test" }));
    browser.close().await;
}

// ---------------------------------------------------------------------------------------
// The app's flows
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn every_flow_of_the_app_works_with_the_csrf_header_read_from_its_cookie() {
    let Some((mut browser, page)) = browser().await else {
        return;
    };
    let demo = Demo::cookie_mode(&[]).await;
    browser
        .open_app(&page, &format!("{}/app", demo.origin()))
        .await;
    log_in(&mut browser, &page).await;
    let user = json!({ "user": "test" });
    for call in [
        "app.getProtected()",
        "app.postProtected()",
        "app.call('PUT', '/protected')",
        "app.call('DELETE', '/protected')",
        "app.getFresh()",
    ] {
        let (status, body) = app_call(&mut browser, &page, call).await;
        assert_eq!((status, body), (200, user.clone()), "{call}");
    }
    // The same request without the header the app adds.
    let without_header = browser
        .evaluate(
            &page,
            "fetch('/protected', { method: 'POST' }).then(async (r) => [r.status, await r.json()])",
        )
        .await;
    assert_eq!(
        without_header,
        json!([401, { "detail": "Missing CSRF Token" }])
    );

    let access_before = value_of(&browser.cookies(None).await, "access_token_cookie").to_owned();
    let (status, body) = app_call(&mut browser, &page, "app.refresh()").await;
    assert_eq!(status, 200);
    let jar = browser.cookies(None).await;
    assert_eq!(
        body["access_token"].as_str(),
        Some(value_of(&jar, "access_token_cookie"))
    );
    assert_ne!(value_of(&jar, "access_token_cookie"), access_before);
    let (status, body) = app_call(&mut browser, &page, "app.getFresh()").await;
    assert_eq!(
        (status, body),
        (401, json!({ "detail": "Fresh token required" }))
    );
    let (status, body) = app_call(&mut browser, &page, "app.postProtected()").await;
    assert_eq!((status, body), (200, user.clone()));

    // The WebSocket handshake carries the cookies; the CSRF value goes in the query.
    assert_eq!(browser.evaluate(&page, "app.websocket()").await, user);
    let handshake = demo.answered("GET", "/ws/cookie/protected", 1).await;
    assert!(handshake.carried_cookie("access_token_cookie"));

    let (status, _) = app_call(&mut browser, &page, "app.logout()").await;
    assert_eq!(status, 200);
    assert_eq!(
        browser.evaluate(&page, "app.websocket()").await,
        json!({ "detail": "Missing cookie access_token_cookie", "status": 401 })
    );
    browser.close().await;
}

#[tokio::test]
async fn the_apps_buttons_run_its_flows() {
    let Some((mut browser, page)) = browser().await else {
        return;
    };
    let demo = Demo::cookie_mode(&[]).await;
    browser
        .open_app(&page, &format!("{}/app", demo.origin()))
        .await;
    for (button, shown) in [
        ("login", "POST /login: 200"),
        (
            "get-protected",
            "GET /protected: 200\n{\n  \"user\": \"test\"\n}",
        ),
        (
            "post-protected",
            "POST /protected: 200\n{\n  \"user\": \"test\"\n}",
        ),
        ("get-fresh", "GET /fresh: 200\n{\n  \"user\": \"test\"\n}"),
        ("refresh", "POST /refresh: 200"),
        (
            "websocket",
            "WebSocket /ws/cookie/protected: frame\n{\n  \"user\": \"test\"\n}",
        ),
        (
            "logout",
            "DELETE /logout: 200\n{\n  \"msg\": \"Successfully logout\"\n}",
        ),
    ] {
        browser
            .evaluate(
                &page,
                &format!(
                    "document.getElementById('output').textContent = ''; \
                     document.getElementById('{button}').click(); true"
                ),
            )
            .await;
        browser
            .wait_for(
                &page,
                &format!(
                    "document.getElementById('output').textContent.startsWith({})",
                    json!(shown)
                ),
            )
            .await;
    }
    assert_eq!(browser.cookies(None).await, Vec::new());
    browser.close().await;
}

#[tokio::test]
async fn with_demo_sliding_refresh_a_call_renews_the_access_cookie() {
    let Some((mut browser, page)) = browser().await else {
        return;
    };
    // A threshold beyond the access token's 15 minutes: every successful call renews.
    let demo = Demo::cookie_mode(&[("DEMO_SLIDING_REFRESH", "3600")]).await;
    browser
        .open_app(&page, &format!("{}/app", demo.origin()))
        .await;
    log_in(&mut browser, &page).await;
    let before = browser.cookies(None).await;
    let answer = browser.evaluate(&page, "app.getProtected()").await;
    assert_eq!(
        answer,
        json!({ "status": 200, "body": { "user": "test" }, "accessRenewed": true })
    );
    let after = browser.cookies(None).await;
    for (name, renewed) in [
        ("access_token_cookie", true),
        ("csrf_access_token", true),
        ("refresh_token_cookie", false),
        ("csrf_refresh_token", false),
    ] {
        assert_eq!(
            value_of(&before, name) != value_of(&after, name),
            renewed,
            "{name}"
        );
    }
    assert!(
        browser
            .evaluate(&page, "document.getElementById('output').textContent")
            .await
            .as_str()
            .is_some_and(
                |shown| shown.ends_with("(the server renewed the access cookie: sliding refresh)")
            )
    );
    // The renewed token is not fresh, and the app goes on with it.
    let (status, body) = app_call(&mut browser, &page, "app.getFresh()").await;
    assert_eq!(
        (status, body),
        (401, json!({ "detail": "Fresh token required" }))
    );
    let (status, _) = app_call(&mut browser, &page, "app.postProtected()").await;
    assert_eq!(status, 200);
    browser.close().await;
}

#[tokio::test]
async fn without_demo_sliding_refresh_calls_leave_the_access_cookie_alone() {
    let Some((mut browser, page)) = browser().await else {
        return;
    };
    let demo = Demo::cookie_mode(&[]).await;
    browser
        .open_app(&page, &format!("{}/app", demo.origin()))
        .await;
    log_in(&mut browser, &page).await;
    let before = browser.cookies(None).await;
    let answer = browser.evaluate(&page, "app.getProtected()").await;
    assert_eq!(
        answer,
        json!({ "status": 200, "body": { "user": "test" }, "accessRenewed": false })
    );
    assert_eq!(browser.cookies(None).await, before);
    let (status, _) = app_call(&mut browser, &page, "app.getFresh()").await;
    assert_eq!(status, 200);
    browser.close().await;
}

// ---------------------------------------------------------------------------------------
// Pages of other origins
// ---------------------------------------------------------------------------------------

/// Where the attacking page is, relative to the victim at `http://127.0.0.1:<port>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attacker {
    /// `http://localhost:<another port>`: another site.
    CrossSite,
    /// `http://127.0.0.1:<another port>`: the same site (ports do not make sites), another
    /// origin.
    SameSite,
}

/// What the browser may do with the victim's cookies on a request from the attacker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cookies {
    /// The browser sends them.
    Sent,
    /// The browser keeps them back.
    Withheld,
    /// Either: Chromium's "Lax-allowing-unsafe" sends cookies without SameSite on top-level
    /// cross-site POSTs while they are younger than two minutes. The server must refuse
    /// either way.
    Either,
}

/// What the server answered a request for which it saw (or did not) `cookie`: 401, with the
/// CSRF refusal when the cookie came and the missing cookie otherwise.
fn assert_refused(seen: &Seen, cookie: &str, csrf_refusal: &str, expected: Cookies) {
    let carried = seen.carried_cookie(cookie);
    match expected {
        Cookies::Sent => assert!(carried, "{seen:?}"),
        Cookies::Withheld => assert!(!carried, "{seen:?}"),
        Cookies::Either => {}
    }
    let detail = if carried {
        csrf_refusal.to_owned()
    } else {
        format!("Missing cookie {cookie}")
    };
    assert_eq!(
        (seen.status, seen.detail.as_deref()),
        (StatusCode::UNAUTHORIZED, Some(detail.as_str())),
        "{seen:?}"
    );
}

/// Logs in at the victim's app, then from a page of `attacker`'s origin tries a form POST to
/// `/refresh`, a no-cors fetch POST to `/refresh`, a preflighted fetch DELETE to
/// `/access-revoke` with a guessed CSRF header, and a cookie-mode WebSocket with a guessed
/// CSRF value. Each is refused, and the victim's session is as it was.
async fn assert_other_origin_cannot_use_the_session(same_site: Option<&str>, attacker: Attacker) {
    let Some((mut browser, page)) = browser().await else {
        return;
    };
    let victim = match same_site {
        Some(same_site) => Demo::cookie_mode(&[("AUTHJWT_COOKIE_SAMESITE", same_site)]).await,
        None => Demo::cookie_mode(&[]).await,
    };
    let elsewhere = Demo::start(&[]).await;
    let attacker_origin = match attacker {
        Attacker::CrossSite => elsewhere.localhost_origin(),
        Attacker::SameSite => elsewhere.origin(),
    };
    // Subresource requests: SameSite Lax and Strict (and unset, which Chromium takes as Lax)
    // keep the cookies back across sites; within a site they are sent whatever SameSite says.
    let subresource = match attacker {
        Attacker::CrossSite => Cookies::Withheld,
        Attacker::SameSite => Cookies::Sent,
    };
    let top_level_post = match (attacker, same_site) {
        (Attacker::SameSite, _) => Cookies::Sent,
        (Attacker::CrossSite, None) => Cookies::Either,
        (Attacker::CrossSite, Some(_)) => Cookies::Withheld,
    };

    let victim_origin = victim.origin();
    browser
        .open_app(&page, &format!("{victim_origin}/app"))
        .await;
    log_in(&mut browser, &page).await;
    let jar = browser.cookies(None).await;

    // A JSON page of the other origin: no policy of the app's restricts its script.
    browser
        .navigate(&page, &format!("{attacker_origin}/public"))
        .await;

    let fetched = browser
        .evaluate(
            &page,
            &format!(
                "fetch('{victim_origin}/refresh', {{ method: 'POST', mode: 'no-cors', \
                 credentials: 'include' }}).then((r) => r.type)"
            ),
        )
        .await;
    assert_eq!(fetched, json!("opaque"));
    assert_refused(
        &victim.answered("POST", "/refresh", 1).await,
        "refresh_token_cookie",
        "Missing CSRF Token",
        subresource,
    );

    let preflighted = browser
        .evaluate(
            &page,
            &format!(
                "fetch('{victim_origin}/access-revoke', {{ method: 'DELETE', credentials: \
                 'include', headers: {{ 'X-CSRF-Token': 'guessed' }} }})\
                 .then((r) => r.status, (error) => String(error))"
            ),
        )
        .await;
    assert_eq!(preflighted, json!("TypeError: Failed to fetch"));
    let preflight = victim.answered("OPTIONS", "/access-revoke", 1).await;
    assert_eq!(preflight.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(victim.seen_at("DELETE", "/access-revoke").is_empty());

    let frame = browser
        .evaluate(
            &page,
            &format!(
                "new Promise((resolve) => {{ \
                   const socket = new WebSocket('{}/ws/cookie/protected?csrf_token=guessed'); \
                   socket.onmessage = (event) => resolve(JSON.parse(event.data)); }})",
                victim_origin.replacen("http", "ws", 1)
            ),
        )
        .await;
    let handshake = victim.answered("GET", "/ws/cookie/protected", 1).await;
    let carried = handshake.carried_cookie("access_token_cookie");
    match subresource {
        Cookies::Sent => assert!(carried, "{handshake:?}"),
        _ => assert!(!carried, "{handshake:?}"),
    }
    let detail = if carried {
        "CSRF double submit tokens do not match"
    } else {
        "Missing cookie access_token_cookie"
    };
    assert_eq!(frame, json!({ "detail": detail, "status": 401 }));

    // Last, as it navigates away from the attacker's page.
    browser
        .evaluate(
            &page,
            &format!(
                "const form = document.createElement('form'); form.method = 'POST'; \
                 form.action = '{victim_origin}/refresh'; document.body.append(form); \
                 form.submit(); true"
            ),
        )
        .await;
    assert_refused(
        &victim.answered("POST", "/refresh", 2).await,
        "refresh_token_cookie",
        "Missing CSRF Token",
        top_level_post,
    );

    // Nothing changed: the same cookies, the access token not revoked, the refresh token
    // still good.
    browser
        .open_app(&page, &format!("{victim_origin}/app"))
        .await;
    assert_eq!(browser.cookies(None).await, jar);
    let (status, _) = app_call(&mut browser, &page, "app.postProtected()").await;
    assert_eq!(status, 200);
    let (status, _) = app_call(&mut browser, &page, "app.refresh()").await;
    assert_eq!(status, 200);
    browser.close().await;
}

#[tokio::test]
async fn another_site_cannot_use_the_session_with_samesite_unset() {
    assert_other_origin_cannot_use_the_session(None, Attacker::CrossSite).await;
}

#[tokio::test]
async fn another_site_cannot_use_the_session_with_samesite_lax() {
    assert_other_origin_cannot_use_the_session(Some("lax"), Attacker::CrossSite).await;
}

#[tokio::test]
async fn another_site_cannot_use_the_session_with_samesite_strict() {
    assert_other_origin_cannot_use_the_session(Some("strict"), Attacker::CrossSite).await;
}

#[tokio::test]
async fn another_origin_of_the_same_site_gets_the_cookies_sent_and_is_refused_by_csrf() {
    assert_other_origin_cannot_use_the_session(Some("strict"), Attacker::SameSite).await;
}

// ---------------------------------------------------------------------------------------
// Sessions (DEMO_SESSIONS=true)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_sessions_section_is_hidden_when_the_server_has_no_sessions_routes() {
    let Some((mut browser, page)) = browser().await else {
        return;
    };
    let demo = Demo::cookie_mode(&[]).await;
    browser
        .open_app(&page, &format!("{}/app", demo.origin()))
        .await;
    assert_eq!(
        browser
            .evaluate(
                &page,
                "[app.sessionsAvailable, document.getElementById('sessions').hidden]"
            )
            .await,
        json!([false, true])
    );
    assert_eq!(
        demo.answered("GET", "/sessions", 1).await.status,
        StatusCode::NOT_FOUND
    );
    browser.close().await;
}

/// The demo with `DEMO_SESSIONS=true` and a browser on its app, or `None` (after a message)
/// when there is no Chromium.
async fn sessions_demo() -> Option<(Chromium, Page, Demo)> {
    let (mut browser, page) = browser().await?;
    let demo = Demo::cookie_mode(&[("DEMO_SESSIONS", "true")]).await;
    browser
        .open_app(&page, &format!("{}/app", demo.origin()))
        .await;
    assert_eq!(
        browser.evaluate(&page, "app.sessionsAvailable").await,
        json!(true),
        "the app finds the demo's /sessions"
    );
    assert_eq!(
        browser
            .evaluate(&page, "document.getElementById('sessions').hidden")
            .await,
        json!(false)
    );
    Some((browser, page, demo))
}

/// Logs in on a second device: a browser context with its own cookie jar.
async fn second_device(browser: &mut Chromium, demo: &Demo) -> (String, Page) {
    let context = browser.new_context().await;
    let page = browser.new_page_in(Some(&context)).await;
    browser
        .open_app(&page, &format!("{}/app", demo.origin()))
        .await;
    log_in(browser, &page).await;
    (context, page)
}

#[tokio::test]
async fn the_app_lists_the_users_sessions_and_revokes_another_one() {
    let Some((mut browser, page, demo)) = sessions_demo().await else {
        return;
    };
    log_in(&mut browser, &page).await;
    let (_, other) = second_device(&mut browser, &demo).await;

    let (status, body) = app_call(&mut browser, &page, "app.listSessions()").await;
    assert_eq!(status, 200);
    let sessions = body["sessions"].as_array().expect("a session list").clone();
    assert_eq!(sessions.len(), 2, "{body}");
    let current: Vec<bool> = sessions
        .iter()
        .map(|session| session["current"] == json!(true))
        .collect();
    assert_eq!(current.iter().filter(|current| **current).count(), 1);
    let rows = browser
        .evaluate(
            &page,
            "document.getElementById('session-table').rows.length",
        )
        .await;
    assert_eq!(rows, json!(2));

    let other_sid = sessions
        .iter()
        .find(|session| session["current"] == json!(false))
        .and_then(|session| session["sid"].as_str())
        .expect("the other session's sid")
        .to_owned();
    let (status, body) = app_call(
        &mut browser,
        &page,
        &format!("app.revokeSession({})", json!(other_sid)),
    )
    .await;
    assert_eq!((status, body), (200, json!({ "msg": "Session revoked" })));
    let (status, body) = app_call(&mut browser, &other, "app.getProtected()").await;
    assert_eq!(
        (status, body),
        (401, json!({ "detail": "Token has been revoked" }))
    );
    let (status, _) = app_call(&mut browser, &page, "app.getProtected()").await;
    assert_eq!(status, 200);
    let (status, body) = app_call(
        &mut browser,
        &page,
        &format!("app.revokeSession({})", json!(other_sid)),
    )
    .await;
    assert_eq!(
        (status, body),
        (404, json!({ "detail": "Session not found" }))
    );
    browser.close().await;
}

#[tokio::test]
async fn logout_everywhere_revokes_every_session_of_the_user() {
    let Some((mut browser, page, demo)) = sessions_demo().await else {
        return;
    };
    log_in(&mut browser, &page).await;
    let (_, other) = second_device(&mut browser, &demo).await;
    let (status, body) = app_call(&mut browser, &page, "app.logoutEverywhere()").await;
    assert_eq!(
        (status, body),
        (200, json!({ "msg": "All sessions revoked" }))
    );
    for device in [&page, &other] {
        let (status, body) = app_call(&mut browser, device, "app.getProtected()").await;
        assert_eq!(
            (status, body),
            (401, json!({ "detail": "Token has been revoked" }))
        );
    }
    browser.close().await;
}

#[tokio::test]
async fn a_refresh_rotates_the_refresh_cookie_and_a_replayed_one_revokes_the_session() {
    let Some((mut browser, page, _demo)) = sessions_demo().await else {
        return;
    };
    log_in(&mut browser, &page).await;
    let before = browser.cookies(None).await;
    let (status, body) = app_call(&mut browser, &page, "app.refresh()").await;
    assert_eq!(status, 200);
    let after = browser.cookies(None).await;
    assert_eq!(
        body["refresh_token"].as_str(),
        Some(value_of(&after, "refresh_token_cookie"))
    );
    for name in JWT_COOKIES {
        assert_ne!(value_of(&before, name), value_of(&after, name), "{name}");
    }
    // The used-up refresh token, replayed as a bearer token (the demo reads the header before
    // the cookies), as a thief who copied it would.
    let replayed = browser
        .evaluate(
            &page,
            &format!(
                "fetch('/refresh', {{ method: 'POST', headers: {{ 'Authorization': 'Bearer ' + \
                 {token} }} }}).then(async (r) => [r.status, await r.json()])",
                token = json!(value_of(&before, "refresh_token_cookie")),
            ),
        )
        .await;
    assert_eq!(
        replayed,
        json!([401, { "detail": "Refresh token reuse detected" }])
    );
    let (status, body) = app_call(&mut browser, &page, "app.getProtected()").await;
    assert_eq!(
        (status, body),
        (401, json!({ "detail": "Token has been revoked" }))
    );
    let (status, body) = app_call(&mut browser, &page, "app.refresh()").await;
    assert_eq!(
        (status, body),
        (401, json!({ "detail": "Token has been revoked" }))
    );
    browser.close().await;
}
