//! Configuration: the original's defaults (spec §2.2), each setting's validation through the
//! builder, serde and the environment, and key parsing.

mod common;

use std::ffi::OsString;
use std::time::Duration;

use authjwt::{
    Algorithm, AuthJwtConfig, AuthJwtConfigBuilder, ConfigError, CreateTokenError, HttpMethod,
    Requirement, SameSite, TokenLocation, TokenType, revocation::MemoryStore,
};
use common::{NOW, SECRET, builder, failure, fixed_clock, fixture, fixture_path};
use serde_json::{Value, json};

fn from_json(value: Value) -> Result<AuthJwtConfig, ConfigError> {
    serde_json::from_value::<AuthJwtConfigBuilder>(value)
        .expect("serde accepts the settings")
        .clock(fixed_clock())
        .build()
}

/// The message serde refuses `value` with. `from_value` errors carry no position.
fn serde_refusal(value: Value) -> String {
    serde_json::from_value::<AuthJwtConfigBuilder>(value)
        .expect_err("serde should refuse the settings")
        .to_string()
}

fn from_env(vars: &[(&str, &str)]) -> Result<AuthJwtConfig, ConfigError> {
    AuthJwtConfig::builder()
        .clock(fixed_clock())
        .apply_env(vars.iter().copied())?
        .build()
}

fn env_refusal(vars: &[(&str, &str)]) -> ConfigError {
    AuthJwtConfig::builder()
        .apply_env(vars.iter().copied())
        .expect_err("the environment should be refused")
}

fn invalid(setting: &'static str, message: &str) -> ConfigError {
    ConfigError::InvalidValue {
        setting,
        message: message.to_owned(),
    }
}

fn invalid_key(setting: &'static str, message: &str) -> ConfigError {
    ConfigError::InvalidKey {
        setting,
        message: message.to_owned(),
    }
}

const MIN_LENGTH: &str = "ensure this value has at least 1 characters";

/// A token made by `signer` verifies under `verifier`.
async fn round_trip(signer: &AuthJwtConfig, verifier: &AuthJwtConfig) {
    let token = signer
        .access_token("alice")
        .fresh(true)
        .encode()
        .expect("the signer has a signing key");
    let verified = verifier
        .verify(&token, Requirement::FreshAccess)
        .await
        .expect("the verifier accepts the signer's token");
    assert_eq!(
        verified.claims().subject().map(ToString::to_string),
        Some("alice".to_owned())
    );
}

// ---------------------------------------------------------------------------------------------
// Defaults (test_default_config)
// ---------------------------------------------------------------------------------------------

#[test]
fn every_default_is_the_originals() {
    let config = AuthJwtConfig::builder()
        .secret_key(SECRET)
        .build()
        .expect("a secret is all the defaults need");
    let settings = config.settings();

    assert_eq!(settings.token_location, [TokenLocation::Headers]);
    assert_eq!(settings.algorithm, Algorithm::HS256);
    assert_eq!(settings.decode_algorithms, None);
    assert_eq!(settings.effective_decode_algorithms(), [Algorithm::HS256]);
    assert_eq!(settings.decode_leeway, Duration::ZERO);
    assert_eq!(settings.encode_issuer, None);
    assert_eq!(settings.decode_issuer, None);
    assert_eq!(settings.decode_audience, None);
    assert_eq!(
        settings.access_token_expires,
        Some(Duration::from_secs(900))
    );
    assert_eq!(
        settings.refresh_token_expires,
        Some(Duration::from_secs(2_592_000))
    );
    assert!(!settings.denylist_enabled);
    assert_eq!(
        settings.denylist_token_checks,
        [TokenType::Access, TokenType::Refresh]
    );
    assert_eq!(settings.header_name, "Authorization");
    assert_eq!(settings.header_type.as_deref(), Some("Bearer"));
    assert_eq!(settings.access_cookie_key, "access_token_cookie");
    assert_eq!(settings.refresh_cookie_key, "refresh_token_cookie");
    assert_eq!(settings.access_cookie_path, "/");
    assert_eq!(settings.refresh_cookie_path, "/");
    assert_eq!(settings.cookie_max_age, None);
    assert_eq!(settings.cookie_domain, None);
    assert!(!settings.cookie_secure);
    assert_eq!(settings.cookie_samesite, None);
    assert!(settings.cookie_csrf_protect);
    assert_eq!(settings.access_csrf_cookie_key, "csrf_access_token");
    assert_eq!(settings.refresh_csrf_cookie_key, "csrf_refresh_token");
    assert_eq!(settings.access_csrf_cookie_path, "/");
    assert_eq!(settings.refresh_csrf_cookie_path, "/");
    assert_eq!(settings.access_csrf_header_name, "X-CSRF-Token");
    assert_eq!(settings.refresh_csrf_header_name, "X-CSRF-Token");
    assert_eq!(
        settings.csrf_methods,
        [
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Patch,
            HttpMethod::Delete
        ]
    );
    assert!(!settings.allow_weak_secret);
    assert_eq!(settings.max_token_size, 8192);
    assert_eq!(settings.verified_token_cache, 0);

    assert!(config.revocation_store().is_none());
    assert!(!settings.csrf_in_tokens());
    assert!(!settings.checks_denylist(TokenType::Access));
    assert!(!settings.checks_denylist(TokenType::Refresh));
    assert!(settings.is_csrf_method("POST"));
    assert!(!settings.is_csrf_method("GET"));
    assert!(!settings.has_location(TokenLocation::Cookies));
}

#[test]
fn serde_and_the_environment_start_from_the_same_defaults_as_the_builder() {
    let built = format!("{:?}", builder().build().expect("valid").settings());
    let from_serde = format!(
        "{:?}",
        from_json(json!({ "authjwt_secret_key": SECRET }))
            .expect("valid")
            .settings()
    );
    let from_environment = format!(
        "{:?}",
        from_env(&[("AUTHJWT_SECRET_KEY", SECRET)])
            .expect("valid")
            .settings()
    );
    assert_eq!(from_serde, built);
    assert_eq!(from_environment, built);
}

#[test]
fn the_system_clock_is_the_default_clock() {
    let config = AuthJwtConfig::builder()
        .secret_key(SECRET)
        .build()
        .expect("valid");
    // Far from the fixed test instant: this is the real time, not a default of zero.
    assert!(config.clock().now() > NOW);
}

// ---------------------------------------------------------------------------------------------
// A fully custom configuration (first half of test_load_env_from_outside)
// ---------------------------------------------------------------------------------------------

fn assert_custom_settings(config: &AuthJwtConfig) {
    let settings = config.settings();
    assert_eq!(settings.token_location, [TokenLocation::Cookies]);
    assert_eq!(settings.algorithm, Algorithm::HS512);
    assert_eq!(
        settings.decode_algorithms,
        Some(vec![Algorithm::HS512, Algorithm::HS256])
    );
    assert_eq!(settings.decode_leeway, Duration::from_secs(2));
    assert_eq!(settings.encode_issuer.as_deref(), Some("urn:foo"));
    assert_eq!(settings.decode_issuer.as_deref(), Some("urn:foo"));
    assert_eq!(
        settings.decode_audience,
        Some(vec!["foo".to_owned(), "bar".to_owned()])
    );
    assert_eq!(settings.access_token_expires, None);
    assert_eq!(
        settings.refresh_token_expires,
        Some(Duration::from_secs(60))
    );
    assert!(settings.denylist_enabled);
    assert_eq!(settings.denylist_token_checks, [TokenType::Refresh]);
    assert_eq!(settings.header_name, "Foo");
    assert_eq!(settings.header_type, None);
    assert_eq!(settings.access_cookie_key, "access_cookie");
    assert_eq!(settings.refresh_cookie_key, "refresh_cookie");
    assert_eq!(settings.access_cookie_path, "/access");
    assert_eq!(settings.refresh_cookie_path, "/refresh");
    assert_eq!(settings.cookie_max_age, Some(Duration::from_secs(90)));
    assert_eq!(settings.cookie_domain.as_deref(), Some("example.com"));
    assert!(settings.cookie_secure);
    assert_eq!(settings.cookie_samesite, Some(SameSite::None));
    assert!(!settings.cookie_csrf_protect);
    assert_eq!(settings.access_csrf_cookie_key, "csrf_access");
    assert_eq!(settings.refresh_csrf_cookie_key, "csrf_refresh");
    assert_eq!(settings.access_csrf_cookie_path, "/access-csrf");
    assert_eq!(settings.refresh_csrf_cookie_path, "/refresh-csrf");
    assert_eq!(settings.access_csrf_header_name, "X-CSRF-Access");
    assert_eq!(settings.refresh_csrf_header_name, "X-CSRF-Refresh");
    assert_eq!(settings.csrf_methods, [HttpMethod::Post, HttpMethod::Get]);
    assert!(settings.allow_weak_secret);
    assert_eq!(settings.max_token_size, 4096);
    assert_eq!(settings.verified_token_cache, 100);
    assert!(config.revocation_store().is_some());
}

