//! The small value types settings are made of.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// Deserializes a value through its [`FromStr`] implementation, so serde reports the same
/// message the builder and the environment loader do.
macro_rules! deserialize_from_str {
    ($type:ty) => {
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Where the library looks for tokens in a request (`authjwt_token_location`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenLocation {
    /// The header named by `authjwt_header_name`.
    Headers,
    /// The access and refresh cookies.
    Cookies,
    /// (new) The query parameter named by `authjwt_query_token_name`.
    Query,
    /// (new) A member of a JSON request body (`authjwt_json_access_token_key` or
    /// `authjwt_json_refresh_token_key`); read by `authjwt-axum`'s layers, which keep the body
    /// for the handler.
    Json,
}

impl TokenLocation {
    /// The setting's spelling: `headers`, `cookies`, `query` or `json`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Headers => "headers",
            Self::Cookies => "cookies",
            Self::Query => "query",
            Self::Json => "json",
        }
    }
}

impl FromStr for TokenLocation {
    type Err = String;

    /// The original's message for anything else, which names only the two it had.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "headers" => Ok(Self::Headers),
            "cookies" => Ok(Self::Cookies),
            "query" => Ok(Self::Query),
            "json" => Ok(Self::Json),
            _ => Err("The 'authjwt_token_location' must be between 'headers' or 'cookies'".into()),
        }
    }
}

deserialize_from_str!(TokenLocation);

/// The two kinds of token, as written in the `type` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// `"access"`.
    Access,
    /// `"refresh"`.
    Refresh,
}

impl TokenType {
    /// The claim value: `access` or `refresh`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenType {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "access" => Ok(Self::Access),
            "refresh" => Ok(Self::Refresh),
            _ => Err(
                "The 'authjwt_denylist_token_checks' must be between 'access' or 'refresh'".into(),
            ),
        }
    }
}

deserialize_from_str!(TokenType);

/// The `SameSite` attribute of the cookies (`authjwt_cookie_samesite`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=strict`.
    Strict,
    /// `SameSite=lax`.
    Lax,
    /// `SameSite=none` (browsers require `Secure` with it).
    None,
}

impl SameSite {
    /// The attribute value, lower-case as the original writes it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Lax => "lax",
            Self::None => "none",
        }
    }
}

impl FromStr for SameSite {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "strict" => Ok(Self::Strict),
            "lax" => Ok(Self::Lax),
            "none" => Ok(Self::None),
            _ => {
                Err("The 'authjwt_cookie_samesite' must be between 'strict', 'lax', 'none'".into())
            }
        }
    }
}

deserialize_from_str!(SameSite);

/// An HTTP method that may be listed in `authjwt_csrf_methods`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
    /// `PATCH`.
    Patch,
}

impl HttpMethod {
    /// The upper-case method name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
        }
    }
}

impl FromStr for HttpMethod {
    type Err = String;

    /// Case-insensitive, as the original upper-cases the list before checking it.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_uppercase().as_str() {
            "GET" => Ok(Self::Get),
            "HEAD" => Ok(Self::Head),
            "POST" => Ok(Self::Post),
            "PUT" => Ok(Self::Put),
            "DELETE" => Ok(Self::Delete),
            "PATCH" => Ok(Self::Patch),
            _ => Err("The 'authjwt_csrf_methods' must be between http request methods".into()),
        }
    }
}

deserialize_from_str!(HttpMethod);

deserialize_from_str!(crate::Algorithm);
