//! Setting and deleting the token cookies (spec §7), as a value a handler returns.
//!
//! [`AuthCookies`] implements [`IntoResponseParts`], so a handler returns it in its response
//! tuple and the `Set-Cookie` headers reach the client with no layer and no response object
//! to thread through:
//!
//! ```
//! use axum::{Json, extract::State};
//! use authjwt_axum::{AuthCookies, AuthJwtConfig, AuthJwtRejection};
//! use serde_json::{Value, json};
//!
//! async fn login(
//!     State(config): State<AuthJwtConfig>,
//! ) -> Result<(AuthCookies, AuthCookies, Json<Value>), AuthJwtRejection> {
//!     let access = config.access_token("alice").fresh(true).encode()?;
//!     let refresh = config.create_refresh_token("alice")?;
//!     Ok((
//!         AuthCookies::access(&config, &access, None)?,
//!         AuthCookies::refresh(&config, &refresh, None)?,
//!         Json(json!({ "msg": "logged in" })),
//!     ))
//! }
//!
//! async fn logout(State(config): State<AuthJwtConfig>) -> (AuthCookies, Json<Value>) {
//!     (AuthCookies::unset_all(&config), Json(json!({ "msg": "Successfully logout" })))
//! }
//! # let _: axum::Router = axum::Router::new()
//! #     .route("/login", axum::routing::post(login))
//! #     .route("/logout", axum::routing::delete(logout))
//! #     .with_state(AuthJwtConfig::builder().secret_key("a-random-secret-of-at-least-32-bytes").build().unwrap());
//! ```
//!
//! Unlike the original, these work whatever the token location is (it raised a
//! `RuntimeWarning`, a 500, when cookies were not a location).

use std::convert::Infallible;
use std::time::Duration;

use authjwt::{
    AuthJwtConfig, AuthJwtError, DecodeError, InvalidHeader, SameSite, Settings, TokenType,
};
use axum_core::response::{IntoResponseParts, ResponseParts};
use cookie::Cookie;
use cookie::time::{self, OffsetDateTime};
use http::HeaderValue;
use http::header::SET_COOKIE;

/// The size of a cookie (name, value and attributes) browsers are required to store
/// (RFC 6265 §6.1); larger ones are dropped silently.
const BROWSER_COOKIE_LIMIT: usize = 4096;

/// `Set-Cookie` headers to add to a response.
#[derive(Debug, Clone, Default)]
#[must_use = "cookies only reach the client when returned as part of the response"]
pub struct AuthCookies {
    cookies: Vec<Cookie<'static>>,
}

impl AuthCookies {
    /// The access cookie and, with CSRF protection on, its CSRF cookie (the original's
    /// `set_access_cookies`). `max_age` overrides `authjwt_cookie_max_age`, in whole
    /// seconds; zero, like `None`, falls back to it, as the original's `max_age=0` does.
    ///
    /// # Errors
    ///
    /// Whatever the settings, a token with characters other than base64url characters and
    /// dots fails with [`InvalidHeader::InvalidCookieValue`] (422): it could add attributes
    /// to the cookie (`x; Domain=...`) or make the browser drop it (a line break).
    ///
    /// The CSRF value is the token's `csrf` claim, read by verifying the token as
    /// [`AuthJwtConfig::decode`] does: an invalid or expired token fails with its error, one
    /// without the claim with `Missing claim: csrf` (422), one whose claim is not fit for a
    /// cookie with [`InvalidHeader::InvalidCookieValue`].
    pub fn access(
        config: &AuthJwtConfig,
        token: &str,
        max_age: Option<Duration>,
    ) -> Result<Self, AuthJwtError> {
        Self::set(config, TokenType::Access, token, max_age)
    }

    /// The refresh cookie and, with CSRF protection on, its CSRF cookie (the original's
    /// `set_refresh_cookies`).
    ///
    /// # Errors
    ///
    /// As for [`access`](Self::access).
    pub fn refresh(
        config: &AuthJwtConfig,
        token: &str,
        max_age: Option<Duration>,
    ) -> Result<Self, AuthJwtError> {
        Self::set(config, TokenType::Refresh, token, max_age)
    }

    /// Deletes the access and refresh cookies and their CSRF cookies (the original's
    /// `unset_jwt_cookies`).
    pub fn unset_all(config: &AuthJwtConfig) -> Self {
        let mut cookies = Self::unset_access(config);
        cookies.extend(Self::unset_refresh(config));
        cookies
    }

    /// Deletes the access cookie and its CSRF cookie (`unset_access_cookies`).
    pub fn unset_access(config: &AuthJwtConfig) -> Self {
        Self::unset(config.settings(), TokenType::Access)
    }

    /// Deletes the refresh cookie and its CSRF cookie (`unset_refresh_cookies`).
    pub fn unset_refresh(config: &AuthJwtConfig) -> Self {
        Self::unset(config.settings(), TokenType::Refresh)
    }

    /// Appends the cookies of `other`.
    pub fn extend(&mut self, other: Self) {
        self.cookies.extend(other.cookies);
    }

    /// The cookies, in the order their headers are written.
    #[must_use]
    pub fn cookies(&self) -> &[Cookie<'static>] {
        &self.cookies
    }

    /// Appends a `Set-Cookie` header per cookie.
    pub(crate) fn append_to(self, headers: &mut http::HeaderMap) {
        for cookie in self.cookies {
            // Names, paths and domains are validated with the configuration and values by
            // `check_cookie_value`, so every cookie is a valid header value.
            if let Ok(value) = HeaderValue::try_from(cookie.to_string()) {
                headers.append(SET_COOKIE, value);
            }
        }
    }

