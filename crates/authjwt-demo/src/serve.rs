//! Serving the demo over TCP with the limits a server reachable by strangers needs, which
//! `axum::serve` does not have: a client that opens thousands of connections and never
//! finishes a request would otherwise keep every one of them open and starve everyone else.
//!
//! ```no_run
//! use authjwt_demo::serve::{ServerLimits, serve};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = authjwt::AuthJwtConfig::builder()
//!     .secret_key("a-secret-of-at-least-32-bytes-for-hs256!")
//!     .build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! let shutdown = async {
//!     let _ = tokio::signal::ctrl_c().await;
//! };
//! serve(listener, authjwt_demo::app(config), ServerLimits::default(), shutdown).await;
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::{Instant, Sleep};

/// The limits [`serve`] applies to every connection.
///
/// ```
/// use std::time::Duration;
///
/// use authjwt_demo::serve::ServerLimits;
///
/// let limits = ServerLimits {
///     max_connections: 256,
///     ..ServerLimits::default()
/// };
/// assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// How long a client has to send a request's line and headers, counted from when the
    /// connection starts waiting for them: from the accept, and again after each response
    /// on a kept-alive connection, so it also bounds how long an unused kept-alive
    /// connection stays open. `DEMO_HEADER_READ_TIMEOUT`; 10 seconds by default.
    pub header_read_timeout: Duration,
    /// How long a connection may go without receiving or sending a byte: a request body
    /// that stops arriving, a response the client stops reading, an upgraded WebSocket
    /// connection that falls silent. (While a request head is awaited, the header-read
    /// timeout, shorter by default, applies as well.) `DEMO_IDLE_TIMEOUT`; 60 seconds by
    /// default.
    pub idle_timeout: Duration,
    /// How many connections are open at once, upgraded WebSocket connections included.
    /// Beyond it the server stops accepting, and new clients wait in the listen queue
    /// until a connection closes. `DEMO_MAX_CONNECTIONS`; 1,024 by default (0 is taken as
    /// 1).
    pub max_connections: usize,
}

impl ServerLimits {
    /// The default header-read timeout: 10 seconds, plenty for any real client to send a
    /// request head, short enough that half-sent requests do not pile up.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// The default idle timeout: 60 seconds.
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    /// The default connection limit: 1,024. Each connection is an open file: under the
    /// common soft limit of 1,024 open files per process (`ulimit -n`), the accepts fail
    /// (and are retried every second) before this limit is reached.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Longer timeouts are cut to this: hyper adds the timeout to the current instant, which
/// panics on overflow, and no client waits 136 years.
const LONGEST_TIMEOUT: Duration = Duration::from_secs(u32::MAX as u64);

/// Serves `router` on `listener` over HTTP/1.1 (with upgrades, for the WebSocket routes)
/// within `limits`, until `shutdown` completes. Then it stops accepting, lets each open
/// connection finish the request it is serving, and returns once every connection is
/// closed.
pub async fn serve<F>(listener: TcpListener, router: Router, limits: ServerLimits, shutdown: F)
where
    F: Future<Output = ()> + Send,
{
    // acquire_many below counts in u32.
    let permits = limits
        .max_connections
        .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let connections = Arc::new(Semaphore::new(permits));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout.min(LONGEST_TIMEOUT));
    let idle_timeout = limits.idle_timeout.min(LONGEST_TIMEOUT);
    // Dropping the sender tells every connection task to finish.
    let (stopping_sender, stopping) = watch::channel(());
    let mut shutdown = pin!(shutdown);

    loop {
        // The permit is taken before the accept: at the limit, new connections wait in the
        // kernel's listen queue instead of being accepted and left unserved.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&connections).acquire_owned() => permit,
        };
        let Ok(permit) = permit else {
            // Only a closed semaphore refuses, and this one is never closed.
            break;
        };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(err) => {
                if !is_connection_error(&err)
                    && stopped_after_accept_error(&err, &mut shutdown).await
                {
                    break;
                }
                continue;
            }
        };
        let connection = LimitedConnection::new(stream, idle_timeout, permit);
        tokio::spawn(serve_connection(
            http.clone(),
            connection,
            router.clone(),
            stopping.clone(),
        ));
    }

    drop(listener);
    drop(stopping_sender);
    // Every open connection holds a permit until its socket is closed; taking them all
    // back means every connection is done.
    let all = u32::try_from(permits).unwrap_or(u32::MAX);
    let _closed = connections.acquire_many(all).await;
}

