"""Result objects behave like Python values: attributes, ==, a repr without secrets."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

import invitekit as ik
from conftest import World, invite_and_accept


def test_values_are_python_values(world: World) -> None:
    kit, alice = world.kit, world.alice
    draft = kit.draft_invitation(alice.id, "bob@acme.com")
    inv = kit.send_invitation(draft)
    assert isinstance(inv.id, str) and len(inv.id) == 36
    assert isinstance(inv.created_at, dt.datetime)
    assert inv.created_at.tzinfo is not None and inv.created_at.utcoffset() == dt.timedelta(0)
    assert inv.team_ids == [] and inv.message is None and inv.redirect_url is None  # absent values are None
    assert isinstance(world.org.allowed_domains, list) and isinstance(alice.team_ids, list)
    assert isinstance(inv.sent_count, int) and isinstance(inv.delivered, bool)


def test_equality_is_by_value(world: World) -> None:
    kit, alice = world.kit, world.alice
    assert kit.get_member(alice.id) == alice
    assert kit.get_member(alice.id) is not alice
    bob = invite_and_accept(world, "bob@acme.com", "Bob")
    assert bob != alice
    assert alice != "alice"  # other types are never equal
    assert kit.get_organization(world.org.id) == world.org
    draft = kit.draft_invitation(alice.id, "carol@acme.com")
    assert draft == draft and draft != kit.draft_invitation(alice.id, "carol@acme.com")
    assert draft.preview() == draft.preview()
    with pytest.raises(TypeError):
        hash(alice)  # mutable-looking values are not hashable
    with pytest.raises(AttributeError):
        alice.name = "Mallory"  # type: ignore[misc]


def test_repr_never_shows_a_token_or_link(world: World) -> None:
    kit, alice = world.kit, world.alice
    draft = kit.draft_invitation(alice.id, "bob@acme.com", message="Hello")
    token = draft.link.rsplit("/", 1)[1]
    inv = kit.send_invitation(draft)
    world.clock.advance(120)
    resent = kit.resend_invitation(alice.id, inv.id)
    new_token = resent.link.rsplit("/", 1)[1]
    [out] = [o for o in kit.outbox_pending(10) if o.to == "bob@acme.com"][-1:]
    assert new_token in out.text or token in out.text  # the email itself carries the link...
    shown = [draft, draft.preview(), inv, resent, out, kit.peek_invitation(resent.link)]
    shown += kit.list_invitations(alice.id) + kit.outbox_pending(10) + kit.events(alice.id)
    for obj in shown:
        text = repr(obj) + str(obj)
        assert token not in text and new_token not in text and "ikinv_" not in text, text  # ...its repr never
    assert "<secret>" in repr(draft) and "<secret>" in repr(resent)
    assert repr(alice).startswith("Member(id='") and "'Alice Smith'" in repr(alice)


def test_reprs_look_like_python(world: World) -> None:
    kit = world.kit
    thread = kit.start_thread(world.alice.id, "fl-42", "José O'Neil", "Logo")
    r = repr(thread)
    assert r.startswith("Thread(") and "'José O\\'Neil'" in r
    msg = kit.post_message(world.alice.id, thread.id, "Hi,\nit's me")
    assert "body='Hi,\\nit\\'s me'" in repr(msg)
    assert repr(world.org) == (
        f"Organization(id='{world.org.id}', name='Acme Corp', slug='acme', "
        "portal_url='https://acme.example.com/portal', allowed_domains=['acme.com'], "
        f"created_at={world.org.created_at:%Y-%m-%dT%H:%M:%S.000Z})"
    )
    assert repr(ik.ManualClock()) == "ManualClock(2026-01-01T00:00:00.000Z)"
    assert repr(ik.Policy.default()).startswith("Policy(roles=['full', ")


def test_every_public_class_and_method_has_a_docstring() -> None:
    missing = []
    assert ik.__doc__
    for name in ik.__all__:
        obj = getattr(ik, name)
        if not inspect.isclass(obj):
            continue
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if issubclass(obj, BaseException) or obj is ik.ThreadPage:
            continue
        for attr, member in vars(obj).items():
            if attr.startswith("_"):
                continue
            if not (getattr(member, "__doc__", None) or "").strip():
                missing.append(f"{name}.{attr}")
    assert missing == []
