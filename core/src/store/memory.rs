//! The in-memory store: for tests, demos and single-process hosts.
//!
//! Plain hash maps and ordered sets, changed in place. Every change a write
//! transaction makes is journaled (the old value of each key it touches), so
//! a closure that fails, or panics, is undone before anyone else sees the
//! state. Readers share a read lock; a writer holds the write lock for the
//! few microseconds of its transaction.

use std::borrow::Borrow;
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::{PoisonError, RwLock};

use uuid::Uuid;

use super::{ReadTx, SendKey, Store, WriteTx};
use crate::clock::Timestamp;
use crate::error::{Error, Result, quote};
use crate::ids::{EmailId, InvitationId, JoinRequestId, MemberId, MessageId, OrgId, TeamId, ThreadId};
use crate::model::{DomainVerification, JoinRequest, JoinRequestStatus};
use crate::model::{Event, NewEvent};
use crate::model::{Invitation, InvitationStatus};
use crate::model::{Member, Organization, Team};
use crate::model::{Message, Participant, Thread, ThreadCursor};
use crate::model::{OutboxStatus, OutgoingEmail};
use crate::policy::Permission;
use crate::search::{member_index_words, words};
use crate::templates::{EmailKind, TemplateSource};
use crate::token::TokenHash;

/// A hash table whose writes can be undone.
struct Table<K, V> {
    map: HashMap<K, V>,
    undo: Vec<(K, Option<V>)>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table { map: HashMap::new(), undo: Vec::new() }
    }
}

impl<K: Hash + Eq + Clone, V> Table<K, V> {
    fn get<Q: Hash + Eq + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.map.get(k)
    }

    fn contains<Q: Hash + Eq + ?Sized>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.map.contains_key(k)
    }

    fn put(&mut self, k: K, v: V) {
        let old = self.map.insert(k.clone(), v);
        self.undo.push((k, old));
    }

    fn del(&mut self, k: &K) -> bool {
        match self.map.remove(k) {
            Some(old) => {
                self.undo.push((k.clone(), Some(old)));
                true
            }
            None => false,
        }
    }

    fn rollback(&mut self) {
        while let Some((k, old)) = self.undo.pop() {
            match old {
                Some(v) => self.map.insert(k, v),
                None => self.map.remove(&k),
            };
        }
    }

    fn commit(&mut self) {
        self.undo.clear();
    }
}

/// An ordered set whose writes can be undone: the secondary indexes.
struct Index<K> {
    set: BTreeSet<K>,
    undo: Vec<(K, bool)>,
}

impl<K> Default for Index<K> {
    fn default() -> Self {
        Index { set: BTreeSet::new(), undo: Vec::new() }
    }
}

impl<K: Ord + Clone> Index<K> {
    fn add(&mut self, k: K) {
        if self.set.insert(k.clone()) {
            self.undo.push((k, true));
        }
    }

    fn remove(&mut self, k: &K) {
        if self.set.remove(k) {
            self.undo.push((k.clone(), false));
        }
    }

    fn range(&self, from: K, to: K) -> std::collections::btree_set::Range<'_, K> {
        self.set.range(from..=to)
    }

    fn rollback(&mut self) {
        while let Some((k, added)) = self.undo.pop() {
            if added {
                self.set.remove(&k);
            } else {
                self.set.insert(k);
            }
        }
    }

    fn commit(&mut self) {
        self.undo.clear();
    }
}

/// Append-only logs (events, messages) whose appends can be undone.
struct Logs<K, T> {
    map: HashMap<K, Vec<T>>,
    undo: Vec<K>,
}

impl<K, T> Default for Logs<K, T> {
    fn default() -> Self {
        Logs { map: HashMap::new(), undo: Vec::new() }
    }
}

impl<K: Hash + Eq + Clone, T> Logs<K, T> {
    fn get(&self, k: &K) -> &[T] {
        self.map.get(k).map(Vec::as_slice).unwrap_or(&[])
    }

    fn push(&mut self, k: K, t: T) {
        self.map.entry(k.clone()).or_default().push(t);
        self.undo.push(k);
    }