/// Every setter, generated or written by hand, sets its own setting.
#[test]
fn a_fully_custom_configuration_from_the_builder_is_stored_as_given() {
    let config = AuthJwtConfig::builder()
        .token_location([TokenLocation::Cookies])
        .secret_key("weak-but-allowed")
        .algorithm(Algorithm::HS512)
        .decode_algorithms([Algorithm::HS512, Algorithm::HS256])
        .decode_leeway(Duration::from_secs(2))
        .encode_issuer("urn:foo")
        .decode_issuer("urn:foo")
        .decode_audience(["foo", "bar"])
        .access_token_expires(None)
        .refresh_token_expires(Some(Duration::from_secs(60)))
        .denylist_enabled(true)
        .denylist_token_checks([TokenType::Refresh])
        .header_name("Foo")
        .header_type("JWT")
        .no_header_type()
        .access_cookie_key("access_cookie")
        .refresh_cookie_key("refresh_cookie")
        .access_cookie_path("/access")
        .refresh_cookie_path("/refresh")
        .cookie_max_age(Some(Duration::from_secs(90)))
        .cookie_domain("example.com")
        .cookie_secure(true)
        .cookie_samesite(Some(SameSite::None))
        .cookie_csrf_protect(false)
        .access_csrf_cookie_key("csrf_access")
        .refresh_csrf_cookie_key("csrf_refresh")
        .access_csrf_cookie_path("/access-csrf")
        .refresh_csrf_cookie_path("/refresh-csrf")
        .access_csrf_header_name("X-CSRF-Access")
        .refresh_csrf_header_name("X-CSRF-Refresh")
        .csrf_methods([HttpMethod::Post, HttpMethod::Get])
        .allow_weak_secret(true)
        .max_token_size(4096)
        .verified_token_cache(100)
        .revocation_store(MemoryStore::new())
        .build()
        .expect("the settings are valid");
    assert_custom_settings(&config);
}

#[test]
fn a_fully_custom_configuration_from_serde_is_stored_as_given() {
    let config = serde_json::from_value::<AuthJwtConfigBuilder>(json!({
        "authjwt_token_location": ["cookies"],
        "authjwt_secret_key": "weak-but-allowed",
        "authjwt_algorithm": "HS512",
        "authjwt_decode_algorithms": ["HS512", "HS256"],
        "authjwt_decode_leeway": 2,
        "authjwt_encode_issuer": "urn:foo",
        "authjwt_decode_issuer": "urn:foo",
        "authjwt_decode_audience": ["foo", "bar"],
        "authjwt_access_token_expires": false,
        "authjwt_refresh_token_expires": 60,
        "authjwt_denylist_enabled": true,
        "authjwt_denylist_token_checks": ["refresh"],
        "authjwt_header_name": "Foo",
        "authjwt_header_type": null,
        "authjwt_access_cookie_key": "access_cookie",
        "authjwt_refresh_cookie_key": "refresh_cookie",
        "authjwt_access_cookie_path": "/access",
        "authjwt_refresh_cookie_path": "/refresh",
        "authjwt_cookie_max_age": 90,
        "authjwt_cookie_domain": "example.com",
        "authjwt_cookie_secure": true,
        "authjwt_cookie_samesite": "none",
        "authjwt_cookie_csrf_protect": false,
        "authjwt_access_csrf_cookie_key": "csrf_access",
        "authjwt_refresh_csrf_cookie_key": "csrf_refresh",
        "authjwt_access_csrf_cookie_path": "/access-csrf",
        "authjwt_refresh_csrf_cookie_path": "/refresh-csrf",
        "authjwt_access_csrf_header_name": "X-CSRF-Access",
        "authjwt_refresh_csrf_header_name": "X-CSRF-Refresh",
        "authjwt_csrf_methods": ["post", "get"],
        "authjwt_allow_weak_secret": true,
        "authjwt_max_token_size": 4096,
        "authjwt_verified_token_cache": 100,
    }))
    .expect("serde accepts the settings")
    .revocation_store(MemoryStore::new())
    .build()
    .expect("the settings are valid");
    assert_custom_settings(&config);
}

