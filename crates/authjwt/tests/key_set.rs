//! Key sets: tokens carry the signing key's `kid`, the `kid` selects the verifying key and
//! binds the algorithm, tokens without `kid` meet only the keys that accept them, and
//! `build` refuses key sets that cannot work.

mod common;

use authjwt::testing::TestTokens;
use authjwt::{
    Algorithm, AuthJwtConfig, AuthJwtConfigBuilder, AuthJwtError, ConfigError, CreateTokenError,
    DecodeError, ErrorCode, Key, Requirement,
};
use common::{SECRET, SECRET_64, fixed_clock, fixture, fixture_path, header_text};

fn hs256_key(kid: &str) -> Key {
    Key::secret(kid, Algorithm::HS256, SECRET)
}

fn key_set(keys: impl IntoIterator<Item = Key>) -> AuthJwtConfigBuilder {
    AuthJwtConfig::builder().clock(fixed_clock()).key_set(keys)
}

fn build(keys: impl IntoIterator<Item = Key>) -> AuthJwtConfig {
    key_set(keys).build().expect("the key set is valid")
}

fn build_err(builder: AuthJwtConfigBuilder) -> (String, String) {
    let err = builder.build().expect_err("the key set is refused");
    (err.setting().to_owned(), err.to_string())
}

async fn verify(config: &AuthJwtConfig, token: &str) -> Result<(), AuthJwtError> {
    config.verify(token, Requirement::Access).await.map(drop)
}

