//! The storage boundary: every read and write InviteKit makes goes through a
//! [`Store`], inside a transaction.
//!
//! An operation runs as one closure given a [`ReadTx`] or a [`WriteTx`]. A
//! write closure that returns an error leaves nothing behind: the store rolls
//! the whole transaction back. Writes that must not race (accepting a token,
//! reviving an invitation) are conditional updates, so a SQL store can make
//! them one `UPDATE ... WHERE status = 'pending'`. A store may run a write
//! closure again after a lost race, which is why it is `FnMut`.

mod any;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "postgres")]
pub use self::postgres::PostgresStore;
pub use any::{AnyStore, open};
pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use crate::clock::Timestamp;
use crate::error::Result;
use crate::ids::{EmailId, InvitationId, JoinRequestId, MemberId, OrgId, TeamId, ThreadId};
use crate::model::OutgoingEmail;
use crate::model::{DomainVerification, JoinRequest, JoinRequestStatus};
use crate::model::{Event, NewEvent};
use crate::model::{Invitation, InvitationStatus};
use crate::model::{Member, Organization, Team};
use crate::model::{Message, Participant, Thread, ThreadCursor};
use crate::templates::{EmailKind, TemplateSource};
use crate::token::TokenHash;

/// What a rate limit counts ([limits](crate::rules#limits)): sends by the organization, by one
/// inviter, or emails to one address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SendKey {
    /// Every invitation sent in the organization.
    Org,
    /// Invitations sent by one member.
    Inviter(MemberId),
    /// Emails to one address (its comparison key).
    Address(String),
}

