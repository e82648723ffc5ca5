//! Conversations with freelancers and the coworkers in them ([rules](crate::rules#threads)): who
//! may add whom with which permissions (R3–R9), messages, search, and the
//! people list.
//!
//! A thread is visible to a member exactly when they take part in it holding
//! `read`; to anyone else every thread operation answers `not_found`, so
//! search, the people list and the permission checks always agree (R9).

use std::fmt;

use serde_json::json;

use crate::InviteKit;
use crate::clock::Timestamp;
use crate::email::EmailAddress;
use crate::error::{Error, GrantCheck, Result};
use crate::events::{EventKind, record};
use crate::ids::{MemberId, MessageId, OrgId, ThreadId};
use crate::input;
use crate::invitations::{Invitation, InviteOptions, ThreadGrant};
pub use crate::model::{Author, Message, Participant, Thread, ThreadCursor};
use crate::org::Member;
use crate::policy::{Permission, PermissionSet, Role};
use crate::search::{coworker_terms, distinct_terms, matches_all, member_words, words};
use crate::store::{ReadTx, Store, WriteTx};
use crate::templates::EmailKind;

/// The most threads one search page returns.
pub const MAX_PAGE: usize = 100;
/// The most coworkers one `find_coworkers` call returns.
pub const MAX_COWORKERS: usize = 100;

/// One page of [`search_threads`](InviteKit::search_threads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPage {
    /// The threads, newest activity first.
    pub threads: Vec<Thread>,
    /// Pass this as the cursor for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A participant as the people list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantInfo {
    /// The member.
    pub member_id: MemberId,
    /// Their name.
    pub name: String,
    /// What they may do in the thread.
    pub permissions: PermissionSet,
}

/// Who is in a thread: [`people`](InviteKit::people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct People {
    /// The freelancer's id.
    pub freelancer_id: String,
    /// The freelancer's name.
    pub freelancer_name: String,
    /// The organization's members in the thread, in the order they were added.
    pub participants: Vec<ParticipantInfo>,
}

/// The permissions to give in a thread: a named preset, or an explicit set.
///
/// # Examples
/// ```
/// use invitekit::Grant;
/// assert!(Grant::from_options::<&str>(Some("viewer"), None).is_ok());
/// assert!(Grant::from_options::<&str>(None, None).is_err());
/// assert!(Grant::from_options(Some("viewer"), Some(&["read".to_string()])).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// A preset of the policy, by name.
    Preset(String),
    /// Permission names.
    Permissions(Vec<String>),
}

impl Grant {
    /// A preset, by name.
    pub fn preset(name: impl Into<String>) -> Self {
        Grant::Preset(name.into())
    }

    /// An explicit set of permission names.
    pub fn permissions<S: AsRef<str>>(names: &[S]) -> Self {
        Grant::Permissions(names.iter().map(|n| n.as_ref().to_owned()).collect())
    }

    /// From the bindings' optional arguments: exactly one must be given.
    pub fn from_options<S: AsRef<str>>(preset: Option<&str>, permissions: Option<&[S]>) -> Result<Grant> {
        match (preset, permissions) {
            (Some(p), None) => Ok(Grant::preset(p)),
            (None, Some(ps)) => Ok(Grant::permissions(ps)),
            _ => Err(Error::invalid("give exactly one of `preset` and `permissions`")),
        }
    }

    fn resolve(&self, kit_policy: &crate::policy::Policy) -> Result<PermissionSet> {
        let set = match self {
            Grant::Preset(name) => kit_policy.require_preset(name)?.permissions(),
            Grant::Permissions(names) => PermissionSet::parse_names(names)?,
        };
        if set.is_empty() {
            return Err(Error::invalid("`permissions` must not be empty"));
        }
        Ok(set)
    }
}

/// Which of the two things [`invite_to_thread`](InviteKit::invite_to_thread) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadInviteKind {
    /// The address belonged to an active member, who was added at once.
    Added,
    /// An invitation to the organization was sent, carrying the thread grant.
    Invited,
}

impl ThreadInviteKind {
    /// `added` or `invited`.
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadInviteKind::Added => "added",
            ThreadInviteKind::Invited => "invited",
        }
    }
}

