//! Text folding for search: what "case- and accent-insensitive word prefix"
//! means, in one place, so every store indexes and queries the same way.
//!
//! Text is decomposed (NFKD) with the `unicode-normalization` crate, combining
//! marks dropped and letters lower-cased: "José" and "JOSE" both fold to
//! "jose". Words are the runs of letters and digits.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` folded: decomposed, without combining marks, lower case.
pub fn fold(text: &str) -> String {
    text.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// The folded words of `text`, in order, repeats included.
pub fn words(text: &str) -> Vec<String> {
    fold(text).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// The words under which a member is found by `find_coworkers`: the words
/// of their name and of their address's local part, each whitespace-separated
/// piece of the name whole (so `mary-j` finds "Mary-Jane"), and the whole
/// address (so `bob@ac` finds bob@acme.com).
pub fn member_words(name: &str, email: &str) -> Vec<String> {
    let mut out = words(name);
    out.extend(fold(name).split_whitespace().map(str::to_owned));
    let local = email.split('@').next().unwrap_or(email);
    out.extend(words(local));
    out.push(email.to_ascii_lowercase());
    out.sort();
    out.dedup();
    out
}

/// A `find_coworkers` query's terms: whitespace-separated, folded, each to be
/// matched as a prefix of one of a member's words.
pub fn coworker_terms(query: &str) -> Vec<String> {
    fold(query).split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(words("José PÉREZ, logo-redesign"), ["jose", "perez", "logo", "redesign"]);
        assert_eq!(fold("Ærøskøbing"), "ærøskøbing");
        assert_eq!(words("ｆｕｌｌ width"), ["full", "width"]);
    }

    #[test]
    fn member_words_cover_name_local_part_and_address() {
        let w = member_words("Mary-Jane Öz", "mj.oz@acme.com");
        for expected in ["mary", "jane", "mary-jane", "oz", "mj", "mj.oz@acme.com"] {
            assert!(w.iter().any(|x| x == expected), "{expected} in {w:?}");
        }
        assert!(!w.iter().any(|x| x == "acme"), "the domain is shared by everyone and is not a name");
    }
}
