//! What an invitation carries beyond the help article
//! ([metadata and redirects](crate::rules#metadata-and-redirects)): two JSON
//! objects of the host's (`metadata`, shown to the invitee, and
//! `private_metadata`, never shown to them) and the URL to send the invitee to
//! after accepting, which must be on one of the organization's
//! `redirect_origins`: InviteKit never makes an open redirect.

use url::Url;

use crate::error::{Error, Result, quote};

pub use crate::model::JsonObject;

/// The most bytes a metadata object takes, written as compact JSON.
pub const MAX_METADATA_BYTES: usize = 4096;
/// The longest redirect URL, in bytes.
pub const MAX_REDIRECT_URL_BYTES: usize = 2048;
/// The most origins an organization may list in `redirect_origins`.
pub const MAX_REDIRECT_ORIGINS: usize = 20;

/// Checks a metadata value: a JSON object of at most [`MAX_METADATA_BYTES`]
/// written compactly; anything else (an array, a string, `null`) is `invalid_input`.
pub fn metadata(field: &str, value: &serde_json::Value) -> Result<JsonObject> {
    let serde_json::Value::Object(map) = value else {
        return Err(Error::invalid(format!("`{field}` must be a JSON object")));
    };
    let bytes = serde_json::to_vec(map).map_err(|e| Error::invalid(format!("`{field}` is not valid JSON: {e}")))?;
    if bytes.len() > MAX_METADATA_BYTES {
        return Err(Error::invalid(format!(
            "`{field}` takes {} bytes as JSON, more than the {MAX_METADATA_BYTES} allowed",
            bytes.len()
        )));
    }
    if bytes.contains(&0) || map.keys().any(|k| k.contains('\0')) || contains_nul(value) {
        return Err(Error::invalid(format!("`{field}` contains a NUL character")));
    }
    Ok(map.clone())
}

/// Whether a string anywhere in `value` (key or value) holds NUL, which
/// PostgreSQL cannot store in text: every store must answer the same.
fn contains_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(contains_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}

/// Parses a URL given by the host, refusing rather than repairing: the url
/// crate would drop tabs and newlines, read a backslash as a slash and accept
/// `https:host`; a URL that needs such repair is refused.
fn strict_url(field: &str, input: &str, max: usize) -> Result<Url> {
    let fail = |reason: &str| Error::invalid(format!("`{field}` `{}` {reason}", quote(input)));
    if input.len() > max {
        return Err(Error::invalid(format!("`{field}` is longer than {max} bytes")));
    }
    if input.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(fail("contains whitespace or a control character"));
    }
    if input.contains('\\') {
        return Err(fail("contains a backslash"));
    }
    let lower = input.get(..8).unwrap_or(input).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &input[8..]
    } else if lower.starts_with("http://") {
        &input[7..]
    } else {
        return Err(fail("must be an absolute http or https url"));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(fail("has no host"));
    }
    let url = Url::parse(input).map_err(|_| fail("is not a valid url"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail("must not contain a user name or password"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(fail("has no host"));
    }
    Ok(url)
}

/// Normalizes one entry of `redirect_origins`: `scheme://host[:port]`, http
/// or https, with no path (other than `/`), query or fragment. The host is
/// lower-cased and internationalized names are written in ASCII (punycode);
/// a scheme's default port is dropped, so `https://app.acme.com:443` is
/// `https://app.acme.com`.
pub fn origin(input: &str) -> Result<String> {
    let url = strict_url("redirect_origins", input, MAX_REDIRECT_URL_BYTES)?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(format!(
            "`redirect_origins` `{}` must be an origin only (scheme, host and port), without a path, query or fragment",
            quote(input)
        )));
    }
    Ok(url.origin().ascii_serialization())
}

