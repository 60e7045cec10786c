//! Compact JWS: splitting, strict base64url, and strict JSON.
//!
//! The stages and their messages follow PyJWT 1.7.1's `_load` (what fastapi-jwt-auth's
//! "unverified header" step runs), made strict:
//!
//! * the size cap is checked before anything else, and splitting allocates nothing;
//! * base64url must be unpadded, from the URL-safe alphabet, with canonical trailing bits;
//! * header and payload must be UTF-8 JSON objects, with no member name repeated at any depth
//!   and nothing after the object;
//! * the header may not carry `crit`, `b64`, JWE's `enc`/`zip`, or a nested token's `cty`.
//!
//! Header and payload are read in one pass each into the few typed fields verification needs;
//! the full JSON maps are only built when an application asks for them.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::Algorithm;
use crate::error::InvalidHeader;

/// Base64url without padding; the engine refuses padding and non-canonical trailing bits.
pub(crate) fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// [`b64_encode`], appended to `out`.
pub(crate) fn b64_encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

fn b64_decode(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment).ok()
}

/// A token taken apart, before its signature is checked.
pub(crate) struct Parts<'a> {
    /// `header.payload`, exactly as received: what the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) header: HeaderFields,
    pub(crate) header_json: String,
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

/// Splits and decodes a compact token, in PyJWT's order and with its messages.
pub(crate) fn split(token: &str, max_len: usize) -> Result<Parts<'_>, InvalidHeader> {
    if token.len() > max_len {
        return Err(InvalidHeader::TokenTooLarge { limit: max_len });
    }
    // PyJWT splits off the signature at the last dot, then the header at the first, so a
    // token with more than three segments fails on its payload ("Invalid payload padding").
    let (signing_input, signature) = token
        .rsplit_once('.')
        .ok_or(InvalidHeader::NotEnoughSegments)?;
    let (header_segment, payload_segment) = signing_input
        .split_once('.')
        .ok_or(InvalidHeader::NotEnoughSegments)?;

    let header_bytes = b64_decode(header_segment).ok_or(InvalidHeader::InvalidHeaderPadding)?;
    let header_json = String::from_utf8(header_bytes).map_err(|_| {
        InvalidHeader::InvalidHeaderString("the header is not valid UTF-8".to_owned())
    })?;
    let header = match standard_header(&header_json) {
        Some(header) => header,
        None => parse_header(&header_json)?,
    };
    let payload = b64_decode(payload_segment).ok_or(InvalidHeader::InvalidPayloadPadding)?;
    let signature = b64_decode(signature).ok_or(InvalidHeader::InvalidCryptoPadding)?;

    if header.kid_not_string {
        return Err(InvalidHeader::KidNotString);
    }
    if let Some(parameter) = header.unsupported {
        return Err(InvalidHeader::UnsupportedParameter(parameter));
    }
    Ok(Parts {
        signing_input,
        header,
        header_json,
        payload,
        signature,
    })
}

/// Why a JSON document was refused: not JSON at all, or JSON but not an object.
pub(crate) enum JsonObjectError {
    Syntax(String),
    NotAnObject,
}

impl fmt::Display for JsonObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax(detail) => f.write_str(detail),
            Self::NotAnObject => f.write_str("must be a json object"),
        }
    }
}

