//! Settings from `AUTHJWT_<NAME>` environment variables.
//!
//! Each variable is read through [`Settings`]' own `Deserialize`, as the one-entry map
//! `{"authjwt_<name>": text}`: serde's aliases name the settings, `deny_unknown_fields`
//! refuses the unknown ones, and each setting's deserializer reads the text as its type asks:
//!
//! | kind | format |
//! |---|---|
//! | string | as is (surrounding whitespace is ignored, as `build` strips it anyway) |
//! | bool | `true` / `false` (any case) |
//! | number | an integer: seconds, bytes or tokens, as the setting says |
//! | expiry | seconds, or `false` for no `exp` claim |
//! | list | a JSON array of strings (`["headers","cookies"]`) or comma-separated (`headers,cookies`) |
//! | header type | `none` (any case) means no prefix |
//! | audience | a JSON array, or one audience |
//! | PEM key | the PEM text, or `AUTHJWT_PRIVATE_KEY_FILE` / `AUTHJWT_PUBLIC_KEY_FILE` naming a file |
//! | key set | `AUTHJWT_KEY_SET`: the JSON array of keys; or `AUTHJWT_KEY_SET_FILE` naming a file |

use std::error::Error as StdError;
use std::ffi::OsStr;
use std::fmt;
use std::path::Path;

use serde::de::value::MapDeserializer;
use serde::de::{self, Expected, IntoDeserializer, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, forward_to_deserialize_any};

use super::settings::Settings;
use super::{AuthJwtConfigBuilder, ConfigError, key_given_twice, read_key_file};

const PREFIX: &str = "AUTHJWT_";
const KEY_SET: &str = "authjwt_key_set";

/// The variables naming a file that holds a key, with the key's setting.
const KEY_FILES: [(&str, &str); 2] = [
    ("authjwt_private_key_file", "authjwt_private_key"),
    ("authjwt_public_key_file", "authjwt_public_key"),
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
        let mut keys = KeySources::default();
        for (key, value) in vars {
            let Some(name) = key
                .as_ref()
                .to_str()
                .and_then(|key| key.strip_prefix(PREFIX))
            else {
                continue;
            };
            let variable = format!("authjwt_{}", name.to_ascii_lowercase());
            let (setting, text) = keys.read(variable, value.as_ref())?;
            let layer = if setting == KEY_SET {
                key_set_layer(text.as_deref())?
            } else {
                let entry = (setting.as_str(), Text::new(text.as_deref()));
                Settings::deserialize(MapDeserializer::new(std::iter::once(entry)))
                    .map_err(|err| err.naming(&setting))?
            };
            self.settings.set_from(layer, &setting);
        }
        Ok(self)
    }
}

/// `AUTHJWT_KEY_SET`: a list of keys, which only JSON can spell.
fn key_set_layer(text: Option<&str>) -> Result<Settings, ConfigError> {
    let invalid = |message: String| ConfigError::invalid(KEY_SET, message);
    let keys: serde_json::Value = serde_json::from_str(text.unwrap_or_default())
        .map_err(|err| invalid(format!("expected a JSON array of keys: {err}")))?;
    let entry = serde_json::Value::Object([(KEY_SET.to_owned(), keys)].into_iter().collect());
    Settings::deserialize(entry).map_err(|err| invalid(err.to_string()))
}

/// How a key came in the environment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeySource {
    Inline,
    File,
}

