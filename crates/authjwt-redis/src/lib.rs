//! # authjwt-redis
//!
//! A Redis [`RevocationStore`] for authjwt: revoked token ids recorded once and seen by every
//! instance of the application, each kept exactly as long as its token could still pass
//! verification.
//!
//! ```no_run
//! use std::sync::Arc;
//! use authjwt::AuthJwtConfig;
//! use authjwt_redis::RedisStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(RedisStore::connect("redis://127.0.0.1:6379/0").await?);
//! let config = AuthJwtConfig::builder()
//!     .secret_key("a-random-secret-of-at-least-32-bytes")
//!     .denylist_enabled(true)
//!     .revocation_store(Arc::clone(&store))
//!     .build()?;
//!
//! let token = config.access_token("alice").encode()?;
//! config.revoke_token(&token).await?; // every instance on this Redis now answers 401
//! # Ok(())
//! # }
//! ```
//!
//! ## Sessions and Redis Cluster
//!
//! [`RedisSessionStore`] keeps authjwt's sessions, watermarks and (given both roles with
//! `AuthJwtConfigBuilder::session_and_revocation_store`) the denylist on a store's
//! connection: one Lua script per operation, one per request for the denylist, session and
//! watermark together, on keys that share their subject's hash slot. Its documentation
//! gives the key layout. [`RedisStore::connect_cluster`] connects to a Redis Cluster; both
//! stores work on one.
//!
//! ## Key layout
//!
//! A revoked token is one key, `<prefix><jti>` with the value `1`. The prefix defaults to
//! [`DEFAULT_KEY_PREFIX`] (`authjwt:revoked:`) and is set with
//! [`RedisStoreBuilder::key_prefix`], for instance to separate applications sharing a server.
//! The `jti` is appended byte for byte and sent as a binary-safe argument, never spliced into
//! a command string: spaces, `*`, `\r\n` or braces in a `jti` are just bytes of the key.
//!
//! Revoking is one `SET <prefix><jti> 1 EX <seconds>`; checking is one `EXISTS <prefix><jti>`:
//! a single round trip per verified request.
//!
//! ## How long an entry lives
//!
//! The configuration gives the time to live ([`AuthJwtConfig::revoke`] works it out with its
//! own clock: until the end of the last second the token can pass, `exp` plus the leeway),
//! and the store needs no clock of its own:
//!
//! * the key is set with `EX <seconds>`, rounded up to whole seconds;
//! * a token without `exp` (no time to live) is stored without expiry, as is one whose
//!   remaining lifetime exceeds 2<sup>40</sup> seconds, beyond what Redis accepts; a zero time
//!   to live stores nothing;
//! * Redis removes the key by itself once the token is dead, so memory stays bounded by the
//!   revoked tokens still alive.
//!
//! Instances whose clocks disagree by more than the leeway may accept a revoked token for the
//! difference; keep clocks synchronised or raise the leeway.
//!
//! ## Failing closed
//!
//! Every command is bounded by a timeout ([`DEFAULT_TIMEOUT`], 300 ms, set with
//! [`RedisStoreBuilder::timeout`]). A command that times out fails with
//! [`RevocationError::Timeout`]; any other Redis failure (connection refused or lost, `NOAUTH`,
//! out of memory, ...) with [`RevocationError::Unavailable`]. The verification pipeline turns
//! both into [`AuthJwtError::RevocationUnavailable`]: 503
//! `{"detail":"Token revocation check unavailable"}`. A request is never let through because
//! Redis could not answer, and never waits for Redis longer than the timeout. The failure is
//! logged once, where it becomes a response (`authjwt-axum` logs it at `warn` level); the
//! store adds a `debug` line naming the server (never its password).
//!
//! ## Reconnection
//!
//! The store holds one [`redis::aio::ConnectionManager`]: a multiplexed connection shared by
//! all requests (each call clones the handle) that replaces itself when it breaks. When a
//! command finds the connection dropped, the manager starts reconnecting in the background,
//! with attempts spaced 100 ms, 200 ms, 400 ms and then at most 500 ms apart (each delay
//! randomly stretched by up to twice, each attempt bounded by the connection timeout,
//! [`DEFAULT_CONNECT_TIMEOUT`]), for up to ten retries. Requests made meanwhile wait for that
//! attempt only as long as their own timeout, then answer 503. If every retry fails, the next
//! request fails at once and starts a new round. Once Redis is back, requests pass again
//! within about a second, without rebuilding the store or the configuration.
//!
//! A command that finds its connection dropped is sent once more, within the same timeout, on
//! the connection being re-established (`EXISTS`, `SET` and `DEL` are idempotent). So when
//! Redis restarted while the application was idle, the first request after the restart
//! passes rather than answering 503.
//!
//! A Redis server that is stopped but keeps the connection open (paused, or behind a network
//! partition) is not detected as a dropped connection: requests time out (503) until it
//! answers again.
//!
//! ## Start-up
//!
//! [`RedisStore::connect`] fails fast: it makes one connection attempt, sends `PING`, and
//! returns a [`ConnectError`] naming the server and the cause (refused, unknown host, wrong
//! password or database, timeout) instead of starting with a store that answers 503. Retry
//! it, or exit, as the application prefers.
//!
//! ## Operating Redis for revocation
//!
//! * Revocations live only as long as Redis keeps them: a server without persistence (no RDB,
//!   no AOF) forgets every revocation when it restarts, and the revoked tokens pass again
//!   until they expire. Enable AOF if revocations must survive restarts.
//! * An eviction policy may drop live revocation entries under memory pressure, which also
//!   un-revokes tokens. Prefer `maxmemory-policy noeviction`: a full Redis then refuses new
//!   revocations (which fail loudly) rather than forgetting old ones.
//! * Commands need a Tokio runtime with its time driver enabled (`#[tokio::main]` enables
//!   it).
//!
//! [`AuthJwtConfig::revoke`]: authjwt::AuthJwtConfig::revoke
//! [`AuthJwtError::RevocationUnavailable`]: authjwt::AuthJwtError::RevocationUnavailable
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use authjwt::revocation::StoreFuture;
use authjwt::{Claims, RevocationError, RevocationStore};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::{
    AsyncConnectionConfig, Client, Cmd, FromRedisValue, IntoConnectionInfo, RedisError,
    RedisResult, ScriptInvocation,
};

