//! Where a request's token comes from: the header, the cookies, or a WebSocket, chosen as
//! fastapi-jwt-auth chooses (spec §5, §6.2–§6.5, §8); and, new, a query parameter or a JSON
//! body member.

use std::sync::Arc;

use authjwt::{
    AuthJwtConfig, AuthJwtError, InvalidHeader, MissingToken, Requirement, Settings, TokenLocation,
    TokenType, VerifiedToken, csrf,
};
use http::header::{AUTHORIZATION, COOKIE};
use http::request::Parts;
use http::{HeaderValue, Method};

/// The token locations of one route, overriding `authjwt_token_location` for the guards, the
/// [`AuthJwt`](crate::AuthJwt) extractor and [`RequireJwtLayer`](crate::RequireJwtLayer) of
/// the requests it is attached to.
///
/// ```
/// use axum::{Extension, Json, Router, routing::get};
/// use authjwt_axum::{AuthJwtConfig, JwtRequired, TokenLocation, TokenLocations};
/// use serde_json::{Value, json};
///
/// // An `EventSource` cannot send headers: this route reads `?token=` instead.
/// async fn events(JwtRequired(token): JwtRequired) -> Json<Value> {
///     Json(json!({ "user": token.claims().subject(), "from": token.location().map(TokenLocation::as_str) }))
/// }
///
/// let app: Router = Router::new()
///     .route("/events", get(events))
///     .route_layer(Extension(TokenLocations::new([TokenLocation::Query])))
///     .with_state(AuthJwtConfig::builder().secret_key("a-random-secret-of-at-least-32-bytes").build()?);
/// # Ok::<(), authjwt_axum::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenLocations(Arc<[TokenLocation]>);

impl TokenLocations {
    /// These locations, searched in this order (a header still before the cookies, as the
    /// original searches them).
    ///
    /// # Panics
    ///
    /// When `locations` is empty: a route must read its token from somewhere.
    #[must_use]
    pub fn new(locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        let locations: Arc<[TokenLocation]> = locations.into_iter().collect();
        assert!(
            !locations.is_empty(),
            "TokenLocations needs at least one location"
        );
        Self(locations)
    }

    /// The locations, as given.
    #[must_use]
    pub fn as_slice(&self) -> &[TokenLocation] {
        &self.0
    }
}

/// A JSON body's token member, as a layer that read the body found it.
#[derive(Debug, Clone, Default)]
pub(crate) enum JsonMember {
    #[default]
    Absent,
    Text(String),
    NotText,
}

/// The token members of a JSON request body, read by a layer (extractors cannot read the
/// body without taking it from the handler).
#[derive(Debug, Clone, Default)]
pub(crate) struct JsonBodyTokens {
    pub(crate) access: JsonMember,
    pub(crate) refresh: JsonMember,
}

/// The credentials a request carries, captured when an extractor runs. Nothing is parsed
/// until a protect function asks, so a malformed header cannot fail a handler that never
/// asks for a token.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestCredentials {
    method: Method,
    header: HeaderValues,
    cookies: Vec<HeaderValue>,
    access_csrf: Option<HeaderValue>,
    refresh_csrf: Option<HeaderValue>,
    /// The query string, captured only when `query` is a location.
    query: Option<String>,
    /// The JSON body's members, when a layer read them.
    json: Option<JsonBodyTokens>,
    /// The route's own locations, when it has them.
    locations: Option<TokenLocations>,
}

/// The values of the configured token header.
#[derive(Debug, Clone, Default)]
enum HeaderValues {
    #[default]
    Absent,
    One(HeaderValue),
    /// The header was sent more than once: ambiguous, so refused.
    Repeated,
}