    fn rollback(&mut self) {
        while let Some(k) = self.undo.pop() {
            if let Some(log) = self.map.get_mut(&k) {
                log.pop();
            }
        }
    }

    fn commit(&mut self) {
        self.undo.clear();
    }
}

/// Send times per rate-limit key, each list sorted. Dropping the sends the
/// caller will never ask for again is not undone.
#[derive(Default)]
struct SendLog {
    map: HashMap<(OrgId, SendKey), Vec<Timestamp>>,
    undo: Vec<((OrgId, SendKey), usize)>,
}

impl SendLog {
    fn window(&self, org: OrgId, key: &SendKey, since: Timestamp) -> &[Timestamp] {
        let Some(log) = self.map.get(&(org, key.clone())) else { return &[] };
        let start = log.partition_point(|t| *t < since);
        &log[start..]
    }

    fn add(&mut self, org: OrgId, key: &SendKey, at: Timestamp, forget_before: Timestamp) {
        let k = (org, key.clone());
        let log = self.map.entry(k.clone()).or_default();
        let old = log.partition_point(|t| *t < forget_before);
        log.drain(..old);
        let i = log.partition_point(|t| *t <= at);
        log.insert(i, at);
        self.undo.push((k, i));
    }

    fn rollback(&mut self) {
        while let Some((k, i)) = self.undo.pop() {
            if let Some(log) = self.map.get_mut(&k)
                && i < log.len()
            {
                log.remove(i);
            }
        }
    }

    fn commit(&mut self) {
        self.undo.clear();
    }
}

fn min_uuid<T: From<Uuid>>() -> T {
    T::from(Uuid::nil())
}
fn max_uuid<T: From<Uuid>>() -> T {
    T::from(Uuid::max())
}

macro_rules! uuid_bounds {
    ($($t:ty),*) => {$(
        impl From<Uuid> for $t {
            fn from(u: Uuid) -> Self {
                <$t>::from_uuid(u)
            }
        }
    )*};
}
uuid_bounds!(OrgId, MemberId, InvitationId, ThreadId, EmailId, JoinRequestId);

const T_MIN: Timestamp = Timestamp::from_millis(i64::MIN);
const T_MAX: Timestamp = Timestamp::from_millis(i64::MAX);

/// A member's threads, newest activity first.
type ActivityKey = (MemberId, Reverse<Timestamp>, Reverse<ThreadId>);

macro_rules! state {
    ($($field:ident: $ty:ty,)*) => {
        #[derive(Default)]
        struct State {
            $($field: $ty,)*
            /// Orders participants by when they were added.
            next_seq: u64,
        }

        impl State {
            fn commit(&mut self) {
                $(self.$field.commit();)*
            }

            fn rollback(&mut self) {
                $(self.$field.rollback();)*
            }
        }
    };
}

state! {
    orgs: Table<OrgId, Organization>,
    org_by_slug: Table<String, OrgId>,
    members: Table<MemberId, Member>,
    member_by_email: Table<(OrgId, String), MemberId>,
    org_members: Index<(OrgId, MemberId)>,
    member_words: Index<(OrgId, String, MemberId)>,
    teams: Table<TeamId, Team>,
    team_by_name: Table<(OrgId, String), TeamId>,
    invitations: Table<InvitationId, Invitation>,
    inv_by_token: Table<TokenHash, InvitationId>,
    token_of: Table<InvitationId, TokenHash>,
    invs_by_email: Index<(String, InvitationId)>,
    invs_by_org: Index<(OrgId, InvitationId)>,
    invs_by_inviter: Index<(MemberId, InvitationId)>,
    pending_by_org: Index<(OrgId, Timestamp, InvitationId)>,
    sends: SendLog,
    templates: Table<(OrgId, EmailKind), TemplateSource>,
    domains: Table<(OrgId, String), DomainVerification>,
    org_domains: Index<(OrgId, String)>,
    join_requests: Table<JoinRequestId, JoinRequest>,
    join_requests_by_org: Index<(OrgId, Reverse<JoinRequestId>)>,
    join_requests_by_email: Index<(OrgId, String, Reverse<JoinRequestId>)>,
    emails: Table<EmailId, OutgoingEmail>,
    due: Index<(Timestamp, EmailId)>,
    emails_by_invitation: Index<(InvitationId, EmailId)>,
    events: Logs<OrgId, Event>,
    threads: Table<ThreadId, Thread>,
    thread_words: Index<(ThreadId, String)>,
    participants: Table<(ThreadId, MemberId), (u64, Participant)>,
    thread_members: Index<(ThreadId, u64, MemberId)>,
    member_threads: Index<ActivityKey>,
    messages: Logs<ThreadId, Message>,
    message_ids: Table<MessageId, ()>,
}