use crate::connection::Connection;

mod connection;
mod sessions;

pub use crate::sessions::{DEFAULT_SESSION_KEY_PREFIX, RedisSessionStore};

/// The key prefix used unless [`RedisStoreBuilder::key_prefix`] sets another.
pub const DEFAULT_KEY_PREFIX: &str = "authjwt:revoked:";

/// How long a command may take before it fails with [`RevocationError::Timeout`], unless
/// [`RedisStoreBuilder::timeout`] sets another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(300);

/// How long one connection attempt may take, unless [`RedisStoreBuilder::connect_timeout`]
/// sets another.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The first delay between reconnection attempts.
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(100);
/// The longest delay between reconnection attempts, before the random stretch (up to twice).
const RECONNECT_MAX_DELAY: Duration = Duration::from_millis(500);
/// The attempts after the first in one reconnection round. The round runs in a task that
/// keeps the connection manager alive, so it must end; the next request starts another.
const RECONNECT_RETRIES: usize = 10;
/// Entries living longer than this (about 34,800 years) are stored without expiry: Redis
/// refuses expiry times that overflow its millisecond clock.
const MAX_TTL_SECS: u64 = 1 << 40;

/// A [`RevocationStore`] in Redis, shared by every instance of an application.
///
/// See the [crate documentation](crate) for the key layout, the time-to-live rule, failure
/// handling and reconnection. Cloning is cheap and the clones share the connection.
///
/// ```no_run
/// use std::time::Duration;
/// use authjwt_redis::RedisStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::builder("redis://127.0.0.1:6379/0")
///     .key_prefix("myapp:revoked:")
///     .timeout(Duration::from_millis(200))
///     .connect()
///     .await?;
///
/// store.insert("a-jti", Some(Duration::from_secs(900))).await?;
/// assert!(store.contains("a-jti").await?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: Connection,
    key_prefix: Arc<str>,
    timeout: Duration,
    /// `host:port/db`, for logs and `Debug`; never the credentials.
    server: Arc<str>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.server)
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to the Redis Cluster that `nodes` belong to (one reachable node is enough;
    /// the others are discovered), with the default settings. Each node is a URL as for
    /// [`connect`](Self::connect), without a database.
    ///
    /// # Errors
    ///
    /// As [`RedisStoreBuilder::connect`].
    pub async fn connect_cluster<N: Into<String>>(
        nodes: impl IntoIterator<Item = N>,
    ) -> Result<Self, ConnectError> {
        Self::cluster_builder(nodes).connect().await
    }

    /// A builder for a store on the Redis Cluster that `nodes` belong to.
    pub fn cluster_builder<N: Into<String>>(
        nodes: impl IntoIterator<Item = N>,
    ) -> RedisStoreBuilder {
        RedisStoreBuilder {
            target: Target::Cluster(nodes.into_iter().map(Into::into).collect()),
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Connects to the Redis server at `url` with the default settings: key prefix
    /// [`DEFAULT_KEY_PREFIX`], command timeout [`DEFAULT_TIMEOUT`], connection timeout
    /// [`DEFAULT_CONNECT_TIMEOUT`].
    ///
    /// `url` is a redis-rs connection URL: `redis://[[user]:password@]host[:port][/db]`, or
    /// `redis+unix:///path/to/socket[?db=N]`.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), authjwt_redis::ConnectError> {
    /// let store = authjwt_redis::RedisStore::connect("redis://127.0.0.1:6379/0").await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`RedisStoreBuilder::connect`].
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        Self::builder(url).connect().await
    }

    /// A builder for a store on the Redis server at `url` (see [`connect`](Self::connect) for
    /// the URL forms).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            target: Target::Server(url.into()),
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// The prefix put before each `jti` to make its key.
    #[must_use]
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// How long a command may take.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The Redis key under which `jti` is recorded: the prefix followed by the `jti`'s bytes.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), authjwt_redis::ConnectError> {
    /// let store = authjwt_redis::RedisStore::connect("redis://127.0.0.1:6379/0").await?;
    /// assert_eq!(store.key("a b*"), b"authjwt:revoked:a b*");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn key(&self, jti: &str) -> Vec<u8> {
        let mut key = Vec::with_capacity(self.key_prefix.len() + jti.len());
        key.extend_from_slice(self.key_prefix.as_bytes());
        key.extend_from_slice(jti.as_bytes());
        key
    }

    /// Whether `jti` is revoked: one `EXISTS`.
    ///
    /// # Errors
    ///
    /// [`RevocationError::Timeout`] when Redis does not answer within the timeout;
    /// [`RevocationError::Unavailable`] for any other Redis failure.
    pub async fn contains(&self, jti: &str) -> Result<bool, RevocationError> {
        let mut cmd = redis::cmd("EXISTS");
        cmd.arg(self.key(jti));
        let found: i64 = self.run(Request::Command(&cmd)).await?;
        Ok(found > 0)
    }

    /// Records `jti` as revoked for `ttl`, or for good when `None`: one `SET ... EX`. A zero
    /// `ttl` stores nothing, and that succeeds. Revoking again replaces the expiry.
    ///
    /// # Errors
    ///
    /// As [`contains`](Self::contains).
    pub async fn insert(&self, jti: &str, ttl: Option<Duration>) -> Result<(), RevocationError> {
        let ttl = match time_to_live(ttl) {
            TimeToLive::Expired => return Ok(()),
            ttl => ttl,
        };
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(jti)).arg(1);
        if let TimeToLive::Seconds(seconds) = ttl {
            cmd.arg("EX").arg(seconds);
        }
        self.run::<()>(Request::Command(&cmd)).await
    }

    /// Forgets `jti` (un-revokes it): one `DEL`. Returns whether it was recorded.
    ///
    /// # Errors
    ///
    /// As [`contains`](Self::contains).
    pub async fn remove(&self, jti: &str) -> Result<bool, RevocationError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.key(jti));
        let removed: i64 = self.run(Request::Command(&cmd)).await?;
        Ok(removed > 0)
    }

    /// Sends `request` on a clone of the connection, bounded by the timeout.
    ///
    /// A request that finds the connection dropped (Redis restarted since the last command)
    /// is sent once more, within the same timeout, on the connection the manager has started
    /// to re-establish: a dropped connection means the first attempt never ran (a script
    /// runs whole or not at all), and the first request after a restart then passes instead
    /// of failing. A refused connection (the last reconnection round failed: Redis is down)
    /// fails at once.
    pub(crate) async fn run<T: FromRedisValue>(
        &self,
        request: Request<'_>,
    ) -> Result<T, RevocationError> {
        let attempts = async {
            let mut connection = self.connection.clone();
            match request.send(&mut connection).await {
                Err(err) if err.is_connection_dropped() && !err.is_connection_refusal() => {
                    request.send(&mut connection).await
                }
                result => result,
            }
        };
        let error = match tokio::time::timeout(self.timeout, attempts).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(err)) if !err.is_timeout() => RevocationError::Unavailable(Box::new(err)),
            Ok(Err(_)) | Err(_) => RevocationError::Timeout,
        };
        tracing::debug!(
            server = %self.server,
            error = %error,
            "authjwt-redis: the revocation store failed; the request fails closed",
        );
        Err(error)
    }
}

