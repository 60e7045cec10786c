//! The authjwt demo server: the HTTP and WebSocket contract of `demo-contract.md`, which the
//! reference server (the original fastapi-jwt-auth 0.5.0) also implements, so the two can be
//! sent the same requests and compared.
//!
//! [`app`] builds the router for a configuration ([`app_with_options`] with the minting
//! routes); [`startup`] reads the configuration and the revocation store from the
//! environment, as the binary does; [`serve`](mod@serve) serves the router within
//! [`ServerLimits`](serve::ServerLimits).

mod openapi;
mod routes;
pub mod serve;
pub mod startup;
mod websocket;

use std::time::Duration;

use authjwt::AuthJwtConfig;
use authjwt_axum::SlidingRefreshLayer;
use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, delete, get, post};
use tracing::Level;

/// What the demo's router serves beyond the contract's credentialed routes.
///
/// ```
/// use authjwt_demo::DemoOptions;
///
/// assert_eq!(
///     DemoOptions::default(),
///     DemoOptions { test_routes: false, sliding_refresh: None }
/// );
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoOptions {
    /// Registers the minting routes `POST /token` and `/cookies/*`, which hand out any token
    /// or cookie without credentials, for the comparison tools and the tests
    /// (`DEMO_TEST_ROUTES=true`). Off by default: without them those paths answer 404.
    pub test_routes: bool,
    /// Wraps the router in a [`SlidingRefreshLayer`] with this threshold
    /// (`DEMO_SLIDING_REFRESH`): an access cookie with less time left is replaced on the
    /// response. Off by default, so every answer is the contract's.
    pub sliding_refresh: Option<Duration>,
}

/// The demo's router, without the minting routes: [`app_with_options`] with the default
/// [`DemoOptions`].
pub fn app(config: AuthJwtConfig) -> Router {
    app_with_options(config, DemoOptions::default())
}

/// The demo's router with `options`.
///
/// ```
/// use authjwt_demo::{DemoOptions, app_with_options};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = authjwt::AuthJwtConfig::builder()
///     .secret_key("a-secret-of-at-least-32-bytes-for-hs256!")
///     .build()?;
/// let options = DemoOptions {
///     test_routes: true,
///     ..DemoOptions::default()
/// };
/// let router = app_with_options(config, options);
/// # Ok(())
/// # }
/// ```
pub fn app_with_options(config: AuthJwtConfig, options: DemoOptions) -> Router {
    let mut router = Router::new()
        .route("/public", get(routes::public))
        .route("/.well-known/jwks.json", get(authjwt_axum::jwks::jwk_set))
        .route("/login", post(routes::login))
        .route("/fresh-login", post(routes::fresh_login))
        .route("/refresh", get(routes::refresh).post(routes::refresh))
        .route("/protected", routes::every_method(routes::protected))
        .route("/optional", routes::every_method(routes::optional))
        .route("/fresh", routes::every_method(routes::fresh))
        .route("/claims", get(routes::claims))
        .route("/headers", get(routes::headers))
        .route("/access-revoke", delete(routes::access_revoke))
        .route("/refresh-revoke", delete(routes::refresh_revoke))
        .route("/logout", delete(routes::logout))
        .route("/admin", get(routes::admin))
        .route("/openapi.json", get(routes::openapi))
        .route("/app", get(routes::browser_app))
        .route("/ws/{guard}", any(websocket::token_mode))
        .route("/ws/cookie/{guard}", any(websocket::cookie_mode));
    if config.settings().sessions_enabled {
        router = router
            .route(
                "/sessions",
                get(routes::list_sessions).delete(routes::revoke_all_sessions),
            )
            .route("/sessions/{sid}", delete(routes::revoke_session));
    }
    if options.test_routes {
        router = router
            .route("/token", post(routes::token))
            .route(
                "/cookies/access",
                post(routes::set_access_cookie).delete(routes::unset_access_cookie),
            )
            .route(
                "/cookies/refresh",
                post(routes::set_refresh_cookie).delete(routes::unset_refresh_cookie),
            )
            .route("/cookies", delete(routes::unset_cookies));
    }
    if let Some(threshold) = options.sliding_refresh {
        router = router.layer(SlidingRefreshLayer::new(&config, threshold));
    }
    // The logging middleware costs about 3 µs of server CPU per request even when it logs
    // nothing (a boxed future and a service clone per request): added only when its lines
    // would be written (BENCHMARKS.md, "Fast paths and what they save").
    if tracing::enabled!(Level::DEBUG) {
        router = router.layer(middleware::from_fn(log_request));
    }
    router.with_state(config)
}

/// One debug line per request, when the subscriber installed before [`app_with_options`]
/// was called writes debug lines. Only the path is logged: query strings can carry tokens
/// (`/ws/protected?token=...`), and no header is logged.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::debug!(
        %method,
        path,
        status = response.status().as_u16(),
        elapsed_us = started.elapsed().as_micros(),
        "request"
    );
    response
}
