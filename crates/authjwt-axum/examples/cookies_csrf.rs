//! A browser-facing app with tokens in HttpOnly cookies and CSRF double submit: login sets
//! the cookies, state-changing requests send the `X-CSRF-Token` header read from the
//! `csrf_access_token` cookie, logout revokes and deletes everything.
//!
//! ```sh
//! AUTHJWT_SECRET_KEY=$(head -c 48 /dev/urandom | base64) cargo run -p authjwt-axum --example cookies_csrf
//! curl -s -c jar -X POST localhost:3000/login
//! curl -s -b jar -X POST localhost:3000/notes -H "X-CSRF-Token: $(awk '/csrf_access_token/ {print $7}' jar)"
//! ```

use std::sync::Arc;

use authjwt_axum::authjwt::revocation::MemoryStore;
use authjwt_axum::{
    AuthCookies, AuthJwt, AuthJwtConfig, AuthJwtRejection, JwtRequired, RefreshRequired, SameSite,
    TokenLocation,
};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

async fn login(auth: AuthJwt) -> Result<(AuthCookies, AuthCookies, Json<Value>), AuthJwtRejection> {
    // Check the user's credentials here.
    let access = auth.access_token("alice").fresh(true).encode()?;
    let refresh = auth.create_refresh_token("alice")?;
    Ok((
        auth.set_access_cookies(&access, None)?,
        auth.set_refresh_cookies(&refresh, None)?,
        Json(json!({ "msg": "logged in" })),
    ))
}

/// GET is not a CSRF method: reading needs only the cookie.
async fn list_notes(JwtRequired(token): JwtRequired) -> Json<Value> {
    Json(json!({ "owner": token.claims().subject(), "notes": [] }))
}

/// POST is: the guard also wants the `X-CSRF-Token` header to match the token's claim.
async fn add_note(JwtRequired(token): JwtRequired) -> Json<Value> {
    Json(json!({ "msg": "note added", "owner": token.claims().subject() }))
}

async fn refresh(
    auth: AuthJwt,
    RefreshRequired(token): RefreshRequired,
) -> Result<(AuthCookies, Json<Value>), AuthJwtRejection> {
    let access = auth.create_access_token(token.claims().require_subject()?.clone())?;
    Ok((
        auth.set_access_cookies(&access, None)?,
        Json(json!({ "msg": "refreshed" })),
    ))
}

/// Revokes the refresh token and the access token in the cookie beside it, then deletes the
/// cookies.
async fn logout(mut auth: AuthJwt) -> Result<(AuthCookies, Json<Value>), AuthJwtRejection> {
    auth.jwt_refresh_token_required().await?;
    auth.revoke_with_access(None).await?;
    Ok((
        auth.unset_jwt_cookies(),
        Json(json!({ "msg": "logged out" })),
    ))
}

fn app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/notes", get(list_notes).post(add_note))
        .route("/refresh", post(refresh))
        .route("/logout", post(logout))
        .with_state(config)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = AuthJwtConfig::builder()
        .apply_env(std::env::vars_os())?
        .token_location([TokenLocation::Cookies])
        .cookie_samesite(Some(SameSite::Lax))
        // Set `cookie_secure(true)` behind HTTPS, always in production.
        .denylist_enabled(true)
        .revocation_store(Arc::new(MemoryStore::new()))
        .build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(config)).await?;
    Ok(())
}
