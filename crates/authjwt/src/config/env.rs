//! Settings from `AUTHJWT_<NAME>` environment variables.
//!
//! | kind | format |
//! |---|---|
//! | string | as is |
//! | bool | `true` / `false` (any case) |
//! | seconds | a non-negative integer |
//! | expiry | seconds, or `false` for no `exp` claim |
//! | list | a JSON array (`["headers","cookies"]`) or comma-separated (`headers,cookies`) |
//! | header type | `none` (any case) means no prefix |
//! | audience | a JSON array, or one audience |
//! | PEM key | the PEM text, or `AUTHJWT_PRIVATE_KEY_FILE` / `AUTHJWT_PUBLIC_KEY_FILE` naming a file |

use std::ffi::OsStr;
use std::str::FromStr;
use std::time::Duration;

use super::settings::{Secret, Settings, expiry_true_message};
use super::{AuthJwtConfigBuilder, ConfigError};

const PREFIX: &str = "AUTHJWT_";

/// Every setting name the environment may set, as reported in errors.
const SETTINGS: [&str; 38] = [
    "authjwt_token_location",
    "authjwt_secret_key",
    "authjwt_public_key",
    "authjwt_private_key",
    "authjwt_algorithm",
    "authjwt_decode_algorithms",
    "authjwt_decode_leeway",
    "authjwt_encode_issuer",
    "authjwt_decode_issuer",
    "authjwt_strict_issuer",
    "authjwt_decode_audience",
    "authjwt_access_token_expires",
    "authjwt_refresh_token_expires",
    "authjwt_denylist_enabled",
    "authjwt_denylist_token_checks",
    "authjwt_header_name",
    "authjwt_header_type",
    "authjwt_access_cookie_key",
    "authjwt_refresh_cookie_key",
    "authjwt_access_cookie_path",
    "authjwt_refresh_cookie_path",
    "authjwt_cookie_max_age",
    "authjwt_cookie_domain",
    "authjwt_cookie_secure",
    "authjwt_cookie_samesite",
    "authjwt_cookie_csrf_protect",
    "authjwt_access_csrf_cookie_key",
    "authjwt_refresh_csrf_cookie_key",
    "authjwt_access_csrf_cookie_path",
    "authjwt_refresh_csrf_cookie_path",
    "authjwt_access_csrf_header_name",
    "authjwt_refresh_csrf_header_name",
    "authjwt_csrf_methods",
    "authjwt_allow_weak_secret",
    "authjwt_max_token_size",
    "authjwt_verified_token_cache",
    "authjwt_public_key_file",
    "authjwt_private_key_file",
];

impl AuthJwtConfigBuilder {
    /// Applies every `AUTHJWT_<NAME>` variable of `vars` on top of the builder's settings;
    /// other variables are ignored. Pass [`std::env::vars_os`] for the process environment.
    ///
    /// ```
    /// use authjwt::{AuthJwtConfig, TokenLocation};
    ///
    /// let vars = [
    ///     ("AUTHJWT_SECRET_KEY", "a-random-secret-of-at-least-32-bytes"),
    ///     ("AUTHJWT_TOKEN_LOCATION", "headers,cookies"),
    ///     ("AUTHJWT_ACCESS_TOKEN_EXPIRES", "false"),
    ///     ("PATH", "/usr/bin"),
    /// ];
    /// let config = AuthJwtConfig::builder().apply_env(vars)?.build()?;
    /// assert_eq!(
    ///     config.settings().token_location,
    ///     [TokenLocation::Headers, TokenLocation::Cookies]
    /// );
    /// assert_eq!(config.settings().access_token_expires, None);
    ///
    /// let err = AuthJwtConfig::builder()
    ///     .apply_env([("AUTHJWT_COOKIE_SAMESITE", "Lax")])
    ///     .unwrap_err();
    /// assert_eq!(err.setting(), "authjwt_cookie_samesite");
    /// # Ok::<(), authjwt::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the variable's setting when a value cannot be parsed, an
    /// `AUTHJWT_` variable names no setting, a key file cannot be read, or a key is given both
    /// inline and as a file.
    pub fn apply_env<K, V>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigError>
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        for (key, value) in vars {
            let Some(name) = key
                .as_ref()
                .to_str()
                .and_then(|key| key.strip_prefix(PREFIX))
            else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            let setting = setting_name(&name)?;
            let raw = value
                .as_ref()
                .to_str()
                .ok_or_else(|| ConfigError::invalid(setting, "the value is not valid UTF-8"))?;
            apply(&mut self.settings, &name, setting, raw)?;
        }
        Ok(self)
    }
}

fn setting_name(name: &str) -> Result<&'static str, ConfigError> {
    let wanted = format!("authjwt_{name}");
    SETTINGS
        .into_iter()
        .find(|setting| *setting == wanted)
        .ok_or_else(|| {
            ConfigError::UnknownSetting(format!("{PREFIX}{}", name.to_ascii_uppercase()))
        })
}

