//! `GET /.well-known/jwks.json` through `authjwt_axum::jwks::jwk_set`: the configuration's
//! current public keys, cacheable for five minutes.

use authjwt_axum::authjwt::{Algorithm, Key};
use authjwt_axum::{AuthJwtConfig, jwks};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../authjwt/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).expect("the fixture exists")
}

async fn get_jwks(config: &AuthJwtConfig) -> (StatusCode, Vec<(String, String)>, Value) {
    let app: Router = Router::new()
        .route("/.well-known/jwks.json", get(jwks::jwk_set))
        .with_state(config.clone());
    let response = app
        .oneshot(
            Request::get("/.well-known/jwks.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let headers = ["content-type", "cache-control"]
        .into_iter()
        .map(|name| {
            let value = response.headers()[name].to_str().unwrap().to_owned();
            (name.to_owned(), value)
        })
        .collect();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn the_handler_serves_the_current_jwk_set_with_cache_control() {
    let ec = Key::private_pem("ec", Algorithm::ES256, fixture("ec256_private.pem"));
    let ed = Key::private_pem("ed", Algorithm::EdDSA, fixture("ed25519_private.pem"));
    let config = AuthJwtConfig::builder()
        .key_set([ec.clone().signing(true)])
        .build()
        .unwrap();
    let (status, headers, body) = get_jwks(&config).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers,
        [
            (
                "content-type".to_owned(),
                "application/jwk-set+json".to_owned()
            ),
            ("cache-control".to_owned(), "public, max-age=300".to_owned()),
        ]
    );
    assert_eq!(body, config.jwk_set());
    assert_eq!(body["keys"][0]["kid"], "ec");

    config.replace_keys([ec, ed.signing(true)]).unwrap();
    let (_, _, body) = get_jwks(&config).await;
    let kids: Vec<&str> = body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|jwk| jwk["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["ec", "ed"]);
}

#[tokio::test]
async fn an_hmac_configuration_serves_an_empty_set() {
    let config = AuthJwtConfig::builder()
        .secret_key("authjwt-axum-jwks-secret-of-at-least-32-bytes")
        .build()
        .unwrap();
    let (status, _, body) = get_jwks(&config).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"keys": []})));
}
