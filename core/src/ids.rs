//! Typed identifiers. Every id is a UUIDv7 (time ordered), shown as a string.
//!
//! Ids are public handles: they can be listed and shown. They are never the
//! secret that proves an invitation: that is the [`Token`](crate::Token).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

macro_rules! define_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A new, unique, time-ordered id.
            pub fn new() -> Self {
                $name(uuid::Uuid::now_v7())
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }

            /// From a UUID (for stores that keep ids as UUIDs).
            pub fn from_uuid(u: uuid::Uuid) -> Self {
                $name(u)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = Error;
            /// Parses the canonical hyphenated form; anything else is `invalid_input`.
            fn from_str(s: &str) -> Result<Self, Error> {
                if s.len() != 36 {
                    return Err(Error::InvalidInput(format!(
                        "`{}` is not a valid {} id",
                        crate::error::quote(s),
                        $what
                    )));
                }
                uuid::Uuid::parse_str(s).map($name).map_err(|_| {
                    Error::InvalidInput(format!(
                        "`{}` is not a valid {} id",
                        crate::error::quote(s),
                        $what
                    ))
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0.hyphenated())
            }
        }
    };
}

define_id!(
    /// Identifies an [`Organization`](crate::Organization).
    OrgId, "organization"
);
define_id!(
    /// Identifies a [`Member`](crate::Member).
    MemberId, "member"
);
define_id!(
    /// Identifies a [`Team`](crate::Team).
    TeamId, "team"
);
define_id!(
    /// Identifies an [`Invitation`](crate::Invitation).
    InvitationId, "invitation"
);
define_id!(
    /// Identifies a [`Thread`](crate::Thread), a conversation with a freelancer.
    ThreadId, "thread"
);
define_id!(
    /// Identifies a message in a thread.
    MessageId, "message"
);
define_id!(
    /// Identifies an [`OutgoingEmail`](crate::OutgoingEmail) in the outbox.
    EmailId, "email"
);
define_id!(
    /// Identifies a [`JoinRequest`](crate::JoinRequest): someone on a domain
    /// of the organization's asking to join.
    JoinRequestId, "join request"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings_and_are_time_ordered() {
        let a = MemberId::new();
        let b = MemberId::new();
        assert!(a < b);
        assert_eq!(a.to_string().parse::<MemberId>(), Ok(a));
    }

    #[test]
    fn malformed_ids_are_invalid_input() {
        for bad in ["", "x", "not-a-uuid-not-a-uuid-not-a-uuid-xx", &"a".repeat(10_000)] {
            let err = bad.parse::<OrgId>().err().map(|e| e.code());
            assert_eq!(err, Some("invalid_input"), "{bad:?}");
        }
    }
}
