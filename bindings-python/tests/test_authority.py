"""Authority never grows without a stronger actor (docs/rules.md#r10 to #r13),
through the Python package: the rules live in the core, and the package
exposes `reactivate_member` and the refusals with their codes."""

from __future__ import annotations

import json

import pytest

import invitekit as ik

from conftest import World, verify_domain

OFFICE_POLICY = {
    "presets": [{"name": "viewer", "permissions": ["read"]}],
    "roles": [
        {"name": "owner", "may_invite": True, "may_assign_team": True, "manages_organization": True,
         "invitable_roles": "*", "thread_ceiling": ["read", "manage_people"], "grantable_presets": ["viewer"]},
        {"name": "office_admin", "may_invite": True, "may_assign_team": True, "manages_organization": True,
         "invitable_roles": ["staff"], "thread_ceiling": ["read"], "grantable_presets": []},
        {"name": "staff", "may_invite": True, "may_assign_team": False, "manages_organization": False,
         "invitable_roles": ["staff"], "thread_ceiling": ["read"], "grantable_presets": []},
    ],
    "default_role": "staff",
}


def test_a_weaker_admin_cannot_promote_herself() -> None:
    kit = ik.InviteKit.in_memory(policy=ik.Policy.from_json(json.dumps(OFFICE_POLICY)))
    org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal")
    owner = kit.add_member(org.id, "owner@acme.com", "Olivia Owner", "owner")
    olga = kit.add_member(org.id, "olga@acme.com", "Olga Office", "office_admin")
    with pytest.raises(ik.PermissionDenied) as e:
        kit.set_role(olga.id, olga.id, "owner")
    assert e.value.code == "permission_denied" and "docs/rules.md#r10" in str(e.value)
    with pytest.raises(ik.PermissionDenied):
        kit.set_role(olga.id, owner.id, "staff")
    with pytest.raises(ik.PermissionDenied):
        kit.deactivate_member(olga.id, owner.id)
    assert kit.get_member(owner.id).role == "owner" and kit.get_member(olga.id).role == "office_admin"


def test_deactivation_sticks_until_an_admin_reactivates(world: World) -> None:
    kit, alice, org = world.kit, world.alice, world.org
    verify_domain(world)  # people on acme.com may join by domain
    bob = kit.add_member(org.id, "bob@acme.com", "Bob Jones", "recruiter")
    mia = kit.add_member(org.id, "mia@acme.com", "Mia Member", "member")
    kit.deactivate_member(alice.id, bob.id)
    with pytest.raises(ik.PermissionDenied):
        kit.join_by_domain(org.id, "bob@acme.com", "Bob Jones")
    with pytest.raises(ik.PermissionDenied):
        kit.draft_invitation(mia.id, "bob@acme.com")
    with pytest.raises(ik.PermissionDenied):
        kit.reactivate_member(mia.id, bob.id)
    assert kit.get_member(bob.id).status == "deactivated"
    back = kit.reactivate_member(alice.id, bob.id)
    assert (back.id, back.status, back.role) == (bob.id, "active", "recruiter")
    assert kit.events(alice.id)[-1].kind == "member_reactivated"
    with pytest.raises(TypeError):
        kit.reactivate_member(alice.id)  # type: ignore[call-arg]


def test_a_weaker_participant_cannot_strip_a_stronger_one(world: World) -> None:
    kit, alice, org = world.kit, world.alice, world.org
    rita = kit.add_member(org.id, "rita@acme.com", "Rita Recruiter", "recruiter")
    thread = kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign")
    kit.add_to_thread(alice.id, thread.id, rita.id, permissions=["read", "write", "interview", "manage_people"])
    with pytest.raises(ik.PermissionDenied):
        kit.change_permissions(rita.id, thread.id, alice.id, preset="viewer")
    with pytest.raises(ik.PermissionDenied):
        kit.remove_from_thread(rita.id, thread.id, alice.id)


def test_a_resend_to_a_domain_no_longer_allowed_is_refused(world: World) -> None:
    kit, alice, org = world.kit, world.alice, world.org
    kit.set_organization_settings(alice.id, org.id, allowed_domains=["acme.com", "partner.com"])
    inv = kit.send_invitation(kit.draft_invitation(alice.id, "pat@partner.com"))
    kit.set_organization_settings(alice.id, org.id, allowed_domains=["acme.com"])
    for out in kit.outbox_pending(10):
        kit.outbox_ack(out.id)
    world.clock.advance(3600)
    with pytest.raises(ik.DomainNotAllowed):
        kit.resend_invitation(alice.id, inv.id)
    assert kit.outbox_pending(10) == []
