//! The verified-token cache (`verified_token_cache`): tokens that passed decoding, kept so
//! that the same token sent again skips base64, the signature and the JSON.
//!
//! Only what depends on nothing but the token and the configuration is reused. The checks
//! that depend on the time or on the caller (`nbf`, `exp`, the issuer when the requirement
//! checks it) run again on every hit, in the pipeline's order, so a hit answers exactly as
//! decoding the token again would.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use foldhash::fast::RandomState;

use crate::claims::VerifiedToken;
use crate::issuer::IssuerVerdict;

/// Shards, so that concurrent readers of different tokens touch different locks; a small
/// cache is one shard, which keeps its eviction order exact.
const MAX_SHARDS: usize = 16;
const MIN_SHARD_CAPACITY: usize = 64;

/// A remembered token.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub(crate) verified: VerifiedToken,
    pub(crate) issuer: IssuerVerdict,
    /// The generation of the key set that verified it.
    pub(crate) key_generation: u64,
}

struct Entry {
    /// The whole token: the map is keyed by its hash, and a hit must be this exact text.
    token: Box<str>,
    cached: CachedToken,
}

/// A generation's map, keyed by the token's hash.
type Generation = HashMap<u64, Entry, RandomState>;

/// Two generations: tokens are inserted into `current`; when it is full it becomes
/// `previous`, and the generation before is forgotten at once. Eviction is thus constant
/// work per insertion however large the cache, and a token survives at least one turn after
/// it was inserted.
#[derive(Default)]
struct Shard {
    current: Generation,
    previous: Generation,
}

/// A bounded map from token text to its verification.
pub(crate) struct TokenCache {
    shards: Box<[RwLock<Shard>]>,
    /// Tokens per generation of a shard.
    generation_capacity: usize,
    /// Whether a full generation is kept as the previous one: not when a shard holds a
    /// single token.
    keeps_previous: bool,
    /// foldhash, seeded at random: fast rather than resistant to chosen collisions, which
    /// it need not be, because only tokens whose signature verified are stored and the
    /// hash is of the signature, which no one without the signing key chooses. SipHash
    /// (the standard library's) cost 4% of a verification on every miss.
    hasher: RandomState,
    seen_once: SeenOnce,
}

/// The tokens seen once lately, as bits of their hashes: a token is remembered only the
/// second time it is decoded, so a stream of tokens each sent once (a client minting a token
/// per request, say) costs two bits each instead of an insertion and an eviction.
///
/// A token marks two bits of one word and passes for seen when both are set. A word is
/// cleared when more than an eighth of its bits are set, so that old tokens stop passing for
/// seen and a token seen once finds both its bits set by others (and is admitted one request
/// early, which costs an insertion and changes nothing else) less than one time in 64; each
/// word keeps its own count, so that cores marking different tokens share no counter.
struct SeenOnce {
    /// Sixteen bits per remembered token: a token's word is cleared after about four other
    /// tokens, so a token is remembered as seen for about as many new tokens as the cache
    /// holds.
    words: Box<[AtomicU64]>,
}

/// The bits a [`SeenOnce`] word may have set: an eighth of them.
const SEEN_BITS_PER_WORD: u32 = u64::BITS / 8;

impl SeenOnce {
    fn new(capacity: usize) -> Self {
        let words = capacity.saturating_mul(16).div_ceil(64).max(16);
        Self {
            words: (0..words).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Whether the token with this hash was seen before; marks it seen.
    fn check_and_mark(&self, hash: u64) -> bool {
        // The high half: the low one picks the shard. Its top twenty bits pick the word,
        // and two times six bits the token's two bits in it.
        let high = hash >> 32;
        let word = usize::try_from(high >> 12).unwrap_or(usize::MAX) % self.words.len();
        let word = &self.words[word];
        let mask = (1u64 << (high & 63)) | (1u64 << ((high >> 6) & 63));
        let before = word.fetch_or(mask, Ordering::Relaxed);
        if before & mask == mask {
            return true;
        }
        // A mark lost to a concurrent clear costs that token one more decoding, no more.
        if (before | mask).count_ones() > SEEN_BITS_PER_WORD {
            word.store(mask, Ordering::Relaxed);
        }
        false
    }
}

impl TokenCache {
    /// A cache holding at most `capacity` tokens (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        let shard_count = (capacity / MIN_SHARD_CAPACITY).clamp(1, MAX_SHARDS);
        let shard_capacity = (capacity / shard_count).max(1);
        let keeps_previous = shard_capacity >= 2;
        Self {
            shards: (0..shard_count).map(|_| RwLock::default()).collect(),
            generation_capacity: if keeps_previous {
                shard_capacity / 2
            } else {
                shard_capacity
            },
            keeps_previous,
            hasher: RandomState::default(),
            seen_once: SeenOnce::new(capacity),
        }
    }

    /// Remembers `token` if it was offered before (see [`SeenOnce`]); returns whether it did.
    pub(crate) fn offer(&self, token: &str, cached: CachedToken) -> bool {
        let admitted = self.seen_once.check_and_mark(self.hash(token));
        if admitted {
            self.insert(token, cached);
        }
        admitted
    }

    /// The remembered verification of exactly `token`.
    pub(crate) fn get(&self, token: &str) -> Option<CachedToken> {
        let hash = self.hash(token);
        let shard = self
            .shard(hash)
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        shard
            .current
            .get(&hash)
            .or_else(|| shard.previous.get(&hash))
            .filter(|entry| *entry.token == *token)
            .map(|entry| entry.cached.clone())
    }

    /// Remembers `token`. A full current generation becomes the previous one, and the
    /// generation before it is forgotten.
    pub(crate) fn insert(&self, token: &str, cached: CachedToken) {
        let hash = self.hash(token);
        let forgotten = {
            let mut shard = self
                .shard(hash)
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let mut forgotten = Generation::default();
            if shard.current.len() >= self.generation_capacity && !shard.current.contains_key(&hash)
            {
                let full = std::mem::take(&mut shard.current);
                forgotten = if self.keeps_previous {
                    std::mem::replace(&mut shard.previous, full)
                } else {
                    full
                };
            }
            // One copy per token, so that the two generations stay within the capacity.
            shard.previous.remove(&hash);
            shard.current.insert(
                hash,
                Entry {
                    token: token.into(),
                    cached,
                },
            );
            forgotten
        };
        // Freeing a whole generation takes a while: not while readers wait for the lock.
        drop(forgotten);
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
        // The modulo is below the shard count, which fits a usize.
        #[allow(clippy::cast_possible_truncation)]
        let index = (hash % self.shards.len() as u64) as usize;
        &self.shards[index]
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.read().unwrap_or_else(PoisonError::into_inner);
                shard.current.len() + shard.previous.len()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Algorithm;
    use crate::claims::{ClaimedSessionId, ClaimedType, Claims, Header, RegisteredClaims};

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
            session_id: ClaimedSessionId::Absent,
        };
        CachedToken {
            verified: VerifiedToken::new(
                Header::new("{}".into(), Algorithm::HS256, None),
                Claims::new("{}".into(), registered),
            ),
            issuer: IssuerVerdict::Matches,
            key_generation: 0,
        }
    }