/// What [`invite_to_thread`](InviteKit::invite_to_thread) did.
#[derive(Clone, PartialEq, Eq)]
pub struct ThreadInviteResult {
    /// Added or invited.
    pub kind: ThreadInviteKind,
    /// The new participant, when added.
    pub participant: Option<ParticipantInfo>,
    /// The invitation, when invited.
    pub invitation: Option<Invitation>,
}

impl fmt::Debug for ThreadInviteResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadInviteResult")
            .field("kind", &self.kind.as_str())
            .field("participant", &self.participant)
            .field("invitation", &self.invitation)
            .finish()
    }
}

fn grant_denied(check: GrantCheck, actor: &Role, target: &Role, perms: PermissionSet, holds: PermissionSet) -> Error {
    let reason = match check {
        GrantCheck::ActorHoldings if !holds.contains(Permission::ManagePeople) => {
            "changing who is in this thread needs `manage_people` in it".to_owned()
        }
        GrantCheck::ActorHoldings => format!("you do not hold {:?} in this thread", perms.difference(holds).names()),
        GrantCheck::RoleGrantable => format!(
            "the role `{}` may not grant {:?}",
            actor.name(),
            perms.difference(actor.grantable_permissions()).names()
        ),
        GrantCheck::TargetCeiling => {
            format!("the role `{}` cannot hold {:?}", target.name(), perms.difference(target.thread_ceiling()).names())
        }
    };
    Error::PermissionDenied { reason, check: Some(check) }
}

/// R12: an actor changes or removes only a participant who holds nothing
/// in the thread that the actor does not hold too.
fn check_r12(actor_holds: PermissionSet, target_holds: PermissionSet) -> Result<()> {
    let stronger = target_holds.difference(actor_holds);
    if stronger.is_empty() {
        return Ok(());
    }
    Err(Error::denied(format!(
        "the participant holds {:?} in this thread, which you do not (docs/rules.md#r12)",
        stronger.names()
    )))
}

impl<S: Store> InviteKit<S> {
    /// What `actor` holds in `thread`, if they can see it (participant with `read`).
    fn holdings(&self, tx: &dyn ReadTx, actor: &Member, thread: ThreadId) -> Result<PermissionSet> {
        match tx.participant(thread, actor.id)? {
            Some(p) if p.permissions.contains(Permission::Read) => Ok(p.permissions),
            _ => Err(Error::NotFound("thread")),
        }
    }

    /// The thread, if `actor` can see it.
    fn visible_thread(&self, tx: &dyn ReadTx, actor: &Member, thread: ThreadId) -> Result<(Thread, PermissionSet)> {
        let holds = self.holdings(tx, actor, thread)?;
        let t = tx.thread(thread)?.filter(|t| t.org_id == actor.org_id).ok_or(Error::NotFound("thread"))?;
        Ok((t, holds))
    }

    /// The active member `id` of `org` as a target (R6): another
    /// organization's member is `not_found`, a deactivated one is refused.
    fn target_member(&self, tx: &dyn ReadTx, org: OrgId, id: MemberId) -> Result<Member> {
        let m = tx.member(id)?.filter(|m| m.org_id == org).ok_or(Error::NotFound("member"))?;
        if !m.is_active() {
            return Err(Error::denied("only active members can take part in a thread"));
        }
        Ok(m)
    }

    /// Whether someone other than `except` holds `manage_people` in `thread`.
    fn another_manager(&self, tx: &dyn ReadTx, thread: ThreadId, except: MemberId) -> Result<bool> {
        Ok(tx
            .participants(thread)?
            .iter()
            .any(|p| p.member_id != except && p.permissions.contains(Permission::ManagePeople)))
    }

