//! Everything public in the core is reachable through authjwt-axum, so an axum application
//! needs one dependency. Each path is checked to be the core's own item: a missing
//! re-export fails to compile, a different item with the same name fails the test.

use std::any::TypeId;

use authjwt_axum::authjwt;

fn is_token_kind<Kind: authjwt_axum::create::TokenKind>() {}

fn same_type<Ours: ?Sized + 'static, Core: ?Sized + 'static>() {
    assert_eq!(
        TypeId::of::<Ours>(),
        TypeId::of::<Core>(),
        "{}",
        std::any::type_name::<Ours>()
    );
}

#[test]
fn every_item_of_the_cores_root_is_reexported() {
    same_type::<authjwt_axum::Access, authjwt::Access>();
    same_type::<authjwt_axum::Algorithm, authjwt::Algorithm>();
    same_type::<authjwt_axum::Audience, authjwt::Audience>();
    same_type::<authjwt_axum::AuthJwtConfig, authjwt::AuthJwtConfig>();
    same_type::<authjwt_axum::AuthJwtConfigBuilder, authjwt::AuthJwtConfigBuilder>();
    same_type::<authjwt_axum::AuthJwtError, authjwt::AuthJwtError>();
    same_type::<authjwt_axum::Claims, authjwt::Claims>();
    same_type::<dyn authjwt_axum::Clock, dyn authjwt::Clock>();
    same_type::<authjwt_axum::ConfigError, authjwt::ConfigError>();
    same_type::<authjwt_axum::CreateTokenError, authjwt::CreateTokenError>();
    same_type::<authjwt_axum::CsrfError, authjwt::CsrfError>();
    same_type::<authjwt_axum::DecodeError, authjwt::DecodeError>();
    same_type::<authjwt_axum::ExpiresTime, authjwt::ExpiresTime>();
    same_type::<authjwt_axum::FixedClock, authjwt::FixedClock>();
    same_type::<authjwt_axum::Header, authjwt::Header>();
    same_type::<authjwt_axum::Key, authjwt::Key>();
    same_type::<authjwt_axum::HttpMethod, authjwt::HttpMethod>();
    same_type::<authjwt_axum::InvalidHeader, authjwt::InvalidHeader>();
    same_type::<authjwt_axum::JsonObject, authjwt::JsonObject>();
    same_type::<authjwt_axum::MissingToken, authjwt::MissingToken>();
    same_type::<authjwt_axum::Refresh, authjwt::Refresh>();
    same_type::<authjwt_axum::Requirement, authjwt::Requirement>();
    same_type::<authjwt_axum::RevocationError, authjwt::RevocationError>();
    same_type::<dyn authjwt_axum::RevocationStore, dyn authjwt::RevocationStore>();
    same_type::<authjwt_axum::RevokeError, authjwt::RevokeError>();
    same_type::<authjwt_axum::SameSite, authjwt::SameSite>();
    same_type::<authjwt_axum::Settings, authjwt::Settings>();
    same_type::<authjwt_axum::Subject, authjwt::Subject>();
    same_type::<authjwt_axum::SystemClock, authjwt::SystemClock>();
    same_type::<
        authjwt_axum::TokenBuilder<'static, authjwt_axum::Access>,
        authjwt::TokenBuilder<'static, authjwt::Access>,
    >();
    same_type::<authjwt_axum::TokenLocation, authjwt::TokenLocation>();
    same_type::<authjwt_axum::TokenType, authjwt::TokenType>();
    same_type::<authjwt_axum::VerifiedToken, authjwt::VerifiedToken>();
}

#[test]
fn every_public_module_of_the_core_is_reexported() {
    same_type::<authjwt_axum::claims::Claims, authjwt::claims::Claims>();
    same_type::<authjwt_axum::clock::FixedClock, authjwt::clock::FixedClock>();
    same_type::<authjwt_axum::config::Settings, authjwt::config::Settings>();
    same_type::<authjwt_axum::key_set::Key, authjwt::key_set::Key>();
    is_token_kind::<authjwt::Access>();
    same_type::<authjwt_axum::error::ConfigError, authjwt::error::ConfigError>();
    same_type::<authjwt_axum::revocation::MemoryStore, authjwt::revocation::MemoryStore>();
    same_type::<
        authjwt_axum::revocation::StoreFuture<'static, bool>,
        authjwt::revocation::StoreFuture<'static, bool>,
    >();
    same_type::<authjwt_axum::verify::Requirement, authjwt::verify::Requirement>();

    assert_eq!(
        authjwt_axum::error::MAX_ID_CLAIM_LEN,
        authjwt::error::MAX_ID_CLAIM_LEN
    );
    assert_eq!(
        authjwt_axum::create::RESERVED_CLAIMS,
        authjwt::create::RESERVED_CLAIMS
    );
    let _: fn() -> Result<String, authjwt::ConfigError> = authjwt_axum::config::random_secret;
    let _: fn() -> Result<String, authjwt::CreateTokenError> = authjwt_axum::create::random_uuid;
    assert_eq!(
        authjwt_axum::csrf::submitted_value(Some(b"value")),
        authjwt::csrf::submitted_value(Some(b"value"))
    );
    let _: fn(&authjwt::Claims, &[u8]) -> Result<(), authjwt::AuthJwtError> =
        authjwt_axum::csrf::check_double_submit;
    let _: authjwt::revocation::FnStore<_> =
        authjwt_axum::revocation::from_fn(|_: &authjwt::Claims| false);
    let _: authjwt::revocation::AsyncFnStore<_> =
        authjwt_axum::revocation::from_async_fn(|_: authjwt::Claims| async {
            Ok::<_, authjwt::RevocationError>(false)
        });
}
