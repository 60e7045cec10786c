//! The original's `tests/test_headers.py`, the header-value table of spec §5.1, and the
//! header deviations of this port.

mod common;

use axum::Router;
use common::{
    bearer, build, builder, get_with, header_app, literal_builder, request, request_with_bytes,
    send,
};
use serde_json::json;

fn app() -> (Router, authjwt_axum::AuthJwtConfig) {
    let config = build(builder());
    (header_app(config.clone()), config)
}

const BAD_BEARER: &str = "Bad Authorization header. Expected value 'Bearer <JWT>'";

#[tokio::test]
async fn header_without_jwt() {
    let (app, _) = app();
    for value in ["Bearer", "Bearer "] {
        get_with(&app, "/protected", &[("Authorization", value)])
            .await
            .assert_detail(422, BAD_BEARER);
    }
}

#[tokio::test]
async fn header_without_bearer() {
    let (app, _) = app();
    for value in ["Test asd", "Test "] {
        get_with(&app, "/protected", &[("Authorization", value)])
            .await
            .assert_detail(422, BAD_BEARER);
    }
}

#[tokio::test]
async fn header_invalid_jwt() {
    let (app, _) = app();
    get_with(&app, "/protected", &[("Authorization", "Bearer asd")])
        .await
        .assert_detail(422, "Not enough segments");
}

#[tokio::test]
async fn valid_header() {
    let (app, config) = app();
    let token = config.create_access_token("test").unwrap();
    get_with(&app, "/protected", &[("Authorization", &bearer(&token))])
        .await
        .assert(200, &json!({ "hello": "world" }));
}

#[tokio::test]
async fn jwt_custom_headers() {
    let (app, config) = app();
    let access = config
        .access_token(1)
        .header("access", "bar")
        .encode()
        .unwrap();
    let refresh = config
        .refresh_token(2)
        .header("refresh", "foo")
        .encode()
        .unwrap();

    get_with(&app, &format!("/headers-of?token={access}"), &[])
        .await
        .assert(
            200,
            &json!({ "typ": "JWT", "alg": "HS256", "access": "bar" }),
        );
    get_with(&app, &format!("/headers-of?token={refresh}"), &[])
        .await
        .assert(
            200,
            &json!({ "typ": "JWT", "alg": "HS256", "refresh": "foo" }),
        );
}

#[tokio::test]
async fn get_jwt_headers_from_request() {
    let (app, config) = app();
    let access = config
        .access_token(1)
        .header("access", "bar")
        .encode()
        .unwrap();
    let refresh = config
        .refresh_token(2)
        .header("refresh", "foo")
        .encode()
        .unwrap();

    get_with(
        &app,
        "/get_headers_access",
        &[("Authorization", &bearer(&access))],
    )
    .await
    .assert(
        200,
        &json!({ "typ": "JWT", "alg": "HS256", "access": "bar" }),
    );
    get_with(
        &app,
        "/get_headers_refresh",
        &[("Authorization", &bearer(&refresh))],
    )
    .await
    .assert(
        200,
        &json!({ "typ": "JWT", "alg": "HS256", "refresh": "foo" }),
    );

    // Each route still checks the token type before answering.
    get_with(
        &app,
        "/get_headers_access",
        &[("Authorization", &bearer(&refresh))],
    )
    .await
    .assert_detail(422, "Only access tokens are allowed");
    get_with(
        &app,
        "/get_headers_refresh",
        &[("Authorization", &bearer(&access))],
    )
    .await
    .assert_detail(422, "Only refresh tokens are allowed");
}

#[tokio::test]
async fn custom_header_name() {
    let config = build(literal_builder().header_name("Foo"));
    let app = header_app(config.clone());
    let token = config.create_access_token(1).unwrap();

    // The default header no longer works.
    get_with(&app, "/protected", &[("Authorization", &bearer(&token))])
        .await
        .assert_detail(401, "Missing Foo Header");
    // The new one does, whatever its case.
    get_with(&app, "/protected", &[("Foo", &bearer(&token))])
        .await
        .assert(200, &json!({ "hello": "world" }));
    get_with(&app, "/protected", &[("foo", &bearer(&token))])
        .await
        .assert(200, &json!({ "hello": "world" }));
    // Invalid values name the custom header.
    get_with(&app, "/protected", &[("Foo", "Bearer test test")])
        .await
        .assert_detail(422, "Bad Foo header. Expected value 'Bearer <JWT>'");
}

#[tokio::test]
async fn custom_header_type() {
    let config = build(literal_builder().header_type("JWT"));
    let app = header_app(config.clone());
    let token = config.create_access_token(1).unwrap();

    get_with(&app, "/protected", &[("Authorization", &bearer(&token))])
        .await
        .assert_detail(422, "Bad Authorization header. Expected value 'JWT <JWT>'");
    get_with(
        &app,
        "/protected",
        &[("Authorization", &format!("JWT {token}"))],
    )
    .await
    .assert(200, &json!({ "hello": "world" }));

    // Then no type at all: the header holds the bare token.
    let app = header_app(build(literal_builder().no_header_type()));
    get_with(
        &app,
        "/protected",
        &[("Authorization", &format!("JWT {token}"))],
    )
    .await
    .assert_detail(422, "Bad Authorization header. Expected value '<JWT>'");
    get_with(&app, "/protected", &[("Authorization", &token)])
        .await
        .assert(200, &json!({ "hello": "world" }));
}