/// Normalizes the `redirect_origins` setting: each an [`origin`], no
/// duplicate, at most [`MAX_REDIRECT_ORIGINS`].
pub fn origins(list: &[String]) -> Result<Vec<String>> {
    if list.len() > MAX_REDIRECT_ORIGINS {
        return Err(Error::invalid(format!("`redirect_origins` lists more than {MAX_REDIRECT_ORIGINS} origins")));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for o in list {
        let o = origin(o)?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    Ok(out)
}

/// Checks a redirect URL against the organization's `redirect_origins`:
/// its scheme, host and port must be exactly those of one of them (a
/// subdomain, another port or a look-alike host is refused), else
/// `invalid_input`. Returns the URL as the url crate writes it.
pub fn redirect_url(input: &str, allowed: &[String]) -> Result<String> {
    let url = strict_url("redirect_url", input, MAX_REDIRECT_URL_BYTES)?;
    let origin = url.origin().ascii_serialization();
    if !allowed.contains(&origin) {
        return Err(Error::invalid(if allowed.is_empty() {
            "`redirect_url` needs the organization's `redirect_origins` setting, which lists none".to_owned()
        } else {
            format!("`redirect_url` `{}` is not on one of the organization's `redirect_origins`", quote(input))
        }));
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_is_an_object_of_at_most_4_kib() {
        assert_eq!(metadata("metadata", &json!({"plan": "pro", "seats": 3})).map(|m| m.len()).ok(), Some(2));
        assert!(metadata("metadata", &json!({})).is_ok());
        for bad in [json!([1, 2]), json!("x"), json!(null), json!(3), json!(true)] {
            assert_eq!(metadata("metadata", &bad).map_err(|e| e.code()), Err("invalid_input"), "{bad}");
        }
        // {"k":"xxx..."} is 8 bytes plus the string.
        assert!(metadata("metadata", &json!({"k": "x".repeat(MAX_METADATA_BYTES - 8)})).is_ok());
        let over = metadata("metadata", &json!({"k": "x".repeat(MAX_METADATA_BYTES - 7)}));
        assert_eq!(over.map_err(|e| e.code()), Err("invalid_input"));
        let deep = metadata("metadata", &json!({"a": {"b": ["c\u{0}"]}}));
        assert_eq!(deep.map_err(|e| e.code()), Err("invalid_input"));
        assert_eq!(metadata("metadata", &json!({"a\u{0}": 1})).map_err(|e| e.code()), Err("invalid_input"));
    }

    #[test]
    fn origins_are_normalized_and_refuse_paths_and_credentials() {
        assert_eq!(origin("https://App.Acme.com").ok().as_deref(), Some("https://app.acme.com"));
        assert_eq!(origin("https://app.acme.com:443/").ok().as_deref(), Some("https://app.acme.com"));
        assert_eq!(origin("http://localhost:3000").ok().as_deref(), Some("http://localhost:3000"));
        assert_eq!(origin("https://bücher.example").ok().as_deref(), Some("https://xn--bcher-kva.example"));
        for bad in [
            "app.acme.com",
            "https://app.acme.com/welcome",
            "https://app.acme.com/?x=1",
            "https://app.acme.com/#x",
            "javascript:alert(1)",
            "ftp://acme.com",
            "https://user:pw@acme.com",
            "https://",
            "https:acme.com",
            "https:///acme.com",
            "https://acme.com\\",
            " https://acme.com",
            "https://acme.com\n",
        ] {
            assert_eq!(origin(bad).map_err(|e| e.code()), Err("invalid_input"), "{bad:?}");
        }
        assert_eq!(
            origins(&["https://a.com".into(), "https://A.com:443".into()]).ok(),
            Some(vec!["https://a.com".to_owned()])
        );
        let many: Vec<String> = (0..=MAX_REDIRECT_ORIGINS).map(|i| format!("https://a{i}.com")).collect();
        assert_eq!(origins(&many).map_err(|e| e.code()), Err("invalid_input"));
    }

    #[test]
    fn a_redirect_must_be_on_an_allowed_origin_exactly() {
        let allowed = vec!["https://app.acme.com".to_owned(), "http://localhost:3000".to_owned()];
        for good in [
            "https://app.acme.com/welcome?step=2#top",
            "https://APP.acme.com:443/x",
            "http://localhost:3000/after-join",
        ] {
            assert!(redirect_url(good, &allowed).is_ok(), "{good}");
        }
        assert_eq!(
            redirect_url("https://app.acme.com/welcome", &allowed).ok().as_deref(),
            Some("https://app.acme.com/welcome")
        );
        for bad in [
            "javascript:alert(document.cookie)",
            "JavaScript://app.acme.com/%0aalert(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.com",
            "/relative",
            "http://app.acme.com/welcome",
            "https://app.acme.com:8443/",
            "https://app.acme.com.evil.com/",
            "https://evil.com/?https://app.acme.com",
            "https://app.acme.com@evil.com/",
            "https://evil.com#@app.acme.com",
            "https://sub.app.acme.com/",
            "https://аpp.acme.com/",
            "http://localhost:3001/",
            "https://app.acme.com\\@evil.com",
            "https://app.acme.com/\t",
            "https://app.acme.com/ x",
        ] {
            let got = redirect_url(bad, &allowed);
            assert_eq!(got.as_ref().map_err(|e| e.code()), Err("invalid_input"), "{bad:?} -> {got:?}");
        }
        // Markup in a path is percent-encoded, never kept raw.
        assert_eq!(
            redirect_url("https://app.acme.com/<script>", &allowed).ok().as_deref(),
            Some("https://app.acme.com/%3Cscript%3E")
        );
        assert_eq!(
            redirect_url(&format!("https://app.acme.com/{}", "a".repeat(2100)), &allowed).map_err(|e| e.code()),
            Err("invalid_input")
        );
        assert_eq!(redirect_url("https://app.acme.com/", &[]).map_err(|e| e.code()), Err("invalid_input"));
    }
}
