//! A token cookie larger than browsers store is set, as in the original, but with a warning:
//! browsers drop it silently and the client's next request misses it (catalogue F15).

use std::sync::{Arc, Mutex};

use authjwt_axum::{AuthCookies, AuthJwtConfig, TokenLocation};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Records the messages of warning events.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

struct Message<'a>(&'a mut String);

impl Visit for Message<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Warnings {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::WARN
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut message = String::new();
        event.record(&mut Message(&mut message));
        self.0.lock().unwrap().push(message);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn config() -> AuthJwtConfig {
    AuthJwtConfig::builder()
        .secret_key("a-64-byte-secret-for-the-cookie-size-tests-0123456789abcdefghijk")
        .token_location([TokenLocation::Cookies])
        .build()
        .unwrap()
}

fn warnings_while(set_cookies: impl FnOnce()) -> Vec<String> {
    let warnings = Warnings::default();
    tracing::subscriber::with_default(warnings.clone(), set_cookies);
    warnings.0.lock().unwrap().clone()
}

#[test]
fn an_oversized_token_cookie_is_set_with_a_warning() {
    let config = config();
    let token = config
        .access_token("test")
        .claim("padding", "x".repeat(5000))
        .encode()
        .unwrap();
    let warnings = warnings_while(|| {
        let cookies = AuthCookies::access(&config, &token, None).unwrap();
        assert_eq!(cookies.cookies()[0].value(), token);
    });
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("the token cookie is larger than browsers store (4096 bytes)"),
        "{warnings:?}"
    );
}

#[test]
fn an_ordinary_token_cookie_sets_without_a_warning() {
    let config = config();
    let token = config.create_access_token("test").unwrap();
    let warnings = warnings_while(|| {
        let cookies = AuthCookies::access(&config, &token, None).unwrap();
        assert_eq!(cookies.cookies().len(), 2, "the token and its CSRF cookie");
    });
    assert_eq!(warnings, Vec::<String>::new());
}
