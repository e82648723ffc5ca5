//! Checks on free-text input and the documented maximum of every string
//! ([the input rules](crate::rules#maxima)): over a maximum is `invalid_input`, never a truncation.

use crate::error::{Error, Result, quote};

/// Longest person, organization, team or freelancer name, in characters (after trimming).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest thread title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest freelancer id, in bytes.
pub const MAX_EXTERNAL_ID_BYTES: usize = 200;
/// The hard ceiling on a personal message, in characters, whatever the organization's setting.
pub const MAX_MESSAGE_CHARS_CEILING: usize = 5000;
/// Longest thread message body, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;
/// Longest search query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Unicode line and paragraph separators are not `char::is_control` but
/// break lines all the same, so they are refused wherever a control is.
fn is_line_breaking(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
/// U+2066..U+2069) reorder the text after them until the end of the line or
/// paragraph: in a name, a subject or an email body they can make one thing
/// read as another (`invoice\u{202E}fdp.exe`). The marks (U+200E, U+200F,
/// U+061C) only nudge neutral characters and are kept: right-to-left names
/// need them.
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses NUL in any text input, before it reaches a store: PostgreSQL
/// cannot hold it in text, and every store must answer the same
/// (`invalid_input`). For text that no other check covers (queries,
/// templates, failure reasons); [`name`] and [`text`] refuse NUL as the
/// control character it is.
pub(crate) fn no_nul(field: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(Error::invalid(format!("`{field}` contains a NUL character")));
    }
    Ok(())
}

/// A one-line name: trimmed, 1..=`max` characters, no control characters,
/// line separators, or bidirectional overrides and isolates.
pub(crate) fn name(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::invalid(format!("`{field}` must not be empty")));
    }
    if v.chars().count() > max {
        return Err(Error::invalid(format!("`{field}` is longer than {max} characters")));
    }
    if v.chars().any(is_line_breaking) {
        return Err(Error::invalid(format!("`{field}` contains a control character: `{}`", quote(v))));
    }
    if v.chars().any(is_bidi_override) {
        return Err(Error::invalid(format!("`{field}` contains a bidirectional override or isolate: `{}`", quote(v))));
    }
    Ok(v.to_owned())
}

/// Multi-line free text (a personal message, a thread message): CRLF and CR
/// become LF, tabs and newlines are kept, any other control character is
/// refused, and so are bidirectional overrides and isolates (a personal
/// message goes into an email body, where they could disguise a link or
/// reorder the text around the message); surrounding whitespace is trimmed;
/// at most `max` characters.
pub(crate) fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String> {
    // Count before normalizing so that a huge input is refused without work.
    if value.len() > max.saturating_mul(4) && value.chars().count() > max {
        return Err(Error::invalid(format!("`{field}` is longer than {max} characters")));
    }
    let v = value.replace("\r\n", "\n").replace('\r', "\n");
    let v = v.trim();
    let n = v.chars().count();
    if n > max {
        return Err(Error::invalid(format!("`{field}` is longer than {max} characters")));
    }
    if n < min {
        return Err(Error::invalid(format!("`{field}` must not be empty")));
    }
    if v.chars().any(|c| c != '\n' && c != '\t' && is_line_breaking(c)) {
        return Err(Error::invalid(format!("`{field}` contains a control character")));
    }
    if v.chars().any(is_bidi_override) {
        return Err(Error::invalid(format!("`{field}` contains a bidirectional override or isolate")));
    }
    Ok(v.to_owned())
}

/// A slug: `[a-z0-9-]{2,63}`.
pub(crate) fn slug(value: &str) -> Result<String> {
    let ok = (2..=63).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(Error::invalid(format!("`{}` is not a valid slug: use 2 to 63 of a-z, 0-9 and -", quote(value))))
    }
}

/// An opaque id chosen by the host (a freelancer's id): 1..=200 bytes of
/// printable ASCII, no spaces.
pub(crate) fn external_id(field: &str, value: &str) -> Result<String> {
    let ok = !value.is_empty() && value.len() <= MAX_EXTERNAL_ID_BYTES && value.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(value.to_owned())
    } else {
        Err(Error::invalid(format!(
            "`{field}` must be 1 to {MAX_EXTERNAL_ID_BYTES} printable ASCII characters: `{}`",
            quote(value)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_refuse_controls_and_overlong_input() {
        assert_eq!(name("name", "  Bob Jones ", 200).ok().as_deref(), Some("Bob Jones"));
        for bad in ["", "   ", "Bob\r\nBcc: x", "a\0b", "a\u{2028}b", "tab\there"] {
            assert_eq!(name("name", bad, 200).map_err(|e| e.code()), Err("invalid_input"), "{bad:?}");
        }
        assert!(name("name", &"é".repeat(200), 200).is_ok());
        assert_eq!(name("name", &"é".repeat(201), 200).map_err(|e| e.code()), Err("invalid_input"));
    }

    #[test]
    fn names_and_text_refuse_bidi_overrides_and_isolates_but_keep_marks() {
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            let bad = format!("invoice{c}fdp.exe");
            assert_eq!(name("name", &bad, 200).map_err(|e| e.code()), Err("invalid_input"), "{c:?}");
            assert_eq!(text("message", &bad, 0, 100).map_err(|e| e.code()), Err("invalid_input"), "{c:?}");
            let err = name("name", &bad, 200).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!err.contains(c), "the error quotes the character raw: {err:?}");
        }
        for fine in ["שלום\u{200F} 42", "Ada \u{200E}Lovelace", "علي\u{061C} 7", "José Pérez"] {
            assert_eq!(name("name", fine, 200).ok().as_deref(), Some(fine));
            assert_eq!(text("message", fine, 0, 100).ok().as_deref(), Some(fine));
        }
    }

    #[test]
    fn nul_is_refused_in_every_kind_of_text() {
        assert_eq!(no_nul("query", "a\0b").map_err(|e| e.code()), Err("invalid_input"));
        assert!(no_nul("query", "").is_ok());
        assert_eq!(name("name", "\0", 200).map_err(|e| e.code()), Err("invalid_input"));
        assert_eq!(text("body", "x\0", 0, 100).map_err(|e| e.code()), Err("invalid_input"));
    }

    #[test]
    fn text_keeps_newlines_and_refuses_other_controls() {
        assert_eq!(text("message", "Hi\r\nthere\r!", 0, 100).ok().as_deref(), Some("Hi\nthere\n!"));
        assert_eq!(text("message", "a\u{7}b", 0, 100).map_err(|e| e.code()), Err("invalid_input"));
        assert_eq!(text("message", &"x".repeat(10_000), 0, 1000).map_err(|e| e.code()), Err("invalid_input"));
        assert_eq!(text("body", "   ", 1, 1000).map_err(|e| e.code()), Err("invalid_input"));
    }

    #[test]
    fn slugs_follow_the_pattern() {
        assert!(slug("acme").is_ok());
        assert!(slug("acme-2").is_ok());
        for bad in ["a", "Acme", "acme_co", "acme.com", "", &"a".repeat(64)] {
            assert!(slug(bad).is_err(), "{bad}");
        }
    }
}
