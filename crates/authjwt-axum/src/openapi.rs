//! OpenAPI security schemes for utoipa documents (the `utoipa` feature): how a client sends
//! tokens under a configuration, and which operations need them.
//!
//! ```
//! use authjwt_axum::{AuthJwtConfig, TokenLocation};
//! use authjwt_axum::openapi::AuthJwtSecurity;
//! use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
//! use utoipa::openapi::{InfoBuilder, OpenApiBuilder, PathsBuilder, ResponseBuilder};
//! use utoipa::Modify;
//!
//! let config = AuthJwtConfig::builder()
//!     .secret_key("a-random-secret-of-at-least-32-bytes")
//!     .token_location([TokenLocation::Headers, TokenLocation::Cookies])
//!     .build()?;
//! let operation = OperationBuilder::new()
//!     .response("200", ResponseBuilder::new().description("the user"))
//!     .build();
//! let mut openapi = OpenApiBuilder::new()
//!     .info(InfoBuilder::new().title("my api").version("1").build())
//!     .paths(PathsBuilder::new().path("/me", PathItem::new(HttpMethod::Get, operation)))
//!     .build();
//!
//! let security = AuthJwtSecurity::new(&config);
//! security.modify(&mut openapi);          // the schemes, under `components`
//! security.protect(&mut openapi, "/me");   // `/me` needs a token
//! let json = serde_json::to_value(&openapi)?;
//! assert_eq!(json["components"]["securitySchemes"]["authjwt_bearer"]["scheme"], "bearer");
//! assert_eq!(json["paths"]["/me"]["get"]["security"][0]["authjwt_bearer"], serde_json::json!([]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use utoipa;

use authjwt::{AuthJwtConfig, TokenLocation};
use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

/// The security schemes of a configuration's token locations, as a utoipa [`Modify`], and
/// the marking of the operations that guards or [`RequireJwtLayer`](crate::RequireJwtLayer)
/// protect.
///
/// Schemes, by location: the header (`authjwt_bearer`, HTTP bearer with format JWT, for the
/// default `Authorization: Bearer`; otherwise `authjwt_header`, an API key in the configured
/// header), the cookie (`authjwt_cookie`, with `authjwt_csrf`, the CSRF header, required
/// together on CSRF methods while protection is on), the query parameter (`authjwt_query`).
/// A JSON body member has no OpenAPI security scheme: document it in the request body.
#[derive(Debug, Clone)]
pub struct AuthJwtSecurity {
    config: AuthJwtConfig,
}

impl AuthJwtSecurity {
    /// The HTTP bearer scheme's name.
    pub const BEARER: &'static str = "authjwt_bearer";
    /// The name of the scheme for a header other than `Authorization: Bearer`.
    pub const HEADER: &'static str = "authjwt_header";
    /// The access cookie scheme's name.
    pub const COOKIE: &'static str = "authjwt_cookie";
    /// The CSRF header scheme's name.
    pub const CSRF: &'static str = "authjwt_csrf";
    /// The query parameter scheme's name.
    pub const QUERY: &'static str = "authjwt_query";
    /// The refresh cookie scheme's name.
    pub const REFRESH_COOKIE: &'static str = "authjwt_refresh_cookie";
    /// The refresh CSRF header scheme's name.
    pub const REFRESH_CSRF: &'static str = "authjwt_refresh_csrf";

    /// The schemes of `config`.
    #[must_use]
    pub fn new(config: &AuthJwtConfig) -> Self {
        Self {
            config: config.clone(),
        }
    }

    fn is_bearer(&self) -> bool {
        let settings = self.config.settings();
        settings.header_name.eq_ignore_ascii_case("authorization")
            && settings.header_type.as_deref() == Some("Bearer")
    }

