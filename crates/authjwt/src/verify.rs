//! The ordered check pipeline.
//!
//! [`AuthJwtConfig::decode`] runs fastapi-jwt-auth's `_verified_token`: the unverified-header
//! stage, the allow-list, the signature, the payload, then `iat`, `nbf`, `exp`, `iss` and
//! `aud` as PyJWT 1.7.1 checks them, followed by the typing of `sub`, `jti` and `csrf`.
//! [`AuthJwtConfig::verify`] adds what a protect function adds, in the original's order: the
//! revocation store, then the session store (sessions on), the token type, freshness.
//!
//! With `verified_token_cache` on, a token that passed decoding before is not decoded again:
//! of the decoding checks, only those whose outcome can change since (`nbf`, `exp`, and the
//! issuer for requirements that check it) run again, in the same order.

use crate::cache::CachedToken;
use crate::claims::{
    ClaimedSessionId, ClaimedType, Claims, Header, JsonObject, RegisteredClaims, Subject,
    VerifiedToken,
};
use crate::codec::{self, PayloadFields, Scalar};
use crate::config::{AuthJwtConfig, TokenType};
use crate::error::{AuthJwtError, DecodeError, MAX_ID_CLAIM_LEN, RevocationError, StoreFailure};
use crate::issuer::IssuerVerdict;
use crate::session::SessionQuery;

/// What a protect function requires of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Requirement {
    /// `jwt_required`: an access token; the issuer is checked.
    Access,
    /// `jwt_optional` with a token present: an access token; the issuer is checked only with
    /// `strict_issuer`.
    OptionalAccess,
    /// `jwt_refresh_token_required`: a refresh token; the issuer is checked only with
    /// `strict_issuer`.
    Refresh,
    /// `fresh_jwt_required`: a fresh access token; the issuer is checked.
    FreshAccess,
}

impl Requirement {
    /// The token type the requirement accepts.
    #[must_use]
    pub fn token_type(self) -> TokenType {
        match self {
            Self::Refresh => TokenType::Refresh,
            Self::Access | Self::OptionalAccess | Self::FreshAccess => TokenType::Access,
        }
    }

    /// The original checks `iss` only where an access token is required; `strict_issuer`
    /// checks it everywhere.
    fn checks_issuer(self, strict_issuer: bool) -> bool {
        strict_issuer || matches!(self, Self::Access | Self::FreshAccess)
    }
}

impl AuthJwtConfig {
    /// Verifies a token as a protect function does: [`decode`](Self::decode), with the issuer
    /// when the requirement checks it, then the `type` claim's presence, the revocation store
    /// (when enabled for the token's type), the type, and freshness.
    ///
    /// ```
    /// use authjwt::{AuthJwtConfig, AuthJwtError, Requirement};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let config = AuthJwtConfig::builder()
    ///     .secret_key("a-random-secret-of-at-least-32-bytes")
    ///     .build()?;
    /// let refresh = config.create_refresh_token("alice")?;
    ///
    /// let verified = config.verify(&refresh, Requirement::Refresh).await?;
    /// assert_eq!(verified.claims().subject().unwrap().to_string(), "alice");
    ///
    /// let err = config.verify(&refresh, Requirement::Access).await.unwrap_err();
    /// assert_eq!(err, AuthJwtError::AccessTokenRequired);
    /// assert_eq!((err.status_code(), err.message().as_str()), (422, "Only access tokens are allowed"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The first failing check's [`AuthJwtError`].
    pub async fn verify(
        &self,
        token: &str,
        requirement: Requirement,
    ) -> Result<VerifiedToken, AuthJwtError> {
        let verified = self.decode_checked(
            token,
            requirement.checks_issuer(self.settings().strict_issuer),
        )?;
        let claims = verified.claims();
        let registered = claims.registered();
        if registered.token_type == ClaimedType::Absent {
            return Err(DecodeError::MissingClaim("type").into());
        }
        if let ClaimedType::Known(token_type) = registered.token_type {
            let denylist = self.settings().checks_denylist(token_type);
            let sessions = self.settings().checks_sessions(token_type);
            if denylist && sessions && self.session_store_keeps_denylist() {
                self.check_revocation_and_session(claims).await?;
            } else {
                if denylist {
                    self.check_revocation(claims).await?;
                }
                if sessions {
                    self.check_session(claims, None).await?;
                }
            }
        }
        if registered.token_type != ClaimedType::Known(requirement.token_type()) {
            return Err(match requirement.token_type() {
                TokenType::Access => AuthJwtError::AccessTokenRequired,
                TokenType::Refresh => AuthJwtError::RefreshTokenRequired,
            });
        }
        if requirement == Requirement::FreshAccess && !registered.fresh {
            return Err(AuthJwtError::FreshTokenRequired);
        }
        Ok(verified)
    }

