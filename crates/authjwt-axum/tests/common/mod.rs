//! Shared pieces of the HTTP-level suites: configurations, the apps mirroring the endpoints of
//! fastapi-jwt-auth 0.5.0's own tests, a request driver over `tower::ServiceExt::oneshot`,
//! `Set-Cookie` parsing, a cookie jar playing the part of the original's `TestClient`
//! session, hand-signed tokens, and a WebSocket client on a real socket.
//!
//! Every test builds its own configuration: nothing here is global.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use authjwt_axum::authjwt::testing::TestTokens;
use authjwt_axum::authjwt::{Clock, FixedClock, VerifiedToken};
use authjwt_axum::{
    AuthCookies, AuthJwt, AuthJwtConfig, AuthJwtConfigBuilder, AuthJwtError, AuthJwtRejection,
    TokenLocation, WebSocketAuth,
};
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::{Path, Query};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tower::ServiceExt;

// ---------------------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------------------

/// A 64-byte secret: long enough for every HS algorithm.
pub(crate) const SECRET: &str = "authjwt-axum-http-suite-secret-0123456789abcdef0123456789abcdef";

/// The fixed time the clock-dependent tests start at.
pub(crate) const NOW: i64 = 1_700_000_000;

/// The defaults (headers only) with [`SECRET`].
pub(crate) fn builder() -> AuthJwtConfigBuilder {
    AuthJwtConfig::builder().secret_key(SECRET)
}

/// Cookies as the only token location, with [`SECRET`].
pub(crate) fn cookie_builder() -> AuthJwtConfigBuilder {
    builder().token_location([TokenLocation::Cookies])
}

/// Headers and cookies, with [`SECRET`].
pub(crate) fn both_builder() -> AuthJwtConfigBuilder {
    builder().token_location([TokenLocation::Headers, TokenLocation::Cookies])
}

/// The original tests' literal `authjwt_secret_key = "secret"`, which needs
/// `allow_weak_secret`.
pub(crate) fn literal_builder() -> AuthJwtConfigBuilder {
    AuthJwtConfig::builder()
        .secret_key("secret")
        .allow_weak_secret(true)
}

/// A clock standing at [`NOW`], shared by the configuration and the test.
pub(crate) fn fixed_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(NOW))
}

/// Attaches `clock` to `builder`.
pub(crate) fn with_clock(
    builder: AuthJwtConfigBuilder,
    clock: &Arc<FixedClock>,
) -> AuthJwtConfigBuilder {
    let clock: Arc<dyn Clock> = Arc::clone(clock) as Arc<dyn Clock>;
    builder.clock(clock)
}

/// Builds, panicking on a configuration error (a bug in the test).
pub(crate) fn build(builder: AuthJwtConfigBuilder) -> AuthJwtConfig {
    builder.build().expect("the test configuration is valid")
}

// ---------------------------------------------------------------------------------------
// Requests and answers
// ---------------------------------------------------------------------------------------

/// A request with headers given as text.
pub(crate) fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("a valid method"))
        .uri(uri)
        .body(Body::empty())
        .expect("a valid request");
    for (name, value) in headers {
        request.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            HeaderValue::from_str(value).expect("a valid header value"),
        );
    }
    request
}

/// A request with one header given as raw bytes (for non-ASCII values).
pub(crate) fn request_with_bytes(
    method: &str,
    uri: &str,
    name: &str,
    value: &[u8],
) -> Request<Body> {
    let mut request = request(method, uri, &[]);
    request.headers_mut().append(
        HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
        HeaderValue::from_bytes(value).expect("a valid header value"),
    );
    request
}

/// A JSON POST.
pub(crate) fn json_request(uri: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a valid request")
}

/// What came back.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    /// The JSON body; `Value::Null` for an empty body.
    pub(crate) body: Value,
    /// The `Set-Cookie` headers, parsed, in order.
    pub(crate) cookies: Vec<SetCookie>,
    /// The response extensions' `AuthJwtError`, if the failure put one there.
    pub(crate) error: Option<AuthJwtError>,
    /// The `WWW-Authenticate` header.
    pub(crate) www_authenticate: Option<String>,
}

