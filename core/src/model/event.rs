//! The audit log's entries.

use serde::Serialize;

use crate::clock::Timestamp;
use crate::ids::{MemberId, OrgId};

/// What happened ([events](crate::rules#events)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// An organization was created.
    OrganizationCreated,
    /// A member was added directly (founding or provisioned) or by an accepted invitation.
    MemberAdded,
    /// A member's role changed.
    MemberRoleChanged,
    /// A member was deactivated.
    MemberDeactivated,
    /// A deactivated member was made active again by a member allowed to (R11).
    MemberReactivated,
    /// A team was created.
    TeamCreated,
    /// An invitation was stored (and its email queued, when delivered).
    InvitationSent,
    /// An invitation got a new token and expiry.
    InvitationResent,
    /// An invitation was revoked, by a person or by a rule (R7).
    InvitationRevoked,
    /// The invitee declined.
    InvitationDeclined,
    /// The invitee accepted.
    InvitationAccepted,
    /// Someone joined through an auto-join domain.
    MemberJoinedByDomain,
    /// A conversation with a freelancer was started.
    ThreadStarted,
    /// A coworker was added to a thread.
    ParticipantAdded,
    /// A participant's permissions changed.
    ParticipantPermissionsChanged,
    /// A participant was removed by someone else, or by a rule (R7).
    ParticipantRemoved,
    /// A participant left.
    ParticipantLeft,
    /// Organization settings changed.
    SettingsChanged,
    /// A manager approved an invitation that awaited approval; it is pending now.
    InvitationApproved,
    /// A manager denied an invitation that awaited approval.
    InvitationDenied,
    /// Someone on an auto-join domain asked to join (the `request` mode).
    JoinRequested,
    /// A manager approved a request to join; the requester is a member now.
    JoinRequestApproved,
    /// A manager denied a request to join.
    JoinRequestDenied,
    /// A manager started verifying a domain: its DNS challenge was made.
    DomainVerificationStarted,
    /// A domain's DNS challenge was found: the organization owns it.
    DomainVerified,
}

impl EventKind {
    /// The snake_case name, e.g. `invitation_sent`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::OrganizationCreated => "organization_created",
            EventKind::MemberAdded => "member_added",
            EventKind::MemberRoleChanged => "member_role_changed",
            EventKind::MemberDeactivated => "member_deactivated",
            EventKind::MemberReactivated => "member_reactivated",
            EventKind::TeamCreated => "team_created",
            EventKind::InvitationSent => "invitation_sent",
            EventKind::InvitationResent => "invitation_resent",
            EventKind::InvitationRevoked => "invitation_revoked",
            EventKind::InvitationDeclined => "invitation_declined",
            EventKind::InvitationAccepted => "invitation_accepted",
            EventKind::MemberJoinedByDomain => "member_joined_by_domain",
            EventKind::ThreadStarted => "thread_started",
            EventKind::ParticipantAdded => "participant_added",
            EventKind::ParticipantPermissionsChanged => "participant_permissions_changed",
            EventKind::ParticipantRemoved => "participant_removed",
            EventKind::ParticipantLeft => "participant_left",
            EventKind::SettingsChanged => "settings_changed",
            EventKind::InvitationApproved => "invitation_approved",
            EventKind::InvitationDenied => "invitation_denied",
            EventKind::JoinRequested => "join_requested",
            EventKind::JoinRequestApproved => "join_request_approved",
            EventKind::JoinRequestDenied => "join_request_denied",
            EventKind::DomainVerificationStarted => "domain_verification_started",
            EventKind::DomainVerified => "domain_verified",
        }
    }

    /// Every kind, in the order [the rules](crate::rules#events) list them.
    pub const ALL: [EventKind; 25] = [
        EventKind::OrganizationCreated,
        EventKind::MemberAdded,
        EventKind::MemberRoleChanged,
        EventKind::MemberDeactivated,
        EventKind::MemberReactivated,
        EventKind::TeamCreated,
        EventKind::InvitationSent,
        EventKind::InvitationResent,
        EventKind::InvitationRevoked,
        EventKind::InvitationDeclined,
        EventKind::InvitationAccepted,
        EventKind::MemberJoinedByDomain,
        EventKind::ThreadStarted,
        EventKind::ParticipantAdded,
        EventKind::ParticipantPermissionsChanged,
        EventKind::ParticipantRemoved,
        EventKind::ParticipantLeft,
        EventKind::SettingsChanged,
        EventKind::InvitationApproved,
        EventKind::InvitationDenied,
        EventKind::JoinRequested,
        EventKind::JoinRequestApproved,
        EventKind::JoinRequestDenied,
        EventKind::DomainVerificationStarted,
        EventKind::DomainVerified,
    ];

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of an organization's audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Position in the organization's log: 1, 2, 3, ... with no gaps.
    pub seq: u64,
    /// The organization.
    pub org_id: OrgId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it; `None` for the host, an invitee, or a rule.
    pub actor_id: Option<MemberId>,
    /// What happened.
    pub kind: EventKind,
    /// The ids and values involved, as a JSON object.
    pub details: serde_json::Value,
}

/// An event before the store gives it its `seq`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The organization.
    pub org_id: OrgId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor_id: Option<MemberId>,
    /// What happened.
    pub kind: EventKind,
    /// The ids and values involved, as a JSON object.
    pub details: serde_json::Value,
}
