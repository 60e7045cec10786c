//! The Redis revocation store against a real `redis-server` (skipped when it is not
//! installed, unless `CI=true`).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use authjwt::{AuthJwtConfig, Clock, ExpiresTime, FixedClock, SystemClock};
use authjwt_axum::{AuthJwt, AuthJwtRejection, JwtRequired};
use authjwt_redis::{ConnectError, DEFAULT_KEY_PREFIX, RedisStore};
use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::{delete, get};
use redis::aio::MultiplexedConnection;

use support::{RedisCluster, RedisServer, call};

const SECRET: &str = "a-random-secret-of-at-least-32-bytes";
const REVOKED: &str = r#"{"detail":"Token has been revoked"}"#;
const UNAVAILABLE: &str = r#"{"detail":"Token revocation check unavailable"}"#;
/// Far more than the store's timeout (300 ms): requests must answer, not hang.
const ANSWERS_WITHIN: Duration = Duration::from_secs(5);

fn config_with(store: RedisStore, clock: Arc<dyn Clock>) -> AuthJwtConfig {
    AuthJwtConfig::builder()
        .secret_key(SECRET)
        .denylist_enabled(true)
        .decode_leeway(Duration::from_secs(10))
        .clock(clock)
        .revocation_store(store)
        .build()
        .expect("a valid configuration")
}

fn config(store: RedisStore) -> AuthJwtConfig {
    config_with(store, Arc::new(SystemClock))
}

async fn protected(JwtRequired(token): JwtRequired) -> String {
    token
        .claims()
        .subject()
        .and_then(|subject| subject.as_str())
        .unwrap_or_default()
        .to_owned()
}

async fn logout(mut auth: AuthJwt) -> Result<&'static str, AuthJwtRejection> {
    auth.jwt_required().await?;
    auth.revoke().await?;
    Ok("revoked")
}

fn app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/protected", get(protected))
        .route("/logout", delete(logout))
        .with_state(config)
}

async fn get_protected(app: &Router, token: &str) -> (StatusCode, String) {
    call(app, Method::GET, "/protected", token).await
}

/// A plain connection to inspect the server behind the store's back.
async fn raw(server: &RedisServer) -> MultiplexedConnection {
    redis::Client::open(server.url())
        .expect("a valid URL")
        .get_multiplexed_async_connection()
        .await
        .expect("a connection")
}

async fn ttl(connection: &mut MultiplexedConnection, key: &[u8]) -> i64 {
    redis::cmd("TTL")
        .arg(key)
        .query_async(connection)
        .await
        .expect("TTL")
}

async fn key_count(connection: &mut MultiplexedConnection) -> i64 {
    redis::cmd("DBSIZE")
        .query_async(connection)
        .await
        .expect("DBSIZE")
}

fn jti_of(config: &AuthJwtConfig, token: &str) -> String {
    config
        .decode(token)
        .expect("a valid token")
        .claims()
        .jti()
        .expect("a jti")
        .to_owned()
}