    /// Decodes and verifies a token the way the original's getters do (`get_raw_jwt(token)`,
    /// `get_jti(token)`): structure, algorithm, signature, payload, `iat`, `nbf`, `exp` and
    /// audience; no issuer, no revocation store, no type.
    ///
    /// # Errors
    ///
    /// [`AuthJwtError::InvalidHeader`] for an unreadable token, [`AuthJwtError::Decode`] for
    /// one that fails verification.
    pub fn decode(&self, token: &str) -> Result<VerifiedToken, AuthJwtError> {
        self.decode_checked(token, false)
    }

    /// The token's JOSE header without verifying anything else (the original's
    /// `get_unverified_jwt_headers(token)`). Malformed tokens are refused with the same
    /// messages as verification gives.
    ///
    /// # Errors
    ///
    /// [`AuthJwtError::InvalidHeader`] for an unreadable token.
    pub fn unverified_header(&self, token: &str) -> Result<JsonObject, AuthJwtError> {
        let parts = codec::split(token, self.settings().max_token_size)?;
        Ok(serde_json::from_str(&parts.header_json).unwrap_or_default())
    }

    async fn check_revocation(&self, claims: &Claims) -> Result<(), AuthJwtError> {
        let jti = claims.jti().ok_or(DecodeError::MissingClaim("jti"))?;
        // `build` refuses an enabled denylist without a store.
        let Some(store) = self.revocation_store() else {
            return Err(AuthJwtError::RevocationUnavailable(StoreFailure::new(
                RevocationError::Unavailable("no revocation store is configured".into()),
            )));
        };
        match store.is_revoked(jti, claims).await {
            Ok(false) => Ok(()),
            Ok(true) => Err(AuthJwtError::RevokedToken),
            Err(cause) => Err(AuthJwtError::RevocationUnavailable(StoreFailure::new(
                cause,
            ))),
        }
    }

    /// Both checks in one question to the store that keeps both, with the same answers as
    /// asking twice: the missing `jti` first, then 401 for a revoked token or an ended
    /// session, 503 when the store fails. A token without `sub` is not filed under a
    /// subject: its denylist entry is asked for alone.
    async fn check_revocation_and_session(&self, claims: &Claims) -> Result<(), AuthJwtError> {
        let jti = claims.jti().ok_or(DecodeError::MissingClaim("jti"))?;
        if claims.subject().is_none() {
            self.check_revocation(claims).await?;
        }
        self.check_session(claims, Some(jti)).await
    }

    /// The token's session must be alive and the token issued after its subject's
    /// watermark (and its `denylist_jti` not revoked, when given). A token without `sub` has
    /// no session to look up: with a `sid` it is refused, without one it passes.
    async fn check_session(
        &self,
        claims: &Claims,
        denylist_jti: Option<&str>,
    ) -> Result<(), AuthJwtError> {
        let sid = match &claims.registered().session_id {
            ClaimedSessionId::Absent => None,
            ClaimedSessionId::Text(sid) => Some(sid.as_str()),
            ClaimedSessionId::Other => return Err(AuthJwtError::RevokedToken),
        };
        let Some(subject) = claims.subject() else {
            return match sid {
                Some(_) => Err(AuthJwtError::RevokedToken),
                None => Ok(()),
            };
        };
        // `build` refuses enabled sessions without a store.
        let Some(store) = self.session_store() else {
            return Err(AuthJwtError::RevocationUnavailable(StoreFailure::new(
                RevocationError::Unavailable("no session store is configured".into()),
            )));
        };
        let subject = subject.store_key();
        let query = SessionQuery {
            subject: &subject,
            sid,
            issued_at: claims.issued_at(),
            denylist_jti,
        };
        match store.is_revoked(&query).await {
            Ok(false) => Ok(()),
            Ok(true) => Err(AuthJwtError::RevokedToken),
            Err(cause) => Err(AuthJwtError::RevocationUnavailable(StoreFailure::new(
                cause,
            ))),
        }
    }