/// Serves one connection until the client or a limit closes it; on shutdown, finishes the
/// request in progress and closes.
async fn serve_connection(
    http: http1::Builder,
    connection: LimitedConnection,
    router: Router,
    mut stopping: watch::Receiver<()>,
) {
    let served = http
        .serve_connection(TokioIo::new(connection), TowerToHyperService::new(router))
        .with_upgrades();
    let mut served = pin!(served);
    let outcome = tokio::select! {
        outcome = served.as_mut() => outcome,
        _ = stopping.changed() => {
            served.as_mut().graceful_shutdown();
            served.await
        }
    };
    if let Err(err) = outcome {
        // Timeouts and clients that hang up are routine, not worth a warning.
        tracing::debug!("connection closed: {err}");
    }
}

/// Errors of one incoming connection (it was reset before the accept), after which the
/// next accept may succeed at once.
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Other accept errors, such as running out of file descriptors, last a while: retrying at
/// once would spin, so this waits a second. True when `shutdown` completed meanwhile.
async fn stopped_after_accept_error<F>(err: &io::Error, shutdown: &mut Pin<&mut F>) -> bool
where
    F: Future<Output = ()>,
{
    tracing::error!("accept error: {err}; retrying in a second");
    tokio::select! {
        () = shutdown.as_mut() => true,
        () = tokio::time::sleep(Duration::from_secs(1)) => false,
    }
}

/// An accepted TCP connection that fails with [`io::ErrorKind::TimedOut`] once nothing was
/// received or sent for the idle timeout, and that holds its permit under the connection
/// limit until it is dropped: a connection upgraded to a WebSocket keeps both, as the
/// upgraded stream is this one.
#[derive(Debug)]
struct LimitedConnection {
    stream: TcpStream,
    idle_timeout: Duration,
    last_activity: Instant,
    idle_deadline: Pin<Box<Sleep>>,
    _permit: OwnedSemaphorePermit,
}

impl LimitedConnection {
    fn new(stream: TcpStream, idle_timeout: Duration, permit: OwnedSemaphorePermit) -> Self {
        let now = Instant::now();
        Self {
            stream,
            idle_timeout,
            last_activity: now,
            idle_deadline: Box::pin(tokio::time::sleep_until(now + idle_timeout)),
            _permit: permit,
        }
    }

    fn record_activity(&mut self) {
        self.last_activity = Instant::now();
    }

    /// For when the socket is not ready: the timeout error once it has been idle for the
    /// whole timeout. The timer is moved only when it is needed, not on every read and
    /// write.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let deadline = self.last_activity + self.idle_timeout;
        if self.idle_deadline.deadline() != deadline {
            self.idle_deadline.as_mut().reset(deadline);
        }
        ready!(self.idle_deadline.as_mut().poll(cx));
        Poll::Ready(io::Error::new(
            io::ErrorKind::TimedOut,
            "nothing received or sent within the idle timeout",
        ))
    }

    /// Passes on a read's or write's outcome: records activity when `moved` says bytes
    /// moved, and turns a pending one into the timeout error once the connection is idle.
    fn after_io<T>(
        &mut self,
        cx: &mut Context<'_>,
        outcome: Poll<io::Result<T>>,
        moved: impl FnOnce(&T) -> bool,
    ) -> Poll<io::Result<T>> {
        match outcome {
            Poll::Ready(Ok(value)) => {
                if moved(&value) {
                    self.record_activity();
                }
                Poll::Ready(Ok(value))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => self.poll_idle(cx).map(Err),
        }
    }
}

impl AsyncRead for LimitedConnection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let outcome = Pin::new(&mut this.stream).poll_read(cx, buf);
        let received = buf.filled().len() > before;
        this.after_io(cx, outcome, |()| received)
    }
}

impl AsyncWrite for LimitedConnection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.after_io(cx, outcome, |written| *written > 0)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.after_io(cx, outcome, |written| *written > 0)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.stream).poll_flush(cx);
        this.after_io(cx, outcome, |()| false)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
