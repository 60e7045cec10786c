//! The in-memory revocation store, and revocation through the configuration.
//!
//! This binary installs a counting global allocator (the `allocation-counter` crate counts per
//! thread, so tests running in parallel do not disturb the memory measurement).

mod common;

use std::error::Error as _;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use authjwt::revocation::{self, MemoryStore};
use authjwt::{
    AuthJwtError, Clock as _, DecodeError, ExpiresTime, Requirement, RevocationError, RevokeError,
    TokenType,
};
use common::{NOW, RecordingStore, builder_with_clock, failure, fixed_clock, hs256_claims};

/// Long enough that no entry lapses while a test runs.
const LIVE: Option<Duration> = Some(Duration::from_secs(3_600));

/// Short enough to wait for; longer than inserting the test's entries takes.
const SHORT: Duration = Duration::from_millis(300);

#[test]
fn a_revoked_jti_is_contained_until_its_time_to_live_passes() {
    let store = MemoryStore::new();
    assert!(store.is_empty());
    store.insert("a", Some(SHORT)).expect("stored");
    assert!(store.contains("a"));
    assert!(!store.contains("b"));
    assert_eq!(store.len(), 1);

    thread::sleep(SHORT);
    assert!(!store.contains("a"), "its time to live has passed");
    // Held until dropped, then gone.
    assert_eq!(store.len(), 1);
    assert_eq!(store.purge_expired(), 0);
    assert!(store.is_empty());
}

#[test]
fn revoking_again_replaces_the_time_to_live() {
    let store = MemoryStore::new();
    store.insert("a", Some(SHORT)).expect("stored");
    store.insert("a", LIVE).expect("stored");
    assert_eq!(store.len(), 1);
    thread::sleep(SHORT);
    assert!(store.contains("a"));
    store.insert("a", None).expect("stored");
    assert!(store.contains("a"));
    assert_eq!(store.len(), 1);
}

#[test]
fn a_zero_time_to_live_stores_nothing() {
    let store = MemoryStore::new();
    store
        .insert("old", Some(Duration::ZERO))
        .expect("a no-op, not an error");
    assert!(store.is_empty());
    assert!(!store.contains("old"));
    store
        .insert("now", Some(Duration::from_secs(1)))
        .expect("stored");
    assert_eq!(store.len(), 1);
}

#[test]
fn an_entry_without_expiry_stays_until_removed() {
    let store = MemoryStore::new();
    store.insert("forever", None).expect("stored");
    // A lifetime too long to represent is kept for good too.
    store
        .insert("too-long", Some(Duration::MAX))
        .expect("stored");
    assert_eq!(store.purge_expired(), 2);
    assert!(store.contains("forever") && store.contains("too-long"));
    assert!(store.remove("forever"));
    assert!(!store.remove("forever"));
    assert!(!store.contains("forever"));
    assert!(store.remove("too-long"));
    assert!(store.is_empty());
}

#[test]
fn purge_expired_drops_only_expired_entries() {
    let store = MemoryStore::new();
    for i in 0..100 {
        store
            .insert(&format!("short-{i}"), Some(SHORT))
            .expect("stored");
        store.insert(&format!("long-{i}"), LIVE).expect("stored");
    }
    store.insert("forever", None).expect("stored");
    assert_eq!(store.len(), 201);
    thread::sleep(SHORT);
    assert_eq!(store.purge_expired(), 101);
    assert!(store.contains("long-0") && store.contains("forever"));
    assert!(!store.contains("short-0"));
}

#[test]
fn expired_entries_are_dropped_lazily_as_the_store_grows() {
    const ENTRIES: usize = 10_000;
    let store = MemoryStore::new();
    for i in 0..ENTRIES {
        store
            .insert(&format!("old-{i}"), Some(SHORT))
            .expect("stored");
    }
    assert_eq!(store.len(), ENTRIES);

    thread::sleep(SHORT);
    // Each shard drops its expired entries once it has grown enough: inserting as many new
    // entries as there were old ones doubles every shard, which always triggers that.
    for i in 0..ENTRIES {
        store.insert(&format!("new-{i}"), LIVE).expect("stored");
    }
    assert_eq!(store.len(), ENTRIES, "back to the live entries alone");
    assert!(store.contains("new-0"));
    assert!(!store.contains("old-0"));
    assert_eq!(store.purge_expired(), ENTRIES);
}