/// Reads a JSON object with `visitor`. Like Python's `json.loads` followed by an
/// `isinstance(..., Mapping)` check, a syntax error wins over "not an object". Text, not
/// bytes: its UTF-8 was checked once, and serde_json does not check each string again.
pub(crate) fn read_object<'de, V: Visitor<'de>>(
    json: &'de str,
    visitor: V,
) -> Result<V::Value, JsonObjectError> {
    let starts_with_brace = json
        .bytes()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| byte == b'{');
    if !starts_with_brace {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        return match StrictIgnore
            .deserialize(&mut deserializer)
            .and_then(|()| deserializer.end())
        {
            Ok(()) => Err(JsonObjectError::NotAnObject),
            Err(err) => Err(JsonObjectError::Syntax(err.to_string())),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let value = deserializer
        .deserialize_map(visitor)
        .map_err(|err| JsonObjectError::Syntax(err.to_string()))?;
    deserializer
        .end()
        .map_err(|err| JsonObjectError::Syntax(err.to_string()))?;
    Ok(value)
}

/// The header members verification looks at.
#[derive(Default)]
pub(crate) struct HeaderFields {
    /// `alg`, if it is a string naming a known algorithm.
    pub(crate) algorithm: Option<Algorithm>,
    pub(crate) kid: Option<String>,
    kid_not_string: bool,
    unsupported: Option<&'static str>,
}

/// The header authjwt, the original and jsonwebtoken write, `{"typ":"JWT","alg":"<alg>"}`,
/// or PyJWT 2's `{"alg":"<alg>","typ":"JWT"}`, byte for byte: read without the JSON parser.
/// Anything else, an unknown algorithm included, takes [`parse_header`].
fn standard_header(json: &str) -> Option<HeaderFields> {
    let name = json
        .strip_prefix(r#"{"typ":"JWT","alg":""#)
        .and_then(|rest| rest.strip_suffix(r#""}"#))
        .or_else(|| {
            json.strip_prefix(r#"{"alg":""#)
                .and_then(|rest| rest.strip_suffix(r#"","typ":"JWT"}"#))
        })?;
    Some(HeaderFields {
        algorithm: Some(Algorithm::from_header(name)?),
        ..HeaderFields::default()
    })
}

fn parse_header(json: &str) -> Result<HeaderFields, InvalidHeader> {
    read_object(json, HeaderVisitor)
        .map_err(|err| InvalidHeader::InvalidHeaderString(err.to_string()))
}

/// The reason a header member makes a token unsupported, if it does. Shared with token
/// creation, so authjwt never writes a header it would refuse to read.
pub(crate) fn unsupported_header(name: &str, value: &Scalar<'_>) -> Option<&'static str> {
    match name {
        "crit" => Some("crit"),
        "b64" => Some("b64"),
        "enc" => Some("enc"),
        "zip" => Some("zip"),
        "cty" if matches!(value, Scalar::Str(content) if content.eq_ignore_ascii_case("JWT")) => {
            Some("cty")
        }
        _ => None,
    }
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = HeaderFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = HeaderFields::default();
        let mut names = MemberNames::default();
        while let Some(name) = map.next_key_seed(MemberName)? {
            names.insert(name.clone())?;
            // Only these members' values matter below; the others (`typ`, say) are walked
            // as strictly, without being copied.
            let value = if matches!(name.as_ref(), "alg" | "kid" | "cty") {
                map.next_value::<Scalar<'de>>()?
            } else {
                map.next_value_seed(StrictIgnore)?;
                Scalar::Absent
            };
            if fields.unsupported.is_none() {
                fields.unsupported = unsupported_header(&name, &value);
            }
            match name.as_ref() {
                "alg" => {
                    fields.algorithm = match &value {
                        Scalar::Str(text) => Algorithm::from_header(text),
                        _ => None,
                    };
                }
                "kid" => match value {
                    Scalar::Str(text) => fields.kid = Some(text.into_owned()),
                    _ => fields.kid_not_string = true,
                },
                _ => {}
            }
        }
        Ok(fields)
    }
}

/// The payload members verification looks at, still untyped: typing errors are reported
/// after the signature check, in PyJWT's order, not while parsing.
#[derive(Default)]
pub(crate) struct PayloadFields<'de> {
    pub(crate) sub: Scalar<'de>,
    pub(crate) iat: Scalar<'de>,
    pub(crate) nbf: Scalar<'de>,
    pub(crate) exp: Scalar<'de>,
    pub(crate) iss: Scalar<'de>,
    pub(crate) aud: Scalar<'de>,
    pub(crate) token_type: Scalar<'de>,
    pub(crate) fresh: Scalar<'de>,
    pub(crate) jti: Scalar<'de>,
    pub(crate) csrf: Scalar<'de>,
    pub(crate) sid: Scalar<'de>,
}

pub(crate) fn parse_payload(json: &str) -> Result<PayloadFields<'_>, JsonObjectError> {
    read_object(json, PayloadVisitor)
}

struct PayloadVisitor;

impl<'de> Visitor<'de> for PayloadVisitor {
    type Value = PayloadFields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = PayloadFields::default();
        let mut names = MemberNames::default();
        while let Some(name) = map.next_key_seed(MemberName)? {
            names.insert(name.clone())?;
            let slot = match name.as_ref() {
                "sub" => &mut fields.sub,
                "iat" => &mut fields.iat,
                "nbf" => &mut fields.nbf,
                "exp" => &mut fields.exp,
                "iss" => &mut fields.iss,
                "aud" => &mut fields.aud,
                "type" => &mut fields.token_type,
                "fresh" => &mut fields.fresh,
                "jti" => &mut fields.jti,
                "csrf" => &mut fields.csrf,
                "sid" => &mut fields.sid,
                _ => {
                    map.next_value_seed(StrictIgnore)?;
                    continue;
                }
            };
            *slot = map.next_value()?;
        }
        Ok(fields)
    }
}

/// A JSON value reduced to what claim checks need, its strings borrowed from the input unless
/// they hold escapes. Nested objects are still walked, so repeated member names are refused
/// everywhere.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) enum Scalar<'de> {
    /// The member is not there.
    #[default]
    Absent,
    Str(Cow<'de, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// An array made only of strings.
    Strings(Vec<Cow<'de, str>>),
    /// `null`, another array or an object, or an integer beyond `i64`.
    Other,
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(value).map_or(Scalar::Other, Scalar::Int))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(value))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(value.to_owned())))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut strings = Some(Vec::new());
        while let Some(element) = seq.next_element::<Scalar<'de>>()? {
            strings = match (strings, element) {
                (Some(mut collected), Scalar::Str(text)) => {
                    collected.push(text);
                    Some(collected)
                }
                _ => None,
            };
        }
        Ok(strings.map_or(Scalar::Other, Scalar::Strings))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        StrictIgnore.visit_map(map)?;
        Ok(Scalar::Other)
    }
}

