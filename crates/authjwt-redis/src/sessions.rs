//! The Redis [`SessionStore`]: each operation one Lua script, so each is atomic, on keys
//! that share their subject's hash slot, so each works on Redis Cluster.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use authjwt::revocation::StoreFuture;
use authjwt::session::{
    Rotation, SessionInfo, SessionQuery, SessionRotation, SessionStart, SessionStore,
};
use authjwt::{Claims, JsonObject, RevocationError, RevocationStore};
use redis::Script;

use crate::{RedisStore, Request, TimeToLive, time_to_live};

/// The session key prefix used unless [`RedisSessionStore::with_key_prefix`] sets another.
pub const DEFAULT_SESSION_KEY_PREFIX: &str = "authjwt:s:";

/// Extends or keeps the expiry of a session (`KEYS[1]`) and its subject's index
/// (`KEYS[2]`): `ttl` seconds, `0` for good. The index lives as long as its longest-lived
/// session; `index_ttl` is its `TTL` before the operation (`-2` when it did not exist).
const KEEP: &str = r"
local function keep(ttl, index_ttl)
  if ttl == 0 then
    redis.call('PERSIST', KEYS[1])
    redis.call('PERSIST', KEYS[2])
    return
  end
  redis.call('EXPIRE', KEYS[1], ttl)
  if index_ttl == -2 or (index_ttl >= 0 and index_ttl < ttl) then
    redis.call('EXPIRE', KEYS[2], ttl)
  end
end
";

/// KEYS: session, index. ARGV: sid, refresh jti, created at, metadata (JSON), ttl.
const START: &str = r"
local index_ttl = redis.call('TTL', KEYS[2])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'jti', ARGV[2], 'created', ARGV[3], 'refreshed', ARGV[3],
  'meta', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
keep(tonumber(ARGV[5]), index_ttl)
return 1
";

/// KEYS: session, index. ARGV: sid, presented jti, next jti, now, ttl (`-1`: the session
/// ends with this rotation). Returns 0 (no live session), 1 (reuse: the session is deleted)
/// or 2 (rotated).
const ROTATE: &str = r"
local current = redis.call('HGET', KEYS[1], 'jti')
if not current then
  return 0
end
if current ~= ARGV[2] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
local ttl = tonumber(ARGV[5])
if ttl < 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 2
end
redis.call('HSET', KEYS[1], 'jti', ARGV[3], 'refreshed', ARGV[4])
keep(ttl, redis.call('TTL', KEYS[2]))
return 2
";

/// KEYS: watermark, then the session when ARGV[1] is `1`, then the revoked `jti` when
/// ARGV[2] is `1`. ARGV[3]: the token's `iat`, or empty. Returns 1 when the token is
/// refused.
const IS_REVOKED: &str = r"
local next_key = 2
if ARGV[1] == '1' then
  if redis.call('EXISTS', KEYS[next_key]) == 0 then
    return 1
  end
  next_key = next_key + 1
end
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[next_key]) == 1 then
  return 1
end
local watermark = redis.call('GET', KEYS[1])
if watermark and (ARGV[3] == '' or tonumber(ARGV[3]) < tonumber(watermark)) then
  return 1
end
return 0
";

/// KEYS: index. ARGV: the prefix of the subject's session keys. Returns sid, created,
/// refreshed, metadata for each live session, oldest first (the index is ordered by
/// creation time, then sid), and drops the index entries of expired sessions.
///
/// The session keys are built here rather than passed in: they are only known from the
/// index. They carry the index's hash tag, so they live on the same cluster node.
const LIST: &str = r"
local listed = {}
for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HMGET', ARGV[1] .. sid, 'created', 'refreshed', 'meta')
  if fields[1] then
    table.insert(listed, sid)
    table.insert(listed, fields[1])
    table.insert(listed, fields[2])
    table.insert(listed, fields[3])
  else
    redis.call('ZREM', KEYS[1], sid)
  end