impl RequestCredentials {
    pub(crate) fn capture(parts: &Parts, settings: &Settings) -> Self {
        let headers = &parts.headers;
        let locations = parts.extensions.get::<TokenLocations>().cloned();
        let configured = locations
            .as_ref()
            .map_or(settings.token_location.as_slice(), TokenLocations::as_slice);
        let has_location = |location| configured.contains(&location);
        let header = if has_location(TokenLocation::Headers) {
            // The default name is a constant: no name to parse on every request.
            let mut values = if settings.header_name.eq_ignore_ascii_case("authorization") {
                headers.get_all(AUTHORIZATION)
            } else {
                headers.get_all(settings.header_name.as_str())
            }
            .iter();
            match (values.next(), values.next()) {
                (None, _) => HeaderValues::Absent,
                (Some(value), None) => HeaderValues::One(value.clone()),
                (Some(_), Some(_)) => HeaderValues::Repeated,
            }
        } else {
            HeaderValues::Absent
        };
        // Only the HTTP cookie path reads the CSRF headers.
        let csrf_header = |name: &String| {
            has_location(TokenLocation::Cookies)
                .then(|| headers.get(name.as_str()).cloned())
                .flatten()
        };
        Self {
            method: parts.method.clone(),
            header,
            cookies: headers.get_all(COOKIE).iter().cloned().collect(),
            access_csrf: csrf_header(&settings.access_csrf_header_name),
            refresh_csrf: csrf_header(&settings.refresh_csrf_header_name),
            query: has_location(TokenLocation::Query)
                .then(|| parts.uri.query().map(str::to_owned))
                .flatten(),
            json: parts.extensions.get::<JsonBodyTokens>().cloned(),
            locations,
        }
    }

    /// The locations searched: the route's own, or the configuration's.
    fn locations<'a>(&'a self, settings: &'a Settings) -> &'a [TokenLocation] {
        self.locations
            .as_ref()
            .map_or(settings.token_location.as_slice(), TokenLocations::as_slice)
    }

    /// The token in the configured query parameter: absent or empty is `None`; given twice,
    /// or not percent-decodable to UTF-8, is refused.
    fn query_token(&self, settings: &Settings) -> Result<Option<String>, AuthJwtError> {
        let name = settings.query_token_name.as_str();
        let bad = || InvalidHeader::BadQueryParameter {
            name: name.to_owned(),
        };
        let mut values = self
            .query
            .as_deref()
            .unwrap_or_default()
            .split('&')
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key == name).then_some(value)
            });
        match (values.next(), values.next()) {
            (None, _) => Ok(None),
            (Some(value), None) => {
                let token = percent_decode(value).ok_or_else(bad)?;
                Ok(Some(token).filter(|token| !token.is_empty()))
            }
            (Some(_), Some(_)) => Err(bad().into()),
        }
    }

    /// The token in the JSON body's member for `token_type`, if a layer read the body.
    fn json_token(
        &self,
        settings: &Settings,
        token_type: TokenType,
    ) -> Result<Option<&str>, AuthJwtError> {
        let (member, key) = match (&self.json, token_type) {
            (None, _) => return Ok(None),
            (Some(json), TokenType::Access) => (&json.access, &settings.json_access_token_key),
            (Some(json), TokenType::Refresh) => (&json.refresh, &settings.json_refresh_token_key),
        };
        match member {
            JsonMember::Absent => Ok(None),
            JsonMember::Text(token) => Ok(Some(token.as_str()).filter(|token| !token.is_empty())),
            JsonMember::NotText => Err(InvalidHeader::BadJsonMember { key: key.clone() }.into()),
        }
    }

    /// The token in the configured header, if one was sent (spec §5.1). The type prefix is
    /// compared literally and case-sensitively; the value must split into exactly the
    /// expected parts.
    fn header_token(&self, settings: &Settings) -> Result<Option<&str>, AuthJwtError> {
        let value = match &self.header {
            HeaderValues::Absent => return Ok(None),
            HeaderValues::One(value) if value.is_empty() => return Ok(None),
            HeaderValues::One(value) => value,
            HeaderValues::Repeated => return Err(bad_header(settings)),
        };
        visible_text(value)
            .and_then(|text| parse_header_value(text, settings.header_type.as_deref()))
            .map(Some)
            .ok_or_else(|| bad_header(settings))
    }

    /// The value of cookie `name`: the last one sent, as Starlette reads cookies; empty
    /// counts as absent.
    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .filter_map(|header| header.to_str().ok())
            .flat_map(|header| header.split(';'))
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                (key.trim() == name).then(|| unquote(value.trim()))
            })
            .last()
            .filter(|value| !value.is_empty())
    }

    pub(crate) fn csrf_header(&self, token_type: TokenType) -> Option<&[u8]> {
        match token_type {
            TokenType::Refresh => self.refresh_csrf.as_ref(),
            TokenType::Access => self.access_csrf.as_ref(),
        }
        .map(HeaderValue::as_bytes)
    }
}

