//! Typed claims both ways: the application's `Serialize` type as user claims, the verified
//! payload read as its `Deserialize` type, and the stable error codes.

mod common;

use authjwt::{
    AuthJwtError, Claims, CreateTokenError, CsrfError, DecodeError, ErrorCode, FromVerifiedToken,
    InvalidHeader, MissingToken, RevocationError, StoreFailure, Subject, VerifiedToken,
};
use common::{builder, hs256_claims};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Profile {
    role: String,
    tenant: u32,
    teams: Vec<String>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct MyClaims {
    sub: String,
    exp: i64,
    role: String,
    tenant: u32,
    teams: Vec<String>,
}

fn profile() -> Profile {
    Profile {
        role: "admin".into(),
        tenant: 7,
        teams: vec!["blue".into()],
    }
}

#[test]
fn a_serialize_type_is_written_as_user_claims_after_the_reserved_ones() {
    let config = builder().build().expect("valid");
    let token = config
        .access_token("alice")
        .claims(profile())
        .encode()
        .expect("signed");
    let verified = config.decode(&token).expect("valid");
    let names: Vec<&str> = verified
        .claims()
        .as_map()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "sub", "iat", "nbf", "jti", "exp", "type", "fresh", "role", "tenant", "teams"
        ]
    );
    let claims: MyClaims = verified.claims().deserialize().expect("fits");
    assert_eq!(claims.sub, "alice");
    assert_eq!(
        (claims.role, claims.tenant, claims.teams),
        ("admin".to_owned(), 7, vec!["blue".to_owned()])
    );
    assert_eq!(claims.exp, verified.claims().expires_at().expect("exp"));
}

#[test]
fn user_claims_that_are_not_an_object_or_set_reserved_names_are_refused() {
    let config = builder().build().expect("valid");
    assert_eq!(
        config.access_token("alice").claims("admin").encode(),
        Err(CreateTokenError::InvalidClaims(
            "user claims must serialize to a JSON object, not a string".into()
        ))
    );
    assert_eq!(
        config.refresh_token("alice").claims([1, 2]).encode(),
        Err(CreateTokenError::InvalidClaims(
            "user claims must serialize to a JSON object, not an array".into()
        ))
    );
    #[derive(Serialize)]
    struct Sneaky {
        jti: &'static str,
    }
    assert_eq!(
        config
            .access_token("alice")
            .claims(Sneaky { jti: "fixed" })
            .encode(),
        Err(CreateTokenError::ReservedClaim("jti".into()))
    );
    let err = config
        .access_token("alice")
        .claims(7)
        .encode()
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "invalid user claims: user claims must serialize to a JSON object, not a number"
    );
    assert_eq!(err.code(), ErrorCode::TokenCreationFailed);
}

#[test]
fn claims_that_do_not_fit_name_the_field() {
    let config = builder().build().expect("valid");
    let mismatch = |payload: serde_json::Value| {
        let token = hs256_claims(&payload.to_string());
        let err = config
            .decode(&token)
            .expect("valid")
            .claims()
            .deserialize::<MyClaims>()
            .expect_err("does not fit");
        assert_eq!(err.status_code(), 422);
        assert_eq!(err.code(), ErrorCode::InvalidClaim);
        err.message()
    };
    let full = json!({"sub": "alice", "exp": 4_000_000_000_i64, "role": "admin", "tenant": 7, "teams": ["blue"]});
    let mut without_role = full.clone();
    without_role.as_object_mut().expect("object").remove("role");
    assert_eq!(
        mismatch(without_role),
        "Claims do not fit the expected type: missing field `role`"
    );
    let mut wrong_tenant = full.clone();
    wrong_tenant["tenant"] = json!("seven");
    assert_eq!(
        mismatch(wrong_tenant),
        "Claims do not fit the expected type at tenant: invalid type: string \"seven\", expected u32"
    );
    let mut wrong_team = full;
    wrong_team["teams"] = json!(["blue", 3]);
    assert_eq!(
        mismatch(wrong_team),
        "Claims do not fit the expected type at teams[1]: invalid type: integer `3`, expected a string"
    );
}

