//! The WebSocket routes: each checks, sends one text frame and closes.

use authjwt_axum::{AuthJwt, AuthJwtError, VerifiedToken, WebSocketAuth};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

/// The protect function a route runs, from its path.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Guard {
    Protected,
    Optional,
    Refresh,
    Fresh,
}

#[derive(Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub(crate) struct CsrfQuery {
    #[serde(default)]
    csrf_token: String,
}

/// `/ws/{guard}?token=T`: the token from the query.
pub(crate) async fn token_mode(
    upgrade: WebSocketUpgrade,
    Path(guard): Path<Guard>,
    Query(query): Query<TokenQuery>,
    mut auth: AuthJwt,
) -> Response {
    let outcome = check(&mut auth, guard, WebSocketAuth::Token(&query.token)).await;
    answer(upgrade, outcome)
}

/// `/ws/cookie/{guard}?csrf_token=C`: the token from the handshake's cookies.
pub(crate) async fn cookie_mode(
    upgrade: WebSocketUpgrade,
    Path(guard): Path<Guard>,
    Query(query): Query<CsrfQuery>,
    mut auth: AuthJwt,
) -> Response {
    let source = WebSocketAuth::Cookie {
        csrf_token: &query.csrf_token,
    };
    let outcome = check(&mut auth, guard, source).await;
    answer(upgrade, outcome)
}

async fn check(
    auth: &mut AuthJwt,
    guard: Guard,
    source: WebSocketAuth<'_>,
) -> Result<Option<VerifiedToken>, AuthJwtError> {
    let websocket = auth.websocket(source);
    match guard {
        Guard::Protected => websocket.jwt_required().await.map(Some),
        Guard::Optional => websocket.jwt_optional().await,
        Guard::Refresh => websocket.jwt_refresh_token_required().await.map(Some),
        Guard::Fresh => websocket.fresh_jwt_required().await.map(Some),
    }
}

/// Accepts the connection, sends `{"user": ...}` or `{"detail": ..., "status": ...}`, and
/// closes, as the reference does.
fn answer(
    upgrade: WebSocketUpgrade,
    outcome: Result<Option<VerifiedToken>, AuthJwtError>,
) -> Response {
    let frame = match outcome {
        Ok(token) => json!({ "user": token.as_ref().and_then(|token| token.claims().subject()) }),
        Err(err) => json!({ "detail": err.message(), "status": err.status_code() }),
    }
    .to_string();
    upgrade
        .on_upgrade(|socket| send_and_close(socket, frame))
        .into_response()
}

/// The close frame carries 1000 (normal closure), as Starlette's `websocket.close()` does;
/// a close frame without a code reaches the client as 1005 (no status received).
async fn send_and_close(mut socket: WebSocket, frame: String) {
    if socket.send(Message::text(frame)).await.is_ok() {
        let close = CloseFrame {
            code: close_code::NORMAL,
            reason: "".into(),
        };
        let _ = socket.send(Message::Close(Some(close))).await;
    }
}