/// What [`RedisStore::run`] sends: a command, or a script (`EVALSHA`, loading it first if
/// the server does not know it yet).
#[derive(Clone, Copy)]
pub(crate) enum Request<'a> {
    Command(&'a Cmd),
    Script(&'a ScriptInvocation<'a>),
}

impl Request<'_> {
    async fn send<T: FromRedisValue>(&self, connection: &mut Connection) -> RedisResult<T> {
        match self {
            Self::Command(cmd) => cmd.query_async(connection).await,
            Self::Script(script) => script.invoke_async(connection).await,
        }
    }
}

impl RevocationStore for RedisStore {
    fn is_revoked<'a>(&'a self, jti: &'a str, _claims: &'a Claims) -> StoreFuture<'a, bool> {
        Box::pin(self.contains(jti))
    }

    fn revoke<'a>(&'a self, jti: &'a str, ttl: Option<Duration>) -> StoreFuture<'a, ()> {
        Box::pin(self.insert(jti, ttl))
    }
}

/// How long an entry is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeToLive {
    /// Nothing left to keep.
    Expired,
    /// No expiry.
    Forever,
    /// `EX` seconds.
    Seconds(u64),
}

/// Whole seconds, rounded up so the key never outlives its time to live by less than asked;
/// beyond what Redis accepts, for good.
fn time_to_live(ttl: Option<Duration>) -> TimeToLive {
    let Some(ttl) = ttl else {
        return TimeToLive::Forever;
    };
    let seconds = ttl
        .as_secs()
        .saturating_add(u64::from(ttl.subsec_nanos() > 0));
    match seconds {
        0 => TimeToLive::Expired,
        seconds if seconds <= MAX_TTL_SECS => TimeToLive::Seconds(seconds),
        _ => TimeToLive::Forever,
    }
}