    fn set(
        config: &AuthJwtConfig,
        token_type: TokenType,
        token: &str,
        max_age: Option<Duration>,
    ) -> Result<Self, AuthJwtError> {
        let settings = config.settings();
        check_cookie_value(token)?;
        let names = CookieNames::of(settings, token_type);
        // The original's `max_age or authjwt_cookie_max_age`: zero means the configuration.
        let max_age = max_age
            .filter(|max_age| max_age.as_secs() != 0)
            .or(settings.cookie_max_age);
        let csrf_value = if settings.cookie_csrf_protect {
            let verified = config.decode(token)?;
            let csrf = verified
                .claims()
                .csrf()
                .ok_or(DecodeError::MissingCsrfClaim)?;
            check_cookie_value(csrf)?;
            Some(csrf.to_owned())
        } else {
            None
        };

        let mut token_cookie = attributes(
            settings,
            Cookie::new(names.token.to_owned(), token.to_owned()),
            names.token_path,
            max_age,
        );
        token_cookie.set_http_only(true);
        let size = token_cookie.to_string().len();
        if size > BROWSER_COOKIE_LIMIT {
            tracing::warn!(
                cookie = names.token,
                bytes = size,
                "the token cookie is larger than browsers store ({BROWSER_COOKIE_LIMIT} bytes): \
                 they will drop it and the next request will miss it; keep user claims small"
            );
        }
        let mut cookies = vec![token_cookie];
        if let Some(csrf) = csrf_value {
            cookies.push(attributes(
                settings,
                Cookie::new(names.csrf.to_owned(), csrf),
                names.csrf_path,
                max_age,
            ));
        }
        Ok(Self { cookies })
    }

    /// Deletion cookies carry only name, path and domain, like Starlette's `delete_cookie`
    /// (value `""`, `Max-Age=0`, `Expires` now), plus the configured `Secure` and `SameSite`
    /// (`lax` when none is set), so they also reach browsers in the contexts the cookies were
    /// set in.
    fn unset(settings: &Settings, token_type: TokenType) -> Self {
        let names = CookieNames::of(settings, token_type);
        let deletion = |name: &str, path: &str| {
            let mut cookie = Cookie::new(name.to_owned(), "\"\"");
            cookie.set_path(path.to_owned());
            if let Some(domain) = &settings.cookie_domain {
                cookie.set_domain(domain.clone());
            }
            cookie.set_max_age(time::Duration::ZERO);
            cookie.set_expires(OffsetDateTime::now_utc());
            cookie.set_same_site(same_site(settings.cookie_samesite.unwrap_or(SameSite::Lax)));
            if settings.cookie_secure {
                cookie.set_secure(true);
            }
            cookie
        };
        let mut cookies = vec![deletion(names.token, names.token_path)];
        if settings.cookie_csrf_protect {
            cookies.push(deletion(names.csrf, names.csrf_path));
        }
        Self { cookies }
    }
}

/// Token and CSRF cookie values are compact JWS and UUIDs: base64url characters and dots.
/// Nothing else is let through, so no value can end the cookie's value early.
fn check_cookie_value(value: &str) -> Result<(), AuthJwtError> {
    let fits = !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
    if fits {
        Ok(())
    } else {
        Err(InvalidHeader::InvalidCookieValue.into())
    }
}

/// The attributes token and CSRF cookies share.
fn attributes(
    settings: &Settings,
    mut cookie: Cookie<'static>,
    path: &str,
    max_age: Option<Duration>,
) -> Cookie<'static> {
    if let Some(max_age) = max_age {
        cookie.set_max_age(time::Duration::seconds(
            i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
        ));
    }
    cookie.set_path(path.to_owned());
    if let Some(domain) = &settings.cookie_domain {
        cookie.set_domain(domain.clone());
    }
    if settings.cookie_secure {
        cookie.set_secure(true);
    }
    if let Some(same_site_value) = settings.cookie_samesite {
        cookie.set_same_site(same_site(same_site_value));
    }
    cookie
}

fn same_site(value: SameSite) -> cookie::SameSite {
    match value {
        SameSite::Strict => cookie::SameSite::Strict,
        SameSite::Lax => cookie::SameSite::Lax,
        SameSite::None => cookie::SameSite::None,
    }
}

/// The cookie names and paths for one token type.
struct CookieNames<'a> {
    token: &'a str,
    token_path: &'a str,
    csrf: &'a str,
    csrf_path: &'a str,
}

impl<'a> CookieNames<'a> {
    fn of(settings: &'a Settings, token_type: TokenType) -> Self {
        match token_type {
            TokenType::Refresh => Self {
                token: &settings.refresh_cookie_key,
                token_path: &settings.refresh_cookie_path,
                csrf: &settings.refresh_csrf_cookie_key,
                csrf_path: &settings.refresh_csrf_cookie_path,
            },
            TokenType::Access => Self {
                token: &settings.access_cookie_key,
                token_path: &settings.access_cookie_path,
                csrf: &settings.access_csrf_cookie_key,
                csrf_path: &settings.access_csrf_cookie_path,
            },
        }
    }
}

impl IntoResponseParts for AuthCookies {
    type Error = Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        self.append_to(res.headers_mut());
        Ok(res)
    }
}