/// `%XX` escapes decoded; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(value: &str) -> Option<String> {
    if !value.contains('%') {
        return Some(value.to_owned());
    }
    let mut bytes = Vec::with_capacity(value.len());
    let mut rest = value.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = tail.get(..2)?;
            let text = std::str::from_utf8(hex).ok()?;
            bytes.push(u8::from_str_radix(text, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// The locations in the order they are searched: as configured, except that a header is
/// looked for before the cookies, as the original does whatever the list's order.
fn search_order(locations: &[TokenLocation]) -> impl Iterator<Item = TokenLocation> + '_ {
    let position = |wanted| locations.iter().position(|&location| location == wanted);
    let headers_after_cookies = matches!(
        (position(TokenLocation::Headers), position(TokenLocation::Cookies)),
        (Some(headers), Some(cookies)) if headers > cookies
    );
    locations.iter().flat_map(move |&location| {
        let (first, second) = match location {
            TokenLocation::Cookies if headers_after_cookies => {
                (Some(TokenLocation::Headers), Some(TokenLocation::Cookies))
            }
            TokenLocation::Headers if headers_after_cookies => (None, None),
            other => (Some(other), None),
        };
        first.into_iter().chain(second)
    })
}

/// Starlette's cookie parser drops surrounding double quotes.
fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(value)
}

/// The value as text if [`HeaderValue::to_str`] would give it (visible ASCII, spaces and tabs
/// only). The bytes are checked without a branch per byte, which the compiler vectorizes:
/// this runs over the whole token on every request.
fn visible_text(value: &HeaderValue) -> Option<&str> {
    let bytes = value.as_bytes();
    let visible = bytes.iter().fold(true, |visible, &byte| {
        visible & (matches!(byte, b' '..=b'~') | (byte == b'\t'))
    });
    if visible {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

/// `{type} <JWT>`, or a bare `<JWT>` without a type: the type literally, whitespace, the
/// token, nothing but whitespace after it.
fn parse_header_value<'a>(value: &'a str, header_type: Option<&str>) -> Option<&'a str> {
    let rest = match header_type {
        Some(header_type) => {
            let rest = value.strip_prefix(header_type)?;
            if !rest.starts_with([' ', '\t']) {
                return None;
            }
            rest
        }
        None => value,
    }
    .trim_ascii();
    let has_whitespace = rest
        .bytes()
        .fold(false, |found, byte| found | byte.is_ascii_whitespace());
    (!rest.is_empty() && !has_whitespace).then_some(rest)
}

fn bad_header(settings: &Settings) -> AuthJwtError {
    InvalidHeader::BadHeaderValue {
        header_name: settings.header_name.clone(),
        header_type: settings.header_type.clone(),
    }
    .into()
}

/// Verifies the request's token for `requirement` (`auth_from="request"`).
///
/// The locations are searched in order ([`search_order`]); the first that holds a token
/// decides, even with an invalid token (there is no fallback), and only an absent token leads
/// to the next. When none holds one, the last location's [`AuthJwtError::MissingToken`]
/// answers (with headers and cookies, the cookie's, as in the original); the optional paths
/// turn exactly that into "no token".
pub(crate) async fn verify_request(
    config: &AuthJwtConfig,
    credentials: &RequestCredentials,
    requirement: Requirement,
) -> Result<VerifiedToken, AuthJwtError> {
    let settings = config.settings();
    let token_type = requirement.token_type();
    let mut missing = None;
    for location in search_order(credentials.locations(settings)) {
        let found = match location {
            TokenLocation::Headers => match credentials.header_token(settings)? {
                Some(token) => config.verify(token, requirement).await,
                None => {
                    missing = Some(MissingToken::Header {
                        header_name: settings.header_name.clone(),
                    });
                    continue;
                }
            },
            TokenLocation::Cookies => {
                let csrf_applies = settings.is_csrf_method(credentials.method.as_str());
                match verify_cookie(
                    config,
                    credentials,
                    credentials.csrf_header(token_type),
                    csrf_applies,
                    requirement,
                )
                .await
                {
                    Err(AuthJwtError::MissingToken(cookie)) => {
                        missing = Some(cookie);
                        continue;
                    }
                    found => found,
                }
            }
            TokenLocation::Query => match credentials.query_token(settings)? {
                Some(token) => config.verify(&token, requirement).await,
                None => {
                    missing = Some(MissingToken::Query {
                        name: settings.query_token_name.clone(),
                    });
                    continue;
                }
            },
            TokenLocation::Json => match credentials.json_token(settings, token_type)? {
                Some(token) => config.verify(token, requirement).await,
                None => {
                    missing = Some(MissingToken::Json {
                        key: match token_type {
                            TokenType::Access => settings.json_access_token_key.clone(),
                            TokenType::Refresh => settings.json_refresh_token_key.clone(),
                        },
                    });
                    continue;
                }
            },
            // A location this version does not know holds no token for it.
            _ => continue,
        };
        return found.map(|token| token.found_in(location));
    }
    Err(missing
        .unwrap_or_else(|| MissingToken::Header {
            header_name: settings.header_name.clone(),
        })
        .into())
}