end
return listed
";

/// KEYS: session, index. ARGV: sid. Returns 1 when the session was live.
const REVOKE: &str = r"
local removed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return removed
";

/// KEYS: index. ARGV: the prefix of the subject's session keys (as in LIST). Returns how
/// many sessions were live.
const REVOKE_ALL: &str = r"
local removed = 0
for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  removed = removed + redis.call('DEL', ARGV[1] .. sid)
end
redis.call('DEL', KEYS[1])
return removed
";

/// KEYS: watermark. ARGV: issued before, ttl (`0`: for good). A later watermark is never
/// replaced by an earlier one.
const SET_WATERMARK: &str = r"
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) > tonumber(ARGV[1]) then
  return 0
end
if ARGV[2] == '0' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
";

struct Scripts {
    start: Script,
    rotate: Script,
    is_revoked: Script,
    list: Script,
    revoke: Script,
    revoke_all: Script,
    set_watermark: Script,
}

impl Scripts {
    fn new() -> Self {
        Self {
            start: Script::new(&format!("{KEEP}{START}")),
            rotate: Script::new(&format!("{KEEP}{ROTATE}")),
            is_revoked: Script::new(IS_REVOKED),
            list: Script::new(LIST),
            revoke: Script::new(REVOKE),
            revoke_all: Script::new(REVOKE_ALL),
            set_watermark: Script::new(SET_WATERMARK),
        }
    }
}

/// Sessions, watermarks and the denylist in Redis or Redis Cluster, on the connection of a
/// [`RedisStore`] (same timeout, failing closed, reconnection).
///
/// Use it as both the session store and the revocation store with
/// [`AuthJwtConfigBuilder::session_and_revocation_store`]: a request is then checked against
/// the denylist, its session and its subject's watermark with one script, one round trip.
///
/// ```no_run
/// use std::sync::Arc;
/// use authjwt::AuthJwtConfig;
/// use authjwt_redis::{RedisSessionStore, RedisStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisSessionStore::new(RedisStore::connect("redis://127.0.0.1:6379/0").await?);
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .denylist_enabled(true)
///     .sessions_enabled(true)
///     .session_and_revocation_store(store)
///     .build()?;
/// let login = config.start_session("alice", serde_json::Map::new()).await?;
/// # Ok(())
/// # }
/// ```
///
/// ## Key layout
///
/// Every key of a subject starts with `<prefix>{<hex>}:`, where the prefix defaults to
/// [`DEFAULT_SESSION_KEY_PREFIX`] (`authjwt:s:`) and `<hex>` is the lowercase hex of the
/// subject's store key (its `sub` as JSON: `"alice"` is `22616c69636522`). The braces make
/// it the Redis Cluster hash tag: all of a subject's keys share one slot, so every
/// operation, a script over several keys, runs on one node. Hex keeps braces and other
/// bytes of the subject out of the tag.
///
/// | Key | Type | Holds | Expires |
/// |---|---|---|---|
/// | `…{<hex>}:session:<sid>` | hash | `jti` (current refresh token), `created`, `refreshed`, `meta` (JSON) | with the session's refresh token |
/// | `…{<hex>}:sessions` | sorted set | the subject's sids, scored by creation time | with its longest-lived session |
/// | `…{<hex>}:watermark` | string | tokens issued before it are refused | when the last token it refuses expires |
/// | `…{<hex>}:revoked:<jti>` | string | `1`: a revoked token of the subject | when the token expires |
///
/// Revocations of tokens with a `sub` are filed under their subject; those of tokens
/// without one keep the plain [`RedisStore`] layout, `authjwt:revoked:<jti>`. The plain
/// layout is unchanged for a [`RedisStore`] used alone; only this store, which checks a
/// revocation together with the session, files it by subject.
///
/// Times to live come from the configuration, as for [`RedisStore`], rounded up to whole
/// seconds; without a refresh lifetime, sessions are kept for good.
///
/// ## Revoking by `jti` alone
///
/// [`AuthJwtConfig::revoke_jti`](authjwt::AuthJwtConfig::revoke_jti) names no subject, so
/// it cannot file the revocation where this store looks for it: it fails with
/// [`RevocationError::Unavailable`] rather than record a revocation that would never be
/// seen. Revoke the token's claims ([`AuthJwtConfig::revoke`](authjwt::AuthJwtConfig::revoke)
/// or `revoke_token`), or end its session.
///
/// [`AuthJwtConfigBuilder::session_and_revocation_store`]: authjwt::AuthJwtConfigBuilder::session_and_revocation_store
#[derive(Clone)]
pub struct RedisSessionStore {
    store: RedisStore,
    key_prefix: Arc<str>,
    scripts: Arc<Scripts>,
}

impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("store", &self.store)
            .field("key_prefix", &self.key_prefix)
            .finish_non_exhaustive()
    }
}

impl RedisSessionStore {
    /// Sessions on `store`'s connection, with its timeout, under
    /// [`DEFAULT_SESSION_KEY_PREFIX`].
    #[must_use]
    pub fn new(store: RedisStore) -> Self {
        Self {
            store,
            key_prefix: DEFAULT_SESSION_KEY_PREFIX.into(),
            scripts: Arc::new(Scripts::new()),
        }
    }

    /// Puts the keys under `prefix` instead, to separate applications sharing a server.
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: &str) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The prefix of every session key.
    #[must_use]
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// The key of `subject`'s session `sid`; `subject` is the store key (`"alice"` with its
    /// quotes, `42`).
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), authjwt_redis::ConnectError> {
    /// use authjwt_redis::{RedisSessionStore, RedisStore};
    /// let store = RedisSessionStore::new(RedisStore::connect("redis://127.0.0.1:6379/0").await?);
    /// assert_eq!(store.session_key("\"alice\"", "s1"), b"authjwt:s:{22616c69636522}:session:s1");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn session_key(&self, subject: &str, sid: &str) -> Vec<u8> {
        self.subject_key(subject, &["session:", sid])
    }

    /// The store this one sends its commands through.
    #[must_use]
    pub fn revocation_store(&self) -> &RedisStore {
        &self.store
    }

    /// `<prefix>{<hex of subject>}:` followed by `parts`.
    fn subject_key(&self, subject: &str, parts: &[&str]) -> Vec<u8> {
        let tail: usize = parts.iter().map(|part| part.len()).sum();
        let mut key = Vec::with_capacity(self.key_prefix.len() + 3 + 2 * subject.len() + tail);
        key.extend_from_slice(self.key_prefix.as_bytes());
        key.push(b'{');
        for byte in subject.bytes() {
            key.extend_from_slice(format!("{byte:02x}").as_bytes());
        }
        key.extend_from_slice(b"}:");
        for part in parts {
            key.extend_from_slice(part.as_bytes());
        }
        key
    }

    fn index_key(&self, subject: &str) -> Vec<u8> {
        self.subject_key(subject, &["sessions"])
    }

    fn watermark_key(&self, subject: &str) -> Vec<u8> {
        self.subject_key(subject, &["watermark"])
    }

    fn revoked_key(&self, subject: &str, jti: &str) -> Vec<u8> {
        self.subject_key(subject, &["revoked:", jti])
    }

    async fn start_session(
        &self,
        start: &SessionStart<'_>,
        ttl: Option<Duration>,
    ) -> Result<(), RevocationError> {
        let ttl = match time_to_live(ttl) {
            TimeToLive::Expired => return Ok(()),
            TimeToLive::Forever => 0,
            TimeToLive::Seconds(seconds) => seconds,
        };
        let metadata = serde_json::to_string(start.metadata).map_err(store_failure)?;
        let mut invocation = self.scripts.start.prepare_invoke();
        invocation
            .key(self.session_key(start.subject, start.sid))
            .key(self.index_key(start.subject))
            .arg(start.sid)
            .arg(start.refresh_jti)
            .arg(start.created_at)
            .arg(metadata)
            .arg(ttl);
        self.store.run::<()>(Request::Script(&invocation)).await
    }

    async fn rotate_session(
        &self,
        rotation: &SessionRotation<'_>,
        ttl: Option<Duration>,
    ) -> Result<Rotation, RevocationError> {
        let ttl: i64 = match time_to_live(ttl) {
            TimeToLive::Expired => -1,
            TimeToLive::Forever => 0,
            TimeToLive::Seconds(seconds) => i64::try_from(seconds).unwrap_or(i64::MAX),
        };
        let mut invocation = self.scripts.rotate.prepare_invoke();
        invocation
            .key(self.session_key(rotation.subject, rotation.sid))
            .key(self.index_key(rotation.subject))
            .arg(rotation.sid)
            .arg(rotation.presented_jti)
            .arg(rotation.next_jti)
            .arg(rotation.now)
            .arg(ttl);
        match self.store.run::<i64>(Request::Script(&invocation)).await? {
            2 => Ok(Rotation::Rotated),
            1 => Ok(Rotation::ReuseDetected),
            _ => Ok(Rotation::Revoked),
        }
    }

    async fn is_refused(&self, query: &SessionQuery<'_>) -> Result<bool, RevocationError> {
        let mut invocation = self.scripts.is_revoked.prepare_invoke();
        invocation.key(self.watermark_key(query.subject));
        if let Some(sid) = query.sid {
            invocation.key(self.session_key(query.subject, sid));
        }
        if let Some(jti) = query.denylist_jti {
            invocation.key(self.revoked_key(query.subject, jti));
        }
        invocation
            .arg(flag(query.sid.is_some()))
            .arg(flag(query.denylist_jti.is_some()))
            .arg(
                query
                    .issued_at
                    .map(|iat| iat.to_string())
                    .unwrap_or_default(),
            );
        let refused: i64 = self.store.run(Request::Script(&invocation)).await?;
        Ok(refused == 1)
    }

    async fn list_sessions(&self, subject: &str) -> Result<Vec<SessionInfo>, RevocationError> {
        let mut invocation = self.scripts.list.prepare_invoke();
        invocation
            .key(self.index_key(subject))
            .arg(self.subject_key(subject, &["session:"]));
        let listed: Vec<String> = self.store.run(Request::Script(&invocation)).await?;
        listed
            .chunks(4)
            .map(|fields| match fields {
                [sid, created, refreshed, metadata] => Ok(SessionInfo::new(
                    sid.clone(),
                    created.parse().map_err(store_failure)?,
                    refreshed.parse().map_err(store_failure)?,
                    serde_json::from_str::<JsonObject>(metadata).map_err(store_failure)?,
                )),
                _ => Err(RevocationError::Unavailable(
                    "a session listing of the wrong shape".into(),
                )),
            })
            .collect()
    }

    async fn revoke_session(&self, subject: &str, sid: &str) -> Result<bool, RevocationError> {
        let mut invocation = self.scripts.revoke.prepare_invoke();
        invocation
            .key(self.session_key(subject, sid))
            .key(self.index_key(subject))
            .arg(sid);
        let removed: i64 = self.store.run(Request::Script(&invocation)).await?;
        Ok(removed > 0)
    }

    async fn revoke_all_sessions(&self, subject: &str) -> Result<usize, RevocationError> {
        let mut invocation = self.scripts.revoke_all.prepare_invoke();
        invocation
            .key(self.index_key(subject))
            .arg(self.subject_key(subject, &["session:"]));
        let removed: u64 = self.store.run(Request::Script(&invocation)).await?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    async fn set_subject_watermark(
        &self,
        subject: &str,
        issued_before: i64,
        ttl: Option<Duration>,
    ) -> Result<(), RevocationError> {
        let ttl = match time_to_live(ttl) {
            TimeToLive::Expired => return Ok(()),
            TimeToLive::Forever => 0,
            TimeToLive::Seconds(seconds) => seconds,
        };
        let mut invocation = self.scripts.set_watermark.prepare_invoke();
        invocation
            .key(self.watermark_key(subject))
            .arg(issued_before)
            .arg(ttl);
        self.store.run::<()>(Request::Script(&invocation)).await
    }

    async fn is_jti_revoked(&self, jti: &str, claims: &Claims) -> Result<bool, RevocationError> {
        let Some(subject) = claims.subject() else {
            return self.store.contains(jti).await;
        };
        let mut cmd = redis::cmd("EXISTS");
        cmd.arg(self.revoked_key(&subject.store_key(), jti));
        let found: i64 = self.store.run(Request::Command(&cmd)).await?;
        Ok(found > 0)
    }

    async fn revoke_jti_of(
        &self,
        jti: &str,
        claims: &Claims,
        ttl: Option<Duration>,
    ) -> Result<(), RevocationError> {
        let Some(subject) = claims.subject() else {
            return self.store.insert(jti, ttl).await;
        };
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.revoked_key(&subject.store_key(), jti)).arg(1);
        match time_to_live(ttl) {
            TimeToLive::Expired => return Ok(()),
            TimeToLive::Forever => {}
            TimeToLive::Seconds(seconds) => {
                cmd.arg("EX").arg(seconds);
            }
        }
        self.store.run::<()>(Request::Command(&cmd)).await
    }
}

