//! Sessions: the store that keeps each login's session, its current refresh token and the
//! per-subject watermark, and an in-memory store.
//!
//! With `authjwt_sessions_enabled` on, each login starts a session whose tokens carry its
//! random `sid`; refreshing uses the presented refresh token up and hands out the session's
//! next one (RFC 9700 §4.14, refresh token rotation). The store decides each rotation
//! atomically: the presented refresh token is the session's current one (rotated), an older
//! one (reuse: the whole session is revoked), or the session is gone. Every request of the
//! kinds `authjwt_session_token_checks` lists asks the store, after the signature and claim
//! checks, whether the token's session is alive and whether the token was issued before its
//! subject's watermark. A store that cannot answer fails the request with 503, never a pass.
//!
//! Stores keep no clock: the configuration gives each entry its time to live and each
//! rotation its time, measured with its own clock.

use std::collections::HashMap;
use std::fmt;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::claims::JsonObject;
use crate::error::RevocationError;
use crate::revocation::StoreFuture;

/// The claim naming a token's session; reserved while sessions are on.
pub const SESSION_CLAIM: &str = "sid";

/// One session as [`SessionStore::list`] describes it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// The session id, the `sid` claim of its tokens.
    pub sid: String,
    /// When the session started (the login), seconds since the epoch.
    pub created_at: i64,
    /// When its refresh token was last rotated; `created_at` until then.
    pub refreshed_at: i64,
    /// What the application attached at login (a user agent, say).
    pub metadata: JsonObject,
}

impl SessionInfo {
    /// A session's description, for stores written outside this crate.
    #[must_use]
    pub fn new(sid: String, created_at: i64, refreshed_at: i64, metadata: JsonObject) -> Self {
        Self {
            sid,
            created_at,
            refreshed_at,
            metadata,
        }
    }
}

/// A session to record: [`SessionStore::start`]'s argument.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SessionStart<'a> {
    /// The subject's key: its `sub` as JSON (`"alice"`, `42`), so a string and a number
    /// never share sessions.
    pub subject: &'a str,
    /// The new session's id.
    pub sid: &'a str,
    /// Now, on the configuration's clock.
    pub created_at: i64,
    /// The `jti` of the session's first refresh token.
    pub refresh_jti: &'a str,
    /// What the application attached.
    pub metadata: &'a JsonObject,
}

impl<'a> SessionStart<'a> {
    /// A session to record, for testing stores.
    #[must_use]
    pub fn new(
        subject: &'a str,
        sid: &'a str,
        created_at: i64,
        refresh_jti: &'a str,
        metadata: &'a JsonObject,
    ) -> Self {
        Self {
            subject,
            sid,
            created_at,
            refresh_jti,
            metadata,
        }
    }
}

/// A rotation to decide: [`SessionStore::rotate`]'s argument.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SessionRotation<'a> {
    /// The subject's key, as in [`SessionStart::subject`].
    pub subject: &'a str,
    /// The session id of the presented refresh token.
    pub sid: &'a str,
    /// The `jti` of the presented refresh token.
    pub presented_jti: &'a str,
    /// The `jti` of the refresh token that replaces it.
    pub next_jti: &'a str,
    /// Now, on the configuration's clock.
    pub now: i64,
}

impl<'a> SessionRotation<'a> {
    /// A rotation to decide, for testing stores.
    #[must_use]
    pub fn new(
        subject: &'a str,
        sid: &'a str,
        presented_jti: &'a str,
        next_jti: &'a str,
        now: i64,
    ) -> Self {
        Self {
            subject,
            sid,
            presented_jti,
            next_jti,
            now,
        }
    }
}

/// A request's question: [`SessionStore::is_revoked`]'s argument.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SessionQuery<'a> {
    /// The subject's key, as in [`SessionStart::subject`].
    pub subject: &'a str,
    /// The token's `sid`, if it belongs to a session.
    pub sid: Option<&'a str>,
    /// The token's `iat`, compared with the subject's watermark.
    pub issued_at: Option<i64>,
    /// The token's `jti`, to refuse when it is revoked, set only when this store keeps the
    /// denylist too
    /// ([`session_and_revocation_store`](crate::AuthJwtConfigBuilder::session_and_revocation_store))
    /// and both check the token: the request then asks the store once. `None` otherwise,
    /// and always for a store that is only the session store.
    pub denylist_jti: Option<&'a str>,
}

impl<'a> SessionQuery<'a> {
    /// A request's question, for testing stores.
    #[must_use]
    pub fn new(subject: &'a str, sid: Option<&'a str>, issued_at: Option<i64>) -> Self {
        Self {
            subject,
            sid,
            issued_at,
            denylist_jti: None,
        }
    }

    /// The same question, also refusing `jti` if it is revoked.
    #[must_use]
    pub fn with_denylist_jti(mut self, jti: &'a str) -> Self {
        self.denylist_jti = Some(jti);
        self
    }
}

