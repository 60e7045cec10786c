//! The demo's routes beyond the original (the contract's "Beyond the original" section):
//! `GET /admin`, `GET /openapi.json`, the document validated against the OpenAPI 3.1 schema
//! by an established validator (Python's `openapi-spec-validator`), and `GET /app` (in a real
//! browser in `tests/browser`).

mod common;

use std::process::Command;

use authjwt::TokenLocation;
use common::{Req, app, both_builder, builder, cookie_builder};
use serde_json::{Value, json};

#[tokio::test]
async fn admin_needs_the_admin_scope() {
    let (config, app) = app(builder());
    let admin = config
        .access_token("test")
        .claim("scope", "read admin")
        .encode()
        .expect("signed");
    Req::get("/admin")
        .bearer(&admin)
        .send(&app)
        .await
        .expect_user(json!("test"));
    let reader = config
        .access_token("test")
        .claim("scope", ["read"])
        .encode()
        .expect("signed");
    Req::get("/admin")
        .bearer(&reader)
        .send(&app)
        .await
        .expect(403, "Missing required scope: admin");
    let without = config.create_access_token("test").expect("signed");
    Req::get("/admin")
        .bearer(&without)
        .send(&app)
        .await
        .expect(403, "Missing required scope: admin");
    Req::get("/admin")
        .send(&app)
        .await
        .expect(401, "Missing Authorization Header");
}

#[tokio::test]
async fn the_app_page_needs_no_token_and_is_told_the_configured_csrf_names() {
    let (_, app) = app(cookie_builder()
        .access_csrf_cookie_key("csrf-access")
        .refresh_csrf_cookie_key("csrf-refresh")
        .access_csrf_header_name("X-Access-CSRF")
        .refresh_csrf_header_name("X-Refresh-CSRF"));
    let answer = Req::get("/app").send(&app).await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(answer.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        answer.headers["content-security-policy"],
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
         connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    );
    let page = String::from_utf8(answer.body).expect("UTF-8");
    assert!(page.starts_with("<!doctype html>"));
    assert!(
        page.contains(
            r#"<script type="application/json" id="authjwt-config">{"accessCsrfCookie":"csrf-access","refreshCsrfCookie":"csrf-refresh","accessCsrfHeader":"X-Access-CSRF","refreshCsrfHeader":"X-Refresh-CSRF"}</script>"#
        ),
        "{page}"
    );
}

async fn document(builder: authjwt::AuthJwtConfigBuilder) -> Value {
    let (_, app) = app(builder);
    let answer = Req::get("/openapi.json").send(&app).await;
    assert_eq!(answer.status.as_u16(), 200);
    answer.json()
}

#[tokio::test]
async fn the_document_names_the_schemes_of_the_configured_locations() {
    let headers = document(builder()).await;
    assert_eq!(headers["openapi"], json!("3.1.0"));
    let schemes = headers["components"]["securitySchemes"]
        .as_object()
        .expect("schemes");
    assert_eq!(schemes.keys().collect::<Vec<_>>(), ["authjwt_bearer"]);
    assert_eq!(
        headers["components"]["securitySchemes"]["authjwt_bearer"],
        json!({ "type": "http", "scheme": "bearer", "bearerFormat": "JWT" })
    );
    assert_eq!(
        headers["paths"]["/protected"]["get"]["security"],
        json!([{ "authjwt_bearer": [] }])
    );
    assert_eq!(
        headers["paths"]["/optional"]["get"]["security"],
        json!([{ "authjwt_bearer": [] }, {}])
    );
    assert_eq!(headers["paths"]["/public"]["get"].get("security"), None);

    let both = document(both_builder()).await;
    assert_eq!(
        both["paths"]["/protected"]["get"]["security"],
        json!([{ "authjwt_bearer": [] }, { "authjwt_cookie": [] }])
    );
    assert_eq!(
        both["paths"]["/protected"]["post"]["security"],
        json!([{ "authjwt_bearer": [] }, { "authjwt_cookie": [], "authjwt_csrf": [] }])
    );
    assert_eq!(
        both["paths"]["/refresh"]["post"]["security"],
        json!([{ "authjwt_bearer": [] }, { "authjwt_refresh_cookie": [], "authjwt_refresh_csrf": [] }])
    );
    assert_eq!(
        both["components"]["securitySchemes"]["authjwt_cookie"],
        json!({ "type": "apiKey", "in": "cookie", "name": "access_token_cookie", "description": "the access token, HttpOnly" })
    );

    let query = document(builder().token_location([TokenLocation::Query])).await;
    assert_eq!(
        query["components"]["securitySchemes"]["authjwt_query"]["in"],
        json!("query")
    );
}

/// The Python that has `openapi_spec_validator`: `OPENAPI_VALIDATOR_PYTHON`, else `python3`.
fn validator_python() -> Option<String> {
    let python = std::env::var("OPENAPI_VALIDATOR_PYTHON").unwrap_or_else(|_| "python3".into());
    let found = Command::new(&python)
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|output| output.status.success());
    found.then_some(python)
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let Some(python) = validator_python() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: openapi-spec-validator must be installed (set OPENAPI_VALIDATOR_PYTHON)"
        );
        eprintln!(
            "skipped: no Python with openapi-spec-validator (pip install openapi-spec-validator; \
             OPENAPI_VALIDATOR_PYTHON names its python)"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("authjwt-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    for (name, builder) in [
        ("headers", builder()),
        ("both", both_builder()),
        (
            "query",
            builder().token_location([TokenLocation::Query, TokenLocation::Cookies]),
        ),
    ] {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, document(builder).await.to_string()).expect("written");
        let output = Command::new(&python)
            .args(["-m", "openapi_spec_validator", "--schema", "3.1.0"])
            .arg(&path)
            .output()
            .expect("the validator runs");
        assert!(
            output.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The validator can fail: a document missing its required `info` is refused.
    let broken = dir.join("broken.json");
    std::fs::write(&broken, r#"{"openapi": "3.1.0", "paths": {}}"#).expect("written");
    let output = Command::new(&python)
        .args(["-m", "openapi_spec_validator", "--schema", "3.1.0"])
        .arg(&broken)
        .output()
        .expect("the validator runs");
    assert!(!output.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
