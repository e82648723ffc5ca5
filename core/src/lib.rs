#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod clock;
pub mod domains;
pub mod email;
pub mod error;
pub mod events;
pub mod extras;
pub mod ids;
mod input;
pub mod interface;
pub mod invitations;
pub mod joining;
mod kit;
pub mod model;
pub mod org;
pub mod outbox;
pub mod policy;
pub mod rules;
pub mod search;
pub mod store;
pub mod templates;
pub mod threads;
pub mod token;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use domains::{DomainVerification, FREE_MAIL_DOMAINS, is_free_mail};
pub use email::EmailAddress;
pub use error::{Error, GrantCheck, Result};
pub use events::{Event, EventKind};
pub use extras::{MAX_METADATA_BYTES, MAX_REDIRECT_ORIGINS, MAX_REDIRECT_URL_BYTES};
pub use ids::{EmailId, InvitationId, JoinRequestId, MemberId, MessageId, OrgId, TeamId, ThreadId};
pub use input::{
    MAX_BODY_CHARS, MAX_EXTERNAL_ID_BYTES, MAX_MESSAGE_CHARS_CEILING, MAX_NAME_CHARS, MAX_QUERY_CHARS, MAX_TITLE_CHARS,
};
pub use invitations::{
    Acceptance, Draft, Invitation, InvitationPreview, InvitationStatus, InviteOptions, InviteResult, MAX_TEAMS, Resent,
    ThreadGrant,
};
pub use joining::{DomainJoin, JoinKind, JoinRequest, JoinRequestStatus, JoinResult};
pub use kit::{InviteKit, InviteKitBuilder};
pub use model::JsonObject;
pub use org::{Member, MemberStatus, OrgSettings, Organization, SettingsUpdate, Team};
pub use outbox::{OutboxStatus, OutgoingEmail};
pub use policy::{Permission, PermissionSet, Policy, Preset, Role};
#[cfg(feature = "postgres")]
pub use store::PostgresStore;
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{AnyStore, MemoryStore, Store, open as open_store};
pub use templates::{Email, EmailKind, TemplateSource};
pub use threads::{
    Author, Grant, Message, Participant, ParticipantInfo, People, Thread, ThreadInviteKind, ThreadInviteResult,
    ThreadPage,
};
pub use token::Token;