/// How a store decided a rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rotation {
    /// The presented refresh token was the session's current one; the next one replaces it.
    Rotated,
    /// The presented refresh token had been used already: the whole session is revoked.
    ReuseDetected,
    /// The session is unknown, revoked or expired.
    Revoked,
}

/// Where sessions and watermarks are kept.
///
/// Each method is one atomic operation of the store: two rotations of the same session
/// never both succeed. Implement it for your own store, or use [`MemorySessionStore`] or
/// the Redis store of the `authjwt-redis` crate.
pub trait SessionStore: Send + Sync {
    /// Records a new session for `ttl` (for good when `None`): the lifetime of its refresh
    /// token.
    fn start<'a>(
        &'a self,
        session: &'a SessionStart<'a>,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()>;

    /// Decides a rotation: [`Rotation::Rotated`] when `presented_jti` is the session's
    /// current refresh token (then `next_jti` becomes current, `now` its refresh time, and
    /// the session lives `ttl` more); [`Rotation::ReuseDetected`] when it is not (then the
    /// session is revoked); [`Rotation::Revoked`] when there is no such session.
    fn rotate<'a>(
        &'a self,
        rotation: &'a SessionRotation<'a>,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, Rotation>;

    /// Whether a token is refused: it names a session (`sid`) that is not alive, it was
    /// issued before the subject's watermark (or carries no `iat` while there is one), or
    /// its [`denylist_jti`](SessionQuery::denylist_jti) is revoked.
    fn is_revoked<'a>(&'a self, query: &'a SessionQuery<'a>) -> StoreFuture<'a, bool>;

    /// The subject's live sessions, oldest first.
    fn list<'a>(&'a self, subject: &'a str) -> StoreFuture<'a, Vec<SessionInfo>>;

    /// Revokes one of the subject's sessions; returns whether it was alive.
    fn revoke<'a>(&'a self, subject: &'a str, sid: &'a str) -> StoreFuture<'a, bool>;

    /// Revokes every session of the subject; returns how many were alive.
    fn revoke_all<'a>(&'a self, subject: &'a str) -> StoreFuture<'a, usize>;

    /// Refuses the subject's tokens issued before `issued_before` (seconds since the epoch)
    /// for `ttl` (for good when `None`). A later watermark replaces an earlier one, never
    /// the reverse.
    fn set_watermark<'a>(
        &'a self,
        subject: &'a str,
        issued_before: i64,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()>;
}

impl<S: SessionStore + ?Sized> SessionStore for std::sync::Arc<S> {
    fn start<'a>(
        &'a self,
        session: &'a SessionStart<'a>,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        (**self).start(session, ttl)
    }

    fn rotate<'a>(
        &'a self,
        rotation: &'a SessionRotation<'a>,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, Rotation> {
        (**self).rotate(rotation, ttl)
    }

    fn is_revoked<'a>(&'a self, query: &'a SessionQuery<'a>) -> StoreFuture<'a, bool> {
        (**self).is_revoked(query)
    }

    fn list<'a>(&'a self, subject: &'a str) -> StoreFuture<'a, Vec<SessionInfo>> {
        (**self).list(subject)
    }

    fn revoke<'a>(&'a self, subject: &'a str, sid: &'a str) -> StoreFuture<'a, bool> {
        (**self).revoke(subject, sid)
    }

    fn revoke_all<'a>(&'a self, subject: &'a str) -> StoreFuture<'a, usize> {
        (**self).revoke_all(subject)
    }

    fn set_watermark<'a>(
        &'a self,
        subject: &'a str,
        issued_before: i64,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        (**self).set_watermark(subject, issued_before, ttl)
    }
}

/// The in-memory session store: every operation under one lock, so each is atomic.
///
/// Entries are dropped once their time to live has passed (lazily, when the store is full,
/// or by [`purge_expired`](Self::purge_expired)); time is measured with the monotonic
/// [`Instant`], the lifetime given by the configuration.
///
/// The store is bounded, because anyone who can log in can add a session: at most
/// [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) live entries (sessions and watermarks
/// together), set with [`with_capacity_limit`](Self::with_capacity_limit). When full, after
/// expired entries are dropped, a new session or watermark is refused with
/// [`RevocationError::CapacityExceeded`] (the login answers 503) rather than evicting a live
/// entry, which would end someone's session or lift a watermark.
///
/// It is per process and lost on restart: every session ends with it. Several instances
/// need a shared store such as Redis.
///
/// ```
/// use std::sync::Arc;
/// use authjwt::{AuthJwtConfig, session::MemorySessionStore};
///
/// let store = Arc::new(MemorySessionStore::new());
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .sessions_enabled(true)
///     .session_store(Arc::clone(&store))
///     .build()?;
/// assert!(store.is_empty());
/// # Ok::<(), authjwt::ConfigError>(())
/// ```
pub struct MemorySessionStore {
    subjects: RwLock<Subjects>,
    capacity: usize,
}

