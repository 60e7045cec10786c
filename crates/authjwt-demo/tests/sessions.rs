//! `DEMO_SESSIONS=true`: the sessions part of the contract's "Beyond the original" section,
//! in headers and cookies mode.

mod common;

use std::ffi::OsString;

use authjwt::{AuthJwtConfig, JsonObject, MemorySessionStore, Subject, TokenLocation};
use axum::Router;
use common::{Answer, Req, builder};
use serde_json::{Value, json};

fn sessions_app(locations: &[TokenLocation]) -> (AuthJwtConfig, Router) {
    common::app(
        builder()
            .token_location(locations.iter().copied())
            .sessions_enabled(true)
            .session_store(MemorySessionStore::new()),
    )
}

async fn login(app: &Router, user_agent: &str) -> Answer {
    let answer = Req::post("/login")
        .header("user-agent", user_agent)
        .json(&json!({ "username": "test", "password": "test" }))
        .send(app)
        .await;
    assert_eq!(answer.status.as_u16(), 200);
    answer
}

fn token(answer: &Answer, name: &str) -> String {
    answer.json()[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {}", answer.json()))
        .to_owned()
}

fn sid_of(config: &AuthJwtConfig, token: &str) -> String {
    config
        .decode(token)
        .expect("valid")
        .claims()
        .get("sid")
        .and_then(Value::as_str)
        .expect("a sid")
        .to_owned()
}

/// The value a `Set-Cookie` header of `answer` gives the cookie `name`.
fn cookie(answer: &Answer, name: &str) -> String {
    answer
        .set_cookies()
        .iter()
        .find_map(|header| header.strip_prefix(&format!("{name}=")))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", answer.set_cookies()))
        .to_owned()
}

#[tokio::test]
async fn header_mode_rotates_refresh_tokens_and_detects_reuse() {
    let (config, app) = sessions_app(&[TokenLocation::Headers]);
    let first = login(&app, "firefox").await;
    let (access, refresh) = (
        token(&first, "access_token"),
        token(&first, "refresh_token"),
    );
    let sid = sid_of(&config, &access);
    assert_eq!(sid_of(&config, &refresh), sid);

    let rotated = Req::post("/refresh").bearer(&refresh).send(&app).await;
    assert_eq!(rotated.status.as_u16(), 200);
    let keys: Vec<String> = rotated
        .json()
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["access_token", "refresh_token"]);
    let next_refresh = token(&rotated, "refresh_token");
    let next_access = token(&rotated, "access_token");
    assert_eq!(sid_of(&config, &next_refresh), sid);
    Req::get("/protected")
        .bearer(&next_access)
        .send(&app)
        .await
        .expect_user(json!("test"));

    Req::get("/refresh")
        .bearer(&refresh)
        .send(&app)
        .await
        .expect(401, "Refresh token reuse detected");
    for (path, token) in [
        ("/protected", &access),
        ("/protected", &next_access),
        ("/refresh", &next_refresh),
        ("/refresh", &refresh),
    ] {
        Req::post(path)
            .bearer(token)
            .send(&app)
            .await
            .expect(401, "Token has been revoked");
    }
}