impl Answer {
    /// Asserts status and body at once, so a failure shows both.
    #[track_caller]
    pub(crate) fn assert(&self, status: u16, body: &Value) {
        assert_eq!((self.status, &self.body), (status, body), "{self:#?}");
    }

    /// Asserts a `{"detail": message}` failure.
    #[track_caller]
    pub(crate) fn assert_detail(&self, status: u16, message: &str) {
        self.assert(status, &json!({ "detail": message }));
    }

    /// The one cookie named `name`.
    #[track_caller]
    pub(crate) fn cookie(&self, name: &str) -> &SetCookie {
        let found: Vec<&SetCookie> = self.cookies.iter().filter(|c| c.name == name).collect();
        assert_eq!(
            found.len(),
            1,
            "exactly one `{name}` cookie in {:#?}",
            self.cookies
        );
        found[0]
    }

    /// The names of the cookies set, in order.
    pub(crate) fn cookie_names(&self) -> Vec<&str> {
        self.cookies.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Sends `request` to `app` (no socket) and reads the whole answer.
pub(crate) async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    read(response).await
}

/// Reads a response.
pub(crate) async fn read(response: Response) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().expect("ASCII content type").to_owned());
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| SetCookie::parse(value.to_str().expect("ASCII Set-Cookie")))
        .collect();
    let error = response.extensions().get::<AuthJwtError>().cloned();
    let www_authenticate = response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().expect("ASCII challenge").to_owned());
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body can be read")
        .to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", String::from_utf8_lossy(&bytes)))
    };
    Answer {
        status,
        content_type,
        body,
        cookies,
        error,
        www_authenticate,
    }
}

/// GET with headers.
pub(crate) async fn get_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    send(app, request("GET", uri, headers)).await
}

/// POST with headers.
pub(crate) async fn post_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    send(app, request("POST", uri, headers)).await
}

/// `Bearer <token>`.
pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

// ---------------------------------------------------------------------------------------
// Set-Cookie parsing and the cookie jar
// ---------------------------------------------------------------------------------------

/// One `Set-Cookie` header, with attribute names lower-cased and the `SameSite` value
/// lower-cased, so cookies compare as attribute sets whatever the serializer's spelling and
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SetCookie {
    pub(crate) raw: String,
    pub(crate) name: String,
    pub(crate) value: String,
    /// Attribute name (lower case) to value (`""` for flags such as `HttpOnly`).
    pub(crate) attributes: BTreeMap<String, String>,
}

impl SetCookie {
    pub(crate) fn parse(raw: &str) -> Self {
        let mut pieces = raw.split(';').map(str::trim);
        let (name, value) = pieces
            .next()
            .and_then(|pair| pair.split_once('='))
            .unwrap_or_else(|| panic!("no name=value in {raw:?}"));
        let mut attributes = BTreeMap::new();
        for piece in pieces.filter(|piece| !piece.is_empty()) {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            let key = key.trim().to_ascii_lowercase();
            let mut value = value.trim().to_owned();
            if key == "samesite" {
                value = value.to_ascii_lowercase();
            }
            assert!(
                attributes.insert(key.clone(), value).is_none(),
                "attribute {key} repeated in {raw:?}"
            );
        }
        Self {
            raw: raw.to_owned(),
            name: name.trim().to_owned(),
            value: value.trim().to_owned(),
            attributes,
        }
    }

    /// Asserts the exact attribute set. `Expires` is only checked for presence and form, as
    /// its value is the current time.
    #[track_caller]
    pub(crate) fn assert_attributes(&self, expected: &[(&str, &str)]) {
        let mut actual = self.attributes.clone();
        if let Some(expires) = actual.get_mut("expires") {
            assert!(
                is_http_date(expires),
                "Expires is an HTTP date in {:?}",
                self.raw
            );
            "<now>".clone_into(expires);
        }
        let expected: BTreeMap<String, String> = expected
            .iter()
            .map(|(key, value)| (key.to_ascii_lowercase(), (*value).to_owned()))
            .collect();
        assert_eq!(actual, expected, "attributes of {:?}", self.raw);
    }

    /// Whether the cookie deletes itself (`Max-Age=0`).
    pub(crate) fn is_deletion(&self) -> bool {
        self.attributes.get("max-age").is_some_and(|age| age == "0")
    }
}

