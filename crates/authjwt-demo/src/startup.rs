//! The demo's start-up: the library's configuration from `AUTHJWT_*` variables, and the
//! demo's own variables:
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DEMO_ADDR` | `127.0.0.1:8000` | where to listen |
//! | `DEMO_DENYLIST` | `memory` | `memory`, or a `redis://` URL (the scheme in any case); its password is never printed |
//! | `DEMO_TEST_ROUTES` | `false` | `true` adds the minting routes `/token` and `/cookies/*`, which hand out tokens and cookies without credentials (a warning says so when the address is not a loopback one) |
//! | `DEMO_SESSIONS` | `false` | `true` turns sessions on: one-time refresh tokens with reuse detection, and the `/sessions` routes; kept where `DEMO_DENYLIST` says (in memory, or in Redis with the denylist, one round trip per request) |
//! | `DEMO_HEADER_READ_TIMEOUT` | `10` | seconds a client has to send a request's head, and a kept-alive connection to start its next request |
//! | `DEMO_IDLE_TIMEOUT` | `60` | seconds a connection may go without receiving or sending a byte (a stalled request body, an unread response, a silent WebSocket) |
//! | `DEMO_MAX_CONNECTIONS` | `1024` | connections served at once; beyond it new ones wait to be accepted |
//! | `DEMO_SLIDING_REFRESH` | unset (off) | seconds: an access cookie with less time left is replaced by a new one on the response ([`SlidingRefreshLayer`](authjwt_axum::SlidingRefreshLayer)) |
//!
//! The limits and the sliding-refresh threshold are whole numbers from 1 to 4294967295. An invalid value, or a configuration
//! without a key to sign tokens with, is a [`StartupError`].

use std::borrow::Cow;
use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use authjwt::revocation::MemoryStore;
use authjwt::{Algorithm, AuthJwtConfig, ConfigError, MemorySessionStore};
use authjwt_redis::{ConnectError, RedisSessionStore, RedisStore};

use crate::DemoOptions;
use crate::serve::ServerLimits;

/// What the server starts with.
#[derive(Debug)]
pub struct Startup {
    /// The validated configuration, revocation store included.
    pub config: AuthJwtConfig,
    /// Where to listen (`DEMO_ADDR`, default `127.0.0.1:8000`).
    pub addr: SocketAddr,
    /// Whether the HMAC secret was generated because no key was configured.
    pub generated_secret: bool,
    /// The router's options (`DEMO_TEST_ROUTES`, `DEMO_SLIDING_REFRESH`).
    pub options: DemoOptions,
    /// The server's limits (`DEMO_HEADER_READ_TIMEOUT`, `DEMO_IDLE_TIMEOUT`,
    /// `DEMO_MAX_CONNECTIONS`).
    pub limits: ServerLimits,
    /// What the operator must know about this configuration, one sentence each; the binary
    /// logs each as a warning.
    pub warnings: Vec<String>,
}

/// Why the server cannot start. Each names the variable at fault.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartupError {
    /// An `AUTHJWT_*` setting is invalid.
    Config(ConfigError),
    /// `DEMO_ADDR` is not a socket address.
    Addr(String),
    /// `DEMO_DENYLIST` is neither `memory` nor a reachable `redis://` URL (the reason, any
    /// password in it redacted).
    Denylist(String),
    /// `DEMO_TEST_ROUTES` is neither `true` nor `false`.
    TestRoutes(String),
    /// `DEMO_SESSIONS` is neither `true` nor `false`.
    Sessions(String),
    /// A server limit or the sliding-refresh threshold (`variable`) is not a whole number
    /// from 1 to 4294967295.
    Limit {
        /// The variable at fault.
        variable: &'static str,
        /// Its value.
        value: String,
    },
    /// There is no key to sign tokens with the configured algorithm, so `/login` and
    /// `/refresh` could not answer.
    NoSigningKey(Algorithm),
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(err) => write!(f, "invalid configuration: {err}"),
            Self::Addr(value) => write!(
                f,
                "DEMO_ADDR: `{value}` is not an address like 127.0.0.1:8000"
            ),
            Self::Denylist(reason) => write!(f, "DEMO_DENYLIST: {reason}"),
            Self::TestRoutes(value) => write!(
                f,
                "DEMO_TEST_ROUTES: `{value}` is neither `true` nor `false`"
            ),
            Self::Sessions(value) => {
                write!(f, "DEMO_SESSIONS: `{value}` is neither `true` nor `false`")
            }
            Self::Limit { variable, value } => write!(
                f,
                "{variable}: `{value}` is not a whole number from 1 to {}",
                u32::MAX
            ),
            Self::NoSigningKey(algorithm) => {
                write!(
                    f,
                    "the demo issues tokens at /login and /refresh but has no key to sign \
                     {algorithm} (AUTHJWT_ALGORITHM) with: set "
                )?;
                match algorithm.min_secret_len() {
                    Some(bytes) => write!(f, "AUTHJWT_SECRET_KEY (at least {bytes} bytes)"),
                    None => write!(f, "AUTHJWT_PRIVATE_KEY or AUTHJWT_PRIVATE_KEY_FILE"),
                }
            }
        }
    }
}