#[test]
fn a_fully_custom_configuration_from_the_environment_is_stored_as_given() {
    let config = AuthJwtConfig::builder()
        .apply_env([
            ("AUTHJWT_TOKEN_LOCATION", "cookies"),
            ("AUTHJWT_SECRET_KEY", "weak-but-allowed"),
            ("AUTHJWT_ALGORITHM", "HS512"),
            ("AUTHJWT_DECODE_ALGORITHMS", "HS512,HS256"),
            ("AUTHJWT_DECODE_LEEWAY", "2"),
            ("AUTHJWT_ENCODE_ISSUER", "urn:foo"),
            ("AUTHJWT_DECODE_ISSUER", "urn:foo"),
            ("AUTHJWT_DECODE_AUDIENCE", r#"["foo","bar"]"#),
            ("AUTHJWT_ACCESS_TOKEN_EXPIRES", "false"),
            ("AUTHJWT_REFRESH_TOKEN_EXPIRES", "60"),
            ("AUTHJWT_DENYLIST_ENABLED", "true"),
            ("AUTHJWT_DENYLIST_TOKEN_CHECKS", r#"["refresh"]"#),
            ("AUTHJWT_HEADER_NAME", "Foo"),
            ("AUTHJWT_HEADER_TYPE", "none"),
            ("AUTHJWT_ACCESS_COOKIE_KEY", "access_cookie"),
            ("AUTHJWT_REFRESH_COOKIE_KEY", "refresh_cookie"),
            ("AUTHJWT_ACCESS_COOKIE_PATH", "/access"),
            ("AUTHJWT_REFRESH_COOKIE_PATH", "/refresh"),
            ("AUTHJWT_COOKIE_MAX_AGE", "90"),
            ("AUTHJWT_COOKIE_DOMAIN", "example.com"),
            ("AUTHJWT_COOKIE_SECURE", "TRUE"),
            ("AUTHJWT_COOKIE_SAMESITE", "none"),
            ("AUTHJWT_COOKIE_CSRF_PROTECT", "False"),
            ("AUTHJWT_ACCESS_CSRF_COOKIE_KEY", "csrf_access"),
            ("AUTHJWT_REFRESH_CSRF_COOKIE_KEY", "csrf_refresh"),
            ("AUTHJWT_ACCESS_CSRF_COOKIE_PATH", "/access-csrf"),
            ("AUTHJWT_REFRESH_CSRF_COOKIE_PATH", "/refresh-csrf"),
            ("AUTHJWT_ACCESS_CSRF_HEADER_NAME", "X-CSRF-Access"),
            ("AUTHJWT_REFRESH_CSRF_HEADER_NAME", "X-CSRF-Refresh"),
            ("AUTHJWT_CSRF_METHODS", "post, get"),
            ("AUTHJWT_ALLOW_WEAK_SECRET", "true"),
            ("AUTHJWT_MAX_TOKEN_SIZE", "4096"),
            ("AUTHJWT_VERIFIED_TOKEN_CACHE", "100"),
            ("PATH", "/usr/bin"),
            ("authjwt_secret_key", "lower-case names are not settings"),
        ])
        .expect("the environment is valid")
        .revocation_store(MemoryStore::new())
        .build()
        .expect("the settings are valid");
    assert_custom_settings(&config);
}

#[test]
fn serde_accepts_every_name_without_the_prefix() {
    let config = from_json(json!({
        "secret_key": SECRET,
        "token_location": ["headers", "cookies"],
        "cookie_samesite": "lax",
        "decode_audience": "foo",
        "csrf_methods": ["get"],
    }))
    .expect("valid");
    let settings = config.settings();
    assert_eq!(
        settings.token_location,
        [TokenLocation::Headers, TokenLocation::Cookies]
    );
    assert_eq!(settings.cookie_samesite, Some(SameSite::Lax));
    assert_eq!(settings.decode_audience, Some(vec!["foo".to_owned()]));
    assert_eq!(settings.csrf_methods, [HttpMethod::Get]);
}

#[test]
fn serde_refuses_unknown_settings_where_the_original_ignored_them() {
    let message = serde_refusal(json!({ "authjwt_secret": SECRET }));
    assert!(
        message.starts_with("authjwt_secret: unknown field `authjwt_secret`, expected one of "),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// Invalid values (second half of test_load_env_from_outside)
// ---------------------------------------------------------------------------------------------

#[test]
fn serde_refuses_each_invalid_value_of_the_original_suite() {
    const STRING: &str = "invalid type: integer `1`, expected a string";
    let cases: &[(&str, Value, &str)] = &[
        (
            "authjwt_token_location",
            json!(1),
            "invalid type: integer `1`, expected a sequence",
        ),
        (
            "authjwt_token_location",
            json!(["headers", "cookie"]),
            "The 'authjwt_token_location' must be between 'headers' or 'cookies'",
        ),
        ("authjwt_secret_key", json!(1), STRING),
        ("authjwt_public_key", json!(1), STRING),
        ("authjwt_private_key", json!(1), STRING),
        ("authjwt_algorithm", json!(1), STRING),
        (
            "authjwt_decode_algorithms",
            json!("test"),
            "invalid type: string \"test\", expected a sequence",
        ),
        (
            "authjwt_decode_leeway",
            json!("test"),
            "invalid type: string \"test\", expected u64",
        ),
        ("authjwt_encode_issuer", json!(1), STRING),
        ("authjwt_decode_issuer", json!(1), STRING),
        (
            "authjwt_decode_audience",
            json!(1),
            "invalid type: integer `1`, expected a string or a list of strings",
        ),
        (
            "authjwt_access_token_expires",
            json!("lol"),
            "expected a non-negative number of seconds or false",
        ),
        (
            "authjwt_access_token_expires",
            json!(true),
            "The 'authjwt_access_token_expires' only accept value False (bool)",
        ),
        (
            "authjwt_refresh_token_expires",
            json!("lol"),
            "expected a non-negative number of seconds or false",
        ),
        (
            "authjwt_refresh_token_expires",
            json!(true),
            "The 'authjwt_refresh_token_expires' only accept value False (bool)",
        ),
        (
            "authjwt_denylist_enabled",
            json!("test"),
            "invalid type: string \"test\", expected a boolean",
        ),
        (
            "authjwt_denylist_token_checks",
            json!("string"),
            "invalid type: string \"string\", expected a sequence",
        ),
        (
            "authjwt_denylist_token_checks",
            json!(["access", "refreshh"]),
            "The 'authjwt_denylist_token_checks' must be between 'access' or 'refresh'",
        ),
        ("authjwt_header_name", json!(1), STRING),
        ("authjwt_header_type", json!(1), STRING),
        ("authjwt_access_cookie_key", json!(1), STRING),
        ("authjwt_refresh_cookie_key", json!(1), STRING),
        ("authjwt_access_cookie_path", json!(1), STRING),
        ("authjwt_refresh_cookie_path", json!(1), STRING),
        (
            "authjwt_cookie_max_age",
            json!("string"),
            "invalid type: string \"string\", expected u64",
        ),
        ("authjwt_cookie_domain", json!(1), STRING),
        (
            "authjwt_cookie_secure",
            json!("string"),
            "invalid type: string \"string\", expected a boolean",
        ),
        ("authjwt_cookie_samesite", json!(1), STRING),
        (
            "authjwt_cookie_samesite",
            json!("laxx"),
            "The 'authjwt_cookie_samesite' must be between 'strict', 'lax', 'none'",
        ),
        (
            "authjwt_cookie_csrf_protect",
            json!(1),
            "invalid type: integer `1`, expected a boolean",
        ),
        ("authjwt_access_csrf_cookie_key", json!(1), STRING),
        ("authjwt_refresh_csrf_cookie_key", json!(1), STRING),
        ("authjwt_access_csrf_cookie_path", json!(1), STRING),
        ("authjwt_refresh_csrf_cookie_path", json!(1), STRING),
        ("authjwt_access_csrf_header_name", json!(1), STRING),
        ("authjwt_refresh_csrf_header_name", json!(1), STRING),
        ("authjwt_csrf_methods", json!([1, 2, 3]), STRING),
        (
            "authjwt_csrf_methods",
            json!(["posts"]),
            "The 'authjwt_csrf_methods' must be between http request methods",
        ),
    ];
    for (setting, value, expected) in cases {
        let message = serde_refusal(json!({ *setting: value }));
        assert_eq!(
            message,
            format!("{setting}: {expected}"),
            "{setting} = {value}"
        );
    }
}

#[test]
fn serde_refuses_values_the_original_let_through_to_fail_later() {
    let cases: &[(&str, Value, &str)] = &[
        (
            "authjwt_algorithm",
            json!(null),
            "invalid type: null, expected a string",
        ),
        (
            "authjwt_algorithm",
            json!("none"),
            "Algorithm none could not be found",
        ),
        (
            "authjwt_algorithm",
            json!("hs256"),
            "Algorithm hs256 could not be found",
        ),
        (
            "authjwt_algorithm",
            json!("test"),
            "Algorithm test could not be found",
        ),
        (
            "authjwt_decode_algorithms",
            json!(["HS256", "none"]),
            "Algorithm none could not be found",
        ),
        (
            "authjwt_token_location",
            json!(null),
            "invalid type: null, expected a sequence",
        ),
        (
            "authjwt_token_location",
            json!("headers"),
            "invalid type: string \"headers\", expected a sequence",
        ),
        (
            "authjwt_cookie_samesite",
            json!("Lax"),
            "The 'authjwt_cookie_samesite' must be between 'strict', 'lax', 'none'",
        ),
        (
            "authjwt_csrf_methods",
            json!(["OPTIONS"]),
            "The 'authjwt_csrf_methods' must be between http request methods",
        ),
        (
            "authjwt_cookie_max_age",
            json!(true),
            "invalid type: boolean `true`, expected u64",
        ),
        (
            "authjwt_access_token_expires",
            json!(-1),
            "expected a non-negative number of seconds or false",
        ),
        // The original accepted a float through timedelta coercion.
        (
            "authjwt_access_token_expires",
            json!(1.5),
            "expected a non-negative number of seconds or false",
        ),
        (
            "authjwt_decode_leeway",
            json!(-1),
            "invalid value: integer `-1`, expected u64",
        ),
        (
            "authjwt_max_token_size",
            json!("big"),
            "invalid type: string \"big\", expected usize",
        ),
        (
            "authjwt_verified_token_cache",
            json!(-1),
            "invalid value: integer `-1`, expected usize",
        ),
    ];
    for (setting, value, expected) in cases {
        let message = serde_refusal(json!({ *setting: value }));
        assert_eq!(
            message,
            format!("{setting}: {expected}"),
            "{setting} = {value}"
        );
    }
}

#[test]
fn the_environment_refuses_each_invalid_value_of_the_original_suite_naming_the_setting() {
    let cases: &[(&str, &str, ConfigError)] = &[
        (
            "AUTHJWT_TOKEN_LOCATION",
            "1",
            invalid(
                "authjwt_token_location",
                "The 'authjwt_token_location' must be between 'headers' or 'cookies'",
            ),
        ),
        (
            "AUTHJWT_TOKEN_LOCATION",
            r#"["headers","cookie"]"#,
            invalid(
                "authjwt_token_location",
                "The 'authjwt_token_location' must be between 'headers' or 'cookies'",
            ),
        ),
        (
            "AUTHJWT_ALGORITHM",
            "test",
            invalid("authjwt_algorithm", "Algorithm test could not be found"),
        ),
        (
            "AUTHJWT_DECODE_ALGORITHMS",
            "test",
            invalid(
                "authjwt_decode_algorithms",
                "Algorithm test could not be found",
            ),
        ),
        (
            "AUTHJWT_DECODE_LEEWAY",
            "test",
            invalid(
                "authjwt_decode_leeway",
                "expected a non-negative number of seconds, got `test`",
            ),
        ),
        (
            "AUTHJWT_DECODE_AUDIENCE",
            "[1]",
            invalid(
                "authjwt_decode_audience",
                "expected a JSON array of strings: invalid type: integer `1`, expected a string \
                 at line 1 column 2",
            ),
        ),
        (
            "AUTHJWT_DENYLIST_ENABLED",
            "test",
            invalid(
                "authjwt_denylist_enabled",
                "expected true or false, got `test`",
            ),
        ),
        (
            "AUTHJWT_DENYLIST_TOKEN_CHECKS",
            "string",
            invalid(
                "authjwt_denylist_token_checks",
                "The 'authjwt_denylist_token_checks' must be between 'access' or 'refresh'",
            ),
        ),
        (
            "AUTHJWT_DENYLIST_TOKEN_CHECKS",
            "access,refreshh",
            invalid(
                "authjwt_denylist_token_checks",
                "The 'authjwt_denylist_token_checks' must be between 'access' or 'refresh'",
            ),
        ),
        (
            "AUTHJWT_ACCESS_TOKEN_EXPIRES",
            "lol",
            invalid(
                "authjwt_access_token_expires",
                "expected a non-negative number of seconds, got `lol`",
            ),
        ),
        (
            "AUTHJWT_ACCESS_TOKEN_EXPIRES",
            "true",
            invalid(
                "authjwt_access_token_expires",
                "The 'authjwt_access_token_expires' only accept value False (bool)",
            ),
        ),
        (
            "AUTHJWT_REFRESH_TOKEN_EXPIRES",
            "lol",
            invalid(
                "authjwt_refresh_token_expires",
                "expected a non-negative number of seconds, got `lol`",
            ),
        ),
        (
            "AUTHJWT_REFRESH_TOKEN_EXPIRES",
            "True",
            invalid(
                "authjwt_refresh_token_expires",
                "The 'authjwt_refresh_token_expires' only accept value False (bool)",
            ),
        ),
        (
            "AUTHJWT_COOKIE_MAX_AGE",
            "string",
            invalid(
                "authjwt_cookie_max_age",
                "expected a non-negative number of seconds, got `string`",
            ),
        ),
        (
            "AUTHJWT_COOKIE_SECURE",
            "string",
            invalid(
                "authjwt_cookie_secure",
                "expected true or false, got `string`",
            ),
        ),
        (
            "AUTHJWT_COOKIE_SAMESITE",
            "1",
            invalid(
                "authjwt_cookie_samesite",
                "The 'authjwt_cookie_samesite' must be between 'strict', 'lax', 'none'",
            ),
        ),
        (
            "AUTHJWT_COOKIE_SAMESITE",
            "laxx",
            invalid(
                "authjwt_cookie_samesite",
                "The 'authjwt_cookie_samesite' must be between 'strict', 'lax', 'none'",
            ),
        ),
        (
            "AUTHJWT_COOKIE_CSRF_PROTECT",
            "1",
            invalid(
                "authjwt_cookie_csrf_protect",
                "expected true or false, got `1`",
            ),
        ),
        (
            "AUTHJWT_CSRF_METHODS",
            "[1,2,3]",
            invalid(
                "authjwt_csrf_methods",
                "expected a JSON array of strings: invalid type: integer `1`, expected a string \
                 at line 1 column 2",
            ),
        ),
        (
            "AUTHJWT_CSRF_METHODS",
            r#"["posts"]"#,
            invalid(
                "authjwt_csrf_methods",
                "The 'authjwt_csrf_methods' must be between http request methods",
            ),
        ),
        (
            "AUTHJWT_ALLOW_WEAK_SECRET",
            "yes",
            invalid(
                "authjwt_allow_weak_secret",
                "expected true or false, got `yes`",
            ),
        ),
        (
            "AUTHJWT_MAX_TOKEN_SIZE",
            "big",
            invalid(
                "authjwt_max_token_size",
                "expected a number of bytes, got `big`",
            ),
        ),
        (
            "AUTHJWT_VERIFIED_TOKEN_CACHE",
            "many",
            invalid(
                "authjwt_verified_token_cache",
                "expected a number of tokens, got `many`",
            ),
        ),
        (
            "AUTHJWT_DECODE_LEEWAY",
            "-1",
            invalid(
                "authjwt_decode_leeway",
                "expected a non-negative number of seconds, got `-1`",
            ),
        ),
    ];
    for (name, value, expected) in cases {
        let err = env_refusal(&[(name, value)]);
        assert_eq!(err, *expected, "{name}={value}");
        assert_eq!(err.setting(), expected.setting(), "{name}={value}");
    }
}

#[test]
fn the_original_messages_are_reported_as_the_setting_and_message() {
    let err = env_refusal(&[("AUTHJWT_COOKIE_SAMESITE", "Lax")]);
    assert_eq!(err.setting(), "authjwt_cookie_samesite");
    assert_eq!(
        err.to_string(),
        "authjwt_cookie_samesite: The 'authjwt_cookie_samesite' must be between 'strict', \
         'lax', 'none'"
    );
}

#[test]
fn empty_and_whitespace_only_strings_are_refused_with_the_originals_message() {
    let settings = [
        "authjwt_secret_key",
        "authjwt_public_key",
        "authjwt_private_key",
        "authjwt_encode_issuer",
        "authjwt_decode_issuer",
        "authjwt_header_name",
        "authjwt_header_type",
        "authjwt_access_cookie_key",
        "authjwt_refresh_cookie_key",
        "authjwt_access_cookie_path",
        "authjwt_refresh_cookie_path",
        "authjwt_cookie_domain",
        "authjwt_access_csrf_cookie_key",
        "authjwt_refresh_csrf_cookie_key",
        "authjwt_access_csrf_cookie_path",
        "authjwt_refresh_csrf_cookie_path",
        "authjwt_access_csrf_header_name",
        "authjwt_refresh_csrf_header_name",
    ];
    for setting in settings {
        for blank in ["", "   "] {
            let mut value = json!({ "authjwt_secret_key": SECRET });
            value[setting] = json!(blank);
            let err = from_json(value).expect_err("a blank value is refused");
            assert_eq!(err, invalid(setting, MIN_LENGTH), "{setting} = {blank:?}");
        }
    }
    let err = from_json(json!({ "authjwt_secret_key": SECRET, "authjwt_decode_audience": [" "] }))
        .expect_err("a blank audience is refused");
    assert_eq!(err, invalid("authjwt_decode_audience", MIN_LENGTH));
}

#[test]
fn the_builder_refuses_an_empty_secret_given_as_bytes() {
    let err = builder()
        .secret_key_bytes(Vec::new())
        .build()
        .expect_err("refused");
    assert_eq!(err, invalid("authjwt_secret_key", MIN_LENGTH));
}

// ---------------------------------------------------------------------------------------------
// Whitespace, case and the spellings of "none"
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn a_padded_secret_signs_like_the_stripped_one() {
    let stripped = builder()
        .secret_key("padded")
        .allow_weak_secret(true)
        .build()
        .expect("valid");
    let padded_builder = builder().secret_key(" padded ").allow_weak_secret(true);
    let padded_serde = serde_json::from_value::<AuthJwtConfigBuilder>(json!({
        "authjwt_secret_key": " padded ",
        "authjwt_allow_weak_secret": true,
    }))
    .expect("valid")
    .clock(fixed_clock());
    let padded_env = AuthJwtConfig::builder()
        .clock(fixed_clock())
        .apply_env([
            ("AUTHJWT_SECRET_KEY", " padded\n"),
            ("AUTHJWT_ALLOW_WEAK_SECRET", "true"),
        ])
        .expect("valid");
    for padded in [padded_builder, padded_serde, padded_env] {
        let padded = padded.build().expect("valid");
        round_trip(&padded, &stripped).await;
        round_trip(&stripped, &padded).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_secret_given_as_bytes_is_used_as_given() {
    let bytes = builder()
        .secret_key_bytes(b" padded ".to_vec())
        .allow_weak_secret(true)
        .build()
        .expect("valid");
    let stripped = builder()
        .secret_key("padded")
        .allow_weak_secret(true)
        .build()
        .expect("valid");
    let token = bytes.create_access_token("alice").expect("signed");
    assert_eq!(
        failure(stripped.verify(&token, Requirement::Access).await),
        (422, "Signature verification failed".to_owned())
    );
}

#[test]
fn surrounding_whitespace_is_stripped_from_every_string_setting() {
    let config = from_json(json!({
        "authjwt_secret_key": SECRET,
        "authjwt_encode_issuer": " urn:foo ",
        "authjwt_decode_issuer": "\turn:foo\n",
        "authjwt_decode_audience": [" foo "],
        "authjwt_header_name": " Foo ",
        "authjwt_header_type": " JWT ",
        "authjwt_access_cookie_key": " access ",
        "authjwt_access_cookie_path": " /a ",
        "authjwt_cookie_domain": " example.com ",
        "authjwt_access_csrf_header_name": " X-CSRF ",
    }))
    .expect("valid");
    let settings = config.settings();
    assert_eq!(settings.encode_issuer.as_deref(), Some("urn:foo"));
    assert_eq!(settings.decode_issuer.as_deref(), Some("urn:foo"));
    assert_eq!(settings.decode_audience, Some(vec!["foo".to_owned()]));
    assert_eq!(settings.header_name, "Foo");
    assert_eq!(settings.header_type.as_deref(), Some("JWT"));
    assert_eq!(settings.access_cookie_key, "access");
    assert_eq!(settings.access_cookie_path, "/a");
    assert_eq!(settings.cookie_domain.as_deref(), Some("example.com"));
    assert_eq!(settings.access_csrf_header_name, "X-CSRF");
}

#[test]
fn csrf_methods_are_accepted_in_lower_case_and_stored_upper_case() {
    let config = from_json(json!({
        "authjwt_secret_key": SECRET,
        "authjwt_csrf_methods": ["post", "Get", "HEAD", "pUt", "delete", "patch"],
    }))
    .expect("valid");
    let methods: Vec<&str> = config
        .settings()
        .csrf_methods
        .iter()
        .map(|method| method.as_str())
        .collect();
    assert_eq!(methods, ["POST", "GET", "HEAD", "PUT", "DELETE", "PATCH"]);
    assert!(config.settings().is_csrf_method("GET"));

    let config = from_env(&[
        ("AUTHJWT_SECRET_KEY", SECRET),
        ("AUTHJWT_CSRF_METHODS", "post,get"),
    ])
    .expect("valid");
    assert_eq!(
        config.settings().csrf_methods,
        [HttpMethod::Post, HttpMethod::Get]
    );
}

#[test]
fn header_type_none_is_spelled_null_in_serde_and_none_in_the_environment() {
    for value in [json!(null), json!("none"), json!("None")] {
        let config =
            from_json(json!({ "authjwt_secret_key": SECRET, "authjwt_header_type": value }))
                .expect("valid");
        assert_eq!(config.settings().header_type, None, "{value}");
    }
    for value in ["none", "None", "NONE", " none "] {
        let config = from_env(&[
            ("AUTHJWT_SECRET_KEY", SECRET),
            ("AUTHJWT_HEADER_TYPE", value),
        ])
        .expect("valid");
        assert_eq!(config.settings().header_type, None, "{value:?}");
    }
    let config = builder().no_header_type().build().expect("valid");
    assert_eq!(config.settings().header_type, None);
    let config = from_env(&[
        ("AUTHJWT_SECRET_KEY", SECRET),
        ("AUTHJWT_HEADER_TYPE", "JWT"),
    ])
    .expect("valid");
    assert_eq!(config.settings().header_type.as_deref(), Some("JWT"));
}

#[test]
fn cookie_samesite_null_is_refused_as_the_original_refuses_none() {
    let message =
        serde_refusal(json!({ "authjwt_secret_key": SECRET, "authjwt_cookie_samesite": null }));
    assert_eq!(
        message,
        "authjwt_cookie_samesite: The 'authjwt_cookie_samesite' must be between 'strict', 'lax', 'none'"
    );
}

#[test]
fn serde_errors_name_the_setting_without_the_prefix_too() {
    assert_eq!(
        serde_refusal(json!({ "cookie_secure": "yes" })),
        "authjwt_cookie_secure: invalid type: string \"yes\", expected a boolean"
    );
    assert_eq!(
        serde_refusal(json!({ "decode_audience": 1 })),
        "authjwt_decode_audience: invalid type: integer `1`, expected a string or a list of strings"
    );
}

// ---------------------------------------------------------------------------------------------
// Environment formats
// ---------------------------------------------------------------------------------------------

#[test]
fn environment_lists_are_a_json_array_or_comma_separated() {
    for value in [
        r#"["headers","cookies"]"#,
        r#" [ "headers" , "cookies" ] "#,
        "headers,cookies",
        " headers , cookies ,",
    ] {
        let config = from_env(&[
            ("AUTHJWT_SECRET_KEY", SECRET),
            ("AUTHJWT_TOKEN_LOCATION", value),
        ])
        .expect("valid");
        assert_eq!(
            config.settings().token_location,
            [TokenLocation::Headers, TokenLocation::Cookies],
            "{value:?}"
        );
    }
}

#[test]
fn an_environment_audience_is_one_value_or_a_json_array() {
    let one = from_env(&[
        ("AUTHJWT_SECRET_KEY", SECRET),
        ("AUTHJWT_DECODE_AUDIENCE", "foo,bar"),
    ])
    .expect("valid");
    assert_eq!(
        one.settings().decode_audience,
        Some(vec!["foo,bar".to_owned()])
    );
    let many = from_env(&[
        ("AUTHJWT_SECRET_KEY", SECRET),
        ("AUTHJWT_DECODE_AUDIENCE", r#"["foo","bar"]"#),
    ])
    .expect("valid");
    assert_eq!(
        many.settings().decode_audience,
        Some(vec!["foo".to_owned(), "bar".to_owned()])
    );
}

#[test]
fn unknown_authjwt_variables_are_refused_and_others_ignored() {
    let err = env_refusal(&[("AUTHJWT_SECRET", SECRET)]);
    assert_eq!(
        err,
        ConfigError::UnknownSetting("AUTHJWT_SECRET".to_owned())
    );
    assert_eq!(err.setting(), "AUTHJWT_SECRET");
    assert_eq!(err.to_string(), "AUTHJWT_SECRET: unknown setting");

    let config = from_env(&[
        ("AUTHJWT_SECRET_KEY", SECRET),
        ("HOME", "/root"),
        ("XAUTHJWT_SECRET", "ignored"),
    ])
    .expect("variables without the prefix are not settings");
    assert_eq!(config.settings().header_name, "Authorization");
}

#[cfg(unix)]
#[test]
fn a_value_that_is_not_utf8_is_refused() {
    use std::os::unix::ffi::OsStringExt;

    let err = AuthJwtConfig::builder()
        .apply_env([(
            OsString::from("AUTHJWT_HEADER_NAME"),
            OsString::from_vec(vec![0x46, 0xff]),
        )])
        .expect_err("refused");
    assert_eq!(
        err,
        invalid("authjwt_header_name", "the value is not valid UTF-8")
    );
}

#[test]
fn environment_settings_apply_on_top_of_the_builder() {
    let config = builder()
        .header_name("Foo")
        .apply_env([("AUTHJWT_HEADER_NAME", "Bar")])
        .expect("valid")
        .build()
        .expect("valid");
    assert_eq!(config.settings().header_name, "Bar");
}

#[tokio::test(flavor = "current_thread")]
async fn key_files_are_read_from_the_environment() {
    let private_path = fixture_path("rsa_private.pem");
    let public_path = fixture_path("rsa_public.pem");
    let signer = from_env(&[
        ("AUTHJWT_ALGORITHM", "RS256"),
        (
            "AUTHJWT_PRIVATE_KEY_FILE",
            private_path.to_str().expect("UTF-8 path"),
        ),
    ])
    .expect("valid");
    let verifier = from_env(&[
        ("AUTHJWT_ALGORITHM", "RS256"),
        (
            "AUTHJWT_PUBLIC_KEY_FILE",
            public_path.to_str().expect("UTF-8 path"),
        ),
    ])
    .expect("valid");
    round_trip(&signer, &verifier).await;

    let inline = from_env(&[
        ("AUTHJWT_ALGORITHM", "RS256"),
        ("AUTHJWT_PUBLIC_KEY", &fixture("rsa_public.pem")),
    ])
    .expect("valid");
    round_trip(&signer, &inline).await;
}

#[test]
fn a_key_given_both_inline_and_as_a_file_is_refused() {
    let private_path = fixture_path("rsa_private.pem");
    let private_path = private_path.to_str().expect("UTF-8 path");
    let public_path = fixture_path("rsa_public.pem");
    let public_path = public_path.to_str().expect("UTF-8 path");
    let private_pem = fixture("rsa_private.pem");
    let public_pem = fixture("rsa_public.pem");
    let cases = [
        (
            [
                ("AUTHJWT_PRIVATE_KEY", private_pem.as_str()),
                ("AUTHJWT_PRIVATE_KEY_FILE", private_path),
            ],
            "authjwt_private_key",
        ),
        (
            [
                ("AUTHJWT_PRIVATE_KEY_FILE", private_path),
                ("AUTHJWT_PRIVATE_KEY", private_pem.as_str()),
            ],
            "authjwt_private_key",
        ),
        (
            [
                ("AUTHJWT_PUBLIC_KEY", public_pem.as_str()),
                ("AUTHJWT_PUBLIC_KEY_FILE", public_path),
            ],
            "authjwt_public_key",
        ),
    ];
    for (vars, setting) in cases {
        assert_eq!(
            env_refusal(&vars),
            invalid(setting, "given both inline and as a file; set only one"),
            "{setting}"
        );
    }
}

#[test]
fn an_unreadable_key_file_is_refused() {
    let err = env_refusal(&[("AUTHJWT_PUBLIC_KEY_FILE", "/nonexistent/key.pem")]);
    assert_eq!(
        err,
        invalid(
            "authjwt_public_key",
            "cannot read key file `/nonexistent/key.pem`: No such file or directory (os error 2)"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Deviations: what the original accepted and the port refuses at start-up
// ---------------------------------------------------------------------------------------------

#[test]
fn an_empty_or_repeated_token_location_is_refused() {
    let empty = builder().token_location([]).build().expect_err("refused");
    assert_eq!(
        empty,
        invalid(
            "authjwt_token_location",
            "at least one token location is required"
        )
    );
    let repeated = from_json(json!({
        "authjwt_secret_key": SECRET,
        "authjwt_token_location": ["headers", "cookies", "headers"],
    }))
    .expect_err("refused");
    assert_eq!(
        repeated,
        invalid(
            "authjwt_token_location",
            "a token location may be listed once"
        )
    );
    let from_environment = from_env(&[
        ("AUTHJWT_SECRET_KEY", SECRET),
        ("AUTHJWT_TOKEN_LOCATION", "[]"),
    ])
    .expect_err("refused");
    assert_eq!(
        from_environment,
        invalid(
            "authjwt_token_location",
            "at least one token location is required"
        )
    );
}

#[test]
fn an_empty_decode_allow_list_is_refused() {
    let err = builder()
        .decode_algorithms([])
        .build()
        .expect_err("refused");
    assert_eq!(
        err,
        invalid(
            "authjwt_decode_algorithms",
            "at least one algorithm is required"
        )
    );
}

#[test]
fn an_empty_audience_list_is_refused() {
    let err = builder()
        .decode_audience(Vec::<String>::new())
        .build()
        .expect_err("refused");
    assert_eq!(
        err,
        invalid(
            "authjwt_decode_audience",
            "at least one audience is required"
        )
    );
}

#[test]
fn samesite_none_requires_secure_cookies() {
    let err = builder()
        .cookie_samesite(Some(SameSite::None))
        .build()
        .expect_err("refused");
    assert_eq!(
        err,
        invalid(
            "authjwt_cookie_samesite",
            "'none' requires authjwt_cookie_secure: browsers drop SameSite=None cookies that \
             are not Secure"
        )
    );
    let config = builder()
        .cookie_samesite(Some(SameSite::None))
        .cookie_secure(true)
        .build()
        .expect("valid with Secure");
    assert_eq!(config.settings().cookie_samesite, Some(SameSite::None));
}

#[test]
fn names_that_cannot_appear_on_the_wire_are_refused() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "authjwt_header_name",
            "Bad Header",
            "not a valid HTTP header name",
        ),
        (
            "authjwt_header_name",
            "Authorization:",
            "not a valid HTTP header name",
        ),
        (
            "authjwt_access_csrf_header_name",
            "X-CSRF\u{e9}",
            "not a valid HTTP header name",
        ),
        (
            "authjwt_refresh_csrf_header_name",
            "X CSRF",
            "not a valid HTTP header name",
        ),
        (
            "authjwt_header_type",
            "Bearer x",
            "must be a single word of visible characters",
        ),
        (
            "authjwt_access_cookie_key",
            "a;b",
            "not a valid cookie name",
        ),
        (
            "authjwt_refresh_cookie_key",
            "a=b",
            "not a valid cookie name",
        ),
        (
            "authjwt_access_csrf_cookie_key",
            "a b",
            "not a valid cookie name",
        ),
        (
            "authjwt_refresh_csrf_cookie_key",
            "a,b",
            "not a valid cookie name",
        ),
        (
            "authjwt_access_cookie_path",
            "/a;b",
            "not a valid cookie path",
        ),
        (
            "authjwt_refresh_cookie_path",
            "/a\u{7f}",
            "not a valid cookie path",
        ),
        (
            "authjwt_access_csrf_cookie_path",
            "/a;Secure",
            "not a valid cookie path",
        ),
        (
            "authjwt_refresh_csrf_cookie_path",
            "/\u{e9}",
            "not a valid cookie path",
        ),
        (
            "authjwt_cookie_domain",
            "example.com; Path=/",
            "not a valid cookie domain",
        ),
    ];
    for (setting, value, message) in cases {
        let err = from_json(json!({ "authjwt_secret_key": SECRET, *setting: value }))
            .expect_err("refused");
        assert_eq!(err.setting(), *setting, "{setting} = {value:?}");
        assert_eq!(
            err.to_string(),
            format!("{setting}: {message}"),
            "{setting} = {value:?}"
        );
    }
}

#[test]
fn a_zero_max_token_size_is_refused() {
    let err = builder().max_token_size(0).build().expect_err("refused");
    assert_eq!(
        err,
        invalid("authjwt_max_token_size", "must be at least 1 byte")
    );
}

#[test]
fn an_enabled_denylist_needs_a_store() {
    let err = builder()
        .denylist_enabled(true)
        .build()
        .expect_err("refused");
    assert_eq!(err, ConfigError::MissingRevocationStore);
    assert_eq!(err.setting(), "authjwt_denylist_enabled");
    assert_eq!(
        err.to_string(),
        "authjwt_denylist_enabled: the denylist is enabled but no revocation store was configured"
    );
    let config = builder()
        .denylist_enabled(true)
        .revocation_store(MemoryStore::new())
        .build()
        .expect("valid with a store");
    assert!(config.settings().checks_denylist(TokenType::Access));
    // A store without the denylist is allowed: revocations can be recorded before checks start.
    builder()
        .revocation_store(MemoryStore::new())
        .build()
        .expect("valid");
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

#[test]
fn hmac_secrets_shorter_than_the_hash_are_refused() {
    let cases = [
        (Algorithm::HS256, 32),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ];
    for (algorithm, min_len) in cases {
        let short = "s".repeat(min_len - 1);
        let err = AuthJwtConfig::builder()
            .secret_key(short)
            .algorithm(algorithm)
            .build()
            .expect_err("a short secret is refused");
        assert_eq!(
            err,
            ConfigError::WeakSecret {
                algorithm,
                min_len,
                len: min_len - 1
            }
        );
        assert_eq!(err.setting(), "authjwt_secret_key");
        assert_eq!(
            err.to_string(),
            format!(
                "authjwt_secret_key: {algorithm} needs a secret of at least {min_len} bytes \
                 (RFC 7518 section 3.2), this one has {}; use a random secret, or set \
                 authjwt_allow_weak_secret to accept it",
                min_len - 1
            )
        );
        AuthJwtConfig::builder()
            .secret_key("s".repeat(min_len))
            .algorithm(algorithm)
            .build()
            .expect("a secret as long as the hash is accepted");
    }
}

#[test]
fn a_secret_too_short_for_an_allowed_decode_algorithm_is_refused() {
    let err = builder()
        .decode_algorithms([Algorithm::HS256, Algorithm::HS512])
        .build()
        .expect_err("40 bytes are too few for HS512");
    assert_eq!(
        err,
        ConfigError::WeakSecret {
            algorithm: Algorithm::HS512,
            min_len: 64,
            len: 40
        }
    );
}

#[tokio::test(flavor = "current_thread")]
async fn allow_weak_secret_accepts_the_originals_example_secret() {
    let config = builder()
        .secret_key("secret")
        .allow_weak_secret(true)
        .build()
        .expect("accepted when allowed");
    round_trip(&config, &config).await;
    let refused = builder().secret_key("secret").build().expect_err("refused");
    assert_eq!(
        refused,
        ConfigError::WeakSecret {
            algorithm: Algorithm::HS256,
            min_len: 32,
            len: 6
        }
    );
}

#[test]
fn a_symmetric_algorithm_without_a_secret_is_refused_at_start_up() {
    let err = AuthJwtConfig::builder().build().expect_err("refused");
    assert_eq!(
        err,
        ConfigError::MissingKey {
            setting: "authjwt_secret_key",
            algorithm: Algorithm::HS256
        }
    );
    assert_eq!(err.setting(), "authjwt_secret_key");
    assert_eq!(
        err.to_string(),
        "authjwt_secret_key must be set when using symmetric algorithm HS256"
    );

    let err = AuthJwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .private_key(fixture("rsa_private.pem"))
        .decode_algorithms([Algorithm::RS256, Algorithm::HS256])
        .build()
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "authjwt_secret_key must be set when using symmetric algorithm HS256"
    );
}

// ---------------------------------------------------------------------------------------------
// Asymmetric keys
// ---------------------------------------------------------------------------------------------

fn asymmetric(
    algorithm: Algorithm,
    private: Option<&str>,
    public: Option<&str>,
) -> AuthJwtConfigBuilder {
    let mut builder = AuthJwtConfig::builder()
        .algorithm(algorithm)
        .clock(fixed_clock());
    if let Some(name) = private {
        builder = builder.private_key(fixture(name));
    }
    if let Some(name) = public {
        builder = builder.public_key(fixture(name));
    }
    builder
}

#[tokio::test(flavor = "current_thread")]
async fn every_supported_key_format_signs_what_its_public_key_verifies() {
    let cases = [
        (Algorithm::RS256, "rsa_private.pem", "rsa_public.pem"),
        (Algorithm::RS256, "rsa_private_pkcs1.pem", "rsa_public.pem"),
        (Algorithm::RS256, "rsa_private.pem", "rsa_public_pkcs1.pem"),
        (Algorithm::RS384, "rsa_private.pem", "rsa_public.pem"),
        (Algorithm::RS512, "rsa_private_pkcs1.pem", "rsa_public.pem"),
        (Algorithm::PS256, "rsa_private.pem", "rsa_public.pem"),
        (Algorithm::PS384, "rsa_private_pkcs1.pem", "rsa_public.pem"),
        (Algorithm::PS512, "rsa_private.pem", "rsa_public.pem"),
        (Algorithm::ES256, "ec256_private.pem", "ec256_public.pem"),
        (
            Algorithm::ES256,
            "ec256_private_sec1.pem",
            "ec256_public.pem",
        ),
        (Algorithm::ES384, "ec384_private.pem", "ec384_public.pem"),
        (
            Algorithm::EdDSA,
            "ed25519_private.pem",
            "ed25519_public.pem",
        ),
    ];
    for (algorithm, private, public) in cases {
        let signer = asymmetric(algorithm, Some(private), None)
            .build()
            .unwrap_or_else(|err| panic!("{algorithm} with {private}: {err}"));
        let verifier = asymmetric(algorithm, None, Some(public))
            .build()
            .unwrap_or_else(|err| panic!("{algorithm} with {public}: {err}"));
        // Without a public key, the private key's own public half verifies.
        round_trip(&signer, &signer).await;
        round_trip(&signer, &verifier).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_verify_only_configuration_cannot_sign() {
    let verifier = asymmetric(Algorithm::RS256, None, Some("rsa_public.pem"))
        .build()
        .expect("verifying needs only the public key");
    assert!(!verifier.can_sign());
    assert_eq!(
        verifier.create_access_token("alice"),
        Err(CreateTokenError::NoSigningKey(Algorithm::RS256))
    );
    let signer = asymmetric(Algorithm::RS256, Some("rsa_private.pem"), None)
        .build()
        .expect("valid");
    assert!(signer.can_sign());
}

fn pem_der(text: &str) -> Vec<u8> {
    pem::parse(text).expect("a PEM fixture").into_contents()
}

/// An HMAC secret equal to a configured key lets whoever knows the key (anyone, for a public
/// key) make HMAC tokens that verify.
#[tokio::test(flavor = "current_thread")]
async fn a_secret_equal_to_a_configured_key_is_refused() {
    let public_pem = fixture("rsa_public.pem");
    let private_pem = fixture("rsa_private.pem");
    let decode_both = [Algorithm::RS256, Algorithm::HS256];
    let with_public = |secret: AuthJwtConfigBuilder| {
        secret
            .algorithm(Algorithm::RS256)
            .public_key(public_pem.clone())
            .decode_algorithms(decode_both)
            .build()
    };
    let public_refusal = invalid(
        "authjwt_secret_key",
        "equals the key of authjwt_public_key: HMAC tokens keyed with that key would verify; \
         use a random secret",
    );
    for secret in [
        AuthJwtConfig::builder().secret_key(public_pem.clone()),
        AuthJwtConfig::builder().secret_key(format!("  {}\n\n", public_pem.trim())),
        AuthJwtConfig::builder().secret_key(public_pem.replace('\n', "\r\n")),
        AuthJwtConfig::builder().secret_key_bytes(public_pem.trim().as_bytes()),
        AuthJwtConfig::builder().secret_key_bytes(pem_der(&public_pem)),
    ] {
        assert_eq!(with_public(secret).unwrap_err(), public_refusal);
    }

    let private_refusal = invalid(
        "authjwt_secret_key",
        "equals the key of authjwt_private_key: HMAC tokens keyed with that key would verify; \
         use a random secret",
    );
    for secret in [
        AuthJwtConfig::builder().secret_key(private_pem.clone()),
        AuthJwtConfig::builder().secret_key_bytes(pem_der(&private_pem)),
    ] {
        let err = secret
            .algorithm(Algorithm::RS256)
            .private_key(private_pem.clone())
            .decode_algorithms(decode_both)
            .build()
            .unwrap_err();
        assert_eq!(err, private_refusal);
    }

    // The attack the check prevents: an HMAC token keyed with the public key.
    let accepted = AuthJwtConfig::builder()
        .secret_key(SECRET)
        .algorithm(Algorithm::RS256)
        .public_key(public_pem.clone())
        .decode_algorithms(decode_both)
        .build()
        .expect("a random secret beside the public key is fine");
    let forged = common::sign_segments_with(
        aws_lc_rs::hmac::HMAC_SHA256,
        public_pem.trim().as_bytes(),
        &common::b64(r#"{"typ":"JWT","alg":"HS256"}"#),
        &common::b64(r#"{"sub":"mallory","jti":"j","type":"access"}"#),
    );
    assert_eq!(
        failure(accepted.verify(&forged, Requirement::Access).await),
        (422, "Signature verification failed".to_owned())
    );
}

#[test]
fn strict_issuer_is_a_setting_everywhere_and_needs_a_decode_issuer() {
    let strict = from_env(&[
        ("AUTHJWT_SECRET_KEY", SECRET),
        ("AUTHJWT_DECODE_ISSUER", "urn:foo"),
        ("AUTHJWT_STRICT_ISSUER", "true"),
    ])
    .expect("valid");
    assert!(strict.settings().strict_issuer);
    let strict = from_json(json!({
        "secret_key": SECRET,
        "decode_issuer": "urn:foo",
        "authjwt_strict_issuer": true,
    }))
    .expect("valid");
    assert!(strict.settings().strict_issuer);
    assert!(!builder().build().expect("valid").settings().strict_issuer);

    let needs_issuer = invalid(
        "authjwt_strict_issuer",
        "needs authjwt_decode_issuer: there is no issuer to check",
    );
    assert_eq!(
        builder()
            .strict_issuer(true)
            .encode_issuer("urn:foo")
            .build()
            .unwrap_err(),
        needs_issuer
    );
    assert_eq!(
        from_env(&[
            ("AUTHJWT_SECRET_KEY", SECRET),
            ("AUTHJWT_STRICT_ISSUER", "true")
        ])
        .unwrap_err(),
        needs_issuer
    );
    assert_eq!(
        env_refusal(&[("AUTHJWT_STRICT_ISSUER", "yes")]),
        invalid("authjwt_strict_issuer", "expected true or false, got `yes`")
    );
}

#[test]
fn an_asymmetric_algorithm_without_any_key_is_refused() {
    let err = asymmetric(Algorithm::RS256, None, None)
        .build()
        .expect_err("refused");
    assert_eq!(
        err,
        ConfigError::MissingKey {
            setting: "authjwt_public_key",
            algorithm: Algorithm::RS256
        }
    );
    assert_eq!(err.setting(), "authjwt_public_key");
    assert_eq!(
        err.to_string(),
        "authjwt_public_key must be set when using asymmetric algorithm RS256"
    );
}

#[test]
fn an_rsa_key_under_2048_bits_is_refused() {
    let err = asymmetric(Algorithm::RS256, Some("rsa1024_private.pem"), None)
        .build()
        .expect_err("refused");
    assert_eq!(
        err,
        invalid_key(
            "authjwt_private_key",
            "the PEM block is not a valid PKCS#8 private key (RSA of at least 2048 bits, EC on \
             P-256, P-384 or P-521, or Ed25519)"
        )
    );
}

#[test]
fn a_key_of_the_wrong_family_is_refused() {
    let cases: &[(Algorithm, Option<&str>, Option<&str>, ConfigError)] = &[
        (
            Algorithm::ES256,
            Some("rsa_private.pem"),
            None,
            invalid_key("authjwt_private_key", "a RSA key cannot sign with ES256"),
        ),
        (
            Algorithm::ES384,
            Some("ec256_private.pem"),
            None,
            invalid_key("authjwt_private_key", "a P-256 key cannot sign with ES384"),
        ),
        (
            Algorithm::RS256,
            Some("ed25519_private.pem"),
            None,
            invalid_key(
                "authjwt_private_key",
                "a Ed25519 key cannot sign with RS256",
            ),
        ),
        (
            Algorithm::RS256,
            None,
            Some("ec256_public.pem"),
            invalid_key("authjwt_public_key", "a P-256 key cannot verify RS256"),
        ),
        (
            Algorithm::ES256,
            None,
            Some("ec384_public.pem"),
            invalid_key("authjwt_public_key", "a P-384 key cannot verify ES256"),
        ),
        (
            Algorithm::EdDSA,
            None,
            Some("rsa_public.pem"),
            invalid_key("authjwt_public_key", "a RSA key cannot verify EdDSA"),
        ),
    ];
    for (algorithm, private, public, expected) in cases {
        let err = asymmetric(*algorithm, *private, *public)
            .build()
            .expect_err("refused");
        assert_eq!(err, *expected, "{algorithm} {private:?} {public:?}");
    }
}

#[test]
fn each_allowed_decode_algorithm_needs_a_key_of_its_own_family() {
    let err = asymmetric(
        Algorithm::RS256,
        Some("rsa_private.pem"),
        Some("rsa_public.pem"),
    )
    .decode_algorithms([Algorithm::RS256, Algorithm::ES256])
    .build()
    .expect_err("refused");
    assert_eq!(
        err,
        invalid_key("authjwt_public_key", "a RSA key cannot verify ES256")
    );
}

#[test]
fn pem_text_that_is_not_a_usable_key_is_refused() {
    let encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let broken_sec1 = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
    let broken_pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    let broken_public = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    let private_cases = [
        ("garbage".to_owned(), "not a PEM key: malformedframing"),
        (
            encrypted.to_owned(),
            "encrypted private keys are not supported",
        ),
        (
            certificate.to_owned(),
            "a PEM block labelled `CERTIFICATE` is not a private key",
        ),
        (
            fixture("rsa_public.pem"),
            "a PEM block labelled `PUBLIC KEY` is not a private key",
        ),
        (
            broken_sec1.to_owned(),
            "the PEM block is not a valid EC private key on P-256, P-384 or P-521",
        ),
        (
            broken_pkcs1.to_owned(),
            "the PEM block is not a valid RSA private key (at least 2048 bits)",
        ),
    ];
    for (pem, message) in private_cases {
        let err = AuthJwtConfig::builder()
            .algorithm(Algorithm::RS256)
            .private_key(pem)
            .build()
            .expect_err("refused");
        assert_eq!(err, invalid_key("authjwt_private_key", message));
    }
    let public_cases = [
        ("garbage".to_owned(), "not a PEM key: malformedframing"),
        (
            fixture("rsa_private.pem"),
            "a PEM block labelled `PRIVATE KEY` is not a public key",
        ),
        (
            broken_public.to_owned(),
            "the PEM block is not an RSA (at least 2048 bits), EC (P-256, P-384, P-521) or \
             Ed25519 public key",
        ),
    ];
    for (pem, message) in public_cases {
        let err = AuthJwtConfig::builder()
            .algorithm(Algorithm::RS256)
            .public_key(pem)
            .build()
            .expect_err("refused");
        assert_eq!(err, invalid_key("authjwt_public_key", message));
    }
}

#[test]
fn keys_are_parsed_from_serde_and_the_environment_alike() {
    let from_serde = from_json(json!({
        "authjwt_algorithm": "ES256",
        "authjwt_private_key": fixture("ec256_private.pem"),
        "authjwt_public_key": fixture("ec256_public.pem"),
    }))
    .expect("valid");
    assert_eq!(
        from_serde.settings().effective_decode_algorithms(),
        [Algorithm::ES256]
    );
    let from_environment = from_env(&[
        ("AUTHJWT_ALGORITHM", "ES256"),
        ("AUTHJWT_PRIVATE_KEY", &fixture("ec256_private.pem")),
    ])
    .expect("valid");
    from_environment
        .create_access_token("alice")
        .expect("the key signs");
}

#[test]
fn the_debug_output_never_shows_key_material() {
    let config = asymmetric(Algorithm::RS256, Some("rsa_private.pem"), None)
        .secret_key(SECRET)
        .build()
        .expect("valid");
    let debug = format!("{config:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(!debug.contains("MII"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
}

/// A public key is not a secret: `Debug` shows it, so a log tells which key verifies.
#[test]
fn the_debug_output_shows_the_public_key_and_hides_the_private_key_and_the_secret() {
    let private_pem = fixture("rsa_private.pem");
    let public_pem = fixture("rsa_public.pem");
    let config = asymmetric(
        Algorithm::RS256,
        Some("rsa_private.pem"),
        Some("rsa_public.pem"),
    )
    .secret_key(SECRET)
    .decode_algorithms([Algorithm::RS256, Algorithm::HS256])
    .build()
    .expect("valid");
    for debug in [
        format!("{config:?}"),
        format!("{:?}", config.settings()),
        format!(
            "{:?}",
            asymmetric(
                Algorithm::RS256,
                Some("rsa_private.pem"),
                Some("rsa_public.pem")
            )
            .secret_key(SECRET)
        ),
    ] {
        assert!(!debug.contains(SECRET), "{debug}");
        for line in private_pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
        {
            assert!(!debug.contains(line), "{debug}");
        }
        assert!(debug.contains("secret_key: Some(<redacted>)"), "{debug}");
        assert!(debug.contains("private_key: Some(<redacted>)"), "{debug}");
        let public_body = public_pem
            .lines()
            .find(|line| !line.starts_with("-----"))
            .expect("a PEM body");
        assert!(debug.contains(public_body), "{debug}");
    }
}

#[test]
fn a_numeric_environment_audience_is_one_audience() {
    for audience in ["12345", "true"] {
        let config = from_env(&[
            ("AUTHJWT_SECRET_KEY", SECRET),
            ("AUTHJWT_DECODE_AUDIENCE", audience),
        ])
        .expect("valid");
        assert_eq!(
            config.settings().decode_audience,
            Some(vec![audience.to_owned()])
        );
    }
}

#[test]
fn a_variable_named_with_the_prefix_twice_is_unknown() {
    assert_eq!(
        env_refusal(&[("AUTHJWT_AUTHJWT_SECRET_KEY", SECRET)]),
        ConfigError::UnknownSetting("AUTHJWT_AUTHJWT_SECRET_KEY".to_owned())
    );
}

/// The environment applies on top of the builder: a key it gives, inline or as a file,
/// replaces the builder's.
#[tokio::test(flavor = "current_thread")]
async fn an_environment_key_replaces_the_builders() {
    let ec_path = fixture_path("ec256_private.pem");
    for vars in [
        [
            ("AUTHJWT_ALGORITHM", "ES256"),
            ("AUTHJWT_PRIVATE_KEY", fixture("ec256_private.pem").as_str()),
        ],
        [
            ("AUTHJWT_ALGORITHM", "ES256"),
            (
                "AUTHJWT_PRIVATE_KEY_FILE",
                ec_path.to_str().expect("UTF-8 path"),
            ),
        ],
    ] {
        let signer = asymmetric(Algorithm::RS256, Some("rsa_private.pem"), None)
            .apply_env(vars)
            .expect("valid")
            .build()
            .expect("valid");
        let verifier = asymmetric(Algorithm::ES256, None, Some("ec256_public.pem"))
            .build()
            .expect("valid");
        round_trip(&signer, &verifier).await;
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "current_thread")]
async fn a_key_file_path_need_not_be_utf8() {
    use std::os::unix::ffi::OsStringExt;

    let mut name = b"authjwt-key-".to_vec();
    name.extend_from_slice(&[0xff, 0xfe]);
    name.extend_from_slice(format!("-{}.pem", std::process::id()).as_bytes());
    let path = std::env::temp_dir().join(OsString::from_vec(name));
    std::fs::write(&path, fixture("rsa_public.pem")).expect("the temporary directory is writable");
    let verifier = AuthJwtConfig::builder().clock(fixed_clock()).apply_env([
        (OsString::from("AUTHJWT_ALGORITHM"), OsString::from("RS256")),
        (
            OsString::from("AUTHJWT_PUBLIC_KEY_FILE"),
            path.clone().into_os_string(),
        ),
    ]);
    std::fs::remove_file(&path).expect("the temporary file is removable");
    let verifier = verifier.expect("valid").build().expect("valid");
    let signer = asymmetric(Algorithm::RS256, Some("rsa_private.pem"), None)
        .build()
        .expect("valid");
    round_trip(&signer, &verifier).await;
}

#[tokio::test(flavor = "current_thread")]
async fn key_files_are_read_by_the_builder() {
    let signer = AuthJwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .clock(fixed_clock())
        .private_key_file(fixture_path("rsa_private.pem"))
        .build()
        .expect("valid");
    let verifier = AuthJwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .clock(fixed_clock())
        .public_key_file(fixture_path("rsa_public.pem"))
        .build()
        .expect("valid");
    round_trip(&signer, &verifier).await;
    assert!(!verifier.can_sign());
}

#[test]
fn a_key_given_to_the_builder_both_inline_and_as_a_file_is_refused() {
    let both = [
        (
            AuthJwtConfig::builder()
                .private_key(fixture("rsa_private.pem"))
                .private_key_file(fixture_path("rsa_private.pem")),
            "authjwt_private_key",
        ),
        (
            AuthJwtConfig::builder()
                .private_key_file(fixture_path("rsa_private.pem"))
                .private_key(fixture("rsa_private.pem")),
            "authjwt_private_key",
        ),
        (
            AuthJwtConfig::builder()
                .public_key_file(fixture_path("rsa_public.pem"))
                .public_key(fixture("rsa_public.pem")),
            "authjwt_public_key",
        ),
        (
            AuthJwtConfig::builder()
                .public_key_file(fixture_path("rsa_public.pem"))
                .apply_env([("AUTHJWT_PUBLIC_KEY", fixture("rsa_public.pem"))])
                .expect("valid"),
            "authjwt_public_key",
        ),
    ];
    for (builder, setting) in both {
        let err = builder
            .algorithm(Algorithm::RS256)
            .build()
            .expect_err("refused");
        assert_eq!(
            err,
            invalid(setting, "given both inline and as a file; set only one"),
            "{setting}"
        );
    }
}

#[test]
fn an_unreadable_key_file_given_to_the_builder_is_refused() {
    let private = AuthJwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .private_key_file("/nonexistent/private.pem")
        .build()
        .expect_err("refused");
    assert_eq!(
        private,
        invalid(
            "authjwt_private_key",
            "cannot read key file `/nonexistent/private.pem`: No such file or directory (os \
             error 2)"
        )
    );
    let public = AuthJwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .public_key_file("/nonexistent/public.pem")
        .build()
        .expect_err("refused");
    assert_eq!(
        public,
        invalid(
            "authjwt_public_key",
            "cannot read key file `/nonexistent/public.pem`: No such file or directory (os \
             error 2)"
        )
    );
}

#[test]
fn a_key_file_read_by_the_builder_is_checked_as_an_inline_key() {
    let err = AuthJwtConfig::builder()
        .algorithm(Algorithm::ES256)
        .private_key_file(fixture_path("rsa_private.pem"))
        .build()
        .expect_err("refused");
    assert_eq!(
        err,
        invalid_key("authjwt_private_key", "a RSA key cannot sign with ES256")
    );
}
