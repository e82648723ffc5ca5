//! The in-memory store: for tests, demos and single-process hosts.
//!
//! The whole state is a set of persistent maps (`imbl`), so taking a snapshot
//! is a handful of reference-count increments. A write transaction works on
//! its own snapshot and publishes it only when the closure succeeds: rollback
//! is simply dropping it, and readers never wait for a writer.

use std::cmp::Reverse;
use std::ops::Bound;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use imbl::{HashMap, OrdMap, OrdSet, Vector};

use super::{ReadTx, SendKey, Store, WriteTx};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::events::{Event, NewEvent};
use crate::ids::{EmailId, InvitationId, MemberId, OrgId, TeamId, ThreadId};
use crate::invitations::{Invitation, InvitationStatus};
use crate::org::{Member, Organization, Team};
use crate::outbox::{OutboxStatus, OutgoingEmail};
use crate::policy::Permission;
use crate::search::{member_words, words};
use crate::templates::{EmailKind, TemplateSource};
use crate::threads::{Message, Participant, Thread, ThreadCursor};
use crate::token::TokenHash;

/// How long send times are kept for the rate limits (they look back 24 hours).
const SEND_LOG_KEEP_SECS: i64 = 48 * 3600;

/// Orders a member's threads newest activity first.
type ActivityKey = (Reverse<Timestamp>, Reverse<ThreadId>);

fn activity_key(t: &Thread) -> ActivityKey {
    (Reverse(t.last_activity_at), Reverse(t.id))
}

/// A [`SendKey`] as the memory store keeps it: its address shared, because
/// persistent maps copy their keys when a node is copied.
#[derive(Clone, PartialEq, Eq, Hash)]
enum SendSlot {
    Org,
    Inviter(MemberId),
    Address(Arc<str>),
}

impl From<&SendKey> for SendSlot {
    fn from(k: &SendKey) -> Self {
        match k {
            SendKey::Org => SendSlot::Org,
            SendKey::Inviter(m) => SendSlot::Inviter(*m),
            SendKey::Address(a) => SendSlot::Address(Arc::from(a.as_str())),
        }
    }
}

/// Values are kept behind `Arc` and string keys as `Arc<str>`: a write copies
/// the persistent-map nodes on its path, and copying shared pointers costs a
/// reference count where copying records would cost allocations.
#[derive(Clone, Default)]
struct State {
    orgs: HashMap<OrgId, Arc<Organization>>,
    org_by_slug: HashMap<Arc<str>, OrgId>,
    members: HashMap<MemberId, Arc<Member>>,
    member_by_email: HashMap<OrgId, HashMap<Arc<str>, MemberId>>,
    members_by_org: HashMap<OrgId, OrdSet<MemberId>>,
    member_words: HashMap<OrgId, OrdMap<Arc<str>, OrdSet<MemberId>>>,
    teams: HashMap<TeamId, Arc<Team>>,
    team_by_name: HashMap<OrgId, HashMap<Arc<str>, TeamId>>,
    invitations: HashMap<InvitationId, Arc<Invitation>>,
    inv_by_token: HashMap<TokenHash, InvitationId>,
    token_of: HashMap<InvitationId, TokenHash>,
    invs_by_email: HashMap<Arc<str>, OrdSet<InvitationId>>,
    invs_by_org: HashMap<OrgId, OrdSet<InvitationId>>,
    invs_by_inviter: HashMap<MemberId, OrdSet<InvitationId>>,
    pending_by_org: HashMap<OrgId, OrdSet<(Timestamp, InvitationId)>>,
    sends: HashMap<OrgId, HashMap<SendSlot, Vector<Timestamp>>>,
    templates: HashMap<(OrgId, EmailKind), Arc<TemplateSource>>,
    emails: HashMap<EmailId, Arc<OutgoingEmail>>,
    due: OrdSet<(Timestamp, EmailId)>,
    emails_by_invitation: HashMap<InvitationId, Vector<EmailId>>,
    events: HashMap<OrgId, Vector<Arc<Event>>>,
    threads: HashMap<ThreadId, Arc<Thread>>,
    thread_words: HashMap<ThreadId, OrdSet<Arc<str>>>,
    participants: HashMap<(ThreadId, MemberId), Participant>,
    thread_members: HashMap<ThreadId, Vector<MemberId>>,
    member_threads: HashMap<MemberId, OrdSet<ActivityKey>>,
    messages: HashMap<ThreadId, Vector<Arc<Message>>>,
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
    current: RwLock<Arc<State>>,
    writer: Mutex<()>,
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