/// A storage back end. Implementations must be safe to share between threads.
pub trait Store: Send + Sync + 'static {
    /// Runs `f` on a consistent snapshot.
    fn read<T>(&self, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> Result<T>;

    /// Runs `f` in one transaction: committed if it returns `Ok`, rolled back
    /// (nothing written) if it returns `Err`. Writers are serialized, so what
    /// `f` reads cannot change before it commits.
    fn write<T>(&self, f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T>;
}

/// Reads inside a transaction. Records come back owned.
pub trait ReadTx {
    /// An organization by id.
    fn org(&self, id: OrgId) -> Result<Option<Organization>>;
    /// An organization by its slug.
    fn org_by_slug(&self, slug: &str) -> Result<Option<Organization>>;
    /// A member by id.
    fn member(&self, id: MemberId) -> Result<Option<Member>>;
    /// Calls `f` with the member (or `None`), lending it where the store can
    /// rather than copying it: the permission checks' hot path. The default
    /// reads [`member`](Self::member).
    fn with_member(&self, id: MemberId, f: &mut dyn FnMut(Option<&Member>)) -> Result<()> {
        let m = self.member(id)?;
        f(m.as_ref());
        Ok(())
    }
    /// A member of `org` by the comparison key of their email.
    fn member_by_email(&self, org: OrgId, email_key: &str) -> Result<Option<Member>>;
    /// Every member of `org`, oldest first.
    fn members(&self, org: OrgId) -> Result<Vec<Member>>;
    /// A team by id.
    fn team(&self, id: TeamId) -> Result<Option<Team>>;
    /// A team of `org` by its lower-cased name.
    fn team_by_name(&self, org: OrgId, name_key: &str) -> Result<Option<Team>>;
    /// An invitation by id.
    fn invitation(&self, id: InvitationId) -> Result<Option<Invitation>>;
    /// The invitation whose current token hashes to `hash`.
    fn invitation_by_token(&self, hash: &TokenHash) -> Result<Option<Invitation>>;
    /// Invitations of `org` to an address (by key), newest first.
    fn invitations_to(&self, org: OrgId, email_key: &str) -> Result<Vec<Invitation>>;
    /// Invitations to an address (by key) in every organization with a stored status of pending.
    fn pending_invitations_to(&self, email_key: &str) -> Result<Vec<Invitation>>;
    /// Invitations of `org`, all or only those sent by `inviter`, newest first.
    fn invitations(&self, org: OrgId, inviter: Option<MemberId>) -> Result<Vec<Invitation>>;
    /// Invitations sent by `inviter` with a stored status of pending.
    fn pending_invitations_by(&self, inviter: MemberId) -> Result<Vec<Invitation>>;
    /// How many invitations of `org` are pending and expire after `now`, and
    /// the earliest of their expiries.
    fn live_pending(&self, org: OrgId, now: Timestamp) -> Result<(u64, Option<Timestamp>)>;
    /// When the sends counted by `key` happened at or after `since`, oldest first.
    fn send_times(&self, org: OrgId, key: &SendKey, since: Timestamp) -> Result<Vec<Timestamp>>;
    /// When the `nth` most recent (1-based; 0 counts as 1) of the sends
    /// counted by `key` at or after `since` happened; `None` when there are
    /// fewer than `nth`. The rate limits call this on every invitation, so a
    /// store should answer it from an index; the default reads
    /// [`send_times`](Self::send_times).
    fn nth_latest_send(&self, org: OrgId, key: &SendKey, since: Timestamp, nth: usize) -> Result<Option<Timestamp>> {
        let times = self.send_times(org, key, since)?;
        Ok(times.len().checked_sub(nth.max(1)).and_then(|i| times.get(i)).copied())
    }
    /// The host's template for `kind` in `org`, if registered.
    fn template(&self, org: OrgId, kind: EmailKind) -> Result<Option<TemplateSource>>;
    /// The domains `org` is verifying or has verified, by domain name.
    fn domain_verifications(&self, org: OrgId) -> Result<Vec<DomainVerification>>;
    /// A request to join by id.
    fn join_request(&self, id: JoinRequestId) -> Result<Option<JoinRequest>>;
    /// The requests to join `org`, newest first.
    fn join_requests(&self, org: OrgId) -> Result<Vec<JoinRequest>>;
    /// The requests to join `org` from an address (by key), newest first.
    fn join_requests_from(&self, org: OrgId, email_key: &str) -> Result<Vec<JoinRequest>>;
    /// An outbox email by id.
    fn email(&self, id: EmailId) -> Result<Option<OutgoingEmail>>;
    /// The pending outbox emails of an invitation, oldest first.
    fn pending_emails_for(&self, invitation: InvitationId) -> Result<Vec<OutgoingEmail>>;
    /// Pending outbox emails due at `now`, earliest first.
    fn due_emails(&self, now: Timestamp, limit: usize) -> Result<Vec<OutgoingEmail>>;
    /// Events of `org` with `seq > after`, in order.
    fn events(&self, org: OrgId, after: u64, limit: usize) -> Result<Vec<Event>>;
    /// The members of `org` (active or not) having a word of
    /// [`member_words`](crate::search::member_words) that starts with
    /// `prefix`, oldest first. A store should answer it from an index of
    /// [`member_index_words`](crate::search::member_index_words), the
    /// organization's only. It may also return members who no longer have
    /// such a word: the caller checks each member it gets.
    fn members_with_word(&self, org: OrgId, prefix: &str) -> Result<Vec<Member>>;
    /// A thread by id.
    fn thread(&self, id: ThreadId) -> Result<Option<Thread>>;
    /// A member's place in a thread.
    fn participant(&self, thread: ThreadId, member: MemberId) -> Result<Option<Participant>>;
    /// Everyone in a thread, in the order they were added.
    fn participants(&self, thread: ThreadId) -> Result<Vec<Participant>>;
    /// The threads a member takes part in.
    fn threads_of(&self, member: MemberId) -> Result<Vec<ThreadId>>;
    /// Up to `limit` threads `member` takes part in with `read`, newest
    /// activity first, strictly after `after`, whose freelancer name, title or
    /// messages have, for every term, a word of [`words`](crate::search::words)
    /// starting with it (every thread when `terms` is empty).
    fn search_threads(
        &self,
        member: MemberId,
        terms: &[String],
        after: Option<&ThreadCursor>,
        limit: usize,
    ) -> Result<Vec<Thread>>;
}

/// Writes inside a transaction.
pub trait WriteTx: ReadTx {
    /// Adds an organization; a used id or a taken slug is `conflict`.
    fn insert_org(&mut self, org: &Organization) -> Result<()>;
    /// Replaces an organization's row (the slug never changes).
    fn update_org(&mut self, org: &Organization) -> Result<()>;
    /// Adds a member; an email already used in the organization is
    /// `already_member`, a used id `conflict`.
    fn insert_member(&mut self, member: &Member) -> Result<()>;
    /// Replaces a member's row: its name, role, teams, status and joining
    /// time. Its email and organization are keys, which the operations never
    /// change: the stored ones stay (see [`Member::keeping_keys`]).
    fn update_member(&mut self, member: &Member) -> Result<()>;
    /// Adds a team; a used id, or a name taken in the organization
    /// (case-insensitively), is `conflict`.
    fn insert_team(&mut self, team: &Team) -> Result<()>;
    /// Adds an invitation with the hash of its token; a used id or token is `conflict`.
    fn insert_invitation(&mut self, inv: &Invitation, token: &TokenHash) -> Result<()>;
    /// Replaces an invitation's row only if its stored status is still
    /// `expected`, and its token hash when `new_token` is given. Returns whether
    /// it was written: `false` means another writer got there first.
    fn update_invitation(
        &mut self,
        inv: &Invitation,
        expected: InvitationStatus,
        new_token: Option<&TokenHash>,
    ) -> Result<bool>;
    /// Counts one send at `at` under each of `keys`, for the rate limits.
    /// Sends of those keys before `forget_before` are never asked for again:
    /// the store may drop them.
    fn record_send(&mut self, org: OrgId, keys: &[SendKey], at: Timestamp, forget_before: Timestamp) -> Result<()>;
    /// Registers (or replaces) the host's template for `kind` in `org`.
    fn put_template(&mut self, org: OrgId, kind: EmailKind, src: &TemplateSource) -> Result<()>;
    /// Adds, or replaces, the verification of one domain of an organization
    /// (keyed by the organization and the domain).
    fn put_domain_verification(&mut self, v: &DomainVerification) -> Result<()>;
    /// Adds a request to join; a used id is `conflict`.
    fn insert_join_request(&mut self, r: &JoinRequest) -> Result<()>;
    /// Replaces a request's row only if its stored status is still
    /// `expected`. Returns whether it was written.
    fn update_join_request(&mut self, r: &JoinRequest, expected: JoinRequestStatus) -> Result<bool>;
    /// Queues an email; a used id is `conflict`.
    fn insert_email(&mut self, email: &OutgoingEmail) -> Result<()>;
    /// Replaces an email's row.
    fn update_email(&mut self, email: &OutgoingEmail) -> Result<()>;
    /// Appends an event and returns its `seq`, one more than the organization's last.
    fn append_event(&mut self, event: NewEvent) -> Result<u64>;
    /// Adds a thread; a used id is `conflict`.
    fn insert_thread(&mut self, thread: &Thread) -> Result<()>;
    /// Adds a message and indexes it; moves the thread's `last_activity_at` to the message's time.
    fn insert_message(&mut self, message: &Message) -> Result<()>;
    /// Adds a participant; one already there is `already_participant`.
    fn insert_participant(&mut self, p: &Participant) -> Result<()>;
    /// Replaces a participant's permissions.
    fn update_participant(&mut self, p: &Participant) -> Result<()>;
    /// Removes a participant; returns whether they were there.
    fn remove_participant(&mut self, thread: ThreadId, member: MemberId) -> Result<bool>;
}