/// The keys the environment gave so far: each may come inline or from a file, not both.
#[derive(Default)]
struct KeySources(Vec<(&'static str, KeySource)>);

impl KeySources {
    /// The setting and the text of the variable `variable` (`authjwt_<name>`): for a key file,
    /// the key's setting and the file's text. `None` for a value that is not UTF-8.
    fn read(
        &mut self,
        variable: String,
        value: &OsStr,
    ) -> Result<(String, Option<String>), ConfigError> {
        if let Some(&(_, key)) = KEY_FILES.iter().find(|(file, _)| *file == variable) {
            self.given(key, KeySource::File)?;
            let pem = read_key_file(key, Path::new(value))?;
            return Ok((key.to_owned(), Some(pem)));
        }
        if let Some(&(_, key)) = KEY_FILES.iter().find(|(_, key)| *key == variable) {
            self.given(key, KeySource::Inline)?;
        }
        Ok((variable, value.to_str().map(str::to_owned)))
    }

    fn given(&mut self, setting: &'static str, source: KeySource) -> Result<(), ConfigError> {
        match self.0.iter().find(|(given, _)| *given == setting) {
            Some(&(_, earlier)) if earlier != source => Err(key_given_twice(setting)),
            Some(_) => Ok(()),
            None => {
                self.0.push((setting, source));
                Ok(())
            }
        }
    }
}

/// Why a variable was refused, before it is known as whose: [`naming`](Self::naming) makes
/// it a [`ConfigError`].
#[derive(Debug)]
enum EnvError {
    /// `deny_unknown_fields` refused the variable's name.
    UnknownSetting,
    /// The value cannot be read, in serde's words or the setting's own.
    Invalid(String),
}

impl EnvError {
    /// The error of the variable for `setting` (`authjwt_<name>`).
    fn naming(self, setting: &str) -> ConfigError {
        let known = Settings::NAMES.iter().find(|name| **name == setting);
        match (self, known) {
            (Self::Invalid(message), Some(setting)) => ConfigError::invalid(setting, message),
            _ => ConfigError::UnknownSetting(setting.to_ascii_uppercase()),
        }
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownSetting => f.write_str("unknown setting"),
            Self::Invalid(message) => f.write_str(message),
        }
    }
}

impl StdError for EnvError {}

impl de::Error for EnvError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::Invalid(message.to_string())
    }

    fn unknown_field(_field: &str, _expected: &'static [&'static str]) -> Self {
        Self::UnknownSetting
    }
}

/// The text of one variable, read as the type deserialized from it asks.
struct Text<'a> {
    /// The value as given, `None` if it is not UTF-8.
    raw: Option<&'a str>,
    /// What a number must be, from the newtype around it (the setting's `quantity`):
    /// `a non-negative number of seconds`, ...
    quantity: Option<String>,
}

impl<'a> Text<'a> {
    fn new(raw: Option<&'a str>) -> Self {
        Self {
            raw,
            quantity: None,
        }
    }

    /// The value without surrounding whitespace.
    fn text(&self) -> Result<&'a str, EnvError> {
        self.raw
            .map(str::trim)
            .ok_or_else(|| EnvError::Invalid("the value is not valid UTF-8".to_owned()))
    }

    /// The refusal of text that is not what `visitor` (or the quantity around it) expects.
    fn refusal(&self, visitor: &dyn Expected) -> EnvError {
        let raw = self.raw.unwrap_or_default();
        match &self.quantity {
            Some(quantity) => EnvError::Invalid(format!("expected {quantity}, got `{raw}`")),
            None => EnvError::Invalid(format!("expected {visitor}, got `{raw}`")),
        }
    }

    /// The items of a list: a JSON array of strings, or comma-separated.
    fn items(&self) -> Result<Vec<String>, EnvError> {
        let text = self.text()?;
        if text.starts_with('[') {
            // The value as given, so that positions in serde_json's message count from its
            // first character.
            serde_json::from_str(self.raw.unwrap_or_default()).map_err(|err| {
                EnvError::Invalid(format!("expected a JSON array of strings: {err}"))
            })
        } else {
            Ok(text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect())
        }
    }
}

