//! What the SQL stores share: every read and write of the [`Store`](super::Store)
//! contract, written once over a small [`Backend`] that SQLite and PostgreSQL
//! each implement.
//!
//! - **Statements** are written here once, with numbered placeholders
//!   (`?1`, `?2`, ...); a backend rewrites them to its own form if it needs
//!   to (PostgreSQL's `$1`). Parameters are [`Value`]s, typed as the
//!   PostgreSQL schema types them; SQLite stores each in its storage class.
//! - **Rows** are decoded by column name through [`SqlRow`], implemented for
//!   rusqlite's and postgres' rows; the column lists are the constants below.
//! - **Schemas** are `.sql` migration files per backend (`sqlite/`,
//!   `postgres/`), loaded with `include_str!` by each store.
//! - **What differs** stays in the backend: connections, transactions,
//!   retries, pooling, and how words are indexed and searched
//!   ([`Backend::index_member`], [`Backend::index_thread`],
//!   [`Backend::members_with_word`], [`Backend::search_threads`]).
//!
//! A store holds no rule: what a row means is decided by the operations.

use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{ReadTx, SendKey, WriteTx};
use crate::clock::Timestamp;
use crate::error::{Error, Result, quote};
use crate::ids::{EmailId, InvitationId, JoinRequestId, MemberId, MessageId, OrgId, TeamId, ThreadId};
use crate::model::{
    Author, DomainVerification, Event, EventKind, Invitation, InvitationStatus, JoinRequest, JoinRequestStatus, Member,
    MemberStatus, Message, NewEvent, OrgSettings, Organization, OutboxStatus, OutgoingEmail, Participant, Team, Thread,
    ThreadCursor, ThreadGrant,
};
use crate::policy::PermissionSet;
use crate::templates::{EmailKind, TemplateSource};
use crate::token::TokenHash;

// ---------------------------------------------------------------------------
// The backend
// ---------------------------------------------------------------------------

