//! Revocation: the store the pipeline consults (the original's `token_in_denylist_loader`),
//! an in-memory store, and adapters for plain and async closures.
//!
//! The pipeline asks the store only after the signature and every claim check passed, only
//! when `authjwt_denylist_enabled` is on and the token's type is in
//! `authjwt_denylist_token_checks`, and always by `jti`. A store that fails makes the request
//! fail with [`AuthJwtError::RevocationUnavailable`] (503): never a pass.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use foldhash::fast::RandomState;

use crate::claims::Claims;
pub use crate::error::RevocationError;
use crate::error::{AuthJwtError, ErrorCode};
use crate::types::TokenType;

/// Why a token could not be revoked.
///
/// Revoking is refused, rather than answered with a success that changes nothing, when the
/// pipeline would never consult the store for the token: a revoked token would keep passing.
///
/// ```
/// use std::sync::Arc;
/// use authjwt::{AuthJwtConfig, RevokeError, TokenType, revocation::MemoryStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .denylist_enabled(true)
///     .denylist_token_checks([TokenType::Access])
///     .revocation_store(MemoryStore::new())
///     .build()?;
/// let refresh = config.create_refresh_token("alice")?;
/// let err = config.revoke_token(&refresh).await.unwrap_err();
/// assert!(matches!(err, RevokeError::TypeNotChecked(Some(TokenType::Refresh))));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RevokeError {
    /// The token to revoke failed verification, or has no `jti` to record.
    Token(AuthJwtError),
    /// `authjwt_denylist_enabled` is off: the store is never consulted.
    DenylistDisabled,
    /// `authjwt_denylist_token_checks` does not list the token's type (`None`: the token has
    /// no `access` or `refresh` type), so the store is never consulted for it.
    TypeNotChecked(Option<TokenType>),
    /// The store could not record the revocation.
    Store(RevocationError),
}

impl fmt::Display for RevokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(err) => write!(f, "the token cannot be revoked: {err}"),
            Self::DenylistDisabled => f.write_str(
                "revocation refused: authjwt_denylist_enabled is off, so a revoked token \
                 would keep passing",
            ),
            Self::TypeNotChecked(Some(token_type)) => write!(
                f,
                "revocation refused: authjwt_denylist_token_checks does not list \
                 {token_type}, so a revoked {token_type} token would keep passing"
            ),
            Self::TypeNotChecked(None) => f.write_str(
                "revocation refused: the token is neither an access nor a refresh token, so \
                 the denylist never checks it",
            ),
            Self::Store(err) => write!(f, "the revocation was not recorded: {err}"),
        }
    }
}

impl RevokeError {
    /// The failure's machine-readable code: the token's own for [`Token`](Self::Token),
    /// [`ErrorCode::RevocationRefused`] for a refusal, [`ErrorCode::RevocationUnavailable`] for
    /// a store failure.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Token(err) => err.code(),
            Self::DenylistDisabled | Self::TypeNotChecked(_) => ErrorCode::RevocationRefused,
            Self::Store(_) => ErrorCode::RevocationUnavailable,
        }
    }
}

impl std::error::Error for RevokeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Token(err) => Some(err),
            Self::Store(err) => Some(err),
            Self::DenylistDisabled | Self::TypeNotChecked(_) => None,
        }
    }
}

impl From<AuthJwtError> for RevokeError {
    fn from(err: AuthJwtError) -> Self {
        Self::Token(err)
    }
}

/// The future a [`RevocationStore`] returns: `Box::pin(async move { ... })` for an answer
/// that needs waiting for, `Box::pin(std::future::ready(answer))` for one known at once.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, RevocationError>> + Send + 'a>>;

