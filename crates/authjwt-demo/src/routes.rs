//! The HTTP routes of the demo contract.

use std::time::Duration;

use authjwt::create::TokenKind;
use authjwt::{
    Algorithm, Audience, AuthJwtConfig, AuthJwtError, CreateTokenError, DecodeError, ExpiresTime,
    JsonObject, Subject, TokenBuilder, TokenLocation,
};
use authjwt_axum::{
    AuthCookies, AuthJwt, AuthJwtRejection, IssuedSession, ScopesRequired, detail_body,
};
use axum::extract::Path;
use axum::handler::Handler;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};

type Answer = Result<Response, AuthJwtRejection>;

/// GET, POST, PUT, PATCH and DELETE, as the contract's protected routes accept.
pub(crate) fn every_method<H, T>(handler: H) -> MethodRouter<AuthJwtConfig>
where
    H: Handler<T, AuthJwtConfig>,
    T: 'static,
{
    get(handler.clone())
        .post(handler.clone())
        .put(handler.clone())
        .patch(handler.clone())
        .delete(handler)
}

pub(crate) async fn public() -> Json<Value> {
    Json(json!({ "msg": "hello" }))
}

#[derive(Deserialize)]
pub(crate) struct Credentials {
    username: String,
    password: String,
}

impl Credentials {
    fn is_valid(&self) -> bool {
        self.username == "test" && self.password == "test"
    }
}

fn bad_login() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        detail_body("Bad username or password"),
    )
        .into_response()
}

fn cookies_on(auth: &AuthJwt) -> bool {
    auth.config()
        .settings()
        .has_location(TokenLocation::Cookies)
}

/// A fresh access token for valid credentials; `None` for wrong ones.
fn fresh_access_token(
    auth: &AuthJwt,
    user: &Credentials,
) -> Result<Option<String>, AuthJwtRejection> {
    if !user.is_valid() {
        return Ok(None);
    }
    Ok(Some(
        auth.access_token(user.username.as_str())
            .fresh(true)
            .encode()?,
    ))
}

pub(crate) async fn login(
    auth: AuthJwt,
    headers: HeaderMap,
    Json(user): Json<Credentials>,
) -> Answer {
    if sessions_on(&auth) {
        return session_login(&auth, &headers, &user).await;
    }
    let Some(access_token) = fresh_access_token(&auth, &user)? else {
        return Ok(bad_login());
    };
    let refresh_token = auth.create_refresh_token(user.username.as_str())?;
    let cookies = if cookies_on(&auth) {
        let mut cookies = auth.set_access_cookies(&access_token, None)?;
        cookies.extend(auth.set_refresh_cookies(&refresh_token, None)?);
        Some(cookies)
    } else {
        None
    };
    let body = json!({ "access_token": access_token, "refresh_token": refresh_token });
    Ok((cookies, Json(body)).into_response())
}

pub(crate) async fn fresh_login(auth: AuthJwt, Json(user): Json<Credentials>) -> Answer {
    match fresh_access_token(&auth, &user)? {
        Some(access_token) => access_answer(&auth, &access_token),
        None => Ok(bad_login()),
    }
}

pub(crate) async fn refresh(mut auth: AuthJwt) -> Answer {
    if sessions_on(&auth) {
        let session = auth.rotate_session().await?;
        return Ok(session_answer(session));
    }
    auth.jwt_refresh_token_required().await?;
    let subject = auth
        .get_jwt_subject()
        .cloned()
        .ok_or(AuthJwtError::Decode(DecodeError::MissingClaim("sub")))?;
    let access_token = auth.create_access_token(subject)?;
    access_answer(&auth, &access_token)
}

fn sessions_on(auth: &AuthJwt) -> bool {
    auth.config().settings().sessions_enabled
}

/// A login that starts a session, which remembers the client's `User-Agent`.
async fn session_login(auth: &AuthJwt, headers: &HeaderMap, user: &Credentials) -> Answer {
    if !user.is_valid() {
        return Ok(bad_login());
    }
    let mut metadata = JsonObject::new();
    if let Some(user_agent) = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
    {
        metadata.insert("user_agent".to_owned(), user_agent.into());
    }
    let session = auth.start_session(user.username.as_str(), metadata).await?;
    Ok(session_answer(session))
}

/// `{"access_token": ..., "refresh_token": ...}`, with their cookies when cookies are on.
fn session_answer(session: IssuedSession) -> Response {
    let body = json!({
        "access_token": session.tokens.access_token,
        "refresh_token": session.tokens.refresh_token,
    });
    (session.cookies, Json(body)).into_response()
}