/// Configures and connects a [`RedisStore`]; start from [`RedisStore::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use authjwt_redis::RedisStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), authjwt_redis::ConnectError> {
/// let store = RedisStore::builder("redis://127.0.0.1:6379/0")
///     .key_prefix("myapp:revoked:")
///     .timeout(Duration::from_millis(200))
///     .connect_timeout(Duration::from_secs(2))
///     .connect()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[must_use]
pub struct RedisStoreBuilder {
    target: Target,
    key_prefix: String,
    timeout: Duration,
    connect_timeout: Duration,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password.
        f.debug_struct("RedisStoreBuilder")
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    /// The prefix put before each `jti` to make its key. Default [`DEFAULT_KEY_PREFIX`].
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long a command (connection wait included) may take before it fails with
    /// [`RevocationError::Timeout`], failing its request with 503. Default
    /// [`DEFAULT_TIMEOUT`] (300 ms). Keep it well below the request timeouts of the
    /// application's clients.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long one connection attempt (connect, handshake, `PING` at start-up) may take.
    /// Default [`DEFAULT_CONNECT_TIMEOUT`] (1 s). Reconnection attempts run in the
    /// background, so this may exceed the command timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Connects, checks that Redis (a node of the cluster) answers `PING` within the
    /// connection timeout, and returns the store. Must run inside a Tokio runtime with its time driver enabled.
    ///
    /// It does not wait for a server that is down: start-up fails with a clear error rather
    /// than serving 503 to every request. Once connected, the store reconnects by itself.
    ///
    /// # Errors
    ///
    /// * [`ConnectError::InvalidUrl`] for a URL redis-rs does not accept (including
    ///   `rediss://`, as this build has no TLS);
    /// * [`ConnectError::Unavailable`] when the server refuses the connection or the
    ///   `PING` (unknown host, nothing listening, wrong password, unknown database, ...);
    /// * [`ConnectError::Timeout`] when it does not answer within the connection timeout.
    pub async fn connect(self) -> Result<RedisStore, ConnectError> {
        let Self {
            target,
            key_prefix,
            timeout,
            connect_timeout,
        } = self;
        let (connection, server) = match target {
            Target::Server(url) => connect_server(&url, timeout, connect_timeout).await?,
            Target::Cluster(nodes) => connect_cluster(&nodes, timeout, connect_timeout).await?,
        };
        Ok(RedisStore {
            connection,
            key_prefix: key_prefix.into(),
            timeout,
            server,
        })
    }
}