/// `Sat, 29 Nov 2025 04:02:00 GMT`.
fn is_http_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split(' ').collect();
    parts.len() == 6
        && parts[0].len() == 4
        && parts[0].ends_with(',')
        && parts[1].len() == 2
        && parts[2].len() == 3
        && parts[3].len() == 4
        && parts[4].len() == 8
        && parts[5] == "GMT"
}

/// The attributes a deletion cookie carries, as Starlette writes them (plus the configured
/// `Secure` and `SameSite`): `Max-Age=0`, `Expires` now, the path, and the given extras.
pub(crate) fn deletion_attributes<'a>(
    path: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut attributes = vec![("max-age", "0"), ("expires", "<now>"), ("path", path)];
    attributes.extend_from_slice(extra);
    attributes
}

/// The client's cookies, as the original's `TestClient` session keeps them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Jar {
    cookies: BTreeMap<String, String>,
}

impl Jar {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Stores the answer's cookies; a deletion cookie removes its name.
    pub(crate) fn store(&mut self, answer: &Answer) {
        for cookie in &answer.cookies {
            if cookie.is_deletion() {
                self.cookies.remove(&cookie.name);
            } else {
                self.cookies
                    .insert(cookie.name.clone(), cookie.value.clone());
            }
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub(crate) fn insert(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// The `Cookie` header value.
    pub(crate) fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// GETs `uri` and stores the cookies of the answer.
    pub(crate) async fn fetch(&mut self, app: &Router, uri: &str) -> Answer {
        let answer = self.send(app, "GET", uri, &[]).await;
        self.store(&answer);
        answer
    }

    /// Sends a request with the jar's cookies (and no storing).
    pub(crate) async fn send(
        &self,
        app: &Router,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        let cookie = self.header();
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if !cookie.is_empty() {
            all.push(("cookie", cookie.as_str()));
        }
        send(app, request(method, uri, &all)).await
    }

    /// POSTs with the jar's cookies.
    pub(crate) async fn post(&self, app: &Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(app, "POST", uri, headers).await
    }
}

// ---------------------------------------------------------------------------------------
// Hand-signed tokens (HS256 over arbitrary header and payload text)
// ---------------------------------------------------------------------------------------

/// Unpadded base64url.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// HMAC-SHA256 (RFC 2104).
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key);
    aws_lc_rs::hmac::sign(&key, message).as_ref().to_vec()
}

/// A compact token over the exact `header` and `payload` texts, signed HS256 with `secret`.
pub(crate) fn hs256_token(secret: &str, header: &str, payload: &str) -> String {
    let signing_input = format!(
        "{}.{}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes())
    );
    let signature = hmac_sha256(secret.as_bytes(), signing_input.as_bytes());
    format!("{signing_input}.{}", b64url(&signature))
}

/// The test kit on [`builder`]'s key: HS256 with [`SECRET`].
pub(crate) fn test_tokens() -> TestTokens {
    TestTokens::new(&build(builder()))
}

/// A token with exactly the claims `payload` under the standard HS256 header, signed with
/// [`SECRET`].
pub(crate) fn signed(payload: &Value) -> String {
    test_tokens().with_claims(payload).expect("HS256 signs")
}

/// A token with an arbitrary header segment text and a valid-looking payload; the signature
/// is junk (for checks that come before the signature).
pub(crate) fn unsigned_with_header(header: &str) -> String {
    format!(
        "{}.{}.{}",
        b64url(header.as_bytes()),
        b64url(br#"{"sub":"test","type":"access"}"#),
        b64url(b"not-a-signature")
    )
}

/// The claims of a token, read by the configuration (verifying it).
pub(crate) fn claims_of(config: &AuthJwtConfig, token: &str) -> Value {
    serde_json::to_value(config.decode(token).expect("a valid token").claims())
        .expect("claims serialize")
}

/// The `csrf` claim of a token.
pub(crate) fn csrf_of(config: &AuthJwtConfig, token: &str) -> String {
    config
        .decode(token)
        .expect("a valid token")
        .claims()
        .csrf()
        .expect("the token has a csrf claim")
        .to_owned()
}

// ---------------------------------------------------------------------------------------
// Handlers shared by the apps
// ---------------------------------------------------------------------------------------

type JsonAnswer = Result<Json<Value>, AuthJwtRejection>;

fn hello(auth: &AuthJwt) -> Json<Value> {
    Json(json!({ "hello": auth.get_jwt_subject() }))
}

async fn required_subject(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_required().await?;
    Ok(hello(&auth))
}

async fn optional_subject(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_optional().await?;
    Ok(hello(&auth))
}

async fn refresh_subject(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_refresh_token_required().await?;
    Ok(hello(&auth))
}

async fn fresh_subject(mut auth: AuthJwt) -> JsonAnswer {
    auth.fresh_jwt_required().await?;
    Ok(hello(&auth))
}

fn world() -> Json<Value> {
    Json(json!({ "hello": "world" }))
}

async fn required_world(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_required().await?;
    Ok(world())
}

async fn optional_world(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_optional().await?;
    Ok(if auth.get_jwt_subject().is_some() {
        world()
    } else {
        Json(json!({ "hello": "anonym" }))
    })
}

async fn refresh_world(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_refresh_token_required().await?;
    Ok(world())
}

async fn fresh_world(mut auth: AuthJwt) -> JsonAnswer {
    auth.fresh_jwt_required().await?;
    Ok(world())
}

/// `create_access_token(subject=1, fresh=True)` and `create_refresh_token(subject=1)`.
fn pair(auth: &AuthJwt) -> Result<(String, String), AuthJwtRejection> {
    Ok((
        auth.access_token(1).fresh(true).encode()?,
        auth.create_refresh_token(1)?,
    ))
}

async fn all_token(
    auth: AuthJwt,
) -> Result<(AuthCookies, AuthCookies, Json<Value>), AuthJwtRejection> {
    let (access, refresh) = pair(&auth)?;
    Ok((
        auth.set_access_cookies(&access, None)?,
        auth.set_refresh_cookies(&refresh, None)?,
        Json(json!({ "msg": "all token" })),
    ))
}

/// The original's `-response` variants: the cookies go on a response built first.
async fn all_token_response(auth: AuthJwt) -> Result<Response, AuthJwtRejection> {
    let (access, refresh) = pair(&auth)?;
    let response = Json(json!({ "msg": "all token" })).into_response();
    let mut cookies = auth.set_access_cookies(&access, None)?;
    cookies.extend(auth.set_refresh_cookies(&refresh, None)?);
    Ok((cookies, response).into_response())
}

async fn access_token(auth: AuthJwt) -> Result<(AuthCookies, Json<Value>), AuthJwtRejection> {
    let access = auth.create_access_token(1)?;
    Ok((
        auth.set_access_cookies(&access, None)?,
        Json(json!({ "msg": "access token" })),
    ))
}

async fn access_token_response(auth: AuthJwt) -> Result<Response, AuthJwtRejection> {
    let access = auth.create_access_token(1)?;
    let response = Json(json!({ "msg": "access token" })).into_response();
    Ok((auth.set_access_cookies(&access, None)?, response).into_response())
}

async fn refresh_token(auth: AuthJwt) -> Result<(AuthCookies, Json<Value>), AuthJwtRejection> {
    let refresh = auth.create_refresh_token(1)?;
    Ok((
        auth.set_refresh_cookies(&refresh, None)?,
        Json(json!({ "msg": "refresh token" })),
    ))
}

async fn refresh_token_response(auth: AuthJwt) -> Result<Response, AuthJwtRejection> {
    let refresh = auth.create_refresh_token(1)?;
    let response = Json(json!({ "msg": "refresh token" })).into_response();
    Ok((auth.set_refresh_cookies(&refresh, None)?, response).into_response())
}

async fn unset_all_token(auth: AuthJwt) -> (AuthCookies, Json<Value>) {
    (
        auth.unset_jwt_cookies(),
        Json(json!({ "msg": "unset all token" })),
    )
}

async fn unset_all_token_response(auth: AuthJwt) -> Response {
    let response = Json(json!({ "msg": "unset all token" })).into_response();
    (auth.unset_jwt_cookies(), response).into_response()
}

async fn unset_access_token(auth: AuthJwt) -> (AuthCookies, Json<Value>) {
    (
        auth.unset_access_cookies(),
        Json(json!({ "msg": "unset access token" })),
    )
}

async fn unset_refresh_token(auth: AuthJwt) -> (AuthCookies, Json<Value>) {
    (
        auth.unset_refresh_cookies(),
        Json(json!({ "msg": "unset refresh token" })),
    )
}

/// `test_token_multiple_locations.py`'s `/get-token`: both tokens in the body and in cookies.
async fn get_token(
    auth: AuthJwt,
) -> Result<(AuthCookies, AuthCookies, Json<Value>), AuthJwtRejection> {
    let (access, refresh) = pair(&auth)?;
    Ok((
        auth.set_access_cookies(&access, None)?,
        auth.set_refresh_cookies(&refresh, None)?,
        Json(json!({ "access": access, "refresh": refresh })),
    ))
}

#[derive(Deserialize)]
struct SetCookieRequest {
    token: String,
    max_age: Option<u64>,
}

/// Sets the access cookies for any token, with an optional `max_age`.
async fn set_access(
    auth: AuthJwt,
    Json(request): Json<SetCookieRequest>,
) -> Result<(AuthCookies, Json<Value>), AuthJwtRejection> {
    let max_age = request.max_age.map(Duration::from_secs);
    Ok((
        auth.set_access_cookies(&request.token, max_age)?,
        Json(json!({ "msg": "ok" })),
    ))
}

/// Sets the refresh cookies for any token, with an optional `max_age`.
async fn set_refresh(
    auth: AuthJwt,
    Json(request): Json<SetCookieRequest>,
) -> Result<(AuthCookies, Json<Value>), AuthJwtRejection> {
    let max_age = request.max_age.map(Duration::from_secs);
    Ok((
        auth.set_refresh_cookies(&request.token, max_age)?,
        Json(json!({ "msg": "ok" })),
    ))
}

/// Takes the extractor and never calls a protect function, like a login route.
async fn noop(_auth: AuthJwt) -> Json<Value> {
    Json(json!({ "msg": "ok" }))
}

#[derive(Deserialize)]
struct TokenQuery {
    token: String,
}

/// `get_unverified_jwt_headers(token)`.
async fn headers_of(auth: AuthJwt, Query(query): Query<TokenQuery>) -> JsonAnswer {
    Ok(Json(Value::Object(
        auth.unverified_jwt_headers_of(&query.token)?,
    )))
}

/// `get_unverified_jwt_headers()` after `jwt_required()`.
async fn headers_access(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_required().await?;
    Ok(Json(json!(auth.get_unverified_jwt_headers())))
}

/// `get_unverified_jwt_headers()` after `jwt_refresh_token_required()`.
async fn headers_refresh(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_refresh_token_required().await?;
    Ok(Json(json!(auth.get_unverified_jwt_headers())))
}

/// `get_raw_jwt()` after `jwt_required()` (`test_decode_token.py`'s `/raw_token`).
async fn raw_token(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_required().await?;
    Ok(Json(json!(auth.get_raw_jwt())))
}

/// Every no-argument getter after `jwt_optional()`.
async fn getters_optional(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_optional().await?;
    Ok(Json(getters(&auth)))
}

/// Every no-argument getter after `jwt_required()`.
async fn getters_required(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_required().await?;
    Ok(Json(getters(&auth)))
}

/// Every no-argument getter after `jwt_refresh_token_required()`.
async fn getters_refresh(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_refresh_token_required().await?;
    Ok(Json(getters(&auth)))
}

/// Every no-argument getter after `fresh_jwt_required()`.
async fn getters_fresh(mut auth: AuthJwt) -> JsonAnswer {
    auth.fresh_jwt_required().await?;
    Ok(Json(getters(&auth)))
}

/// Every no-argument getter without any protect function.
async fn getters_unprotected(auth: AuthJwt) -> Json<Value> {
    Json(getters(&auth))
}

/// The getters' answers, as JSON.
pub(crate) fn getters(auth: &AuthJwt) -> Value {
    json!({
        "raw": auth.get_raw_jwt(),
        "subject": auth.get_jwt_subject(),
        "jti": auth.get_jti(),
        "headers": auth.get_unverified_jwt_headers(),
    })
}

/// `get_raw_jwt(token)`: full verification without issuer, revocation or type.
async fn decode(auth: AuthJwt, Query(query): Query<TokenQuery>) -> JsonAnswer {
    Ok(Json(json!(auth.decode_token(&query.token)?.claims())))
}

/// `get_jti(token)`.
async fn jti_of(auth: AuthJwt, Query(query): Query<TokenQuery>) -> JsonAnswer {
    Ok(Json(json!(auth.decode_token(&query.token)?.claims().jti())))
}

/// Revokes the verified access token.
async fn revoke_access(mut auth: AuthJwt) -> JsonAnswer {
    auth.jwt_required().await?;
    auth.revoke().await?;
    Ok(Json(json!({ "detail": "Access token has been revoke" })))
}

/// Revokes the verified refresh token and the access token sent with it (`?access=`, or
/// else the access cookie).
async fn revoke_session(
    mut auth: AuthJwt,
    Query(query): Query<HashMap<String, String>>,
) -> JsonAnswer {
    auth.jwt_refresh_token_required().await?;
    let access = query.get("access").map(String::as_str);
    auth.revoke_with_access(access).await?;
    Ok(Json(json!({ "detail": "Session revoked" })))
}

// ---------------------------------------------------------------------------------------
// The apps
// ---------------------------------------------------------------------------------------

/// `test_cookies.py`, `test_token_multiple_locations.py` and `test_websocket.py`'s HTTP side:
/// the four protect routes answering `{"hello": subject}` on every method, and the
/// cookie-setting routes.
pub(crate) fn subject_app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/jwt-required", any(required_subject))
        .route("/jwt-optional", any(optional_subject))
        .route("/jwt-refresh", any(refresh_subject))
        .route("/jwt-fresh", any(fresh_subject))
        .route("/all-token", get(all_token))
        .route("/all-token-response", get(all_token_response))
        .route("/access-token", get(access_token))
        .route("/access-token-response", get(access_token_response))
        .route("/refresh-token", get(refresh_token))
        .route("/refresh-token-response", get(refresh_token_response))
        .route("/unset-all-token", get(unset_all_token))
        .route("/unset-all-token-response", get(unset_all_token_response))
        .route("/unset-access-token", get(unset_access_token))
        .route("/unset-refresh-token", get(unset_refresh_token))
        .route("/get-token", get(get_token))
        .route("/set-access-cookies", axum::routing::post(set_access))
        .route("/set-refresh-cookies", axum::routing::post(set_refresh))
        .route("/revoke-access", any(revoke_access))
        .route("/revoke-session", any(revoke_session))
        .with_state(config)
}

/// `test_url_protected.py` and `test_denylist.py`: `{"hello": "world"}` (or `"anonym"`).
pub(crate) fn world_app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/jwt-required", any(required_world))
        .route("/jwt-optional", any(optional_world))
        .route("/jwt-refresh-required", any(refresh_world))
        .route("/fresh-jwt-required", any(fresh_world))
        .route("/revoke-access", any(revoke_access))
        .with_state(config)
}