    /// Starts a conversation with a freelancer; the actor holds their role's
    /// whole thread ceiling in it (R3). A role whose ceiling lacks `read` could
    /// not see the thread it started, so it may not start one (`permission_denied`).
    pub fn start_thread(
        &self,
        actor: MemberId,
        freelancer_id: &str,
        freelancer_name: &str,
        title: &str,
    ) -> Result<Thread> {
        let freelancer_id = input::external_id("freelancer_id", freelancer_id)?;
        let freelancer_name = input::name("freelancer_name", freelancer_name, input::MAX_NAME_CHARS)?;
        let title = input::name("title", title, input::MAX_TITLE_CHARS)?;
        let now = self.now();
        self.store.write(|tx| {
            let actor = self.active_member(&*tx, actor)?;
            let ceiling = self.role_of(&actor)?.thread_ceiling();
            if !ceiling.contains(Permission::Read) {
                return Err(Error::denied(format!(
                    "the role `{}` cannot take part in threads: its thread ceiling lacks `read`",
                    actor.role
                )));
            }
            let thread = Thread {
                id: ThreadId::new(),
                org_id: actor.org_id,
                title: title.clone(),
                freelancer_id: freelancer_id.clone(),
                freelancer_name: freelancer_name.clone(),
                created_by: actor.id,
                created_at: now,
                last_activity_at: now,
            };
            tx.insert_thread(&thread)?;
            tx.insert_participant(&Participant {
                thread_id: thread.id,
                member_id: actor.id,
                permissions: ceiling,
                added_by: None,
                added_at: now,
            })?;
            record(
                tx,
                actor.org_id,
                now,
                Some(actor.id),
                EventKind::ThreadStarted,
                json!({"thread_id": thread.id, "freelancer_id": thread.freelancer_id, "permissions": ceiling.names()}),
            )?;
            Ok(thread)
        })
    }

    /// Posts a message as a member; needs `write` in the thread.
    pub fn post_message(&self, actor: MemberId, thread_id: ThreadId, body: &str) -> Result<Message> {
        let body = input::text("body", body, 1, input::MAX_BODY_CHARS)?;
        let now = self.now();
        self.store.write(|tx| {
            let actor = self.active_member(&*tx, actor)?;
            let (thread, holds) = self.visible_thread(&*tx, &actor, thread_id)?;
            if !holds.contains(Permission::Write) {
                return Err(Error::denied("posting needs `write` in this thread"));
            }
            let m = Message {
                id: MessageId::new(),
                thread_id,
                org_id: thread.org_id,
                author: Author::Member(actor.id),
                body: body.clone(),
                sent_at: now,
            };
            tx.insert_message(&m)?;
            Ok(m)
        })
    }

    /// Records a message from the thread's freelancer (host-level).
    pub fn post_freelancer_message(&self, thread_id: ThreadId, body: &str) -> Result<Message> {
        let body = input::text("body", body, 1, input::MAX_BODY_CHARS)?;
        let now = self.now();
        self.store.write(|tx| {
            let thread = tx.thread(thread_id)?.ok_or(Error::NotFound("thread"))?;
            let m = Message {
                id: MessageId::new(),
                thread_id,
                org_id: thread.org_id,
                author: Author::Freelancer,
                body: body.clone(),
                sent_at: now,
            };
            tx.insert_message(&m)?;
            Ok(m)
        })
    }