/// Where revoked token ids are kept.
///
/// Implement it for your own store, or use [`MemoryStore`], the Redis store of the
/// `authjwt-redis` crate, [`from_fn`] or [`from_async_fn`].
pub trait RevocationStore: Send + Sync {
    /// Whether the token with this `jti` is revoked. `claims` are the token's verified claims,
    /// for stores that decide on more than the id (the original's callback received them).
    fn is_revoked<'a>(&'a self, jti: &'a str, claims: &'a Claims) -> StoreFuture<'a, bool>;

    /// Records `jti` as revoked for `ttl`, or for good when `None`. The configuration works
    /// the time to live out with its own clock (until the end of the last second its token
    /// can pass: `exp` plus the leeway), so a store needs no clock of its own, and never
    /// gets a revocation of a token that can no longer pass. The default refuses with
    /// [`RevocationError::ReadOnly`], for stores that only answer queries.
    fn revoke<'a>(&'a self, jti: &'a str, ttl: Option<Duration>) -> StoreFuture<'a, ()> {
        let _ = (jti, ttl);
        Box::pin(std::future::ready(Err(RevocationError::ReadOnly)))
    }

    /// Records the token with these verified claims as revoked for `ttl`:
    /// [`AuthJwtConfig::revoke`](crate::AuthJwtConfig::revoke) and `revoke_token` call it,
    /// `revoke_jti` (which has no claims) calls [`revoke`](Self::revoke). The default
    /// records the `jti` with [`revoke`](Self::revoke); a store that files revocations by
    /// more than the id (by subject, to check them together with the subject's sessions)
    /// overrides it.
    fn revoke_token<'a>(
        &'a self,
        jti: &'a str,
        claims: &'a Claims,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        let _ = claims;
        self.revoke(jti, ttl)
    }
}

impl<S: RevocationStore + ?Sized> RevocationStore for Arc<S> {
    fn is_revoked<'a>(&'a self, jti: &'a str, claims: &'a Claims) -> StoreFuture<'a, bool> {
        (**self).is_revoked(jti, claims)
    }

    fn revoke<'a>(&'a self, jti: &'a str, ttl: Option<Duration>) -> StoreFuture<'a, ()> {
        (**self).revoke(jti, ttl)
    }

    fn revoke_token<'a>(
        &'a self,
        jti: &'a str,
        claims: &'a Claims,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        (**self).revoke_token(jti, claims, ttl)
    }
}

/// A read-only store from a synchronous closure over the claims, like the original's
/// `token_in_denylist_loader` callback.
///
/// ```
/// use std::collections::HashSet;
/// use authjwt::{AuthJwtConfig, revocation};
///
/// let revoked: HashSet<String> = HashSet::from(["a-revoked-jti".to_owned()]);
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .denylist_enabled(true)
///     .revocation_store(revocation::from_fn(move |claims| {
///         claims.jti().is_some_and(|jti| revoked.contains(jti))
///     }))
///     .build()?;
/// # Ok::<(), authjwt::ConfigError>(())
/// ```
pub fn from_fn<F>(is_revoked: F) -> FnStore<F>
where
    F: Fn(&Claims) -> bool + Send + Sync,
{
    FnStore { is_revoked }
}

/// See [`from_fn`].
pub struct FnStore<F> {
    is_revoked: F,
}

impl<F> fmt::Debug for FnStore<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnStore")
    }
}

impl<F> RevocationStore for FnStore<F>
where
    F: Fn(&Claims) -> bool + Send + Sync,
{
    fn is_revoked<'a>(&'a self, _jti: &'a str, claims: &'a Claims) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Ok((self.is_revoked)(claims))))
    }
}

/// A read-only store from an async closure, which gets its own copy of the claims and may
/// fail. The original could not await its callback (fastapi-jwt-auth issue #83).
///
/// ```
/// use authjwt::{AuthJwtConfig, revocation};
///
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .denylist_enabled(true)
///     .revocation_store(revocation::from_async_fn(|claims| async move {
///         // Ask a database here; an error fails the request with 503.
///         Ok::<_, revocation::RevocationError>(claims.jti() == Some("a-revoked-jti"))
///     }))
///     .build()?;
/// # Ok::<(), authjwt::ConfigError>(())
/// ```
pub fn from_async_fn<F, Fut>(is_revoked: F) -> AsyncFnStore<F>
where
    F: Fn(Claims) -> Fut + Send + Sync,
    Fut: Future<Output = Result<bool, RevocationError>> + Send + 'static,
{
    AsyncFnStore { is_revoked }
}

/// See [`from_async_fn`].
pub struct AsyncFnStore<F> {
    is_revoked: F,
}

impl<F> fmt::Debug for AsyncFnStore<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AsyncFnStore")
    }
}

impl<F, Fut> RevocationStore for AsyncFnStore<F>
where
    F: Fn(Claims) -> Fut + Send + Sync,
    Fut: Future<Output = Result<bool, RevocationError>> + Send + 'static,
{
    fn is_revoked<'a>(&'a self, _jti: &'a str, claims: &'a Claims) -> StoreFuture<'a, bool> {
        Box::pin((self.is_revoked)(claims.clone()))
    }
}

