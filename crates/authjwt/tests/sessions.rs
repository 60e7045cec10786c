//! Sessions: one-time refresh tokens with reuse detection, the registry, the watermark, the
//! memory session store, and failing closed.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use authjwt::revocation::StoreFuture;
use authjwt::session::{
    MemorySessionStore, Rotation, SessionInfo, SessionQuery, SessionRotation, SessionStart,
    SessionStore,
};
use authjwt::{
    AuthJwtConfig, AuthJwtConfigBuilder, AuthJwtError, ConfigError, CreateTokenError, DecodeError,
    ErrorCode, FixedClock, JsonObject, Requirement, RevocationError, SessionError, Subject,
    TokenType,
};
use serde_json::json;

const SECRET: &str = "a-random-secret-of-at-least-32-bytes";
const NOW: i64 = 1_700_000_000;

fn builder(clock: &Arc<FixedClock>) -> AuthJwtConfigBuilder {
    AuthJwtConfig::builder()
        .secret_key(SECRET)
        .clock(Arc::clone(clock) as Arc<dyn authjwt::Clock>)
        .sessions_enabled(true)
}

fn config_with(store: impl SessionStore + 'static) -> (AuthJwtConfig, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(NOW));
    let config = builder(&clock).session_store(store).build().expect("valid");
    (config, clock)
}

fn metadata(user_agent: &str) -> JsonObject {
    json!({ "user_agent": user_agent })
        .as_object()
        .cloned()
        .unwrap_or_default()
}

fn alice() -> Subject {
    Subject::from("alice")
}

async fn refresh_with(
    config: &AuthJwtConfig,
    refresh_token: &str,
) -> Result<authjwt::SessionTokens, SessionError> {
    let verified = config.verify(refresh_token, Requirement::Refresh).await?;
    config.refresh_session(verified.claims()).await
}