#[tokio::test]
async fn cookie_mode_sets_the_rotated_refresh_cookie_and_its_csrf_cookie() {
    let (_, app) = sessions_app(&[TokenLocation::Cookies]);
    let first = login(&app, "firefox").await;
    let refresh = cookie(&first, "refresh_token_cookie");
    let refresh_csrf = cookie(&first, "csrf_refresh_token");
    assert_eq!(refresh, token(&first, "refresh_token"));

    let rotated = Req::post("/refresh")
        .cookie(&format!("refresh_token_cookie={refresh}"))
        .csrf(&refresh_csrf)
        .send(&app)
        .await;
    assert_eq!(rotated.status.as_u16(), 200);
    let names: Vec<String> = rotated
        .set_cookies()
        .iter()
        .filter_map(|header| header.split('=').next().map(str::to_owned))
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
    let next_refresh = cookie(&rotated, "refresh_token_cookie");
    assert_eq!(next_refresh, token(&rotated, "refresh_token"));
    assert_ne!(next_refresh, refresh);
    let next_csrf = cookie(&rotated, "csrf_refresh_token");
    assert_ne!(next_csrf, refresh_csrf);

    Req::post("/refresh")
        .cookie(&format!("refresh_token_cookie={refresh}"))
        .csrf(&refresh_csrf)
        .send(&app)
        .await
        .expect(401, "Refresh token reuse detected");
    Req::post("/refresh")
        .cookie(&format!("refresh_token_cookie={next_refresh}"))
        .csrf(&next_csrf)
        .send(&app)
        .await
        .expect(401, "Token has been revoked");
}

#[tokio::test]
async fn the_sessions_routes_list_revoke_one_and_log_out_everywhere() {
    let (config, app) = sessions_app(&[TokenLocation::Headers]);
    let first = login(&app, "firefox").await;
    let second = login(&app, "curl/8").await;
    let (first_access, second_access) = (
        token(&first, "access_token"),
        token(&second, "access_token"),
    );
    let (first_sid, second_sid) = (
        sid_of(&config, &first_access),
        sid_of(&config, &second_access),
    );
    let bob = config
        .start_session("bob", JsonObject::new())
        .await
        .expect("started");

    let listed = Req::get("/sessions")
        .bearer(&second_access)
        .send(&app)
        .await;
    assert_eq!(listed.status.as_u16(), 200);
    let mut sessions = listed.json()["sessions"]
        .as_array()
        .cloned()
        .expect("a list");
    sessions.sort_by_key(|session| !session["current"].as_bool().unwrap_or_default());
    let now = common::NOW;
    assert_eq!(
        sessions,
        [
            json!({ "sid": second_sid, "created_at": now, "refreshed_at": now, "current": true }),
            json!({ "sid": first_sid, "created_at": now, "refreshed_at": now, "current": false }),
        ]
    );

    let agents: Vec<Value> = config
        .sessions(&Subject::from("test"))
        .await
        .expect("listed")
        .into_iter()
        .map(|session| session.metadata["user_agent"].clone())
        .collect();
    assert_eq!(agents.len(), 2);
    assert!(agents.contains(&json!("firefox")) && agents.contains(&json!("curl/8")));
    for sid in ["no-such-session", bob.sid.as_str()] {
        Req::new("DELETE", &format!("/sessions/{sid}"))
            .bearer(&second_access)
            .send(&app)
            .await
            .expect(404, "Session not found");
    }
    let revoked = Req::new("DELETE", &format!("/sessions/{first_sid}"))
        .bearer(&second_access)
        .send(&app)
        .await;
    assert_eq!(
        (revoked.status.as_u16(), revoked.json()),
        (200, json!({ "msg": "Session revoked" }))
    );
    Req::get("/protected")
        .bearer(&first_access)
        .send(&app)
        .await
        .expect(401, "Token has been revoked");
    Req::get("/protected")
        .bearer(&second_access)
        .send(&app)
        .await
        .expect_user(json!("test"));

    let everywhere = Req::new("DELETE", "/sessions")
        .bearer(&second_access)
        .send(&app)
        .await;
    assert_eq!(
        (everywhere.status.as_u16(), everywhere.json()),
        (200, json!({ "msg": "All sessions revoked" }))
    );
    Req::get("/protected")
        .bearer(&second_access)
        .send(&app)
        .await
        .expect(401, "Token has been revoked");
    Req::post("/refresh")
        .bearer(&token(&second, "refresh_token"))
        .send(&app)
        .await
        .expect(401, "Token has been revoked");
    assert_eq!(
        config
            .sessions(&Subject::from("bob"))
            .await
            .expect("listed")
            .len(),
        1,
        "bob's session lives on"
    );
}

