"""Approvals, verified domains and requests to join, through the Python package:
a role whose invitations need a manager's approval, an organization proving
it owns a domain with a DNS TXT record, and people on that domain joining at
once or asking to (docs/rules.md#approvals, #verified-domains,
#joining-by-domain). The rules are the core's; this checks the package shows
them, with each refusal's exception and each wrong type's TypeError."""

from __future__ import annotations

import re
from typing import Any, Iterator, List

import pytest

import invitekit as ik
from conftest import World, approvals_policy, make_world, verify_domain

LINK = re.compile(r"https://\S*?/join/ikinv_[A-Za-z0-9_-]+")


@pytest.fixture
def approvals(clock: ik.ManualClock) -> Iterator[World]:
    """Acme Corp under a policy where a `member`'s invitations need approval."""
    yield make_world(ik.InviteKit.in_memory(policy=approvals_policy(), clock=clock), clock)


def drain(kit: ik.InviteKit) -> List[ik.OutgoingEmail]:
    """Every email due, acknowledged (as a host's delivery worker does)."""
    out = kit.outbox_pending(100)
    for mail in out:
        kit.outbox_ack(mail.id)
    return out


# --- Approvals ------------------------------------------------------------------


def test_a_members_invitation_awaits_approval_then_goes_out_when_approved(approvals: World) -> None:
    kit, org, alice = approvals.kit, approvals.org, approvals.alice
    mia = kit.add_member(org.id, "mia@acme.com", "Mia Member", "member")
    draft = kit.draft_invitation(mia.id, "bob@acme.com", message="Join us")
    assert draft.needs_approval is True
    assert "needs_approval=True" in repr(draft) and "ikinv_" not in repr(draft)
    assert kit.draft_invitation(alice.id, "cy@acme.com").needs_approval is False

    inv = kit.send_invitation(draft)
    assert inv.status == "awaiting_approval"
    with pytest.raises(ik.InvitationNotPending) as e:
        kit.peek_invitation(draft.link)
    assert e.value.status == "awaiting_approval" and e.value.code == "invitation_not_pending"
    with pytest.raises(ik.InvitationNotPending) as e:
        kit.accept_invitation(draft.link, "bob@acme.com", "Bob Jones")
    assert e.value.status == "awaiting_approval"
    assert [i.id for i in kit.list_invitations(alice.id, status="awaiting_approval")] == [inv.id]

    # The managers are asked; the invitee hears nothing yet.
    mail = drain(kit)
    assert [(m.kind, m.to, m.invitation_id) for m in mail] == [("approval_requested", "alice@acme.com", inv.id)]
    assert "bob@acme.com" in mail[0].text

    # Nobody decides their own invitation; a role that does not manage the organization decides none.
    with pytest.raises(ik.PermissionDenied):
        kit.approve_invitation(mia.id, inv.id)
    rita = kit.add_member(org.id, "rita@acme.com", "Rita Recruiter", "recruiter")
    with pytest.raises(ik.PermissionDenied):
        kit.approve_invitation(rita.id, inv.id)

    approved = kit.approve_invitation(alice.id, inv.id)
    assert approved.status == "pending" and approved.id == inv.id
    with pytest.raises(ik.InvitationNotPending) as e:
        kit.approve_invitation(alice.id, inv.id)
    assert e.value.status == "pending"
    [invitation_email] = drain(kit)
    assert (invitation_email.kind, invitation_email.to) == ("invitation", "bob@acme.com")
    match = LINK.search(invitation_email.text)
    assert match is not None
    bob = kit.accept_invitation(match.group(0), "bob@acme.com", "Bob Jones").member
    assert bob.role == "member"
    kinds = [e.kind for e in kit.events(alice.id)]
    assert kinds.index("invitation_sent") < kinds.index("invitation_approved") < kinds.index("invitation_accepted")