pub(crate) async fn list_sessions(mut auth: AuthJwt) -> Answer {
    let sessions = auth.list_sessions().await?;
    let current = auth.session_id();
    let sessions: Vec<Value> = sessions
        .iter()
        .map(|session| {
            json!({
                "sid": session.sid,
                "created_at": session.created_at,
                "refreshed_at": session.refreshed_at,
                "current": current == Some(session.sid.as_str()),
            })
        })
        .collect();
    Ok(Json(json!({ "sessions": sessions })).into_response())
}

pub(crate) async fn revoke_session(mut auth: AuthJwt, Path(sid): Path<String>) -> Answer {
    if auth.revoke_session(&sid).await? {
        Ok(Json(json!({ "msg": "Session revoked" })).into_response())
    } else {
        Ok((
            StatusCode::NOT_FOUND,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            detail_body("Session not found"),
        )
            .into_response())
    }
}

pub(crate) async fn revoke_all_sessions(mut auth: AuthJwt) -> Answer {
    auth.revoke_all_sessions().await?;
    Ok(Json(json!({ "msg": "All sessions revoked" })).into_response())
}

/// `{"access_token": ...}`, with the access cookies when cookies are a token location.
fn access_answer(auth: &AuthJwt, access_token: &str) -> Answer {
    let cookies = if cookies_on(auth) {
        Some(auth.set_access_cookies(access_token, None)?)
    } else {
        None
    };
    Ok((cookies, Json(json!({ "access_token": access_token }))).into_response())
}

fn user(auth: &AuthJwt) -> Response {
    Json(json!({ "user": auth.get_jwt_subject() })).into_response()
}

pub(crate) async fn protected(mut auth: AuthJwt) -> Answer {
    auth.jwt_required().await?;
    Ok(user(&auth))
}

authjwt_axum::scopes!(pub(crate) Admin = ["admin"]);

/// `GET /admin` (beyond the original): an access token with the `admin` scope.
pub(crate) async fn admin(ScopesRequired { token, .. }: ScopesRequired<Admin>) -> Json<Value> {
    Json(json!({ "user": token.claims().subject() }))
}

/// The example browser app: one page of HTML and plain JavaScript, no build step.
const BROWSER_APP: &str = include_str!("app.html");

/// The app's resources only. Its script and style are inline (one file, no build step), hence
/// `'unsafe-inline'`: the page writes what servers answer through `textContent` only. It
/// connects to this origin only (`'self'` covers its WebSocket), and no other site may frame
/// it.
const BROWSER_APP_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
     style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// `GET /app` (beyond the original): the browser app, told the configured CSRF cookie and
/// header names, which it cannot learn otherwise.
pub(crate) async fn browser_app(State(config): State<AuthJwtConfig>) -> Response {
    let settings = config.settings();
    let names = json!({
        "accessCsrfCookie": settings.access_csrf_cookie_key,
        "refreshCsrfCookie": settings.refresh_csrf_cookie_key,
        "accessCsrfHeader": settings.access_csrf_header_name,
        "refreshCsrfHeader": settings.refresh_csrf_header_name,
    });
    // The configuration accepts only RFC 9110 tokens as cookie and header names: none can
    // close the script element the JSON is written into.
    let page = BROWSER_APP.replace("{/*AUTHJWT_CONFIG*/}", &names.to_string());
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                BROWSER_APP_POLICY,
            ),
        ],
        page,
    )
        .into_response()
}

/// `GET /openapi.json` (beyond the original): the OpenAPI 3.1 document.
pub(crate) async fn openapi(
    State(config): State<AuthJwtConfig>,
) -> Json<authjwt_axum::openapi::utoipa::openapi::OpenApi> {
    Json(crate::openapi::document(&config))
}

pub(crate) async fn optional(mut auth: AuthJwt) -> Answer {
    auth.jwt_optional().await?;
    Ok(user(&auth))
}

pub(crate) async fn fresh(mut auth: AuthJwt) -> Answer {
    auth.fresh_jwt_required().await?;
    Ok(user(&auth))
}

pub(crate) async fn claims(mut auth: AuthJwt) -> Answer {
    auth.jwt_required().await?;
    Ok(Json(auth.get_raw_jwt()).into_response())
}

pub(crate) async fn headers(mut auth: AuthJwt) -> Answer {
    auth.jwt_required().await?;
    Ok(Json(auth.get_unverified_jwt_headers()).into_response())
}

pub(crate) async fn access_revoke(mut auth: AuthJwt) -> Answer {
    auth.jwt_required().await?;
    auth.revoke().await?;
    Ok(Json(json!({ "detail": "Access token has been revoke" })).into_response())
}

pub(crate) async fn refresh_revoke(mut auth: AuthJwt) -> Answer {
    auth.jwt_refresh_token_required().await?;
    auth.revoke().await?;
    Ok(Json(json!({ "detail": "Refresh token has been revoke" })).into_response())
}

