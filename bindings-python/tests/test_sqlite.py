"""`InviteKit.open(url)`: SQLite across a close and reopen, and the other URLs."""

from __future__ import annotations

import gc
import pathlib

import pytest

import invitekit as ik


def test_sqlite_keeps_everything_across_close_and_reopen(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:{tmp_path / 'acme.db'}"
    clock = ik.ManualClock()
    kit = ik.InviteKit.open(url, clock=clock)
    org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", allowed_domains=["acme.com"])
    alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")
    design = kit.create_team(org.id, "Design")
    draft = kit.draft_invitation(alice.id, "bob@acme.com", message="Welcome!", team=design.id, role="recruiter")
    inv = kit.send_invitation(draft)
    thread = kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign")
    kit.post_message(alice.id, thread.id, "Could you share your portfolio?")
    link = draft.link
    events_before = kit.events(alice.id)
    del kit, draft
    gc.collect()  # closes the database

    kit2 = ik.InviteKit.open(url, clock=clock)
    assert kit2.get_organization(org.id) == org
    assert kit2.get_member(alice.id) == alice
    assert kit2.list_invitations(alice.id) == [inv]
    assert kit2.events(alice.id) == events_before
    assert [t.id for t in kit2.search_threads(alice.id, "portfolio")] == [thread.id]
    [out] = kit2.outbox_pending(10)
    assert out.to == "bob@acme.com"
    clock.advance(60)
    bob = kit2.accept_invitation(link, email="bob@acme.com", name="Bob Jones").member  # the token survived
    assert (bob.role, bob.team_ids) == ("recruiter", [design.id])
    kit2.add_to_thread(alice.id, thread.id, bob.id, preset="interviewer")
    del kit2
    gc.collect()

    kit3 = ik.InviteKit.open(url, clock=clock)
    assert [p.name for p in kit3.people(alice.id, thread.id).participants] == ["Alice Smith", "Bob Jones"]
    with pytest.raises(ik.InvitationNotPending):
        kit3.accept_invitation(link, email="bob@acme.com", name="Bob Jones")


def test_other_urls() -> None:
    for url in ["sqlite::memory:", "memory:"]:
        kit = ik.InviteKit.open(url, policy=ik.Policy.default(), clock=ik.ManualClock())
        org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com")
        assert kit.get_organization(org.id).name == "Acme Corp"
    with pytest.raises(ik.InvalidInput):
        ik.InviteKit.open("mysql://db.example.com/acme")
    with pytest.raises(ik.InvalidInput):
        ik.InviteKit.open("sqlite:")


def test_postgres_surfaces_the_cores_answer() -> None:
    # PostgreSQL comes with the core's PostgreSQL store; until then the core says so.
    with pytest.raises(ik.InviteKitError) as err:
        ik.InviteKit.open("postgres://invitekit@127.0.0.1:1/none")
    assert err.value.code in ("invalid_input", "storage")


def test_an_unopenable_database_is_storage(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ik.Storage):
        ik.InviteKit.open(f"sqlite:{tmp_path / 'missing-dir' / 'x.db'}")
