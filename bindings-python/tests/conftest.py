"""Shared fixtures: a kit on a manual clock with the help article's organization (Acme Corp, Alice, Design)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

import pytest

import invitekit as ik


@dataclass
class World:
    clock: ik.ManualClock
    kit: ik.InviteKit
    org: ik.Organization
    alice: ik.Member  # role `full`
    design: ik.Team


def make_world(kit: ik.InviteKit, clock: ik.ManualClock) -> World:
    org = kit.create_organization(
        name="Acme Corp",
        slug="acme",
        portal_url="https://acme.example.com/portal",
        allowed_domains=["acme.com"],
    )
    alice = kit.add_member(org.id, email="alice@acme.com", name="Alice Smith", role="full")
    design = kit.create_team(org.id, name="Design")
    return World(clock, kit, org, alice, design)


@pytest.fixture
def clock() -> ik.ManualClock:
    return ik.ManualClock()


@pytest.fixture
def world(clock: ik.ManualClock) -> Iterator[World]:
    yield make_world(ik.InviteKit.in_memory(clock=clock), clock)


def invite_and_accept(w: World, email: str, name: str, role: str = "member") -> ik.Member:
    """A member who joined through an invitation."""
    draft = w.kit.draft_invitation(w.alice.id, email, role=role)
    w.kit.send_invitation(draft)
    return w.kit.accept_invitation(draft.link, email=email, name=name).member


def approvals_policy() -> ik.Policy:
    """The default policy, but a `member`'s invitations wait for a manager's approval."""
    doc = json.loads(ik.Policy.default().to_json())
    for role in doc["roles"]:
        if role["name"] == "member":
            role["invites_need_approval"] = True
    return ik.Policy.from_json(json.dumps(doc))


def verify_domain(w: World, domain: str = "acme.com", mode: str = "automatic") -> ik.DomainVerification:
    """Lets people on `domain` join by domain: an auto-join domain of the
    organization, verified with its DNS challenge, in `mode` (`domain_join`)."""
    w.kit.set_organization_settings(w.alice.id, w.org.id, auto_join_domains=[domain], domain_join=mode)
    record = w.kit.start_domain_verification(w.alice.id, w.org.id, domain)
    return w.kit.verify_domain(w.alice.id, w.org.id, domain, [record.record_value])
