//! Revocation shared by every instance of a service: the denylist in Redis. Start two copies
//! on different ports; a token revoked through one is refused by the other.
//!
//! ```sh
//! redis-server --port 6379 &
//! export AUTHJWT_SECRET_KEY=$(head -c 48 /dev/urandom | base64) REDIS_URL=redis://127.0.0.1:6379
//! PORT=3000 cargo run -p authjwt-redis --example redis_revocation &
//! PORT=3001 cargo run -p authjwt-redis --example redis_revocation &
//! TOKEN=$(curl -s -X POST localhost:3000/login | jq -r .access_token)
//! curl -s -X DELETE localhost:3000/logout -H "Authorization: Bearer $TOKEN"
//! curl -s localhost:3001/protected -H "Authorization: Bearer $TOKEN"   # 401 Token has been revoked
//! ```

use authjwt_axum::{AuthJwt, AuthJwtConfig, AuthJwtRejection, JwtRequired};
use authjwt_redis::RedisStore;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

async fn login(auth: AuthJwt) -> Result<Json<Value>, AuthJwtRejection> {
    Ok(Json(
        json!({ "access_token": auth.create_access_token("alice")? }),
    ))
}

async fn protected(JwtRequired(token): JwtRequired) -> Json<Value> {
    Json(json!({ "user": token.claims().subject() }))
}

/// Revokes the access token in every instance until it expires. If Redis does not answer,
/// this is a 503 and so is every protected request: the denylist fails closed.
async fn logout(mut auth: AuthJwt) -> Result<Json<Value>, AuthJwtRejection> {
    auth.jwt_required().await?;
    auth.revoke().await?;
    Ok(Json(json!({ "msg": "logged out" })))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let redis_url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let store = RedisStore::connect(&redis_url).await?;
    let config = AuthJwtConfig::builder()
        .apply_env(std::env::vars_os())?
        .denylist_enabled(true)
        .revocation_store(store)
        .build()?;
    let app = Router::new()
        .route("/login", post(login))
        .route("/protected", get(protected))
        .route("/logout", delete(logout))
        .with_state(config);
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