fn token_error(result: Result<authjwt::SessionTokens, SessionError>) -> AuthJwtError {
    match result {
        Err(SessionError::Token(err)) => err,
        other => panic!("expected a token error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_login_starts_a_session_whose_tokens_carry_its_sid() {
    let (config, _) = config_with(MemorySessionStore::new());
    let login = config
        .start_session("alice", metadata("firefox"))
        .await
        .expect("started");
    assert_eq!(login.sid.len(), 22, "128 random bits, base64url");
    for token in [&login.access_token, &login.refresh_token] {
        let claims = config.decode(token).expect("valid").into_claims();
        assert_eq!(claims.get("sid"), Some(&json!(login.sid)));
    }
    let access = config
        .verify(&login.access_token, Requirement::FreshAccess)
        .await;
    assert!(access.is_ok(), "a login's access token is fresh");
    let other = config
        .start_session("alice", JsonObject::new())
        .await
        .expect("started");
    assert_ne!(other.sid, login.sid);
}

#[tokio::test]
async fn refreshing_uses_up_the_refresh_token_and_returns_the_next_one() {
    let (config, _) = config_with(MemorySessionStore::new());
    let login = config
        .start_session("alice", JsonObject::new())
        .await
        .expect("started");
    let next = refresh_with(&config, &login.refresh_token)
        .await
        .expect("rotated");
    assert_eq!(next.sid, login.sid);
    assert_ne!(next.refresh_token, login.refresh_token);
    let access = config
        .verify(&next.access_token, Requirement::Access)
        .await
        .expect("valid");
    assert!(
        !access.claims().is_fresh(),
        "a refreshed access token is not fresh"
    );
    let third = refresh_with(&config, &next.refresh_token)
        .await
        .expect("rotated again");
    assert_eq!(third.sid, login.sid);
}

#[tokio::test]
async fn a_used_refresh_token_presented_again_revokes_the_whole_session() {
    let (config, _) = config_with(MemorySessionStore::new());
    let login = config
        .start_session("alice", JsonObject::new())
        .await
        .expect("started");
    let other = config
        .start_session("alice", JsonObject::new())
        .await
        .expect("started");
    let next = refresh_with(&config, &login.refresh_token)
        .await
        .expect("rotated");

    let err = token_error(refresh_with(&config, &login.refresh_token).await);
    assert_eq!(err, AuthJwtError::RefreshTokenReused);
    assert_eq!(
        (err.status_code(), err.message().as_str()),
        (401, "Refresh token reuse detected")
    );
    assert_eq!(err.code(), ErrorCode::RefreshTokenReused);

    for (token, requirement) in [
        (&login.access_token, Requirement::Access),
        (&next.access_token, Requirement::Access),
        (&next.refresh_token, Requirement::Refresh),
        (&login.refresh_token, Requirement::Refresh),
    ] {
        let err = config.verify(token, requirement).await.unwrap_err();
        assert_eq!(
            (err.status_code(), err.message().as_str()),
            (401, "Token has been revoked")
        );
    }
    let untouched = config
        .verify(&other.access_token, Requirement::Access)
        .await;
    assert!(untouched.is_ok(), "the subject's other sessions live on");
}

#[tokio::test]
async fn of_two_refreshes_with_the_same_token_exactly_one_wins() {
    let (config, _) = config_with(MemorySessionStore::new());
    let login = config
        .start_session("alice", JsonObject::new())
        .await
        .expect("started");
    let verified = config
        .verify(&login.refresh_token, Requirement::Refresh)
        .await
        .expect("valid");
    let outcomes: Vec<_> = thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                let config = config.clone();
                let claims = verified.claims().clone();
                scope.spawn(move || {
                    tokio::runtime::Builder::new_current_thread()
                        .build()
                        .expect("a runtime")
                        .block_on(config.refresh_session(&claims))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("joined"))
            .collect()
    });
    let won = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    assert_eq!(won, 1);
    for outcome in outcomes.into_iter().filter(Result::is_err) {
        let err = token_error(outcome);
        assert!(
            matches!(
                err,
                AuthJwtError::RefreshTokenReused | AuthJwtError::RevokedToken
            ),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn the_registry_lists_revokes_one_and_revokes_all() {
    let (config, clock) = config_with(MemorySessionStore::new());
    let first = config
        .start_session("alice", metadata("firefox"))
        .await
        .expect("started");
    clock.advance(10);
    let second = config
        .start_session("alice", metadata("curl"))
        .await
        .expect("started");
    let bob = config
        .start_session("bob", JsonObject::new())
        .await
        .expect("started");
    clock.advance(5);
    refresh_with(&config, &second.refresh_token)
        .await
        .expect("rotated");

    let sessions = config.sessions(&alice()).await.expect("listed");
    assert_eq!(
        sessions,
        vec![
            SessionInfo::new(first.sid.clone(), NOW, NOW, metadata("firefox")),
            SessionInfo::new(second.sid.clone(), NOW + 10, NOW + 15, metadata("curl")),
        ]
    );

    assert!(
        !config
            .revoke_session(&alice(), &bob.sid)
            .await
            .expect("answered"),
        "another subject's"
    );
    assert!(
        config
            .revoke_session(&alice(), &first.sid)
            .await
            .expect("revoked")
    );
    assert!(
        !config
            .revoke_session(&alice(), &first.sid)
            .await
            .expect("answered"),
        "already gone"
    );
    let err = config
        .verify(&first.access_token, Requirement::Access)
        .await
        .unwrap_err();
    assert_eq!(err, AuthJwtError::RevokedToken);
    assert_eq!(config.sessions(&alice()).await.expect("listed").len(), 1);

    assert_eq!(
        config.revoke_all_sessions(&alice()).await.expect("revoked"),
        1
    );
    assert!(config.sessions(&alice()).await.expect("listed").is_empty());
    let err = config
        .verify(&second.refresh_token, Requirement::Refresh)
        .await
        .unwrap_err();
    assert_eq!(err, AuthJwtError::RevokedToken);
    assert!(
        config
            .verify(&bob.access_token, Requirement::Access)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_string_and_a_number_subject_do_not_share_sessions() {
    let (config, _) = config_with(MemorySessionStore::new());
    config
        .start_session("42", JsonObject::new())
        .await
        .expect("started");
    assert!(
        config
            .sessions(&Subject::from(42))
            .await
            .expect("listed")
            .is_empty()
    );
    assert_eq!(
        config
            .sessions(&Subject::from("42"))
            .await
            .expect("listed")
            .len(),
        1
    );
}

#[tokio::test]
async fn the_watermark_refuses_tokens_issued_before_it_sessions_or_not() {
    let (config, clock) = config_with(MemorySessionStore::new());
    let login = config
        .start_session("alice", JsonObject::new())
        .await
        .expect("started");
    let loose = config.create_access_token("alice").expect("created");
    let bobs = config.create_access_token("bob").expect("created");
    clock.advance(60);
    config
        .refuse_tokens_issued_before(&alice(), NOW + 60)
        .await
        .expect("set");
    for token in [&login.access_token, &loose] {
        let err = config.verify(token, Requirement::Access).await.unwrap_err();
        assert_eq!(err, AuthJwtError::RevokedToken);
    }
    assert!(config.verify(&bobs, Requirement::Access).await.is_ok());
    let fresh_login = config
        .start_session("alice", JsonObject::new())
        .await
        .expect("started");
    assert!(
        config
            .verify(&fresh_login.access_token, Requirement::Access)
            .await
            .is_ok()
    );
    // An earlier watermark never lifts a later one.
    config
        .refuse_tokens_issued_before(&alice(), NOW)
        .await
        .expect("set");
    assert_eq!(
        config
            .verify(&loose, Requirement::Access)
            .await
            .unwrap_err(),
        AuthJwtError::RevokedToken
    );
}

#[tokio::test]
async fn only_the_configured_token_types_are_checked() {
    let clock = Arc::new(FixedClock::new(NOW));
    let config = builder(&clock)
        .session_token_checks([TokenType::Refresh])
        .session_store(MemorySessionStore::new())
        .build()
        .expect("valid");
    let login = config
        .start_session("alice", JsonObject::new())
        .await
        .expect("started");
    config.revoke_all_sessions(&alice()).await.expect("revoked");
    assert!(
        config
            .verify(&login.access_token, Requirement::Access)
            .await
            .is_ok()
    );
    assert_eq!(
        config
            .verify(&login.refresh_token, Requirement::Refresh)
            .await
            .unwrap_err(),
        AuthJwtError::RevokedToken
    );
}

#[tokio::test]
async fn a_refresh_token_outside_a_session_cannot_rotate() {
    let (config, _) = config_with(MemorySessionStore::new());
    let refresh = config.create_refresh_token("alice").expect("created");
    let err = token_error(refresh_with(&config, &refresh).await);
    assert_eq!(err, AuthJwtError::Decode(DecodeError::MissingClaim("sid")));
    assert_eq!(err.message(), "Token is missing the \"sid\" claim");
    let access = config.create_access_token("alice").expect("created");
    let verified = config.decode(&access).expect("valid");
    let err = config.refresh_session(verified.claims()).await.unwrap_err();
    assert!(matches!(
        err,
        SessionError::Token(AuthJwtError::RefreshTokenRequired)
    ));
}

#[tokio::test]
async fn sid_is_reserved_while_sessions_are_on_and_free_otherwise() {
    let (config, _) = config_with(MemorySessionStore::new());
    let err = config
        .access_token("alice")
        .claim("sid", "forged")
        .encode()
        .unwrap_err();
    assert_eq!(err, CreateTokenError::ReservedClaim("sid".into()));

    let off = AuthJwtConfig::builder()
        .secret_key(SECRET)
        .build()
        .expect("valid");
    let token = off
        .access_token("alice")
        .claim("sid", "mine")
        .encode()
        .expect("created");
    assert_eq!(
        off.decode(&token).expect("valid").claims().get("sid"),
        Some(&json!("mine"))
    );
    assert!(off.verify(&token, Requirement::Access).await.is_ok());
}

#[tokio::test]
async fn a_sid_that_is_not_a_string_names_no_session_and_is_refused() {
    let (config, clock) = config_with(MemorySessionStore::new());
    let login = config
        .start_session("alice", JsonObject::new())
        .await
        .expect("started");
    let verified = config.decode(&login.access_token).expect("valid");
    assert_eq!(verified.claims().session_id(), Some(login.sid.as_str()));

    // Same secret and clock, sessions off: `sid` is an ordinary claim there, so any value
    // can be set.
    let off = builder(&clock)
        .sessions_enabled(false)
        .build()
        .expect("valid");
    for sid in [
        json!(7),
        json!(null),
        json!({ "sid": login.sid }),
        json!([login.sid]),
    ] {
        let token = off
            .access_token("alice")
            .claim("sid", sid.clone())
            .encode()
            .expect("created");
        let verified = config.decode(&token).expect("decodes");
        assert_eq!(verified.claims().session_id(), None, "{sid}");
        assert_eq!(verified.claims().get("sid"), Some(&sid));
        assert_eq!(
            config
                .verify(&token, Requirement::Access)
                .await
                .unwrap_err(),
            AuthJwtError::RevokedToken,
            "{sid}"
        );
    }
}

#[tokio::test]
async fn session_operations_are_refused_while_sessions_are_off() {
    let config = AuthJwtConfig::builder()
        .secret_key(SECRET)
        .session_store(MemorySessionStore::new())
        .build()
        .expect("valid");
    let err = config
        .start_session("alice", JsonObject::new())
        .await
        .unwrap_err();
    assert!(matches!(err, SessionError::Disabled));
    assert_eq!(err.code(), ErrorCode::RevocationRefused);
    assert!(matches!(
        config.sessions(&alice()).await,
        Err(SessionError::Disabled)
    ));
}

#[test]
fn enabled_sessions_need_a_store() {
    let err = AuthJwtConfig::builder()
        .secret_key(SECRET)
        .sessions_enabled(true)
        .build()
        .unwrap_err();
    assert_eq!(err, ConfigError::MissingSessionStore);
    assert_eq!(err.setting(), "authjwt_sessions_enabled");
    assert_eq!(
        err.to_string(),
        "authjwt_sessions_enabled: sessions are enabled but no session store was configured"
    );
}

#[test]
fn the_session_settings_are_read_from_the_environment() {
    let config = AuthJwtConfig::builder()
        .apply_env([
            ("AUTHJWT_SECRET_KEY", SECRET),
            ("AUTHJWT_SESSIONS_ENABLED", "true"),
            ("AUTHJWT_SESSION_TOKEN_CHECKS", "refresh"),
        ])
        .expect("read")
        .session_store(MemorySessionStore::new())
        .build()
        .expect("valid");
    assert!(config.settings().sessions_enabled);
    assert_eq!(config.settings().session_token_checks, [TokenType::Refresh]);
}

/// A session store that cannot answer.
struct DownStore;

impl SessionStore for DownStore {
    fn start<'a>(&'a self, _: &'a SessionStart<'a>, _: Option<Duration>) -> StoreFuture<'a, ()> {
        Box::pin(std::future::ready(Err(RevocationError::Timeout)))
    }
    fn rotate<'a>(
        &'a self,
        _: &'a SessionRotation<'a>,
        _: Option<Duration>,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(std::future::ready(Err(RevocationError::Timeout)))
    }
    fn is_revoked<'a>(&'a self, _: &'a SessionQuery<'a>) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Err(RevocationError::Timeout)))
    }
    fn list<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Vec<SessionInfo>> {
        Box::pin(std::future::ready(Err(RevocationError::Timeout)))
    }
    fn revoke<'a>(&'a self, _: &'a str, _: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Err(RevocationError::Timeout)))
    }
    fn revoke_all<'a>(&'a self, _: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(std::future::ready(Err(RevocationError::Timeout)))
    }
    fn set_watermark<'a>(&'a self, _: &'a str, _: i64, _: Option<Duration>) -> StoreFuture<'a, ()> {
        Box::pin(std::future::ready(Err(RevocationError::Timeout)))
    }
}

