//! Invitations, their statuses and the thread grants they carry.

use serde::Serialize;

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::ids::{InvitationId, MemberId, OrgId, TeamId, ThreadId};
use crate::policy::PermissionSet;

/// Where an invitation stands. `Expired` is never stored: it is a pending
/// invitation whose expiry has passed, derived from the clock when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Waiting for the invitee.
    Pending,
    /// The invitee joined.
    Accepted,
    /// The inviter, an administrator or a rule (R7) withdrew it.
    Revoked,
    /// The invitee said no.
    Declined,
    /// Pending past its expiry.
    Expired,
    /// Sent by a role whose invitations need approval: it waits for a manager
    /// to approve it (then it is pending) or deny it. Its link answers
    /// `invitation_not_pending` ([approvals](crate::rules#approvals)).
    AwaitingApproval,
    /// A manager denied it while it awaited approval.
    Denied,
}

impl InvitationStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Revoked => "revoked",
            InvitationStatus::Declined => "declined",
            InvitationStatus::Expired => "expired",
            InvitationStatus::AwaitingApproval => "awaiting_approval",
            InvitationStatus::Denied => "denied",
        }
    }

    /// Parses a snake_case name; anything else is `invalid_input`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(InvitationStatus::Pending),
            "accepted" => Ok(InvitationStatus::Accepted),
            "revoked" => Ok(InvitationStatus::Revoked),
            "declined" => Ok(InvitationStatus::Declined),
            "expired" => Ok(InvitationStatus::Expired),
            "awaiting_approval" => Ok(InvitationStatus::AwaitingApproval),
            "denied" => Ok(InvitationStatus::Denied),
            other => Err(Error::invalid(format!("unknown invitation status `{}`", crate::error::quote(other)))),
        }
    }
}

/// A JSON object of the host's: what an invitation's `metadata` and
/// `private_metadata` hold ([metadata](crate::rules#metadata-and-redirects)).
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Permissions in a thread that an invitation carries, applied when it is
/// accepted if rule R4 still allows them then (R8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ThreadGrant {
    /// The thread.
    pub thread_id: ThreadId,
    /// What the invitee will hold in it.
    pub permissions: PermissionSet,
}

/// An invitation to join an organization. It never contains its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    /// Its id: safe to list and show.
    pub id: InvitationId,
    /// The organization.
    pub org_id: OrgId,
    /// Who sent it.
    pub inviter_id: MemberId,
    /// The invited address, normalized.
    pub email: String,
    /// The personal message.
    pub message: Option<String>,
    /// The teams the invitee will join, in the order given (at most [`MAX_TEAMS`](crate::MAX_TEAMS)).
    pub team_ids: Vec<TeamId>,
    /// The role the invitee will have.
    pub role: String,
    /// Where it stands (with `expired` derived from the clock).
    pub status: InvitationStatus,
    /// When it was sent.
    pub created_at: Timestamp,
    /// When its token stops working.
    pub expires_at: Timestamp,
    /// How many times it was sent (1 + resends).
    pub sent_count: u32,
    /// When it was last sent.
    pub last_sent_at: Timestamp,
    /// Thread permissions it carries (R8).
    pub thread_grants: Vec<ThreadGrant>,
    /// Whether InviteKit emails it, or the user shares the link themselves.
    pub delivered: bool,
    /// The host's data shown to the invitee (`peek`, email templates); empty when none.
    pub metadata: JsonObject,
    /// The host's data never shown to the invitee: not in an email, `peek`,
    /// an acceptance or a decline; empty when none.
    pub private_metadata: JsonObject,
    /// Where the host sends the invitee after accepting; on one of the
    /// organization's `redirect_origins`.
    pub redirect_url: Option<String>,
}

impl Invitation {
    /// The comparison key of the invited address.
    pub fn email_key(&self) -> String {
        self.email.to_ascii_lowercase()
    }

    /// This invitation with `expired` derived at `now`.
    pub(crate) fn at(mut self, now: Timestamp) -> Self {
        if self.status == InvitationStatus::Pending && self.expires_at <= now {
            self.status = InvitationStatus::Expired;
        }
        self
    }

    /// This invitation as the invitee may see it: without its private metadata.
    pub fn for_invitee(mut self) -> Self {
        self.private_metadata = JsonObject::new();
        self
    }

    /// Whether it can still be accepted at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.status == InvitationStatus::Pending && self.expires_at > now
    }

    /// Whether it stands in the way of another invitation to the same
    /// address at `now`: it is live, or it awaits approval.
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.is_live(now) || self.status == InvitationStatus::AwaitingApproval
    }
}
