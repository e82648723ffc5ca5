//! The records InviteKit keeps: organizations, members, teams, invitations,
//! threads, participants, messages, outbox emails, events, requests to join
//! and domain verifications, with their statuses.
//!
//! Records sit at the bottom of the crate: the operations (in
//! [`org`](crate::org), [`invitations`](crate::invitations),
//! [`threads`](crate::threads), [`outbox`](crate::outbox) and
//! [`events`](crate::events)) and the [stores](crate::store) both depend on
//! them, and they depend on neither. The rules live in the operations; a
//! record only knows how to describe itself.

mod event;
mod invitation;
mod joining;
mod org;
mod outbox;
mod thread;

pub use event::{Event, EventKind, NewEvent};
pub use invitation::{Invitation, InvitationStatus, JsonObject, ThreadGrant};
pub use joining::{DomainJoin, DomainVerification, JoinRequest, JoinRequestStatus};
pub use org::{Member, MemberStatus, OrgSettings, Organization, Team};
pub use outbox::{OutboxStatus, OutgoingEmail};
pub use thread::{Author, Message, Participant, Thread, ThreadCursor};