    fn snapshot(&self) -> Arc<State> {
        // A poisoned lock still guards a consistent state: it is only ever
        // replaced whole, after a transaction succeeded.
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Store for MemoryStore {
    fn read<T>(&self, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> Result<T> {
        let state = self.snapshot();
        f(&*state)
    }

    fn write<T>(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut state = (*self.snapshot()).clone();
        let out = f(&mut state)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(state);
        Ok(out)
    }
}

fn newest_first<'a>(ids: impl DoubleEndedIterator<Item = &'a InvitationId>, s: &State) -> Vec<Invitation> {
    ids.rev().filter_map(|id| s.invitations.get(id).map(|i| (**i).clone())).collect()
}

impl ReadTx for State {
    fn org(&self, id: OrgId) -> Result<Option<Organization>> {
        Ok(self.orgs.get(&id).map(|o| (**o).clone()))
    }

    fn org_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
        Ok(self.org_by_slug.get(slug).and_then(|id| self.orgs.get(id)).map(|o| (**o).clone()))
    }

    fn member(&self, id: MemberId) -> Result<Option<Member>> {
        Ok(self.members.get(&id).map(|m| (**m).clone()))
    }

    fn member_by_email(&self, org: OrgId, email_key: &str) -> Result<Option<Member>> {
        Ok(self.member_by_email.get(&org).and_then(|by| by.get(email_key)).and_then(|id| self.members.get(id)).map(|m| (**m).clone()))
    }

    fn members(&self, org: OrgId) -> Result<Vec<Member>> {
        Ok(self
            .members_by_org
            .get(&org)
            .map(|ids| ids.iter().filter_map(|id| self.members.get(id).map(|m| (**m).clone())).collect())
            .unwrap_or_default())
    }

    fn team(&self, id: TeamId) -> Result<Option<Team>> {
        Ok(self.teams.get(&id).map(|t| (**t).clone()))
    }

    fn team_by_name(&self, org: OrgId, name_key: &str) -> Result<Option<Team>> {
        Ok(self.team_by_name.get(&org).and_then(|by| by.get(name_key)).and_then(|id| self.teams.get(id)).map(|t| (**t).clone()))
    }

    fn invitation(&self, id: InvitationId) -> Result<Option<Invitation>> {
        Ok(self.invitations.get(&id).map(|i| (**i).clone()))
    }

    fn invitation_by_token(&self, hash: &TokenHash) -> Result<Option<Invitation>> {
        Ok(self.inv_by_token.get(hash).and_then(|id| self.invitations.get(id)).map(|i| (**i).clone()))
    }

    fn invitations_to(&self, org: OrgId, email_key: &str) -> Result<Vec<Invitation>> {
        Ok(self
            .invs_by_email
            .get(email_key)
            .map(|ids| newest_first(ids.iter(), self).into_iter().filter(|i| i.org_id == org).collect())
            .unwrap_or_default())
    }

    fn pending_invitations_to(&self, email_key: &str) -> Result<Vec<Invitation>> {
        Ok(self
            .invs_by_email
            .get(email_key)
            .map(|ids| {
                newest_first(ids.iter(), self)
                    .into_iter()
                    .filter(|i| i.status == InvitationStatus::Pending)
                    .collect()
            })
            .unwrap_or_default())
    }

    fn invitations(&self, org: OrgId, inviter: Option<MemberId>) -> Result<Vec<Invitation>> {
        let ids = match inviter {
            None => self.invs_by_org.get(&org),
            Some(m) => self.invs_by_inviter.get(&m),
        };
        Ok(ids
            .map(|ids| newest_first(ids.iter(), self).into_iter().filter(|i| i.org_id == org).collect())
            .unwrap_or_default())
    }

    fn pending_invitations_by(&self, inviter: MemberId) -> Result<Vec<Invitation>> {
        Ok(self
            .invs_by_inviter
            .get(&inviter)
            .map(|ids| {
                newest_first(ids.iter(), self)
                    .into_iter()
                    .filter(|i| i.status == InvitationStatus::Pending)
                    .collect()
            })
            .unwrap_or_default())
    }

    fn live_pending(&self, org: OrgId, now: Timestamp) -> Result<(u64, Option<Timestamp>)> {
        let Some(set) = self.pending_by_org.get(&org) else { return Ok((0, None)) };
        let from = (Timestamp::from_millis(now.as_millis().saturating_add(1)), InvitationId::from_uuid(uuid::Uuid::nil()));
        let mut live = set.range(from..);
        let first = live.next().map(|(t, _)| *t);
        let count = first.map_or(0, |_| 1 + live.count() as u64);
        Ok((count, first))
    }

    fn send_times(&self, org: OrgId, key: &SendKey, since: Timestamp) -> Result<Vec<Timestamp>> {
        Ok(self
            .sends
            .get(&org)
            .and_then(|by| by.get(&SendSlot::from(key)))
            .map(|v| v.iter().copied().filter(|t| *t >= since).collect())
            .unwrap_or_default())
    }

    fn send_window(&self, org: OrgId, key: &SendKey, since: Timestamp, nth: usize) -> Result<(u64, Option<Timestamp>)> {
        let Some(log) = self.sends.get(&org).and_then(|by| by.get(&SendSlot::from(key))) else { return Ok((0, None)) };
        // The log is appended in time order, so the window is a suffix found by bisection.
        let start = log.binary_search_by(|t| if *t < since { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater })
            .unwrap_or_else(|i| i);
        let count = log.len() - start;
        let nth_latest = count.checked_sub(nth.max(1)).and_then(|i| log.get(start + i)).copied();
        Ok((count as u64, nth_latest))
    }

    fn template(&self, org: OrgId, kind: EmailKind) -> Result<Option<TemplateSource>> {
        Ok(self.templates.get(&(org, kind)).map(|t| (**t).clone()))
    }

    fn email(&self, id: EmailId) -> Result<Option<OutgoingEmail>> {
        Ok(self.emails.get(&id).map(|e| (**e).clone()))
    }

    fn due_emails(&self, now: Timestamp, limit: usize) -> Result<Vec<OutgoingEmail>> {
        Ok(self
            .due
            .iter()
            .take_while(|(t, _)| *t <= now)
            .take(limit)
            .filter_map(|(_, id)| self.emails.get(id).map(|e| (**e).clone()))
            .collect())
    }

    fn events(&self, org: OrgId, after: u64, limit: usize) -> Result<Vec<Event>> {
        let Some(log) = self.events.get(&org) else { return Ok(Vec::new()) };
        let start = usize::try_from(after).unwrap_or(usize::MAX).min(log.len());
        let end = start.saturating_add(limit).min(log.len());
        Ok((start..end).filter_map(|i| log.get(i).map(|e| (**e).clone())).collect())
    }

    fn find_members(&self, org: OrgId, terms: &[String], limit: usize) -> Result<Vec<Member>> {
        let Some((first, rest)) = terms.split_first() else { return Ok(Vec::new()) };
        let mut candidates: OrdSet<MemberId> = OrdSet::new();
        if let Some(index) = self.member_words.get(&org) {
            for (word, ids) in index.range::<_, str>((Bound::Included(first.as_str()), Bound::Unbounded)) {
                if !word.starts_with(first.as_str()) {
                    break;
                }
                candidates = candidates.union(ids.clone());
            }
        }
        let mut found: Vec<Member> = candidates
            .iter()
            .filter_map(|id| self.members.get(id))
            .map(|m| &**m)
            .filter(|m| m.is_active())
            .filter(|m| {
                rest.is_empty() || {
                    let w = member_words(&m.name, &m.email);
                    rest.iter().all(|t| w.iter().any(|x| x.starts_with(t.as_str())))
                }
            })
            .cloned()
            .collect();
        found.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
        found.truncate(limit);
        Ok(found)
    }

    fn thread(&self, id: ThreadId) -> Result<Option<Thread>> {
        Ok(self.threads.get(&id).map(|t| (**t).clone()))
    }

    fn participant(&self, thread: ThreadId, member: MemberId) -> Result<Option<Participant>> {
        Ok(self.participants.get(&(thread, member)).cloned())
    }

    fn participants(&self, thread: ThreadId) -> Result<Vec<Participant>> {
        Ok(self
            .thread_members
            .get(&thread)
            .map(|ms| ms.iter().filter_map(|m| self.participants.get(&(thread, *m)).cloned()).collect())
            .unwrap_or_default())
    }

    fn threads_of(&self, member: MemberId) -> Result<Vec<ThreadId>> {
        Ok(self
            .member_threads
            .get(&member)
            .map(|set| set.iter().map(|(_, Reverse(id))| *id).collect())
            .unwrap_or_default())
    }

    fn search_threads(
        &self,
        member: MemberId,
        terms: &[String],
        after: Option<&ThreadCursor>,
        limit: usize,
    ) -> Result<Vec<Thread>> {
        let Some(set) = self.member_threads.get(&member) else { return Ok(Vec::new()) };
        let iter: Box<dyn Iterator<Item = &ActivityKey>> = match after {
            Some(c) => {
                let from = (Reverse(c.last_activity_at), Reverse(c.thread_id));
                Box::new(set.range(from..).skip_while(move |k| **k == from))
            }
            None => Box::new(set.iter()),
        };
        let mut out = Vec::new();
        for (_, Reverse(id)) in iter {
            if out.len() >= limit {
                break;
            }
            let readable = self
                .participants
                .get(&(*id, member))
                .is_some_and(|p| p.permissions.contains(Permission::Read));
            if !readable {
                continue;
            }
            let matches = terms.is_empty()
                || self.thread_words.get(id).is_some_and(|ws| {
                    terms.iter().all(|t| {
                        ws.range::<_, str>((Bound::Included(t.as_str()), Bound::Unbounded))
                            .next()
                            .is_some_and(|w| w.starts_with(t.as_str()))
                    })
                });
            if matches {
                if let Some(t) = self.threads.get(id) {
                    out.push((**t).clone());
                }
            }
        }
        Ok(out)
    }
}

impl State {
    fn index_member(&mut self, m: &Member, add: bool) {
        let index = self.member_words.entry(m.org_id).or_default();
        for w in member_words(&m.name, &m.email) {
            if add {
                index.entry(Arc::from(w.as_str())).or_default().insert(m.id);
            } else if let Some(set) = index.get_mut(w.as_str()) {
                set.remove(&m.id);
                if set.is_empty() {
                    index.remove(w.as_str());
                }
            }
        }
    }