def test_a_denied_invitation_ends_and_its_inviter_is_told_why(approvals: World) -> None:
    kit, org, alice = approvals.kit, approvals.org, approvals.alice
    mia = kit.add_member(org.id, "mia@acme.com", "Mia Member", "member")
    draft = kit.draft_invitation(mia.id, "bob@acme.com")
    inv = kit.send_invitation(draft)
    drain(kit)
    with pytest.raises(ik.PermissionDenied):
        kit.deny_invitation(mia.id, inv.id)
    denied = kit.deny_invitation(alice.id, inv.id, reason="We are not hiring right now")
    assert denied.status == "denied"
    [mail] = drain(kit)
    assert (mail.kind, mail.to) == ("invitation_denied", "mia@acme.com")
    assert "We are not hiring right now" in mail.text
    with pytest.raises(ik.InvitationNotPending) as e:
        kit.deny_invitation(alice.id, inv.id)
    assert e.value.status == "denied"
    with pytest.raises(ik.InvitationNotPending):
        kit.accept_invitation(draft.link, "bob@acme.com", "Bob Jones")
    with pytest.raises(ik.InvalidInput):
        kit.deny_invitation(alice.id, kit.send_invitation(kit.draft_invitation(mia.id, "cy@acme.com")).id, reason="x" * 1001)
    with pytest.raises(ik.NotFound):
        kit.approve_invitation(alice.id, "00000000-0000-7000-8000-000000000000")


# --- Verified domains -------------------------------------------------------------


def test_a_domain_is_verified_by_its_dns_challenge(world: World) -> None:
    kit, org, alice = world.kit, world.org, world.alice
    record = kit.start_domain_verification(alice.id, org.id, "Acme.com")
    assert isinstance(record, ik.DomainVerification)
    assert (record.org_id, record.domain, record.record_name) == (org.id, "acme.com", "_invitekit-challenge.acme.com")
    assert record.record_value.startswith("invitekit-verification=")
    assert record.verified_at is None and record.created_at == kit.now()
    assert kit.start_domain_verification(alice.id, org.id, "acme.com") == record  # asked again: the same record
    assert kit.list_domains(alice.id, org.id) == [record]

    with pytest.raises(ik.PermissionDenied):
        kit.verify_domain(alice.id, org.id, "acme.com", ["invitekit-verification=not-it", "v=spf1 -all"])
    with pytest.raises(ik.PermissionDenied):
        kit.verify_domain(alice.id, org.id, "acme.com", [])
    assert kit.list_domains(alice.id, org.id)[0].verified_at is None  # nothing changed
    with pytest.raises(ik.NotFound):
        kit.verify_domain(alice.id, org.id, "other.com", [record.record_value])

    world.clock.advance(60)
    verified = kit.verify_domain(alice.id, org.id, "acme.com", ["v=spf1 -all", f'"{record.record_value}"'])
    assert verified.verified_at == kit.now() and verified.record_value == record.record_value
    assert kit.list_domains(alice.id, org.id) == [verified]
    assert [e.kind for e in kit.events(alice.id)][-2:] == ["domain_verification_started", "domain_verified"]
    assert "DomainVerification(" in repr(verified) and "acme.com" in repr(verified)


def test_free_mail_domains_and_non_managers_are_refused(world: World) -> None:
    kit, org, alice = world.kit, world.org, world.alice
    for free in ("gmail.com", "mail.yahoo.com", "Outlook.com"):
        with pytest.raises(ik.InvalidInput):
            kit.start_domain_verification(alice.id, org.id, free)
    with pytest.raises(ik.InvalidInput):
        kit.set_organization_settings(alice.id, org.id, auto_join_domains=["gmail.com"])
    rita = kit.add_member(org.id, "rita@acme.com", "Rita Recruiter", "recruiter")
    with pytest.raises(ik.PermissionDenied):
        kit.start_domain_verification(rita.id, org.id, "acme.com")
    with pytest.raises(ik.PermissionDenied):
        kit.list_domains(rita.id, org.id)
    record = kit.start_domain_verification(alice.id, org.id, "acme.com")
    with pytest.raises(ik.PermissionDenied):
        kit.verify_domain(rita.id, org.id, "acme.com", [record.record_value])
    # Another organization's challenge proves nothing here.
    beta = kit.create_organization("Beta", "beta", "https://beta.example.com")
    bea = kit.add_member(beta.id, "bea@beta.com", "Bea", "full")
    theirs = kit.start_domain_verification(bea.id, beta.id, "acme.com")
    with pytest.raises(ik.PermissionDenied):
        kit.verify_domain(alice.id, org.id, "acme.com", [theirs.record_value])


# --- Joining by domain --------------------------------------------------------------