const SHARDS: usize = 16;

/// The in-memory store: revoked ids kept until their token expires, in shards that readers
/// share without waiting for each other.
///
/// An entry is dropped once its time to live has passed (lazily, when its shard grows; or by
/// [`purge_expired`](Self::purge_expired)); time is measured with the monotonic
/// [`Instant`], the lifetime given by the configuration. Entries of tokens without `exp` stay
/// until [`remove`](Self::remove)d. Each entry costs about 90 bytes with a 36-byte `jti`
/// (measured in `tests/memory_store.rs`), plus the hash table's spare room.
///
/// The store is bounded, because any user who can log in can add an entry by logging out:
/// at most [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) live entries (about 150 MB at the
/// worst), of which at most [`DEFAULT_UNEXPIRING_LIMIT`](Self::DEFAULT_UNEXPIRING_LIMIT) for
/// tokens without `exp`, which never expire on their own; change them with
/// [`with_capacity_limit`](Self::with_capacity_limit) and
/// [`with_unexpiring_limit`](Self::with_unexpiring_limit). At a limit, after expired entries
/// are dropped to make room, a revocation is refused with
/// [`RevocationError::CapacityExceeded`] (a logout answers 503) rather than evicting a live
/// entry, which would bring a revoked token back to life.
///
/// It is per process and lost on restart; several instances need a shared store such as
/// Redis.
///
/// ```
/// use std::sync::Arc;
/// use authjwt::{AuthJwtConfig, revocation::MemoryStore};
///
/// let store = Arc::new(MemoryStore::new());
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .denylist_enabled(true)
///     .revocation_store(Arc::clone(&store))
///     .build()?;
/// assert!(store.is_empty());
/// # Ok::<(), authjwt::ConfigError>(())
/// ```
pub struct MemoryStore {
    shards: [RwLock<Shard>; SHARDS],
    /// Picks the shard. foldhash, not the maps' SipHash: which shard holds an id needs no
    /// resistance to chosen collisions (the map in the shard keeps SipHash's), and hashing
    /// each id twice with SipHash cost 0.9% of a verification (tools/bench/callgrind.sh).
    shard_hasher: RandomState,
    capacity: usize,
    unexpiring_limit: usize,
    len: AtomicUsize,
    /// Entries without expiry: never purged, so counted against their own limit.
    unexpiring: AtomicUsize,
}

#[derive(Default)]
struct Shard {
    /// `jti` to the moment its revocation may be forgotten; `None`: never.
    entries: HashMap<Box<str>, Option<Instant>>,
    /// The size at which the next insert first drops expired entries.
    purge_at: usize,
}

