//! A throwaway `redis-server` per test, on a free loopback port, without persistence; or a
//! throwaway Redis Cluster of three masters. And [`call`], a request to a test app.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

const READY_WITHIN: Duration = Duration::from_secs(10);

/// A running `redis-server`, killed when dropped.
pub(crate) struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server, or returns `None` (after saying so) when `redis-server` is not
    /// installed. With `CI=true` a missing `redis-server` fails the test instead.
    pub(crate) fn start() -> Option<Self> {
        let mut last_error = None;
        // A free port can be taken between probing and binding: try a few.
        for _ in 0..5 {
            let port = free_port();
            match spawn(port) {
                Ok(child) => {
                    let mut server = Self {
                        port,
                        child: Some(child),
                    };
                    match server.wait_ready() {
                        Ok(()) => return Some(server),
                        Err(err) => last_error = Some(err),
                    }
                }
                Err(err) if err.kind() == ErrorKind::NotFound => {
                    assert!(
                        std::env::var("CI").as_deref() != Ok("true"),
                        "redis-server is not on PATH, and CI=true requires these tests to run"
                    );
                    eprintln!("skipped: redis-server is not on PATH");
                    return None;
                }
                Err(err) => panic!("could not start redis-server: {err}"),
            }
        }
        panic!("redis-server did not start: {last_error:?}");
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server (SIGKILL: no shutdown, no save) and waits for it to exit.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a new, empty server on the same port.
    pub(crate) fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            // The port may take a moment to be released.
            self.child = Some(spawn(self.port).expect("redis-server starts again"));
            match self.wait_ready() {
                Ok(()) => return,
                Err(err) if Instant::now() < deadline => {
                    eprintln!("redis-server restart on port {} failed: {err}", self.port);
                    self.stop();
                    thread::sleep(Duration::from_millis(100));
                }
                Err(err) => panic!("redis-server did not restart: {err}"),
            }
        }
    }

    /// Waits until the server answers `PING`, or fails if it exits or takes too long.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_WITHIN;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return Err(format!("redis-server exited: {status}"));
            }
            if ping(addr) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!("redis-server did not answer on {addr}"));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

fn spawn(port: u16) -> std::io::Result<Child> {
    spawn_with(port, &std::env::temp_dir(), &[])
}

fn spawn_with(port: u16, dir: &Path, extra: &[&str]) -> std::io::Result<Child> {
    Command::new("redis-server")
        .args(["--port", &port.to_string()])
        .args(extra)
        .args(["--bind", "127.0.0.1"])
        .args(["--save", ""])
        .args(["--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// Three masters on free loopback ports, each serving a third of the slots; killed and
/// their directory removed when dropped.
pub(crate) struct RedisCluster {
    ports: Vec<u16>,
    children: Vec<Child>,
    dir: PathBuf,
}

impl RedisCluster {
    /// Starts the nodes, joins them with `redis-cli --cluster create` and waits for
    /// `cluster_state:ok`; `None` (after saying so) when `redis-server` is not installed,
    /// a failure with `CI=true`.
    pub(crate) fn start() -> Option<Self> {
        let dir = std::env::temp_dir().join(format!(
            "authjwt-cluster-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("a directory for the cluster's node files");
        let mut cluster = Self {
            ports: Vec::new(),
            children: Vec::new(),
            dir,
        };
        for _ in 0..3 {
            let port = free_port();
            // The cluster bus would default to port + 10000, maybe past 65535 or taken.
            let bus_port = free_port().to_string();
            let config_file = format!("nodes-{port}.conf");
            let extra = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                &config_file,
                "--cluster-port",
                &bus_port,
            ];
            match spawn_with(port, &cluster.dir, &extra) {
                Ok(child) => {
                    cluster.children.push(child);
                    cluster.ports.push(port);
                }
                Err(err) if err.kind() == ErrorKind::NotFound => {
                    assert!(
                        std::env::var("CI").as_deref() != Ok("true"),
                        "redis-server is not on PATH, and CI=true requires these tests to run"
                    );
                    eprintln!("skipped: redis-server is not on PATH");
                    return None;
                }
                Err(err) => panic!("could not start redis-server: {err}"),
            }
        }
        cluster.wait(ping, "answer PING");
        let nodes: Vec<String> = cluster
            .ports
            .iter()
            .map(|port| format!("127.0.0.1:{port}"))
            .collect();
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&nodes)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli runs");
        assert!(
            created.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        cluster.wait(
            |addr| cluster_info(addr).contains("cluster_state:ok"),
            "report cluster_state:ok",
        );
        Some(cluster)
    }

    /// `redis://127.0.0.1:<port>` of each node.
    pub(crate) fn urls(&self) -> Vec<String> {
        self.ports
            .iter()
            .map(|port| format!("redis://127.0.0.1:{port}"))
            .collect()
    }

    /// Kills node `index` (SIGKILL), as a crashed master: its slots have no replica.
    // Each test binary compiles this module; only the sessions tests crash a node.
    #[allow(dead_code)]
    pub(crate) fn kill_node(&mut self, index: usize) {
        let _ = self.children[index].kill();
        let _ = self.children[index].wait();
    }

    fn wait(&self, ready: impl Fn(SocketAddr) -> bool, what: &str) {
        let deadline = Instant::now() + READY_WITHIN;
        for port in &self.ports {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, *port));
            while !ready(addr) {
                assert!(Instant::now() < deadline, "node {addr} did not {what}");
                thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn cluster_info(addr: SocketAddr) -> String {
    Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &addr.port().to_string()])
        .args(["cluster", "info"])
        .stdin(Stdio::null())
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default()
}

fn ping(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut reply = [0_u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

/// Sends `method path` with `token` as a bearer token; the answer's status and body.
pub(crate) async fn call(
    app: &Router,
    method: Method,
    path: &str,
    token: &str,
) -> (StatusCode, String) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a valid request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a readable body")
        .to_bytes();
    (status, String::from_utf8(body.to_vec()).expect("UTF-8"))
}