/// `test_headers.py`: `/protected` and the header getters, plus a route that never calls a
/// protect function.
pub(crate) fn header_app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/protected", any(required_world))
        .route("/get_headers_access", get(headers_access))
        .route("/get_headers_refresh", get(headers_refresh))
        .route("/headers-of", get(headers_of))
        .route("/noop", any(noop))
        .with_state(config)
}

/// The getters (§9) behind each protect function, and with a token passed explicitly.
pub(crate) fn getter_app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/raw_token", any(raw_token))
        .route("/getters-required", any(getters_required))
        .route("/getters-optional", any(getters_optional))
        .route("/getters-refresh", any(getters_refresh))
        .route("/getters-fresh", any(getters_fresh))
        .route("/getters-unprotected", any(getters_unprotected))
        .route("/decode", get(decode))
        .route("/jti-of", get(jti_of))
        .route("/headers-of", get(headers_of))
        .route("/revoke-access", any(revoke_access))
        .with_state(config)
}

// ---------------------------------------------------------------------------------------
// WebSocket: a real server and client
// ---------------------------------------------------------------------------------------

/// Serves `app` on 127.0.0.1, on a port of the system's choosing, for the rest of the test.
pub(crate) async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free local port");
    let address = listener.local_addr().expect("a bound address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("the server runs");
    });
    address
}

