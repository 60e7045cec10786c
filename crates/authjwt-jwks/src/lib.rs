//! Verifies authjwt tokens with the keys of a remote JWK Set: an OpenID provider's, found
//! through its `/.well-known/openid-configuration`, or any `jwks_uri`.
//!
//! A separate crate so that the default build of `authjwt` and `authjwt-axum` has no HTTP
//! client. The keys are:
//!
//! * **fetched** when [`RemoteJwksBuilder::connect`] builds the configuration, and **cached**:
//!   a verification makes no request;
//! * **refreshed on a schedule** by [`RemoteJwks::run_scheduled_refresh`] (every
//!   [`refresh_every`](RemoteJwksBuilder::refresh_every), one hour by default);
//! * **refreshed on an unknown `kid`** by [`RemoteJwks::verify`], at most once per
//!   [`min_fetch_interval`](RemoteJwksBuilder::min_fetch_interval) (one minute by default),
//!   counting every fetch: a client sending random `kid`s causes at most one request per
//!   interval, not one per token;
//! * **kept** when a fetch fails or the JWK Set is refused: known keys keep verifying, and an
//!   unknown `kid` fails closed (422 `unknown_key`);
//! * **checked** as [`Key::from_jwk_set`] checks them (public signature keys only, each bound to
//!   the algorithm its `alg` names), and swapped whole through
//!   [`AuthJwtConfig::replace_keys`].
//!
//! Only `https` URIs are fetched, but for loopback hosts (`localhost`, `127.0.0.0/8`, `::1`)
//! or with [`allow_http`](RemoteJwksBuilder::allow_http). Redirects are not followed. HTTPS
//! uses rustls (on aws-lc-rs) with the Mozilla roots of `webpki-roots`, in the default `tls`
//! feature.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use authjwt::{AuthJwtConfig, Requirement};
//! use authjwt_jwks::RemoteJwks;
//!
//! # async fn example(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let jwks = RemoteJwks::from_issuer("https://accounts.example.com")
//!     .refresh_every(Duration::from_secs(15 * 60))
//!     .connect(AuthJwtConfig::builder().decode_audience(["my-api"]))
//!     .await?;
//! tokio::spawn({
//!     let jwks = jwks.clone();
//!     async move { jwks.run_scheduled_refresh().await }
//! });
//! let verified = jwks.verify(token, Requirement::Access).await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use authjwt::{
    AuthJwtConfig, AuthJwtConfigBuilder, AuthJwtError, ConfigError, DecodeError, Key, Requirement,
    VerifiedToken,
};
use bytes::Bytes;
use http::{Request, StatusCode, Uri, header};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The largest JWK Set or discovery document read; a larger answer is refused.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

#[cfg(feature = "tls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
#[cfg(not(feature = "tls"))]
type Connector = HttpConnector;

/// Where the JWK Set is found.
#[derive(Debug, Clone)]
enum Location {
    JwksUri(String),
    Issuer(String),
}

/// Settings for a [`RemoteJwks`]; made by [`RemoteJwks::from_jwks_uri`] or
/// [`RemoteJwks::from_issuer`].
#[derive(Debug, Clone)]
#[must_use]
pub struct RemoteJwksBuilder {
    location: Location,
    refresh_every: Duration,
    min_fetch_interval: Duration,
    timeout: Duration,
    allow_http: bool,
}

impl RemoteJwksBuilder {
    /// How often [`RemoteJwks::run_scheduled_refresh`] fetches the JWK Set. Default one hour.
    pub fn refresh_every(mut self, interval: Duration) -> Self {
        self.refresh_every = interval;
        self
    }

    /// The least time between two fetches caused by unknown `kid`s (the first fetch and the
    /// scheduled ones count as fetches too). Default one minute; `Duration::ZERO` fetches on
    /// every unknown `kid`, which lets any client make this service send requests.
    pub fn min_fetch_interval(mut self, interval: Duration) -> Self {
        self.min_fetch_interval = interval;
        self
    }