impl std::error::Error for StartupError {}

impl From<ConfigError> for StartupError {
    fn from(err: ConfigError) -> Self {
        Self::Config(err)
    }
}

const KEY_VARIABLES: [&str; 7] = [
    "AUTHJWT_SECRET_KEY",
    "AUTHJWT_PRIVATE_KEY",
    "AUTHJWT_PRIVATE_KEY_FILE",
    "AUTHJWT_PUBLIC_KEY",
    "AUTHJWT_PUBLIC_KEY_FILE",
    "AUTHJWT_KEY_SET",
    "AUTHJWT_KEY_SET_FILE",
];

const GENERATED_SECRET_WARNING: &str = "no AUTHJWT_SECRET_KEY or key pair set: signing with a random secret, so tokens last until restart";

/// Reads the configuration from `vars` (the process environment in the binary). The
/// denylist is on unless `AUTHJWT_DENYLIST_ENABLED` says otherwise; with no key at all, a
/// random secret is generated so the server starts anyway.
///
/// # Errors
///
/// A [`StartupError`] naming the variable at fault; [`StartupError::NoSigningKey`] when
/// only verification keys are configured, as the demo issues tokens.
pub async fn from_env(vars: Vec<(OsString, OsString)>) -> Result<Startup, StartupError> {
    let var = |name: &str| {
        vars.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.to_string_lossy().into_owned())
    };
    let addr_text = var("DEMO_ADDR").unwrap_or_else(|| "127.0.0.1:8000".to_owned());
    let addr: SocketAddr = addr_text
        .parse()
        .map_err(|_| StartupError::Addr(addr_text.clone()))?;
    let limit = |variable| positive_number(variable, var(variable));
    let options = DemoOptions {
        test_routes: match var("DEMO_TEST_ROUTES").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => return Err(StartupError::TestRoutes(other.to_owned())),
        },
        sliding_refresh: limit("DEMO_SLIDING_REFRESH")?.map(seconds),
    };
    let sessions = match var("DEMO_SESSIONS").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(StartupError::Sessions(other.to_owned())),
    };
    let limits = ServerLimits {
        header_read_timeout: limit("DEMO_HEADER_READ_TIMEOUT")?
            .map_or(ServerLimits::DEFAULT_HEADER_READ_TIMEOUT, seconds),
        idle_timeout: limit("DEMO_IDLE_TIMEOUT")?
            .map_or(ServerLimits::DEFAULT_IDLE_TIMEOUT, seconds),
        max_connections: limit("DEMO_MAX_CONNECTIONS")?
            .map_or(ServerLimits::DEFAULT_MAX_CONNECTIONS, |count| {
                usize::try_from(count).unwrap_or(usize::MAX)
            }),
    };

    let mut warnings = Vec::new();
    let mut builder = AuthJwtConfig::builder().denylist_enabled(true);
    let generated_secret = KEY_VARIABLES.iter().all(|name| var(name).is_none());
    if generated_secret {
        builder = builder.secret_key(authjwt::config::random_secret()?);
        warnings.push(GENERATED_SECRET_WARNING.to_owned());
    }
    if sessions {
        builder = builder
            .sessions_enabled(true)
            .session_store(MemorySessionStore::new());
    }
    builder = builder.apply_env(vars.iter().map(|(key, value)| (key, value)))?;

    let denylist = var("DEMO_DENYLIST").unwrap_or_else(|| "memory".to_owned());
    builder = if denylist == "memory" {
        builder.revocation_store(MemoryStore::new())
    } else if is_redis_url(&denylist) {
        let store = RedisStore::connect(&denylist)
            .await
            .map_err(|err| StartupError::Denylist(connect_failure(&err, &denylist)))?;
        if sessions {
            // One store for both: a request is checked with one Redis round trip.
            builder.session_and_revocation_store(RedisSessionStore::new(store))
        } else {
            builder.revocation_store(store)
        }
    } else {
        return Err(StartupError::Denylist(format!(
            "`{}` is neither `memory` nor a redis:// URL",
            redact_url_password(&denylist)
        )));
    };
    let config = builder.build()?;
    check_signing_key(&config)?;

    if options.test_routes && !addr.ip().is_loopback() {
        warnings.push(format!(
            "DEMO_TEST_ROUTES=true on {addr}, which is not a loopback address: anyone who can \
             reach the server can mint tokens and cookies without credentials at /token and \
             /cookies"
        ));
    }
    Ok(Startup {
        config,
        addr,
        generated_secret,
        options,
        limits,
        warnings,
    })
}