#[test]
fn a_verified_token_reads_as_itself_its_claims_or_a_claims_type() {
    let config = builder().build().expect("valid");
    let token = config
        .access_token(42)
        .claims(profile())
        .encode()
        .expect("signed");
    let verified = config.decode(&token).expect("valid");
    let itself = VerifiedToken::from_verified_token(verified.clone()).expect("always");
    assert_eq!(itself.claims().json(), verified.claims().json());
    let claims = Claims::from_verified_token(verified.clone()).expect("always");
    assert_eq!(claims.subject(), Some(&Subject::Integer(42)));
    let typed = Profile::from_verified_token(verified.clone()).expect("fits");
    assert_eq!(typed, profile());
    let as_value = serde_json::Value::from_verified_token(verified).expect("any JSON");
    assert_eq!(as_value["tenant"], json!(7));
}

#[test]
fn require_subject_refuses_a_token_without_one() {
    let config = builder().build().expect("valid");
    let without_sub = hs256_claims(r#"{"jti":"j","type":"refresh"}"#);
    let err = config
        .decode(&without_sub)
        .expect("valid")
        .claims()
        .require_subject()
        .expect_err("no sub")
        .clone();
    assert_eq!(
        (err.status_code(), err.message().as_str()),
        (422, r#"Token is missing the "sub" claim"#)
    );
    let with_sub = config.create_refresh_token("alice").expect("signed");
    assert_eq!(
        config
            .decode(&with_sub)
            .expect("valid")
            .claims()
            .require_subject(),
        Ok(&Subject::from("alice"))
    );
}

#[test]
fn every_failure_has_a_stable_code_and_separate_http_and_websocket_answers() {
    let cases: [(AuthJwtError, &str, u16, u16); 14] = [
        (
            InvalidHeader::BadHeaderValue {
                header_name: "Authorization".into(),
                header_type: Some("Bearer".into()),
            }
            .into(),
            "invalid_authorization_header",
            422,
            1008,
        ),
        (
            InvalidHeader::NotEnoughSegments.into(),
            "malformed_token",
            422,
            1008,
        ),
        (
            InvalidHeader::TokenTooLarge { limit: 8192 }.into(),
            "token_too_large",
            422,
            1008,
        ),
        (
            DecodeError::ExpiredSignature.into(),
            "token_expired",
            422,
            1008,
        ),
        (
            DecodeError::InvalidSignature.into(),
            "invalid_signature",
            422,
            1008,
        ),
        (
            DecodeError::MissingClaim("iss").into(),
            "missing_claim",
            422,
            1008,
        ),
        (
            DecodeError::InvalidIssuer.into(),
            "invalid_issuer",
            422,
            1008,
        ),
        (CsrfError::Mismatch.into(), "csrf_mismatch", 401, 1008),
        (
            MissingToken::WebSocket { refresh: true }.into(),
            "token_missing",
            401,
            1008,
        ),
        (
            MissingToken::Header {
                header_name: "Authorization".into(),
            }
            .into(),
            "token_missing",
            401,
            1008,
        ),
        (AuthJwtError::RevokedToken, "token_revoked", 401, 1008),
        (
            AuthJwtError::RefreshTokenRequired,
            "refresh_token_required",
            422,
            1008,
        ),
        (
            AuthJwtError::FreshTokenRequired,
            "fresh_token_required",
            401,
            1008,
        ),
        (
            AuthJwtError::RevocationUnavailable(StoreFailure::new(RevocationError::Timeout)),
            "revocation_unavailable",
            503,
            1013,
        ),
    ];
    for (err, code, http, close) in cases {
        assert_eq!(err.code().as_str(), code, "{err:?}");
        assert_eq!(err.code().to_string(), code, "{err:?}");
        assert_eq!(err.http_status(), http, "{err:?}");
        assert_eq!(err.websocket_close_code(), close, "{err:?}");
    }
    // The original's status_code keeps its 1008 for a WebSocket's missing token.
    assert_eq!(
        AuthJwtError::from(MissingToken::WebSocket { refresh: false }).status_code(),
        1008
    );
}
