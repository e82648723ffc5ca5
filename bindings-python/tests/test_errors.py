"""Every error code raises its own exception class, a subclass of InviteKitError with `.code`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Callable, Dict, Type

import pytest

import invitekit as ik
from conftest import World, invite_and_accept

CLASSES: Dict[str, Type[ik.InviteKitError]] = {
    "invalid_input": ik.InvalidInput,
    "invalid_email": ik.InvalidEmail,
    "domain_not_allowed": ik.DomainNotAllowed,
    "not_found": ik.NotFound,
    "permission_denied": ik.PermissionDenied,
    "already_member": ik.AlreadyMember,
    "already_invited": ik.AlreadyInvited,
    "already_participant": ik.AlreadyParticipant,
    "invalid_token": ik.InvalidToken,
    "invitation_expired": ik.InvitationExpired,
    "invitation_not_pending": ik.InvitationNotPending,
    "email_mismatch": ik.EmailMismatch,
    "rate_limited": ik.RateLimited,
    "conflict": ik.Conflict,
    "storage": ik.Storage,
}


def test_one_class_per_code_all_deriving_from_invitekit_error() -> None:
    assert set(ik.ERROR_CODES) == set(CLASSES)
    assert issubclass(ik.InviteKitError, Exception)
    for code, cls in CLASSES.items():
        assert issubclass(cls, ik.InviteKitError)
        assert cls.code == code
        assert cls.__name__ == "".join(w.capitalize() for w in code.split("_"))
        assert cls.__doc__
    assert len(set(CLASSES.values())) == len(CLASSES)


def _raise(w: World, code: str) -> None:
    """Makes the core fail with `code`, through the public API."""
    kit, alice = w.kit, w.alice
    if code == "invalid_input":
        kit.get_member("not-an-id")
    elif code == "invalid_email":
        kit.draft_invitation(alice.id, "bob@@acme.com")
    elif code == "domain_not_allowed":
        kit.draft_invitation(alice.id, "bob@evil.io")
    elif code == "not_found":
        kit.get_member(str(uuid.uuid4()))
    elif code == "permission_denied":
        bob = invite_and_accept(w, "bob@acme.com", "Bob Jones")
        kit.events(bob.id)
    elif code == "already_member":
        kit.draft_invitation(alice.id, "Alice@acme.com")
    elif code == "already_invited":
        kit.send_invitation(kit.draft_invitation(alice.id, "bob@acme.com"))
        kit.draft_invitation(alice.id, "bob@acme.com")
    elif code == "already_participant":
        thread = kit.start_thread(alice.id, "fl", "Free Lancer", "t")
        kit.add_to_thread(alice.id, thread.id, alice.id, preset="viewer")
    elif code == "invalid_token":
        kit.accept_invitation("ikinv_" + "A" * 43, "bob@acme.com", "Bob")
    elif code == "invitation_expired":
        draft = kit.draft_invitation(alice.id, "bob@acme.com")
        kit.send_invitation(draft)
        w.clock.advance(8 * 24 * 3600)
        kit.accept_invitation(draft.link, "bob@acme.com", "Bob")
    elif code == "invitation_not_pending":
        draft = kit.draft_invitation(alice.id, "bob@acme.com")
        kit.send_invitation(draft)
        kit.decline_invitation(draft.link, "bob@acme.com")
        kit.accept_invitation(draft.link, "bob@acme.com", "Bob")
    elif code == "email_mismatch":
        draft = kit.draft_invitation(alice.id, "bob@acme.com")
        kit.send_invitation(draft)
        kit.accept_invitation(draft.link, "mallory@acme.com", "Mallory")
    elif code == "rate_limited":
        kit.set_organization_settings(alice.id, w.org.id, max_invitations_per_inviter_per_day=1)
        kit.send_invitation(kit.draft_invitation(alice.id, "bob@acme.com"))
        kit.draft_invitation(alice.id, "carol@acme.com")
    elif code == "conflict":
        draft = kit.draft_invitation(alice.id, "bob@acme.com")
        kit.send_invitation(draft)
        kit.send_invitation(draft)
    elif code == "storage":
        ik.InviteKit.open("sqlite:/nonexistent-dir/for/sure/acme.db")
    else:
        raise AssertionError(code)


@pytest.mark.parametrize("code", sorted(CLASSES))
def test_each_code_raises_its_class(world: World, code: str) -> None:
    with pytest.raises(CLASSES[code]) as err:
        _raise(world, code)
    e = err.value
    assert type(e) is CLASSES[code]
    assert isinstance(e, ik.InviteKitError)
    assert e.code == code
    assert str(e)  # a message for a person
    assert "ikinv_" not in str(e) and "ikinv_" not in repr(e)


def test_errors_carry_their_details(world: World) -> None:
    kit, alice = world.kit, world.alice
    inv = kit.send_invitation(kit.draft_invitation(alice.id, "bob@acme.com"))
    with pytest.raises(ik.AlreadyInvited) as invited:
        kit.draft_invitation(alice.id, "bob@acme.com")
    assert invited.value.invitation_id == inv.id  # offer "resend"

    with pytest.raises(ik.RateLimited) as limited:
        kit.resend_invitation(alice.id, inv.id)  # inside the 60 s cooldown
    assert limited.value.retry_at == dt.datetime(2026, 1, 1, 0, 1, tzinfo=dt.timezone.utc)

    with pytest.raises(ik.DomainNotAllowed) as domain:
        kit.draft_invitation(alice.id, "x@Bücher.example")
    assert domain.value.domain == "xn--bcher-kva.example"

    member = invite_and_accept(world, "mo@acme.com", "Mo Member")
    thread = kit.start_thread(alice.id, "fl", "Free Lancer", "t")
    with pytest.raises(ik.PermissionDenied) as denied:
        kit.add_to_thread(alice.id, thread.id, member.id, preset="interviewer")
    assert denied.value.check == "target_ceiling"  # R4c (docs/rules.md#r4c): a member cannot hold `interview`
    assert kit.people(alice.id, thread.id).participants[-1].member_id == alice.id  # nothing changed


def test_catching_the_base_class(world: World) -> None:
    def attempt(f: Callable[[], object]) -> str:
        try:
            f()
        except ik.InviteKitError as e:
            return e.code
        return "ok"

    assert attempt(lambda: world.kit.get_member("x")) == "invalid_input"
    assert attempt(lambda: world.kit.peek_invitation("https://acme.example.com/portal/join/nope")) == "invalid_token"