#[tokio::test]
async fn a_token_revoked_on_one_instance_is_rejected_by_another() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let config_a = config(RedisStore::connect(&server.url()).await.expect("connects"));
    let config_b = config(RedisStore::connect(&server.url()).await.expect("connects"));
    let (app_a, app_b) = (app(config_a.clone()), app(config_b));

    let token = config_a.access_token("alice").encode().expect("a token");
    let other = config_a.access_token("bob").encode().expect("a token");
    assert_eq!(
        get_protected(&app_b, &token).await,
        (StatusCode::OK, "alice".to_owned())
    );

    assert_eq!(
        call(&app_a, Method::DELETE, "/logout", &token).await,
        (StatusCode::OK, "revoked".to_owned())
    );
    assert_eq!(
        get_protected(&app_b, &token).await,
        (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
    );
    assert_eq!(
        get_protected(&app_a, &token).await,
        (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
    );
    assert_eq!(
        get_protected(&app_b, &other).await,
        (StatusCode::OK, "bob".to_owned())
    );

    // The configuration's helper, from instance A, reaches B too.
    config_a.revoke_token(&other).await.expect("revoked");
    assert_eq!(
        get_protected(&app_b, &other).await,
        (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
    );
}

#[tokio::test]
async fn entries_live_until_the_token_can_no_longer_pass() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut connection = raw(&server).await;

    // The real clock: exp = now + 120, leeway 10, so the token passes through the second
    // now + 130 and the entry lives 131 s (130 if the second turned since minting).
    let store = RedisStore::connect(&server.url()).await.expect("connects");
    let config = config(store.clone());
    let token = config
        .access_token("alice")
        .expires(Duration::from_secs(120))
        .encode()
        .expect("a token");
    config.revoke_token(&token).await.expect("revoked");
    let key = store.key(&jti_of(&config, &token));
    assert!((130..=131).contains(&ttl(&mut connection, &key).await));

    // A fixed clock years from the system's: the time to live is the configuration's,
    // exactly exp + leeway - now + 1; the store has no clock to disagree with it.
    let clock = Arc::new(FixedClock::new(1_700_000_000));
    let store = RedisStore::connect(&server.url()).await.expect("connects");
    let config = config_with(store.clone(), clock.clone());
    let token = config
        .access_token("alice")
        .expires(Duration::from_secs(120))
        .encode()
        .expect("a token");
    config.revoke_token(&token).await.expect("revoked");
    assert_eq!(
        ttl(&mut connection, &store.key(&jti_of(&config, &token))).await,
        131
    );

    clock.advance(100);
    let later = config
        .access_token("alice")
        .expires(Duration::from_secs(120))
        .encode()
        .expect("a token");
    let later_claims = config.decode(&later).expect("valid").into_claims();
    clock.advance(100);
    config.revoke(&later_claims).await.expect("revoked");
    assert_eq!(
        ttl(
            &mut connection,
            &store.key(later_claims.jti().expect("jti"))
        )
        .await,
        31
    );

    // No exp: no expiry.
    let forever = config
        .access_token("alice")
        .expires(ExpiresTime::Never)
        .encode()
        .expect("a token");
    config.revoke_token(&forever).await.expect("revoked");
    assert_eq!(
        ttl(&mut connection, &store.key(&jti_of(&config, &forever))).await,
        -1
    );

    // Expired (past exp + leeway): nothing stored, and that succeeds.
    let keys_before = key_count(&mut connection).await;
    let short = config
        .access_token("alice")
        .expires(Duration::from_secs(60))
        .encode()
        .expect("a token");
    let short_claims = config.decode(&short).expect("valid").into_claims();
    clock.advance(71);
    config.revoke(&short_claims).await.expect("a no-op");
    store
        .insert("expired-jti", Some(Duration::ZERO))
        .await
        .expect("a no-op");
    assert_eq!(key_count(&mut connection).await, keys_before);
    assert!(
        !store
            .contains(short_claims.jti().expect("jti"))
            .await
            .expect("answers")
    );
    assert!(!store.contains("expired-jti").await.expect("answers"));

    // The last second the token passes still stores an entry.
    let last = config
        .access_token("alice")
        .expires(Duration::from_secs(10))
        .encode()
        .expect("a token");
    let last_claims = config.decode(&last).expect("valid").into_claims();
    clock.advance(20);
    config.revoke(&last_claims).await.expect("revoked");
    assert_eq!(
        ttl(&mut connection, &store.key(last_claims.jti().expect("jti"))).await,
        1
    );
    // Part of a second counts as a whole one.
    store
        .insert("part-second", Some(Duration::from_millis(1)))
        .await
        .expect("stored");
    assert_eq!(ttl(&mut connection, &store.key("part-second")).await, 1);
}

#[tokio::test]
async fn a_stopped_redis_fails_closed_then_recovers_on_restart() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url()).await.expect("connects");
    let config = config(store.clone());
    let app = app(config.clone());
    let token = config.access_token("alice").encode().expect("a token");
    let revoked = config.access_token("mallory").encode().expect("a token");
    config.revoke_token(&revoked).await.expect("revoked");
    assert_eq!(get_protected(&app, &token).await.0, StatusCode::OK);

    server.stop();
    // The first request finds the connection dropped, later ones wait on the reconnection:
    // all answer 503, promptly, whatever the token.
    for token in [&token, &token, &revoked, &token] {
        let started = Instant::now();
        let answer = get_protected(&app, token).await;
        assert!(
            started.elapsed() < ANSWERS_WITHIN,
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(
            answer,
            (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE.to_owned())
        );
    }
    assert_eq!(
        call(&app, Method::DELETE, "/logout", &token).await,
        (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE.to_owned())
    );
    assert!(store.insert("a-jti", None).await.is_err());
    assert!(config.revoke_token(&token).await.is_err());

    // Same port, same store: requests pass again once the store has reconnected.
    server.restart();
    let restarted = Instant::now();
    let mut answer = get_protected(&app, &token).await;
    while answer.0 != StatusCode::OK && restarted.elapsed() < Duration::from_secs(20) {
        assert_eq!(
            answer,
            (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE.to_owned())
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        answer = get_protected(&app, &token).await;
    }
    assert_eq!(answer, (StatusCode::OK, "alice".to_owned()));
    eprintln!("recovered {:?} after the restart", restarted.elapsed());

    // A restart while idle goes unnoticed: the first request after it passes.
    server.stop();
    server.restart();
    assert_eq!(
        get_protected(&app, &token).await,
        (StatusCode::OK, "alice".to_owned())
    );

    // And revocation works again (the restarted server, without persistence, forgot the
    // earlier one).
    assert_eq!(get_protected(&app, &revoked).await.0, StatusCode::OK);
    config.revoke_token(&revoked).await.expect("revoked");
    assert_eq!(
        get_protected(&app, &revoked).await,
        (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
    );
}

#[tokio::test]
async fn a_redis_that_does_not_answer_times_out_with_503() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::builder(server.url())
        .timeout(Duration::from_millis(200))
        .connect()
        .await
        .expect("connects");
    let app = app(config(store));
    let token = AuthJwtConfig::builder()
        .secret_key(SECRET)
        .build()
        .expect("valid")
        .access_token("alice")
        .encode()
        .expect("a token");

    // The connection stays open but the server processes no command for 1.5 s.
    let mut connection = raw(&server).await;
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(1_500)
        .arg("ALL")
        .exec_async(&mut connection)
        .await
        .expect("paused");
    let started = Instant::now();
    assert_eq!(
        get_protected(&app, &token).await,
        (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE.to_owned())
    );
    assert!(
        started.elapsed() < ANSWERS_WITHIN,
        "took {:?}",
        started.elapsed()
    );

    // Once the pause ends, requests pass again on the same connection.
    let mut answer = get_protected(&app, &token).await;
    while answer.0 != StatusCode::OK && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        answer = get_protected(&app, &token).await;
    }
    assert_eq!(answer, (StatusCode::OK, "alice".to_owned()));
}