/// Where the store's data lives.
enum Target {
    /// One server's URL.
    Server(String),
    /// URLs of nodes of one cluster.
    Cluster(Vec<String>),
}

fn connect_failure(server: &Arc<str>, connect_timeout: Duration, err: RedisError) -> ConnectError {
    if err.is_timeout() {
        ConnectError::Timeout {
            server: server.to_string(),
            after: connect_timeout,
        }
    } else {
        ConnectError::Unavailable {
            server: server.to_string(),
            source: Box::new(err),
        }
    }
}

/// The cluster client discovers the nodes and keeps its connections up by itself; `PING`
/// goes to one node, proving the cluster answers.
async fn connect_cluster(
    nodes: &[String],
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<(Connection, Arc<str>), ConnectError> {
    let mut addresses = Vec::with_capacity(nodes.len());
    for node in nodes {
        let info = node
            .as_str()
            .into_connection_info()
            .map_err(|err| ConnectError::InvalidUrl(Box::new(err)))?;
        addresses.push(info.addr().to_string());
    }
    let server: Arc<str> = format!("cluster {}", addresses.join(",")).into();
    let client = ClusterClient::builder(nodes.iter().map(String::as_str))
        .connection_timeout(connect_timeout)
        .response_timeout(timeout)
        .build()
        .map_err(|err| ConnectError::InvalidUrl(Box::new(err)))?;
    let probe = async {
        let mut connection = client.get_async_connection().await?;
        redis::cmd("PING")
            .query_async::<()>(&mut connection)
            .await?;
        Ok::<_, RedisError>(connection)
    };
    let connection = tokio::time::timeout(connect_timeout, probe)
        .await
        .map_err(|_| ConnectError::Timeout {
            server: server.to_string(),
            after: connect_timeout,
        })?
        .map_err(|err| connect_failure(&server, connect_timeout, err))?;
    Ok((Connection::Cluster(connection), server))
}

async fn connect_server(
    url: &str,
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<(Connection, Arc<str>), ConnectError> {
    let client = Client::open(url).map_err(|err| ConnectError::InvalidUrl(Box::new(err)))?;
    let info = client.get_connection_info();
    let server: Arc<str> = format!("{}/{}", info.addr(), info.redis_settings().db()).into();
    let failed = |err: RedisError| connect_failure(&server, connect_timeout, err);
    let timed_out = || ConnectError::Timeout {
        server: server.to_string(),
        after: connect_timeout,
    };

    // One plain attempt first: the connection manager retries with backoff, which would
    // hide the cause of a failure behind a timeout.
    let probe_config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(connect_timeout))
        .set_response_timeout(Some(connect_timeout));
    let probe = async {
        let mut connection = client
            .get_multiplexed_async_connection_with_config(&probe_config)
            .await?;
        redis::cmd("PING").query_async::<()>(&mut connection).await
    };
    tokio::time::timeout(connect_timeout, probe)
        .await
        .map_err(|_| timed_out())?
        .map_err(failed)?;

    let manager_config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(connect_timeout))
        .set_response_timeout(Some(timeout))
        .set_min_delay(RECONNECT_MIN_DELAY)
        .set_max_delay(RECONNECT_MAX_DELAY)
        .set_exponent_base(2.0)
        .set_number_of_retries(RECONNECT_RETRIES);
    let manager = tokio::time::timeout(
        connect_timeout,
        ConnectionManager::new_with_config(client.clone(), manager_config),
    )
    .await
    .map_err(|_| timed_out())?
    .map_err(failed)?;
    Ok((Connection::Single(manager), server))
}