/// The in-memory [`Store`].
///
/// # Examples
/// ```
/// use invitekit::{InviteKit, MemoryStore};
/// let kit = InviteKit::new(MemoryStore::new());
/// # let _ = kit;
/// ```
#[derive(Default)]
pub struct MemoryStore {
    state: RwLock<State>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Undoes a write transaction unless it was committed, even when its closure panics.
struct TxGuard<'a> {
    state: &'a mut State,
    committed: bool,
}

impl Drop for TxGuard<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.state.rollback();
        }
    }
}

impl Store for MemoryStore {
    fn read<T>(&self, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> Result<T> {
        // A poisoned lock still guards a consistent state: a transaction
        // that panicked was undone by its guard.
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        f(&*state)
    }

    fn write<T>(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        let mut tx = TxGuard { state: &mut state, committed: false };
        let out = f(&mut *tx.state)?;
        tx.state.commit();
        tx.committed = true;
        Ok(out)
    }
}

impl State {
    fn invitations_in<'a>(
        &'a self,
        ids: impl DoubleEndedIterator<Item = InvitationId> + 'a,
    ) -> impl Iterator<Item = &'a Invitation> + 'a {
        ids.rev().filter_map(move |id| self.invitations.get(&id))
    }

    fn index_member(&mut self, m: &Member, add: bool) {
        for w in member_index_words(&m.name, &m.email) {
            let k = (m.org_id, w, m.id);
            if add {
                self.member_words.add(k);
            } else {
                self.member_words.remove(&k);
            }
        }
    }

    fn index_invitation(&mut self, inv: &Invitation, add: bool) {
        if inv.status != InvitationStatus::Pending {
            return;
        }
        let k = (inv.org_id, inv.expires_at, inv.id);
        if add {
            self.pending_by_org.add(k);
        } else {
            self.pending_by_org.remove(&k);
        }
    }

    fn index_email(&mut self, e: &OutgoingEmail, add: bool) {
        if e.status != OutboxStatus::Pending {
            return;
        }
        let k = (e.next_attempt_at, e.id);
        if add {
            self.due.add(k);
        } else {
            self.due.remove(&k);
        }
    }

    fn index_words(&mut self, thread: ThreadId, text: &str) {
        for w in words(text) {
            self.thread_words.add((thread, w));
        }
    }

    fn member_ids_of(&self, thread: ThreadId) -> Vec<MemberId> {
        self.thread_members.range((thread, 0, min_uuid()), (thread, u64::MAX, max_uuid())).map(|(_, _, m)| *m).collect()
    }

    /// Moves a thread to `at` in every participant's activity order.
    fn touch_thread(&mut self, thread: &Thread, at: Timestamp) {
        if at <= thread.last_activity_at {
            return;
        }
        let mut moved = thread.clone();
        moved.last_activity_at = at;
        for m in self.member_ids_of(thread.id) {
            self.member_threads.remove(&(m, Reverse(thread.last_activity_at), Reverse(thread.id)));
            self.member_threads.add((m, Reverse(at), Reverse(thread.id)));
        }
        self.threads.put(moved.id, moved);
    }
}

impl ReadTx for State {
    fn org(&self, id: OrgId) -> Result<Option<Organization>> {
        Ok(self.orgs.get(&id).cloned())
    }

