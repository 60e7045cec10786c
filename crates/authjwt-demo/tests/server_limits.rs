//! The demo's server on real sockets (127.0.0.1, a free port): the header-read timeout, the
//! idle timeout and the connection limit that `axum::serve` does not have, and requests,
//! keep-alive, WebSocket upgrades and shutdown still working through it.
//!
//! Every wait is bounded by [`GENEROUS`], which only a server that never acts reaches;
//! nothing asserts how long anything took.

use std::io::{ErrorKind, Read};
use std::net::SocketAddr;
use std::time::Duration;

use authjwt::AuthJwtConfig;
use authjwt_demo::serve::{ServerLimits, serve};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const SECRET: &str = "a-64-byte-secret-for-the-demo-server-limit-tests-0123456789abcdef";

/// Far longer than any outcome here takes on a loaded machine.
const GENEROUS: Duration = Duration::from_secs(30);

/// The timeout a test waits out: short, so the suite stays fast.
const SHORT: Duration = Duration::from_secs(1);

/// A timeout no test reaches.
const NEVER: Duration = Duration::from_secs(3600);

/// Half a request: the head's blank line never comes.
const HALF_A_REQUEST: &[u8] = b"GET /public HTTP/1.1\r\nHost: demo\r\n";

const PUBLIC_AND_CLOSE: &[u8] = b"GET /public HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n";

struct Server {
    addr: SocketAddr,
    config: AuthJwtConfig,
    stop: oneshot::Sender<()>,
    finished: JoinHandle<()>,
}

/// The demo, without the minting routes, served on a free loopback port within `limits`.
async fn start(limits: ServerLimits) -> Server {
    let config = AuthJwtConfig::builder()
        .secret_key(SECRET)
        .build()
        .expect("a valid configuration");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("a bound address");
    let (stop, stopped) = oneshot::channel::<()>();
    let router = authjwt_demo::app(config.clone());
    let finished = tokio::spawn(serve(listener, router, limits, async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        config,
        stop,
        finished,
    }
}

fn limits(
    header_read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
) -> ServerLimits {
    ServerLimits {
        header_read_timeout,
        idle_timeout,
        max_connections,
    }
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("the server listens")
}

/// A connection that sent `bytes` and nothing more.
async fn connect_and_send(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = connect(addr).await;
    stream.write_all(bytes).await.expect("sent");
    stream
}

/// Everything the server sends until it closes the connection.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    tokio::time::timeout(GENEROUS, stream.read_to_end(&mut received))
        .await
        .unwrap_or_else(|_| panic!("the server kept the connection open; it sent {received:?}"))
        .expect("a clean close");
    received
}

/// Whether the server has already closed `stream`: one read that does not wait.
fn closed_already(stream: TcpStream) -> bool {
    let mut stream = stream.into_std().expect("a socket");
    match stream.read(&mut [0; 1]) {
        Ok(0) => true,
        Err(err) if err.kind() == ErrorKind::WouldBlock => false,
        other => panic!("unexpected read on a half-sent request: {other:?}"),
    }
}

/// An HTTP/1.1 response, head parsed by hand.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The head in `bytes`, if complete, and where the body starts.
    fn parse_head(bytes: &[u8]) -> Option<(Self, usize)> {
        let end = bytes.windows(4).position(|window| window == b"\r\n\r\n")?;
        let head = std::str::from_utf8(&bytes[..end]).expect("an ASCII head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("a status line");
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("a status line: {status_line:?}"));
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header line");
                (name.to_owned(), value.trim().to_owned())
            })
            .collect();
        let response = Self {
            status,
            headers,
            body: Vec::new(),
        };
        Some((response, end + 4))
    }

    /// A whole response: `bytes` read until the server closed the connection.
    fn from_closed(bytes: &[u8]) -> Self {
        let (mut response, body_start) = Self::parse_head(bytes)
            .unwrap_or_else(|| panic!("a response: {:?}", String::from_utf8_lossy(bytes)));
        response.body = bytes[body_start..].to_vec();
        response
    }

    /// The next response on a kept-alive connection (its length from `content-length`).
    async fn read(stream: &mut TcpStream) -> Self {
        let mut bytes = Vec::new();
        let read = async {
            loop {
                if let Some((mut response, body_start)) = Self::parse_head(&bytes) {
                    let length: usize = response
                        .header("content-length")
                        .expect("a content-length")
                        .parse()
                        .expect("a length");
                    while bytes.len() < body_start + length {
                        read_more(stream, &mut bytes).await;
                    }
                    response.body = bytes[body_start..body_start + length].to_vec();
                    return response;
                }
                read_more(stream, &mut bytes).await;
            }
        };
        tokio::time::timeout(GENEROUS, read)
            .await
            .expect("the server answered")
    }
}