    /// The longest a fetch (connection, request, answer) may take. Default 10 seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Allows `http` URIs to hosts other than loopback ones: the keys can then be replaced by
    /// anyone on the network path. Default `false`.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Finds the JWK Set (through discovery, for an issuer), fetches it, and builds `config`
    /// with its keys as the key set.
    ///
    /// # Errors
    ///
    /// [`JwksError`] if the URI is refused, a fetch fails, the discovery document or JWK Set
    /// is refused, or `config` cannot be built with the keys.
    pub async fn connect(self, config: AuthJwtConfigBuilder) -> Result<RemoteJwks, JwksError> {
        let fetcher = Fetcher {
            client: Client::builder(TokioExecutor::new()).build(connector()),
            timeout: self.timeout,
            allow_http: self.allow_http,
        };
        let jwks_uri = match &self.location {
            Location::JwksUri(uri) => fetcher.check_uri(uri)?,
            Location::Issuer(issuer) => fetcher.discover(issuer).await?,
        };
        let keys = fetcher.fetch_keys(&jwks_uri).await?;
        // The configuration is built before the `RemoteJwks` it reports unknown `kid`s to.
        let remote: Arc<OnceLock<Weak<Inner>>> = Arc::default();
        let on_unknown_key = {
            let remote = Arc::clone(&remote);
            move || {
                if let Some(inner) = remote.get().and_then(Weak::upgrade) {
                    RemoteJwks { inner }.refetch_in_background();
                }
            }
        };
        let config = config
            .key_set(keys)
            .on_unknown_key(on_unknown_key)
            .build()
            .map_err(JwksError::Keys)?;
        let inner = Arc::new(Inner {
            config,
            fetcher,
            jwks_uri,
            refresh_every: self.refresh_every,
            min_fetch_interval: self.min_fetch_interval,
            last_fetch: Mutex::new(Instant::now()),
        });
        let _ = remote.set(Arc::downgrade(&inner));
        Ok(RemoteJwks { inner })
    }
}

/// A configuration whose key set is a remote JWK Set, kept current. Cloning shares it.
#[derive(Clone)]
pub struct RemoteJwks {
    inner: Arc<Inner>,
}

struct Inner {
    config: AuthJwtConfig,
    fetcher: Fetcher,
    jwks_uri: Uri,
    refresh_every: Duration,
    min_fetch_interval: Duration,
    /// When the last fetch started. Held across a fetch, so that requests meeting the same
    /// unknown `kid` wait for one fetch instead of each making their own.
    last_fetch: Mutex<Instant>,
}

impl fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJwks")
            .field("jwks_uri", &self.inner.jwks_uri)
            .field("refresh_every", &self.inner.refresh_every)
            .field("min_fetch_interval", &self.inner.min_fetch_interval)
            .finish_non_exhaustive()
    }
}

impl RemoteJwks {
    /// Keys from the JWK Set at `jwks_uri`.
    pub fn from_jwks_uri(jwks_uri: impl Into<String>) -> RemoteJwksBuilder {
        Self::builder(Location::JwksUri(jwks_uri.into()))
    }

    /// Keys from the JWK Set named by the `jwks_uri` of
    /// `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0), whose
    /// `issuer` must be `issuer`.
    pub fn from_issuer(issuer: impl Into<String>) -> RemoteJwksBuilder {
        Self::builder(Location::Issuer(issuer.into()))
    }

    fn builder(location: Location) -> RemoteJwksBuilder {
        RemoteJwksBuilder {
            location,
            refresh_every: Duration::from_secs(60 * 60),
            min_fetch_interval: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            allow_http: false,
        }
    }

    /// The configuration, whose key set is the remote one, for the extractors of
    /// `authjwt-axum` and anything else that takes an `AuthJwtConfig`. Its own
    /// [`verify`](AuthJwtConfig::verify) answers an unknown `kid` with 422 `unknown_key` at
    /// once and starts a refetch in the background when one is due (at most one per
    /// `min_fetch_interval`), so the next request with that `kid` finds the key;
    /// [`verify`](Self::verify) waits for that refetch instead.
    #[must_use]
    pub fn config(&self) -> &AuthJwtConfig {
        &self.inner.config
    }

    /// The JWK Set's URI (found through discovery, for an issuer).
    #[must_use]
    pub fn jwks_uri(&self) -> &Uri {
        &self.inner.jwks_uri
    }

