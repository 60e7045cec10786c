//! The authjwt demo server: the HTTP and WebSocket contract of `demo-contract.md`, which the
//! reference server (the original fastapi-jwt-auth 0.5.0) also implements, so the two can be
//! sent the same requests and compared.
//!
//! [`app`] builds the router for a configuration; [`startup`] reads the configuration and the
//! revocation store from the environment, as the binary does; [`serve`](mod@serve) serves
//! the router within [`ServerLimits`](serve::ServerLimits).

mod routes;
pub mod serve;
pub mod startup;
mod websocket;

use authjwt::AuthJwtConfig;
use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, delete, get, post};

/// The demo's router.
pub fn app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/public", get(routes::public))
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
        .route("/token", post(routes::token))
        .route(
            "/cookies/access",
            post(routes::set_access_cookie).delete(routes::unset_access_cookie),
        )
        .route(
            "/cookies/refresh",
            post(routes::set_refresh_cookie).delete(routes::unset_refresh_cookie),
        )
        .route("/cookies", delete(routes::unset_cookies))
        .route("/ws/{guard}", any(websocket::token_mode))
        .route("/ws/cookie/{guard}", any(websocket::cookie_mode))
        .layer(middleware::from_fn(log_request))
        .with_state(config)
}

/// One debug line per request. Only the path is logged: query strings can carry tokens
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