/// Connects to `ws://{address}{path_and_query}` (sending `cookie` on the handshake when
/// given) and returns every text frame until the server closes.
pub(crate) async fn ws_texts(
    address: SocketAddr,
    path_and_query: &str,
    cookie: Option<&str>,
) -> Vec<String> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as ClientMessage;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue as ClientHeaderValue;

    let mut handshake = format!("ws://{address}{path_and_query}")
        .into_client_request()
        .expect("a valid WebSocket URL");
    if let Some(cookie) = cookie {
        handshake.headers_mut().insert(
            "cookie",
            ClientHeaderValue::from_str(cookie).expect("a valid Cookie header"),
        );
    }
    let (mut socket, response) = tokio_tungstenite::connect_async(handshake)
        .await
        .expect("the WebSocket handshake succeeds");
    assert_eq!(response.status().as_u16(), 101);
    let mut texts = Vec::new();
    while let Some(frame) = socket.next().await {
        match frame.expect("a well-formed frame") {
            ClientMessage::Text(text) => texts.push(text.as_str().to_owned()),
            ClientMessage::Close(_) => break,
            _ => {}
        }
    }
    texts
}

/// The four protect functions, as the WebSocket routes name them.
#[derive(Debug, Clone, Copy)]
enum WsGuard {
    Required,
    Optional,
    Refresh,
    Fresh,
}

