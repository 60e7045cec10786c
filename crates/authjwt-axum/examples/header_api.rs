//! A JSON API with tokens in the `Authorization` header: typed claims, a layer protecting a
//! group of routes, refresh, and RFC 6750 error responses.
//!
//! ```sh
//! AUTHJWT_SECRET_KEY=$(head -c 48 /dev/urandom | base64) cargo run -p authjwt-axum --example header_api
//! curl -s -X POST localhost:3000/login -H 'content-type: application/json' -d '{"username":"alice","password":"wonderland"}'
//! curl -s localhost:3000/me -H "Authorization: Bearer <access_token>"
//! ```

use authjwt_axum::{
    AuthJwt, AuthJwtConfig, AuthJwtRejection, ErrorResponses, ErrorStatuses, FreshRequired,
    JwtRequired, RefreshRequired, RequireJwtLayer,
};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What the application writes into its tokens beside the registered claims.
#[derive(Serialize)]
struct Roles {
    role: &'static str,
}

/// What handlers read back: registered and application claims in one type.
#[derive(Deserialize)]
struct User {
    sub: String,
    role: String,
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn login(
    auth: AuthJwt,
    Json(credentials): Json<Credentials>,
) -> Result<Response, AuthJwtRejection> {
    // Check the password against your user store here.
    if credentials.username != "alice" || credentials.password != "wonderland" {
        return Ok((
            StatusCode::UNAUTHORIZED,
            Json(json!({ "detail": "Bad username or password" })),
        )
            .into_response());
    }
    let roles = Roles { role: "admin" };
    let access_token = auth
        .access_token(&*credentials.username)
        .fresh(true)
        .claims(&roles)
        .encode()?;
    let refresh_token = auth
        .refresh_token(&*credentials.username)
        .claims(&roles)
        .encode()?;
    Ok(
        Json(json!({ "access_token": access_token, "refresh_token": refresh_token }))
            .into_response(),
    )
}

async fn refresh(
    auth: AuthJwt,
    RefreshRequired(user): RefreshRequired<User>,
) -> Result<Json<Value>, AuthJwtRejection> {
    let access_token = auth
        .access_token(user.sub)
        .claim("role", user.role)
        .encode()?;
    Ok(Json(json!({ "access_token": access_token })))
}

async fn me(JwtRequired(user): JwtRequired<User>) -> Json<Value> {
    Json(json!({ "user": user.sub, "role": user.role }))
}

async fn change_password(FreshRequired(user): FreshRequired<User>) -> Json<Value> {
    Json(json!({ "msg": format!("password of {} changed", user.sub) }))
}

fn app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/password", post(change_password))
        .route_layer(RequireJwtLayer::access(&config))
        .route("/login", post(login))
        .route("/refresh", post(refresh))
        .layer(ErrorResponses::new().statuses(ErrorStatuses::Rfc6750))
        .with_state(config)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = AuthJwtConfig::from_env()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(config)).await?;
    Ok(())
}