    /// [`AuthJwtConfig::verify`], refetching the JWK Set once when the token's `kid` names no
    /// known key and the last fetch is at least `min_fetch_interval` old; then verifying
    /// again. When no fetch is due, or it fails, the unknown `kid` stays a 422
    /// `unknown_key`.
    ///
    /// # Errors
    ///
    /// The verification's [`AuthJwtError`].
    pub async fn verify(
        &self,
        token: &str,
        requirement: Requirement,
    ) -> Result<VerifiedToken, AuthJwtError> {
        match self.inner.config.verify(token, requirement).await {
            Err(AuthJwtError::Decode(DecodeError::UnknownKeyId)) => {
                if let Err(err) = self.refresh_if_due().await {
                    tracing::warn!(jwks_uri = %self.inner.jwks_uri, "JWK Set refetch failed: {err}");
                }
                // Verified again even without a fetch of its own: a fetch another request
                // made while this one waited may have brought the key.
                self.inner.config.verify(token, requirement).await
            }
            result => result,
        }
    }

    /// Fetches the JWK Set and installs its keys if the last fetch is at least
    /// `min_fetch_interval` old. Returns whether it fetched.
    ///
    /// # Errors
    ///
    /// [`JwksError`] if the fetch fails or its keys are refused; the current keys are kept.
    pub async fn refresh_if_due(&self) -> Result<bool, JwksError> {
        let mut last_fetch = self.inner.last_fetch.lock().await;
        if last_fetch.elapsed() < self.inner.min_fetch_interval {
            return Ok(false);
        }
        *last_fetch = Instant::now();
        self.fetch_and_install().await.map(|()| true)
    }

    /// Fetches the JWK Set and installs its keys now, whatever the interval.
    ///
    /// # Errors
    ///
    /// [`JwksError`] if the fetch fails or its keys are refused; the current keys are kept.
    pub async fn refresh(&self) -> Result<(), JwksError> {
        let mut last_fetch = self.inner.last_fetch.lock().await;
        *last_fetch = Instant::now();
        self.fetch_and_install().await
    }

    /// Refreshes the keys every `refresh_every`, forever; a failed refresh is logged
    /// (`tracing`, warn) and the current keys kept. Spawn it as a task.
    pub async fn run_scheduled_refresh(&self) {
        let mut ticks = tokio::time::interval(self.inner.refresh_every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is immediate, and `connect` has just fetched.
        ticks.tick().await;
        loop {
            ticks.tick().await;
            if let Err(err) = self.refresh().await {
                tracing::warn!(jwks_uri = %self.inner.jwks_uri, "scheduled JWK Set refresh failed: {err}");
            }
        }
    }

    /// Starts [`refresh_if_due`](Self::refresh_if_due) on a task of its own, unless a fetch
    /// is running or not due: cheap enough to run for every token with an unknown `kid`.
    fn refetch_in_background(self) {
        let due = self
            .inner
            .last_fetch
            .try_lock()
            .is_ok_and(|last_fetch| last_fetch.elapsed() >= self.inner.min_fetch_interval);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if due {
            runtime.spawn(async move {
                if let Err(err) = self.refresh_if_due().await {
                    tracing::warn!(jwks_uri = %self.inner.jwks_uri, "JWK Set refetch failed: {err}");
                }
            });
        }
    }

    async fn fetch_and_install(&self) -> Result<(), JwksError> {
        let keys = self.inner.fetcher.fetch_keys(&self.inner.jwks_uri).await?;
        self.inner
            .config
            .replace_keys(keys)
            .map_err(JwksError::Keys)
    }
}

#[cfg(feature = "tls")]
fn connector() -> Connector {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map(|builder| builder.with_root_certificates(roots).with_no_client_auth());
    let tls = match tls {
        Ok(tls) => tls,
        // aws-lc-rs's default provider supports the default protocol versions.
        Err(err) => unreachable!("rustls refuses its own defaults: {err}"),
    };
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build()
}

#[cfg(not(feature = "tls"))]
fn connector() -> Connector {
    HttpConnector::new()
}

struct Fetcher {
    client: Client<Connector, Empty<Bytes>>,
    timeout: Duration,
    allow_http: bool,
}

impl Fetcher {
    /// `uri` parsed, if it is `https`, or `http` to a loopback host or with `allow_http`.
    fn check_uri(&self, uri: &str) -> Result<Uri, JwksError> {
        let parsed: Uri = uri
            .parse()
            .map_err(|err| JwksError::InvalidUri(format!("`{uri}`: {err}")))?;
        let host = parsed
            .host()
            .ok_or_else(|| JwksError::InvalidUri(format!("`{uri}` has no host")))?;
        match parsed.scheme_str() {
            Some("https") if cfg!(feature = "tls") => Ok(parsed),
            Some("https") => Err(JwksError::InvalidUri(format!(
                "`{uri}`: authjwt-jwks was built without its `tls` feature"
            ))),
            Some("http") if self.allow_http || is_loopback(host) => Ok(parsed),
            Some("http") => Err(JwksError::InsecureUri(uri.to_owned())),
            _ => Err(JwksError::InvalidUri(format!(
                "`{uri}` is neither https nor http"
            ))),
        }
    }