def test_joining_by_domain_automatically_needs_a_verified_domain(world: World) -> None:
    kit, org, alice = world.kit, world.org, world.alice
    kit.set_organization_settings(alice.id, org.id, auto_join_domains=["acme.com"], domain_join="automatic")
    with pytest.raises(ik.DomainNotAllowed) as e:
        kit.join_by_domain(org.id, "ivan@acme.com", "Ivan")
    assert e.value.domain == "acme.com"
    verify_domain(world, mode="automatic")
    joined = kit.join_by_domain(org.id, "ivan@acme.com", "Ivan Ivanov")
    assert isinstance(joined, ik.JoinResult)
    assert joined.kind == "joined" and joined.request is None
    assert joined.member is not None and (joined.member.email, joined.member.role) == ("ivan@acme.com", "member")
    with pytest.raises(ik.AlreadyMember):
        kit.join_by_domain(org.id, "ivan@acme.com", "Ivan Ivanov")
    with pytest.raises(ik.DomainNotAllowed):
        kit.join_by_domain(org.id, "eve@evil.com", "Eve")
    kit.set_organization_settings(alice.id, org.id, domain_join="off")
    with pytest.raises(ik.DomainNotAllowed):
        kit.join_by_domain(org.id, "jo@acme.com", "Jo")


def test_in_request_mode_a_manager_approves_or_denies(world: World) -> None:
    kit, org, alice = world.kit, world.org, world.alice
    verify_domain(world, mode="request")
    assert kit.get_organization(org.id).settings["domain_join"] == "request"
    asked = kit.join_by_domain(org.id, "ivan@acme.com", "Ivan Ivanov")
    assert asked.kind == "requested" and asked.member is None and asked.request is not None
    req = asked.request
    assert (req.email, req.name, req.role, req.status) == ("ivan@acme.com", "Ivan Ivanov", "member", "pending")
    assert req.decided_by is None and req.decided_at is None and req.reason is None
    assert kit.join_by_domain(org.id, "ivan@acme.com", "Ivan Ivanov").request == req  # asked again: the same request
    [mail] = drain(kit)
    assert (mail.kind, mail.to) == ("join_requested", "alice@acme.com")
    assert [m.email for m in kit.list_members(org.id)] == ["alice@acme.com"]

    world.clock.advance(1)  # newest first
    other = kit.join_by_domain(org.id, "jo@acme.com", "Jo Jones").request
    assert other is not None
    assert [r.email for r in kit.list_join_requests(alice.id, status="pending")] == ["jo@acme.com", "ivan@acme.com"]
    rita = kit.add_member(org.id, "rita@acme.com", "Rita Recruiter", "recruiter")
    with pytest.raises(ik.PermissionDenied):
        kit.list_join_requests(rita.id)
    with pytest.raises(ik.PermissionDenied):
        kit.approve_join_request(rita.id, req.id)

    ivan = kit.approve_join_request(alice.id, req.id)
    assert (ivan.email, ivan.name, ivan.role, ivan.status) == ("ivan@acme.com", "Ivan Ivanov", "member", "active")
    with pytest.raises(ik.Conflict):
        kit.approve_join_request(alice.id, req.id)
    denied = kit.deny_join_request(alice.id, other.id, reason="Contractors use the partner portal")
    assert (denied.status, denied.decided_by, denied.reason) == ("denied", alice.id, "Contractors use the partner portal")
    assert denied.decided_at == kit.now()
    with pytest.raises(ik.Conflict):
        kit.deny_join_request(alice.id, other.id)
    assert sorted((m.kind, m.to) for m in drain(kit)) == [
        ("join_approved", "ivan@acme.com"), ("join_denied", "jo@acme.com"), ("join_requested", "alice@acme.com"),
    ]
    assert [r.status for r in kit.list_join_requests(alice.id)] == ["denied", "approved"]
    assert [r.email for r in kit.list_join_requests(alice.id, status="approved")] == ["ivan@acme.com"]
    assert kit.list_join_requests(alice.id, status="pending") == []
    with pytest.raises(ik.NotFound):
        kit.approve_join_request(alice.id, "00000000-0000-7000-8000-000000000000")