    fn org_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
        Ok(self.org_by_slug.get(slug).and_then(|id| self.orgs.get(id)).cloned())
    }

    fn member(&self, id: MemberId) -> Result<Option<Member>> {
        Ok(self.members.get(&id).cloned())
    }

    fn with_member(&self, id: MemberId, f: &mut dyn FnMut(Option<&Member>)) -> Result<()> {
        f(self.members.get(&id));
        Ok(())
    }

    fn member_by_email(&self, org: OrgId, email_key: &str) -> Result<Option<Member>> {
        Ok(self.member_by_email.get(&(org, email_key.to_owned())).and_then(|id| self.members.get(id)).cloned())
    }

    fn members(&self, org: OrgId) -> Result<Vec<Member>> {
        Ok(self
            .org_members
            .range((org, min_uuid()), (org, max_uuid()))
            .filter_map(|(_, id)| self.members.get(id).cloned())
            .collect())
    }

    fn team(&self, id: TeamId) -> Result<Option<Team>> {
        Ok(self.teams.get(&id).cloned())
    }

    fn team_by_name(&self, org: OrgId, name_key: &str) -> Result<Option<Team>> {
        Ok(self.team_by_name.get(&(org, name_key.to_owned())).and_then(|id| self.teams.get(id)).cloned())
    }

    fn invitation(&self, id: InvitationId) -> Result<Option<Invitation>> {
        Ok(self.invitations.get(&id).cloned())
    }

    fn invitation_by_token(&self, hash: &TokenHash) -> Result<Option<Invitation>> {
        Ok(self.inv_by_token.get(hash).and_then(|id| self.invitations.get(id)).cloned())
    }

    fn invitations_to(&self, org: OrgId, email_key: &str) -> Result<Vec<Invitation>> {
        let ids = self
            .invs_by_email
            .range((email_key.to_owned(), min_uuid()), (email_key.to_owned(), max_uuid()))
            .map(|(_, id)| *id);
        Ok(self.invitations_in(ids).filter(|i| i.org_id == org).cloned().collect())
    }

    fn pending_invitations_to(&self, email_key: &str) -> Result<Vec<Invitation>> {
        let ids = self
            .invs_by_email
            .range((email_key.to_owned(), min_uuid()), (email_key.to_owned(), max_uuid()))
            .map(|(_, id)| *id);
        Ok(self.invitations_in(ids).filter(|i| i.status == InvitationStatus::Pending).cloned().collect())
    }

    fn invitations(&self, org: OrgId, inviter: Option<MemberId>) -> Result<Vec<Invitation>> {
        let found: Vec<Invitation> = match inviter {
            None => {
                let ids = self.invs_by_org.range((org, min_uuid()), (org, max_uuid())).map(|(_, id)| *id);
                self.invitations_in(ids).cloned().collect()
            }
            Some(m) => {
                let ids = self.invs_by_inviter.range((m, min_uuid()), (m, max_uuid())).map(|(_, id)| *id);
                self.invitations_in(ids).filter(|i| i.org_id == org).cloned().collect()
            }
        };
        Ok(found)
    }

    fn pending_invitations_by(&self, inviter: MemberId) -> Result<Vec<Invitation>> {
        let ids = self.invs_by_inviter.range((inviter, min_uuid()), (inviter, max_uuid())).map(|(_, id)| *id);
        Ok(self.invitations_in(ids).filter(|i| i.status == InvitationStatus::Pending).cloned().collect())
    }

    fn live_pending(&self, org: OrgId, now: Timestamp) -> Result<(u64, Option<Timestamp>)> {
        let after_now = Timestamp::from_millis(now.as_millis().saturating_add(1));
        let mut live = self.pending_by_org.range((org, after_now, min_uuid()), (org, T_MAX, max_uuid()));
        let first = live.next().map(|(_, t, _)| *t);
        let count = first.map_or(0, |_| 1 + live.count() as u64);
        Ok((count, first))
    }

    fn send_times(&self, org: OrgId, key: &SendKey, since: Timestamp) -> Result<Vec<Timestamp>> {
        Ok(self.sends.window(org, key, since).to_vec())
    }

    fn nth_latest_send(&self, org: OrgId, key: &SendKey, since: Timestamp, nth: usize) -> Result<Option<Timestamp>> {
        let w = self.sends.window(org, key, since);
        Ok(w.len().checked_sub(nth.max(1)).and_then(|i| w.get(i)).copied())
    }

    fn template(&self, org: OrgId, kind: EmailKind) -> Result<Option<TemplateSource>> {
        Ok(self.templates.get(&(org, kind)).cloned())
    }

    fn domain_verifications(&self, org: OrgId) -> Result<Vec<DomainVerification>> {
        Ok(self
            .org_domains
            .range((org, String::new()), (org, String::from(char::MAX)))
            .filter_map(|(o, d)| self.domains.get(&(*o, d.clone())).cloned())
            .collect())
    }

    fn join_request(&self, id: JoinRequestId) -> Result<Option<JoinRequest>> {
        Ok(self.join_requests.get(&id).cloned())
    }

    fn join_requests(&self, org: OrgId) -> Result<Vec<JoinRequest>> {
        Ok(self
            .join_requests_by_org
            .range((org, Reverse(max_uuid())), (org, Reverse(min_uuid())))
            .filter_map(|(_, Reverse(id))| self.join_requests.get(id).cloned())
            .collect())
    }

    fn join_requests_from(&self, org: OrgId, email_key: &str) -> Result<Vec<JoinRequest>> {
        let key = email_key.to_owned();
        Ok(self
            .join_requests_by_email
            .range((org, key.clone(), Reverse(max_uuid())), (org, key, Reverse(min_uuid())))
            .filter_map(|(_, _, Reverse(id))| self.join_requests.get(id).cloned())
            .collect())
    }

    fn email(&self, id: EmailId) -> Result<Option<OutgoingEmail>> {
        Ok(self.emails.get(&id).cloned())
    }

    fn pending_emails_for(&self, invitation: InvitationId) -> Result<Vec<OutgoingEmail>> {
        Ok(self
            .emails_by_invitation
            .range((invitation, min_uuid()), (invitation, max_uuid()))
            .filter_map(|(_, id)| self.emails.get(id))
            .filter(|e| e.status == OutboxStatus::Pending)
            .cloned()
            .collect())
    }

    fn due_emails(&self, now: Timestamp, limit: usize) -> Result<Vec<OutgoingEmail>> {
        Ok(self
            .due
            .range((T_MIN, min_uuid()), (now, max_uuid()))
            .take(limit)
            .filter_map(|(_, id)| self.emails.get(id).cloned())
            .collect())
    }

    fn events(&self, org: OrgId, after: u64, limit: usize) -> Result<Vec<Event>> {
        let log = self.events.get(&org);
        let start = usize::try_from(after).unwrap_or(usize::MAX).min(log.len());
        Ok(log[start..].iter().take(limit).cloned().collect())
    }

    fn members_with_word(&self, org: OrgId, prefix: &str) -> Result<Vec<Member>> {
        let mut found: BTreeSet<MemberId> = BTreeSet::new();
        for (o, word, id) in self.member_words.set.range((org, prefix.to_owned(), min_uuid())..) {
            if *o != org || !word.starts_with(prefix) {
                break;
            }
            found.insert(*id);
        }
        Ok(found.iter().filter_map(|id| self.members.get(id)).cloned().collect())
    }

    fn thread(&self, id: ThreadId) -> Result<Option<Thread>> {
        Ok(self.threads.get(&id).cloned())
    }

    fn participant(&self, thread: ThreadId, member: MemberId) -> Result<Option<Participant>> {
        Ok(self.participants.get(&(thread, member)).map(|(_, p)| p.clone()))
    }

    fn participants(&self, thread: ThreadId) -> Result<Vec<Participant>> {
        Ok(self
            .member_ids_of(thread)
            .into_iter()
            .filter_map(|m| self.participants.get(&(thread, m)).map(|(_, p)| p.clone()))
            .collect())
    }

    fn threads_of(&self, member: MemberId) -> Result<Vec<ThreadId>> {
        Ok(self
            .member_threads
            .range((member, Reverse(T_MAX), Reverse(max_uuid())), (member, Reverse(T_MIN), Reverse(min_uuid())))
            .map(|(_, _, Reverse(id))| *id)
            .collect())
    }

    fn search_threads(
        &self,
        member: MemberId,
        terms: &[String],
        after: Option<&ThreadCursor>,
        limit: usize,
    ) -> Result<Vec<Thread>> {
        let from = match after {
            Some(c) => (member, Reverse(c.last_activity_at), Reverse(c.thread_id)),
            None => (member, Reverse(T_MAX), Reverse(max_uuid())),
        };
        let to = (member, Reverse(T_MIN), Reverse(min_uuid()));
        if from > to {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for key in self.member_threads.range(from, to) {
            if out.len() >= limit {
                break;
            }
            if after.is_some() && *key == from {
                continue;
            }
            let id = key.2.0;
            let readable =
                self.participants.get(&(id, member)).is_some_and(|(_, p)| p.permissions.contains(Permission::Read));
            if !readable {
                continue;
            }
            let matches = terms.iter().all(|t| {
                self.thread_words
                    .set
                    .range((id, t.clone())..)
                    .next()
                    .is_some_and(|(tid, w)| *tid == id && w.starts_with(t.as_str()))
            });
            if matches && let Some(t) = self.threads.get(&id) {
                out.push(t.clone());
            }
        }
        Ok(out)
    }
}

