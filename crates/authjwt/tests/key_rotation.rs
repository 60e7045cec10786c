//! Rotating keys without downtime: the README's "Rotating keys" walked with tokens in flight
//! on two instances sharing one key set file, and reloads that never fail a valid token.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use authjwt::{Algorithm, AuthJwtConfig, DecodeError, FixedClock, Key, Requirement};
use common::{NOW, fixture_path, header_text};

const ACCESS_LIFETIME: i64 = 15 * 60;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "authjwt-key-rotation-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the key set file the way an operator should: a new file renamed over the old one,
/// so that no reader sees half of it.
fn write_key_set(file: &Path, json: &str) {
    let draft = file.with_extension("draft");
    std::fs::write(&draft, json).unwrap();
    std::fs::rename(&draft, file).unwrap();
}

fn instance(file: &Path, clock: &Arc<FixedClock>) -> AuthJwtConfig {
    AuthJwtConfig::builder()
        .key_set_file(file)
        .clock(Arc::clone(clock) as _)
        .build()
        .unwrap()
}

async fn accepts(config: &AuthJwtConfig, token: &str) -> Result<(), DecodeError> {
    match config.verify(token, Requirement::Access).await {
        Ok(_) => Ok(()),
        Err(authjwt::AuthJwtError::Decode(err)) => Err(err),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn the_documented_rotation_logs_nobody_out() {
    let dir = temp_dir("walk");
    std::fs::copy(fixture_path("ec256_private.pem"), dir.join("2026-01.pem")).unwrap();
    std::fs::copy(fixture_path("ed25519_private.pem"), dir.join("2026-07.pem")).unwrap();
    let file = dir.join("keys.json");
    let clock = Arc::new(FixedClock::new(NOW));

    // 0. One signing key.
    write_key_set(
        &file,
        r#"[{"kid": "2026-01", "alg": "ES256", "private_key_file": "2026-01.pem", "signing": true}]"#,
    );
    let (first, second) = (instance(&file, &clock), instance(&file, &clock));
    let old_token = first.create_access_token("alice").unwrap();

    // 1. Add the new key for verification only, and reload every instance: each one now
    //    knows the new key before any signs with it.
    write_key_set(
        &file,
        r#"[{"kid": "2026-01", "alg": "ES256", "private_key_file": "2026-01.pem", "signing": true},
            {"kid": "2026-07", "alg": "EdDSA", "private_key_file": "2026-07.pem"}]"#,
    );
    first.reload_keys().unwrap();
    second.reload_keys().unwrap();
    let still_old = first.create_access_token("alice").unwrap();
    assert_eq!(
        header_text(&still_old),
        r#"{"typ":"JWT","alg":"ES256","kid":"2026-01"}"#
    );

    // 2. Make it the signing key. The first instance reloads before the second: its new
    //    tokens already verify on the second, which knows the key from step 1.
    write_key_set(
        &file,
        r#"[{"kid": "2026-01", "alg": "ES256", "private_key_file": "2026-01.pem"},
            {"kid": "2026-07", "alg": "EdDSA", "private_key_file": "2026-07.pem", "signing": true}]"#,
    );
    first.reload_keys().unwrap();
    let new_token = first.create_access_token("alice").unwrap();
    assert_eq!(
        header_text(&new_token),
        r#"{"typ":"JWT","alg":"EdDSA","kid":"2026-07"}"#
    );
    for instance in [&first, &second] {
        for token in [&old_token, &still_old, &new_token] {
            accepts(instance, token).await.unwrap();
        }
    }
    second.reload_keys().unwrap();

    // 3. Keep the old key until the longest token lifetime has passed: tokens made just
    //    before the switch still verify until they expire.
    clock.advance(ACCESS_LIFETIME - 1);
    accepts(&second, &still_old).await.unwrap();
    clock.advance(2);
    assert_eq!(
        accepts(&second, &still_old).await,
        Err(DecodeError::ExpiredSignature)
    );

    // 4. Remove it.
    write_key_set(
        &file,
        r#"[{"kid": "2026-07", "alg": "EdDSA", "private_key_file": "2026-07.pem", "signing": true}]"#,
    );
    first.reload_keys().unwrap();
    second.reload_keys().unwrap();
    for instance in [&first, &second] {
        assert_eq!(
            accepts(instance, &old_token).await,
            Err(DecodeError::UnknownKeyId)
        );
        let fresh = instance.create_access_token("bob").unwrap();
        accepts(instance, &fresh).await.unwrap();
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_removed_key_stops_verifying_even_tokens_the_cache_remembers() {
    let old = Key::secret("old", Algorithm::HS256, common::SECRET);
    let new = Key::secret("new", Algorithm::HS512, common::SECRET_64);
    let config = AuthJwtConfig::builder()
        .key_set([old.clone().signing(true), new.clone()])
        .verified_token_cache(100)
        .clock(common::fixed_clock())
        .build()
        .unwrap();
    let token = config.create_access_token("alice").unwrap();
    accepts(&config, &token).await.unwrap();
    accepts(&config, &token).await.unwrap();

    config
        .replace_keys([old.clone(), new.clone().signing(true)])
        .unwrap();
    accepts(&config, &token).await.unwrap();
    config.replace_keys([new.signing(true)]).unwrap();
    assert_eq!(
        accepts(&config, &token).await,
        Err(DecodeError::UnknownKeyId)
    );
}

#[tokio::test]
async fn a_key_set_that_fails_its_checks_is_refused_and_the_current_one_kept() {
    let dir = temp_dir("broken");
    let file = dir.join("keys.json");
    write_key_set(
        &file,
        &format!(
            r#"[{{"kid": "k", "alg": "HS256", "secret_key": "{}", "signing": true}}]"#,
            common::SECRET
        ),
    );
    let config = AuthJwtConfig::builder()
        .key_set_file(&file)
        .clock(common::fixed_clock())
        .build()
        .unwrap();
    let token = config.create_access_token("alice").unwrap();

    write_key_set(
        &file,
        r#"[{"kid": "k", "alg": "HS256", "secret_key": "short"}]"#,
    );
    let err = config.reload_keys().unwrap_err();
    assert_eq!(
        err.to_string(),
        "authjwt_key_set: key `k`: authjwt_secret_key: HS256 needs a secret of at least 32 \
         bytes (RFC 7518 section 3.2), this one has 5; use a random secret, or set \
         authjwt_allow_weak_secret to accept it"
    );
    write_key_set(&file, "[");
    assert_eq!(
        config.reload_keys().unwrap_err().setting(),
        "authjwt_key_set_file"
    );
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        config.reload_keys().unwrap_err().setting(),
        "authjwt_key_set_file"
    );

    accepts(&config, &token).await.unwrap();
    accepts(&config, &config.create_access_token("bob").unwrap())
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn reloads_while_verifying_never_fail_a_valid_token() {
    let kept = Key::private_pem(
        "kept",
        Algorithm::ES256,
        common::fixture("ec256_private.pem"),
    );
    let others = [
        Key::secret("a", Algorithm::HS256, common::SECRET),
        Key::public_pem("b", Algorithm::RS256, common::fixture("rsa_public.pem")),
    ];
    let config = AuthJwtConfig::builder()
        .key_set([kept.clone().signing(true), others[0].clone()])
        .clock(common::fixed_clock())
        .build()
        .unwrap();
    let token = config.create_access_token("alice").unwrap();
    let reloading = AtomicBool::new(true);

    std::thread::scope(|scope| {
        let verifiers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut verified = 0u32;
                    while reloading.load(Ordering::Relaxed) || verified == 0 {
                        config.decode(&token).expect("a valid token verifies");
                        verified += 1;
                    }
                    verified
                })
            })
            .collect();
        for round in 0..200 {
            let other = others[round % 2].clone();
            let signing = kept.clone().signing(round % 3 == 0);
            config.replace_keys([other, signing]).unwrap();
        }
        reloading.store(false, Ordering::Relaxed);
        for verifier in verifiers {
            assert!(verifier.join().unwrap() > 0);
        }
    });
}