# --- Wrong arguments ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda k, w: k.verify_domain(w.alice.id, w.org.id, "acme.com", "invitekit-verification=x"),
        lambda k, w: k.verify_domain(w.alice.id, w.org.id, "acme.com", b"invitekit-verification=x"),
        lambda k, w: k.verify_domain(w.alice.id, w.org.id, "acme.com", [1]),
        lambda k, w: k.verify_domain(w.alice.id, w.org.id, "acme.com", None),
        lambda k, w: k.verify_domain(w.alice.id, w.org.id, 7, ["x"]),
        lambda k, w: k.start_domain_verification(w.alice.id, w.org.id, None),
        lambda k, w: k.list_domains(w.alice.id, 5),
        lambda k, w: k.deny_invitation(w.alice.id, "00000000-0000-7000-8000-000000000000", reason=5),
        lambda k, w: k.approve_invitation(w.alice.id, None),
        lambda k, w: k.list_join_requests(w.alice.id, status=1),
        lambda k, w: k.approve_join_request(w.alice.id, 5),
        lambda k, w: k.deny_join_request(w.alice.id, "00000000-0000-7000-8000-000000000000", reason=["no"]),
        lambda k, w: k.join_by_domain(w.org.id, None, "Ivan"),
    ],
)
def test_a_wrong_type_is_a_type_error_and_invalid_input(world: World, call: Any) -> None:
    with pytest.raises(TypeError) as err:
        call(world.kit, world)
    assert isinstance(err.value, ik.InvalidInput) and err.value.code == "invalid_input", repr(err.value)


def test_bad_values_are_invalid_input(world: World) -> None:
    kit, org, alice = world.kit, world.org, world.alice
    for bad in ("sometimes", "Automatic", "", True, 1):
        with pytest.raises(ik.InvalidInput):
            kit.set_organization_settings(alice.id, org.id, domain_join=bad)
    assert kit.get_organization(org.id).settings["domain_join"] == "off"
    for status in ("Pending", "accepted", ""):
        with pytest.raises(ik.InvalidInput):
            kit.list_join_requests(alice.id, status=status)
    with pytest.raises(ik.InvalidInput):
        kit.approve_join_request(alice.id, "not-an-id")
    with pytest.raises(ik.InvalidInput):
        kit.verify_domain(alice.id, org.id, "acme.com", ["x"] * 65)
    with pytest.raises(ik.InvalidInput):
        kit.verify_domain(alice.id, org.id, "acme.com", ["x" * 4097])
    with pytest.raises(ik.InvalidInput):
        kit.start_domain_verification(alice.id, org.id, "acme\ud800.com")
    with pytest.raises(TypeError):
        kit.deny_invitation(alice.id, "00000000-0000-7000-8000-000000000000", reson="typo")  # type: ignore[call-arg]


async def _aio_flow() -> None:
    from invitekit import aio

    clock = ik.ManualClock()
    kit = aio.InviteKit.in_memory(policy=approvals_policy(), clock=clock)
    org = await kit.create_organization("Acme Corp", "acme", "https://acme.example.com", allowed_domains=["acme.com"])
    alice = await kit.add_member(org.id, "alice@acme.com", "Alice", "full")
    mia = await kit.add_member(org.id, "mia@acme.com", "Mia", "member")
    inv = await kit.send_invitation(await kit.draft_invitation(mia.id, "bob@acme.com"))
    assert (await kit.approve_invitation(alice.id, inv.id)).status == "pending"
    record = await kit.start_domain_verification(alice.id, org.id, "acme.com")
    assert (await kit.verify_domain(alice.id, org.id, "acme.com", [record.record_value])).verified_at is not None
    await kit.set_organization_settings(alice.id, org.id, auto_join_domains=["acme.com"], domain_join="request")
    asked = await kit.join_by_domain(org.id, "ivan@acme.com", "Ivan")
    assert asked.request is not None
    assert (await kit.deny_join_request(alice.id, asked.request.id)).status == "denied"


def test_the_new_operations_are_awaitable_in_aio() -> None:
    import asyncio

    asyncio.run(_aio_flow())


def test_a_policy_marks_roles_whose_invitations_need_approval() -> None:
    policy = ik.Policy.default().with_invites_needing_approval(["member"])
    assert policy == approvals_policy()
    assert ik.Policy.from_json(policy.to_json()) == policy
    assert ik.Policy.default().with_invites_needing_approval([]) == ik.Policy.default()
    with pytest.raises(ik.InvalidInput):
        ik.Policy.default().with_invites_needing_approval(["nobody"])
    # A recruiter needing approval could invite a member who does not.
    with pytest.raises(ik.InvalidInput, match="approval"):
        ik.Policy.default().with_invites_needing_approval(["recruiter"])
    with pytest.raises(TypeError):
        ik.Policy.default().with_invites_needing_approval("member")  # type: ignore[arg-type]
