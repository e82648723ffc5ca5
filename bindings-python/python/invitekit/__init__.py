"""InviteKit for Python: everything behind "invite a coworker".

A member invites a coworker to the company by email (with a personal message
and a team), previews the email and copies the join link; and brings coworkers
into conversations with outside freelancers, with permissions chosen from
options that depend on the member's own role. The host owns authentication,
HTTP, UI and email delivery; InviteKit owns the rules, the state, the tokens,
the emails' content and the audit trail.

    import invitekit as ik

    kit = ik.InviteKit.in_memory()            # or ik.InviteKit.open("sqlite:acme.db")
    org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal",
                                  allowed_domains=["acme.com"])
    alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")
    draft = kit.draft_invitation(alice.id, "bob@acme.com", message="Welcome!")
    inv = kit.send_invitation(draft)

Ids are ``str``, times are timezone-aware UTC ``datetime``, absent values are
``None``. Every error is an ``InviteKitError`` with a stable ``.code``, raised
as the subclass of its code (``PermissionDenied``, ``InvalidEmail``, ...).

``accept_invitation``, ``decline_invitation``, ``invitations_for_email`` and
``join_by_domain`` take the address **your host has verified** for the user;
never pass an address the user merely typed.
"""

from invitekit._native import (
    ERROR_CODES,
    Acceptance,
    AlreadyInvited,
    AlreadyMember,
    AlreadyParticipant,
    Conflict,
    DomainNotAllowed,
    DomainVerification,
    Draft,
    Email,
    EmailMismatch,
    Event,
    Invitation,
    InvitationExpired,
    InvitationNotPending,
    InvitationPreview,
    InvalidArgumentType,
    InvalidEmail,
    InvalidInput,
    InvalidToken,
    InviteKit,
    InviteKitError,
    InviteResult,
    JoinRequest,
    JoinResult,
    ManualClock,
    Member,
    Message,
    NotFound,
    Organization,
    OutgoingEmail,
    Participant,
    ThreadGrant,
    People,
    PermissionDenied,
    Policy,
    RateLimited,
    Resent,
    Storage,
    Team,
    Thread,
    ThreadInviteResult,
    __version__,
)
from invitekit._page import ThreadPage

__all__ = [
    "ERROR_CODES",
    "Acceptance",
    "AlreadyInvited",
    "AlreadyMember",
    "AlreadyParticipant",
    "Conflict",
    "DomainNotAllowed",
    "DomainVerification",
    "Draft",
    "Email",
    "EmailMismatch",
    "Event",
    "Invitation",
    "InvitationExpired",
    "InvitationNotPending",
    "InvitationPreview",
    "InvalidArgumentType",
    "InvalidEmail",
    "InvalidInput",
    "InvalidToken",
    "InviteKit",
    "InviteKitError",
    "InviteResult",
    "JoinRequest",
    "JoinResult",
    "ManualClock",
    "Member",
    "Message",
    "NotFound",
    "Organization",
    "OutgoingEmail",
    "Participant",
    "ThreadGrant",
    "People",
    "PermissionDenied",
    "Policy",
    "RateLimited",
    "Resent",
    "Storage",
    "Team",
    "Thread",
    "ThreadInviteResult",
    "ThreadPage",
    "__version__",
]