impl WsGuard {
    fn of(route: &str) -> Option<(Self, bool)> {
        let (name, cookies) = match route.strip_suffix("-cookies") {
            Some(name) => (name, true),
            None => (route, false),
        };
        let guard = match name {
            "jwt-required" => Self::Required,
            "jwt-optional" => Self::Optional,
            "jwt-refresh-required" => Self::Refresh,
            "fresh-jwt-required" => Self::Fresh,
            _ => return None,
        };
        Some((guard, cookies))
    }

    async fn check(
        self,
        auth: &mut AuthJwt,
        source: WebSocketAuth<'_>,
    ) -> Result<Option<VerifiedToken>, AuthJwtError> {
        let websocket = auth.websocket(source);
        match self {
            Self::Required => websocket.jwt_required().await.map(Some),
            Self::Optional => websocket.jwt_optional().await,
            Self::Refresh => websocket.jwt_refresh_token_required().await.map(Some),
            Self::Fresh => websocket.fresh_jwt_required().await.map(Some),
        }
    }
}

/// Runs the protect function the route names, in token mode (`?token=`) or cookie mode
/// (`-cookies` routes, `?csrf_token=`).
async fn ws_check(
    route: &str,
    query: &HashMap<String, String>,
    auth: &mut AuthJwt,
) -> Option<(WsGuard, Result<Option<VerifiedToken>, AuthJwtError>)> {
    let (guard, cookies) = WsGuard::of(route)?;
    let outcome = if cookies {
        let csrf_token = query.get("csrf_token")?;
        guard
            .check(auth, WebSocketAuth::Cookie { csrf_token })
            .await
    } else {
        let token = query.get("token")?;
        guard.check(auth, WebSocketAuth::Token(token)).await
    };
    Some((guard, outcome))
}

