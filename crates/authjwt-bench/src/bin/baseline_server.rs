//! The baseline of `tools/bench/http.sh`: the demo's `GET /public` and `GET /protected` on
//! axum with a hand-written extractor on `jsonwebtoken` 12 doing the checks the demo's
//! `/protected` does (Bearer parsing, the HS256 signature, `exp` and `nbf`, `type ==
//! "access"`, a denylist lookup in an in-memory set), served by the demo's own server loop so
//! that the two differ only in their routes.
//!
//! `BASELINE_ADDR` (the address to listen on) and `AUTHJWT_SECRET_KEY` (the HS256 secret).

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use authjwt_demo::serve::{ServerLimits, serve};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

#[derive(Clone)]
struct Verifier {
    key: Arc<DecodingKey>,
    validation: Arc<Validation>,
    /// Revoked `jti`s; nothing revokes here, but every request looks its token up.
    denylist: Arc<RwLock<HashSet<String>>>,
}

#[derive(Deserialize)]
struct AccessClaims {
    sub: String,
    jti: String,
    #[serde(rename = "type")]
    token_type: String,
}

/// An access token from `Authorization: Bearer <token>`, verified.
struct Access(AccessClaims);

impl<S: Send + Sync> FromRequestParts<S> for Access
where
    Verifier: FromRef<S>,
{
    type Rejection = (StatusCode, Json<Value>);

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let refuse = |detail: &str| (StatusCode::UNAUTHORIZED, Json(json!({ "detail": detail })));
        let verifier = Verifier::from_ref(state);
        let value = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| refuse("Missing Authorization Header"))?
            .to_str()
            .map_err(|_| refuse("Bad Authorization header"))?;
        let mut words = value.split_ascii_whitespace();
        let (Some("Bearer"), Some(token), None) = (words.next(), words.next(), words.next()) else {
            return Err(refuse("Bad Authorization header"));
        };
        let claims =
            jsonwebtoken::decode::<AccessClaims>(token, &verifier.key, &verifier.validation)
                .map_err(|err| {
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Json(json!({ "detail": err.to_string() })),
                    )
                })?
                .claims;
        if claims.token_type != "access" {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "detail": "Only access tokens are allowed" })),
            ));
        }
        let revoked = verifier
            .denylist
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&claims.jti);
        if revoked {
            return Err(refuse("Token has been revoked"));
        }
        Ok(Self(claims))
    }
}

async fn public() -> Json<Value> {
    Json(json!({ "msg": "hello" }))
}

async fn protected(Access(claims): Access) -> Json<Value> {
    Json(json!({ "user": claims.sub }))
}

#[tokio::main]
async fn main() {
    let addr = std::env::var("BASELINE_ADDR").unwrap_or_else(|_| "127.0.0.1:8001".to_owned());
    let secret = std::env::var("AUTHJWT_SECRET_KEY").expect("AUTHJWT_SECRET_KEY");
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_nbf = true;
    let verifier = Verifier {
        key: Arc::new(DecodingKey::from_secret(secret.as_bytes()).expect("an HMAC key")),
        validation: Arc::new(validation),
        denylist: Arc::default(),
    };
    let router = Router::new()
        .route("/public", get(public))
        .route("/protected", get(protected))
        .with_state(verifier);
    let listener = TcpListener::bind(&addr)
        .await
        .expect("BASELINE_ADDR: cannot listen");
    serve(
        listener,
        router,
        ServerLimits::default(),
        std::future::pending(),
    )
    .await;
}