#[derive(Default)]
struct Subjects {
    by_subject: HashMap<Box<str>, SubjectEntries>,
    /// Sessions and watermarks held, expired ones not yet dropped included.
    len: usize,
}

#[derive(Default)]
struct SubjectEntries {
    sessions: HashMap<Box<str>, Session>,
    watermark: Option<Watermark>,
}

struct Session {
    info: SessionInfo,
    current_jti: Box<str>,
    forget_at: Option<Instant>,
}

#[derive(Clone, Copy)]
struct Watermark {
    issued_before: i64,
    forget_at: Option<Instant>,
}

fn is_live(forget_at: Option<Instant>, now: Instant) -> bool {
    forget_at.is_none_or(|at| now < at)
}

fn forget_at(now: Instant, ttl: Option<Duration>) -> Option<Instant> {
    ttl.and_then(|ttl| now.checked_add(ttl))
}

impl SubjectEntries {
    fn live_session(&self, sid: &str, now: Instant) -> Option<&Session> {
        self.sessions
            .get(sid)
            .filter(|session| is_live(session.forget_at, now))
    }

    fn live_watermark(&self, now: Instant) -> Option<i64> {
        self.watermark
            .filter(|watermark| is_live(watermark.forget_at, now))
            .map(|watermark| watermark.issued_before)
    }

    /// Drops expired entries; returns how many.
    fn purge(&mut self, now: Instant) -> usize {
        let before = self.sessions.len();
        self.sessions
            .retain(|_, session| is_live(session.forget_at, now));
        let mut dropped = before - self.sessions.len();
        if self
            .watermark
            .is_some_and(|watermark| !is_live(watermark.forget_at, now))
        {
            self.watermark = None;
            dropped += 1;
        }
        dropped
    }

    fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.watermark.is_none()
    }
}

impl Subjects {
    /// Makes room for one entry: expired entries are dropped when the store is full.
    fn has_room(&mut self, capacity: usize, now: Instant) -> bool {
        if self.len < capacity {
            return true;
        }
        let mut dropped = 0;
        self.by_subject.retain(|_, entries| {
            dropped += entries.purge(now);
            !entries.is_empty()
        });
        self.len -= dropped;
        self.len < capacity
    }

    fn remove_sessions(&mut self, subject: &str, sids: Option<&str>, now: Instant) -> usize {
        let Some(entries) = self.by_subject.get_mut(subject) else {
            return 0;
        };
        let (removed, live) = match sids {
            Some(sid) => match entries.sessions.remove(sid) {
                Some(session) => (1, usize::from(is_live(session.forget_at, now))),
                None => (0, 0),
            },
            None => {
                let live = entries
                    .sessions
                    .values()
                    .filter(|session| is_live(session.forget_at, now))
                    .count();
                let removed = entries.sessions.len();
                entries.sessions.clear();
                (removed, live)
            }
        };
        if entries.is_empty() {
            self.by_subject.remove(subject);
        }
        self.len -= removed;
        live
    }
}