    fn decode_checked(
        &self,
        token: &str,
        check_issuer: bool,
    ) -> Result<VerifiedToken, AuthJwtError> {
        // Hashing stays bounded: a token over the size limit is refused before any lookup.
        let cache = self
            .token_cache()
            .filter(|_| token.len() <= self.settings().max_token_size);
        // A token verified under a key set since replaced is verified again.
        if let Some(cached) = cache
            .and_then(|cache| cache.get(token))
            .filter(|cached| cached.key_generation == self.key_generation())
        {
            return self.recheck_cached(cached, check_issuer);
        }
        let cached = self
            .decode_uncached(token, check_issuer)
            .inspect_err(|err| {
                if *err == AuthJwtError::Decode(DecodeError::UnknownKeyId) {
                    self.unknown_key_seen();
                }
            })?;
        let verified = cached.verified.clone();
        if let Some(cache) = cache {
            cache.offer(token, cached);
        }
        Ok(verified)
    }

    /// The checks of [`decode_uncached`](Self::decode_uncached) whose outcome can differ
    /// from when the token was decoded, in the same order.
    fn recheck_cached(
        &self,
        cached: CachedToken,
        check_issuer: bool,
    ) -> Result<VerifiedToken, AuthJwtError> {
        let registered = cached.verified.claims().registered();
        let now = self.clock().now();
        let leeway = self.leeway_secs();
        if is_immature(registered.not_before, now, leeway) {
            return Err(DecodeError::ImmatureSignature.into());
        }
        if is_expired(registered.expires_at, now, leeway) {
            return Err(DecodeError::ExpiredSignature.into());
        }
        if check_issuer {
            cached.issuer.check()?;
        }
        Ok(cached.verified)
    }

    fn decode_uncached(
        &self,
        token: &str,
        check_issuer: bool,
    ) -> Result<CachedToken, AuthJwtError> {
        let settings = self.settings();
        let parts = codec::split(token, settings.max_token_size)?;

        let algorithm = parts
            .header
            .algorithm
            .ok_or(DecodeError::AlgorithmNotAllowed)?;
        let key_generation = self.check_signature(
            algorithm,
            parts.header.kid.as_deref(),
            parts.signing_input.as_bytes(),
            &parts.signature,
        )?;

        let payload_json = String::from_utf8(parts.payload).map_err(|_| {
            DecodeError::InvalidPayloadString("the payload is not valid UTF-8".to_owned())
        })?;
        let (registered, issuer) = {
            let fields = codec::parse_payload(&payload_json)
                .map_err(|err| DecodeError::InvalidPayloadString(err.to_string()))?;
            let (dates, issuer) = self.check_registered_claims(&fields, check_issuer)?;
            (type_claims(fields, dates)?, issuer)
        };
        let header = Header::new(parts.header_json, algorithm, parts.header.kid);
        Ok(CachedToken {
            verified: VerifiedToken::new(header, Claims::new(payload_json, registered)),
            issuer,
            key_generation,
        })
    }

    /// PyJWT 1.7.1's `_validate_claims`, with claims typed instead of coerced. Returns `iat`,
    /// `nbf` and `exp`, and how `iss` compares with `decode_issuer` (an error only when the
    /// issuer is checked).
    fn check_registered_claims(
        &self,
        fields: &PayloadFields<'_>,
        check_issuer: bool,
    ) -> Result<(Dates, IssuerVerdict), DecodeError> {
        let now = self.clock().now();
        let leeway = self.leeway_secs();

        let issued_at = numeric_date(&fields.iat, DecodeError::IatNotInteger)?;
        let not_before = numeric_date(&fields.nbf, DecodeError::NbfNotInteger)?;
        if is_immature(not_before, now, leeway) {
            return Err(DecodeError::ImmatureSignature);
        }
        let expires_at = numeric_date(&fields.exp, DecodeError::ExpNotInteger)?;
        if is_expired(expires_at, now, leeway) {
            return Err(DecodeError::ExpiredSignature);
        }

        let issuer = match (self.settings().decode_issuer.as_deref(), &fields.iss) {
            (None, _) => IssuerVerdict::Matches,
            (Some(_), Scalar::Absent) => IssuerVerdict::Missing,
            (Some(issuer), Scalar::Str(iss)) if iss == issuer => IssuerVerdict::Matches,
            (Some(_), _) => IssuerVerdict::Differs,
        };
        if check_issuer {
            issuer.check()?;
        }
        check_audience(self.settings().decode_audience.as_deref(), &fields.aud)?;
        let dates = Dates {
            issued_at,
            not_before,
            expires_at,
        };
        Ok((dates, issuer))
    }
}