impl<'de> IntoDeserializer<'de, EnvError> for Text<'_> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Parses the text as the integer or float type asked for.
macro_rules! deserialize_number {
    ($($deserialize:ident => $visit:ident),* $(,)?) => {
        $(
            fn $deserialize<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, EnvError> {
                match self.text()?.parse() {
                    Ok(number) => visitor.$visit(number),
                    Err(_) => Err(self.refusal(&visitor)),
                }
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Text<'_> {
    type Error = EnvError;

    /// Text is text, or a list when it is a JSON array: guessing a number or a boolean would
    /// refuse the audience `12345`, which JSON must refuse as a number. Inside a quantity,
    /// an expiry for one, it is a number, or a flag.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, EnvError> {
        let text = self.text()?;
        if self.quantity.is_some() {
            if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
                return self.deserialize_bool(visitor);
            }
            return self.deserialize_u64(visitor);
        }
        if text.starts_with('[') {
            return self.deserialize_seq(visitor);
        }
        visitor.visit_str(text)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, EnvError> {
        let text = self.text()?;
        if text.eq_ignore_ascii_case("true") {
            visitor.visit_bool(true)
        } else if text.eq_ignore_ascii_case("false") {
            visitor.visit_bool(false)
        } else {
            let raw = self.raw.unwrap_or_default();
            Err(EnvError::Invalid(format!(
                "expected true or false, got `{raw}`"
            )))
        }
    }

    deserialize_number! {
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128,
        deserialize_f32 => visit_f32,
        deserialize_f64 => visit_f64,
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, EnvError> {
        visitor.visit_str(self.text()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, EnvError> {
        self.deserialize_str(visitor)
    }

    /// A variable that is set holds a value: never `None`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, EnvError> {
        visitor.visit_some(self)
    }

    /// A setting's `quantity`: the newtype's expectation names what the number counts.
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, EnvError> {
        let quantity = (&visitor as &dyn Expected).to_string();
        visitor.visit_newtype_struct(Text {
            raw: self.raw,
            quantity: Some(quantity),
        })
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, EnvError> {
        visitor.visit_seq(Items(self.items()?.into_iter()))
    }

    forward_to_deserialize_any! {
        char bytes byte_buf unit unit_struct tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// A list's items, each read as text.
struct Items(std::vec::IntoIter<String>);

impl<'de> SeqAccess<'de> for Items {
    type Error = EnvError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, EnvError> {
        self.0
            .next()
            .map(|item| seed.deserialize(Text::new(Some(&item))))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::{EnvError, Text};

    fn read<'de, T: Deserialize<'de>>(raw: &str) -> Result<T, String> {
        T::deserialize(Text::new(Some(raw))).map_err(|err| err.to_string())
    }

    #[test]
    fn numbers_parse_as_the_type_asks_and_are_refused_with_its_expectation() {
        assert_eq!(read::<i64>(" -5 "), Ok(-5));
        assert_eq!(read::<u8>("255"), Ok(255));
        assert_eq!(read::<f64>("1.5"), Ok(1.5));
        assert_eq!(read::<u8>("256"), Err("expected u8, got `256`".to_owned()));
        assert_eq!(read::<u64>("-1"), Err("expected u64, got `-1`".to_owned()));
    }

    #[test]
    fn booleans_are_true_or_false_in_any_case() {
        assert_eq!(read::<bool>(" TRUE "), Ok(true));
        assert_eq!(read::<bool>("False"), Ok(false));
        assert_eq!(
            read::<bool>("1"),
            Err("expected true or false, got `1`".to_owned())
        );
    }

    #[test]
    fn any_value_is_text_unless_it_is_a_json_array() {
        assert_eq!(read::<Value>("12345"), Ok(json!("12345")));
        assert_eq!(read::<Value>("true"), Ok(json!("true")));
        assert_eq!(read::<Value>(r#" ["a", "b"] "#), Ok(json!(["a", "b"])));
    }

    #[test]
    fn lists_are_json_arrays_of_strings_or_comma_separated() {
        assert_eq!(read::<Vec<u8>>(r#"["1", "2"]"#), Ok(vec![1, 2]));
        assert_eq!(read::<Vec<u8>>("1, 2,"), Ok(vec![1, 2]));
        assert_eq!(
            read::<Vec<u8>>("[1]"),
            Err(
                "expected a JSON array of strings: invalid type: integer `1`, expected a string \
                 at line 1 column 2"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_set_variable_is_some_value() {
        assert_eq!(
            read::<Option<String>>(" text "),
            Ok(Some("text".to_owned()))
        );
    }

    #[test]
    fn a_value_that_is_not_utf8_is_refused_whatever_is_asked() {
        for result in [
            String::deserialize(Text::new(None)).map(|_| ()),
            bool::deserialize(Text::new(None)).map(|_| ()),
            Vec::<String>::deserialize(Text::new(None)).map(|_| ()),
        ] {
            assert!(
                matches!(&result, Err(EnvError::Invalid(message)) if message == "the value is not valid UTF-8"),
                "{result:?}"
            );
        }
    }
}