    fn index_invitation(&mut self, inv: &Invitation, add: bool) {
        if inv.status != InvitationStatus::Pending {
            return;
        }
        let set = self.pending_by_org.entry(inv.org_id).or_default();
        if add {
            set.insert((inv.expires_at, inv.id));
        } else {
            set.remove(&(inv.expires_at, inv.id));
        }
    }

    fn index_email(&mut self, e: &OutgoingEmail, add: bool) {
        if e.status != OutboxStatus::Pending {
            return;
        }
        if add {
            self.due.insert((e.next_attempt_at, e.id));
        } else {
            self.due.remove(&(e.next_attempt_at, e.id));
        }
    }

    fn index_words(&mut self, thread: ThreadId, text: &str) {
        let set = self.thread_words.entry(thread).or_default();
        for w in words(text) {
            if !set.contains(w.as_str()) {
                set.insert(Arc::from(w.as_str()));
            }
        }
    }

    /// Moves a thread in every participant's activity order.
    fn touch_thread(&mut self, thread: &Thread, at: Timestamp) {
        let old = activity_key(thread);
        let mut moved = thread.clone();
        moved.last_activity_at = moved.last_activity_at.max(at);
        let new = activity_key(&moved);
        if old != new {
            let members: Vec<MemberId> = self.thread_members.get(&thread.id).map(|v| v.iter().copied().collect()).unwrap_or_default();
            for m in members {
                if let Some(set) = self.member_threads.get_mut(&m) {
                    set.remove(&old);
                    set.insert(new);
                }
            }
        }
        self.threads.insert(moved.id, Arc::new(moved));
    }
}

impl WriteTx for State {
    fn insert_org(&mut self, org: &Organization) -> Result<()> {
        if self.org_by_slug.contains_key(org.slug.as_str()) {
            return Err(Error::Conflict(format!("the slug `{}` is taken", org.slug)));
        }
        if self.orgs.contains_key(&org.id) {
            return Err(Error::Conflict("the organization exists".into()));
        }
        self.org_by_slug.insert(Arc::from(org.slug.as_str()), org.id);
        self.orgs.insert(org.id, Arc::new(org.clone()));
        Ok(())
    }