/// A statement parameter, typed as the PostgreSQL schema types the column.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    /// An id (`uuid`; a 16-byte BLOB in SQLite).
    Id(Option<Uuid>),
    /// A `bigint`: times in milliseconds, counts, sequence numbers.
    Int(Option<i64>),
    /// An `integer`: attempts and send counts.
    Int32(i32),
    /// A `smallint`: permission bits.
    Int16(i16),
    /// A `text`.
    Text(Option<&'a str>),
    /// A `bytea` (a BLOB in SQLite).
    Bytes(&'a [u8]),
    /// A `boolean` (an INTEGER 0 or 1 in SQLite).
    Bool(bool),
}

/// A row of a result, read by column name.
pub(crate) trait SqlRow {
    /// An id column.
    fn uuid(&self, col: &str) -> Result<Option<Uuid>>;
    /// An integer column of any width.
    fn int(&self, col: &str) -> Result<Option<i64>>;
    /// A text column.
    fn text(&self, col: &str) -> Result<Option<String>>;
    /// A boolean column.
    fn bool(&self, col: &str) -> Result<bool>;
}

/// What a SQL store gives the shared reads and writes: statements on the
/// connection of the open transaction, and its way of indexing and
/// searching words.
pub(crate) trait Backend {
    /// Runs `sql` and calls `row` with each row of its result, in order.
    fn query(&self, sql: &str, params: &[Value<'_>], row: &mut dyn FnMut(&dyn SqlRow) -> Result<()>) -> Result<()>;
    /// Runs `sql` and returns how many rows it changed.
    fn exec(&self, sql: &str, params: &[Value<'_>]) -> Result<u64>;
    /// Whether the dialect takes `INDEXED BY` (SQLite, whose planner, with
    /// no statistics, prefers walking an organization's rows in key order
    /// to seeking the index that names the exact rows).
    fn index_hints(&self) -> bool;
    /// Adds (or removes) a member's [`member_index_words`](crate::search::member_index_words).
    fn index_member(&self, member: &Member, add: bool) -> Result<()>;
    /// Adds the [`words`](crate::search::words) of `texts` to a thread's words.
    fn index_thread(&self, org: OrgId, thread: ThreadId, texts: &[&str]) -> Result<()>;
    /// See [`ReadTx::members_with_word`].
    fn members_with_word(&self, org: OrgId, prefix: &str) -> Result<Vec<Member>>;
    /// See [`ReadTx::search_threads`].
    fn search_threads(
        &self,
        member: MemberId,
        terms: &[String],
        after: Option<&ThreadCursor>,
        limit: usize,
    ) -> Result<Vec<Thread>>;
}

/// Runs a query and decodes each row with `f`.
pub(crate) fn all<T>(
    b: &(impl Backend + ?Sized),
    sql: &str,
    params: &[Value<'_>],
    mut f: impl FnMut(&dyn SqlRow) -> Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    b.query(sql, params, &mut |r| {
        out.push(f(r)?);
        Ok(())
    })?;
    Ok(out)
}

/// Runs a query and decodes its first row with `f`.
pub(crate) fn one<T>(
    b: &(impl Backend + ?Sized),
    sql: &str,
    params: &[Value<'_>],
    f: impl FnOnce(&dyn SqlRow) -> Result<T>,
) -> Result<Option<T>> {
    let mut f = Some(f);
    let mut out = None;
    b.query(sql, params, &mut |r| {
        if let Some(f) = f.take() {
            out = Some(f(r)?);
        }
        Ok(())
    })?;
    Ok(out)
}

/// Whether an invitation's current token hashes to `hash`.
fn token_in_use(b: &(impl Backend + ?Sized), hash: &TokenHash) -> Result<bool> {
    exists(b, "SELECT 1 FROM invitations WHERE token_hash = ?1", &[Value::Bytes(hash.as_bytes())])
}

/// `INDEXED BY index` where the dialect takes it, else nothing.
fn indexed_by(b: &(impl Backend + ?Sized), index: &str) -> String {
    if b.index_hints() { format!("INDEXED BY {index}") } else { String::new() }
}

fn exists(b: &(impl Backend + ?Sized), sql: &str, params: &[Value<'_>]) -> Result<bool> {
    Ok(one(b, sql, params, |_| Ok(()))?.is_some())
}

/// The migrations a database at schema `version` lacks, in order. A version
/// newer than `all` knows is `storage`: the database was written by a newer
/// InviteKit.
pub(crate) fn migrations_after<'m>(version: i64, all: &'m [&'m str]) -> Result<&'m [&'m str]> {
    let known = all.len();
    let from = usize::try_from(version).ok().filter(|v| *v <= known).ok_or_else(|| {
        Error::Storage(format!(
            "the schema version {version} is newer than this version of InviteKit knows ({known}): upgrade InviteKit"
        ))
    })?;
    Ok(&all[from..])
}

/// Parameters of a statement built at run time, numbered `?1`, `?2`, ... as
/// they are bound.
#[derive(Default)]
pub(crate) struct Binds<'a>(pub(crate) Vec<Value<'a>>);

impl<'a> Binds<'a> {
    /// Adds a parameter and returns its placeholder.
    pub(crate) fn bind(&mut self, v: Value<'a>) -> String {
        self.0.push(v);
        format!("?{}", self.0.len())
    }
}

// ---------------------------------------------------------------------------
// Values in
// ---------------------------------------------------------------------------

/// The ids, as UUIDs.
pub(crate) trait Key: Copy {
    /// The UUID.
    fn uuid(self) -> Uuid;
    /// From a UUID.
    fn from_uuid(u: Uuid) -> Self;
}

macro_rules! keys {
    ($($t:ty),*) => {$(
        impl Key for $t {
            fn uuid(self) -> Uuid {
                self.as_uuid()
            }
            fn from_uuid(u: Uuid) -> Self {
                <$t>::from_uuid(u)
            }
        }
    )*};
}
keys!(OrgId, MemberId, TeamId, InvitationId, ThreadId, MessageId, EmailId, JoinRequestId);

/// An id parameter.
pub(crate) fn id<'a>(id: impl Key) -> Value<'a> {
    Value::Id(Some(id.uuid()))
}

/// An optional id parameter.
pub(crate) fn opt_id<'a>(id: Option<impl Key>) -> Value<'a> {
    Value::Id(id.map(Key::uuid))
}

/// A text parameter.
pub(crate) fn text(s: &str) -> Value<'_> {
    Value::Text(Some(s))
}

/// A time parameter, in milliseconds.
pub(crate) fn ts<'a>(t: Timestamp) -> Value<'a> {
    Value::Int(Some(t.as_millis()))
}

/// A count parameter (a `LIMIT`).
pub(crate) fn count<'a>(n: usize) -> Value<'a> {
    Value::Int(Some(i64::try_from(n).unwrap_or(i64::MAX)))
}

/// A permission set parameter.
pub(crate) fn perms<'a>(p: PermissionSet) -> Value<'a> {
    Value::Int16(i16::from(p.bits()))
}

fn int32<'a>(n: u32) -> Result<Value<'a>> {
    i32::try_from(n).map(Value::Int32).map_err(|_| Error::Storage(format!("{n} is too large to store")))
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Storage(format!("cannot encode a value as JSON: {e}")))
}

/// The text of a rate-limit key.
fn send_key(key: &SendKey) -> String {
    match key {
        SendKey::Org => "org".to_owned(),
        SendKey::Inviter(m) => format!("inviter:{m}"),
        SendKey::Address(a) => format!("address:{a}"),
    }
}

// ---------------------------------------------------------------------------
// Values out
// ---------------------------------------------------------------------------

fn bad(col: &str, why: impl std::fmt::Display) -> Error {
    Error::Storage(format!("column `{col}`: {why}"))
}

fn required<T>(v: Option<T>, col: &str) -> Result<T> {
    v.ok_or_else(|| bad(col, "unexpected NULL"))
}

/// A required id column.
pub(crate) fn get_id<T: Key>(r: &dyn SqlRow, col: &str) -> Result<T> {
    Ok(T::from_uuid(required(r.uuid(col)?, col)?))
}

fn get_opt_id<T: Key>(r: &dyn SqlRow, col: &str) -> Result<Option<T>> {
    Ok(r.uuid(col)?.map(T::from_uuid))
}

/// An optional time parameter, in milliseconds.
fn opt_ts<'a>(t: Option<Timestamp>) -> Value<'a> {
    Value::Int(t.map(Timestamp::as_millis))
}

/// An optional time column.
fn get_opt_ts(r: &dyn SqlRow, col: &str) -> Result<Option<Timestamp>> {
    Ok(r.int(col)?.map(Timestamp::from_millis))
}

/// A required text column.
pub(crate) fn get_text(r: &dyn SqlRow, col: &str) -> Result<String> {
    required(r.text(col)?, col)
}

/// A required integer column.
pub(crate) fn get_int(r: &dyn SqlRow, col: &str) -> Result<i64> {
    required(r.int(col)?, col)
}

/// A required time column.
pub(crate) fn get_ts(r: &dyn SqlRow, col: &str) -> Result<Timestamp> {
    Ok(Timestamp::from_millis(get_int(r, col)?))
}

fn get_u32(r: &dyn SqlRow, col: &str) -> Result<u32> {
    let n = get_int(r, col)?;
    u32::try_from(n).map_err(|_| bad(col, format!("{n} is out of range")))
}

fn get_u64(r: &dyn SqlRow, col: &str) -> Result<u64> {
    let n = get_int(r, col)?;
    u64::try_from(n).map_err(|_| bad(col, format!("{n} is out of range")))
}

fn get_json<T: DeserializeOwned>(r: &dyn SqlRow, col: &str) -> Result<T> {
    serde_json::from_str(&get_text(r, col)?).map_err(|e| bad(col, format!("invalid JSON: {e}")))
}

fn get_perms(r: &dyn SqlRow, col: &str) -> Result<PermissionSet> {
    u8::try_from(get_int(r, col)?)
        .ok()
        .and_then(PermissionSet::from_bits)
        .ok_or_else(|| bad(col, "invalid permission bits"))
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

const ORG_COLS: &str = "id, name, slug, portal_url, allowed_domains, settings, created_at";

fn org(r: &dyn SqlRow) -> Result<Organization> {
    Ok(Organization {
        id: get_id(r, "id")?,
        name: get_text(r, "name")?,
        slug: get_text(r, "slug")?,
        portal_url: get_text(r, "portal_url")?,
        allowed_domains: get_json(r, "allowed_domains")?,
        settings: OrgSettings::from_stored_json(&get_text(r, "settings")?)
            .map_err(|e| bad("settings", format!("invalid JSON: {e}")))?,
        created_at: get_ts(r, "created_at")?,
    })
}

/// The columns [`member`] reads.
pub(crate) const MEMBER_COLS: &str = "id, org_id, email, name, role, team_ids, status, joined_at";

/// A member from a row with [`MEMBER_COLS`].
pub(crate) fn member(r: &dyn SqlRow) -> Result<Member> {
    let status = get_text(r, "status")?;
    Ok(Member {
        id: get_id(r, "id")?,
        org_id: get_id(r, "org_id")?,
        email: get_text(r, "email")?,
        name: get_text(r, "name")?,
        role: get_text(r, "role")?,
        team_ids: get_team_ids(r)?,
        status: MemberStatus::parse(&status)
            .ok_or_else(|| bad("status", format!("unknown member status `{}`", quote(&status))))?,
        joined_at: get_ts(r, "joined_at")?,
    })
}

/// The `team_ids` column: a JSON array of team ids.
fn get_team_ids(r: &dyn SqlRow) -> Result<Vec<TeamId>> {
    let team_ids: Vec<String> = get_json(r, "team_ids")?;
    team_ids
        .iter()
        .map(|t| t.parse::<TeamId>().map_err(|_| bad("team_ids", format!("invalid team id `{}`", quote(t)))))
        .collect()
}

/// Team ids as the `team_ids` column holds them.
fn team_ids_json(ids: &[TeamId]) -> Result<String> {
    to_json(&ids.iter().map(ToString::to_string).collect::<Vec<_>>())
}

const TEAM_COLS: &str = "id, org_id, name";

fn team(r: &dyn SqlRow) -> Result<Team> {
    Ok(Team { id: get_id(r, "id")?, org_id: get_id(r, "org_id")?, name: get_text(r, "name")? })
}

const INVITATION_COLS: &str = "id, org_id, inviter_id, email, message, team_ids, role, status, created_at, expires_at, \
                               sent_count, last_sent_at, thread_grants, delivered, metadata, private_metadata, \
                               redirect_url";

/// A thread grant as stored in an invitation's `thread_grants` JSON.
#[derive(Serialize, serde::Deserialize)]
struct GrantRow {
    thread_id: String,
    permissions: u8,
}

fn invitation(r: &dyn SqlRow) -> Result<Invitation> {
    let status = get_text(r, "status")?;
    let grants: Vec<GrantRow> = get_json(r, "thread_grants")?;
    Ok(Invitation {
        id: get_id(r, "id")?,
        org_id: get_id(r, "org_id")?,
        inviter_id: get_id(r, "inviter_id")?,
        email: get_text(r, "email")?,
        message: r.text("message")?,
        team_ids: get_team_ids(r)?,
        role: get_text(r, "role")?,
        status: InvitationStatus::parse(&status).map_err(|e| bad("status", e))?,
        created_at: get_ts(r, "created_at")?,
        expires_at: get_ts(r, "expires_at")?,
        sent_count: get_u32(r, "sent_count")?,
        last_sent_at: get_ts(r, "last_sent_at")?,
        thread_grants: grants
            .iter()
            .map(|g| {
                Ok(ThreadGrant {
                    thread_id: g
                        .thread_id
                        .parse()
                        .map_err(|_| bad("thread_grants", "invalid thread id in a thread grant"))?,
                    permissions: PermissionSet::from_bits(g.permissions)
                        .ok_or_else(|| bad("thread_grants", "invalid permissions in a thread grant"))?,
                })
            })
            .collect::<Result<_>>()?,
        delivered: r.bool("delivered")?,
        metadata: get_json(r, "metadata")?,
        private_metadata: get_json(r, "private_metadata")?,
        redirect_url: r.text("redirect_url")?,
    })
}

fn grants_json(grants: &[ThreadGrant]) -> Result<String> {
    let rows: Vec<GrantRow> = grants
        .iter()
        .map(|g| GrantRow { thread_id: g.thread_id.to_string(), permissions: g.permissions.bits() })
        .collect();
    to_json(&rows)
}

const EMAIL_COLS: &str = "id, org_id, kind, invitation_id, recipient, subject, text, html, created_at, attempts, status, \
                          next_attempt_at, last_error";

fn email(r: &dyn SqlRow) -> Result<OutgoingEmail> {
    let kind = get_text(r, "kind")?;
    let status = get_text(r, "status")?;
    Ok(OutgoingEmail {
        id: get_id(r, "id")?,
        org_id: get_id(r, "org_id")?,
        kind: EmailKind::parse(&kind).map_err(|e| bad("kind", e))?,
        invitation_id: get_opt_id(r, "invitation_id")?,
        to: get_text(r, "recipient")?,
        subject: get_text(r, "subject")?,
        text: get_text(r, "text")?,
        html: get_text(r, "html")?,
        created_at: get_ts(r, "created_at")?,
        attempts: get_u32(r, "attempts")?,
        status: OutboxStatus::parse(&status)
            .ok_or_else(|| bad("status", format!("unknown email status `{}`", quote(&status))))?,
        next_attempt_at: get_ts(r, "next_attempt_at")?,
        last_error: r.text("last_error")?,
    })
}

const JOIN_REQUEST_COLS: &str = "id, org_id, email, name, role, status, created_at, decided_by, decided_at, reason";

fn join_request(r: &dyn SqlRow) -> Result<JoinRequest> {
    let status = get_text(r, "status")?;
    Ok(JoinRequest {
        id: get_id(r, "id")?,
        org_id: get_id(r, "org_id")?,
        email: get_text(r, "email")?,
        name: get_text(r, "name")?,
        role: get_text(r, "role")?,
        status: JoinRequestStatus::parse(&status).map_err(|e| bad("status", e))?,
        created_at: get_ts(r, "created_at")?,
        decided_by: get_opt_id(r, "decided_by")?,
        decided_at: get_opt_ts(r, "decided_at")?,
        reason: r.text("reason")?,
    })
}

const DOMAIN_VERIFICATION_COLS: &str = "org_id, domain, record_name, record_value, created_at, verified_at";

fn domain_verification(r: &dyn SqlRow) -> Result<DomainVerification> {
    Ok(DomainVerification {
        org_id: get_id(r, "org_id")?,
        domain: get_text(r, "domain")?,
        record_name: get_text(r, "record_name")?,
        record_value: get_text(r, "record_value")?,
        created_at: get_ts(r, "created_at")?,
        verified_at: get_opt_ts(r, "verified_at")?,
    })
}

const EVENT_COLS: &str = "seq, org_id, at, actor_id, kind, details";

fn event(r: &dyn SqlRow) -> Result<Event> {
    let kind = get_text(r, "kind")?;
    Ok(Event {
        seq: get_u64(r, "seq")?,
        org_id: get_id(r, "org_id")?,
        at: get_ts(r, "at")?,
        actor_id: get_opt_id(r, "actor_id")?,
        kind: EventKind::parse(&kind).ok_or_else(|| bad("kind", format!("unknown event kind `{}`", quote(&kind))))?,
        details: get_json(r, "details")?,
    })
}

/// The columns [`thread`] reads, from `threads t`.
pub(crate) const THREAD_COLS: &str =
    "t.id, t.org_id, t.title, t.freelancer_id, t.freelancer_name, t.created_by, t.created_at, t.last_activity_at";

/// A thread from a row with [`THREAD_COLS`].
pub(crate) fn thread(r: &dyn SqlRow) -> Result<Thread> {
    Ok(Thread {
        id: get_id(r, "id")?,
        org_id: get_id(r, "org_id")?,
        title: get_text(r, "title")?,
        freelancer_id: get_text(r, "freelancer_id")?,
        freelancer_name: get_text(r, "freelancer_name")?,
        created_by: get_id(r, "created_by")?,
        created_at: get_ts(r, "created_at")?,
        last_activity_at: get_ts(r, "last_activity_at")?,
    })
}

const PARTICIPANT_COLS: &str = "thread_id, member_id, permissions, added_by, added_at";

fn participant(r: &dyn SqlRow) -> Result<Participant> {
    Ok(Participant {
        thread_id: get_id(r, "thread_id")?,
        member_id: get_id(r, "member_id")?,
        permissions: get_perms(r, "permissions")?,
        added_by: get_opt_id(r, "added_by")?,
        added_at: get_ts(r, "added_at")?,
    })
}

/// The `SET` list of an update: `col = ?n` for each column marked changed,
/// its value bound. Writing only those keeps SQLite from rewriting the
/// entries of indexes over columns that keep their value.
fn changed_columns<'a, const N: usize>(b: &mut Binds<'a>, columns: [(&str, bool, Value<'a>); N]) -> String {
    let set: Vec<String> = columns
        .into_iter()
        .filter(|(_, changed, _)| *changed)
        .map(|(col, _, v)| format!("{col} = {}", b.bind(v)))
        .collect();
    set.join(", ")
}

/// Runs a search: `sql` selects [`THREAD_COLS`] from `threads t` joined to
/// the member's `participants p`, and this adds where the page starts
/// (strictly after `after`), the order (newest activity first) and the limit.
pub(crate) fn thread_page(
    b: &(impl Backend + ?Sized),
    mut sql: String,
    mut binds: Binds<'_>,
    after: Option<&ThreadCursor>,
    limit: usize,
) -> Result<Vec<Thread>> {
    if let Some(c) = after {
        let at = binds.bind(ts(c.last_activity_at));
        let thread = binds.bind(id(c.thread_id));
        sql.push_str(&format!(" AND (p.last_activity_at, p.thread_id) < ({at}, {thread})"));
    }
    let lim = binds.bind(count(limit));
    sql.push_str(&format!(" ORDER BY p.last_activity_at DESC, p.thread_id DESC LIMIT {lim}"));
    all(b, &sql, &binds.0, thread)
}

/// The organization of a member, a thread or an invitation, for the
/// `org_id`-first keys of look-ups that start from a bare id (`?1`). Ids are
/// unique across organizations (every insert checks), so each is one row.
const ORG_OF_MEMBER: &str = "org_id = (SELECT org_id FROM members WHERE id = ?1)";
const ORG_OF_THREAD: &str = "org_id = (SELECT org_id FROM threads WHERE id = ?1)";
const ORG_OF_INVITATION: &str = "org_id = (SELECT org_id FROM invitations WHERE id = ?1)";

/// The buckets of the send log's counts.
const HOUR_MS: i64 = 3_600_000;

/// Whether a rate-limit key keeps hourly counts beside its sends: every key
/// but an address's, whose limit (at most
/// [`MAX_EMAILS_PER_ADDRESS_PER_DAY`](crate::org::MAX_EMAILS_PER_ADDRESS_PER_DAY)
/// a day, checked below) keeps its sends few enough to count one by one, so
/// that an email to a new address writes one row, not two.
fn hourly(key: &SendKey) -> bool {
    !matches!(key, SendKey::Address(_))
}

// Counting an address's sends one by one reads at most about twice this many
// rows (the window and the day of margin the log keeps): raise the bound, and
// give addresses hourly counts too.
const _: () = assert!(crate::org::MAX_EMAILS_PER_ADDRESS_PER_DAY <= 1_000);

// ---------------------------------------------------------------------------
// The transaction
// ---------------------------------------------------------------------------

/// The reads and writes of a [`Store`](super::Store) transaction on a SQL
/// backend.
pub(crate) struct SqlTx<'a, B: ?Sized>(pub(crate) &'a B);

impl<B: Backend + ?Sized> ReadTx for SqlTx<'_, B> {
    fn org(&self, id: OrgId) -> Result<Option<Organization>> {
        one(self.0, &format!("SELECT {ORG_COLS} FROM orgs WHERE id = ?1"), &[self::id(id)], org)
    }

    fn org_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
        one(self.0, &format!("SELECT {ORG_COLS} FROM orgs WHERE slug = ?1"), &[text(slug)], org)
    }

    fn member(&self, id: MemberId) -> Result<Option<Member>> {
        one(self.0, &format!("SELECT {MEMBER_COLS} FROM members WHERE id = ?1"), &[self::id(id)], member)
    }

    fn member_by_email(&self, org: OrgId, email_key: &str) -> Result<Option<Member>> {
        one(
            self.0,
            &format!("SELECT {MEMBER_COLS} FROM members WHERE org_id = ?1 AND email_key = ?2"),
            &[id(org), text(email_key)],
            member,
        )
    }

    fn members(&self, org: OrgId) -> Result<Vec<Member>> {
        all(self.0, &format!("SELECT {MEMBER_COLS} FROM members WHERE org_id = ?1 ORDER BY id"), &[id(org)], member)
    }

    fn team(&self, id: TeamId) -> Result<Option<Team>> {
        one(self.0, &format!("SELECT {TEAM_COLS} FROM teams WHERE id = ?1"), &[self::id(id)], team)
    }

    fn team_by_name(&self, org: OrgId, name_key: &str) -> Result<Option<Team>> {
        one(
            self.0,
            &format!("SELECT {TEAM_COLS} FROM teams WHERE org_id = ?1 AND name_key = ?2"),
            &[id(org), text(name_key)],
            team,
        )
    }

    fn invitation(&self, id: InvitationId) -> Result<Option<Invitation>> {
        one(self.0, &format!("SELECT {INVITATION_COLS} FROM invitations WHERE id = ?1"), &[self::id(id)], invitation)
    }

    fn invitation_by_token(&self, hash: &TokenHash) -> Result<Option<Invitation>> {
        one(
            self.0,
            &format!("SELECT {INVITATION_COLS} FROM invitations WHERE token_hash = ?1"),
            &[Value::Bytes(hash.as_bytes())],
            invitation,
        )
    }

    fn invitations_to(&self, org: OrgId, email_key: &str) -> Result<Vec<Invitation>> {
        all(
            self.0,
            &format!(
                "SELECT {INVITATION_COLS} FROM invitations {} WHERE org_id = ?1 AND email_key = ?2 ORDER BY id DESC",
                indexed_by(self.0, "invitations_by_email")
            ),
            &[id(org), text(email_key)],
            invitation,
        )
    }

    fn pending_invitations_to(&self, email_key: &str) -> Result<Vec<Invitation>> {
        all(
            self.0,
            &format!(
                "SELECT {INVITATION_COLS} FROM invitations WHERE email_key = ?1 AND status = 'pending' ORDER BY id DESC"
            ),
            &[text(email_key)],
            invitation,
        )
    }

    fn invitations(&self, org: OrgId, inviter: Option<MemberId>) -> Result<Vec<Invitation>> {
        match inviter {
            None => all(
                self.0,
                &format!("SELECT {INVITATION_COLS} FROM invitations WHERE org_id = ?1 ORDER BY id DESC"),
                &[id(org)],
                invitation,
            ),
            Some(m) => all(
                self.0,
                &format!(
                    "SELECT {INVITATION_COLS} FROM invitations {} WHERE org_id = ?1 AND inviter_id = ?2 \
                     ORDER BY id DESC",
                    indexed_by(self.0, "invitations_by_inviter")
                ),
                &[id(org), id(m)],
                invitation,
            ),
        }
    }

    fn pending_invitations_by(&self, inviter: MemberId) -> Result<Vec<Invitation>> {
        all(
            self.0,
            &format!(
                "SELECT {INVITATION_COLS} FROM invitations {} WHERE {ORG_OF_MEMBER} AND inviter_id = ?1 \
                 AND status = 'pending' ORDER BY id DESC",
                indexed_by(self.0, "invitations_by_inviter")
            ),
            &[id(inviter)],
            invitation,
        )
    }

    fn live_pending(&self, org: OrgId, now: Timestamp) -> Result<(u64, Option<Timestamp>)> {
        let row = one(
            self.0,
            "SELECT count(*) AS n, min(expires_at) AS first FROM invitations \
             WHERE org_id = ?1 AND status = 'pending' AND expires_at > ?2",
            &[id(org), ts(now)],
            |r| Ok((get_u64(r, "n")?, r.int("first")?.map(Timestamp::from_millis))),
        )?;
        Ok(row.unwrap_or((0, None)))
    }

    fn send_times(&self, org: OrgId, key: &SendKey, since: Timestamp) -> Result<Vec<Timestamp>> {
        let rows = all(
            self.0,
            "SELECT at, sends FROM send_log WHERE org_id = ?1 AND key = ?2 AND at >= ?3 ORDER BY at",
            &[id(org), text(&send_key(key)), ts(since)],
            |r| Ok((get_ts(r, "at")?, get_int(r, "sends")?)),
        )?;
        Ok(rows.into_iter().flat_map(|(at, n)| std::iter::repeat_n(at, usize::try_from(n).unwrap_or(0))).collect())
    }

    fn nth_latest_send(&self, org: OrgId, key: &SendKey, since: Timestamp, nth: usize) -> Result<Option<Timestamp>> {
        let nth = nth.max(1) as u64;
        let key_text = send_key(key);
        let sends_in = |from: i64, to: i64| {
            all(
                self.0,
                "SELECT at, sends FROM send_log WHERE org_id = ?1 AND key = ?2 AND at >= ?3 AND at < ?4 ORDER BY at DESC",
                &[id(org), text(&key_text), Value::Int(Some(from)), Value::Int(Some(to))],
                |r| Ok((get_ts(r, "at")?, get_u64(r, "sends")?)),
            )
        };
        // The `nth` latest among sends newest first, `before` counted already.
        let find = |sends: Vec<(Timestamp, u64)>, mut before: u64| {
            sends.into_iter().find_map(|(at, n)| {
                before += n;
                (before >= nth).then_some(at)
            })
        };
        let since = since.as_millis();
        if !hourly(key) {
            // At most a few hundred rows (the address limit is at most
            // MAX_EMAILS_PER_ADDRESS_PER_DAY a day): the sends themselves.
            return Ok(find(sends_in(since, i64::MAX)?, 0));
        }
        // The hourly counts from the hour `since` falls in: below `nth` in
        // all, the answer is known from their sum alone (the usual case, one
        // index range of about 25 rows for a 24-hour window). Otherwise the
        // `nth` latest is found among the sends of its hour.
        let first_hour = since.div_euclid(HOUR_MS);
        let bounds = [id(org), text(&key_text), Value::Int(Some(first_hour))];
        let total = one(
            self.0,
            "SELECT CAST(coalesce(sum(sends), 0) AS BIGINT) AS sends FROM send_hours \
             WHERE org_id = ?1 AND key = ?2 AND hour >= ?3",
            &bounds,
            |r| get_u64(r, "sends"),
        )?
        .unwrap_or(0);
        if total < nth {
            return Ok(None);
        }
        let hours = all(
            self.0,
            "SELECT hour, sends FROM send_hours WHERE org_id = ?1 AND key = ?2 AND hour >= ?3 ORDER BY hour DESC",
            &bounds,
            |r| Ok((get_int(r, "hour")?, get_u64(r, "sends")?)),
        )?;
        let mut before = 0u64;
        for (hour, n) in hours {
            let end = hour.saturating_add(1).saturating_mul(HOUR_MS);
            if hour <= first_hour {
                // The window starts inside this hour: only its sends from `since` count.
                return Ok(find(sends_in(since, end)?, before));
            }
            if before + n >= nth {
                return Ok(find(sends_in(hour.saturating_mul(HOUR_MS), end)?, before));
            }
            before += n;
        }
        Ok(None)
    }

    fn template(&self, org: OrgId, kind: EmailKind) -> Result<Option<TemplateSource>> {
        one(
            self.0,
            "SELECT subject, text, html FROM templates WHERE org_id = ?1 AND kind = ?2",
            &[id(org), text(kind.as_str())],
            |r| {
                Ok(TemplateSource {
                    subject: get_text(r, "subject")?,
                    text: get_text(r, "text")?,
                    html: get_text(r, "html")?,
                })
            },
        )
    }

    fn domain_verifications(&self, org: OrgId) -> Result<Vec<DomainVerification>> {
        all(
            self.0,
            &format!("SELECT {DOMAIN_VERIFICATION_COLS} FROM domain_verifications WHERE org_id = ?1 ORDER BY domain"),
            &[id(org)],
            domain_verification,
        )
    }

    fn join_request(&self, id: JoinRequestId) -> Result<Option<JoinRequest>> {
        one(
            self.0,
            &format!("SELECT {JOIN_REQUEST_COLS} FROM join_requests WHERE id = ?1"),
            &[self::id(id)],
            join_request,
        )
    }

    fn join_requests(&self, org: OrgId) -> Result<Vec<JoinRequest>> {
        all(
            self.0,
            &format!("SELECT {JOIN_REQUEST_COLS} FROM join_requests WHERE org_id = ?1 ORDER BY id DESC"),
            &[id(org)],
            join_request,
        )
    }

    fn join_requests_from(&self, org: OrgId, email_key: &str) -> Result<Vec<JoinRequest>> {
        all(
            self.0,
            &format!(
                "SELECT {JOIN_REQUEST_COLS} FROM join_requests {} WHERE org_id = ?1 AND email_key = ?2 \
                 ORDER BY id DESC",
                indexed_by(self.0, "join_requests_by_email")
            ),
            &[id(org), text(email_key)],
            join_request,
        )
    }

    fn email(&self, id: EmailId) -> Result<Option<OutgoingEmail>> {
        one(self.0, &format!("SELECT {EMAIL_COLS} FROM emails WHERE id = ?1"), &[self::id(id)], email)
    }

    fn pending_emails_for(&self, invitation: InvitationId) -> Result<Vec<OutgoingEmail>> {
        all(
            self.0,
            &format!(
                "SELECT {EMAIL_COLS} FROM emails WHERE {ORG_OF_INVITATION} AND invitation_id = ?1 \
                 AND status = 'pending' ORDER BY id"
            ),
            &[id(invitation)],
            email,
        )
    }

    fn due_emails(&self, now: Timestamp, limit: usize) -> Result<Vec<OutgoingEmail>> {
        all(
            self.0,
            &format!(
                "SELECT {EMAIL_COLS} FROM emails WHERE status = 'pending' AND next_attempt_at <= ?1 \
                 ORDER BY next_attempt_at, id LIMIT ?2"
            ),
            &[ts(now), count(limit)],
            email,
        )
    }

    fn events(&self, org: OrgId, after: u64, limit: usize) -> Result<Vec<Event>> {
        all(
            self.0,
            &format!("SELECT {EVENT_COLS} FROM events WHERE org_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"),
            &[id(org), Value::Int(Some(i64::try_from(after).unwrap_or(i64::MAX))), count(limit)],
            event,
        )
    }

    fn members_with_word(&self, org: OrgId, prefix: &str) -> Result<Vec<Member>> {
        self.0.members_with_word(org, prefix)
    }

    fn thread(&self, id: ThreadId) -> Result<Option<Thread>> {
        one(self.0, &format!("SELECT {THREAD_COLS} FROM threads t WHERE t.id = ?1"), &[self::id(id)], thread)
    }

    fn participant(&self, thread: ThreadId, member: MemberId) -> Result<Option<Participant>> {
        one(
            self.0,
            &format!(
                "SELECT {PARTICIPANT_COLS} FROM participants WHERE {ORG_OF_THREAD} AND thread_id = ?1 AND member_id = ?2"
            ),
            &[id(thread), id(member)],
            participant,
        )
    }

    fn participants(&self, thread: ThreadId) -> Result<Vec<Participant>> {
        all(
            self.0,
            &format!(
                "SELECT {PARTICIPANT_COLS} FROM participants WHERE {ORG_OF_THREAD} AND thread_id = ?1 ORDER BY seq"
            ),
            &[id(thread)],
            participant,
        )
    }

    fn threads_of(&self, member: MemberId) -> Result<Vec<ThreadId>> {
        all(
            self.0,
            &format!(
                "SELECT thread_id FROM participants WHERE {ORG_OF_MEMBER} AND member_id = ?1 \
                 ORDER BY last_activity_at DESC, thread_id DESC"
            ),
            &[id(member)],
            |r| get_id(r, "thread_id"),
        )
    }

    fn search_threads(
        &self,
        member: MemberId,
        terms: &[String],
        after: Option<&ThreadCursor>,
        limit: usize,
    ) -> Result<Vec<Thread>> {
        self.0.search_threads(member, terms, after, limit)
    }
}

impl<B: Backend + ?Sized> WriteTx for SqlTx<'_, B> {
    fn insert_org(&mut self, org: &Organization) -> Result<()> {
        if exists(self.0, "SELECT 1 FROM orgs WHERE slug = ?1", &[text(&org.slug)])? {
            return Err(Error::Conflict(format!("the slug `{}` is taken", quote(&org.slug))));
        }
        if exists(self.0, "SELECT 1 FROM orgs WHERE id = ?1", &[id(org.id)])? {
            return Err(Error::Conflict("the organization exists".into()));
        }
        let (domains, settings) = (to_json(&org.allowed_domains)?, to_json(&org.settings)?);
        self.0.exec(
            &format!("INSERT INTO orgs ({ORG_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            &[
                id(org.id),
                text(&org.name),
                text(&org.slug),
                text(&org.portal_url),
                text(&domains),
                text(&settings),
                ts(org.created_at),
            ],
        )?;
        Ok(())
    }

    fn update_org(&mut self, org: &Organization) -> Result<()> {
        let (domains, settings) = (to_json(&org.allowed_domains)?, to_json(&org.settings)?);
        let n = self.0.exec(
            "UPDATE orgs SET name = ?2, portal_url = ?3, allowed_domains = ?4, settings = ?5, created_at = ?6 \
             WHERE id = ?1",
            &[id(org.id), text(&org.name), text(&org.portal_url), text(&domains), text(&settings), ts(org.created_at)],
        )?;
        if n == 0 {
            return Err(Error::NotFound("organization"));
        }
        Ok(())
    }

    fn insert_member(&mut self, m: &Member) -> Result<()> {
        if exists(
            self.0,
            "SELECT 1 FROM members WHERE org_id = ?1 AND email_key = ?2",
            &[id(m.org_id), text(&m.email_key())],
        )? {
            return Err(Error::AlreadyMember { email: m.email.clone() });
        }
        if exists(self.0, "SELECT 1 FROM members WHERE id = ?1", &[id(m.id)])? {
            return Err(Error::Conflict("the member exists".into()));
        }
        let team_ids = team_ids_json(&m.team_ids)?;
        self.0.exec(
            "INSERT INTO members (id, org_id, email, email_key, name, role, team_ids, status, joined_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &[
                id(m.id),
                id(m.org_id),
                text(&m.email),
                text(&m.email_key()),
                text(&m.name),
                text(&m.role),
                text(&team_ids),
                text(m.status.as_str()),
                ts(m.joined_at),
            ],
        )?;
        self.0.index_member(m, true)
    }

    fn update_member(&mut self, m: &Member) -> Result<()> {
        let Some(old) = self.member(m.id)? else { return Err(Error::NotFound("member")) };
        let m = Member::keeping_keys(&old, m);
        if old.name != m.name {
            self.0.index_member(&old, false)?;
            self.0.index_member(&m, true)?;
        }
        let team_ids = team_ids_json(&m.team_ids)?;
        self.0.exec(
            "UPDATE members SET name = ?3, role = ?4, team_ids = ?5, status = ?6, joined_at = ?7 \
             WHERE org_id = ?1 AND id = ?2",
            &[
                id(m.org_id),
                id(m.id),
                text(&m.name),
                text(&m.role),
                text(&team_ids),
                text(m.status.as_str()),
                ts(m.joined_at),
            ],
        )?;
        Ok(())
    }

    fn insert_team(&mut self, t: &Team) -> Result<()> {
        if exists(
            self.0,
            "SELECT 1 FROM teams WHERE org_id = ?1 AND name_key = ?2",
            &[id(t.org_id), text(&t.name_key())],
        )? {
            return Err(Error::Conflict(format!("a team named `{}` exists", quote(&t.name))));
        }
        if exists(self.0, "SELECT 1 FROM teams WHERE id = ?1", &[id(t.id)])? {
            return Err(Error::Conflict("the team exists".into()));
        }
        self.0.exec(
            "INSERT INTO teams (id, org_id, name, name_key) VALUES (?1, ?2, ?3, ?4)",
            &[id(t.id), id(t.org_id), text(&t.name), text(&t.name_key())],
        )?;
        Ok(())
    }

    fn insert_invitation(&mut self, inv: &Invitation, token: &TokenHash) -> Result<()> {
        if exists(self.0, "SELECT 1 FROM invitations WHERE id = ?1", &[id(inv.id)])? || token_in_use(self.0, token)? {
            return Err(Error::Conflict("the invitation exists".into()));
        }
        let grants = grants_json(&inv.thread_grants)?;
        let (team_ids, metadata, private_metadata) =
            (team_ids_json(&inv.team_ids)?, to_json(&inv.metadata)?, to_json(&inv.private_metadata)?);
        self.0.exec(
            &format!(
                "INSERT INTO invitations ({INVITATION_COLS}, email_key, token_hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
            ),
            &[
                id(inv.id),
                id(inv.org_id),
                id(inv.inviter_id),
                text(&inv.email),
                Value::Text(inv.message.as_deref()),
                text(&team_ids),
                text(&inv.role),
                text(inv.status.as_str()),
                ts(inv.created_at),
                ts(inv.expires_at),
                int32(inv.sent_count)?,
                ts(inv.last_sent_at),
                text(&grants),
                Value::Bool(inv.delivered),
                text(&metadata),
                text(&private_metadata),
                Value::Text(inv.redirect_url.as_deref()),
                text(&inv.email_key()),
                Value::Bytes(token.as_bytes()),
            ],
        )?;
        Ok(())
    }

    fn update_invitation(
        &mut self,
        inv: &Invitation,
        expected: InvitationStatus,
        new_token: Option<&TokenHash>,
    ) -> Result<bool> {
        let Some(old) = self.invitation(inv.id)? else { return Err(Error::NotFound("invitation")) };
        if let Some(hash) = new_token
            && token_in_use(self.0, hash)?
        {
            return Err(Error::Conflict("the token is in use".into()));
        }
        // Only the columns that change are written, so an index over a
        // column that keeps its value is not rewritten (an accept writes one
        // column). The expected status is checked by the statement itself.
        let (grants, email_key, team_ids) =
            (grants_json(&inv.thread_grants)?, inv.email_key(), team_ids_json(&inv.team_ids)?);
        let (metadata, private_metadata) = (to_json(&inv.metadata)?, to_json(&inv.private_metadata)?);
        let mut b = Binds::default();
        let (org_p, id_p, expected_p) = (b.bind(id(inv.org_id)), b.bind(id(inv.id)), b.bind(text(expected.as_str())));
        let columns = [
            ("inviter_id", old.inviter_id != inv.inviter_id, id(inv.inviter_id)),
            ("email", old.email != inv.email, text(&inv.email)),
            ("email_key", old.email != inv.email, text(&email_key)),
            ("message", old.message != inv.message, Value::Text(inv.message.as_deref())),
            ("team_ids", old.team_ids != inv.team_ids, text(&team_ids)),
            ("role", old.role != inv.role, text(&inv.role)),
            ("status", old.status != inv.status, text(inv.status.as_str())),
            ("created_at", old.created_at != inv.created_at, ts(inv.created_at)),
            ("expires_at", old.expires_at != inv.expires_at, ts(inv.expires_at)),
            ("sent_count", old.sent_count != inv.sent_count, int32(inv.sent_count)?),
            ("last_sent_at", old.last_sent_at != inv.last_sent_at, ts(inv.last_sent_at)),
            ("thread_grants", old.thread_grants != inv.thread_grants, text(&grants)),
            ("delivered", old.delivered != inv.delivered, Value::Bool(inv.delivered)),
            ("metadata", old.metadata != inv.metadata, text(&metadata)),
            ("private_metadata", old.private_metadata != inv.private_metadata, text(&private_metadata)),
            ("redirect_url", old.redirect_url != inv.redirect_url, Value::Text(inv.redirect_url.as_deref())),
            ("token_hash", new_token.is_some(), new_token.map_or(Value::Bytes(&[]), |h| Value::Bytes(h.as_bytes()))),
        ];
        let set = changed_columns(&mut b, columns);
        if set.is_empty() {
            // Nothing changes: whether the status is the expected one is the answer.
            return Ok(old.status == expected);
        }
        let n = self.0.exec(
            &format!("UPDATE invitations SET {set} WHERE org_id = {org_p} AND id = {id_p} AND status = {expected_p}"),
            &b.0,
        )?;
        Ok(n > 0)
    }

    fn record_send(&mut self, org: OrgId, keys: &[SendKey], at: Timestamp, forget_before: Timestamp) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let hour = at.as_millis().div_euclid(HOUR_MS);
        let horizon_hour = forget_before.as_millis().div_euclid(HOUR_MS);
        let horizon = [Value::Int(Some(horizon_hour.saturating_mul(HOUR_MS))), Value::Int(Some(horizon_hour))];
        // Each key once, with how many times it was given.
        let mut counted: Vec<(&SendKey, String, i64)> = Vec::with_capacity(keys.len());
        for k in keys {
            match counted.iter_mut().find(|(seen, ..)| *seen == k) {
                Some((.., n)) => *n += 1,
                None => counted.push((k, send_key(k), 1)),
            }
        }
        // One statement for the sends of every key, then the hourly counts
        // of the keys that keep them.
        let mut b = Binds::default();
        let (org_p, at_p) = (b.bind(id(org)), b.bind(ts(at)));
        let rows: Vec<String> = counted
            .iter()
            .map(|(_, t, n)| format!("({org_p}, {}, {at_p}, {})", b.bind(text(t)), b.bind(Value::Int(Some(*n)))))
            .collect();
        self.0.exec(
            &format!(
                "INSERT INTO send_log (org_id, key, at, sends) VALUES {} \
                 ON CONFLICT (org_id, key, at) DO UPDATE SET sends = send_log.sends + excluded.sends",
                rows.join(", ")
            ),
            &b.0,
        )?;
        let mut first_of_hour = Vec::new();
        for (k, t, n) in &counted {
            if !hourly(k) {
                continue;
            }
            // An update, else an insert: an upsert's `RETURNING` would cost
            // SQLite a temporary table on every send.
            let bound = [id(org), text(t), Value::Int(Some(hour)), Value::Int(Some(*n))];
            let updated = self.0.exec(
                "UPDATE send_hours SET sends = sends + ?4 WHERE org_id = ?1 AND key = ?2 AND hour = ?3",
                &bound,
            )?;
            if updated == 0 {
                self.0.exec("INSERT INTO send_hours (org_id, key, hour, sends) VALUES (?1, ?2, ?3, ?4)", &bound)?;
                first_of_hour.push(*k);
            }
        }
        // What lies before the horizon's hour is dropped once an hour: every
        // key of the organization at its first send of the hour, or, when
        // the organization's sends are not counted, each key at its own (an
        // address key, with no hourly count, every time).
        if first_of_hour.contains(&&SendKey::Org) {
            self.0.exec("DELETE FROM send_log WHERE org_id = ?1 AND at < ?2", &[id(org), horizon[0]])?;
            self.0.exec("DELETE FROM send_hours WHERE org_id = ?1 AND hour < ?2", &[id(org), horizon[1]])?;
        } else if !keys.contains(&SendKey::Org) {
            for (k, t, _) in &counted {
                if hourly(k) && !first_of_hour.contains(k) {
                    continue;
                }
                self.0.exec(
                    "DELETE FROM send_log WHERE org_id = ?1 AND key = ?2 AND at < ?3",
                    &[id(org), text(t), horizon[0]],
                )?;
                self.0.exec(
                    "DELETE FROM send_hours WHERE org_id = ?1 AND key = ?2 AND hour < ?3",
                    &[id(org), text(t), horizon[1]],
                )?;
            }
        }
        Ok(())
    }

    fn put_template(&mut self, org: OrgId, kind: EmailKind, src: &TemplateSource) -> Result<()> {
        self.0.exec(
            "INSERT INTO templates (org_id, kind, subject, text, html) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (org_id, kind) DO UPDATE SET subject = excluded.subject, text = excluded.text, \
             html = excluded.html",
            &[id(org), text(kind.as_str()), text(&src.subject), text(&src.text), text(&src.html)],
        )?;
        Ok(())
    }

    fn put_domain_verification(&mut self, v: &DomainVerification) -> Result<()> {
        self.0.exec(
            &format!(
                "INSERT INTO domain_verifications ({DOMAIN_VERIFICATION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (org_id, domain) DO UPDATE SET record_name = excluded.record_name, \
                 record_value = excluded.record_value, created_at = excluded.created_at, \
                 verified_at = excluded.verified_at"
            ),
            &[
                id(v.org_id),
                text(&v.domain),
                text(&v.record_name),
                text(&v.record_value),
                ts(v.created_at),
                opt_ts(v.verified_at),
            ],
        )?;
        Ok(())
    }

    fn insert_join_request(&mut self, r: &JoinRequest) -> Result<()> {
        if exists(self.0, "SELECT 1 FROM join_requests WHERE id = ?1", &[id(r.id)])? {
            return Err(Error::Conflict("the join request exists".into()));
        }
        self.0.exec(
            &format!(
                "INSERT INTO join_requests ({JOIN_REQUEST_COLS}, email_key) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ),
            &[
                id(r.id),
                id(r.org_id),
                text(&r.email),
                text(&r.name),
                text(&r.role),
                text(r.status.as_str()),
                ts(r.created_at),
                opt_id(r.decided_by),
                opt_ts(r.decided_at),
                Value::Text(r.reason.as_deref()),
                text(&r.email_key()),
            ],
        )?;
        Ok(())
    }

    fn update_join_request(&mut self, r: &JoinRequest, expected: JoinRequestStatus) -> Result<bool> {
        // The address and the organization are keys: the stored ones stay.
        // The expected status is checked by the statement itself.
        let n = self.0.exec(
            "UPDATE join_requests SET name = ?4, role = ?5, status = ?6, created_at = ?7, decided_by = ?8, \
             decided_at = ?9, reason = ?10 WHERE org_id = ?1 AND id = ?2 AND status = ?3",
            &[
                id(r.org_id),
                id(r.id),
                text(expected.as_str()),
                text(&r.name),
                text(&r.role),
                text(r.status.as_str()),
                ts(r.created_at),
                opt_id(r.decided_by),
                opt_ts(r.decided_at),
                Value::Text(r.reason.as_deref()),
            ],
        )?;
        Ok(n > 0)
    }

    fn insert_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        if exists(self.0, "SELECT 1 FROM emails WHERE id = ?1", &[id(e.id)])? {
            return Err(Error::Conflict("the email exists".into()));
        }
        self.0.exec(
            &format!(
                "INSERT INTO emails ({EMAIL_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ),
            &[
                id(e.id),
                id(e.org_id),
                text(e.kind.as_str()),
                opt_id(e.invitation_id),
                text(&e.to),
                text(&e.subject),
                text(&e.text),
                text(&e.html),
                ts(e.created_at),
                int32(e.attempts)?,
                text(e.status.as_str()),
                ts(e.next_attempt_at),
                Value::Text(e.last_error.as_deref()),
            ],
        )?;
        Ok(())
    }

    fn update_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        let Some(old) = self.email(e.id)? else { return Err(Error::NotFound("email")) };
        // Only the columns that change are written (see update_invitation).
        let mut b = Binds::default();
        let (org_p, id_p) = (b.bind(id(old.org_id)), b.bind(id(e.id)));
        let columns = [
            ("kind", old.kind != e.kind, text(e.kind.as_str())),
            ("invitation_id", old.invitation_id != e.invitation_id, opt_id(e.invitation_id)),
            ("recipient", old.to != e.to, text(&e.to)),
            ("subject", old.subject != e.subject, text(&e.subject)),
            ("text", old.text != e.text, text(&e.text)),
            ("html", old.html != e.html, text(&e.html)),
            ("created_at", old.created_at != e.created_at, ts(e.created_at)),
            ("attempts", old.attempts != e.attempts, int32(e.attempts)?),
            ("status", old.status != e.status, text(e.status.as_str())),
            ("next_attempt_at", old.next_attempt_at != e.next_attempt_at, ts(e.next_attempt_at)),
            ("last_error", old.last_error != e.last_error, Value::Text(e.last_error.as_deref())),
        ];
        let set = changed_columns(&mut b, columns);
        if !set.is_empty() {
            self.0.exec(&format!("UPDATE emails SET {set} WHERE org_id = {org_p} AND id = {id_p}"), &b.0)?;
        }
        Ok(())
    }

    fn append_event(&mut self, e: NewEvent) -> Result<u64> {
        let last =
            one(self.0, "SELECT seq FROM events WHERE org_id = ?1 ORDER BY seq DESC LIMIT 1", &[id(e.org_id)], |r| {
                get_u64(r, "seq")
            })?
            .unwrap_or(0);
        let seq = last.checked_add(1).ok_or_else(|| Error::Storage("the event log is full".into()))?;
        let details = to_json(&e.details)?;
        self.0.exec(
            "INSERT INTO events (org_id, seq, at, actor_id, kind, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                id(e.org_id),
                Value::Int(Some(i64::try_from(seq).map_err(|_| Error::Storage("the event log is full".into()))?)),
                ts(e.at),
                opt_id(e.actor_id),
                text(e.kind.as_str()),
                text(&details),
            ],
        )?;
        Ok(seq)
    }

    fn insert_thread(&mut self, t: &Thread) -> Result<()> {
        if exists(self.0, "SELECT 1 FROM threads WHERE id = ?1", &[id(t.id)])? {
            return Err(Error::Conflict("the thread exists".into()));
        }
        self.0.exec(
            "INSERT INTO threads (id, org_id, title, freelancer_id, freelancer_name, created_by, created_at, \
             last_activity_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            &[
                id(t.id),
                id(t.org_id),
                text(&t.title),
                text(&t.freelancer_id),
                text(&t.freelancer_name),
                id(t.created_by),
                ts(t.created_at),
                ts(t.last_activity_at),
            ],
        )?;
        self.0.index_thread(t.org_id, t.id, &[&t.title, &t.freelancer_name])
    }

    fn insert_message(&mut self, m: &Message) -> Result<()> {
        let Some(org) = one(self.0, "SELECT org_id FROM threads WHERE id = ?1", &[id(m.thread_id)], |r| {
            get_id::<OrgId>(r, "org_id")
        })?
        else {
            return Err(Error::NotFound("thread"));
        };
        if exists(
            self.0,
            "SELECT 1 FROM messages WHERE org_id = ?1 AND thread_id = ?2 AND id = ?3",
            &[id(org), id(m.thread_id), id(m.id)],
        )? {
            return Err(Error::Conflict("the message exists".into()));
        }
        let author = match m.author {
            Author::Member(a) => Some(a),
            Author::Freelancer => None,
        };
        self.0.exec(
            "INSERT INTO messages (org_id, thread_id, id, author_id, body, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[id(org), id(m.thread_id), id(m.id), opt_id(author), text(&m.body), ts(m.sent_at)],
        )?;
        self.0.index_thread(org, m.thread_id, &[&m.body])?;
        let moved = self.0.exec(
            "UPDATE threads SET last_activity_at = ?3 WHERE org_id = ?1 AND id = ?2 AND last_activity_at < ?3",
            &[id(org), id(m.thread_id), ts(m.sent_at)],
        )?;
        if moved > 0 {
            self.0.exec(
                "UPDATE participants SET last_activity_at = ?3 WHERE org_id = ?1 AND thread_id = ?2",
                &[id(org), id(m.thread_id), ts(m.sent_at)],
            )?;
        }
        Ok(())
    }

    fn insert_participant(&mut self, p: &Participant) -> Result<()> {
        if exists(
            self.0,
            &format!("SELECT 1 FROM participants WHERE {ORG_OF_THREAD} AND thread_id = ?1 AND member_id = ?2"),
            &[id(p.thread_id), id(p.member_id)],
        )? {
            return Err(Error::AlreadyParticipant);
        }
        let n = self.0.exec(
            "INSERT INTO participants (org_id, thread_id, member_id, permissions, added_by, added_at, last_activity_at) \
             SELECT org_id, id, ?2, ?3, ?4, ?5, last_activity_at FROM threads WHERE id = ?1",
            &[id(p.thread_id), id(p.member_id), perms(p.permissions), opt_id(p.added_by), ts(p.added_at)],
        )?;
        if n == 0 {
            return Err(Error::NotFound("thread"));
        }
        Ok(())
    }

    fn update_participant(&mut self, p: &Participant) -> Result<()> {
        let n = self.0.exec(
            &format!(
                "UPDATE participants SET permissions = ?3, added_by = ?4, added_at = ?5 \
                 WHERE {ORG_OF_THREAD} AND thread_id = ?1 AND member_id = ?2"
            ),
            &[id(p.thread_id), id(p.member_id), perms(p.permissions), opt_id(p.added_by), ts(p.added_at)],
        )?;
        if n == 0 {
            return Err(Error::NotFound("participant"));
        }
        Ok(())
    }

    fn remove_participant(&mut self, thread: ThreadId, member: MemberId) -> Result<bool> {
        let n = self.0.exec(
            &format!("DELETE FROM participants WHERE {ORG_OF_THREAD} AND thread_id = ?1 AND member_id = ?2"),
            &[id(thread), id(member)],
        )?;
        Ok(n > 0)
    }
}
