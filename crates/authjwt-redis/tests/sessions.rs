//! The Redis session store against a real `redis-server` and a real Redis Cluster of three
//! masters (skipped when `redis-server` is not installed, unless `CI=true`).

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use authjwt::{AuthJwtConfig, Subject};
use authjwt_axum::{AuthJwt, AuthJwtRejection, JwtRequired};
use authjwt_redis::{RedisSessionStore, RedisStore};
use axum::extract::Path;
use axum::http::{Method, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use redis::aio::MultiplexedConnection;
use serde_json::{Value, json};

use support::{RedisCluster, RedisServer, call};

const SECRET: &str = "a-random-secret-of-at-least-32-bytes";
const REVOKED: &str = r#"{"detail":"Token has been revoked"}"#;
const REUSED: &str = r#"{"detail":"Refresh token reuse detected"}"#;
const UNAVAILABLE: &str = r#"{"detail":"Token revocation check unavailable"}"#;

fn config_with(store: RedisSessionStore, lifetimes: Option<(u64, u64)>) -> AuthJwtConfig {
    let mut builder = AuthJwtConfig::builder()
        .secret_key(SECRET)
        .denylist_enabled(true)
        .sessions_enabled(true)
        .session_and_revocation_store(store);
    if let Some((access, refresh)) = lifetimes {
        builder = builder
            .access_token_expires(Some(Duration::from_secs(access)))
            .refresh_token_expires(Some(Duration::from_secs(refresh)));
    }
    builder.build().expect("a valid configuration")
}

fn sessions_on(store: RedisStore) -> AuthJwtConfig {
    config_with(RedisSessionStore::new(store), None)
}

async fn login(auth: AuthJwt, Path(user): Path<String>) -> Result<Json<Value>, AuthJwtRejection> {
    let metadata = json!({ "user_agent": format!("{user}'s browser") });
    let session = auth
        .start_session(user, metadata.as_object().cloned().unwrap_or_default())
        .await?;
    Ok(Json(json!({
        "access_token": session.tokens.access_token,
        "refresh_token": session.tokens.refresh_token,
    })))
}

async fn refresh(mut auth: AuthJwt) -> Result<Json<Value>, AuthJwtRejection> {
    let session = auth.rotate_session().await?;
    Ok(Json(json!({
        "access_token": session.tokens.access_token,
        "refresh_token": session.tokens.refresh_token,
    })))
}

async fn protected(JwtRequired(token): JwtRequired) -> String {
    token
        .claims()
        .subject()
        .and_then(|subject| subject.as_str())
        .unwrap_or_default()
        .to_owned()
}

async fn list(mut auth: AuthJwt) -> Result<Json<Value>, AuthJwtRejection> {
    let sessions = auth.list_sessions().await?;
    let own = auth.session_id().map(str::to_owned);
    Ok(Json(Value::Array(
        sessions
            .into_iter()
            .map(|session| {
                json!({
                    "current": own.as_deref() == Some(session.sid.as_str()),
                    "user_agent": session.metadata["user_agent"],
                })
            })
            .collect(),
    )))
}

async fn logout_everywhere(mut auth: AuthJwt) -> Result<String, AuthJwtRejection> {
    Ok(auth.revoke_all_sessions().await?.to_string())
}

async fn logout(mut auth: AuthJwt) -> Result<&'static str, AuthJwtRejection> {
    auth.jwt_required().await?;
    auth.revoke().await?;
    Ok("revoked")
}

fn app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/login/{user}", post(login))
        .route("/refresh", post(refresh))
        .route("/protected", get(protected))
        .route("/sessions", get(list).delete(logout_everywhere))
        .route("/logout", delete(logout))
        .with_state(config)
}

/// A session's access and refresh tokens, from `/login/<user>` or `/refresh`.
struct Tokens {
    access: String,
    refresh: String,
}

