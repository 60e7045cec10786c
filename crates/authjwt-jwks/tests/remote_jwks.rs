//! A remote JWK Set served by a small HTTP server on 127.0.0.1 that counts its fetches: keys
//! cached, refreshed on a schedule and on an unknown `kid` at a bounded rate, kept while the
//! endpoint is down, refused when not public signature keys; discovery; HTTPS required.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authjwt::{Algorithm, AuthJwtConfig, AuthJwtError, DecodeError, Key, Requirement};
use authjwt_jwks::{JwksError, RemoteJwks};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../authjwt/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// An issuer signing with one of its keys; `jwks` is what it publishes.
fn issuer(signing_kid: &str, kids: &[(&str, Algorithm, &str)]) -> AuthJwtConfig {
    AuthJwtConfig::builder()
        .key_set(kids.iter().map(|&(kid, algorithm, file)| {
            Key::private_pem(kid, algorithm, fixture(file)).signing(kid == signing_kid)
        }))
        .build()
        .expect("an issuer key set")
}

const OLD: (&str, Algorithm, &str) = ("old", Algorithm::ES256, "ec256_private.pem");
const NEW: (&str, Algorithm, &str) = ("new", Algorithm::RS256, "rsa_private.pem");

/// What the server answers on each path, and how many requests it has had.
#[derive(Default)]
struct Server {
    documents: Mutex<Vec<(String, Value)>>,
    down: Mutex<bool>,
    fetches: AtomicUsize,
    port: u16,
}

