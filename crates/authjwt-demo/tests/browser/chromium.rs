//! A headless Chromium driven over the Chrome DevTools Protocol: a WebSocket to the browser
//! (tokio-tungstenite, already a dev-dependency), commands answered by id, and pages attached
//! in flattened sessions. Only what the tests use: pages, navigation, script evaluation and
//! the browser's own cookie jar, which shows HttpOnly cookies and every attribute.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Far longer than any page load or answer takes on a loaded machine; only a browser that
/// never answers reaches it.
pub(crate) const GENEROUS: Duration = Duration::from_secs(60);

/// How often a bounded wait looks again.
const POLL: Duration = Duration::from_millis(50);

/// Browsers running at once: each is a handful of processes, and the machine is shared.
static RUNNING: Semaphore = Semaphore::const_new(2);

static PROFILES: AtomicUsize = AtomicUsize::new(0);

/// The Chromium binary: `CHROMIUM_BINARY`, else `chromium` or `chromium-browser` on the
/// `PATH`. `None` when there is none; under `CI=true` that fails the test instead, as CI must
/// run these tests.
pub(crate) fn binary() -> Option<PathBuf> {
    let found = match std::env::var_os("CHROMIUM_BINARY") {
        Some(path) => Some(PathBuf::from(path)).filter(|path| path.is_file()),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
                .find(|path| path.is_file())
        }),
    };
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: Chromium must be installed (apt-get install chromium; CHROMIUM_BINARY \
             names its binary)"
        );
        eprintln!(
            "skipped: no Chromium (apt-get install chromium, or set CHROMIUM_BINARY to its \
             binary)"
        );
    }
    found
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running headless Chromium with its own new profile (so its own cookie jar), killed with
/// its child processes when dropped.
pub(crate) struct Chromium {
    child: Child,
    profile: PathBuf,
    socket: Socket,
    next_id: u64,
    _running: SemaphorePermit<'static>,
}

/// A tab, attached in a flattened session.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    session: String,
}

/// A cookie as the browser's jar holds it (`Storage.getCookies`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JarCookie {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) domain: String,
    pub(crate) path: String,
    pub(crate) http_only: bool,
    pub(crate) secure: bool,
    /// `None` when the cookie has no SameSite attribute.
    pub(crate) same_site: Option<String>,
    /// No Expires or Max-Age: gone when the browser closes.
    pub(crate) session: bool,
}

impl Chromium {
    /// Starts `binary` headless on a new profile and connects to it.
    pub(crate) async fn launch(binary: &Path) -> Self {
        let running = RUNNING.acquire().await.expect("never closed");
        let profile = std::env::temp_dir().join(format!(
            "authjwt-browser-{}-{}",
            std::process::id(),
            PROFILES.fetch_add(1, Ordering::Relaxed)
        ));
        // A profile left by an earlier run with the same process id would hold its cookies.
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).expect("a profile directory");
        let log = std::fs::File::create(profile.join("chromium.log")).expect("a log file");
        let mut command = Command::new(binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a log handle"))
            .stderr(log);
        // Its own process group, so that dropping it kills the renderers too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("Chromium starts");
        let mut browser = PendingBrowser {
            child: Some(child),
            profile,
        };
        let endpoint = browser.devtools_endpoint().await;
        let (socket, _) = tokio_tungstenite::connect_async(endpoint.as_str())
            .await
            .expect("the DevTools endpoint accepts");
        let (child, profile) = browser.take();
        Self {
            child,
            profile,
            socket,
            next_id: 0,
            _running: running,
        }
    }

