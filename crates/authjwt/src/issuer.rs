//! The verdict on a token's `iss`: worked out by the pipeline, remembered by the
//! verified-token cache. It sits below both so that the cache does not import the pipeline.

use crate::error::DecodeError;

/// How a token's `iss` compares with `decode_issuer`, worked out once when it is decoded
/// because decoding checks it only for some requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssuerVerdict {
    /// `iss` is `decode_issuer`, or no issuer is configured.
    Matches,
    /// An issuer is configured and the token has no `iss`.
    Missing,
    /// An issuer is configured and `iss` is something else.
    Differs,
}

impl IssuerVerdict {
    pub(crate) fn check(self) -> Result<(), DecodeError> {
        match self {
            Self::Matches => Ok(()),
            Self::Missing => Err(DecodeError::MissingClaim("iss")),
            Self::Differs => Err(DecodeError::InvalidIssuer),
        }
    }
}
