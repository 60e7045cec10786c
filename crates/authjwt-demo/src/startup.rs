//! The demo's start-up: the library's configuration from `AUTHJWT_*` variables, and the
//! demo's own variables:
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DEMO_ADDR` | `127.0.0.1:8000` | where to listen |
//! | `DEMO_DENYLIST` | `memory` | `memory`, or a `redis://` URL |
//! | `DEMO_TEST_ROUTES` | `false` | `true` adds the minting routes `/token` and `/cookies/*`, which hand out tokens and cookies without credentials (a warning says so when the address is not a loopback one) |
//! | `DEMO_HEADER_READ_TIMEOUT` | `10` | seconds a client has to send a request's head, and a kept-alive connection to start its next request |
//! | `DEMO_IDLE_TIMEOUT` | `60` | seconds a connection may go without receiving or sending a byte (a stalled request body, an unread response, a silent WebSocket) |
//! | `DEMO_MAX_CONNECTIONS` | `1024` | connections served at once; beyond it new ones wait to be accepted |
//!
//! The limits are whole numbers from 1 to 4294967295. An invalid value is a
//! [`StartupError`].

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use authjwt::revocation::MemoryStore;
use authjwt::{AuthJwtConfig, ConfigError};
use authjwt_redis::RedisStore;

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
    /// The router's options (`DEMO_TEST_ROUTES`).
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
    /// `DEMO_DENYLIST` is neither `memory` nor a reachable `redis://` URL.
    Denylist(String),
    /// `DEMO_TEST_ROUTES` is neither `true` nor `false`.
    TestRoutes(String),
    /// A server limit (`variable`) is not a whole number from 1 to 4294967295.
    Limit {
        /// The variable at fault.
        variable: &'static str,
        /// Its value.
        value: String,
    },
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
            Self::Limit { variable, value } => write!(
                f,
                "{variable}: `{value}` is not a whole number from 1 to {}",
                u32::MAX
            ),
        }
    }
}

impl std::error::Error for StartupError {}

impl From<ConfigError> for StartupError {
    fn from(err: ConfigError) -> Self {
        Self::Config(err)
    }
}

const KEY_VARIABLES: [&str; 5] = [
    "AUTHJWT_SECRET_KEY",
    "AUTHJWT_PRIVATE_KEY",
    "AUTHJWT_PRIVATE_KEY_FILE",
    "AUTHJWT_PUBLIC_KEY",
    "AUTHJWT_PUBLIC_KEY_FILE",
];

const GENERATED_SECRET_WARNING: &str = "no AUTHJWT_SECRET_KEY or key pair set: signing with a random secret, so tokens last until restart";

/// Reads the configuration from `vars` (the process environment in the binary). The
/// denylist is on unless `AUTHJWT_DENYLIST_ENABLED` says otherwise; with no key at all, a
/// random secret is generated so the server starts anyway.
///
/// # Errors
///
/// A [`StartupError`] naming the variable at fault.
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
    let options = DemoOptions {
        test_routes: match var("DEMO_TEST_ROUTES").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => return Err(StartupError::TestRoutes(other.to_owned())),
        },
    };
    let limit = |variable| positive_number(variable, var(variable));
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
    builder = builder.apply_env(vars.iter().map(|(key, value)| (key, value)))?;

    let denylist = var("DEMO_DENYLIST").unwrap_or_else(|| "memory".to_owned());
    builder = match denylist.as_str() {
        "memory" => builder.revocation_store(MemoryStore::new()),
        url if url.starts_with("redis://") || url.starts_with("rediss://") => {
            let store = RedisStore::connect(url)
                .await
                .map_err(|err| StartupError::Denylist(err.to_string()))?;
            builder.revocation_store(store)
        }
        other => {
            return Err(StartupError::Denylist(format!(
                "`{other}` is neither `memory` nor a redis:// URL"
            )));
        }
    };
    let config = builder.build()?;

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