    /// Sends a command (to the browser, or to a page's session) and returns its result.
    pub(crate) async fn command(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("the browser reads commands");
        loop {
            let next = tokio::time::timeout(GENEROUS, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no answer to {method}"))
                .expect("the browser is connected")
                .expect("a DevTools message");
            let Message::Text(text) = next else {
                continue;
            };
            let answer: Value = serde_json::from_str(text.as_str()).expect("DevTools speaks JSON");
            // Events have no id; these tests never need them.
            if answer["id"] != json!(id) {
                continue;
            }
            if let Some(error) = answer.get("error") {
                panic!("{method} failed: {error}");
            }
            return answer["result"].clone();
        }
    }

    /// A new tab in the default browser context.
    pub(crate) async fn new_page(&mut self) -> Page {
        self.new_page_in(None).await
    }

    /// A new browser context: an isolated cookie jar, as another device would have.
    pub(crate) async fn new_context(&mut self) -> String {
        let created = self
            .command(None, "Target.createBrowserContext", json!({}))
            .await;
        created["browserContextId"]
            .as_str()
            .expect("a context id")
            .to_owned()
    }

    /// A new tab in `context` (the default one when `None`).
    pub(crate) async fn new_page_in(&mut self, context: Option<&str>) -> Page {
        let mut params = json!({ "url": "about:blank" });
        if let Some(context) = context {
            params["browserContextId"] = json!(context);
        }
        let target = self.command(None, "Target.createTarget", params).await;
        let attached = self
            .command(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        Page {
            session: attached["sessionId"]
                .as_str()
                .expect("a session id")
                .to_owned(),
        }
    }

    /// Loads `url` in `page` and waits until the document has loaded.
    pub(crate) async fn navigate(&mut self, page: &Page, url: &str) {
        let navigated = self
            .command(Some(&page.session), "Page.navigate", json!({ "url": url }))
            .await;
        assert!(
            navigated.get("errorText").is_none(),
            "{url}: {}",
            navigated["errorText"]
        );
        self.wait_for(page, "document.readyState === 'complete'")
            .await;
    }

    /// Loads the app at `url` and waits until it knows whether the server has sessions.
    pub(crate) async fn open_app(&mut self, page: &Page, url: &str) {
        self.navigate(page, url).await;
        self.wait_for(page, "typeof window.app === 'object'").await;
        self.evaluate(page, "app.ready.then(() => true)").await;
    }

    /// Evaluates `expression` in the page (awaiting it when it is a promise) and returns its
    /// value, or the exception it threw.
    pub(crate) async fn try_evaluate(
        &mut self,
        page: &Page,
        expression: &str,
    ) -> Result<Value, String> {
        let evaluated = self
            .command(
                Some(&page.session),
                "Runtime.evaluate",
                json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            )
            .await;
        match evaluated.get("exceptionDetails") {
            Some(details) => Err(details["exception"]["description"]
                .as_str()
                .or(details["text"].as_str())
                .unwrap_or("an exception")
                .to_owned()),
            None => Ok(evaluated["result"]["value"].clone()),
        }
    }

    /// [`Self::try_evaluate`], failing the test on an exception.
    pub(crate) async fn evaluate(&mut self, page: &Page, expression: &str) -> Value {
        self.try_evaluate(page, expression)
            .await
            .unwrap_or_else(|exception| panic!("{expression}: {exception}"))
    }

    /// Waits, boundedly, until `condition` evaluates to `true` in the page. A page between two
    /// documents has no context to evaluate in: that counts as not yet.
    pub(crate) async fn wait_for(&mut self, page: &Page, condition: &str) {
        let deadline = tokio::time::Instant::now() + GENEROUS;
        while self.try_evaluate(page, condition).await != Ok(json!(true)) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "never true: {condition}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Every cookie of the browser context (the default one when `None`), HttpOnly ones
    /// included, sorted by name.
    pub(crate) async fn cookies(&mut self, context: Option<&str>) -> Vec<JarCookie> {
        let mut params = json!({});
        if let Some(context) = context {
            params["browserContextId"] = json!(context);
        }
        let jar = self.command(None, "Storage.getCookies", params).await;
        let mut cookies: Vec<JarCookie> = jar["cookies"]
            .as_array()
            .expect("a cookie list")
            .iter()
            .map(|cookie| JarCookie {
                name: text(&cookie["name"]),
                value: text(&cookie["value"]),
                domain: text(&cookie["domain"]),
                path: text(&cookie["path"]),
                http_only: cookie["httpOnly"] == json!(true),
                secure: cookie["secure"] == json!(true),
                same_site: cookie["sameSite"].as_str().map(str::to_owned),
                session: cookie["session"] == json!(true),
            })
            .collect();
        cookies.sort_by(|a, b| a.name.cmp(&b.name));
        cookies
    }

    /// Closes the browser and removes its profile.
    pub(crate) async fn close(mut self) {
        // The browser may close the connection before answering.
        let _ = self
            .socket
            .send(Message::text(
                json!({ "id": 0, "method": "Browser.close" }).to_string(),
            ))
            .await;
        let deadline = tokio::time::Instant::now() + GENEROUS;
        while self.child.try_wait().ok().flatten().is_none()
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        kill_group(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

/// A started browser not connected yet: killed if the start fails.
struct PendingBrowser {
    child: Option<Child>,
    profile: PathBuf,
}

impl PendingBrowser {
    /// The browser's DevTools WebSocket, from the `DevToolsActivePort` file it writes once it
    /// listens: the port, then the browser target's path.
    async fn devtools_endpoint(&mut self) -> String {
        let file = self.profile.join("DevToolsActivePort");
        let deadline = tokio::time::Instant::now() + GENEROUS;
        loop {
            if let Ok(contents) = std::fs::read_to_string(&file)
                && let Some((port, path)) = contents.split_once('\n')
                && !path.trim().is_empty()
            {
                return format!("ws://127.0.0.1:{}{}", port.trim(), path.trim());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().ok().flatten());
            if exited.is_some() || tokio::time::Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(self.profile.join("chromium.log")).unwrap_or_default();
                panic!("Chromium did not start ({exited:?}):\n{log}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn take(&mut self) -> (Child, PathBuf) {
        (
            self.child.take().expect("taken once"),
            std::mem::take(&mut self.profile),
        )
    }
}

impl Drop for PendingBrowser {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            kill_group(child);
            let _ = std::fs::remove_dir_all(&self.profile);
        }
    }
}

/// Kills the browser's process group (the browser, its renderers and helpers), then reaps
/// the browser.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}
