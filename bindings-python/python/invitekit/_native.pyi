"""Type stubs of the native module ``invitekit._native`` (re-exported by ``invitekit``).

Checked against the built module by ``python -m mypy.stubtest invitekit``.
"""

from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple, final

from invitekit._page import ThreadPage

__all__ = [
    "Acceptance",
    "AlreadyInvited",
    "AlreadyMember",
    "AlreadyParticipant",
    "Conflict",
    "DomainNotAllowed",
    "Draft",
    "ERROR_CODES",
    "Email",
    "EmailMismatch",
    "Event",
    "InvalidArgumentType",
    "InvalidEmail",
    "InvalidInput",
    "InvalidToken",
    "Invitation",
    "InvitationExpired",
    "InvitationNotPending",
    "InvitationPreview",
    "InviteKit",
    "InviteKitError",
    "InviteResult",
    "ManualClock",
    "Member",
    "Message",
    "NotFound",
    "Organization",
    "OutgoingEmail",
    "Participant",
    "People",
    "PermissionDenied",
    "Policy",
    "RateLimited",
    "Resent",
    "Storage",
    "Team",
    "Thread",
    "ThreadGrant",
    "ThreadInviteResult",
    "_LIMITS",
    "__version__",
]

__version__: str
# The core's `limit` defaults and bounds: {operation: (default, max)} (for the tests).
_LIMITS: Dict[str, Tuple[int, int]]
ERROR_CODES: Tuple[str, ...]

# --- Errors (docs/rules.md#errors) -------------------------------------------

class InviteKitError(Exception):
    """Base class of every InviteKit error. `code` is the stable error code."""

    code: str

class InvalidInput(InviteKitError):
    code: str

class InvalidArgumentType(InvalidInput, TypeError):
    """An argument of the wrong Python type: a TypeError, and an InvalidInput."""

    code: str

class InvalidEmail(InviteKitError):
    code: str

class DomainNotAllowed(InviteKitError):
    code: str
    domain: str

class NotFound(InviteKitError):
    code: str

class PermissionDenied(InviteKitError):
    code: str
    check: Optional[str]
    """`"actor_holdings"`, `"role_grantable"` or `"target_ceiling"` (rule R4), or None."""

class AlreadyMember(InviteKitError):
    code: str

class AlreadyInvited(InviteKitError):
    code: str
    invitation_id: str

class AlreadyParticipant(InviteKitError):
    code: str

class InvalidToken(InviteKitError):
    code: str

class InvitationExpired(InviteKitError):
    code: str

class InvitationNotPending(InviteKitError):
    code: str
    status: str

class EmailMismatch(InviteKitError):
    code: str

class RateLimited(InviteKitError):
    code: str
    retry_at: datetime

class Conflict(InviteKitError):
    code: str

class Storage(InviteKitError):
    code: str

# --- Configuration -----------------------------------------------------------

@final
class ManualClock:
    """A clock that moves only when told to; starts at 2026-01-01T00:00:00Z or `start`."""

    def __new__(cls, start: Optional[datetime] = None) -> ManualClock: ...
    def advance(self, seconds: float) -> None: ...
    def set(self, when: datetime) -> None: ...
    def now(self) -> datetime: ...