/// The cookie path (spec §6.4, §6.5, and §8's cookie mode): the cookie must be there; when
/// CSRF protection applies, the submitted value must be there before anything is decoded,
/// and must match the token's claim after everything else passed.
pub(crate) async fn verify_cookie(
    config: &AuthJwtConfig,
    credentials: &RequestCredentials,
    submitted_csrf: Option<&[u8]>,
    csrf_applies: bool,
    requirement: Requirement,
) -> Result<VerifiedToken, AuthJwtError> {
    let settings = config.settings();
    let cookie_key = match requirement.token_type() {
        TokenType::Refresh => &settings.refresh_cookie_key,
        TokenType::Access => &settings.access_cookie_key,
    };
    let token = credentials
        .cookie(cookie_key)
        .ok_or_else(|| MissingToken::Cookie {
            cookie_key: cookie_key.clone(),
        })?;
    let csrf_value = if settings.cookie_csrf_protect && csrf_applies {
        Some(csrf::submitted_value(submitted_csrf)?)
    } else {
        None
    };
    let verified = config.verify(token, requirement).await?;
    if let Some(submitted) = csrf_value {
        csrf::check_double_submit(verified.claims(), submitted)?;
    }
    Ok(verified)
}

/// Turns the absence of a token into `None`, as `jwt_optional` does; every other failure,
/// an invalid or expired token included, still fails.
pub(crate) fn optional(
    result: Result<VerifiedToken, AuthJwtError>,
) -> Result<Option<VerifiedToken>, AuthJwtError> {
    match result {
        Ok(verified) => Ok(Some(verified)),
        Err(AuthJwtError::MissingToken(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::{parse_header_value, visible_text};

    #[test]
    fn header_text_is_what_to_str_accepts() {
        let mut bytes: Vec<Vec<u8>> = (0..=255u8).map(|byte| vec![b'a', byte, b'b']).collect();
        bytes.extend([
            b"".to_vec(),
            b"Bearer \t x".to_vec(),
            "é".as_bytes().to_vec(),
        ]);
        for value in bytes {
            let Ok(value) = HeaderValue::from_bytes(&value) else {
                continue;
            };
            assert_eq!(visible_text(&value), value.to_str().ok(), "{value:?}");
        }
    }

    #[test]
    fn header_values_follow_the_original_table() {
        let bearer = Some("Bearer");
        assert_eq!(parse_header_value("Bearer t", bearer), Some("t"));
        assert_eq!(parse_header_value("Bearer  t", bearer), Some("t"));
        assert_eq!(parse_header_value("Bearer\tt", bearer), Some("t"));
        for refused in [
            "bearer t",
            "Bearer",
            "Bearer a b",
            "Bearer a\tb",
            "Bearer  ",
            " Bearer t",
            "JWT t",
            "Bearerx t",
            "Test asd",
        ] {
            assert_eq!(parse_header_value(refused, bearer), None, "{refused}");
        }
        assert_eq!(parse_header_value("B.arer t", Some("Bxarer")), None);
        assert_eq!(parse_header_value("Bearer t \t", bearer), Some("t"));
        assert_eq!(parse_header_value("t", None), Some("t"));
        assert_eq!(parse_header_value("  t  ", None), Some("t"));
        assert_eq!(parse_header_value("   ", None), None);
        assert_eq!(parse_header_value("JWT t", None), None);
    }
}