    fn update_org(&mut self, org: &Organization) -> Result<()> {
        if !self.orgs.contains_key(&org.id) {
            return Err(Error::NotFound("organization"));
        }
        self.orgs.insert(org.id, Arc::new(org.clone()));
        Ok(())
    }

    fn insert_member(&mut self, m: &Member) -> Result<()> {
        let key = m.email_key();
        if self.member_by_email.get(&m.org_id).is_some_and(|by| by.contains_key(key.as_str())) {
            return Err(Error::AlreadyMember { email: m.email.clone() });
        }
        if self.members.contains_key(&m.id) {
            return Err(Error::Conflict("the member exists".into()));
        }
        self.member_by_email.entry(m.org_id).or_default().insert(Arc::from(key.as_str()), m.id);
        self.members_by_org.entry(m.org_id).or_default().insert(m.id);
        self.index_member(m, true);
        self.members.insert(m.id, Arc::new(m.clone()));
        Ok(())
    }

    fn update_member(&mut self, m: &Member) -> Result<()> {
        let Some(old) = self.members.get(&m.id).cloned() else { return Err(Error::NotFound("member")) };
        if old.email != m.email || old.org_id != m.org_id {
            return Err(Error::Conflict("a member's email and organization never change".into()));
        }
        self.index_member(&old, false);
        self.index_member(m, true);
        self.members.insert(m.id, Arc::new(m.clone()));
        Ok(())
    }