#[tokio::test]
async fn keys_are_prefixed_and_jtis_are_opaque_bytes() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut connection = raw(&server).await;
    let default = RedisStore::connect(&server.url()).await.expect("connects");
    let custom = RedisStore::builder(server.url())
        .key_prefix("myapp:{jwt}:")
        .connect()
        .await
        .expect("connects");
    assert_eq!(default.key_prefix(), DEFAULT_KEY_PREFIX);
    assert_eq!(custom.key_prefix(), "myapp:{jwt}:");

    let odd = [
        "with spaces",
        "*",
        "a*",
        "line\r\nbreak",
        "*1\r\n$8\r\nFLUSHALL\r\n",
        "{braces}",
        "\"quoted\" 'single'",
        "üñí©ødé",
        "",
    ];
    for jti in odd {
        custom.insert(jti, None).await.expect("stored");
    }
    assert_eq!(
        key_count(&mut connection).await,
        i64::try_from(odd.len()).expect("small")
    );
    for jti in odd {
        assert!(custom.contains(jti).await.expect("answers"), "{jti:?}");
        assert!(!default.contains(jti).await.expect("answers"), "{jti:?}");
        let mut key = b"myapp:{jwt}:".to_vec();
        key.extend_from_slice(jti.as_bytes());
        assert_eq!(custom.key(jti), key);
        let exists: i64 = redis::cmd("EXISTS")
            .arg(&key)
            .query_async(&mut connection)
            .await
            .expect("EXISTS");
        assert_eq!(exists, 1, "{jti:?}");
    }
    for near_miss in ["with", "spaces", "a", "b*", "line", "braces", "FLUSHALL"] {
        assert!(
            !custom.contains(near_miss).await.expect("answers"),
            "{near_miss:?}"
        );
    }

    // Through the configuration, and un-revoking.
    let config = config(custom.clone());
    config
        .revoke_jti("x\r\nDEL y", Some(i64::MAX))
        .await
        .expect("revoked");
    assert!(custom.contains("x\r\nDEL y").await.expect("answers"));
    assert!(custom.remove("x\r\nDEL y").await.expect("answers"));
    assert!(!custom.remove("x\r\nDEL y").await.expect("answers"));
    assert!(!custom.contains("x\r\nDEL y").await.expect("answers"));

    // The default prefix.
    default
        .insert("plain", Some(Duration::MAX))
        .await
        .expect("stored");
    let exists: i64 = redis::cmd("EXISTS")
        .arg("authjwt:revoked:plain")
        .query_async(&mut connection)
        .await
        .expect("EXISTS");
    assert_eq!(exists, 1);
    assert_eq!(ttl(&mut connection, b"authjwt:revoked:plain").await, -1);
}

