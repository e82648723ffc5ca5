//! Joining without an invitation ([rules](crate::rules#joining-by-domain)):
//! someone whose verified address is on one of an organization's verified
//! auto-join domains joins at once (`automatic`) or asks to (`request`), and
//! managers approve or deny the requests.

use serde_json::json;

use crate::InviteKit;
use crate::clock::Timestamp;
use crate::domains::joins_on_verified_domain;
use crate::email::EmailAddress;
use crate::error::{Error, Result};
use crate::events::{EventKind, record};
use crate::ids::{JoinRequestId, MemberId, OrgId};
use crate::input;
use crate::invitations::decision_reason;
pub use crate::model::{DomainJoin, JoinRequest, JoinRequestStatus};
use crate::model::{Member, MemberStatus, Organization};
use crate::outbox::enqueue;
use crate::store::{ReadTx, Store, WriteTx};
use crate::templates::{EmailContext, EmailKind, render};

/// What [`join_by_domain`](InviteKit::join_by_domain) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    /// The person is a member now (`automatic` mode).
    Joined,
    /// The person asked to join; a manager decides (`request` mode).
    Requested,
}

impl JoinKind {
    /// `joined` or `requested`.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinKind::Joined => "joined",
            JoinKind::Requested => "requested",
        }
    }
}

/// What [`join_by_domain`](InviteKit::join_by_domain) did: the new member,
/// or the request to join.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JoinResult {
    /// `joined` or `requested`.
    pub kind: JoinKind,
    /// The new member, when joined.
    pub member: Option<Member>,
    /// The request, when asked.
    pub request: Option<JoinRequest>,
}

impl<S: Store> InviteKit<S> {
    /// Joins an organization without an invitation. `email` must be the
    /// address the host has **verified** for the user. It must be on one of
    /// the organization's auto-join domains that the organization has
    /// verified ([verified domains](crate::rules#verified-domains)) and be
    /// allowed, else `domain_not_allowed`; the `domain_join` setting decides
    /// the rest: `off` (the default) refuses (`domain_not_allowed`),
    /// `automatic` makes the person a member with the policy's default role,
    /// and `request` records a request to join (the managers are emailed),
    /// or returns the one already waiting. A deactivated member's address is
    /// `permission_denied` (R11).
    pub fn join_by_domain(&self, org_id: OrgId, email: &str, name: &str) -> Result<JoinResult> {
        let email = EmailAddress::parse(email)?;
        let name = input::name("name", name, input::MAX_NAME_CHARS)?;
        let role = self.policy.default_role().to_owned();
        let now = self.now();
        self.store.write(|tx| {
            let org = tx.org(org_id)?.ok_or(Error::NotFound("organization"))?;
            let mode = org.settings.domain_join;
            if mode == DomainJoin::Off || !org.allows(&email) || !joins_on_verified_domain(&*tx, &org, email.domain())?
            {
                return Err(Error::DomainNotAllowed { domain: email.domain().to_owned() });
            }
            match tx.member_by_email(org_id, email.key())? {
                Some(m) if m.is_active() => return Err(Error::AlreadyMember { email: m.email }),
                Some(_) => {
                    return Err(Error::denied(
                        "the address belongs to a deactivated member, who comes back only when a member \
                         allowed to reactivates or re-invites them (docs/rules.md#r11)",
                    ));
                }
                None => {}
            }
            if mode == DomainJoin::Request {
                let request = self.request_to_join(tx, &org, &email, &name, &role, now)?;
                return Ok(JoinResult { kind: JoinKind::Requested, member: None, request: Some(request) });
            }
            let member = Member {
                id: MemberId::new(),
                org_id,
                email: email.as_str().to_owned(),
                name: name.clone(),
                role: role.clone(),
                team_ids: Vec::new(),
                status: MemberStatus::Active,
                joined_at: now,
            };
            tx.insert_member(&member)?;
            record(
                tx,
                org_id,
                now,
                Some(member.id),
                EventKind::MemberJoinedByDomain,
                json!({"member_id": member.id, "email": member.email, "role": member.role}),
            )?;
            Ok(JoinResult { kind: JoinKind::Joined, member: Some(member), request: None })
        })
    }