@final
class Policy:
    """Roles, thread permissions, presets and who may grant what (docs/rules.md#roles)."""

    @staticmethod
    def default() -> Policy: ...
    @staticmethod
    def from_json(json: str) -> Policy: ...
    def to_json(self) -> str: ...
    @property
    def roles(self) -> List[str]: ...
    @property
    def presets(self) -> List[str]: ...
    @property
    def default_role(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

# --- Result objects (written by scripts/gen-interface from core/interface/records.json) ---

@final
class Organization:
    """A company using InviteKit."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def portal_url(self) -> str: ...
    @property
    def allowed_domains(self) -> List[str]: ...
    @property
    def settings(self) -> Dict[str, Any]: ...
    @property
    def created_at(self) -> datetime: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Member:
    """A member of an organization."""

    @property
    def id(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def team_ids(self) -> List[str]: ...
    @property
    def status(self) -> str: ...
    @property
    def joined_at(self) -> datetime: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Team:
    """A team of an organization."""

    @property
    def id(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Email:
    """An email: the preview of a draft. Its bodies hold the join link, a
    secret: keep them out of logs."""

    @property
    def to(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class ThreadGrant:
    """A thread an invitation brings its invitee into, with the permissions it
    carries there (applied on acceptance if rule R4 still allows them: R8,
    docs/rules.md#r8)."""

    @property
    def thread_id(self) -> str: ...
    @property
    def permissions(self) -> List[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Invitation:
    """An invitation to join an organization. It never holds its token."""

    @property
    def id(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def inviter_id(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def message(self) -> Optional[str]: ...
    @property
    def team_ids(self) -> List[str]: ...
    @property
    def role(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def sent_count(self) -> int: ...
    @property
    def last_sent_at(self) -> datetime: ...
    @property
    def thread_grants(self) -> List[ThreadGrant]: ...
    @property
    def delivered(self) -> bool: ...
    @property
    def metadata(self) -> Dict[str, Any]: ...
    @property
    def private_metadata(self) -> Dict[str, Any]: ...
    @property
    def redirect_url(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Acceptance:
    """What accepting an invitation did."""

    @property
    def member(self) -> Member: ...
    @property
    def invitation(self) -> Invitation: ...
    @property
    def dropped_grants(self) -> List[str]: ...
    @property
    def redirect_url(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Resent:
    """What a resend did: a new link; the old one stopped working. The link
    is a secret."""

    @property
    def invitation(self) -> Invitation: ...
    @property
    def link(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class InvitationPreview:
    """What a landing page shows for a link (`peek_invitation`)."""

    @property
    def organization_name(self) -> str: ...
    @property
    def inviter_name(self) -> str: ...
    @property
    def team_names(self) -> List[str]: ...
    @property
    def email(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def metadata(self) -> Dict[str, Any]: ...
    @property
    def redirect_url(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class InviteResult:
    """The outcome for one address of `invite_many`: the invitation, or why not."""

    @property
    def email(self) -> str: ...
    @property
    def invitation(self) -> Optional[Invitation]: ...
    @property
    def error(self) -> Optional[str]: ...
    @property
    def error_message(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class OutgoingEmail:
    """An email in the outbox, for the host to deliver, then acknowledge or
    fail. Its bodies may hold a join link, a secret: keep them out of logs."""

    @property
    def id(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def invitation_id(self) -> Optional[str]: ...
    @property
    def to(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def attempts(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def next_attempt_at(self) -> datetime: ...
    @property
    def last_error(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Thread:
    """A conversation between the company's members and one freelancer."""

    @property
    def id(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def freelancer_id(self) -> str: ...
    @property
    def freelancer_name(self) -> str: ...
    @property
    def created_by(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def last_activity_at(self) -> datetime: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Message:
    """A message in a thread."""

    @property
    def id(self) -> str: ...
    @property
    def thread_id(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def author_id(self) -> Optional[str]: ...
    @property
    def body(self) -> str: ...
    @property
    def sent_at(self) -> datetime: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Participant:
    """A participant of a thread, with their permissions there."""

    @property
    def member_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def permissions(self) -> List[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class People:
    """Who is in a thread: the freelancer and the participants (`people`)."""

    @property
    def freelancer_id(self) -> str: ...
    @property
    def freelancer_name(self) -> str: ...
    @property
    def participants(self) -> List[Participant]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class ThreadInviteResult:
    """What `invite_to_thread` did: `added` an existing member (`participant`),
    or `invited` an address to the organization (`invitation`)."""

    @property
    def kind(self) -> str: ...
    @property
    def participant(self) -> Optional[Participant]: ...
    @property
    def invitation(self) -> Optional[Invitation]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Event:
    """An entry of the organization's audit log (`events`)."""

    @property
    def seq(self) -> int: ...
    @property
    def org_id(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor_id(self) -> Optional[str]: ...
    @property
    def kind(self) -> str: ...
    @property
    def details(self) -> Dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

# --- End of the result objects written by scripts/gen-interface ---

# --- The draft ------------------------------------------------------------------

@final
class Draft:
    @property
    def email(self) -> str: ...
    @property
    def link(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def invitation_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def team_ids(self) -> List[str]: ...
    @property
    def message(self) -> Optional[str]: ...
    @property
    def metadata(self) -> Dict[str, Any]: ...
    @property
    def private_metadata(self) -> Dict[str, Any]: ...
    @property
    def redirect_url(self) -> Optional[str]: ...
    def preview(self) -> Email: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

# --- The kit -------------------------------------------------------------------

@final
class InviteKit:
    """InviteKit: invitations, conversations with freelancers and their rules."""

    @staticmethod
    def in_memory(policy: Optional[Policy] = None, clock: Optional[ManualClock] = None) -> InviteKit: ...
    @staticmethod
    def open(url: str, policy: Optional[Policy] = None, clock: Optional[ManualClock] = None) -> InviteKit: ...
    def now(self) -> datetime: ...
    @property
    def policy(self) -> Policy: ...
    def close(self) -> None: ...
    def _is_memory(self) -> bool: ...
    def __enter__(self) -> InviteKit: ...
    def __exit__(self, *_exc: object) -> bool: ...

    # Setup
    def create_organization(
        self, name: str, slug: str, portal_url: str, allowed_domains: Optional[Sequence[str]] = None
    ) -> Organization: ...
    def get_organization(self, org_id: str) -> Organization: ...
    def set_organization_settings(self, actor: str, org_id: str, **settings: Any) -> Organization: ...
    def add_member(self, org_id: str, email: str, name: str, role: str) -> Member: ...
    def get_member(self, member_id: str) -> Member: ...
    def list_members(self, org_id: str) -> List[Member]: ...
    def set_role(self, actor: str, member_id: str, role: str) -> Member: ...
    def deactivate_member(self, actor: str, member_id: str) -> Member: ...
    def reactivate_member(self, actor: str, member_id: str) -> Member: ...
    def create_team(self, org_id: str, name: str) -> Team: ...
    def set_email_template(self, org_id: str, kind: str, subject: str, text: str, html: str) -> None: ...

    # Inviting a coworker to the company
    def draft_invitation(
        self,
        actor: str,
        email: str,
        message: Optional[str] = None,
        team: Optional[str] = None,
        role: Optional[str] = None,
        teams: Optional[Sequence[str]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        private_metadata: Optional[Dict[str, Any]] = None,
        redirect_url: Optional[str] = None,
    ) -> Draft: ...
    def send_invitation(self, draft: Draft, deliver: bool = True) -> Invitation: ...
    def invite_many(
        self,
        actor: str,
        emails: Sequence[str],
        message: Optional[str] = None,
        team: Optional[str] = None,
        role: Optional[str] = None,
        teams: Optional[Sequence[str]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        private_metadata: Optional[Dict[str, Any]] = None,
        redirect_url: Optional[str] = None,
    ) -> List[InviteResult]: ...
    def peek_invitation(self, token_or_link: str) -> InvitationPreview: ...
    def accept_invitation(self, token_or_link: str, email: str, name: str) -> Acceptance: ...
    def decline_invitation(self, token_or_link: str, email: str) -> Invitation: ...
    def revoke_invitation(self, actor: str, invitation_id: str) -> Invitation: ...
    def resend_invitation(self, actor: str, invitation_id: str) -> Resent: ...
    def list_invitations(self, actor: str, status: Optional[str] = None) -> List[Invitation]: ...
    def invitations_for_email(self, email: str) -> List[Invitation]: ...
    def join_by_domain(self, org_id: str, email: str, name: str) -> Member: ...

    # Conversations with freelancers
    def start_thread(self, actor: str, freelancer_id: str, freelancer_name: str, title: str) -> Thread: ...
    def post_message(self, actor: str, thread_id: str, body: str) -> Message: ...
    def post_freelancer_message(self, thread_id: str, body: str) -> Message: ...
    def search_threads(self, actor: str, query: str, limit: int = 20, cursor: Optional[str] = None) -> ThreadPage: ...
    def people(self, actor: str, thread_id: str) -> People: ...
    def find_coworkers(self, actor: str, query: str, limit: int = 10) -> List[Member]: ...
    def permission_options(self, actor: str, thread_id: str) -> List[str]: ...
    def add_to_thread(
        self,
        actor: str,
        thread_id: str,
        member_id: str,
        preset: Optional[str] = None,
        permissions: Optional[Sequence[str]] = None,
    ) -> Participant: ...
    def invite_to_thread(
        self,
        actor: str,
        thread_id: str,
        email: str,
        preset: Optional[str] = None,
        permissions: Optional[Sequence[str]] = None,
        message: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        private_metadata: Optional[Dict[str, Any]] = None,
        redirect_url: Optional[str] = None,
    ) -> ThreadInviteResult: ...
    def change_permissions(
        self,
        actor: str,
        thread_id: str,
        member_id: str,
        preset: Optional[str] = None,
        permissions: Optional[Sequence[str]] = None,
    ) -> Participant: ...
    def remove_from_thread(self, actor: str, thread_id: str, member_id: str) -> None: ...
    def leave_thread(self, actor: str, thread_id: str) -> None: ...

    # Outbox and events
    def outbox_pending(self, limit: int = 100) -> List[OutgoingEmail]: ...
    def outbox_ack(self, email_id: str) -> None: ...
    def outbox_fail(self, email_id: str, reason: str) -> None: ...
    def events(self, actor: str, after_seq: Optional[int] = None, limit: int = 100) -> List[Event]: ...