impl WriteTx for State {
    fn insert_org(&mut self, org: &Organization) -> Result<()> {
        if self.org_by_slug.contains(org.slug.as_str()) {
            return Err(Error::Conflict(format!("the slug `{}` is taken", org.slug)));
        }
        if self.orgs.contains(&org.id) {
            return Err(Error::Conflict("the organization exists".into()));
        }
        self.org_by_slug.put(org.slug.clone(), org.id);
        self.orgs.put(org.id, org.clone());
        Ok(())
    }

    fn update_org(&mut self, org: &Organization) -> Result<()> {
        if !self.orgs.contains(&org.id) {
            return Err(Error::NotFound("organization"));
        }
        self.orgs.put(org.id, org.clone());
        Ok(())
    }

    fn insert_member(&mut self, m: &Member) -> Result<()> {
        let key = (m.org_id, m.email_key());
        if self.member_by_email.contains(&key) {
            return Err(Error::AlreadyMember { email: m.email.clone() });
        }
        if self.members.contains(&m.id) {
            return Err(Error::Conflict("the member exists".into()));
        }
        self.member_by_email.put(key, m.id);
        self.org_members.add((m.org_id, m.id));
        self.index_member(m, true);
        self.members.put(m.id, m.clone());
        Ok(())
    }

    fn update_member(&mut self, m: &Member) -> Result<()> {
        let Some(old) = self.members.get(&m.id).cloned() else { return Err(Error::NotFound("member")) };
        let m = Member::keeping_keys(&old, m);
        if old.name != m.name {
            self.index_member(&old, false);
            self.index_member(&m, true);
        }
        self.members.put(m.id, m);
        Ok(())
    }