const MIN_PURGE_AT: usize = 64;

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("unexpiring_limit", &self.unexpiring_limit)
            .finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// The live entries a new store holds at most: 1,000,000.
    pub const DEFAULT_CAPACITY: usize = 1_000_000;

    /// The entries of tokens without `exp` a new store holds at most: 100,000.
    pub const DEFAULT_UNEXPIRING_LIMIT: usize = 100_000;

    /// An empty store with the default limits.
    #[must_use]
    pub fn new() -> Self {
        Self {
            shards: Default::default(),
            shard_hasher: RandomState::default(),
            capacity: Self::DEFAULT_CAPACITY,
            unexpiring_limit: Self::DEFAULT_UNEXPIRING_LIMIT,
            len: AtomicUsize::new(0),
            unexpiring: AtomicUsize::new(0),
        }
    }

    /// Refuses revocations beyond `entries` live entries with
    /// [`RevocationError::CapacityExceeded`] rather than evicting live ones. Default
    /// [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY).
    #[must_use]
    pub fn with_capacity_limit(mut self, entries: usize) -> Self {
        self.capacity = entries;
        self
    }

    /// Refuses revocations of tokens without `exp` beyond `entries` such entries, with
    /// [`RevocationError::CapacityExceeded`]. They count against the capacity limit too.
    /// Default [`DEFAULT_UNEXPIRING_LIMIT`](Self::DEFAULT_UNEXPIRING_LIMIT).
    #[must_use]
    pub fn with_unexpiring_limit(mut self, entries: usize) -> Self {
        self.unexpiring_limit = entries;
        self
    }

    /// The entries held, expired ones not yet dropped included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// Whether the store holds no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `jti` is revoked and its time to live has not passed.
    #[must_use]
    pub fn contains(&self, jti: &str) -> bool {
        // Time is read only for a revoked id: most lookups find nothing.
        self.shard(jti)
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .get(jti)
            .is_some_and(|forget_at| forget_at.is_none_or(|at| Instant::now() < at))
    }

    /// Records `jti` as revoked for `ttl`, or for good when `None` (or when `ttl` is too long
    /// to represent). A zero `ttl` stores nothing.
    ///
    /// # Errors
    ///
    /// [`RevocationError::CapacityExceeded`] when the capacity limit, or for an entry kept for
    /// good the limit of such entries, is reached.
    pub fn insert(&self, jti: &str, ttl: Option<Duration>) -> Result<(), RevocationError> {
        if ttl == Some(Duration::ZERO) {
            return Ok(());
        }
        let now = Instant::now();
        let forget_at = ttl.and_then(|ttl| now.checked_add(ttl));
        let mut shard = self
            .shard(jti)
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if shard.entries.len() >= shard.purge_at {
            self.purge_shard(&mut shard, now);
            shard.purge_at = (shard.entries.len() * 2).max(MIN_PURGE_AT);
        }
        if !shard.entries.contains_key(jti) && self.is_full() {
            self.purge_shard(&mut shard, now);
            if self.is_full() {
                // Expired entries in the other shards are room too. Drop them one shard at a
                // time, never holding two shard locks, so concurrent inserts cannot deadlock.
                drop(shard);
                self.purge_all(now);
                shard = self
                    .shard(jti)
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                if !shard.entries.contains_key(jti) && self.is_full() {
                    return Err(RevocationError::CapacityExceeded);
                }
            }
        }
        let previous = shard.entries.get(jti).copied();
        let adds_unexpiring = forget_at.is_none() && previous != Some(None);
        if adds_unexpiring && self.unexpiring.load(Ordering::Relaxed) >= self.unexpiring_limit {
            return Err(RevocationError::CapacityExceeded);
        }
        shard.entries.insert(jti.into(), forget_at);
        if previous.is_none() {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
        if adds_unexpiring {
            self.unexpiring.fetch_add(1, Ordering::Relaxed);
        } else if previous == Some(None) && forget_at.is_some() {
            self.unexpiring.fetch_sub(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn is_full(&self) -> bool {
        self.len() >= self.capacity
    }

    /// Forgets `jti`; returns whether it was held.
    pub fn remove(&self, jti: &str) -> bool {
        let removed = self
            .shard(jti)
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .remove(jti);
        match removed {
            None => return false,
            Some(None) => {
                self.unexpiring.fetch_sub(1, Ordering::Relaxed);
            }
            Some(Some(_)) => {}
        }
        self.len.fetch_sub(1, Ordering::Relaxed);
        true
    }

    /// Drops every entry whose time to live has passed; returns how many entries remain.
    pub fn purge_expired(&self) -> usize {
        self.purge_all(Instant::now());
        self.len()
    }

    fn purge_all(&self, now: Instant) {
        for shard in &self.shards {
            let mut shard = shard.write().unwrap_or_else(PoisonError::into_inner);
            self.purge_shard(&mut shard, now);
        }
    }

    fn purge_shard(&self, shard: &mut Shard, now: Instant) {
        let before = shard.entries.len();
        shard
            .entries
            .retain(|_, forget_at| forget_at.is_none_or(|at| now < at));
        self.len
            .fetch_sub(before - shard.entries.len(), Ordering::Relaxed);
    }

    fn shard(&self, jti: &str) -> &RwLock<Shard> {
        // The modulo keeps the index below SHARDS, so the cast cannot truncate a used bit.
        #[allow(clippy::cast_possible_truncation)]
        let index = (self.shard_hasher.hash_one(jti) % SHARDS as u64) as usize;
        &self.shards[index]
    }
}

impl RevocationStore for MemoryStore {
    fn is_revoked<'a>(&'a self, jti: &'a str, _claims: &'a Claims) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(self.contains(jti))))
    }

    fn revoke<'a>(&'a self, jti: &'a str, ttl: Option<Duration>) -> StoreFuture<'a, ()> {
        Box::pin(std::future::ready(self.insert(jti, ttl)))
    }
}