/// `test_websocket.py`'s routes: one text frame, then close. Success says
/// "Successfully Login!", or "hello world" / "hello anonym" for optional routes (from the
/// token `jwt_optional` returns); failure sends the
/// error's message. A missing query parameter refuses the handshake, as `Query(...)` does.
async fn ws_original(
    upgrade: WebSocketUpgrade,
    Path(route): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    mut auth: AuthJwt,
) -> Response {
    let Some((guard, outcome)) = ws_check(&route, &query, &mut auth).await else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let text = match (outcome, guard) {
        (Err(err), _) => err.message(),
        (Ok(Some(_)), WsGuard::Optional) => "hello world".to_owned(),
        (Ok(None), WsGuard::Optional) => "hello anonym".to_owned(),
        (Ok(_), _) => "Successfully Login!".to_owned(),
    };
    reply(upgrade, text)
}

/// The same checks, answering `{"status", "detail"}` on failure and the no-argument getters
/// on success, so tests can see status codes and what the getters return afterwards.
async fn ws_details(
    upgrade: WebSocketUpgrade,
    Path(route): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    mut auth: AuthJwt,
) -> Response {
    let Some((_, outcome)) = ws_check(&route, &query, &mut auth).await else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let frame = match outcome {
        Err(err) => json!({ "status": err.status_code(), "detail": err.message() }),
        Ok(_) => getters(&auth),
    };
    reply(upgrade, frame.to_string())
}