    fn insert_team(&mut self, t: &Team) -> Result<()> {
        let key = t.name_key();
        if self.team_by_name.get(&t.org_id).is_some_and(|by| by.contains_key(key.as_str())) {
            return Err(Error::Conflict(format!("a team named `{}` exists", t.name)));
        }
        self.team_by_name.entry(t.org_id).or_default().insert(Arc::from(key.as_str()), t.id);
        self.teams.insert(t.id, Arc::new(t.clone()));
        Ok(())
    }

    fn insert_invitation(&mut self, inv: &Invitation, token: &TokenHash) -> Result<()> {
        if self.invitations.contains_key(&inv.id) || self.inv_by_token.contains_key(token) {
            return Err(Error::Conflict("the invitation exists".into()));
        }
        self.inv_by_token.insert(*token, inv.id);
        self.token_of.insert(inv.id, *token);
        self.invs_by_email.entry(Arc::from(inv.email_key().as_str())).or_default().insert(inv.id);
        self.invs_by_org.entry(inv.org_id).or_default().insert(inv.id);
        self.invs_by_inviter.entry(inv.inviter_id).or_default().insert(inv.id);
        self.index_invitation(inv, true);
        self.invitations.insert(inv.id, Arc::new(inv.clone()));
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
            if self.inv_by_token.contains_key(hash) {
                return Err(Error::Conflict("the token is in use".into()));
            }
            if let Some(old_hash) = self.token_of.get(&inv.id).copied() {
                self.inv_by_token.remove(&old_hash);
            }
            self.inv_by_token.insert(*hash, inv.id);
            self.token_of.insert(inv.id, *hash);
        }
        self.index_invitation(&old, false);
        self.index_invitation(inv, true);
        self.invitations.insert(inv.id, Arc::new(inv.clone()));
        Ok(true)
    }

    fn record_send(&mut self, org: OrgId, keys: &[SendKey], at: Timestamp) -> Result<()> {
        let horizon = at.plus_secs(-SEND_LOG_KEEP_SECS);
        for key in keys {
            let log = self.sends.entry(org).or_default().entry(SendSlot::from(key)).or_default();
            while log.front().is_some_and(|t| *t < horizon) {
                log.pop_front();
            }
            if log.back().is_none_or(|last| *last <= at) {
                log.push_back(at);
            } else {
                // A clock set back: keep the log sorted, the window bisection relies on it.
                let i = log.binary_search_by(|t| if *t <= at { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater })
                    .unwrap_or_else(|i| i);
                log.insert(i, at);
            }
        }
        Ok(())
    }