/// Walks and discards any JSON value, refusing repeated member names at every depth.
pub(crate) struct StrictIgnore;

impl<'de> DeserializeSeed<'de> for StrictIgnore {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictIgnore {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(StrictIgnore)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut names = MemberNames::default();
        while let Some(name) = map.next_key_seed(MemberName)? {
            names.insert(name.clone())?;
            map.next_value_seed(StrictIgnore)?;
        }
        Ok(())
    }
}

/// A member name, borrowed from the input unless it contained escapes.
struct MemberName;

impl<'de> DeserializeSeed<'de> for MemberName {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for MemberName {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(name))
    }

    fn visit_str<E>(self, name: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(name.to_owned()))
    }
}

/// The names seen in one object. A short list while small, kept inline so a token's header
/// and payload cost no allocation; a hash set beyond that, so thousands of members cost
/// linear time, not quadratic.
#[derive(Default)]
struct MemberNames<'de> {
    few: [Cow<'de, str>; FEW_MEMBERS],
    few_len: usize,
    many: HashSet<Cow<'de, str>>,
}

const FEW_MEMBERS: usize = 16;

impl<'de> MemberNames<'de> {
    fn insert<E: de::Error>(&mut self, name: Cow<'de, str>) -> Result<(), E> {
        let repeated = if self.many.is_empty() && self.few_len < FEW_MEMBERS {
            let repeated = self.few[..self.few_len].contains(&name);
            self.few[self.few_len] = name;
            self.few_len += 1;
            repeated
        } else {
            if self.many.is_empty() {
                self.many
                    .extend(self.few[..self.few_len].iter_mut().map(std::mem::take));
                self.few_len = 0;
            }
            !self.many.insert(name)
        };
        if repeated {
            Err(E::custom("duplicate member name"))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::{FEW_MEMBERS, HeaderFields, MemberNames, parse_header, standard_header};
    use crate::Algorithm;

    #[test]
    fn names_past_the_inline_list_are_kept_in_a_hash_set() {
        let mut names = MemberNames::default();
        for i in 0..FEW_MEMBERS {
            names
                .insert::<serde_json::Error>(Cow::Owned(format!("m{i}")))
                .expect("distinct");
        }
        assert_eq!((names.few_len, names.many.len()), (FEW_MEMBERS, 0));
        for i in FEW_MEMBERS..10_000 {
            names
                .insert::<serde_json::Error>(Cow::Owned(format!("m{i}")))
                .expect("distinct");
        }
        assert_eq!((names.few_len, names.many.len()), (0, 10_000));
        for repeated in ["m0", "m15", "m16", "m9999"] {
            assert_eq!(
                names
                    .insert::<serde_json::Error>(Cow::Borrowed(repeated))
                    .map_err(|err| err.to_string()),
                Err("duplicate member name".to_owned())
            );
        }
    }

    #[test]
    fn a_name_repeated_among_the_first_few_is_found() {
        let mut names = MemberNames::default();
        for name in ["alg", "typ", "kid"] {
            names
                .insert::<serde_json::Error>(Cow::Borrowed(name))
                .expect("distinct");
        }
        assert!(
            names
                .insert::<serde_json::Error>(Cow::Borrowed("typ"))
                .is_err()
        );
    }

    fn summary(fields: &HeaderFields) -> (Option<Algorithm>, Option<&str>, bool, Option<&str>) {
        (
            fields.algorithm,
            fields.kid.as_deref(),
            fields.kid_not_string,
            fields.unsupported,
        )
    }

    #[test]
    fn the_standard_headers_read_as_the_parser_reads_them() {
        for algorithm in Algorithm::ALL {
            let name = algorithm.as_str();
            for json in [
                format!(r#"{{"typ":"JWT","alg":"{name}"}}"#),
                format!(r#"{{"alg":"{name}","typ":"JWT"}}"#),
            ] {
                let fast = standard_header(&json).expect("a standard header");
                let parsed = parse_header(&json).expect("a valid header");
                assert_eq!(summary(&fast), summary(&parsed), "{json}");
                assert_eq!(fast.algorithm, Some(algorithm));
            }
        }
    }

    #[test]
    fn anything_else_takes_the_parser() {
        for json in [
            r#"{"typ":"JWT","alg":"none"}"#,
            r#"{"typ":"JWT","alg":"hs256"}"#,
            r#"{"typ":"JWT","alg":"HS256 "}"#,
            r#"{"typ":"JWT", "alg":"HS256"}"#,
            r#"{"typ":"JWT","alg":"HS256"} "#,
            r#"{"typ":"jwt","alg":"HS256"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"typ":"JWT","alg":"HS256","kid":"k"}"#,
            r#"{"typ":"JWT","alg":"HS256","alg":"HS256"}"#,
            r#"{"alg":"HS256","typ":"JWT","typ":"JWT"}"#,
            r#"{"typ":"JWT","alg":"HS\u0032\u0035\u0036"}"#,
        ] {
            assert!(standard_header(json).is_none(), "{json}");
        }
    }
}