#[test]
fn at_capacity_revocations_are_refused_and_live_entries_kept() {
    let store = MemoryStore::new().with_capacity_limit(3);
    for jti in ["a", "b", "c"] {
        store.insert(jti, LIVE).expect("under capacity");
    }
    let err = store.insert("d", LIVE).expect_err("full");
    assert!(matches!(err, RevocationError::CapacityExceeded), "{err:?}");
    assert_eq!(err.to_string(), "the revocation store is full");
    assert!(store.contains("a") && store.contains("b") && store.contains("c"));
    assert!(!store.contains("d"));
    assert_eq!(store.len(), 3);
    // Re-revoking a held jti needs no room.
    store.insert("a", None).expect("replaces the entry");
    assert_eq!(store.len(), 3);
    // A revocation with nothing left to keep is a no-op even when full.
    store
        .insert("e", Some(Duration::ZERO))
        .expect("nothing to store");
}

#[test]
fn at_capacity_expired_entries_make_room_wherever_they_are() {
    let store = MemoryStore::new().with_capacity_limit(8);
    for i in 0..8 {
        store
            .insert(&format!("expiring-{i}"), Some(SHORT))
            .expect("under capacity");
    }
    thread::sleep(SHORT);
    // The expired entries sit in whichever shards their ids hash to; all of them count as room.
    for i in 0..8 {
        store
            .insert(&format!("fresh-{i}"), LIVE)
            .unwrap_or_else(|err| {
                panic!(
                    "fresh-{i} refused with {} expired entries held: {err}",
                    8 - i
                )
            });
    }
    assert_eq!(store.len(), 8);
    store
        .insert("one-too-many", LIVE)
        .expect_err("full of live entries");
}

#[test]
fn concurrent_revocations_and_checks_lose_nothing() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 2_000;
    const SHARED: usize = 500;
    let store = Arc::new(MemoryStore::new());
    let workers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                for i in 0..PER_THREAD {
                    let own = format!("thread-{thread}-{i}");
                    store.insert(&own, LIVE).expect("stored");
                    assert!(store.contains(&own), "a thread sees its own revocation");
                    let shared = format!("shared-{}", (i + thread * 7) % SHARED);
                    store.insert(&shared, None).expect("stored");
                    assert!(store.contains(&shared));
                    // Ask about another thread's ids too; the answer may be either.
                    let _ = store.contains(&format!("thread-{}-{i}", (thread + 1) % THREADS));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("no worker panicked");
    }
    assert_eq!(store.len(), THREADS * PER_THREAD + SHARED);
    for thread in 0..THREADS {
        for i in 0..PER_THREAD {
            assert!(store.contains(&format!("thread-{thread}-{i}")));
        }
    }
    for i in 0..SHARED {
        assert!(store.contains(&format!("shared-{i}")));
    }
    assert_eq!(store.purge_expired(), THREADS * PER_THREAD + SHARED);
}

#[test]
fn memory_per_entry_stays_small() {
    const ENTRIES: usize = 10_000;
    let store = MemoryStore::new();
    // 36-byte ids, like the UUIDs authjwt writes; made before measuring.
    let jtis: Vec<String> = (0..ENTRIES)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    assert!(jtis.iter().all(|jti| jti.len() == 36));
    let info = allocation_counter::measure(|| {
        for jti in &jtis {
            store.insert(jti, LIVE).expect("stored");
        }
    });
    assert_eq!(store.len(), ENTRIES);
    let bytes_per_entry = info.bytes_current / i64::try_from(ENTRIES).expect("small");
    println!(
        "MemoryStore: {bytes_per_entry} bytes per entry ({} bytes for {ENTRIES} entries with \
         36-byte jtis, peak {} bytes)",
        info.bytes_current, info.bytes_max
    );
    assert!(
        bytes_per_entry > 36,
        "each entry holds its jti: {bytes_per_entry}"
    );
    assert!(bytes_per_entry < 256, "{bytes_per_entry} bytes per entry");
    drop(store);
}