#[tokio::test]
async fn the_sessions_routes_need_an_access_token() {
    let (_, app) = sessions_app(&[TokenLocation::Headers]);
    Req::get("/sessions")
        .send(&app)
        .await
        .expect(401, "Missing Authorization Header");
    let first = login(&app, "firefox").await;
    Req::new("DELETE", "/sessions")
        .bearer(&token(&first, "refresh_token"))
        .send(&app)
        .await
        .expect(422, "Only access tokens are allowed");
}

#[tokio::test]
async fn without_sessions_the_routes_are_absent_and_refresh_answers_as_the_original() {
    let (_, app) = common::app(builder());
    let first = login(&app, "firefox").await;
    let access = token(&first, "access_token");
    assert_eq!(
        Req::get("/sessions")
            .bearer(&access)
            .send(&app)
            .await
            .status
            .as_u16(),
        404
    );
    let refresh = token(&first, "refresh_token");
    for _ in 0..2 {
        let refreshed = Req::post("/refresh").bearer(&refresh).send(&app).await;
        let keys: Vec<String> = refreshed
            .json()
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["access_token"]);
    }
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    pairs
        .iter()
        .map(|(key, value)| (key.into(), value.into()))
        .collect()
}

#[tokio::test]
async fn demo_sessions_is_read_like_the_other_demo_variables() {
    let on = authjwt_demo::startup::from_env(vars(&[("DEMO_SESSIONS", "true")]))
        .await
        .expect("starts");
    assert!(on.config.settings().sessions_enabled);
    let off = authjwt_demo::startup::from_env(vars(&[]))
        .await
        .expect("starts");
    assert!(!off.config.settings().sessions_enabled);
    let err = authjwt_demo::startup::from_env(vars(&[("DEMO_SESSIONS", "yes")]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "DEMO_SESSIONS: `yes` is neither `true` nor `false`"
    );
}

// Shared with authjwt-redis's tests, which use all of it; this file needs one server.
#[allow(dead_code)]
#[path = "../../authjwt-redis/tests/support/mod.rs"]
mod redis_support;

/// `DEMO_SESSIONS=true` with `DEMO_DENYLIST=redis://…`: the binary's start-up path, two
/// instances sharing one Redis as replicas behind a load balancer would.
#[tokio::test]
async fn with_a_redis_denylist_two_instances_share_sessions_and_reuse_detection() {
    let Some(redis) = redis_support::RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let instance = || async {
        let started = authjwt_demo::startup::from_env(vars(&[
            (
                "AUTHJWT_SECRET_KEY",
                "a-secret-of-at-least-thirty-two-bytes",
            ),
            ("DEMO_SESSIONS", "true"),
            ("DEMO_DENYLIST", &url),
        ]))
        .await
        .expect("starts");
        assert!(started.config.settings().sessions_enabled);
        authjwt_demo::app_with_options(started.config, started.options)
    };
    let (first, second) = (instance().await, instance().await);

    let issued = login(&first, "firefox").await;
    let (access, refresh) = (
        token(&issued, "access_token"),
        token(&issued, "refresh_token"),
    );
    let listed = Req::get("/sessions").bearer(&access).send(&second).await;
    assert_eq!(listed.status.as_u16(), 200);
    assert_eq!(listed.json()["sessions"].as_array().map(Vec::len), Some(1));

    let rotated = Req::post("/refresh").bearer(&refresh).send(&second).await;
    assert_eq!(rotated.status.as_u16(), 200);
    let next_access = token(&rotated, "access_token");
    Req::get("/protected")
        .bearer(&next_access)
        .send(&first)
        .await
        .expect_user(json!("test"));

    Req::post("/refresh")
        .bearer(&refresh)
        .send(&first)
        .await
        .expect(401, "Refresh token reuse detected");
    for app in [&first, &second] {
        Req::get("/protected")
            .bearer(&next_access)
            .send(app)
            .await
            .expect(401, "Token has been revoked");
    }
}
