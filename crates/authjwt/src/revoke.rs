//! Revocation through the configuration: [`AuthJwtConfig::revoke`], `revoke_token` and
//! `revoke_jti` refuse what the denylist would never check, then record in the configured
//! store.
//!
//! They live here rather than beside the store: they need the configuration and the
//! pipeline, and both of those need the store's module.

use crate::claims::Claims;
use crate::clock::time_to_live;
use crate::config::AuthJwtConfig;
use crate::error::{AuthJwtError, DecodeError};
use crate::revocation::RevokeError;

impl AuthJwtConfig {
    /// Revokes a verified token: records its `jti` in the revocation store until its `exp`
    /// plus the leeway (for good if it has no `exp`).
    ///
    /// # Errors
    ///
    /// [`RevokeError::DenylistDisabled`] or [`RevokeError::TypeNotChecked`] when the store
    /// would never be consulted for this token; [`RevokeError::Token`] for a token without
    /// `jti`; [`RevokeError::Store`] when the store fails.
    pub async fn revoke(&self, claims: &Claims) -> Result<(), RevokeError> {
        if !self.settings().denylist_enabled {
            return Err(RevokeError::DenylistDisabled);
        }
        let token_type = claims.token_type();
        if !token_type.is_some_and(|token_type| self.settings().checks_denylist(token_type)) {
            return Err(RevokeError::TypeNotChecked(token_type));
        }
        let jti = claims
            .jti()
            .ok_or(AuthJwtError::Decode(DecodeError::MissingClaim("jti")))?;
        let expires_at = claims
            .expires_at()
            .map(|exp| exp.saturating_add(self.leeway_secs()));
        self.record_revocation(jti, Some(claims), expires_at).await
    }

    /// Verifies `token` (as [`decode`](Self::decode) does) and revokes it.
    ///
    /// # Errors
    ///
    /// [`RevokeError::Token`] with the token's verification error, or those of
    /// [`revoke`](Self::revoke).
    pub async fn revoke_token(&self, token: &str) -> Result<(), RevokeError> {
        let verified = self.decode(token)?;
        self.revoke(verified.claims()).await
    }

    /// Records `jti` as revoked until `expires_at` (seconds since the epoch, on the
    /// configuration's clock: a token's `exp` plus the leeway), or for good. The token's type
    /// is not known here: make sure `authjwt_denylist_token_checks` lists it.
    ///
    /// # Errors
    ///
    /// [`RevokeError::DenylistDisabled`] when the denylist is off or checks no token type;
    /// [`RevokeError::Store`] when the store fails.
    pub async fn revoke_jti(&self, jti: &str, expires_at: Option<i64>) -> Result<(), RevokeError> {
        let settings = self.settings();
        if !settings.denylist_enabled || settings.denylist_token_checks.is_empty() {
            return Err(RevokeError::DenylistDisabled);
        }
        self.record_revocation(jti, None, expires_at).await
    }

    /// Hands the store how long to keep the revocation, measured with the configuration's
    /// clock, so the store and the pipeline cannot disagree about time; and the token's
    /// claims when they are known, for stores that file revocations by subject.
    async fn record_revocation(
        &self,
        jti: &str,
        claims: Option<&Claims>,
        expires_at: Option<i64>,
    ) -> Result<(), RevokeError> {
        // `build` refuses an enabled denylist without a store.
        let store = self
            .revocation_store()
            .ok_or(RevokeError::DenylistDisabled)?;
        let ttl = match expires_at {
            None => None,
            Some(expires_at) => match time_to_live(expires_at, self.clock().now()) {
                Some(ttl) => Some(ttl),
                // The token can no longer pass `exp`: nothing is left to revoke.
                None => return Ok(()),
            },
        };
        let recorded = match claims {
            Some(claims) => store.revoke_token(jti, claims, ttl).await,
            None => store.revoke(jti, ttl).await,
        };
        recorded.map_err(RevokeError::Store)
    }
}