/// A server limit's value, when set: a whole number from 1 to `u32::MAX`.
fn positive_number(
    variable: &'static str,
    value: Option<String>,
) -> Result<Option<u32>, StartupError> {
    let Some(value) = value else {
        return Ok(None);
    };
    match value.parse::<u32>() {
        Ok(number) if number > 0 => Ok(Some(number)),
        _ => Err(StartupError::Limit { variable, value }),
    }
}

fn seconds(count: u32) -> Duration {
    Duration::from_secs(count.into())
}

/// A configuration with verification keys only is refused at start rather than answering 500
/// on every login.
fn check_signing_key(config: &AuthJwtConfig) -> Result<(), StartupError> {
    if config.can_sign() {
        Ok(())
    } else {
        Err(StartupError::NoSigningKey(config.settings().algorithm))
    }
}

/// `redis://` and `rediss://`, the scheme in any case as URL schemes are (RFC 3986 §3.1).
fn is_redis_url(value: &str) -> bool {
    value.split_once("://").is_some_and(|(scheme, _)| {
        scheme.eq_ignore_ascii_case("redis") || scheme.eq_ignore_ascii_case("rediss")
    })
}

/// Why connecting to Redis failed. `ConnectError` names the server as `host:port/db`, never
/// the password; only its invalid-URL message lacks the URL, which is added redacted.
fn connect_failure(err: &ConnectError, url: &str) -> String {
    match err {
        ConnectError::InvalidUrl(_) => format!("`{}`: {err}", redact_url_password(url)),
        _ => err.to_string(),
    }
}

/// `value` with the password of its userinfo (`scheme://user:password@host/...`) replaced by
/// `***`, for messages. The userinfo is read as URL parsers read it: the authority ends at
/// the first `/`, `?` or `#`, and its userinfo at its last `@`.
fn redact_url_password(value: &str) -> Cow<'_, str> {
    let authority_start = value.find("://").map_or(0, |scheme_end| scheme_end + 3);
    let rest = &value[authority_start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let Some(userinfo_end) = authority.rfind('@') else {
        return Cow::Borrowed(value);
    };
    let Some(colon) = authority[..userinfo_end].find(':') else {
        return Cow::Borrowed(value);
    };
    let password_start = authority_start + colon + 1;
    let password_end = authority_start + userinfo_end;
    Cow::Owned(format!(
        "{}***{}",
        &value[..password_start],
        &value[password_end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::{is_redis_url, redact_url_password};

    #[test]
    fn url_passwords_are_redacted_whatever_the_scheme_and_its_case() {
        for (value, redacted) in [
            (
                "redis://user:secret@host:6379/0",
                "redis://user:***@host:6379/0",
            ),
            ("REDIS://user:secret@host", "REDIS://user:***@host"),
            ("RedisS://user:secret@host/1", "RedisS://user:***@host/1"),
            (
                "postgres://user:secret@host/db",
                "postgres://user:***@host/db",
            ),
            ("redis://:pw@h", "redis://:***@h"),
            ("redis://user:@h", "redis://user:***@h"),
            ("user:secret@host", "user:***@host"),
        ] {
            assert_eq!(redact_url_password(value), redacted, "{value}");
        }
    }

    #[test]
    fn a_password_containing_at_signs_or_colons_is_redacted_whole() {
        assert_eq!(
            redact_url_password("redis://user:p@ss:w@rd@host:6379/0"),
            "redis://user:***@host:6379/0"
        );
    }

    #[test]
    fn values_without_a_password_are_unchanged() {
        for value in [
            "redis://user@host:6379/0",
            "redis://host:6379/0",
            "redis://host:6379/0?user=a@b:c",
            "memory",
            "",
        ] {
            assert_eq!(redact_url_password(value), value);
        }
    }

    #[test]
    fn redis_schemes_are_recognised_in_any_case() {
        for value in ["redis://h", "REDIS://h", "Rediss://h", "rediss://u:p@h/0"] {
            assert!(is_redis_url(value), "{value}");
        }
        for value in ["memory", "redis:/h", "redis", "postgres://h", "xredis://h"] {
            assert!(!is_redis_url(value), "{value}");
        }
    }
}
