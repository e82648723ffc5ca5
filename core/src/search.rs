//! Text folding for search: what "case- and accent-insensitive word prefix"
//! means, in one place, so every store indexes and queries the same way.
//!
//! Text is decomposed (NFKD) with the `unicode-normalization` crate, combining
//! marks dropped and letters lower-cased: "José" and "JOSE" both fold to
//! "jose". Words are the runs of letters and digits.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::{Error, Result};

/// The most distinct terms one search takes, after repeats and terms implied
/// by longer ones are dropped ([limits](crate::rules#limits)).
pub const MAX_SEARCH_TERMS: usize = 8;

/// `text` folded: decomposed, without combining marks, lower case.
pub fn fold(text: &str) -> String {
    // ASCII decomposes to itself and has no combining marks: lower case is all.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
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

/// The words a store indexes a member under: [`member_words`] without
/// those that are a prefix of another of them (`mj` beside
/// `mj.oz@acme.com`). Every search is by prefix, so a term that starts one
/// of them starts the longer one too: the member is found by the same
/// terms, from fewer rows.
///
/// # Examples
/// ```
/// use invitekit::search::member_index_words;
/// assert_eq!(member_index_words("Mary-Jane Oz", "mj.oz@acme.com"), ["jane", "mary-jane", "mj.oz@acme.com", "oz"]);
/// ```
pub fn member_index_words(name: &str, email: &str) -> Vec<String> {
    let all = member_words(name, email);
    // Sorted: a word's longer words, if any, come right after it.
    all.iter()
        .enumerate()
        .filter(|(i, w)| all.get(i + 1).is_none_or(|next| !next.starts_with(w.as_str())))
        .map(|(_, w)| w.clone())
        .collect()
}

/// A `find_coworkers` query's terms: whitespace-separated, folded, each to be
/// matched as a prefix of one of a member's words.
pub fn coworker_terms(query: &str) -> Vec<String> {
    fold(query).split_whitespace().map(str::to_owned).collect()
}

/// A query's terms as a search runs them, longest first: repeats dropped,
/// and every term that is a prefix of another (a word that starts with the
/// longer term starts with it too), so what a search costs follows what it
/// asks, not how it is typed. More than [`MAX_SEARCH_TERMS`] left is
/// `invalid_input`.
///
/// # Examples
/// ```
/// use invitekit::search::{MAX_SEARCH_TERMS, distinct_terms};
/// let terms = distinct_terms(vec!["lo".into(), "logo".into(), "jo".into(), "logo".into()])?;
/// assert_eq!(terms, ["logo", "jo"]);
/// assert!(distinct_terms(vec!["a".into(); 100]).is_ok());
/// let many: Vec<String> = (0..=MAX_SEARCH_TERMS).map(|i| format!("w{i}")).collect();
/// assert_eq!(distinct_terms(many).unwrap_err().code(), "invalid_input");
/// # Ok::<(), invitekit::Error>(())
/// ```
pub fn distinct_terms(mut terms: Vec<String>) -> Result<Vec<String>> {
    terms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    let mut kept: Vec<String> = Vec::with_capacity(terms.len().min(MAX_SEARCH_TERMS + 1));
    for term in terms {
        if !kept.iter().any(|k| k.starts_with(term.as_str())) {
            kept.push(term);
        }
    }
    if kept.len() > MAX_SEARCH_TERMS {
        return Err(Error::invalid(format!(
            "the query has {} distinct words; a search takes at most {MAX_SEARCH_TERMS}",
            kept.len()
        )));
    }
    Ok(kept)
}

/// Whether `words` has, for every term, a word that starts with it.
pub fn matches_all(words: &[String], terms: &[String]) -> bool {
    terms.iter().all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
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

    #[test]
    fn ascii_folds_as_the_general_path_does() {
        let general =
            |t: &str| -> String { t.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect() };
        for t in
            ["", "Logo REDESIGN", "bob@Acme.COM", "a\tb\u{7f}~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./ 0123456789", "ZZ top"]
        {
            assert_eq!(fold(t), general(t), "{t:?}");
        }
    }

    #[test]
    fn terms_are_deduplicated_and_implied_ones_dropped() {
        let t = |v: &[&str]| distinct_terms(v.iter().map(|s| (*s).to_owned()).collect());
        assert_eq!(t(&["a"; 100]).unwrap(), ["a"]);
        assert_eq!(t(&["jo", "jose", "j", "perez", "pe"]).unwrap(), ["perez", "jose"]);
        assert_eq!(t(&[]).unwrap(), Vec::<String>::new());
        let eight: Vec<String> = (0..8).map(|i| format!("w{i}")).collect();
        assert_eq!(distinct_terms(eight).unwrap().len(), 8);
        let nine: Vec<String> = (0..9).map(|i| format!("w{i}")).collect();
        let err = distinct_terms(nine).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains('8'), "{err}");
        // Nine words of which two are implied by longer ones: seven remain.
        let implied: Vec<String> = (0..7).map(|i| format!("w{i}x")).chain(["w0".into(), "w1".into()]).collect();
        assert_eq!(distinct_terms(implied).unwrap().len(), 7);
    }
}