fn is_immature(not_before: Option<i64>, now: i64, leeway: i64) -> bool {
    not_before.is_some_and(|nbf| nbf > now.saturating_add(leeway))
}

fn is_expired(expires_at: Option<i64>, now: i64, leeway: i64) -> bool {
    expires_at.is_some_and(|exp| exp < now.saturating_sub(leeway))
}

/// `iat`, `nbf` and `exp` once checked.
#[derive(Clone, Copy)]
struct Dates {
    issued_at: Option<i64>,
    not_before: Option<i64>,
    expires_at: Option<i64>,
}

/// Largest magnitude accepted for a fractional `NumericDate` (2^53, where `f64` stops
/// representing every integer).
const MAX_FLOAT_DATE: f64 = 9_007_199_254_740_992.0;

/// An `iat`/`nbf`/`exp` value as whole seconds: JSON numbers only (fractions truncated, as
/// Python's `int()` does), never strings.
fn numeric_date(value: &Scalar<'_>, not_integer: DecodeError) -> Result<Option<i64>, DecodeError> {
    match value {
        Scalar::Absent => Ok(None),
        Scalar::Int(seconds) => Ok(Some(*seconds)),
        #[allow(clippy::cast_possible_truncation)] // range checked; truncation is the point
        Scalar::Float(seconds) if seconds.is_finite() && seconds.abs() <= MAX_FLOAT_DATE => {
            Ok(Some(seconds.trunc() as i64))
        }
        _ => Err(not_integer),
    }
}

/// PyJWT 1.7.1's `_validate_aud`.
fn check_audience(expected: Option<&[String]>, claim: &Scalar<'_>) -> Result<(), DecodeError> {
    let (expected, present) = match (expected, claim) {
        (None, Scalar::Absent) => return Ok(()),
        (Some(_), Scalar::Absent) => return Err(DecodeError::MissingClaim("aud")),
        (None, _) => return Err(DecodeError::InvalidAudience),
        (Some(expected), present) => (expected, present),
    };
    let matches = match present {
        Scalar::Str(audience) => expected.iter().any(|wanted| wanted == audience),
        Scalar::Strings(audiences) => expected
            .iter()
            .any(|wanted| audiences.iter().any(|audience| wanted == audience)),
        _ => return Err(DecodeError::InvalidClaimFormat),
    };
    if matches {
        Ok(())
    } else {
        Err(DecodeError::InvalidAudience)
    }
}

/// Types `sub`, `jti`, `csrf`, `type` and `fresh`; values are never coerced.
fn type_claims(fields: PayloadFields<'_>, dates: Dates) -> Result<RegisteredClaims, DecodeError> {
    Ok(RegisteredClaims {
        subject: match fields.sub {
            Scalar::Absent => None,
            Scalar::Str(text) => Some(Subject::String(text.into_owned())),
            Scalar::Int(number) => Some(Subject::Integer(number)),
            _ => return Err(DecodeError::InvalidSubject),
        },
        jti: bounded_string(fields.jti, DecodeError::InvalidJti)?,
        csrf: bounded_string(fields.csrf, DecodeError::InvalidCsrfClaim)?,
        session_id: match fields.sid {
            Scalar::Absent => ClaimedSessionId::Absent,
            Scalar::Str(text) => ClaimedSessionId::Text(text.into_owned()),
            _ => ClaimedSessionId::Other,
        },
        token_type: match fields.token_type {
            Scalar::Absent => ClaimedType::Absent,
            Scalar::Str(text) => text.parse().map_or(ClaimedType::Other, ClaimedType::Known),
            _ => ClaimedType::Other,
        },
        fresh: fields.fresh == Scalar::Bool(true),
        issued_at: dates.issued_at,
        not_before: dates.not_before,
        expires_at: dates.expires_at,
    })
}

fn bounded_string(value: Scalar<'_>, invalid: DecodeError) -> Result<Option<String>, DecodeError> {
    match value {
        Scalar::Absent => Ok(None),
        Scalar::Str(text) if text.len() <= MAX_ID_CLAIM_LEN => Ok(Some(text.into_owned())),
        _ => Err(invalid),
    }
}