    fn insert_team(&mut self, t: &Team) -> Result<()> {
        let key = (t.org_id, t.name_key());
        if self.team_by_name.contains(&key) {
            return Err(Error::Conflict(format!("a team named `{}` exists", quote(&t.name))));
        }
        if self.teams.contains(&t.id) {
            return Err(Error::Conflict("the team exists".into()));
        }
        self.team_by_name.put(key, t.id);
        self.teams.put(t.id, t.clone());
        Ok(())
    }

    fn insert_invitation(&mut self, inv: &Invitation, token: &TokenHash) -> Result<()> {
        if self.invitations.contains(&inv.id) || self.inv_by_token.contains(token) {
            return Err(Error::Conflict("the invitation exists".into()));
        }
        self.inv_by_token.put(*token, inv.id);
        self.token_of.put(inv.id, *token);
        self.invs_by_email.add((inv.email_key(), inv.id));
        self.invs_by_org.add((inv.org_id, inv.id));
        self.invs_by_inviter.add((inv.inviter_id, inv.id));
        self.index_invitation(inv, true);
        self.invitations.put(inv.id, inv.clone());
        Ok(())
    }

    fn update_invitation(
        &mut self,
        inv: &Invitation,
        expected: InvitationStatus,
        new_token: Option<&TokenHash>,
    ) -> Result<bool> {
        let Some(old) = self.invitations.get(&inv.id).cloned() else { return Err(Error::NotFound("invitation")) };
        if old.status != expected {
            return Ok(false);
        }
        if let Some(hash) = new_token {
            if self.inv_by_token.contains(hash) {
                return Err(Error::Conflict("the token is in use".into()));
            }
            if let Some(old_hash) = self.token_of.get(&inv.id).copied() {
                self.inv_by_token.del(&old_hash);
            }
            self.inv_by_token.put(*hash, inv.id);
            self.token_of.put(inv.id, *hash);
        }
        self.index_invitation(&old, false);
        self.index_invitation(inv, true);
        self.invitations.put(inv.id, inv.clone());
        Ok(true)
    }

