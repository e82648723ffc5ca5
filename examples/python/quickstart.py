"""The help article's two flows, end to end, from Python.

1. Alice invites her coworker Bob to the company: draft, copy the link, preview
   the email, send; Bob accepts with the address the host has verified, and the
   host sends him on to the redirect URL the invitation carries.
2. Alice starts a conversation with a freelancer and brings coworkers into it,
   choosing their permissions from the options her role gives her.
3. Carol, a `member`, invites a coworker: under this policy a member's
   invitations wait for a manager's approval, which Alice gives.

Run it after installing the package (see bindings-python/README.md):

    python examples/python/quickstart.py
"""

from __future__ import annotations


import invitekit as ik


def deliver(to: str, subject: str, text: str, html: str) -> None:
    """Stands in for the host's mailer."""
    print(f"  (mailer) -> {to}: {subject!r}, {len(text)} chars of text, {len(html)} of HTML")


def rule(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 70 - len(title)))


def approvals_policy() -> ik.Policy:
    """The default policy, but a `member`'s invitations wait for a manager's approval."""
    return ik.Policy.default().with_invites_needing_approval(["member"])


def main() -> None:
    clock = ik.ManualClock()  # optional; real time by default
    # or ik.InviteKit.open("sqlite:acme.db", policy=...)
    kit = ik.InviteKit.in_memory(policy=approvals_policy(), clock=clock)
    org = kit.create_organization(
        name="Acme Corp",
        slug="acme",
        portal_url="https://acme.example.com/portal",
        allowed_domains=["acme.com"],
    )
    alice = kit.add_member(org.id, email="alice@acme.com", name="Alice Smith", role="full")
    design = kit.create_team(org.id, name="Design")
    print(f"{org.name} ({org.portal_url}): {alice.name} is signed in with role {alice.role!r}")
    # Where invitees may be sent after accepting: the host's app, nowhere else.
    kit.set_organization_settings(alice.id, org.id, redirect_origins=["https://app.acme.example.com"])

    rule("1. Invite a coworker")
    # Bob is invited as a `recruiter` (not the default `member`): a member's thread
    # ceiling is (read, write), so the core would refuse to make him an
    # `interviewer` in the conversation below (rule R4c, docs/rules.md#r4c).
    draft = kit.draft_invitation(
        alice.id, "bob@acme.com", message="Welcome aboard, Bob!", team=design.id, role="recruiter",
        redirect_url="https://app.acme.example.com/onboarding",
    )
    print("Join link (copy it if you like):", draft.link)
    assert draft.link.startswith("https://acme.example.com/portal/join/ikinv_")
    assert "ikinv_" not in repr(draft)  # the link is a secret: never in a repr

    rule("2. Preview")
    email = draft.preview()
    print("To:     ", email.to)
    print("Subject:", email.subject)
    print(email.text)
    assert "Design" in email.html and "Welcome aboard, Bob!" in email.text

    rule("3. Send")
    inv = kit.send_invitation(draft)
    print(f"Invitation {inv.id} is {inv.status} until {inv.expires_at:%Y-%m-%d %H:%M %Z}")
    assert inv.status == "pending"
    for out in kit.outbox_pending(10):
        deliver(out.to, out.subject, out.text, out.html)
        kit.outbox_ack(out.id)

    rule("4. Bob opens the link")
    peek = kit.peek_invitation(draft.link)
    print(f"Landing page: {peek.inviter_name} invited {peek.email} to {peek.organization_name} (team {', '.join(peek.team_names)})")
    print(f"After accepting, Bob goes to {peek.redirect_url}")
    assert peek.redirect_url == "https://app.acme.example.com/onboarding"
    clock.advance(3600)
    # `email` is the address the host has verified for Bob (never one he merely typed).
    acceptance = kit.accept_invitation(draft.link, email="bob@acme.com", name="Bob Jones")
    bob = acceptance.member
    print(f"Bob joined as {bob.role!r}, in teams {bob.team_ids}; redirecting him to {acceptance.redirect_url}")
    assert bob.role == "recruiter" and bob.team_ids == [design.id]
    assert acceptance.redirect_url == "https://app.acme.example.com/onboarding"
    try:
        kit.accept_invitation(draft.link, email="bob@acme.com", name="Bob Jones")
        raise AssertionError("a link worked twice")
    except ik.InvitationNotPending as e:
        print(f"Opening the same link again: {e} ({e.code})")
        assert e.code == "invitation_not_pending"

    rule("5. Invite a coworker to join a message")
    thread = kit.start_thread(alice.id, freelancer_id="fl-42", freelancer_name="José Pérez", title="Logo redesign")
    kit.post_message(alice.id, thread.id, "Could you share your portfolio?")
    kit.post_freelancer_message(thread.id, "Sure, here it is.")
    found = kit.search_threads(alice.id, "jose")
    print("Search 'jose':", [t.title for t in found])
    assert [t.id for t in found] == [thread.id]
    coworkers = kit.find_coworkers(alice.id, "bo")
    print("Add a coworker, typing 'bo':", [c.name for c in coworkers])
    assert [c.name for c in coworkers] == ["Bob Jones"]
    options = kit.permission_options(alice.id, thread.id)
    print("Alice's options:", options)
    assert options == ["viewer", "participant", "interviewer", "hiring", "full"]
    kit.add_to_thread(alice.id, thread.id, bob.id, preset="interviewer")
    print("Bob's options:  ", kit.permission_options(bob.id, thread.id))
    people = [(p.name, sorted(p.permissions)) for p in kit.people(alice.id, thread.id).participants]
    print("People:", people)
    assert ("Bob Jones", ["interview", "read", "write"]) in people

    r = kit.invite_to_thread(alice.id, thread.id, "carol@acme.com", preset="viewer")
    print(f"Carol is not a member yet: she was {r.kind} by email")
    assert r.kind == "invited" and r.invitation is not None and r.participant is None
    carol_link = None
    for out in kit.outbox_pending(10):
        deliver(out.to, out.subject, out.text, out.html)
        carol_link = next(line.strip() for line in out.text.splitlines() if "/join/" in line)
        kit.outbox_ack(out.id)
    assert carol_link is not None
    accepted = kit.accept_invitation(carol_link, email="carol@acme.com", name="Carol Diaz")
    print("Carol accepted; grants dropped:", accepted.dropped_grants)
    print("People now:", [(p.name, p.permissions) for p in kit.people(alice.id, thread.id).participants])
    carol = accepted.member

    rule("6. A member's invitation waits for approval")
    # Carol is a `member`: under this policy her invitations need a manager's approval.
    draft = kit.draft_invitation(carol.id, "dan@acme.com", message="Come work with us!")
    print(f"Carol invites Dan; needs approval: {draft.needs_approval}")
    assert draft.needs_approval
    waiting = kit.send_invitation(draft)
    print(f"Invitation {waiting.id} is {waiting.status}")
    assert waiting.status == "awaiting_approval"
    for out in kit.outbox_pending(10):
        print(f"  ({out.kind}) -> {out.to}: {out.subject!r}")
        assert (out.kind, out.to) == ("approval_requested", "alice@acme.com")  # Dan hears nothing yet
        kit.outbox_ack(out.id)
    try:
        kit.approve_invitation(carol.id, waiting.id)
        raise AssertionError("Carol approved her own invitation")
    except ik.PermissionDenied as e:
        print(f"Carol cannot approve her own invitation ({e.code})")
    approved = kit.approve_invitation(alice.id, waiting.id)
    print(f"Alice approved it: {approved.status} until {approved.expires_at:%Y-%m-%d %H:%M %Z}")
    assert approved.status == "pending"
    for out in kit.outbox_pending(10):
        deliver(out.to, out.subject, out.text, out.html)
        assert (out.kind, out.to) == ("invitation", "dan@acme.com")
        kit.outbox_ack(out.id)

    rule("Audit log")
    for event in kit.events(alice.id):
        print(f"#{event.seq:<3} {event.kind:<32} {event.at:%Y-%m-%d %H:%M:%S}")


if __name__ == "__main__":
    main()