    /// The security schemes, by name.
    #[must_use]
    pub fn schemes(&self) -> Vec<(&'static str, SecurityScheme)> {
        let settings = self.config.settings();
        let mut schemes = Vec::new();
        for location in &settings.token_location {
            match location {
                TokenLocation::Headers if self.is_bearer() => schemes.push((
                    Self::BEARER,
                    SecurityScheme::Http(
                        HttpBuilder::new()
                            .scheme(HttpAuthScheme::Bearer)
                            .bearer_format("JWT")
                            .build(),
                    ),
                )),
                TokenLocation::Headers => schemes.push((
                    Self::HEADER,
                    SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                        settings.header_name.clone(),
                        match &settings.header_type {
                            Some(header_type) => format!("`{header_type} <JWT>`"),
                            None => "the bare JWT".to_owned(),
                        },
                    ))),
                )),
                TokenLocation::Cookies => {
                    for (kind, cookie, csrf, cookie_key, csrf_header, csrf_cookie) in [
                        (
                            "access",
                            Self::COOKIE,
                            Self::CSRF,
                            &settings.access_cookie_key,
                            &settings.access_csrf_header_name,
                            &settings.access_csrf_cookie_key,
                        ),
                        (
                            "refresh",
                            Self::REFRESH_COOKIE,
                            Self::REFRESH_CSRF,
                            &settings.refresh_cookie_key,
                            &settings.refresh_csrf_header_name,
                            &settings.refresh_csrf_cookie_key,
                        ),
                    ] {
                        schemes.push((
                            cookie,
                            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                                cookie_key.clone(),
                                format!("the {kind} token, HttpOnly"),
                            ))),
                        ));
                        if settings.cookie_csrf_protect {
                            schemes.push((
                                csrf,
                                SecurityScheme::ApiKey(ApiKey::Header(
                                    ApiKeyValue::with_description(
                                        csrf_header.clone(),
                                        format!(
                                            "the value of the `{csrf_cookie}` cookie, on {}",
                                            csrf_methods(&self.config)
                                        ),
                                    ),
                                )),
                            ));
                        }
                    }
                }
                TokenLocation::Query => schemes.push((
                    Self::QUERY,
                    SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                        settings.query_token_name.clone(),
                        "the access token".to_owned(),
                    ))),
                )),
                _ => {}
            }
        }
        schemes
    }

    /// The ways to send an access token to an operation with `method` (one requirement each,
    /// any of them suffices): the header, the query parameter, or the cookie (with the CSRF
    /// header where `method` is a CSRF method).
    #[must_use]
    pub fn requirements(&self, method: &str) -> Vec<SecurityRequirement> {
        self.requirements_for(method, Self::COOKIE, Self::CSRF)
    }

    /// As [`requirements`](Self::requirements), for a refresh token.
    #[must_use]
    pub fn refresh_requirements(&self, method: &str) -> Vec<SecurityRequirement> {
        self.requirements_for(method, Self::REFRESH_COOKIE, Self::REFRESH_CSRF)
    }

    fn requirements_for(
        &self,
        method: &str,
        cookie_scheme: &'static str,
        csrf_scheme: &'static str,
    ) -> Vec<SecurityRequirement> {
        let settings = self.config.settings();
        let none: [&str; 0] = [];
        let mut requirements = Vec::new();
        for location in &settings.token_location {
            match location {
                TokenLocation::Headers if self.is_bearer() => {
                    requirements.push(SecurityRequirement::new(Self::BEARER, none));
                }
                TokenLocation::Headers => {
                    requirements.push(SecurityRequirement::new(Self::HEADER, none));
                }
                TokenLocation::Cookies => {
                    let cookie = SecurityRequirement::new(cookie_scheme, none);
                    requirements.push(
                        if settings.cookie_csrf_protect && settings.is_csrf_method(method) {
                            cookie.add(csrf_scheme, none)
                        } else {
                            cookie
                        },
                    );
                }
                TokenLocation::Query => {
                    requirements.push(SecurityRequirement::new(Self::QUERY, none));
                }
                _ => {}
            }
        }
        requirements
    }

    /// Marks every operation of `path` as needing an access token (a path the document does
    /// not have is left alone).
    pub fn protect(&self, openapi: &mut OpenApi, path: &str) {
        self.mark(openapi, path, |method| self.requirements(method));
    }

    /// Marks every operation of `path` as needing a refresh token.
    pub fn protect_refresh(&self, openapi: &mut OpenApi, path: &str) {
        self.mark(openapi, path, |method| self.refresh_requirements(method));
    }

    /// Marks every operation of `path` as taking an optional access token: the access
    /// requirements, or none.
    pub fn protect_optional(&self, openapi: &mut OpenApi, path: &str) {
        self.mark(openapi, path, |method| {
            let mut requirements = self.requirements(method);
            requirements.push(SecurityRequirement::default());
            requirements
        });
    }

    fn mark(
        &self,
        openapi: &mut OpenApi,
        path: &str,
        requirements: impl Fn(&str) -> Vec<SecurityRequirement>,
    ) {
        if let Some(item) = openapi.paths.paths.get_mut(path) {
            for (method, operation) in operations(item) {
                operation.security = Some(requirements(method));
            }
        }
    }
}

impl Modify for AuthJwtSecurity {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_schemes_from_iter(self.schemes());
    }
}

fn csrf_methods(config: &AuthJwtConfig) -> String {
    let methods: Vec<&str> = config
        .settings()
        .csrf_methods
        .iter()
        .map(|method| method.as_str())
        .collect();
    methods.join(", ")
}

/// The operations of a path item, with their methods.
fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("PUT", item.put.as_mut()),
        ("POST", item.post.as_mut()),
        ("DELETE", item.delete.as_mut()),
        ("OPTIONS", item.options.as_mut()),
        ("HEAD", item.head.as_mut()),
        ("PATCH", item.patch.as_mut()),
        ("TRACE", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|operation| (method, operation)))
}
