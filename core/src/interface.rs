//! What the bindings take from the core rather than write themselves: the
//! defaults and bounds of the operations' optional `limit`s
//! ([the three APIs](crate::rules#apis)). Python's keyword defaults and Node's
//! option defaults are these values, and each binding's tests check it.

use crate::events::MAX_EVENTS_PAGE;
use crate::outbox::MAX_OUTBOX_PAGE;
use crate::threads::{MAX_COWORKERS, MAX_PAGE};

/// An optional `limit`: its value when none is given, and the largest taken
/// (`1..=max`; anything else is `invalid_input`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The value when the caller gives none.
    pub default: usize,
    /// The largest value taken.
    pub max: usize,
}

/// `search_threads`: threads per page.
pub const SEARCH_THREADS_LIMIT: Limit = Limit { default: 20, max: MAX_PAGE };
/// `find_coworkers`: members returned.
pub const FIND_COWORKERS_LIMIT: Limit = Limit { default: 10, max: MAX_COWORKERS };
/// `outbox_pending`: emails handed out.
pub const OUTBOX_PENDING_LIMIT: Limit = Limit { default: 100, max: MAX_OUTBOX_PAGE };
/// `events`: events returned.
pub const EVENTS_LIMIT: Limit = Limit { default: 100, max: MAX_EVENTS_PAGE };

/// Every operation with an optional `limit`, by its snake_case name.
pub const LIMITS: [(&str, Limit); 4] = [
    ("search_threads", SEARCH_THREADS_LIMIT),
    ("find_coworkers", FIND_COWORKERS_LIMIT),
    ("outbox_pending", OUTBOX_PENDING_LIMIT),
    ("events", EVENTS_LIMIT),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_within_its_bounds() {
        for (op, limit) in LIMITS {
            assert!((1..=limit.max).contains(&limit.default), "{op}: {limit:?}");
        }
    }
}
