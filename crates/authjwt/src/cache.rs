//! The verified-token cache (`verified_token_cache`): tokens that passed decoding, kept so
//! that the same token sent again skips base64, the signature and the JSON.
//!
//! Only what depends on nothing but the token and the configuration is reused. The checks
//! that depend on the time or on the caller (`nbf`, `exp`, the issuer when the requirement
//! checks it) run again on every hit, in the pipeline's order, so a hit answers exactly as
//! decoding the token again would.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{PoisonError, RwLock};

use crate::claims::VerifiedToken;
use crate::verify::IssuerVerdict;

/// Shards, so that concurrent readers of different tokens touch different locks; a small
/// cache is one shard, which keeps its eviction order exact.
const MAX_SHARDS: usize = 16;
const MIN_SHARD_CAPACITY: usize = 64;

/// A remembered token.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub(crate) verified: VerifiedToken,
    pub(crate) issuer: IssuerVerdict,
}

struct Entry {
    /// The whole token: the map is keyed by its hash, and a hit must be this exact text.
    token: Box<str>,
    cached: CachedToken,
}

/// A shard's map, keyed by the token's keyed hash.
type Shard = HashMap<u64, Entry, BuildHasherDefault<KeyAsHash>>;

/// The map's keys are already random-keyed SipHash values: they are used as their own hash
/// rather than hashed a second time.
#[derive(Default)]
struct KeyAsHash(u64);

impl Hasher for KeyAsHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}

/// A bounded map from token text to its verification.
pub(crate) struct TokenCache {
    shards: Box<[RwLock<Shard>]>,
    shard_capacity: usize,
    hasher: RandomState,
}

impl TokenCache {
    /// A cache holding at most `capacity` tokens (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        let shard_count = (capacity / MIN_SHARD_CAPACITY).clamp(1, MAX_SHARDS);
        Self {
            shards: (0..shard_count).map(|_| RwLock::default()).collect(),
            shard_capacity: (capacity / shard_count).max(1),
            hasher: RandomState::new(),
        }
    }

    /// The remembered verification of exactly `token`.
    pub(crate) fn get(&self, token: &str) -> Option<CachedToken> {
        let hash = self.hash(token);
        let shard = self
            .shard(hash)
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        shard
            .get(&hash)
            .filter(|entry| *entry.token == *token)
            .map(|entry| entry.cached.clone())
    }

    /// Remembers `token`. When its shard is full, tokens that expired before `expired_before`
    /// go first, then an arbitrary one.
    pub(crate) fn insert(&self, token: &str, cached: CachedToken, expired_before: i64) {
        let hash = self.hash(token);
        let mut shard = self
            .shard(hash)
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if shard.len() >= self.shard_capacity && !shard.contains_key(&hash) {
            shard.retain(|_, entry| {
                let expires_at = entry.cached.verified.claims().registered().expires_at;
                expires_at.is_none_or(|exp| exp >= expired_before)
            });
            if shard.len() >= self.shard_capacity
                && let Some(&evicted) = shard.keys().next()
            {
                shard.remove(&evicted);
            }
        }
        shard.insert(
            hash,
            Entry {
                token: token.into(),
                cached,
            },
        );
    }

    /// Hashes the signature segment only: it tells verified tokens apart as well as the
    /// whole text does, at a fraction of the length. A hit still compares the whole text, so
    /// tokens that share a signature segment can only miss.
    fn hash(&self, token: &str) -> u64 {
        let signature = token
            .rsplit_once('.')
            .map_or(token, |(_, signature)| signature);
        self.hasher.hash_one(signature)
    }

    fn shard(&self, hash: u64) -> &RwLock<Shard> {
        // The maps inside use the low bits (bucket) and the top seven (tag) of the same hash:
        // the shard comes from the bits in between, so each shard's keys still spread over
        // all of its buckets. The modulo is below the shard count, which fits a usize.
        #[allow(clippy::cast_possible_truncation)]
        let index = ((hash >> 32) % self.shards.len() as u64) as usize;
        &self.shards[index]
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.read().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Algorithm;
    use crate::claims::{ClaimedType, Claims, Header, RegisteredClaims};

    fn cached(expires_at: Option<i64>) -> CachedToken {
        let registered = RegisteredClaims {
            subject: None,
            jti: None,
            csrf: None,
            token_type: ClaimedType::Absent,
            fresh: false,
            issued_at: None,
            not_before: None,
            expires_at,
        };
        CachedToken {
            verified: VerifiedToken::new(
                Header::new("{}".into(), Algorithm::HS256, None),
                Claims::new("{}".into(), registered),
            ),
            issuer: IssuerVerdict::Matches,
        }
    }

    #[test]
    fn a_hit_needs_the_exact_token() {
        let cache = TokenCache::new(8);
        cache.insert("a.b.c", cached(Some(100)), 0);
        assert!(cache.get("a.b.c").is_some());
        for other in ["a.b.d", "a.b.c ", "x.b.c", "a.x.c", "b.c", "c", "a.b.c.c"] {
            assert!(cache.get(other).is_none(), "{other}");
        }
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity() {
        for capacity in [1, 3, 64, 100, 1_000, 5_000] {
            let cache = TokenCache::new(capacity);
            for n in 0..capacity * 3 {
                cache.insert(&format!("token-{n}"), cached(None), 0);
                assert!(cache.len() <= capacity, "capacity {capacity}");
            }
            assert!(cache.len() + MAX_SHARDS > capacity, "capacity {capacity}");
            let newest = format!("token-{}", capacity * 3 - 1);
            assert!(cache.get(&newest).is_some(), "capacity {capacity}");
        }
    }

    #[test]
    fn expired_tokens_make_room_before_live_ones() {
        let cache = TokenCache::new(3);
        cache.insert("live-1", cached(Some(1_000)), 0);
        cache.insert("expired", cached(Some(10)), 0);
        cache.insert("live-2", cached(None), 0);
        assert_eq!(cache.len(), 3);
        // At 500, "expired" is out of date: it goes, and both live tokens stay.
        cache.insert("new", cached(Some(1_000)), 500);
        assert!(cache.get("expired").is_none());
        for token in ["live-1", "live-2", "new"] {
            assert!(cache.get(token).is_some(), "{token}");
        }
    }

    #[test]
    fn the_same_token_again_replaces_its_entry() {
        let cache = TokenCache::new(1);
        cache.insert("a.b.c", cached(Some(1)), 0);
        cache.insert("a.b.c", cached(Some(2)), 0);
        assert_eq!(cache.len(), 1);
        let hit = cache
            .get("a.b.c")
            .map(|hit| hit.verified.claims().registered().expires_at);
        assert_eq!(hit, Some(Some(2)));
    }
}