fn flag(set: bool) -> &'static str {
    if set { "1" } else { "0" }
}

fn store_failure(err: impl std::error::Error + Send + Sync + 'static) -> RevocationError {
    RevocationError::Unavailable(Box::new(err))
}

impl SessionStore for RedisSessionStore {
    fn start<'a>(
        &'a self,
        session: &'a SessionStart<'a>,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.start_session(session, ttl))
    }

    fn rotate<'a>(
        &'a self,
        rotation: &'a SessionRotation<'a>,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(self.rotate_session(rotation, ttl))
    }

    fn is_revoked<'a>(&'a self, query: &'a SessionQuery<'a>) -> StoreFuture<'a, bool> {
        Box::pin(self.is_refused(query))
    }

    fn list<'a>(&'a self, subject: &'a str) -> StoreFuture<'a, Vec<SessionInfo>> {
        Box::pin(self.list_sessions(subject))
    }

    fn revoke<'a>(&'a self, subject: &'a str, sid: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(self.revoke_session(subject, sid))
    }

    fn revoke_all<'a>(&'a self, subject: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(self.revoke_all_sessions(subject))
    }

    fn set_watermark<'a>(
        &'a self,
        subject: &'a str,
        issued_before: i64,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.set_subject_watermark(subject, issued_before, ttl))
    }
}

/// Revocations filed by subject (see the key layout): checked in the same script as the
/// session when the store is configured for both roles.
impl RevocationStore for RedisSessionStore {
    fn is_revoked<'a>(&'a self, jti: &'a str, claims: &'a Claims) -> StoreFuture<'a, bool> {
        Box::pin(self.is_jti_revoked(jti, claims))
    }

    fn revoke<'a>(&'a self, jti: &'a str, ttl: Option<Duration>) -> StoreFuture<'a, ()> {
        let _ = (jti, ttl);
        Box::pin(std::future::ready(Err(RevocationError::Unavailable(
            "the Redis session store files revocations by subject: revoke the token's claims, \
             not its jti alone"
                .into(),
        ))))
    }

    fn revoke_token<'a>(
        &'a self,
        jti: &'a str,
        claims: &'a Claims,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.revoke_jti_of(jti, claims, ttl))
    }
}