#[tokio::test]
async fn a_store_that_cannot_answer_fails_every_checked_request_closed() {
    let (config, _) = config_with(DownStore);
    let access = config.create_access_token("alice").expect("created");
    let err = config
        .verify(&access, Requirement::Access)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status_code(), err.message().as_str()),
        (503, "Token revocation check unavailable")
    );
    let err = config
        .start_session("alice", JsonObject::new())
        .await
        .unwrap_err();
    assert!(matches!(err, SessionError::Store(RevocationError::Timeout)));
    assert_eq!(err.code(), ErrorCode::RevocationUnavailable);
}

#[test]
fn memory_sessions_end_with_their_time_to_live() {
    let store = MemorySessionStore::new();
    let metadata = JsonObject::new();
    let start = SessionStart::new("\"alice\"", "sid-1", NOW, "jti-1", &metadata);
    let ttl = Duration::from_millis(50);
    block_on(store.start(&start, Some(ttl))).expect("started");
    assert_eq!(block_on(store.list("\"alice\"")).expect("listed").len(), 1);
    thread::sleep(ttl * 2);
    assert!(
        block_on(store.list("\"alice\""))
            .expect("listed")
            .is_empty()
    );
    let query = SessionQuery::new("\"alice\"", Some("sid-1"), Some(NOW));
    assert!(block_on(store.is_revoked(&query)).expect("answered"));
    assert_eq!(store.purge_expired(), 0);
    assert!(store.is_empty());
}

#[test]
fn a_full_memory_store_refuses_new_sessions_rather_than_evicting() {
    let store = MemorySessionStore::new().with_capacity_limit(1);
    let metadata = JsonObject::new();
    let first = SessionStart::new("\"alice\"", "sid-1", NOW, "jti-1", &metadata);
    let second = SessionStart::new("\"bob\"", "sid-2", NOW, "jti-2", &metadata);
    block_on(store.start(&first, None)).expect("started");
    let err = block_on(store.start(&second, None)).unwrap_err();
    assert!(matches!(err, RevocationError::CapacityExceeded));
    let query = SessionQuery::new("\"alice\"", Some("sid-1"), Some(NOW));
    assert!(
        !block_on(store.is_revoked(&query)).expect("answered"),
        "still alive"
    );
}

fn block_on<T: Unpin>(future: StoreFuture<'_, T>) -> Result<T, RevocationError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(future)
}