fn reply(upgrade: WebSocketUpgrade, text: String) -> Response {
    upgrade.on_upgrade(|mut socket| async move {
        if socket.send(Message::text(text)).await.is_ok() {
            let _ = socket.send(Message::Close(None)).await;
        }
    })
}

/// The same checks as a plain HTTP route: a failure is returned as an `AuthJwtRejection`.
async fn ws_over_http(
    Path(route): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    mut auth: AuthJwt,
) -> Result<Json<Value>, AuthJwtRejection> {
    let Some((_, outcome)) = ws_check(&route, &query, &mut auth).await else {
        return Ok(Json(json!({ "detail": "unknown route" })));
    };
    outcome?;
    Ok(Json(getters(&auth)))
}

/// `test_websocket.py`'s app: the WebSocket routes at the root (`/jwt-required`,
/// `/jwt-required-cookies`, ...), the detailed variants under `/details/`, the same checks as
/// HTTP routes under `/http/`, and the cookie routes.
pub(crate) fn ws_app(config: AuthJwtConfig) -> Router {
    Router::new()
        .route("/all-token", get(all_token))
        .route("/unset-all-token", get(unset_all_token))
        .route("/{route}", any(ws_original))
        .route("/details/{route}", any(ws_details))
        .route("/http/{route}", get(ws_over_http))
        .with_state(config)
}

// ---------------------------------------------------------------------------------------
// Typed guards
// ---------------------------------------------------------------------------------------

fn hello_token(token: &authjwt_axum::VerifiedToken) -> Json<Value> {
    Json(json!({ "hello": token.claims().subject() }))
}

async fn guard_required(
    authjwt_axum::JwtRequired(token): authjwt_axum::JwtRequired,
) -> Json<Value> {
    hello_token(&token)
}

async fn guard_optional(
    authjwt_axum::JwtOptional(token): authjwt_axum::JwtOptional,
) -> Json<Value> {
    Json(json!({ "hello": token.as_ref().and_then(|token| token.claims().subject()) }))
}

async fn guard_refresh(
    authjwt_axum::RefreshRequired(token): authjwt_axum::RefreshRequired,
) -> Json<Value> {
    hello_token(&token)
}

async fn guard_fresh(
    authjwt_axum::FreshRequired(token): authjwt_axum::FreshRequired,
) -> Json<Value> {
    hello_token(&token)
}

/// Takes the guard's result and answers failures itself.
async fn guard_result(
    guard: Result<authjwt_axum::JwtRequired, AuthJwtRejection>,
) -> (StatusCode, Json<Value>) {
    match guard {
        Ok(authjwt_axum::JwtRequired(token)) => (StatusCode::OK, hello_token(&token)),
        Err(AuthJwtRejection::Auth(err)) => (
            StatusCode::IM_A_TEAPOT,
            Json(json!({
                "exception": err.exception_name(),
                "status": err.status_code(),
                "message": err.message(),
            })),
        ),
        Err(other) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "other": other.to_string() })),
        ),
    }
}

/// A handler whose token creation fails (a reserved user claim): the application's bug.
async fn create_bad(auth: AuthJwt) -> JsonAnswer {
    let token = auth.access_token(1).claim("type", "refresh").encode()?;
    Ok(Json(json!({ "token": token })))
}

/// The typed guards on every method: `/jwt-required`, `/jwt-optional`, `/jwt-refresh`,
/// `/jwt-fresh` answering `{"hello": subject}`, `/result` handling the rejection itself, and
/// `/create-bad` failing to create a token.
pub(crate) fn guard_routes<S>() -> Router<S>
where
    AuthJwtConfig: axum::extract::FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/jwt-required", any(guard_required))
        .route("/jwt-optional", any(guard_optional))
        .route("/jwt-refresh", any(guard_refresh))
        .route("/jwt-fresh", any(guard_fresh))
        .route("/result", any(guard_result))
        .route("/create-bad", any(create_bad))
}

/// [`guard_routes`] with the configuration as the state.
pub(crate) fn guard_app(config: AuthJwtConfig) -> Router {
    guard_routes().with_state(config)
}
