//! The CSRF double-submit comparison.
//!
//! The value a client submits (a header, or a WebSocket query parameter) must equal the
//! `csrf` claim inside the signed token: OWASP's "signed double-submit cookie". It is
//! compared in constant time, byte for byte, so any bytes (non-ASCII included) are a
//! mismatch rather than an error.

use subtle::ConstantTimeEq;

use crate::claims::Claims;
use crate::error::{AuthJwtError, CsrfError, DecodeError};

/// The submitted value, refused as `Missing CSRF Token` when absent or empty.
///
/// # Errors
///
/// [`CsrfError::Missing`] when there is no value or it is empty.
pub fn submitted_value(submitted: Option<&[u8]>) -> Result<&[u8], CsrfError> {
    submitted
        .filter(|value| !value.is_empty())
        .ok_or(CsrfError::Missing)
}

/// Compares the submitted value with the token's `csrf` claim in constant time.
///
/// ```
/// use authjwt::{AuthJwtConfig, AuthJwtError, CsrfError, TokenLocation, csrf};
///
/// let config = AuthJwtConfig::builder()
///     .secret_key("a-random-secret-of-at-least-32-bytes")
///     .token_location([TokenLocation::Cookies])
///     .build()?;
/// let token = config.create_access_token("alice")?;
/// let claims = config.decode(&token)?.into_claims();
///
/// let expected = claims.csrf().unwrap().as_bytes().to_vec();
/// assert_eq!(csrf::check_double_submit(&claims, &expected), Ok(()));
/// assert_eq!(
///     csrf::check_double_submit(&claims, b"forged"),
///     Err(AuthJwtError::Csrf(CsrfError::Mismatch))
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`DecodeError::MissingCsrfClaim`] (422) when the token has no `csrf` claim,
/// [`CsrfError::Mismatch`] (401) when the values differ.
pub fn check_double_submit(claims: &Claims, submitted: &[u8]) -> Result<(), AuthJwtError> {
    let expected = claims.csrf().ok_or(DecodeError::MissingCsrfClaim)?;
    if bool::from(expected.as_bytes().ct_eq(submitted)) {
        Ok(())
    } else {
        Err(CsrfError::Mismatch.into())
    }
}