impl Server {
    async fn start() -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let server = Arc::new(Self {
            port: listener.local_addr().expect("an address").port(),
            ..Self::default()
        });
        let serving = Arc::clone(&server);
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let server = Arc::clone(&serving);
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0; 1024];
                    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => request.extend_from_slice(&buffer[..read]),
                        }
                        // Not an HTTP request (a TLS ClientHello starts with 0x16): closed.
                        if !request[0].is_ascii_uppercase() {
                            return;
                        }
                    }
                    server.fetches.fetch_add(1, Ordering::SeqCst);
                    let text = String::from_utf8_lossy(&request);
                    let path = text.split(' ').nth(1).unwrap_or_default().to_owned();
                    let answer = server.answer(&path);
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        server
    }

    fn answer(&self, path: &str) -> String {
        let found = self
            .documents
            .lock()
            .expect("documents")
            .iter()
            .find(|(served, _)| served == path)
            .map(|(_, document)| document.to_string());
        let (status, body) = match found {
            _ if *self.down.lock().expect("down") => ("503 Service Unavailable", String::new()),
            Some(body) => ("200 OK", body),
            None => ("404 Not Found", String::new()),
        };
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        )
    }

    fn serve(&self, path: &str, document: Value) {
        let mut documents = self.documents.lock().expect("documents");
        documents.retain(|(served, _)| served != path);
        documents.push((path.to_owned(), document));
    }

    fn set_down(&self, down: bool) {
        *self.down.lock().expect("down") = down;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

async fn serving_old_key() -> Arc<Server> {
    let server = Server::start().await;
    server.serve("/jwks", issuer("old", &[OLD]).jwk_set());
    server
}

fn is_unknown_key(result: &Result<authjwt::VerifiedToken, AuthJwtError>) -> bool {
    matches!(result, Err(AuthJwtError::Decode(DecodeError::UnknownKeyId)))
        && result
            .as_ref()
            .err()
            .is_some_and(|err| err.status_code() == 422)
}

/// A token under a `kid` the issuer never had.
fn token_with_kid(kid: &str) -> String {
    AuthJwtConfig::builder()
        .key_set([Key::private_pem(kid, OLD.1, fixture(OLD.2)).signing(true)])
        .build()
        .expect("a key set")
        .create_access_token("mallory")
        .expect("a token")
}

#[tokio::test]
async fn keys_are_fetched_once_and_then_served_from_the_cache() {
    let server = serving_old_key().await;
    let jwks = RemoteJwks::from_jwks_uri(server.url("/jwks"))
        .connect(AuthJwtConfig::builder())
        .await
        .expect("connected");
    let token = issuer("old", &[OLD])
        .create_access_token("alice")
        .expect("a token");
    for _ in 0..20 {
        jwks.verify(&token, Requirement::Access)
            .await
            .expect("verifies");
    }
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn random_kids_cause_at_most_one_fetch_per_interval() {
    let server = serving_old_key().await;
    let jwks = RemoteJwks::from_jwks_uri(server.url("/jwks"))
        .min_fetch_interval(Duration::from_secs(3600))
        .connect(AuthJwtConfig::builder())
        .await
        .expect("connected");
    for attempt in 0..50 {
        let result = jwks
            .verify(
                &token_with_kid(&format!("random-{attempt}")),
                Requirement::Access,
            )
            .await;
        assert!(is_unknown_key(&result), "{result:?}");
    }
    assert_eq!(
        server.fetches(),
        1,
        "only the first fetch, within the interval"
    );
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_the_interval_has_passed_and_finds_the_new_key() {
    let server = serving_old_key().await;
    let jwks = RemoteJwks::from_jwks_uri(server.url("/jwks"))
        .min_fetch_interval(Duration::ZERO)
        .connect(AuthJwtConfig::builder())
        .await
        .expect("connected");
    let rotated = issuer("new", &[OLD, NEW]);
    server.serve("/jwks", rotated.jwk_set());
    let token = rotated.create_access_token("alice").expect("a token");
    let verified = jwks
        .verify(&token, Requirement::Access)
        .await
        .expect("the new key was fetched");
    assert_eq!(verified.header().key_id(), Some("new"));
    assert_eq!(server.fetches(), 2);
    // Known now: no further fetch.
    jwks.verify(&token, Requirement::Access)
        .await
        .expect("cached");
    assert_eq!(server.fetches(), 2);
}

/// What the axum extractors use: the configuration's own `verify` answers an unknown `kid`
/// at once and refetches in the background, so a later request finds the new key; random
/// `kid`s still cause at most one fetch per interval.
#[tokio::test]
async fn the_configs_own_verify_refetches_in_the_background() {
    let server = serving_old_key().await;
    let jwks = RemoteJwks::from_jwks_uri(server.url("/jwks"))
        .min_fetch_interval(Duration::ZERO)
        .connect(AuthJwtConfig::builder())
        .await
        .expect("connected");
    let rotated = issuer("new", &[OLD, NEW]);
    server.serve("/jwks", rotated.jwk_set());
    let token = rotated.create_access_token("alice").expect("a token");
    let first = jwks.config().verify(&token, Requirement::Access).await;
    assert!(is_unknown_key(&first), "{first:?}");
    // Waits for the outcome, not for a duration: the bound only ends a broken run.
    tokio::time::timeout(Duration::from_secs(30), async {
        while jwks
            .config()
            .verify(&token, Requirement::Access)
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the background refetch brought the new key");
    assert!(server.fetches() >= 2);

    let throttled = RemoteJwks::from_jwks_uri(server.url("/jwks"))
        .min_fetch_interval(Duration::from_secs(3600))
        .connect(AuthJwtConfig::builder())
        .await
        .expect("connected");
    let before = server.fetches();
    for n in 0..50 {
        let result = throttled
            .config()
            .verify(&token_with_kid(&format!("random-{n}")), Requirement::Access)
            .await;
        assert!(is_unknown_key(&result), "{result:?}");
    }
    tokio::task::yield_now().await;
    assert_eq!(server.fetches(), before, "within the interval: no fetch");
}

#[tokio::test]
async fn the_scheduled_refresh_brings_new_keys() {
    let server = serving_old_key().await;
    let jwks = RemoteJwks::from_jwks_uri(server.url("/jwks"))
        .refresh_every(Duration::from_millis(20))
        .min_fetch_interval(Duration::from_secs(3600))
        .connect(AuthJwtConfig::builder())
        .await
        .expect("connected");
    let rotated = issuer("new", &[OLD, NEW]);
    server.serve("/jwks", rotated.jwk_set());
    let token = rotated.create_access_token("alice").expect("a token");
    let refreshing = tokio::spawn({
        let jwks = jwks.clone();
        async move { jwks.run_scheduled_refresh().await }
    });
    // Waits for the outcome, not for a duration: the bound only ends a broken run.
    let verified = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(verified) = jwks.config().verify(&token, Requirement::Access).await {
                return verified;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the scheduled refresh installed the new key");
    refreshing.abort();
    assert_eq!(verified.header().key_id(), Some("new"));
    assert!(server.fetches() >= 2);
}

#[tokio::test]
async fn while_the_endpoint_is_down_known_keys_verify_and_unknown_kids_fail_closed() {
    let server = serving_old_key().await;
    let jwks = RemoteJwks::from_jwks_uri(server.url("/jwks"))
        .min_fetch_interval(Duration::ZERO)
        .connect(AuthJwtConfig::builder())
        .await
        .expect("connected");
    server.set_down(true);
    assert!(matches!(jwks.refresh().await, Err(JwksError::Status(503))));
    let known = issuer("old", &[OLD])
        .create_access_token("alice")
        .expect("a token");
    jwks.verify(&known, Requirement::Access)
        .await
        .expect("the cached key verifies");
    let unknown = issuer("new", &[OLD, NEW])
        .create_access_token("alice")
        .expect("a token");
    let result = jwks.verify(&unknown, Requirement::Access).await;
    assert!(is_unknown_key(&result), "{result:?}");
    assert_eq!(
        server.fetches(),
        3,
        "connect, refresh, and the unknown kid's attempt"
    );
}

#[tokio::test]
async fn a_jwk_set_with_a_private_key_is_refused_and_the_current_keys_kept() {
    let server = serving_old_key().await;
    let jwks = RemoteJwks::from_jwks_uri(server.url("/jwks"))
        .connect(AuthJwtConfig::builder())
        .await
        .expect("connected");
    let mut leaked = issuer("new", &[OLD, NEW]).jwk_set();
    leaked["keys"][1]["d"] = json!("AQAB");
    server.serve("/jwks", leaked);
    let err = jwks.refresh().await.expect_err("a private member");
    assert!(matches!(err, JwksError::Keys(_)), "{err}");
    let known = issuer("old", &[OLD])
        .create_access_token("alice")
        .expect("a token");
    jwks.verify(&known, Requirement::Access)
        .await
        .expect("the old keys stay");
}

#[tokio::test]
async fn a_first_fetch_that_fails_fails_connect() {
    let server = Server::start().await;
    let err = RemoteJwks::from_jwks_uri(server.url("/jwks"))
        .connect(AuthJwtConfig::builder())
        .await
        .expect_err("nothing served");
    assert!(matches!(err, JwksError::Status(404)), "{err}");
}

#[tokio::test]
async fn the_jwks_uri_is_found_through_openid_discovery() {
    let server = serving_old_key().await;
    let issuer_url = server.url("");
    server.serve(
        "/.well-known/openid-configuration",
        json!({"issuer": issuer_url, "jwks_uri": server.url("/jwks")}),
    );
    let jwks = RemoteJwks::from_issuer(format!("{issuer_url}/"))
        .connect(AuthJwtConfig::builder())
        .await
        .expect("discovered");
    assert_eq!(jwks.jwks_uri().path(), "/jwks");
    let token = issuer("old", &[OLD])
        .create_access_token("alice")
        .expect("a token");
    jwks.verify(&token, Requirement::Access)
        .await
        .expect("verifies");
}

#[tokio::test]
async fn discovery_refuses_another_issuer_and_an_insecure_jwks_uri() {
    let server = serving_old_key().await;
    let issuer_url = server.url("");
    for (document, reason) in [
        (
            json!({"issuer": "https://elsewhere.example", "jwks_uri": server.url("/jwks")}),
            "names the issuer",
        ),
        (
            json!({"issuer": issuer_url, "jwks_uri": "http://keys.example/jwks"}),
            "is not https",
        ),
        (json!({"issuer": issuer_url}), "no `jwks_uri`"),
    ] {
        server.serve("/.well-known/openid-configuration", document);
        let err = RemoteJwks::from_issuer(&issuer_url)
            .connect(AuthJwtConfig::builder())
            .await
            .expect_err("refused");
        assert!(err.to_string().contains(reason), "{err}");
    }
}

#[tokio::test]
async fn http_is_refused_except_for_loopback_or_with_allow_http() {
    let err = RemoteJwks::from_jwks_uri("http://keys.example/jwks")
        .connect(AuthJwtConfig::builder())
        .await
        .expect_err("plain http to another host");
    assert!(matches!(err, JwksError::InsecureUri(_)), "{err}");
    // With the opt-in the URI is accepted and fetched: here a refused connection, not a
    // refused URI.
    // 0.0.0.0 is not a loopback address, yet connecting to it reaches this host, where
    // nothing listens on port 1: refused at once, without the network.
    let err = RemoteJwks::from_jwks_uri("http://0.0.0.0:1/jwks")
        .allow_http(true)
        .connect(AuthJwtConfig::builder())
        .await
        .expect_err("no such host");
    assert!(matches!(err, JwksError::Fetch(_)), "{err}");
    for uri in ["ftp://keys.example/jwks", "/jwks", "not a uri"] {
        let err = RemoteJwks::from_jwks_uri(uri)
            .connect(AuthJwtConfig::builder())
            .await
            .expect_err("not a URI to fetch");
        assert!(matches!(err, JwksError::InvalidUri(_)), "{uri}: {err}");
    }
}

#[cfg(feature = "tls")]
#[tokio::test]
async fn https_uris_are_fetched_over_tls() {
    // The test server speaks plain HTTP: a TLS client fails its handshake, which shows the
    // https URI went through TLS rather than being refused or sent in the clear.
    let server = serving_old_key().await;
    let err = RemoteJwks::from_jwks_uri(server.url("/jwks").replace("http://", "https://"))
        .connect(AuthJwtConfig::builder())
        .await
        .expect_err("no TLS server");
    assert!(matches!(err, JwksError::Fetch(_)), "{err}");
}