    /// The `jwks_uri` of `issuer`'s discovery document, which must name `issuer` as its
    /// `issuer` (OpenID Connect Discovery 1.0 §4.3).
    async fn discover(&self, issuer: &str) -> Result<Uri, JwksError> {
        let issuer = issuer.trim_end_matches('/');
        let uri = self.check_uri(&format!("{issuer}/.well-known/openid-configuration"))?;
        let document = self.get_json(&uri).await?;
        let named = document.get("issuer").and_then(Value::as_str);
        if named.map(|named| named.trim_end_matches('/')) != Some(issuer) {
            return Err(JwksError::Discovery(format!(
                "the document names the issuer {named:?}, not `{issuer}`"
            )));
        }
        let jwks_uri = document
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| JwksError::Discovery("the document has no `jwks_uri`".to_owned()))?;
        self.check_uri(jwks_uri)
    }

    async fn fetch_keys(&self, jwks_uri: &Uri) -> Result<Vec<Key>, JwksError> {
        let jwk_set = self.get_json(jwks_uri).await?;
        Key::from_jwk_set(&jwk_set).map_err(JwksError::Keys)
    }

    async fn get_json(&self, uri: &Uri) -> Result<Value, JwksError> {
        let request = Request::get(uri.clone())
            .header(header::ACCEPT, "application/json")
            .body(Empty::new())
            .map_err(|err| JwksError::InvalidUri(err.to_string()))?;
        let fetch = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|err| JwksError::Fetch(format!("{uri}: {err}")))?;
            if response.status() != StatusCode::OK {
                return Err(JwksError::Status(response.status().as_u16()));
            }
            Limited::new(response.into_body(), MAX_DOCUMENT_BYTES)
                .collect()
                .await
                .map(http_body_util::Collected::to_bytes)
                .map_err(|err| JwksError::Fetch(format!("{uri}: {err}")))
        };
        let body = tokio::time::timeout(self.timeout, fetch)
            .await
            .map_err(|_| {
                JwksError::Fetch(format!("{uri}: no answer within {:?}", self.timeout))
            })??;
        serde_json::from_slice(&body)
            .map_err(|err| JwksError::InvalidDocument(format!("{uri}: {err}")))
    }
}

/// `localhost`, or an IP address of the loopback network (`127.0.0.0/8`, `::1`).
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Why a JWK Set could not be found, fetched or used.
#[derive(Debug)]
#[non_exhaustive]
pub enum JwksError {
    /// The URI cannot be parsed, or is neither `https` nor `http`.
    InvalidUri(String),
    /// An `http` URI to a host that is not loopback, without `allow_http`.
    InsecureUri(String),
    /// The connection or the answer failed, or took longer than the timeout.
    Fetch(String),
    /// The server answered with another status than 200.
    Status(u16),
    /// The answer is not JSON, or is larger than 1 MiB.
    InvalidDocument(String),
    /// The discovery document names another issuer, or no `jwks_uri`.
    Discovery(String),
    /// The JWK Set's keys are refused (see [`Key::from_jwk_set`]), or the configuration
    /// cannot be built with them.
    Keys(ConfigError),
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUri(message) => write!(f, "invalid JWK Set URI: {message}"),
            Self::InsecureUri(uri) => write!(
                f,
                "`{uri}` is not https: only loopback hosts may use http, unless allow_http is set"
            ),
            Self::Fetch(message) => write!(f, "fetching failed: {message}"),
            Self::Status(status) => write!(f, "the server answered with status {status}"),
            Self::InvalidDocument(message) => {
                write!(f, "the answer is not a JSON document: {message}")
            }
            Self::Discovery(message) => write!(f, "OpenID discovery failed: {message}"),
            Self::Keys(err) => write!(f, "the JWK Set is refused: {err}"),
        }
    }
}

impl std::error::Error for JwksError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Keys(err) => Some(err),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_localhost_127_0_0_0_8_and_ipv6_1() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "[::1]"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "[::2]",
            "localhost.example.com",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