    fn put_template(&mut self, org: OrgId, kind: EmailKind, src: &TemplateSource) -> Result<()> {
        self.templates.insert((org, kind), Arc::new(src.clone()));
        Ok(())
    }

    fn insert_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        if self.emails.contains_key(&e.id) {
            return Err(Error::Conflict("the email exists".into()));
        }
        if let Some(inv) = e.invitation_id {
            self.emails_by_invitation.entry(inv).or_default().push_back(e.id);
        }
        self.index_email(e, true);
        self.emails.insert(e.id, Arc::new(e.clone()));
        Ok(())
    }

    fn update_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        let Some(old) = self.emails.get(&e.id).cloned() else { return Err(Error::NotFound("email")) };
        self.index_email(&old, false);
        self.index_email(e, true);
        self.emails.insert(e.id, Arc::new(e.clone()));
        Ok(())
    }

    fn cancel_emails_for(&mut self, invitation: InvitationId) -> Result<()> {
        let ids: Vec<EmailId> =
            self.emails_by_invitation.get(&invitation).map(|v| v.iter().copied().collect()).unwrap_or_default();
        for id in ids {
            if let Some(e) = self.emails.get(&id).cloned() {
                if e.status == OutboxStatus::Pending {
                    let mut c = (*e).clone();
                    c.status = OutboxStatus::Cancelled;
                    c.text.clear();
                    c.html.clear();
                    self.update_email(&c)?;
                }
            }
        }
        Ok(())
    }

    fn append_event(&mut self, e: NewEvent) -> Result<u64> {
        let log = self.events.entry(e.org_id).or_default();
        let seq = log.len() as u64 + 1;
        log.push_back(Arc::new(Event { seq, org_id: e.org_id, at: e.at, actor_id: e.actor_id, kind: e.kind, details: e.details }));
        Ok(seq)
    }

    fn insert_thread(&mut self, t: &Thread) -> Result<()> {
        if self.threads.contains_key(&t.id) {
            return Err(Error::Conflict("the thread exists".into()));
        }
        self.index_words(t.id, &t.title);
        self.index_words(t.id, &t.freelancer_name);
        self.threads.insert(t.id, Arc::new(t.clone()));
        Ok(())
    }

    fn insert_message(&mut self, m: &Message) -> Result<()> {
        let Some(t) = self.threads.get(&m.thread_id).cloned() else { return Err(Error::NotFound("thread")) };
        self.index_words(m.thread_id, &m.body);
        self.touch_thread(&t, m.sent_at);
        self.messages.entry(m.thread_id).or_default().push_back(Arc::new(m.clone()));
        Ok(())
    }

    fn insert_participant(&mut self, p: &Participant) -> Result<()> {
        let key = (p.thread_id, p.member_id);
        if self.participants.contains_key(&key) {
            return Err(Error::AlreadyParticipant);
        }
        let Some(t) = self.threads.get(&p.thread_id) else { return Err(Error::NotFound("thread")) };
        let activity = activity_key(t);
        self.member_threads.entry(p.member_id).or_default().insert(activity);
        self.thread_members.entry(p.thread_id).or_default().push_back(p.member_id);
        self.participants.insert(key, p.clone());
        Ok(())
    }

    fn update_participant(&mut self, p: &Participant) -> Result<()> {
        let key = (p.thread_id, p.member_id);
        if !self.participants.contains_key(&key) {
            return Err(Error::NotFound("participant"));
        }
        self.participants.insert(key, p.clone());
        Ok(())
    }

    fn remove_participant(&mut self, thread: ThreadId, member: MemberId) -> Result<bool> {
        if self.participants.remove(&(thread, member)).is_none() {
            return Ok(false);
        }
        if let Some(t) = self.threads.get(&thread) {
            let key = activity_key(t);
            if let Some(set) = self.member_threads.get_mut(&member) {
                set.remove(&key);
            }
        }
        if let Some(ms) = self.thread_members.get_mut(&thread) {
            ms.retain(|m| *m != member);
        }
        Ok(true)
    }
}
