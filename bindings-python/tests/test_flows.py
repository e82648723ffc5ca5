"""The two flows (inviting a coworker, docs/rules.md#invitations; bringing one into a
conversation, docs/rules.md#threads) and the rest of the operations, from Python."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest

import invitekit as ik
from conftest import World, invite_and_accept

UTC = dt.timezone.utc


def test_flow_one_invite_a_coworker_to_the_company(world: World) -> None:
    kit, alice, design = world.kit, world.alice, world.design
    draft = kit.draft_invitation(alice.id, "bob@acme.com", message="Welcome!", team=design.id)
    assert draft.link.startswith("https://acme.example.com/portal/join/ikinv_")
    assert (draft.email, draft.role, draft.team_ids, draft.message) == ("bob@acme.com", "member", [design.id], "Welcome!")
    assert draft.expires_at == dt.datetime(2026, 1, 8, tzinfo=UTC)

    email = draft.preview()
    assert email.to == "bob@acme.com"
    assert "Alice Smith" in email.subject and "Acme Corp" in email.subject
    assert draft.link in email.text and "Welcome!" in email.text and "Design" in email.html
    assert kit.outbox_pending(10) == []  # nothing stored by a draft

    inv = kit.send_invitation(draft)
    assert (inv.status, inv.email, inv.role, inv.team_ids, inv.inviter_id) == (
        "pending", "bob@acme.com", "member", [design.id], alice.id
    )
    assert inv.id == draft.invitation_id and inv.org_id == world.org.id
    assert inv.expires_at == draft.expires_at and inv.sent_count == 1 and inv.delivered

    outbox = kit.outbox_pending(10)
    assert [(o.kind, o.to, o.subject, o.text, o.html) for o in outbox] == [
        ("invitation", email.to, email.subject, email.text, email.html)
    ]
    for out in outbox:
        kit.outbox_ack(out.id)
    assert kit.outbox_pending(10) == []

    peek = kit.peek_invitation(draft.link)
    assert (peek.organization_name, peek.inviter_name, peek.team_names, peek.email) == (
        "Acme Corp", "Alice Smith", ["Design"], "bob@acme.com"
    )
    assert kit.invitations_for_email("BOB@acme.com") == [inv]

    world.clock.advance(3600)
    acceptance = kit.accept_invitation(draft.link, email="bob@acme.com", name="Bob Jones")
    bob = acceptance.member
    assert (bob.role, bob.team_ids, bob.name, bob.status) == ("member", [design.id], "Bob Jones", "active")
    assert acceptance.invitation.status == "accepted" and acceptance.dropped_grants == []
    assert bob.joined_at == dt.datetime(2026, 1, 1, 1, 0, tzinfo=UTC)

    with pytest.raises(ik.InvitationNotPending) as err:
        kit.accept_invitation(draft.link, email="bob@acme.com", name="Bob Jones")
    assert err.value.code == "invitation_not_pending" and err.value.status == "accepted"

    kinds = [e.kind for e in kit.events(alice.id)]
    assert kinds[-3:] == ["invitation_sent", "invitation_accepted", "member_added"]


def test_flow_two_bring_a_coworker_into_a_conversation(world: World) -> None:
    kit, alice = world.kit, world.alice
    # Bob is a `recruiter`: the flow makes him an `interviewer`, which
    # a `member` cannot hold (thread ceiling read, write: rule R4c).
    bob = invite_and_accept(world, "bob@acme.com", "Bob Jones", role="recruiter")
    thread = kit.start_thread(alice.id, freelancer_id="fl-42", freelancer_name="José Pérez", title="Logo redesign")
    assert (thread.freelancer_id, thread.freelancer_name, thread.title, thread.created_by) == (
        "fl-42", "José Pérez", "Logo redesign", alice.id
    )
    msg = kit.post_message(alice.id, thread.id, "Could you share your portfolio?")
    assert (msg.author_id, msg.thread_id, msg.body) == (alice.id, thread.id, "Could you share your portfolio?")
    reply = kit.post_freelancer_message(thread.id, "Sure")
    assert reply.author_id is None

    assert [t.id for t in kit.search_threads(alice.id, "jose")] == [thread.id]
    assert [t.id for t in kit.search_threads(alice.id, "portfolio")] == [thread.id]
    assert kit.search_threads(bob.id, "jose") == []  # R9: Bob is not in it yet
    assert [c.name for c in kit.find_coworkers(alice.id, "bo")] == ["Bob Jones"]
    assert kit.permission_options(alice.id, thread.id) == ["viewer", "participant", "interviewer", "hiring", "full"]

    p = kit.add_to_thread(alice.id, thread.id, bob.id, preset="interviewer")
    assert (p.member_id, p.name, p.permissions) == (bob.id, "Bob Jones", ["interview", "read", "write"])
    people = kit.people(alice.id, thread.id)
    assert (people.freelancer_id, people.freelancer_name) == ("fl-42", "José Pérez")
    assert [(q.member_id, sorted(q.permissions)) for q in people.participants] == [
        (alice.id, ["hire", "interview", "manage_people", "read", "write"]),
        (bob.id, ["interview", "read", "write"]),
    ]
    assert kit.permission_options(bob.id, thread.id) == []  # Bob lacks manage_people here

    r = kit.invite_to_thread(alice.id, thread.id, "carol@acme.com", preset="viewer", message="Join us")
    assert r.kind == "invited" and r.participant is None and r.invitation is not None
    assert [g.thread_id for g in r.invitation.thread_grants] == [thread.id]
    assert r.invitation.thread_grants[0].permissions == ["read"]  # the viewer preset
    [out] = kit.outbox_pending(10)
    assert out.kind == "thread_invitation" and "José Pérez" in out.subject
    link = next(line.strip() for line in out.text.splitlines() if "/join/" in line)
    kit.outbox_ack(out.id)
    carol = kit.accept_invitation(link, email="carol@acme.com", name="Carol Diaz").member
    assert [q.permissions for q in kit.people(alice.id, thread.id).participants if q.member_id == carol.id] == [["read"]]

    # An existing member is added at once.
    dave = invite_and_accept(world, "dave@acme.com", "Dave Lee")
    r2 = kit.invite_to_thread(alice.id, thread.id, "dave@acme.com", permissions=["read", "write"])
    assert r2.kind == "added" and r2.invitation is None
    assert r2.participant is not None and r2.participant.member_id == dave.id

    changed = kit.change_permissions(alice.id, thread.id, dave.id, preset="viewer")
    assert changed.permissions == ["read"]
    kit.remove_from_thread(alice.id, thread.id, dave.id)
    with pytest.raises(ik.NotFound):
        kit.people(dave.id, thread.id)  # R7b, R9
    kit.leave_thread(carol.id, thread.id)
    with pytest.raises(ik.Conflict):
        kit.leave_thread(alice.id, thread.id)  # the last holder of manage_people
    assert [q.name for q in kit.people(alice.id, thread.id).participants] == ["Alice Smith", "Bob Jones"]


def test_links_without_email_decline_revoke_resend_and_lists(world: World) -> None:
    kit, alice = world.kit, world.alice
    draft = kit.draft_invitation(alice.id, "erin@acme.com")
    inv = kit.send_invitation(draft, deliver=False)
    assert not inv.delivered and kit.outbox_pending(10) == []
    declined = kit.decline_invitation(draft.link, "erin@acme.com")
    assert declined.status == "declined"

    d2 = kit.draft_invitation(alice.id, "frank@acme.com")
    inv2 = kit.send_invitation(d2)
    world.clock.advance(120)  # past the resend cooldown
    resent = kit.resend_invitation(alice.id, inv2.id)
    assert resent.link != d2.link and resent.invitation.sent_count == 2
    with pytest.raises(ik.InvalidToken):
        kit.peek_invitation(d2.link)  # the old link stopped working
    assert kit.peek_invitation(resent.link).email == "frank@acme.com"
    revoked = kit.revoke_invitation(alice.id, inv2.id)
    assert revoked.status == "revoked"

    assert {i.status for i in kit.list_invitations(alice.id)} == {"declined", "revoked"}
    assert [i.email for i in kit.list_invitations(alice.id, status="revoked")] == ["frank@acme.com"]
    assert kit.list_invitations(alice.id, status="pending") == []


def test_invite_many_gives_one_result_per_address(world: World) -> None:
    kit, alice = world.kit, world.alice
    results = kit.invite_many(alice.id, ["g@acme.com", "not an email", "alice@acme.com", "h@other.org"], message="Hi")
    assert [(r.email, r.error) for r in results] == [
        ("g@acme.com", None),
        ("not an email", "invalid_email"),
        ("alice@acme.com", "already_member"),
        ("h@other.org", "domain_not_allowed"),
    ]
    assert results[0].invitation is not None and results[0].invitation.message == "Hi"
    assert results[1].invitation is None and results[1].error_message


def test_join_by_domain_settings_and_members(world: World) -> None:
    kit, alice, org = world.kit, world.alice, world.org
    with pytest.raises(ik.DomainNotAllowed):
        kit.join_by_domain(org.id, "ivan@acme.com", "Ivan")  # off unless set
    updated = kit.set_organization_settings(
        alice.id, org.id, auto_join_domains=["acme.com"], domain_join="automatic", resend_cooldown_secs=120,
        allow_subdomains=True,
    )
    assert updated.settings["auto_join_domains"] == ["acme.com"] and updated.settings["domain_join"] == "automatic"
    assert updated.settings["resend_cooldown_secs"] == 120 and updated.settings["allow_subdomains"] is True
    assert kit.get_organization(org.id) == updated
    with pytest.raises(ik.DomainNotAllowed):
        kit.join_by_domain(org.id, "ivan@acme.com", "Ivan")  # the domain is not verified yet
    record = kit.start_domain_verification(alice.id, org.id, "acme.com")
    kit.verify_domain(alice.id, org.id, "acme.com", [record.record_value])
    joined = kit.join_by_domain(org.id, "ivan@acme.com", "Ivan")
    assert joined.kind == "joined" and joined.request is None and joined.member is not None
    ivan = joined.member
    assert ivan.role == "member"
    assert kit.get_member(ivan.id) == ivan
    assert {m.email for m in kit.list_members(org.id)} == {"alice@acme.com", "ivan@acme.com"}

    promoted = kit.set_role(alice.id, ivan.id, "recruiter")
    assert promoted.role == "recruiter"
    gone = kit.deactivate_member(alice.id, ivan.id)
    assert gone.status == "deactivated"
    assert [e.kind for e in kit.events(alice.id)][-6:] == [
        "settings_changed", "domain_verification_started", "domain_verified", "member_joined_by_domain",
        "member_role_changed", "member_deactivated",
    ]


def test_outbox_fail_retries_later(world: World) -> None:
    kit = world.kit
    kit.send_invitation(kit.draft_invitation(world.alice.id, "jo@acme.com"))
    [out] = kit.outbox_pending(10)
    kit.outbox_fail(out.id, "smtp timeout")
    assert kit.outbox_pending(10) == []  # backing off
    world.clock.advance(3600)
    [again] = kit.outbox_pending(10)
    # Each hand-out is an attempt; the failure did not count the first one twice.
    assert again.id == out.id and again.attempts == 2 and again.last_error == "smtp timeout"


def test_outbox_an_email_never_acknowledged_is_dead_after_five_hand_outs(world: World) -> None:
    kit = world.kit
    kit.send_invitation(kit.draft_invitation(world.alice.id, "jo@acme.com"))
    handed_out = []
    for _ in range(50):  # a worker that crashes on this email: every lease runs out
        handed_out += kit.outbox_pending(10)
        world.clock.advance(301)
    assert [out.attempts for out in handed_out] == [1, 2, 3, 4, 5]
    assert len({out.id for out in handed_out}) == 1
    assert kit.outbox_pending(10) == []
    with pytest.raises(ik.Conflict):  # dead: it can no longer be acknowledged
        kit.outbox_ack(handed_out[0].id)


def test_outbox_ack_within_the_last_lease_still_sends(world: World) -> None:
    kit = world.kit
    kit.send_invitation(kit.draft_invitation(world.alice.id, "jo@acme.com"))
    for n in range(1, 6):
        [out] = kit.outbox_pending(10)
        assert out.attempts == n
        if n < 5:
            world.clock.advance(301)
    kit.outbox_ack(out.id)
    world.clock.advance(86400)
    assert kit.outbox_pending(10) == []


def test_events_page_and_details(world: World) -> None:
    kit, alice = world.kit, world.alice
    events = kit.events(alice.id)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].kind == "organization_created" and events[0].org_id == world.org.id
    assert isinstance(events[0].details, dict)
    assert [e.seq for e in kit.events(alice.id, after_seq=1, limit=1)] == [2]
    assert events[1].at.tzinfo is not None


def test_custom_email_templates(world: World) -> None:
    kit = world.kit
    kit.set_email_template(
        world.org.id, "invitation", subject="Join {{ organization_name }}", text="{{ link }}", html="<a>{{ link }}</a>"
    )
    draft = kit.draft_invitation(world.alice.id, "kim@acme.com")
    assert draft.preview().subject == "Join Acme Corp"
    assert draft.preview().text.strip() == draft.link
    with pytest.raises(ik.InvalidInput):
        kit.set_email_template(world.org.id, "invitation", subject="{{ nope", text="x", html="x")
    with pytest.raises(ik.InvalidInput):
        kit.set_email_template(world.org.id, "newsletter", subject="x", text="x", html="x")


def test_search_threads_pages_with_next_cursor(world: World) -> None:
    kit, alice = world.kit, world.alice
    ids = []
    for i in range(5):
        ids.append(kit.start_thread(alice.id, f"fl-{i}", "Pat Doe", f"Project {i}").id)
        world.clock.advance(1)
    page = kit.search_threads(alice.id, "project", limit=2)
    assert isinstance(page, list) and isinstance(page, ik.ThreadPage)
    seen = [t.id for t in page]
    while page.next_cursor is not None:
        page = kit.search_threads(alice.id, "project", limit=2, cursor=page.next_cursor)
        seen += [t.id for t in page]
    assert seen == list(reversed(ids))  # newest activity first
    last = kit.search_threads(alice.id, "", limit=100)
    assert len(last) == 5 and last.next_cursor is None
    assert "next_cursor=None" in repr(last)


def test_custom_policy_from_json(clock: ik.ManualClock) -> None:
    policy = ik.Policy.from_json(ik.Policy.default().to_json())
    assert policy == ik.Policy.default()
    assert policy.roles == ["full", "hiring_manager", "recruiter", "member"]
    assert policy.presets == ["viewer", "participant", "interviewer", "hiring", "full"]
    assert policy.default_role == "member"
    small = ik.Policy.from_json(
        """{
          "presets": [{"name": "look", "permissions": ["read"]},
                      {"name": "all", "permissions": ["read", "write", "manage_people"]}],
          "roles": [{"name": "owner", "may_invite": true, "may_assign_team": true,
                     "manages_organization": true, "invitable_roles": "*",
                     "thread_ceiling": ["read", "write", "manage_people"],
                     "grantable_presets": ["look", "all"]}],
          "default_role": "owner"
        }"""
    )
    kit = ik.InviteKit.in_memory(policy=small, clock=clock)
    assert kit.policy == small
    org = kit.create_organization("Tiny", "tiny", "https://tiny.example.com")
    owner = kit.add_member(org.id, "o@tiny.example.com", "Owner", "owner")
    thread = kit.start_thread(owner.id, "fl", "Free Lancer", "Work")
    assert kit.permission_options(owner.id, thread.id) == ["look", "all"]
    with pytest.raises(ik.InvalidInput):
        kit.add_member(org.id, "x@tiny.example.com", "X", "full")  # not a role of this policy
    with pytest.raises(ik.InvalidInput):
        ik.Policy.from_json('{"presets": [], "roles": [], "default_role": "x"}')
    with pytest.raises(ik.InvalidInput):
        ik.Policy.from_json("not json")


def test_manual_clock_is_shared_with_the_core(world: World) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert world.clock.now() == start == world.kit.now()
    world.clock.advance(90.5)
    assert world.kit.now() == start + dt.timedelta(seconds=90.5)
    world.clock.set(dt.datetime(2027, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert world.kit.now() == dt.datetime(2027, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert ik.ManualClock(dt.datetime(2030, 1, 1, tzinfo=UTC)).now().year == 2030
    with pytest.raises(TypeError):
        ik.ManualClock(dt.datetime(2030, 1, 1))  # naive: ambiguous
    # Expiry follows the shared clock.
    draft = world.kit.draft_invitation(world.alice.id, "late@acme.com")
    world.kit.send_invitation(draft)
    world.clock.advance(8 * 24 * 3600)
    assert world.kit.list_invitations(world.alice.id)[0].status == "expired"


def test_the_real_clock_is_the_default() -> None:
    kit = ik.InviteKit.in_memory()
    now = dt.datetime.now(UTC)
    assert abs((kit.now() - now).total_seconds()) < 60


def test_close_and_the_context_manager_release_the_store(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "acme.db"
    with ik.InviteKit.open(f"sqlite:{path}") as kit:
        org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", allowed_domains=["acme.com"])
        alice = kit.add_member(org.id, "alice@acme.com", "Alice", "full")
    # Closed at the end of the block: every call is refused, with the same code as Node's.
    with pytest.raises(ik.InvalidInput, match="closed"):
        kit.get_member(alice.id)
    with pytest.raises(ik.InvalidInput, match="closed"):
        kit.policy
    assert repr(kit) == "InviteKit(closed)"
    kit.close()  # twice is harmless
    # The file was released: SQLite removes the WAL when its last connection
    # closes, which an open kit would hold.
    assert not pathlib.Path(f"{path}-wal").exists()
    # Another kit opens it and sees the data.
    again = ik.InviteKit.open(f"sqlite:{path}")
    assert again.get_member(alice.id).email == "alice@acme.com"
    again.close()
    # An exception inside the block still closes the kit, and is not swallowed.
    with pytest.raises(RuntimeError):
        with ik.InviteKit.in_memory() as third:
            raise RuntimeError("boom")
    with pytest.raises(ik.InvalidInput):
        third.now()