/// Why [`RedisStore::connect`] failed. Its messages name the server as `host:port/db`, never
/// the password.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL is not one redis-rs accepts.
    InvalidUrl(Box<dyn StdError + Send + Sync>),
    /// The server could not be reached, or refused the connection or the `PING`.
    Unavailable {
        /// `host:port/db`.
        server: String,
        /// The Redis client's error.
        source: Box<dyn StdError + Send + Sync>,
    },
    /// The server did not answer within the connection timeout.
    Timeout {
        /// `host:port/db`.
        server: String,
        /// The connection timeout.
        after: Duration,
    },
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl(source) => write!(f, "invalid Redis URL: {source}"),
            Self::Unavailable { server, source } => {
                write!(f, "could not connect to Redis at {server}: {source}")
            }
            Self::Timeout { server, after } => {
                write!(f, "Redis at {server} did not answer within {after:?}")
            }
        }
    }
}

impl StdError for ConnectError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::InvalidUrl(source) | Self::Unavailable { source, .. } => Some(source.as_ref()),
            Self::Timeout { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{MAX_TTL_SECS, TimeToLive, time_to_live};

    #[test]
    fn times_to_live_are_whole_seconds_rounded_up() {
        assert_eq!(
            time_to_live(Some(Duration::from_secs(131))),
            TimeToLive::Seconds(131)
        );
        assert_eq!(
            time_to_live(Some(Duration::from_millis(1_001))),
            TimeToLive::Seconds(2)
        );
        assert_eq!(
            time_to_live(Some(Duration::from_nanos(1))),
            TimeToLive::Seconds(1)
        );
    }

    #[test]
    fn a_zero_time_to_live_stores_nothing() {
        assert_eq!(time_to_live(Some(Duration::ZERO)), TimeToLive::Expired);
    }

    #[test]
    fn no_time_to_live_or_one_beyond_redis_range_never_expires() {
        assert_eq!(time_to_live(None), TimeToLive::Forever);
        assert_eq!(
            time_to_live(Some(Duration::from_secs(MAX_TTL_SECS))),
            TimeToLive::Seconds(MAX_TTL_SECS)
        );
        assert_eq!(
            time_to_live(Some(Duration::from_secs(MAX_TTL_SECS + 1))),
            TimeToLive::Forever
        );
        assert_eq!(time_to_live(Some(Duration::MAX)), TimeToLive::Forever);
    }
}