    /// The threads `actor` can see whose freelancer name, title or messages
    /// contain every word of `query` as a word prefix, case- and
    /// accent-insensitive ("jose" finds "José"), newest activity first; an
    /// empty query lists them all. `limit` is 1..=100; pass the page's
    /// `next_cursor` to get the next one.
    ///
    /// # Examples
    /// ```
    /// # use invitekit::*;
    /// # let kit = InviteKit::in_memory();
    /// # let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"])?;
    /// # let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")?;
    /// let thread = kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign")?;
    /// let page = kit.search_threads(alice.id, "jose", 20, None)?;
    /// assert_eq!(page.threads[0].id, thread.id);
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn search_threads(
        &self,
        actor: MemberId,
        query: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<ThreadPage> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(Error::invalid(format!("`limit` must be between 1 and {MAX_PAGE}")));
        }
        if query.chars().count() > input::MAX_QUERY_CHARS {
            return Err(Error::invalid(format!("`query` is longer than {} characters", input::MAX_QUERY_CHARS)));
        }
        input::no_nul("query", query)?;
        let terms = distinct_terms(words(query))?;
        let cursor = cursor.map(ThreadCursor::decode).transpose()?;
        self.store.read(|tx| {
            let actor = self.active_member(tx, actor)?;
            let mut threads = tx.search_threads(actor.id, &terms, cursor.as_ref(), limit + 1)?;
            let next_cursor = if threads.len() > limit {
                threads.truncate(limit);
                threads.last().map(|t| ThreadCursor { last_activity_at: t.last_activity_at, thread_id: t.id }.encode())
            } else {
                None
            };
            Ok(ThreadPage { threads, next_cursor })
        })
    }

    /// The freelancer and the participants of a thread the actor can see.
    pub fn people(&self, actor: MemberId, thread_id: ThreadId) -> Result<People> {
        self.store.read(|tx| {
            let actor = self.active_member(tx, actor)?;
            let (thread, _) = self.visible_thread(tx, &actor, thread_id)?;
            let mut participants = Vec::new();
            for p in tx.participants(thread_id)? {
                if let Some(m) = tx.member(p.member_id)? {
                    participants.push(ParticipantInfo { member_id: m.id, name: m.name, permissions: p.permissions });
                }
            }
            Ok(People { freelancer_id: thread.freelancer_id, freelancer_name: thread.freelancer_name, participants })
        })
    }

    /// Active members of the actor's organization (the actor excepted) whose
    /// name or email starts with the query at a word boundary,
    /// accent-insensitive, by name; `limit` is 1..=100.
    pub fn find_coworkers(&self, actor: MemberId, query: &str, limit: usize) -> Result<Vec<Member>> {
        if limit == 0 || limit > MAX_COWORKERS {
            return Err(Error::invalid(format!("`limit` must be between 1 and {MAX_COWORKERS}")));
        }
        if query.chars().count() > input::MAX_QUERY_CHARS {
            return Err(Error::invalid(format!("`query` is longer than {} characters", input::MAX_QUERY_CHARS)));
        }
        input::no_nul("query", query)?;
        let terms = distinct_terms(coworker_terms(query))?;
        self.store.read(|tx| {
            let actor = self.active_member(tx, actor)?;
            // The longest term is the most selective: the store seeks its
            // prefix in the organization's index, and every term is checked
            // here against the member as they are now.
            let Some(first) = terms.first() else { return Ok(Vec::new()) };
            let mut found = tx.members_with_word(actor.org_id, first)?;
            found
                .retain(|m| m.is_active() && m.id != actor.id && matches_all(&member_words(&m.name, &m.email), &terms));
            found.sort_by_cached_key(|m| (m.name.to_lowercase(), m.id));
            found.truncate(limit);
            Ok(found)
        })
    }

    /// R5: the names of the presets the actor may give in the thread, in
    /// policy order; exactly those [`add_to_thread`](Self::add_to_thread) accepts.
    pub fn permission_options(&self, actor: MemberId, thread_id: ThreadId) -> Result<Vec<&str>> {
        self.store.read(|tx| {
            // The hot path of every "add a coworker" screen: look at the
            // member in place rather than copying their record.
            let mut role: Result<&Role> = Err(Error::NotFound("member"));
            tx.with_member(actor, &mut |m| {
                role = match m {
                    None => Err(Error::NotFound("member")),
                    Some(m) if !m.is_active() => Err(Error::denied("the member is deactivated")),
                    Some(m) => self.role_of(m),
                }
            })?;
            let role = role?;
            let holds = match tx.participant(thread_id, actor)? {
                Some(p) if p.permissions.contains(Permission::Read) => p.permissions,
                _ => return Err(Error::NotFound("thread")),
            };
            Ok(self.policy.iter_permission_options(role, holds).map(|p| p.name()).collect())
        })
    }

    /// R4 on `perms` for `target` in the caller's transaction.
    fn check_r4(&self, actor: &Member, holds: PermissionSet, target_role: &Role, perms: PermissionSet) -> Result<()> {
        let actor_role = self.role_of(actor)?;
        self.policy
            .check_grant(actor_role, holds, target_role, perms)
            .map_err(|c| grant_denied(c, actor_role, target_role, perms, holds))
    }

    /// Adds a coworker to a thread (R4, R6): needs `manage_people`, and what
    /// is given must be within the actor's holdings, the presets the actor's
    /// role may grant, and the coworker's role ceiling.
    pub fn add_to_thread(
        &self,
        actor: MemberId,
        thread_id: ThreadId,
        member_id: MemberId,
        grant: &Grant,
    ) -> Result<ParticipantInfo> {
        let perms = grant.resolve(&self.policy)?;
        let now = self.now();
        self.store.write(|tx| self.add_in(tx, actor, thread_id, member_id, perms, now))
    }

    fn add_in(
        &self,
        tx: &mut dyn WriteTx,
        actor: MemberId,
        thread_id: ThreadId,
        member_id: MemberId,
        perms: PermissionSet,
        now: Timestamp,
    ) -> Result<ParticipantInfo> {
        let actor = self.active_member(&*tx, actor)?;
        let (thread, holds) = self.visible_thread(&*tx, &actor, thread_id)?;
        if !holds.contains(Permission::ManagePeople) {
            let role = self.role_of(&actor)?;
            return Err(grant_denied(GrantCheck::ActorHoldings, role, role, perms, holds));
        }
        let target = self.target_member(&*tx, thread.org_id, member_id)?;
        if tx.participant(thread_id, target.id)?.is_some() {
            return Err(Error::AlreadyParticipant);
        }
        self.check_r4(&actor, holds, self.role_of(&target)?, perms)?;
        tx.insert_participant(&Participant {
            thread_id,
            member_id: target.id,
            permissions: perms,
            added_by: Some(actor.id),
            added_at: now,
        })?;
        record(
            tx,
            thread.org_id,
            now,
            Some(actor.id),
            EventKind::ParticipantAdded,
            json!({"thread_id": thread_id, "member_id": target.id, "permissions": perms.names()}),
        )?;
        Ok(ParticipantInfo { member_id: target.id, name: target.name, permissions: perms })
    }

    /// Brings a coworker into a thread by email: an active member is added
    /// at once (as [`add_to_thread`](Self::add_to_thread)); anyone else gets an
    /// invitation to the organization, with the policy's default role and no
    /// team, whose email names the conversation and which carries the thread
    /// grant (R8). `opts` gives the invitation's message, metadata, private
    /// metadata and redirect URL; a role or a team in it is `invalid_input`.
    pub fn invite_to_thread(
        &self,
        actor: MemberId,
        thread_id: ThreadId,
        email: &str,
        grant: &Grant,
        opts: InviteOptions,
    ) -> Result<ThreadInviteResult> {
        if opts.role.is_some() || opts.team.is_some() || !opts.teams.is_empty() {
            return Err(Error::invalid(
                "an invitation to a conversation has the default role and no team: give no `role`, `team` or `teams`",
            ));
        }
        let email = EmailAddress::parse(email)?;
        let perms = grant.resolve(&self.policy)?;
        let now = self.now();
        let existing = self.store.read(|tx| {
            let a = self.active_member(tx, actor)?;
            self.visible_thread(tx, &a, thread_id)?;
            Ok(tx.member_by_email(a.org_id, email.key())?.filter(Member::is_active))
        })?;
        if let Some(member) = existing {
            let participant = self.store.write(|tx| self.add_in(tx, actor, thread_id, member.id, perms, now))?;
            return Ok(ThreadInviteResult {
                kind: ThreadInviteKind::Added,
                participant: Some(participant),
                invitation: None,
            });
        }
        let grant = ThreadGrant { thread_id, permissions: perms };
        let invitation = self.store.write(|tx| {
            let a = self.active_member(&*tx, actor)?;
            let (thread, _) = self.visible_thread(&*tx, &a, thread_id)?;
            let draft = self.draft_in(
                &*tx,
                actor,
                &email,
                &opts,
                EmailKind::ThreadInvitation,
                vec![grant],
                Some((thread.title, thread.freelancer_name)),
                now,
            )?;
            self.send_in(tx, &draft, true, now)
        })?;
        Ok(ThreadInviteResult { kind: ThreadInviteKind::Invited, participant: None, invitation: Some(invitation) })
    }

    /// Changes a participant's permissions (R4), who may hold nothing in the
    /// thread that the actor does not (R12). Taking `manage_people` from its
    /// last holder is `conflict`.
    pub fn change_permissions(
        &self,
        actor: MemberId,
        thread_id: ThreadId,
        member_id: MemberId,
        grant: &Grant,
    ) -> Result<ParticipantInfo> {
        let perms = grant.resolve(&self.policy)?;
        let now = self.now();
        self.store.write(|tx| {
            let actor = self.active_member(&*tx, actor)?;
            let (thread, holds) = self.visible_thread(&*tx, &actor, thread_id)?;
            if !holds.contains(Permission::ManagePeople) {
                let role = self.role_of(&actor)?;
                return Err(grant_denied(GrantCheck::ActorHoldings, role, role, perms, holds));
            }
            let mut p = tx.participant(thread_id, member_id)?.ok_or(Error::NotFound("participant"))?;
            let target = self.target_member(&*tx, thread.org_id, member_id)?;
            self.check_r4(&actor, holds, self.role_of(&target)?, perms)?;
            check_r12(holds, p.permissions)?;
            if p.permissions.contains(Permission::ManagePeople)
                && !perms.contains(Permission::ManagePeople)
                && !self.another_manager(&*tx, thread_id, member_id)?
            {
                return Err(Error::Conflict("someone must keep `manage_people` in this thread".into()));
            }
            let from = p.permissions;
            if from == perms {
                return Ok(ParticipantInfo { member_id, name: target.name, permissions: perms });
            }
            p.permissions = perms;
            tx.update_participant(&p)?;
            record(
                tx,
                thread.org_id,
                now,
                Some(actor.id),
                EventKind::ParticipantPermissionsChanged,
                json!({"thread_id": thread_id, "member_id": member_id, "from": from.names(), "to": perms.names()}),
            )?;
            Ok(ParticipantInfo { member_id, name: target.name, permissions: perms })
        })
    }

    /// Removes a coworker from a thread; needs `manage_people`, and the
    /// coworker may hold nothing in the thread that the actor does not (R12).
    /// Removing the last holder of `manage_people` is `conflict`.
    pub fn remove_from_thread(&self, actor: MemberId, thread_id: ThreadId, member_id: MemberId) -> Result<()> {
        let now = self.now();
        self.store.write(|tx| {
            let actor = self.active_member(&*tx, actor)?;
            let (thread, holds) = self.visible_thread(&*tx, &actor, thread_id)?;
            if !holds.contains(Permission::ManagePeople) {
                return Err(Error::PermissionDenied {
                    reason: "changing who is in this thread needs `manage_people` in it".into(),
                    check: Some(GrantCheck::ActorHoldings),
                });
            }
            let p = tx
                .participant(thread_id, member_id)?
                .filter(|_| tx.member(member_id).ok().flatten().is_some_and(|m| m.org_id == thread.org_id))
                .ok_or(Error::NotFound("participant"))?;
            check_r12(holds, p.permissions)?;
            if p.permissions.contains(Permission::ManagePeople) && !self.another_manager(&*tx, thread_id, member_id)? {
                return Err(Error::Conflict("someone must keep `manage_people` in this thread".into()));
            }
            tx.remove_participant(thread_id, member_id)?;
            record(
                tx,
                thread.org_id,
                now,
                Some(actor.id),
                EventKind::ParticipantRemoved,
                json!({"thread_id": thread_id, "member_id": member_id}),
            )?;
            Ok(())
        })
    }

    /// Leaves a thread. The last participant holding `manage_people` must
    /// hand it on first (`conflict`).
    pub fn leave_thread(&self, actor: MemberId, thread_id: ThreadId) -> Result<()> {
        let now = self.now();
        self.store.write(|tx| {
            let actor = self.active_member(&*tx, actor)?;
            let p = tx.participant(thread_id, actor.id)?.ok_or(Error::NotFound("thread"))?;
            if p.permissions.contains(Permission::ManagePeople) && !self.another_manager(&*tx, thread_id, actor.id)? {
                return Err(Error::Conflict(
                    "you are the last participant with `manage_people`: hand it on before leaving".into(),
                ));
            }
            tx.remove_participant(thread_id, actor.id)?;
            record(
                tx,
                actor.org_id,
                now,
                Some(actor.id),
                EventKind::ParticipantLeft,
                json!({"thread_id": thread_id, "member_id": actor.id}),
            )?;
            Ok(())
        })
    }

    /// R7 for threads: a deactivated member leaves every thread; otherwise
    /// every permission is clamped to the member's role ceiling (and a
    /// participant left with nothing is removed).
    pub(crate) fn clamp_threads(
        &self,
        tx: &mut dyn WriteTx,
        member: &Member,
        actor: Option<MemberId>,
        now: Timestamp,
    ) -> Result<()> {
        let ceiling = self.policy.role(&member.role).map(Role::thread_ceiling).unwrap_or(PermissionSet::EMPTY);
        for thread_id in tx.threads_of(member.id)? {
            let Some(mut p) = tx.participant(thread_id, member.id)? else { continue };
            let clamped = p.permissions.intersection(ceiling);
            if !member.is_active() || clamped.is_empty() {
                tx.remove_participant(thread_id, member.id)?;
                let reason = if member.is_active() { "role_changed" } else { "deactivated" };
                record(
                    tx,
                    member.org_id,
                    now,
                    actor,
                    EventKind::ParticipantRemoved,
                    json!({"thread_id": thread_id, "member_id": member.id, "reason": reason}),
                )?;
            } else if clamped != p.permissions {
                let from = p.permissions;
                p.permissions = clamped;
                tx.update_participant(&p)?;
                record(
                    tx,
                    member.org_id,
                    now,
                    actor,
                    EventKind::ParticipantPermissionsChanged,
                    json!({"thread_id": thread_id, "member_id": member.id, "from": from.names(),
                           "to": clamped.names(), "reason": "role_changed"}),
                )?;
            }
        }
        Ok(())
    }

    /// R4 for a grant an invitation will carry, with the invitee's role as the target.
    pub(crate) fn check_thread_grant(
        &self,
        tx: &dyn ReadTx,
        inviter: &Member,
        invitee_role: &str,
        g: &ThreadGrant,
    ) -> Result<()> {
        let (_, holds) = self.visible_thread(tx, inviter, g.thread_id)?;
        if g.permissions.is_empty() {
            return Err(Error::invalid("`permissions` must not be empty"));
        }
        self.check_r4(inviter, holds, self.policy.require_role(invitee_role)?, g.permissions)
    }

    /// R8: applies an accepted invitation's thread grants, each re-checked
    /// against R4 with the inviter's role and holdings now; returns the
    /// threads whose grant was dropped.
    pub(crate) fn apply_thread_grants(
        &self,
        tx: &mut dyn WriteTx,
        inviter: &Member,
        member: &Member,
        grants: &[ThreadGrant],
        now: Timestamp,
    ) -> Result<Vec<ThreadId>> {
        let mut dropped = Vec::new();
        for g in grants {
            let passes = match self.visible_thread(&*tx, inviter, g.thread_id) {
                Ok((_, holds)) => {
                    let target_role = self.role_of(member)?;
                    self.check_r4(inviter, holds, target_role, g.permissions).is_ok()
                        && !g.permissions.is_empty()
                        && tx.participant(g.thread_id, member.id)?.is_none()
                }
                Err(Error::NotFound(_)) => false,
                Err(e) => return Err(e),
            };
            if !passes {
                dropped.push(g.thread_id);
                continue;
            }
            tx.insert_participant(&Participant {
                thread_id: g.thread_id,
                member_id: member.id,
                permissions: g.permissions,
                added_by: Some(inviter.id),
                added_at: now,
            })?;
            record(
                tx,
                member.org_id,
                now,
                Some(inviter.id),
                EventKind::ParticipantAdded,
                json!({"thread_id": g.thread_id, "member_id": member.id, "permissions": g.permissions.names(),
                       "via": "invitation"}),
            )?;
        }
        Ok(dropped)
    }

    /// Which email an invitation gets: the conversation one when it carries a thread grant.
    pub(crate) fn invitation_email_kind(
        &self,
        tx: &dyn ReadTx,
        inv: &Invitation,
    ) -> Result<(EmailKind, Option<(String, String)>)> {
        match inv.thread_grants.first() {
            Some(g) => match tx.thread(g.thread_id)? {
                Some(t) => Ok((EmailKind::ThreadInvitation, Some((t.title, t.freelancer_name)))),
                None => Ok((EmailKind::Invitation, None)),
            },
            None => Ok((EmailKind::Invitation, None)),
        }
    }
}