#[test]
fn a_single_key_configuration_writes_the_original_header() {
    let token = common::config().create_access_token("alice").unwrap();
    assert_eq!(header_text(&token), r#"{"typ":"JWT","alg":"HS256"}"#);
}

#[tokio::test]
async fn a_key_set_token_carries_the_signing_keys_kid() {
    let config = build([
        Key::private_pem("ec-2026", Algorithm::ES256, fixture("ec256_private.pem")).signing(true),
        hs256_key("hs-2025"),
    ]);
    let token = config.create_access_token("alice").unwrap();
    assert_eq!(
        header_text(&token),
        r#"{"typ":"JWT","alg":"ES256","kid":"ec-2026"}"#
    );
    let verified = config.verify(&token, Requirement::Access).await.unwrap();
    assert_eq!(verified.header().key_id(), Some("ec-2026"));
    assert!(config.can_sign());
}

#[tokio::test]
async fn the_kid_selects_the_key_that_verifies() {
    let old = build([Key::secret("old", Algorithm::HS512, SECRET_64).signing(true)]);
    let new = build([
        Key::secret("old", Algorithm::HS512, SECRET_64),
        hs256_key("new").signing(true),
    ]);
    let old_token = old.create_access_token("alice").unwrap();
    let new_token = new.create_access_token("alice").unwrap();
    verify(&new, &old_token).await.unwrap();
    verify(&new, &new_token).await.unwrap();
    assert_eq!(
        verify(&old, &new_token).await,
        Err(DecodeError::UnknownKeyId.into())
    );
}

#[tokio::test]
async fn an_unknown_kid_is_a_422_with_its_own_code() {
    let config = build([hs256_key("k1").signing(true)]);
    let token = TestTokens::new(&config)
        .with_parts(
            r#"{"typ":"JWT","alg":"HS256","kid":"k2"}"#,
            r#"{"sub":"alice","type":"access"}"#,
        )
        .unwrap();
    let err = config
        .verify(&token, Requirement::Access)
        .await
        .unwrap_err();
    assert_eq!(err, AuthJwtError::Decode(DecodeError::UnknownKeyId));
    assert_eq!(err.status_code(), 422);
    assert_eq!(err.message(), "The key ID (kid) names no known key");
    assert_eq!(err.code(), ErrorCode::UnknownKey);
    assert_eq!(err.code().as_str(), "unknown_key");
}

#[tokio::test]
async fn a_kid_cannot_make_its_key_verify_another_algorithm() {
    // Signed with the HS256 key's secret, but naming the ES256 key: refused for its
    // algorithm, whatever the signature.
    let config = build([
        hs256_key("hs").signing(true),
        Key::public_pem("ec", Algorithm::ES256, fixture("ec256_public.pem")),
    ]);
    let token = TestTokens::new(&config)
        .with_parts(
            r#"{"typ":"JWT","alg":"HS256","kid":"ec"}"#,
            r#"{"sub":"alice","type":"access"}"#,
        )
        .unwrap();
    let err = config
        .verify(&token, Requirement::Access)
        .await
        .unwrap_err();
    assert_eq!(err, AuthJwtError::Decode(DecodeError::AlgorithmNotAllowed));
    assert_eq!(err.message(), "The specified alg value is not allowed");
}

#[tokio::test]
async fn a_token_without_kid_is_refused_when_no_key_accepts_one() {
    let legacy = common::config();
    let token = legacy.create_access_token("alice").unwrap();
    let config = build([hs256_key("k1").signing(true)]);
    let err = config
        .verify(&token, Requirement::Access)
        .await
        .unwrap_err();
    assert_eq!(err, AuthJwtError::Decode(DecodeError::MissingKeyId));
    assert_eq!(err.status_code(), 422);
    assert_eq!(err.message(), "Token is missing the key ID (kid) header");
    assert_eq!(err.code(), ErrorCode::UnknownKey);
}

#[tokio::test]
async fn a_token_without_kid_verifies_under_the_key_marked_for_it() {
    let legacy = common::config();
    let token = legacy.create_access_token("alice").unwrap();
    let config = build([
        Key::secret("new", Algorithm::HS256, SECRET_64).signing(true),
        hs256_key("legacy").accepts_tokens_without_kid(true),
    ]);
    verify(&config, &token).await.unwrap();
}

#[tokio::test]
async fn a_token_without_kid_is_never_tried_against_unmarked_keys() {
    // The legacy token's key is in the set, but not marked: the marked key, of the same
    // algorithm, does not verify it, and the unmarked one is not tried.
    let legacy = common::config();
    let token = legacy.create_access_token("alice").unwrap();
    let config = build([
        hs256_key("legacy-unmarked").signing(true),
        Key::secret("other", Algorithm::HS256, SECRET_64).accepts_tokens_without_kid(true),
    ]);
    assert_eq!(
        verify(&config, &token).await,
        Err(DecodeError::InvalidSignature.into())
    );
}

#[tokio::test]
async fn a_token_without_kid_of_another_algorithm_than_the_marked_keys_is_refused() {
    let legacy = common::builder()
        .algorithm(Algorithm::HS512)
        .secret_key(SECRET_64)
        .build()
        .unwrap();
    let token = legacy.create_access_token("alice").unwrap();
    let config = build([hs256_key("legacy")
        .signing(true)
        .accepts_tokens_without_kid(true)]);
    assert_eq!(
        verify(&config, &token).await,
        Err(DecodeError::AlgorithmNotAllowed.into())
    );
}

#[test]
fn the_token_builder_cannot_override_the_key_sets_kid_or_algorithm() {
    let config = build([hs256_key("k1").signing(true)]);
    assert_eq!(
        config.access_token("alice").header("kid", "k2").encode(),
        Err(CreateTokenError::InvalidHeader(
            "`kid` is set by the key set".into()
        ))
    );
    assert_eq!(
        config
            .access_token("alice")
            .algorithm(Algorithm::HS512)
            .encode(),
        Err(CreateTokenError::NoSigningKey(Algorithm::HS512))
    );
    assert!(
        config
            .access_token("alice")
            .algorithm(Algorithm::HS256)
            .encode()
            .is_ok()
    );
}

#[test]
fn a_key_set_without_signing_key_only_verifies() {
    let config = build([Key::public_pem(
        "rsa",
        Algorithm::RS256,
        fixture("rsa_public.pem"),
    )]);
    assert!(!config.can_sign());
    assert_eq!(
        config.create_access_token("alice"),
        Err(CreateTokenError::NoSigningKey(Algorithm::HS256))
    );
}

#[test]
fn build_refuses_key_sets_that_cannot_work() {
    let cases: Vec<(AuthJwtConfigBuilder, &str, &str)> = vec![
        (
            key_set([]),
            "authjwt_key_set",
            "authjwt_key_set: at least one key is required",
        ),
        (
            key_set([hs256_key("")]),
            "authjwt_key_set",
            "authjwt_key_set: a key's kid may not be empty",
        ),
        (
            key_set([
                hs256_key("k"),
                Key::secret("k", Algorithm::HS512, SECRET_64),
            ]),
            "authjwt_key_set",
            "authjwt_key_set: the kid `k` is used twice",
        ),
        (
            key_set([
                hs256_key("a").signing(true),
                Key::secret("b", Algorithm::HS512, SECRET_64).signing(true),
            ]),
            "authjwt_key_set",
            "authjwt_key_set: only one key may be the signing key",
        ),
        (
            key_set([Key::private_pem(
                "rsa",
                Algorithm::ES256,
                fixture("rsa_private.pem"),
            )]),
            "authjwt_key_set",
            "authjwt_key_set: key `rsa`: authjwt_private_key: a RSA key cannot sign with ES256",
        ),
        (
            key_set([
                Key::public_pem("ec", Algorithm::ES256, fixture("ec256_public.pem")).signing(true),
            ]),
            "authjwt_key_set",
            "authjwt_key_set: key `ec`: a public key cannot sign",
        ),
        (
            key_set([Key::secret("weak", Algorithm::HS256, "short")]),
            "authjwt_key_set",
            "authjwt_key_set: key `weak`: authjwt_secret_key: HS256 needs a secret of at least \
             32 bytes (RFC 7518 section 3.2), this one has 5; use a random secret, or set \
             authjwt_allow_weak_secret to accept it",
        ),
        (
            key_set([
                Key::secret("hs", Algorithm::HS256, fixture("rsa_public.pem")),
                Key::public_pem("rsa", Algorithm::RS256, fixture("rsa_public.pem")),
            ]),
            "authjwt_key_set",
            "authjwt_key_set: the secret of key `hs` equals the key `rsa`: HMAC tokens keyed \
             with that key would verify; use a random secret",
        ),
        (
            key_set([hs256_key("k")]).secret_key(SECRET),
            "authjwt_key_set",
            "authjwt_key_set: cannot be combined with authjwt_secret_key, authjwt_private_key \
             or authjwt_public_key: give every key in the key set",
        ),
        (
            key_set([hs256_key("k")]).decode_algorithms([Algorithm::RS256]),
            "authjwt_key_set",
            "authjwt_key_set: key `k` uses HS256, which authjwt_decode_algorithms does not \
             allow",
        ),
        (
            key_set([hs256_key("k")]).key_set_file("keys.json"),
            "authjwt_key_set_file",
            "authjwt_key_set_file: given with authjwt_key_set; set only one",
        ),
    ];
    for (builder, setting, message) in cases {
        assert_eq!(build_err(builder), (setting.to_owned(), message.to_owned()));
    }
}

#[test]
fn a_secret_equal_to_another_keys_public_half_is_refused() {
    // The raw public point of the EC private key, as an HMAC secret.
    let public_pem = fixture("ec256_public.pem");
    let der = pem_contents(&public_pem);
    let point = &der[der.len() - 65..];
    let (setting, message) = build_err(key_set([
        Key::secret("hs", Algorithm::HS256, point),
        Key::private_pem("ec", Algorithm::ES256, fixture("ec256_private.pem")),
    ]));
    assert_eq!(setting, "authjwt_key_set");
    assert!(
        message.starts_with("authjwt_key_set: the secret of key `hs` equals the key `ec`"),
        "{message}"
    );
}

fn pem_contents(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

#[tokio::test]
async fn serde_reads_a_key_set_with_file_paths() {
    let json = serde_json::json!({
        "authjwt_key_set": [
            {"kid": "ec", "alg": "ES256", "private_key_file": fixture_path("ec256_private.pem"), "signing": true},
            {"kid": "rsa", "algorithm": "RS256", "public_key_file": fixture_path("rsa_public.pem")},
            {"kid": "hs", "algorithm": "HS256", "secret_key": SECRET, "accepts_tokens_without_kid": true},
        ]
    });
    let config = serde_json::from_value::<AuthJwtConfigBuilder>(json)
        .unwrap()
        .clock(fixed_clock())
        .build()
        .unwrap();
    let token = config.create_access_token("alice").unwrap();
    assert_eq!(
        header_text(&token),
        r#"{"typ":"JWT","alg":"ES256","kid":"ec"}"#
    );
    verify(&config, &token).await.unwrap();
    verify(
        &config,
        &common::config().create_access_token("bob").unwrap(),
    )
    .await
    .unwrap();
}

#[test]
fn serde_refuses_a_key_without_exactly_one_material() {
    for entry in [
        serde_json::json!({"kid": "k", "alg": "HS256"}),
        serde_json::json!({"kid": "k", "alg": "HS256", "secret_key": SECRET, "public_key": "x"}),
    ] {
        let err = serde_json::from_value::<AuthJwtConfigBuilder>(
            serde_json::json!({ "key_set": [entry] }),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "authjwt_key_set: key `k` needs exactly one of secret_key, private_key, \
             public_key, private_key_file, public_key_file"
        );
    }
}

#[tokio::test]
async fn the_environment_names_a_key_set_file_whose_paths_are_relative_to_it() {
    let dir = temp_dir("env");
    std::fs::copy(fixture_path("ed25519_private.pem"), dir.join("ed.pem")).unwrap();
    std::fs::write(
        dir.join("keys.json"),
        r#"[{"kid": "ed", "alg": "EdDSA", "private_key_file": "ed.pem", "signing": true}]"#,
    )
    .unwrap();
    let file = dir.join("keys.json");
    let config = AuthJwtConfig::builder()
        .apply_env([("AUTHJWT_KEY_SET_FILE", file.as_os_str())])
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        config.settings().key_set_file.as_deref(),
        Some(file.as_path())
    );
    let token = config.create_access_token("alice").unwrap();
    assert_eq!(
        header_text(&token),
        r#"{"typ":"JWT","alg":"EdDSA","kid":"ed"}"#
    );
    verify(&config, &token).await.unwrap();
}

#[test]
fn an_unreadable_key_set_file_names_the_file() {
    let (setting, message) =
        build_err(AuthJwtConfig::builder().key_set_file("/nonexistent/keys.json"));
    assert_eq!(setting, "authjwt_key_set_file");
    assert!(
        message.starts_with("authjwt_key_set_file: `/nonexistent/keys.json`: "),
        "{message}"
    );
}

#[test]
fn debug_shows_no_secret_and_no_private_key() {
    let keys = [
        Key::secret("hs", Algorithm::HS256, SECRET),
        Key::private_pem("ec", Algorithm::ES256, fixture("ec256_private.pem")),
    ];
    let text = format!("{keys:?}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    let config = build(keys);
    let text = format!("{config:?}");
    assert!(
        !text.contains(SECRET) && !text.contains("PRIVATE KEY"),
        "{text}"
    );
}

#[test]
fn config_error_is_returned_for_reloading_without_a_key_set() {
    let err: ConfigError = common::config().reload_keys().unwrap_err();
    assert_eq!(err.setting(), "authjwt_key_set");
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("authjwt-key-set-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_environment_takes_a_key_set_as_json() {
    let keys =
        format!(r#"[{{"kid": "k", "alg": "HS256", "secret_key": "{SECRET}", "signing": true}}]"#);
    let config = AuthJwtConfig::builder()
        .apply_env([("AUTHJWT_KEY_SET", keys.as_str())])
        .unwrap()
        .build()
        .unwrap();
    let token = config.create_access_token("alice").unwrap();
    assert_eq!(
        header_text(&token),
        r#"{"typ":"JWT","alg":"HS256","kid":"k"}"#
    );
    verify(&config, &token).await.unwrap();

    let err = AuthJwtConfig::builder()
        .apply_env([("AUTHJWT_KEY_SET", r#"[{"kid": "k", "alg": "HS256"}]"#)])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "authjwt_key_set: key `k` needs exactly one of secret_key, private_key, public_key, \
         private_key_file, public_key_file"
    );
    let err = AuthJwtConfig::builder()
        .apply_env([("AUTHJWT_KEY_SET", "k1,k2")])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "authjwt_key_set: expected a JSON array of keys: expected value at line 1 column 1"
    );
}

/// The `on_unknown_key` handler hears of every token whose `kid` names no key, and of no
/// other failure.
#[tokio::test]
async fn an_unknown_kid_is_reported_to_the_handler() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let heard = Arc::new(AtomicUsize::new(0));
    let config = key_set([hs256_key("k1").signing(true)])
        .on_unknown_key({
            let heard = Arc::clone(&heard);
            move || {
                heard.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .expect("valid");
    let tokens = TestTokens::new(&config);
    let unknown = tokens
        .with_parts(
            r#"{"typ":"JWT","alg":"HS256","kid":"k2"}"#,
            r#"{"sub":"alice","type":"access"}"#,
        )
        .unwrap();
    assert!(verify(&config, &unknown).await.is_err());
    assert!(verify(&config, &unknown).await.is_err());
    assert_eq!(heard.load(Ordering::SeqCst), 2);

    let known = config.create_access_token("alice").unwrap();
    verify(&config, &known).await.expect("a known kid");
    assert!(verify(&config, "garbage").await.is_err());
    assert_eq!(
        heard.load(Ordering::SeqCst),
        2,
        "other failures are not reported"
    );
}
