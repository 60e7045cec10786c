//! `GET /openapi.json`: the demo's OpenAPI 3.1 document, with authjwt's security schemes on
//! the routes that need a token.

use authjwt::AuthJwtConfig;
use authjwt_axum::openapi::AuthJwtSecurity;
use authjwt_axum::openapi::utoipa::Modify;
use authjwt_axum::openapi::utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItemBuilder};
use authjwt_axum::openapi::utoipa::openapi::{
    InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, ResponseBuilder,
};

/// What a route requires, for its security requirements.
#[derive(Clone, Copy)]
enum Guard {
    None,
    Access,
    Optional,
    Refresh,
}

/// The routes of the contract (the minting routes excepted), their methods, summaries and
/// guards.
const ROUTES: &[(&str, &[HttpMethod], &str, Guard)] = &[
    (
        "/public",
        &[HttpMethod::Get],
        "No token needed",
        Guard::None,
    ),
    (
        "/login",
        &[HttpMethod::Post],
        "Log in: an access and a refresh token",
        Guard::None,
    ),
    (
        "/fresh-login",
        &[HttpMethod::Post],
        "Log in again: a fresh access token",
        Guard::None,
    ),
    (
        "/refresh",
        &[HttpMethod::Get, HttpMethod::Post],
        "A new access token",
        Guard::Refresh,
    ),
    (
        "/protected",
        ALL,
        "The access token's subject",
        Guard::Access,
    ),
    (
        "/optional",
        ALL,
        "The subject, if an access token is sent",
        Guard::Optional,
    ),
    (
        "/fresh",
        ALL,
        "The subject of a fresh access token",
        Guard::Access,
    ),
    (
        "/claims",
        &[HttpMethod::Get],
        "The access token's claims",
        Guard::Access,
    ),
    (
        "/headers",
        &[HttpMethod::Get],
        "The access token's JOSE header",
        Guard::Access,
    ),
    (
        "/access-revoke",
        &[HttpMethod::Delete],
        "Revoke the access token",
        Guard::Access,
    ),
    (
        "/refresh-revoke",
        &[HttpMethod::Delete],
        "Revoke the refresh token",
        Guard::Refresh,
    ),
    (
        "/logout",
        &[HttpMethod::Delete],
        "Delete the token cookies",
        Guard::None,
    ),
    (
        "/admin",
        &[HttpMethod::Get],
        "Needs the `admin` scope",
        Guard::Access,
    ),
    (
        "/openapi.json",
        &[HttpMethod::Get],
        "This document",
        Guard::None,
    ),
];

const ALL: &[HttpMethod] = &[
    HttpMethod::Get,
    HttpMethod::Post,
    HttpMethod::Put,
    HttpMethod::Patch,
    HttpMethod::Delete,
];

/// The document for `config`'s token locations.
pub(crate) fn document(config: &AuthJwtConfig) -> OpenApi {
    let mut paths = PathsBuilder::new();
    for (path, methods, summary, guard) in ROUTES {
        let mut item = PathItemBuilder::new();
        for method in methods.iter() {
            let mut operation = OperationBuilder::new()
                .summary(Some(*summary))
                .response("200", ResponseBuilder::new().description("Success"));
            if !matches!(guard, Guard::None) {
                operation = operation
                    .response("401", ResponseBuilder::new().description("No valid token"))
                    .response(
                        "422",
                        ResponseBuilder::new().description("A malformed token"),
                    );
            }
            item = item.operation(method.clone(), operation.build());
        }
        paths = paths.path(*path, item.build());
    }
    let mut openapi = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("authjwt demo")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(paths)
        .build();
    let security = AuthJwtSecurity::new(config);
    security.modify(&mut openapi);
    for (path, _, _, guard) in ROUTES {
        match guard {
            Guard::None => {}
            Guard::Access => security.protect(&mut openapi, path),
            Guard::Optional => security.protect_optional(&mut openapi, path),
            Guard::Refresh => security.protect_refresh(&mut openapi, path),
        }
    }
    openapi
}