    #[test]
    fn a_token_is_remembered_the_second_time_it_is_offered() {
        let cache = TokenCache::new(8);
        assert!(!cache.offer("a.b.c", cached(Some(100))));
        assert!(cache.get("a.b.c").is_none(), "seen once: not remembered");
        assert!(cache.offer("a.b.c", cached(Some(100))));
        assert!(cache.get("a.b.c").is_some());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn tokens_seen_once_are_rarely_remembered() {
        let cache = TokenCache::new(1_000);
        let offers = 4 * cache.seen_once.words.len() * 4;
        let admitted = (0..offers)
            .filter(|n| cache.offer(&format!("seen.once.{n}"), cached(None)))
            .count();
        // Only collisions with the bits of other tokens admit one: under one in 64.
        assert!(admitted * 64 < offers, "{admitted} of {offers} admitted");
        for word in &cache.seen_once.words {
            let set = word.load(Ordering::Relaxed).count_ones();
            assert!(
                set <= SEEN_BITS_PER_WORD,
                "a word is cleared as it fills: {set}"
            );
        }
    }

    #[test]
    fn a_hit_needs_the_exact_token() {
        let cache = TokenCache::new(8);
        cache.insert("a.b.c", cached(Some(100)));
        assert!(cache.get("a.b.c").is_some());
        for other in ["a.b.d", "a.b.c ", "x.b.c", "a.x.c", "b.c", "c", "a.b.c.c"] {
            assert!(cache.get(other).is_none(), "{other}");
        }
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity() {
        for capacity in [1, 2, 3, 64, 100, 1_000, 5_000] {
            let cache = TokenCache::new(capacity);
            for n in 0..capacity * 3 {
                cache.insert(&format!("token-{n}"), cached(None));
                assert!(cache.len() <= capacity, "capacity {capacity}");
            }
            // Never emptied: at least the previous generation of every shard is there.
            assert!(
                2 * (cache.len() + MAX_SHARDS) >= capacity,
                "capacity {capacity}"
            );
            let newest = format!("token-{}", capacity * 3 - 1);
            assert!(cache.get(&newest).is_some(), "capacity {capacity}");
        }
    }

    #[test]
    fn a_full_generation_becomes_the_previous_one() {
        let cache = TokenCache::new(4);
        let present = |tokens: &[&str]| tokens.iter().all(|token| cache.get(token).is_some());
        let absent = |tokens: &[&str]| tokens.iter().all(|token| cache.get(token).is_none());
        cache.insert("a", cached(None));
        cache.insert("b", cached(None));
        cache.insert("c", cached(None));
        assert!(present(&["a", "b", "c"]));
        cache.insert("d", cached(None));
        cache.insert("e", cached(None));
        assert!(present(&["c", "d", "e"]));
        assert!(absent(&["a", "b"]));
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn a_single_token_cache_keeps_the_last_one() {
        let cache = TokenCache::new(1);
        cache.insert("a", cached(None));
        cache.insert("b", cached(None));
        assert!(cache.get("a").is_none());
        assert!(cache.get("b").is_some());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_same_token_again_replaces_its_entry() {
        let cache = TokenCache::new(1);
        cache.insert("a.b.c", cached(Some(1)));
        cache.insert("a.b.c", cached(Some(2)));
        assert_eq!(cache.len(), 1);
        let hit = cache
            .get("a.b.c")
            .map(|hit| hit.verified.claims().registered().expires_at);
        assert_eq!(hit, Some(Some(2)));
    }
}