#[tokio::test]
async fn connect_fails_fast_with_a_clear_error() {
    // Nothing listens on a port just freed (no redis-server needed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let started = Instant::now();
    let err = RedisStore::connect(&format!("redis://:s3cret@127.0.0.1:{port}/2"))
        .await
        .expect_err("nothing listens");
    assert!(
        started.elapsed() < ANSWERS_WITHIN,
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(err, ConnectError::Unavailable { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "could not connect to Redis at 127.0.0.1:{port}/2: "
        )),
        "{message}"
    );
    assert!(!message.contains("s3cret") && !format!("{err:?}").contains("s3cret"));

    let err = RedisStore::connect("http://127.0.0.1/")
        .await
        .expect_err("not Redis");
    assert!(matches!(err, ConnectError::InvalidUrl(_)), "{err:?}");
    assert!(err.to_string().starts_with("invalid Redis URL: "), "{err}");

    let builder = RedisStore::builder("redis://:s3cret@127.0.0.1/0");
    assert!(!format!("{builder:?}").contains("s3cret"));
}

#[tokio::test]
async fn a_wrong_password_fails_at_start_up() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url().replace("redis://", "redis://:wrong@");
    let err = RedisStore::connect(&url)
        .await
        .expect_err("no password is set");
    assert!(matches!(err, ConnectError::Unavailable { .. }), "{err:?}");
    assert!(!err.to_string().contains("wrong"), "{err}");
}

#[tokio::test]
async fn the_denylist_works_on_a_redis_cluster() {
    let Some(cluster) = RedisCluster::start() else {
        return;
    };
    let store = RedisStore::connect_cluster(cluster.urls())
        .await
        .expect("connects");
    let app = app(config(store.clone()));
    let tokens: Vec<String> = (0..12)
        .map(|n| {
            config(store.clone())
                .access_token(format!("user-{n}"))
                .encode()
                .expect("a token")
        })
        .collect();
    for (n, token) in tokens.iter().enumerate() {
        assert_eq!(
            get_protected(&app, token).await,
            (StatusCode::OK, format!("user-{n}"))
        );
        assert_eq!(
            call(&app, Method::DELETE, "/logout", token).await,
            (StatusCode::OK, "revoked".to_owned())
        );
        assert_eq!(
            get_protected(&app, token).await,
            (StatusCode::UNAUTHORIZED, REVOKED.to_owned())
        );
    }
}