pub(crate) async fn logout(auth: AuthJwt) -> (AuthCookies, Json<Value>) {
    (
        auth.unset_jwt_cookies(),
        Json(json!({ "msg": "Successfully logout" })),
    )
}

/// `expires_time` as the reference's pydantic model reads `Union[bool, int, None]`: `0` is
/// `False` and `1` is `True`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum ExpiresIn {
    Flag(bool),
    Seconds(i64),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum SubjectIn {
    Integer(i64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum AudienceIn {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
pub(crate) struct TokenRequest {
    #[serde(rename = "type")]
    token_type: String,
    subject: SubjectIn,
    #[serde(default)]
    fresh: bool,
    expires_time: Option<ExpiresIn>,
    audience: Option<AudienceIn>,
    algorithm: Option<String>,
    headers: Option<JsonObject>,
    user_claims: Option<JsonObject>,
}

impl TokenRequest {
    fn expires(&self) -> ExpiresTime {
        match self.expires_time {
            None | Some(ExpiresIn::Flag(true) | ExpiresIn::Seconds(1)) => ExpiresTime::Default,
            Some(ExpiresIn::Flag(false) | ExpiresIn::Seconds(0)) => ExpiresTime::Never,
            Some(ExpiresIn::Seconds(seconds)) => ExpiresTime::Seconds(seconds),
        }
    }

    /// The reference's pydantic model turns a numeric string subject into an integer.
    fn subject(&self) -> Subject {
        match &self.subject {
            SubjectIn::Integer(number) => Subject::Integer(*number),
            SubjectIn::Text(text) => text
                .trim()
                .parse()
                .map_or_else(|_| Subject::String(text.clone()), Subject::Integer),
        }
    }

    fn audience(&self) -> Option<Audience> {
        self.audience.as_ref().map(|audience| match audience {
            AudienceIn::One(one) => Audience::One(one.clone()),
            AudienceIn::Many(many) => Audience::Many(many.clone()),
        })
    }
}

/// `POST /token`: mints any token. The original answered a bad algorithm or argument with a
/// 500; here it is a 422 naming the problem.
pub(crate) async fn token(
    State(config): State<AuthJwtConfig>,
    Json(request): Json<TokenRequest>,
) -> Response {
    let unprocessable = |message: String| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            detail_body(&message),
        )
            .into_response()
    };
    let algorithm = match request.algorithm.as_deref().map(str::parse::<Algorithm>) {
        Some(Err(message)) => return unprocessable(message),
        Some(Ok(algorithm)) => Some(algorithm),
        None => None,
    };
    let minted = if request.token_type == "access" {
        with_options(
            config.access_token(request.subject()).fresh(request.fresh),
            &request,
            algorithm,
        )
    } else {
        with_options(config.refresh_token(request.subject()), &request, algorithm)
    };
    match minted {
        Ok(token) => Json(json!({ "token": token })).into_response(),
        Err(err) => unprocessable(err.to_string()),
    }
}

/// The options `POST /token` shares between access and refresh tokens.
fn with_options<K: TokenKind>(
    mut builder: TokenBuilder<'_, K>,
    request: &TokenRequest,
    algorithm: Option<Algorithm>,
) -> Result<String, CreateTokenError> {
    builder = builder
        .expires(request.expires())
        .headers(request.headers.clone().unwrap_or_default())
        .claims(request.user_claims.clone().unwrap_or_default());
    if let Some(algorithm) = algorithm {
        builder = builder.algorithm(algorithm);
    }
    if let Some(audience) = request.audience() {
        builder = builder.audience(audience);
    }
    builder.encode()
}

#[derive(Deserialize)]
pub(crate) struct CookieRequest {
    token: String,
    max_age: Option<u64>,
}

fn ok_with(cookies: AuthCookies) -> Response {
    (cookies, Json(json!({ "msg": "ok" }))).into_response()
}

pub(crate) async fn set_access_cookie(auth: AuthJwt, Json(request): Json<CookieRequest>) -> Answer {
    Ok(ok_with(auth.set_access_cookies(
        &request.token,
        request.max_age.map(Duration::from_secs),
    )?))
}

pub(crate) async fn set_refresh_cookie(
    auth: AuthJwt,
    Json(request): Json<CookieRequest>,
) -> Answer {
    Ok(ok_with(auth.set_refresh_cookies(
        &request.token,
        request.max_age.map(Duration::from_secs),
    )?))
}

pub(crate) async fn unset_access_cookie(auth: AuthJwt) -> Response {
    ok_with(auth.unset_access_cookies())
}

pub(crate) async fn unset_refresh_cookie(auth: AuthJwt) -> Response {
    ok_with(auth.unset_refresh_cookies())
}

pub(crate) async fn unset_cookies(auth: AuthJwt) -> Response {
    ok_with(auth.unset_jwt_cookies())
}