async fn tokens(app: &Router, path: &str, refresh_token: &str) -> Tokens {
    let (status, body) = call(app, Method::POST, path, refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    let body: Value = serde_json::from_str(&body).expect("JSON");
    let field = |name: &str| body[name].as_str().expect("a token").to_owned();
    Tokens {
        access: field("access_token"),
        refresh: field("refresh_token"),
    }
}

async fn log_in(app: &Router, user: &str) -> Tokens {
    tokens(app, &format!("/login/{user}"), "").await
}

async fn raw(url: &str) -> MultiplexedConnection {
    redis::Client::open(url)
        .expect("a valid URL")
        .get_multiplexed_async_connection()
        .await
        .expect("a connection")
}

async fn authjwt_keys(connection: &mut MultiplexedConnection) -> Vec<String> {
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg("authjwt:*")
        .query_async(connection)
        .await
        .expect("KEYS");
    keys.sort();
    keys
}

/// `redis-cli MONITOR` on a server: every command clients send, one line each, those run
/// inside scripts marked `[<db> lua]`.
struct Monitor {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Monitor {
    fn start(url: &str) -> Self {
        let mut child = Command::new("redis-cli")
            .args(["-u", url, "monitor"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("redis-cli runs");
        let stdout = child.stdout.take().expect("a piped stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let monitor = Self { child, lines };
        assert_eq!(monitor.next_line(), "OK");
        monitor
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .expect("MONITOR prints a line")
    }

    /// The commands clients sent (not those scripts ran) until `ECHO <marker>`, sent
    /// through `connection` after the commands to count.
    async fn commands_until(
        &self,
        connection: &mut MultiplexedConnection,
        marker: &str,
    ) -> Vec<String> {
        redis::cmd("ECHO")
            .arg(marker)
            .query_async::<String>(connection)
            .await
            .expect("ECHO");
        let mut commands = Vec::new();
        loop {
            let line = self.next_line();
            if line.ends_with(&format!(r#""ECHO" "{marker}""#)) {
                return commands;
            }
            if !line.contains(" lua] ") {
                let command = line.split('"').nth(1).unwrap_or_default().to_owned();
                commands.push(command);
            }
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_session_on_every_instance() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url()).await.expect("connects");
    let app_a = app(sessions_on(store.clone()));
    let app_b = app(sessions_on(store));

    let first = log_in(&app_a, "alice").await;
    let other = log_in(&app_a, "alice").await;
    let second = tokens(&app_b, "/refresh", &first.refresh).await;
    assert_eq!(
        call(&app_a, Method::GET, "/protected", &second.access).await,
        (StatusCode::OK, "alice".to_owned())
    );

    assert_eq!(
        call(&app_a, Method::POST, "/refresh", &first.refresh).await,
        (StatusCode::UNAUTHORIZED, REUSED.to_owned())
    );
    for token in [&first.access, &second.access] {
        assert_eq!(
            call(&app_b, Method::GET, "/protected", token).await,
            (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
        );
    }
    assert_eq!(
        call(&app_b, Method::POST, "/refresh", &second.refresh).await,
        (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
    );
    // The subject's other session lives on.
    assert_eq!(
        call(&app_b, Method::GET, "/protected", &other.access).await,
        (StatusCode::OK, "alice".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_refreshes_over_two_instances_have_exactly_one_winner() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let app_a = app(sessions_on(
        RedisStore::connect(&server.url()).await.expect("connects"),
    ));
    let app_b = app(sessions_on(
        RedisStore::connect(&server.url()).await.expect("connects"),
    ));
    let login = log_in(&app_a, "alice").await;

    let racers: Vec<_> = (0..60)
        .map(|racer| {
            let app = if racer % 2 == 0 { &app_a } else { &app_b }.clone();
            let refresh = login.refresh.clone();
            tokio::spawn(async move { call(&app, Method::POST, "/refresh", &refresh).await })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        let (status, body) = racer.await.expect("the racer finishes");
        match status {
            StatusCode::OK => winners.push(body),
            StatusCode::UNAUTHORIZED => assert!(body == REUSED || body == REVOKED, "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    // The losers presented a used-up token: the session is revoked, the winner's included.
    let winner: Value = serde_json::from_str(&winners[0]).expect("JSON");
    let access = winner["access_token"].as_str().expect("a token");
    assert_eq!(
        call(&app_b, Method::GET, "/protected", access).await,
        (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
    );
}

#[tokio::test]
async fn denylist_session_and_watermark_are_checked_with_one_command() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let config = sessions_on(RedisStore::connect(&server.url()).await.expect("connects"));
    let app = app(config.clone());
    let mut connection = raw(&server.url()).await;
    let monitor = Monitor::start(&server.url());

    let live = log_in(&app, "alice").await;
    let revoked = log_in(&app, "alice").await;
    assert_eq!(
        call(&app, Method::DELETE, "/logout", &revoked.access).await,
        (StatusCode::OK, "revoked".to_owned())
    );
    let ended = log_in(&app, "bob").await;
    assert_eq!(
        call(&app, Method::DELETE, "/sessions", &ended.access).await,
        (StatusCode::OK, "1".to_owned())
    );
    let refused = log_in(&app, "carol").await;
    config
        .refuse_tokens_issued_before(&Subject::from("carol"), config.clock().now() + 1)
        .await
        .expect("a watermark");

    let cases = [
        (&live.access, (StatusCode::OK, "alice".to_owned())),
        (
            &revoked.access,
            (StatusCode::UNAUTHORIZED, REVOKED.to_owned()),
        ),
        (
            &ended.access,
            (StatusCode::UNAUTHORIZED, REVOKED.to_owned()),
        ),
        (
            &refused.access,
            (StatusCode::UNAUTHORIZED, REVOKED.to_owned()),
        ),
    ];
    monitor.commands_until(&mut connection, "set-up").await;
    for (case, (token, answer)) in cases.into_iter().enumerate() {
        assert_eq!(call(&app, Method::GET, "/protected", token).await, answer);
        assert_eq!(
            monitor
                .commands_until(&mut connection, &format!("case-{case}"))
                .await,
            ["EVALSHA"]
        );
    }
}

#[tokio::test]
async fn every_key_expires_with_the_sessions_and_tokens_it_serves() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisSessionStore::new(RedisStore::connect(&server.url()).await.expect("connects"));
    let config = config_with(store, Some((1, 2)));
    let app = app(config.clone());
    let mut connection = raw(&server.url()).await;

    let first = log_in(&app, "alice").await;
    log_in(&app, "alice").await;
    tokens(&app, "/refresh", &first.refresh).await;
    let bob = log_in(&app, "bob").await;
    assert_eq!(
        call(&app, Method::DELETE, "/logout", &bob.access).await,
        (StatusCode::OK, "revoked".to_owned())
    );
    config
        .refuse_tokens_issued_before(&Subject::from("bob"), config.clock().now())
        .await
        .expect("a watermark");

    let keys = authjwt_keys(&mut connection).await;
    let kinds: Vec<&str> = keys
        .iter()
        .map(|key| key.split(':').nth(3).unwrap_or_default())
        .collect();
    for kind in ["session", "sessions", "watermark", "revoked"] {
        assert!(kinds.contains(&kind), "no {kind} key in {keys:?}");
    }
    for key in &keys {
        let ttl: i64 = redis::cmd("TTL")
            .arg(key)
            .query_async(&mut connection)
            .await
            .expect("TTL");
        assert!((1..=3).contains(&ttl), "{key} lives {ttl} s");
    }

    let deadline = Instant::now() + Duration::from_secs(10);
    while !authjwt_keys(&mut connection).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "left: {:?}",
            authjwt_keys(&mut connection).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_killed_redis_fails_closed_and_sessions_resume_when_it_returns() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let app = app(sessions_on(
        RedisStore::connect(&server.url()).await.expect("connects"),
    ));
    let before = log_in(&app, "alice").await;

    server.stop();
    for (method, path, token) in [
        (Method::GET, "/protected", &before.access),
        (Method::POST, "/refresh", &before.refresh),
        (Method::POST, "/login/alice", &before.access),
        (Method::GET, "/sessions", &before.access),
        (Method::DELETE, "/sessions", &before.access),
    ] {
        assert_eq!(
            call(&app, method, path, token).await,
            (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE.to_owned()),
            "{path}"
        );
    }

    // Same port, same application: logins pass again once the store has reconnected.
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut answer = call(&app, Method::POST, "/login/alice", "").await;
    while answer.0 != StatusCode::OK {
        assert_eq!(
            answer,
            (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE.to_owned())
        );
        assert!(Instant::now() < deadline, "no recovery");
        tokio::time::sleep(Duration::from_millis(50)).await;
        answer = call(&app, Method::POST, "/login/alice", "").await;
    }
    let after: Value = serde_json::from_str(&answer.1).expect("JSON");
    let after = after["access_token"].as_str().expect("a token");
    assert_eq!(
        call(&app, Method::GET, "/protected", after).await,
        (StatusCode::OK, "alice".to_owned())
    );
    // The restarted server kept nothing (no persistence): the old session is gone.
    assert_eq!(
        call(&app, Method::GET, "/protected", &before.access).await,
        (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
    );
}

#[tokio::test]
async fn sessions_work_on_a_redis_cluster_of_three_masters() {
    let Some(cluster) = RedisCluster::start() else {
        return;
    };
    let store = RedisStore::connect_cluster(cluster.urls())
        .await
        .expect("connects");
    let app_a = app(sessions_on(store.clone()));
    let app_b = app(sessions_on(store));

    // Enough subjects that their hash tags fall on every master.
    let users: Vec<String> = (0..12).map(|n| format!("user-{n}")).collect();
    for user in &users {
        let phone = log_in(&app_a, user).await;
        let laptop = log_in(&app_b, user).await;
        let rotated = tokens(&app_b, "/refresh", &phone.refresh).await;
        assert_eq!(
            call(&app_a, Method::GET, "/protected", &rotated.access).await,
            (StatusCode::OK, user.clone())
        );

        let (status, listed) = call(&app_a, Method::GET, "/sessions", &laptop.access).await;
        assert_eq!(status, StatusCode::OK, "{listed}");
        let mut listed: Vec<Value> = serde_json::from_str(&listed).expect("JSON");
        // Sessions started in the same second are listed in sid order: random.
        listed.sort_by_key(|session| session["current"].as_bool());
        let browser = format!("{user}'s browser");
        assert_eq!(
            listed,
            [
                json!({ "current": false, "user_agent": browser }),
                json!({ "current": true, "user_agent": browser }),
            ]
        );

        assert_eq!(
            call(&app_a, Method::POST, "/refresh", &phone.refresh).await,
            (StatusCode::UNAUTHORIZED, REUSED.to_owned())
        );
        assert_eq!(
            call(&app_b, Method::GET, "/protected", &rotated.access).await,
            (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
        );

        let spare = log_in(&app_a, user).await;
        assert_eq!(
            call(&app_a, Method::DELETE, "/logout", &spare.access).await,
            (StatusCode::OK, "revoked".to_owned())
        );
        assert_eq!(
            call(&app_b, Method::GET, "/protected", &spare.access).await,
            (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
        );

        assert_eq!(
            call(&app_b, Method::DELETE, "/sessions", &laptop.access).await,
            (StatusCode::OK, "2".to_owned())
        );
        for token in [&laptop.access, &spare.refresh] {
            assert_eq!(
                call(&app_a, Method::GET, "/protected", token).await.1,
                REVOKED
            );
        }
    }
}

#[tokio::test]
async fn a_crashed_cluster_master_fails_closed_for_every_session_it_held() {
    let Some(mut cluster) = RedisCluster::start() else {
        return;
    };
    let store = RedisStore::connect_cluster(cluster.urls())
        .await
        .expect("connects");
    let app = app(sessions_on(store));
    // Enough subjects that their hash tags fall on every master.
    let mut sessions = Vec::new();
    for user in (0..12).map(|n| format!("user-{n}")) {
        let tokens = log_in(&app, &user).await;
        sessions.push((user, tokens));
    }

    cluster.kill_node(0);
    let mut unavailable = 0;
    for (user, tokens) in &sessions {
        // Until the other masters notice the failure they serve their own slots; after it,
        // the whole cluster refuses (cluster-require-full-coverage). Never a 401 or a 200 for
        // a session that cannot be checked.
        for (method, path, token, served) in [
            (Method::GET, "/protected", &tokens.access, user.clone()),
            (Method::GET, "/sessions", &tokens.access, String::new()),
        ] {
            let (status, body) = call(&app, method, path, token).await;
            match status {
                StatusCode::OK if path == "/protected" => assert_eq!(body, served),
                StatusCode::OK => assert!(body.starts_with('['), "{body}"),
                StatusCode::SERVICE_UNAVAILABLE => {
                    assert_eq!(body, UNAVAILABLE);
                    unavailable += 1;
                }
                other => panic!("{user} {path}: {other} {body}"),
            }
        }
        let (status, body) = call(&app, Method::POST, "/refresh", &tokens.refresh).await;
        assert!(
            status == StatusCode::OK
                || (status, body.as_str()) == (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE),
            "{user} /refresh: {status} {body}"
        );
    }
    assert!(unavailable > 0, "no session was held by the crashed master");
}