    fn record_send(&mut self, org: OrgId, keys: &[SendKey], at: Timestamp, forget_before: Timestamp) -> Result<()> {
        for key in keys {
            self.sends.add(org, key, at, forget_before);
        }
        Ok(())
    }

    fn put_template(&mut self, org: OrgId, kind: EmailKind, src: &TemplateSource) -> Result<()> {
        self.templates.put((org, kind), src.clone());
        Ok(())
    }

    fn put_domain_verification(&mut self, v: &DomainVerification) -> Result<()> {
        self.org_domains.add((v.org_id, v.domain.clone()));
        self.domains.put((v.org_id, v.domain.clone()), v.clone());
        Ok(())
    }

    fn insert_join_request(&mut self, r: &JoinRequest) -> Result<()> {
        if self.join_requests.contains(&r.id) {
            return Err(Error::Conflict("the join request exists".into()));
        }
        self.join_requests_by_org.add((r.org_id, Reverse(r.id)));
        self.join_requests_by_email.add((r.org_id, r.email_key(), Reverse(r.id)));
        self.join_requests.put(r.id, r.clone());
        Ok(())
    }

    fn update_join_request(&mut self, r: &JoinRequest, expected: JoinRequestStatus) -> Result<bool> {
        match self.join_requests.get(&r.id) {
            Some(old) if old.status == expected && old.org_id == r.org_id => {
                // The address and organization are keys: the stored ones stay.
                let mut new = r.clone();
                new.email = old.email.clone();
                self.join_requests.put(r.id, new);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn insert_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        if self.emails.contains(&e.id) {
            return Err(Error::Conflict("the email exists".into()));
        }
        if let Some(inv) = e.invitation_id {
            self.emails_by_invitation.add((inv, e.id));
        }
        self.index_email(e, true);
        self.emails.put(e.id, e.clone());
        Ok(())
    }

    fn update_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        let Some(old) = self.emails.get(&e.id).cloned() else { return Err(Error::NotFound("email")) };
        self.index_email(&old, false);
        self.index_email(e, true);
        self.emails.put(e.id, e.clone());
        Ok(())
    }

    fn append_event(&mut self, e: NewEvent) -> Result<u64> {
        let seq = self.events.get(&e.org_id).len() as u64 + 1;
        self.events.push(
            e.org_id,
            Event { seq, org_id: e.org_id, at: e.at, actor_id: e.actor_id, kind: e.kind, details: e.details },
        );
        Ok(seq)
    }

    fn insert_thread(&mut self, t: &Thread) -> Result<()> {
        if self.threads.contains(&t.id) {
            return Err(Error::Conflict("the thread exists".into()));
        }
        self.index_words(t.id, &t.title);
        self.index_words(t.id, &t.freelancer_name);
        self.threads.put(t.id, t.clone());
        Ok(())
    }

    fn insert_message(&mut self, m: &Message) -> Result<()> {
        let Some(t) = self.threads.get(&m.thread_id).cloned() else { return Err(Error::NotFound("thread")) };
        if self.message_ids.contains(&m.id) {
            return Err(Error::Conflict("the message exists".into()));
        }
        self.message_ids.put(m.id, ());
        self.index_words(m.thread_id, &m.body);
        self.touch_thread(&t, m.sent_at);
        self.messages.push(m.thread_id, m.clone());
        Ok(())
    }

    fn insert_participant(&mut self, p: &Participant) -> Result<()> {
        let key = (p.thread_id, p.member_id);
        if self.participants.contains(&key) {
            return Err(Error::AlreadyParticipant);
        }
        let Some(t) = self.threads.get(&p.thread_id) else { return Err(Error::NotFound("thread")) };
        let activity = (p.member_id, Reverse(t.last_activity_at), Reverse(t.id));
        self.next_seq += 1;
        let seq = self.next_seq;
        self.member_threads.add(activity);
        self.thread_members.add((p.thread_id, seq, p.member_id));
        self.participants.put(key, (seq, p.clone()));
        Ok(())
    }

    fn update_participant(&mut self, p: &Participant) -> Result<()> {
        let key = (p.thread_id, p.member_id);
        let Some((seq, _)) = self.participants.get(&key) else { return Err(Error::NotFound("participant")) };
        let seq = *seq;
        self.participants.put(key, (seq, p.clone()));
        Ok(())
    }

    fn remove_participant(&mut self, thread: ThreadId, member: MemberId) -> Result<bool> {
        let Some((seq, _)) = self.participants.get(&(thread, member)) else { return Ok(false) };
        let seq = *seq;
        self.participants.del(&(thread, member));
        self.thread_members.remove(&(thread, seq, member));
        if let Some(t) = self.threads.get(&thread) {
            let key = (member, Reverse(t.last_activity_at), Reverse(t.id));
            self.member_threads.remove(&key);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::clock::ManualClock;
    use crate::model::MemberStatus;

    fn member(org: OrgId, email: &str) -> Member {
        Member {
            id: MemberId::new(),
            org_id: org,
            email: email.into(),
            name: "Ann Lee".into(),
            role: "member".into(),
            team_ids: vec![],
            status: MemberStatus::Active,
            joined_at: ManualClock::START,
        }
    }

    #[test]
    fn a_failed_write_leaves_every_table_and_index_as_it_was() {
        let store = MemoryStore::new();
        let org = OrgId::new();
        let first = member(org, "ann@acme.com");
        store.write(|tx| tx.insert_member(&first)).unwrap();
        let second = member(org, "bob@acme.com");
        let err = store.write(|tx| {
            tx.insert_member(&second)?;
            tx.record_send(org, &[SendKey::Org], ManualClock::START, ManualClock::START)?;
            tx.append_event(NewEvent {
                org_id: org,
                at: ManualClock::START,
                actor_id: None,
                kind: crate::model::EventKind::MemberAdded,
                details: serde_json::json!({}),
            })?;
            tx.insert_member(&first) // a duplicate: the whole transaction fails
        });
        assert_eq!(err.map_err(|e| e.code()), Err("already_member"));
        store
            .read(|tx| {
                assert_eq!(tx.members(org)?.len(), 1);
                assert!(tx.member_by_email(org, "bob@acme.com")?.is_none());
                assert!(tx.members_with_word(org, "bob")?.is_empty());
                assert_eq!(tx.send_times(org, &SendKey::Org, T_MIN)?.len(), 0);
                assert!(tx.events(org, 0, 10)?.is_empty());
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_panicking_write_is_undone() {
        let store = std::sync::Arc::new(MemoryStore::new());
        let org = OrgId::new();
        let s2 = store.clone();
        let joined = std::thread::spawn(move || {
            let _ = s2.write(|tx| -> Result<()> {
                tx.insert_member(&member(org, "ann@acme.com"))?;
                panic!("host code panicked mid-transaction");
            });
        })
        .join();
        assert!(joined.is_err());
        assert!(store.read(|tx| tx.members(org)).unwrap().is_empty());
        store.write(|tx| tx.insert_member(&member(org, "ann@acme.com"))).unwrap();
    }
}
