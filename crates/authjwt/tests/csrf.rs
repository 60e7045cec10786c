//! The CSRF double-submit check (spec §6.4 step 5, security anchors F1–F6, F12).

mod common;

use authjwt::{AuthJwtError, Claims, CsrfError, DecodeError, TokenLocation, csrf};
use common::{builder, config, failure, hs256_claims};

/// The claims of a fresh cookie-mode access token, with its csrf value.
fn cookie_claims() -> (Claims, String) {
    let config = builder()
        .token_location([TokenLocation::Cookies])
        .build()
        .expect("valid");
    let token = config.create_access_token("alice").expect("signed");
    let claims = config.decode(&token).expect("valid").into_claims();
    let csrf = claims.csrf().expect("cookie tokens carry csrf").to_owned();
    (claims, csrf)
}

#[test]
fn a_missing_or_empty_submitted_value_is_missing() {
    assert_eq!(csrf::submitted_value(None), Err(CsrfError::Missing));
    assert_eq!(csrf::submitted_value(Some(b"")), Err(CsrfError::Missing));
    let err = AuthJwtError::from(CsrfError::Missing);
    assert_eq!(
        (err.status_code(), err.message()),
        (401, "Missing CSRF Token".to_owned())
    );
    assert_eq!(err.exception_name(), "CSRFError");
}

#[test]
fn a_present_submitted_value_is_returned_as_given() {
    assert_eq!(csrf::submitted_value(Some(b"abc")), Ok(&b"abc"[..]));
    // Whitespace is a value like any other; comparing it is the double-submit check's job.
    assert_eq!(csrf::submitted_value(Some(b" ")), Ok(&b" "[..]));
}

#[test]
fn the_matching_value_passes() {
    let (claims, csrf) = cookie_claims();
    assert_eq!(csrf::check_double_submit(&claims, csrf.as_bytes()), Ok(()));
}

#[test]
fn any_other_value_is_a_mismatch() {
    let (claims, csrf) = cookie_claims();
    let mut one_character_off = csrf.clone().into_bytes();
    let last = one_character_off.len() - 1;
    one_character_off[last] = if one_character_off[last] == b'0' {
        b'1'
    } else {
        b'0'
    };
    let mut first_character_off = csrf.clone().into_bytes();
    first_character_off[0] = if first_character_off[0] == b'a' {
        b'b'
    } else {
        b'a'
    };
    let upper_case = csrf.to_ascii_uppercase().into_bytes();
    let cases: Vec<Vec<u8>> = vec![
        b"test".to_vec(),
        b"invalid".to_vec(),
        one_character_off,
        first_character_off,
        csrf.as_bytes()[..csrf.len() - 1].to_vec(),
        format!("{csrf}0").into_bytes(),
        format!(" {csrf}").into_bytes(),
        upper_case,
        // Non-ASCII bytes, which the original crashed on (a 500): a mismatch here.
        vec![0xe9; csrf.len()],
        format!("{}\u{e9}", &csrf[..csrf.len() - 2]).into_bytes(),
        vec![0xff, 0xfe, 0x00],
    ];
    for submitted in cases {
        let err = csrf::check_double_submit(&claims, &submitted).expect_err("mismatch");
        assert_eq!(
            err,
            AuthJwtError::Csrf(CsrfError::Mismatch),
            "{submitted:?}"
        );
        assert_eq!(
            (err.status_code(), err.message()),
            (401, "CSRF double submit tokens do not match".to_owned())
        );
    }
}

#[test]
fn the_refresh_tokens_value_does_not_pass_for_the_access_token() {
    let config = builder()
        .token_location([TokenLocation::Headers, TokenLocation::Cookies])
        .build()
        .expect("valid");
    let access = config.create_access_token("alice").expect("signed");
    let refresh = config.create_refresh_token("alice").expect("signed");
    let access = config.decode(&access).expect("valid").into_claims();
    let refresh = config.decode(&refresh).expect("valid").into_claims();
    let refresh_csrf = refresh.csrf().expect("a csrf claim");
    assert_eq!(
        failure(csrf::check_double_submit(&access, refresh_csrf.as_bytes())),
        (401, "CSRF double submit tokens do not match".to_owned())
    );
    assert_eq!(
        csrf::check_double_submit(&refresh, refresh_csrf.as_bytes()),
        Ok(())
    );
}

#[test]
fn a_token_without_a_csrf_claim_is_a_decode_error() {
    // Minted with CSRF protection off (headers only), then checked as a cookie token.
    let config = config();
    let token = config.create_access_token("alice").expect("signed");
    let claims = config.decode(&token).expect("valid").into_claims();
    assert_eq!(claims.csrf(), None);
    for submitted in [&b"invalid"[..], b"", b"\xe9"] {
        let err = csrf::check_double_submit(&claims, submitted).expect_err("no claim");
        assert_eq!(err, AuthJwtError::Decode(DecodeError::MissingCsrfClaim));
        assert_eq!(
            (err.status_code(), err.message()),
            (422, "Missing claim: csrf".to_owned())
        );
        assert_eq!(err.exception_name(), "JWTDecodeError");
    }
}

#[test]
fn a_handcrafted_csrf_claim_is_compared_byte_for_byte() {
    let config = config();
    let token = hs256_claims(r#"{"sub":"a","type":"access","csrf":"caf\u00e9"}"#);
    let claims = config.decode(&token).expect("valid").into_claims();
    assert_eq!(claims.csrf(), Some("café"));
    assert_eq!(
        csrf::check_double_submit(&claims, "café".as_bytes()),
        Ok(())
    );
    // The same text in Latin-1 is other bytes.
    assert_eq!(
        failure(csrf::check_double_submit(&claims, b"caf\xe9")),
        (401, "CSRF double submit tokens do not match".to_owned())
    );
}
