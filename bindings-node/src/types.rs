//! The helpers the records' conversions use ([`crate::records`], written by
//! `scripts/gen-interface` from the core's list of records), and the records
//! themselves, re-exported. Ids are strings, times are `Date`s, an absent
//! value is `null`, names of permissions are sorted arrays of strings. A
//! record holding a secret ([`Resent`]) is a class with getters instead, like
//! [`Draft`](crate::draft::Draft).

use chrono::{DateTime, Utc};
use invitekit::Timestamp;

pub use crate::records::*;

/// A core timestamp as a JavaScript `Date`.
pub fn date(t: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.as_millis()).unwrap_or_default()
}

/// Permission names, sorted.
pub fn names(set: invitekit::PermissionSet) -> Vec<String> {
    set.names().into_iter().map(str::to_owned).collect()
}

/// Ids as strings.
pub fn ids<T: ToString>(list: &[T]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

/// A message's author as the member's id; `None` for the freelancer.
pub fn author_id(author: &invitekit::Author) -> Option<String> {
    match author {
        invitekit::Author::Member(id) => Some(id.to_string()),
        invitekit::Author::Freelancer => None,
    }
}

/// Converts every item of a list.
pub fn all<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(Into::into).collect()
}