async fn read_more(stream: &mut TcpStream, bytes: &mut Vec<u8>) {
    let mut chunk = [0; 4096];
    let count = stream.read(&mut chunk).await.expect("a read");
    assert!(count > 0, "the server closed the connection mid-response");
    bytes.extend_from_slice(&chunk[..count]);
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_read_timeout() {
    let server = start(limits(SHORT, NEVER, 8)).await;
    let mut stream = connect_and_send(server.addr, HALF_A_REQUEST).await;
    assert_eq!(read_until_closed(&mut stream).await, b"");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_read_timeout() {
    let server = start(limits(SHORT, NEVER, 8)).await;
    let mut stream = connect(server.addr).await;
    assert_eq!(read_until_closed(&mut stream).await, b"");
}

#[tokio::test]
async fn at_the_connection_limit_a_new_client_is_answered_once_a_held_connection_times_out() {
    let server = start(limits(SHORT, NEVER, 2)).await;
    let held = [
        connect_and_send(server.addr, HALF_A_REQUEST).await,
        connect_and_send(server.addr, HALF_A_REQUEST).await,
    ];
    let mut waiting = connect_and_send(server.addr, PUBLIC_AND_CLOSE).await;

    let answer = Response::from_closed(&read_until_closed(&mut waiting).await);

    assert_eq!(
        (answer.status, answer.json()),
        (200, json!({"msg": "hello"}))
    );
    // The server took the waiting client from the listen queue only after closing a held
    // connection, so by the time of the answer one of them is closed.
    assert!(
        held.into_iter().any(closed_already),
        "answered while both held connections were still open"
    );
}

#[tokio::test]
async fn a_kept_alive_connection_serves_several_requests_then_closes_when_none_comes() {
    let server = start(limits(SHORT, NEVER, 8)).await;
    let mut stream = connect(server.addr).await;

    stream
        .write_all(b"GET /public HTTP/1.1\r\nHost: demo\r\n\r\n")
        .await
        .expect("sent");
    let first = Response::read(&mut stream).await;
    assert_eq!((first.status, first.json()), (200, json!({"msg": "hello"})));

    let credentials = br#"{"username":"test","password":"test"}"#;
    let login = format!(
        "POST /login HTTP/1.1\r\nHost: demo\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        credentials.len()
    );
    stream.write_all(login.as_bytes()).await.expect("sent");
    stream.write_all(credentials).await.expect("sent");
    let second = Response::read(&mut stream).await;
    assert_eq!(second.status, 200);
    let tokens = second.json();
    for kind in ["access_token", "refresh_token"] {
        let token = tokens[kind].as_str().expect("a token");
        let decoded = server.config.decode(token).expect("a token of this server");
        assert_eq!(decoded.claims().get("sub"), Some(&json!("test")), "{kind}");
    }

    assert_eq!(read_until_closed(&mut stream).await, b"");
}

#[tokio::test]
async fn a_request_body_that_stops_arriving_is_closed_after_the_idle_timeout() {
    let server = start(limits(NEVER, SHORT, 8)).await;
    let mut stream = connect_and_send(
        server.addr,
        b"POST /login HTTP/1.1\r\nHost: demo\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"username\"",
    )
    .await;
    // The handler reading the body sees the connection fail, answers 400 (axum's own
    // plain-text answer), and the connection closes.
    let answer = Response::from_closed(&read_until_closed(&mut stream).await);
    assert_eq!(
        (
            answer.status,
            String::from_utf8_lossy(&answer.body).as_ref()
        ),
        (
            400,
            "Failed to buffer the request body: error reading a body from connection"
        )
    );
}

#[tokio::test]
async fn a_websocket_upgrade_is_served_and_gives_its_place_back_when_it_closes() {
    let server = start(limits(NEVER, NEVER, 1)).await;
    let token = server
        .config
        .create_access_token("test")
        .expect("an access token");
    let url = format!("ws://{}/ws/protected?token={token}", server.addr);

    let (mut socket, handshake) =
        tokio::time::timeout(GENEROUS, tokio_tungstenite::connect_async(url))
            .await
            .expect("the server answered the handshake")
            .expect("an upgrade");
    assert_eq!(handshake.status(), 101);
    let mut frames = Vec::new();
    tokio::time::timeout(GENEROUS, async {
        while let Some(frame) = socket.next().await {
            frames.push(frame.expect("a frame"));
        }
    })
    .await
    .expect("the server closed the WebSocket");
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[0], Message::text(r#"{"user":"test"}"#));
    let Message::Close(Some(close)) = &frames[1] else {
        panic!("a close frame: {frames:?}");
    };
    assert_eq!(close.code, CloseCode::Normal);

    // The limit is one connection: this is answered only if the WebSocket's was released.
    let mut next = connect_and_send(server.addr, PUBLIC_AND_CLOSE).await;
    let answer = Response::from_closed(&read_until_closed(&mut next).await);
    assert_eq!(
        (answer.status, answer.json()),
        (200, json!({"msg": "hello"}))
    );
}

#[tokio::test]
async fn shutdown_closes_idle_connections_stops_accepting_and_returns() {
    let server = start(limits(NEVER, NEVER, 8)).await;
    let mut kept_alive =
        connect_and_send(server.addr, b"GET /public HTTP/1.1\r\nHost: demo\r\n\r\n").await;
    let answer = Response::read(&mut kept_alive).await;
    assert_eq!(answer.status, 200);

    server.stop.send(()).expect("the server is running");
    tokio::time::timeout(GENEROUS, server.finished)
        .await
        .expect("serve returned")
        .expect("serve did not panic");

    assert_eq!(read_until_closed(&mut kept_alive).await, b"");
    let refused = TcpStream::connect(server.addr)
        .await
        .expect_err("nothing listens any more");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
}