/// Spec §5.1's table of probed header values, under the defaults.
#[tokio::test]
async fn header_value_table() {
    let (app, config) = app();
    let t = config.create_access_token("test").unwrap();
    let ok = json!({ "hello": "world" });
    let bad = json!({ "detail": BAD_BEARER });
    let cases: [(String, u16, &serde_json::Value); 12] = [
        (format!("Bearer {t}"), 200, &ok),
        (format!("Bearer  {t}"), 200, &ok),
        (format!("Bearer\t{t}"), 200, &ok),
        (format!("Bearer {t} "), 200, &ok),
        (format!("bearer {t}"), 422, &bad),
        ("Bearer".to_owned(), 422, &bad),
        ("Bearer ".to_owned(), 422, &bad),
        ("Bearer a b".to_owned(), 422, &bad),
        (format!("JWT {t}"), 422, &bad),
        (format!("Bearerx {t}"), 422, &bad),
        (format!("BEARER {t}"), 422, &bad),
        ("Test asd".to_owned(), 422, &bad),
    ];
    for (value, status, body) in &cases {
        let answer = get_with(&app, "/protected", &[("Authorization", value)]).await;
        assert_eq!((answer.status, &answer.body), (*status, *body), "{value:?}");
    }
    // An empty value is no header at all.
    get_with(&app, "/protected", &[("Authorization", "")])
        .await
        .assert_detail(401, "Missing Authorization Header");
}

#[tokio::test]
async fn header_type_none_table() {
    let config = build(builder().no_header_type());
    let app = header_app(config.clone());
    let t = config.create_access_token("test").unwrap();
    let bad = "Bad Authorization header. Expected value '<JWT>'";

    get_with(&app, "/protected", &[("Authorization", &t)])
        .await
        .assert(200, &json!({ "hello": "world" }));
    get_with(
        &app,
        "/protected",
        &[("Authorization", &format!("  {t}  "))],
    )
    .await
    .assert(200, &json!({ "hello": "world" }));
    for value in [bearer(&t), "a b".to_owned(), format!("{t} {t}")] {
        get_with(&app, "/protected", &[("Authorization", &value)])
            .await
            .assert_detail(422, bad);
    }
    get_with(&app, "/protected", &[("Authorization", "")])
        .await
        .assert_detail(401, "Missing Authorization Header");
    get_with(&app, "/protected", &[])
        .await
        .assert_detail(401, "Missing Authorization Header");
}

/// The original matched the type as an unescaped regex (`B.arer` matched `Bxarer`); here the
/// comparison is literal.
#[tokio::test]
async fn header_type_is_compared_literally() {
    let config = build(builder().header_type("B.arer"));
    let app = header_app(config.clone());
    let t = config.create_access_token("test").unwrap();

    get_with(
        &app,
        "/protected",
        &[("Authorization", &format!("Bxarer {t}"))],
    )
    .await
    .assert_detail(
        422,
        "Bad Authorization header. Expected value 'B.arer <JWT>'",
    );
    get_with(
        &app,
        "/protected",
        &[("Authorization", &format!("B.arer {t}"))],
    )
    .await
    .assert(200, &json!({ "hello": "world" }));
}

/// The original failed every handler with 422 on a malformed header, even one that never
/// asked for a token; here only protect functions read the header.
#[tokio::test]
async fn malformed_header_does_not_break_unprotected_handlers() {
    let (app, _) = app();
    for value in ["Basic abc", "Bearer", "Bearer a b"] {
        get_with(&app, "/noop", &[("Authorization", value)])
            .await
            .assert(200, &json!({ "msg": "ok" }));
        get_with(&app, "/protected", &[("Authorization", value)])
            .await
            .assert_detail(422, BAD_BEARER);
    }
}

/// Two `Authorization` headers are ambiguous: refused with the bad-header 422, even when
/// both hold valid tokens.
#[tokio::test]
async fn two_authorization_headers_are_refused() {
    let (app, config) = app();
    let first = bearer(&config.create_access_token("first").unwrap());
    let second = bearer(&config.create_access_token("second").unwrap());
    let answer = send(
        &app,
        request(
            "GET",
            "/protected",
            &[("Authorization", &first), ("Authorization", &second)],
        ),
    )
    .await;
    answer.assert_detail(422, BAD_BEARER);
    // ... but not by a handler that never asks for a token.
    send(
        &app,
        request(
            "GET",
            "/noop",
            &[("Authorization", &first), ("Authorization", &second)],
        ),
    )
    .await
    .assert(200, &json!({ "msg": "ok" }));
}

/// A value that is not ASCII is a bad header.
#[tokio::test]
async fn non_ascii_header_value_is_a_bad_header() {
    let (app, config) = app();
    let token = config.create_access_token("test").unwrap();
    let mut value = b"Bearer ".to_vec();
    value.extend_from_slice(token.as_bytes());
    value.push(0xe9);
    send(
        &app,
        request_with_bytes("GET", "/protected", "Authorization", &value),
    )
    .await
    .assert_detail(422, BAD_BEARER);
    send(
        &app,
        request_with_bytes("GET", "/protected", "Authorization", b"Bearer \xe9"),
    )
    .await
    .assert_detail(422, BAD_BEARER);
}

/// Header names are case-insensitive.
#[tokio::test]
async fn header_name_is_case_insensitive() {
    let (app, config) = app();
    let token = config.create_access_token("test").unwrap();
    for name in ["authorization", "AUTHORIZATION", "Authorization"] {
        get_with(&app, "/protected", &[(name, &bearer(&token))])
            .await
            .assert(200, &json!({ "hello": "world" }));
    }
}

/// Errors are JSON: `{"detail": ...}` with `application/json`.
#[tokio::test]
async fn errors_are_json_details() {
    let (app, _) = app();
    let answer = get_with(&app, "/protected", &[]).await;
    answer.assert_detail(401, "Missing Authorization Header");
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
}