fn apply(
    settings: &mut Settings,
    name: &str,
    setting: &'static str,
    raw: &str,
) -> Result<(), ConfigError> {
    match name {
        "token_location" => settings.token_location = list(setting, raw)?,
        "secret_key" => {
            settings.secret_key = Some(Secret::new(raw.trim().as_bytes().to_vec()));
        }
        "public_key" => set_key(
            &mut settings.public_key,
            "authjwt_public_key",
            raw.to_owned(),
        )?,
        "private_key" => set_key(
            &mut settings.private_key,
            "authjwt_private_key",
            Secret::new(raw.to_owned()),
        )?,
        "public_key_file" => set_key(
            &mut settings.public_key,
            "authjwt_public_key",
            read_key_file("authjwt_public_key", raw)?,
        )?,
        "private_key_file" => set_key(
            &mut settings.private_key,
            "authjwt_private_key",
            Secret::new(read_key_file("authjwt_private_key", raw)?),
        )?,
        "algorithm" => settings.algorithm = parsed(setting, raw.trim())?,
        "decode_algorithms" => settings.decode_algorithms = Some(list(setting, raw)?),
        "decode_leeway" => settings.decode_leeway = seconds(setting, raw)?,
        "encode_issuer" => settings.encode_issuer = Some(raw.to_owned()),
        "decode_issuer" => settings.decode_issuer = Some(raw.to_owned()),
        "strict_issuer" => settings.strict_issuer = boolean(setting, raw)?,
        "decode_audience" => {
            settings.decode_audience = Some(if raw.trim_start().starts_with('[') {
                json_list(setting, raw)?
            } else {
                vec![raw.to_owned()]
            });
        }
        "access_token_expires" => settings.access_token_expires = expiry(setting, raw)?,
        "refresh_token_expires" => settings.refresh_token_expires = expiry(setting, raw)?,
        "denylist_enabled" => settings.denylist_enabled = boolean(setting, raw)?,
        "denylist_token_checks" => settings.denylist_token_checks = list(setting, raw)?,
        "header_name" => settings.header_name = raw.to_owned(),
        "header_type" => {
            settings.header_type =
                (!raw.trim().eq_ignore_ascii_case("none")).then(|| raw.to_owned());
        }
        "access_cookie_key" => settings.access_cookie_key = raw.to_owned(),
        "refresh_cookie_key" => settings.refresh_cookie_key = raw.to_owned(),
        "access_cookie_path" => settings.access_cookie_path = raw.to_owned(),
        "refresh_cookie_path" => settings.refresh_cookie_path = raw.to_owned(),
        "cookie_max_age" => settings.cookie_max_age = Some(seconds(setting, raw)?),
        "cookie_domain" => settings.cookie_domain = Some(raw.to_owned()),
        "cookie_secure" => settings.cookie_secure = boolean(setting, raw)?,
        "cookie_samesite" => settings.cookie_samesite = Some(parsed(setting, raw.trim())?),
        "cookie_csrf_protect" => settings.cookie_csrf_protect = boolean(setting, raw)?,
        "access_csrf_cookie_key" => settings.access_csrf_cookie_key = raw.to_owned(),
        "refresh_csrf_cookie_key" => settings.refresh_csrf_cookie_key = raw.to_owned(),
        "access_csrf_cookie_path" => settings.access_csrf_cookie_path = raw.to_owned(),
        "refresh_csrf_cookie_path" => settings.refresh_csrf_cookie_path = raw.to_owned(),
        "access_csrf_header_name" => settings.access_csrf_header_name = raw.to_owned(),
        "refresh_csrf_header_name" => settings.refresh_csrf_header_name = raw.to_owned(),
        "csrf_methods" => settings.csrf_methods = list(setting, raw)?,
        "allow_weak_secret" => settings.allow_weak_secret = boolean(setting, raw)?,
        "max_token_size" => {
            settings.max_token_size = raw.trim().parse().map_err(|_| {
                ConfigError::invalid(setting, format!("expected a number of bytes, got `{raw}`"))
            })?;
        }
        "verified_token_cache" => {
            settings.verified_token_cache = raw.trim().parse().map_err(|_| {
                ConfigError::invalid(setting, format!("expected a number of tokens, got `{raw}`"))
            })?;
        }
        _ => {
            return Err(ConfigError::UnknownSetting(format!(
                "{PREFIX}{}",
                name.to_ascii_uppercase()
            )));
        }
    }
    Ok(())
}

/// A key may come inline or from a file, not both.
fn set_key<Pem>(
    slot: &mut Option<Pem>,
    setting: &'static str,
    pem: Pem,
) -> Result<(), ConfigError> {
    if slot.is_some() {
        return Err(ConfigError::invalid(
            setting,
            "given both inline and as a file; set only one",
        ));
    }
    *slot = Some(pem);
    Ok(())
}

fn read_key_file(setting: &'static str, path: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|err| {
        ConfigError::invalid(setting, format!("cannot read key file `{path}`: {err}"))
    })
}

fn parsed<T: FromStr<Err = String>>(setting: &'static str, raw: &str) -> Result<T, ConfigError> {
    raw.parse()
        .map_err(|message: String| ConfigError::invalid(setting, message))
}

fn boolean(setting: &'static str, raw: &str) -> Result<bool, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ConfigError::invalid(
            setting,
            format!("expected true or false, got `{raw}`"),
        )),
    }
}

fn seconds(setting: &'static str, raw: &str) -> Result<Duration, ConfigError> {
    raw.trim().parse().map(Duration::from_secs).map_err(|_| {
        ConfigError::invalid(
            setting,
            format!("expected a non-negative number of seconds, got `{raw}`"),
        )
    })
}

fn expiry(setting: &'static str, raw: &str) -> Result<Option<Duration>, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "false" => Ok(None),
        "true" => Err(ConfigError::invalid(setting, expiry_true_message(setting))),
        _ => seconds(setting, raw).map(Some),
    }
}

fn json_list(setting: &'static str, raw: &str) -> Result<Vec<String>, ConfigError> {
    serde_json::from_str(raw).map_err(|err| {
        ConfigError::invalid(setting, format!("expected a JSON array of strings: {err}"))
    })
}

/// A JSON array, or comma-separated items; each item parsed with its own message.
fn list<T: FromStr<Err = String>>(setting: &'static str, raw: &str) -> Result<Vec<T>, ConfigError> {
    let items = if raw.trim_start().starts_with('[') {
        json_list(setting, raw)?
    } else {
        raw.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    };
    items.iter().map(|item| parsed(setting, item)).collect()
}