impl Default for MemorySessionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySessionStore")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl MemorySessionStore {
    /// The live entries (sessions and watermarks) a new store holds at most: 1,000,000.
    pub const DEFAULT_CAPACITY: usize = 1_000_000;

    /// An empty store with the default limit.
    #[must_use]
    pub fn new() -> Self {
        Self {
            subjects: RwLock::default(),
            capacity: Self::DEFAULT_CAPACITY,
        }
    }

    /// Refuses new sessions and watermarks beyond `entries` live entries with
    /// [`RevocationError::CapacityExceeded`]. Default
    /// [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY).
    #[must_use]
    pub fn with_capacity_limit(mut self, entries: usize) -> Self {
        self.capacity = entries;
        self
    }

    /// The sessions and watermarks held, expired ones not yet dropped included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.read().len
    }

    /// Whether the store holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every entry whose time to live has passed; returns how many entries remain.
    pub fn purge_expired(&self) -> usize {
        let mut subjects = self.write();
        let now = Instant::now();
        let mut dropped = 0;
        subjects.by_subject.retain(|_, entries| {
            dropped += entries.purge(now);
            !entries.is_empty()
        });
        subjects.len -= dropped;
        subjects.len
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Subjects> {
        self.subjects.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Subjects> {
        self.subjects
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn start_now(
        &self,
        start: &SessionStart<'_>,
        ttl: Option<Duration>,
    ) -> Result<(), RevocationError> {
        if ttl == Some(Duration::ZERO) {
            return Ok(());
        }
        let now = Instant::now();
        let mut subjects = self.write();
        if !subjects.has_room(self.capacity, now) {
            return Err(RevocationError::CapacityExceeded);
        }
        let session = Session {
            info: SessionInfo::new(
                start.sid.to_owned(),
                start.created_at,
                start.created_at,
                start.metadata.clone(),
            ),
            current_jti: start.refresh_jti.into(),
            forget_at: forget_at(now, ttl),
        };
        let previous = subjects
            .by_subject
            .entry(start.subject.into())
            .or_default()
            .sessions
            .insert(start.sid.into(), session);
        if previous.is_none() {
            subjects.len += 1;
        }
        Ok(())
    }

    fn rotate_now(&self, rotation: &SessionRotation<'_>, ttl: Option<Duration>) -> Rotation {
        let now = Instant::now();
        let mut subjects = self.write();
        let Some(entries) = subjects.by_subject.get_mut(rotation.subject) else {
            return Rotation::Revoked;
        };
        let Some(session) = entries
            .sessions
            .get_mut(rotation.sid)
            .filter(|session| is_live(session.forget_at, now))
        else {
            return Rotation::Revoked;
        };
        if *session.current_jti != *rotation.presented_jti {
            subjects.remove_sessions(rotation.subject, Some(rotation.sid), now);
            return Rotation::ReuseDetected;
        }
        session.current_jti = rotation.next_jti.into();
        session.info.refreshed_at = rotation.now;
        session.forget_at = forget_at(now, ttl);
        Rotation::Rotated
    }

    fn is_revoked_now(&self, query: &SessionQuery<'_>) -> bool {
        let now = Instant::now();
        let subjects = self.read();
        let entries = subjects.by_subject.get(query.subject);
        if let Some(sid) = query.sid
            && entries
                .and_then(|entries| entries.live_session(sid, now))
                .is_none()
        {
            return true;
        }
        match entries.and_then(|entries| entries.live_watermark(now)) {
            None => false,
            Some(issued_before) => query.issued_at.is_none_or(|iat| iat < issued_before),
        }
    }

    fn list_now(&self, subject: &str) -> Vec<SessionInfo> {
        let now = Instant::now();
        let subjects = self.read();
        let mut sessions: Vec<SessionInfo> = subjects
            .by_subject
            .get(subject)
            .map(|entries| {
                entries
                    .sessions
                    .values()
                    .filter(|session| is_live(session.forget_at, now))
                    .map(|session| session.info.clone())
                    .collect()
            })
            .unwrap_or_default();
        sessions.sort_by(|a, b| (a.created_at, &a.sid).cmp(&(b.created_at, &b.sid)));
        sessions
    }

    fn set_watermark_now(
        &self,
        subject: &str,
        issued_before: i64,
        ttl: Option<Duration>,
    ) -> Result<(), RevocationError> {
        let now = Instant::now();
        let mut subjects = self.write();
        let existing = subjects
            .by_subject
            .get(subject)
            .and_then(|entries| entries.watermark);
        if existing.is_none() && !subjects.has_room(self.capacity, now) {
            return Err(RevocationError::CapacityExceeded);
        }
        let entries = subjects.by_subject.entry(subject.into()).or_default();
        let watermark = match entries.live_watermark(now) {
            Some(later) if later > issued_before => return Ok(()),
            _ => Watermark {
                issued_before,
                forget_at: forget_at(now, ttl),
            },
        };
        entries.watermark = Some(watermark);
        if existing.is_none() {
            subjects.len += 1;
        }
        Ok(())
    }
}

impl SessionStore for MemorySessionStore {
    fn start<'a>(
        &'a self,
        session: &'a SessionStart<'a>,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(std::future::ready(self.start_now(session, ttl)))
    }

    fn rotate<'a>(
        &'a self,
        rotation: &'a SessionRotation<'a>,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(std::future::ready(Ok(self.rotate_now(rotation, ttl))))
    }

    fn is_revoked<'a>(&'a self, query: &'a SessionQuery<'a>) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(self.is_revoked_now(query))))
    }

    fn list<'a>(&'a self, subject: &'a str) -> StoreFuture<'a, Vec<SessionInfo>> {
        Box::pin(std::future::ready(Ok(self.list_now(subject))))
    }

    fn revoke<'a>(&'a self, subject: &'a str, sid: &'a str) -> StoreFuture<'a, bool> {
        let live = self
            .write()
            .remove_sessions(subject, Some(sid), Instant::now());
        Box::pin(std::future::ready(Ok(live > 0)))
    }

    fn revoke_all<'a>(&'a self, subject: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(std::future::ready(Ok(self.write().remove_sessions(
            subject,
            None,
            Instant::now(),
        ))))
    }

    fn set_watermark<'a>(
        &'a self,
        subject: &'a str,
        issued_before: i64,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(std::future::ready(self.set_watermark_now(
            subject,
            issued_before,
            ttl,
        )))
    }
}