    /// The waiting request from `email`, or a new one, with a
    /// `join_requested` email to each member who may approve it.
    fn request_to_join(
        &self,
        tx: &mut dyn WriteTx,
        org: &Organization,
        email: &EmailAddress,
        name: &str,
        role: &str,
        now: Timestamp,
    ) -> Result<JoinRequest> {
        if let Some(waiting) =
            tx.join_requests_from(org.id, email.key())?.into_iter().find(|r| r.status == JoinRequestStatus::Pending)
        {
            return Ok(waiting);
        }
        let request = JoinRequest {
            id: JoinRequestId::new(),
            org_id: org.id,
            email: email.as_str().to_owned(),
            name: name.to_owned(),
            role: role.to_owned(),
            status: JoinRequestStatus::Pending,
            created_at: now,
            decided_by: None,
            decided_at: None,
            reason: None,
        };
        tx.insert_join_request(&request)?;
        let custom = tx.template(org.id, EmailKind::JoinRequested)?;
        for manager in self.join_approvers(&*tx, org.id, role)? {
            let ctx = EmailContext {
                to: manager.email.clone(),
                organization_name: org.name.clone(),
                link: org.portal_url.clone(),
                invitee_email: Some(request.email.clone()),
                role: Some(request.role.clone()),
                requester_name: Some(request.name.clone()),
                ..EmailContext::default()
            };
            let content = render(EmailKind::JoinRequested, custom.as_ref(), &ctx)?;
            enqueue(tx, org.id, EmailKind::JoinRequested, None, &content, now)?;
        }
        record(
            tx,
            org.id,
            now,
            None,
            EventKind::JoinRequested,
            json!({"request_id": request.id, "email": request.email, "name": request.name, "role": request.role}),
        )?;
        Ok(request)
    }

    /// The members who may decide a request to join as `role` (R10 for it):
    /// active, of the organization, with a role that manages it and may give `role`.
    fn join_approvers(&self, tx: &dyn ReadTx, org: OrgId, role: &str) -> Result<Vec<Member>> {
        Ok(tx
            .members(org)?
            .into_iter()
            .filter(|m| m.is_active() && self.policy.role(&m.role).is_some_and(|r| r.may_manage_member(role)))
            .collect())
    }

    /// The requests to join the actor's organization, newest first; only
    /// those with `status` when given. Only a member whose role manages the
    /// organization may list them.
    pub fn list_join_requests(&self, actor: MemberId, status: Option<JoinRequestStatus>) -> Result<Vec<JoinRequest>> {
        self.store.read(|tx| {
            let actor = self.active_member(tx, actor)?;
            if !self.role_of(&actor)?.manages_organization() {
                return Err(Error::denied(format!("the role `{}` does not manage the organization", actor.role)));
            }
            Ok(tx.join_requests(actor.org_id)?.into_iter().filter(|r| status.is_none_or(|s| r.status == s)).collect())
        })
    }

    /// A waiting request the actor may decide: of their organization
    /// (another's is `not_found`), pending, and as a role R10 lets them give.
    fn decidable(&self, tx: &dyn ReadTx, actor: MemberId, id: JoinRequestId) -> Result<(Member, JoinRequest)> {
        let actor = self.active_member(tx, actor)?;
        let request =
            tx.join_request(id)?.filter(|r| r.org_id == actor.org_id).ok_or(Error::NotFound("join request"))?;
        if request.status != JoinRequestStatus::Pending {
            return Err(Error::Conflict(format!("the join request was already {}", request.status.as_str())));
        }
        if !self.role_of(&actor)?.may_manage_member(&request.role) {
            return Err(Error::denied(format!(
                "the role `{}` may not let someone in as `{}` (docs/rules.md#r10)",
                actor.role, request.role
            )));
        }
        Ok((actor, request))
    }