// ---------------------------------------------------------------------------------------------
// Revocation through the configuration
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn revoke_gives_the_store_the_time_to_live_by_the_configurations_clock() {
    let clock = fixed_clock();
    let store = Arc::new(RecordingStore::default());
    let config = builder_with_clock(Arc::clone(&clock))
        .decode_leeway(std::time::Duration::from_secs(30))
        .denylist_enabled(true)
        .revocation_store(Arc::clone(&store))
        .build()
        .expect("valid");
    let access = config.create_access_token("alice").expect("signed");
    let long_lived = config
        .refresh_token("alice")
        .expires(ExpiresTime::Seconds(90 * 24 * 3600))
        .encode()
        .expect("signed");
    let never = config
        .access_token("alice")
        .expires(ExpiresTime::Never)
        .encode()
        .expect("signed");
    config.revoke_token(&access).await.expect("revoked");
    config.revoke_token(&long_lived).await.expect("revoked");
    let claims = config.decode(&never).expect("valid").into_claims();
    config.revoke(&claims).await.expect("revoked");
    config
        .revoke_jti("by-hand", Some(NOW + 100))
        .await
        .expect("revoked");
    config
        .revoke_jti("too-late", Some(NOW - 1))
        .await
        .expect("nothing left to revoke");

    let jti = |token: &str| {
        config
            .decode(token)
            .expect("valid")
            .claims()
            .jti()
            .expect("a jti")
            .to_owned()
    };
    assert_eq!(
        store.revocations(),
        [
            // Until the end of the last second the token passes, exp + leeway, by the
            // configuration's clock.
            (jti(&access), Some(Duration::from_secs(900 + 30 + 1))),
            (
                jti(&long_lived),
                Some(Duration::from_secs(90 * 24 * 3600 + 30 + 1))
            ),
            (jti(&never), None),
            ("by-hand".to_owned(), Some(Duration::from_secs(101))),
        ]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_revoked_token_is_refused_until_it_expires_and_then_forgotten() {
    let clock = fixed_clock();
    let store = Arc::new(MemoryStore::new());
    let config = builder_with_clock(Arc::clone(&clock))
        .decode_leeway(std::time::Duration::from_secs(5))
        .denylist_enabled(true)
        .revocation_store(Arc::clone(&store))
        .build()
        .expect("valid");
    let token = config
        .access_token("alice")
        .expires(ExpiresTime::Seconds(60))
        .encode()
        .expect("signed");
    config
        .verify(&token, Requirement::Access)
        .await
        .expect("not yet revoked");
    config.revoke_token(&token).await.expect("revoked");
    assert_eq!(store.len(), 1);
    assert_eq!(
        failure(config.verify(&token, Requirement::Access).await),
        (401, "Token has been revoked".to_owned())
    );
    // exp + leeway is the token's last valid second, and the entry's.
    clock.set(NOW + 65);
    assert_eq!(
        failure(config.verify(&token, Requirement::Access).await),
        (401, "Token has been revoked".to_owned())
    );
    clock.set(NOW + 66);
    assert_eq!(
        failure(config.verify(&token, Requirement::Access).await),
        (422, "Signature has expired".to_owned())
    );
    // The entry lives out its time to live (66 s): harmless, the token is refused anyway.
    assert_eq!(store.purge_expired(), 1);
    // Revoking a token that has expired is refused by verification, not stored.
    assert!(matches!(
        config.revoke_token(&token).await,
        Err(RevokeError::Token(AuthJwtError::Decode(
            DecodeError::ExpiredSignature
        )))
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn a_token_without_exp_is_revoked_for_good() {
    let clock = fixed_clock();
    let store = Arc::new(MemoryStore::new());
    let config = builder_with_clock(Arc::clone(&clock))
        .denylist_enabled(true)
        .revocation_store(Arc::clone(&store))
        .build()
        .expect("valid");
    let token = config
        .refresh_token("alice")
        .expires(ExpiresTime::Never)
        .encode()
        .expect("signed");
    config.revoke_token(&token).await.expect("revoked");
    clock.advance(10 * 365 * 24 * 3600);
    assert_eq!(store.purge_expired(), 1);
    assert_eq!(
        failure(config.verify(&token, Requirement::Refresh).await),
        (401, "Token has been revoked".to_owned())
    );
}

#[tokio::test(flavor = "current_thread")]
async fn revocation_failures_are_reported() {
    let clock = fixed_clock();
    // A store that only answers queries cannot record revocations; the cause is kept.
    let read_only = builder_with_clock(Arc::clone(&clock))
        .denylist_enabled(true)
        .revocation_store(revocation::from_fn(|_claims| false))
        .build()
        .expect("valid");
    let token = read_only.create_access_token("alice").expect("signed");
    let err = read_only.revoke_token(&token).await.expect_err("read-only");
    assert!(
        matches!(err, RevokeError::Store(RevocationError::ReadOnly)),
        "{err:?}"
    );
    assert_eq!(
        err.source().map(ToString::to_string).as_deref(),
        Some("the revocation store cannot record revocations")
    );

    let full = builder_with_clock(Arc::clone(&clock))
        .denylist_enabled(true)
        .revocation_store(MemoryStore::new().with_capacity_limit(1))
        .build()
        .expect("valid");
    full.revoke_jti("first", None).await.expect("room for one");
    assert!(matches!(
        full.revoke_jti("second", None).await,
        Err(RevokeError::Store(RevocationError::CapacityExceeded))
    ));

    let store = Arc::new(RecordingStore::default());
    let recording = builder_with_clock(Arc::clone(&clock))
        .denylist_enabled(true)
        .revocation_store(Arc::clone(&store))
        .build()
        .expect("valid");
    let Err(RevokeError::Token(err)) = recording.revoke_token("garbage").await else {
        panic!("a malformed token cannot be revoked");
    };
    assert_eq!(
        failure::<()>(Err(err)),
        (422, "Not enough segments".to_owned())
    );
    let without_jti = hs256_claims(r#"{"sub":"alice","type":"access"}"#);
    let claims = recording.decode(&without_jti).expect("valid").into_claims();
    assert!(matches!(
        recording.revoke(&claims).await,
        Err(RevokeError::Token(AuthJwtError::Decode(
            DecodeError::MissingClaim("jti")
        )))
    ));
    assert!(matches!(
        recording.revoke_token(&without_jti).await,
        Err(RevokeError::Token(AuthJwtError::Decode(
            DecodeError::MissingClaim("jti")
        )))
    ));
    assert!(store.revocations().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn revoking_while_the_denylist_is_off_is_refused() {
    let clock = fixed_clock();
    let store = Arc::new(MemoryStore::new());
    let config = builder_with_clock(Arc::clone(&clock))
        .revocation_store(Arc::clone(&store))
        .build()
        .expect("valid");
    let token = config.create_access_token("alice").expect("signed");
    let claims = config.decode(&token).expect("valid").into_claims();
    assert!(matches!(
        config.revoke(&claims).await,
        Err(RevokeError::DenylistDisabled)
    ));
    assert!(matches!(
        config.revoke_token(&token).await,
        Err(RevokeError::DenylistDisabled)
    ));
    assert!(matches!(
        config.revoke_jti("x", None).await,
        Err(RevokeError::DenylistDisabled)
    ));
    assert!(store.is_empty());

    let without_store = builder_with_clock(Arc::clone(&clock))
        .build()
        .expect("valid");
    assert!(matches!(
        without_store.revoke_token(&token).await,
        Err(RevokeError::DenylistDisabled)
    ));
    assert_eq!(
        RevokeError::DenylistDisabled.to_string(),
        "revocation refused: authjwt_denylist_enabled is off, so a revoked token would keep \
         passing"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn revoking_a_type_the_denylist_does_not_check_is_refused() {
    let clock = fixed_clock();
    let store = Arc::new(MemoryStore::new());
    let access_only = builder_with_clock(Arc::clone(&clock))
        .denylist_enabled(true)
        .denylist_token_checks([TokenType::Access])
        .revocation_store(Arc::clone(&store))
        .build()
        .expect("valid");
    let refresh = access_only.create_refresh_token("alice").expect("signed");
    let err = access_only
        .revoke_token(&refresh)
        .await
        .expect_err("refused");
    assert!(
        matches!(err, RevokeError::TypeNotChecked(Some(TokenType::Refresh))),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "revocation refused: authjwt_denylist_token_checks does not list refresh, so a \
         revoked refresh token would keep passing"
    );
    assert!(store.is_empty());
    access_only
        .verify(&refresh, Requirement::Refresh)
        .await
        .expect("the refresh token is not revoked, and nobody was told it was");

    let access = access_only.create_access_token("alice").expect("signed");
    access_only.revoke_token(&access).await.expect("checked");
    assert_eq!(store.len(), 1);

    // A token of neither type is never checked either.
    let untyped = hs256_claims(r#"{"sub":"alice","jti":"j","type":"other"}"#);
    let claims = access_only.decode(&untyped).expect("valid").into_claims();
    assert!(matches!(
        access_only.revoke(&claims).await,
        Err(RevokeError::TypeNotChecked(None))
    ));
}

#[test]
fn a_new_store_is_bounded() {
    let store = MemoryStore::new()
        .with_capacity_limit(4)
        .with_unexpiring_limit(2);
    store.insert("forever-1", None).expect("room");
    store.insert("forever-2", None).expect("room");
    let err = store
        .insert("forever-3", None)
        .expect_err("unexpiring limit");
    assert!(matches!(err, RevocationError::CapacityExceeded), "{err:?}");
    // Revoking an entry already held without expiry again takes no more room.
    store.insert("forever-2", None).expect("already held");
    // Expiring entries still fit up to the capacity.
    store.insert("expiring-1", LIVE).expect("room");
    store.insert("expiring-2", LIVE).expect("room");
    assert!(store.insert("expiring-3", LIVE).is_err());
    // Removing or re-revoking with an expiry frees room among the unexpiring ones.
    assert!(store.remove("forever-1"));
    store.insert("forever-2", LIVE).expect("replaced");
    store.insert("forever-3", None).expect("room again");
    store.insert("forever-4", None).expect_err("capacity");
    assert!(store.contains("forever-3"));

    let defaults = format!("{:?}", MemoryStore::new());
    assert!(
        defaults.contains("capacity: 1000000") && defaults.contains("unexpiring_limit: 100000"),
        "{defaults}"
    );
}

/// The store keeps no clock: a configuration whose clock is far from the system's (a fixed
/// clock in tests, say) still revokes, where a store reading the system clock judged the
/// token long expired, stored nothing and answered success.
#[tokio::test(flavor = "current_thread")]
async fn a_configuration_clock_far_from_the_system_clock_still_revokes() {
    for offset in [-5 * 365 * 86_400, 5 * 365 * 86_400] {
        let system_now = authjwt::SystemClock.now();
        let clock = Arc::new(authjwt::FixedClock::new(system_now + offset));
        let store = Arc::new(MemoryStore::new());
        let config = builder_with_clock(Arc::clone(&clock))
            .denylist_enabled(true)
            .revocation_store(Arc::clone(&store))
            .build()
            .expect("valid");
        let token = config.create_access_token("alice").expect("signed");
        config.revoke_token(&token).await.expect("revoked");
        assert_eq!(store.len(), 1, "offset {offset}");
        assert_eq!(
            failure(config.verify(&token, Requirement::Access).await),
            (401, "Token has been revoked".to_owned()),
            "offset {offset}"
        );
    }
}