    /// Approves a request to join: the person becomes a member with the
    /// role they asked as, and is emailed (`join_approved`). The actor must
    /// be allowed by R10 for that role. The address must still be allowed
    /// (`domain_not_allowed`); an address that became a member meanwhile is
    /// `already_member`, and a deactivated member's is let back in only by
    /// an actor who may reactivate them (R11).
    pub fn approve_join_request(&self, actor: MemberId, request_id: JoinRequestId) -> Result<Member> {
        let now = self.now();
        self.store.write(|tx| {
            let (actor, request) = self.decidable(&*tx, actor, request_id)?;
            let org = tx.org(request.org_id)?.ok_or(Error::NotFound("organization"))?;
            let email = EmailAddress::parse(&request.email)?;
            if !org.allows(&email) {
                return Err(Error::DomainNotAllowed { domain: email.domain().to_owned() });
            }
            let member =
                self.admit(tx, &actor, org.id, &request.email, &request.name, &request.role, Vec::new(), now)?;
            let mut approved = request.clone();
            approved.status = JoinRequestStatus::Approved;
            approved.decided_by = Some(actor.id);
            approved.decided_at = Some(now);
            if !tx.update_join_request(&approved, JoinRequestStatus::Pending)? {
                return Err(Error::Conflict("the join request changed while it was being approved".into()));
            }
            let custom = tx.template(org.id, EmailKind::JoinApproved)?;
            let ctx = EmailContext {
                to: member.email.clone(),
                organization_name: org.name.clone(),
                link: org.portal_url.clone(),
                role: Some(member.role.clone()),
                reviewer_name: Some(actor.name.clone()),
                requester_name: Some(member.name.clone()),
                ..EmailContext::default()
            };
            let content = render(EmailKind::JoinApproved, custom.as_ref(), &ctx)?;
            enqueue(tx, org.id, EmailKind::JoinApproved, None, &content, now)?;
            record(
                tx,
                org.id,
                now,
                Some(actor.id),
                EventKind::JoinRequestApproved,
                json!({"request_id": request.id, "member_id": member.id}),
            )?;
            record(
                tx,
                org.id,
                now,
                Some(actor.id),
                EventKind::MemberAdded,
                json!({"member_id": member.id, "email": member.email, "role": member.role,
                       "team_ids": member.team_ids, "via": "join_request", "request_id": request.id}),
            )?;
            Ok(member)
        })
    }

    /// Denies a request to join: the same members may as approve it. The
    /// person is emailed (`join_denied`) with `reason` (free text of at most
    /// 1,000 characters, optional).
    pub fn deny_join_request(
        &self,
        actor: MemberId,
        request_id: JoinRequestId,
        reason: Option<&str>,
    ) -> Result<JoinRequest> {
        let reason = decision_reason(reason)?;
        let now = self.now();
        self.store.write(|tx| {
            let (actor, request) = self.decidable(&*tx, actor, request_id)?;
            let org = tx.org(request.org_id)?.ok_or(Error::NotFound("organization"))?;
            let mut denied = request.clone();
            denied.status = JoinRequestStatus::Denied;
            denied.decided_by = Some(actor.id);
            denied.decided_at = Some(now);
            denied.reason = reason.clone();
            if !tx.update_join_request(&denied, JoinRequestStatus::Pending)? {
                return Err(Error::Conflict("the join request changed while it was being denied".into()));
            }
            let custom = tx.template(org.id, EmailKind::JoinDenied)?;
            let ctx = EmailContext {
                to: request.email.clone(),
                organization_name: org.name.clone(),
                link: org.portal_url.clone(),
                reason: reason.clone(),
                reviewer_name: Some(actor.name.clone()),
                requester_name: Some(request.name.clone()),
                ..EmailContext::default()
            };
            let content = render(EmailKind::JoinDenied, custom.as_ref(), &ctx)?;
            enqueue(tx, org.id, EmailKind::JoinDenied, None, &content, now)?;
            record(
                tx,
                org.id,
                now,
                Some(actor.id),
                EventKind::JoinRequestDenied,
                json!({"request_id": request.id, "email": request.email, "reason": reason}),
            )?;
            Ok(denied)
        })
    }
}
