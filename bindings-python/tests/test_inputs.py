"""Bad input of every kind the input rules (docs/rules.md#input) name, from Python: a clear TypeError or an
InviteKitError (InvalidInput, InvalidEmail, ...), never a crash, never a truncation."""

from __future__ import annotations

import pickle
import sys
from typing import Any, Dict, List, Tuple

import pytest

import invitekit as ik
from conftest import World, approvals_policy, invite_and_accept, make_world, verify_domain

SURROGATE = "bob\ud800@acme.com"
HUGE = "x" * 5_000_000

# --- docs/rules.md#input, case by case ---------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "bob@acme.com\r\nBcc: eve@evil.io",  # header injection
        "bob\n@acme.com",
        "bob\x00@acme.com",
        "bob\t@acme.com",
        "bob@acme.com\x7f",
        "",
        "   ",
        "bob",
        "@acme.com",
        "bob@",
        "bob@@acme.com",
        "bob＠acme.com",  # full-width at sign
        "bob..jones@acme.com",
        ".bob@acme.com",
        "b" * 65 + "@acme.com",  # local part over 64 bytes
        "bob@" + "a" * 250 + ".com",  # address over 254 bytes
        "bób@acme.com",  # non-ASCII local part
        "\u212aelvin@acme.com",  # Kelvin sign
        "bob@acme..com",
        "bob@-acme.com",
        "bob@acme.com.",
    ],
)
def test_malformed_emails_are_invalid_email(world: World, email: str) -> None:
    with pytest.raises(ik.InvalidEmail):
        world.kit.draft_invitation(world.alice.id, email)
    assert world.kit.list_invitations(world.alice.id) == []


@pytest.mark.parametrize(
    "email",
    [
        "bob@аcme.com",  # Cyrillic а
        "bob@acme.com.evil.io",
        "bob@evilacme.com",
        "bob@eng.acme.com",  # subdomains are off by default
        "bob@acme.co",
        "bob@\u212aacme.com",  # Kelvin sign in the domain
    ],
)
def test_look_alikes_never_match_an_allowed_domain(world: World, email: str) -> None:
    with pytest.raises((ik.InvalidEmail, ik.DomainNotAllowed)):
        world.kit.draft_invitation(world.alice.id, email)


def test_addresses_compare_as_spec_says(world: World) -> None:
    kit, alice = world.kit, world.alice
    draft = kit.draft_invitation(alice.id, "  Bob.Jones@ACME.com ")
    assert draft.email == "Bob.Jones@acme.com"
    kit.send_invitation(draft)
    with pytest.raises(ik.AlreadyInvited):
        kit.draft_invitation(alice.id, "bob.jones@acme.com")  # ASCII case-insensitive
    kit.draft_invitation(alice.id, "bobjones@acme.com")  # no dot stripping
    kit.draft_invitation(alice.id, "bob.jones+x@acme.com")  # no plus stripping
    kit.set_organization_settings(alice.id, world.org.id, allow_subdomains=True)
    assert kit.draft_invitation(alice.id, "bob@eng.acme.com").email == "bob@eng.acme.com"


@pytest.mark.parametrize("name", ["", "   ", "Bob\nJones", "Bob\x00", "x" * 201])
def test_bad_names_are_invalid_input(world: World, name: str) -> None:
    with pytest.raises(ik.InvalidInput):
        world.kit.add_member(world.org.id, "bob@acme.com", name, "member")
    assert len(world.kit.list_members(world.org.id)) == 1


@pytest.mark.parametrize("override", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidi_overrides_and_isolates_are_invalid_input_and_escaped(world: World, override: str) -> None:
    kit, org, alice = world.kit, world.org, world.alice
    text = f"Eve {override}nimdA\u2028Bcc: x"
    calls = [
        lambda: kit.add_member(org.id, "eve@acme.com", f"Eve {override}nimdA", "member"),
        lambda: kit.create_team(org.id, f"Ops {override}spO"),
        lambda: kit.start_thread(alice.id, "fl-1", "Ann Lee", f"Logo {override}ngiseder"),
        lambda: kit.draft_invitation(alice.id, "bob@acme.com", message=f"See {override}moc.live"),
        lambda: kit.add_member(org.id, "eve@acme.com", text, "member"),
        lambda: kit.add_member(org.id, "eve@acme.com", "Eve", text),
    ]
    for call in calls:
        with pytest.raises(ik.InvalidInput) as err:
            call()
        message = str(err.value)
        assert override not in message and "\u2028" not in message and "\n" not in message, repr(message)
    assert len(kit.list_members(org.id)) == 1
    assert kit.list_invitations(alice.id) == []


def test_names_are_trimmed_and_200_characters_fit(world: World) -> None:
    m = world.kit.add_member(world.org.id, "bob@acme.com", "  " + "é" * 200 + " ", "member")
    assert m.name == "é" * 200


@pytest.mark.parametrize("role", ["full,admin", "Full", " full", "admin", ""])
def test_role_names_are_exact(world: World, role: str) -> None:
    with pytest.raises(ik.InvalidInput):
        world.kit.add_member(world.org.id, "bob@acme.com", "Bob", role)
    with pytest.raises(ik.InvalidInput):
        world.kit.draft_invitation(world.alice.id, "bob@acme.com", role=role)


def test_preset_and_permission_names_are_exact(world: World) -> None:
    kit, alice = world.kit, world.alice
    bob = invite_and_accept(world, "bob@acme.com", "Bob", role="recruiter")
    t = kit.start_thread(alice.id, "fl", "Free Lancer", "t").id
    for bad in [dict(preset="Viewer"), dict(preset="viewer,full"), dict(permissions=["read", "admin"]),
                dict(permissions=["READ"]), dict(permissions=[]), dict(), dict(preset="viewer", permissions=["read"])]:
        with pytest.raises(ik.InvalidInput):
            kit.add_to_thread(alice.id, t, bob.id, **bad)
    assert [p.member_id for p in kit.people(alice.id, t).participants] == [alice.id]


def test_tokens_wrong_malformed_or_foreign_are_all_invalid_token(world: World) -> None:
    kit = world.kit
    draft = kit.draft_invitation(world.alice.id, "bob@acme.com")
    kit.send_invitation(draft)
    token = draft.link.rsplit("/", 1)[1]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    other = ik.InviteKit.in_memory()
    for bad in ["", "ikinv_", "ikinv_short", flipped, token.upper(), "x" * 10_000, draft.link + "x",
                "https://evil.example.com/join/" + flipped]:
        with pytest.raises(ik.InvalidToken):
            kit.peek_invitation(bad)
    with pytest.raises(ik.InvalidToken):
        other.peek_invitation(draft.link)  # foreign
    assert kit.peek_invitation(token).email == "bob@acme.com"  # a bare token works too


@pytest.mark.parametrize("bad_id", ["", "x", "not-a-uuid", "0" * 36, "x" * 100_000, "01a2-\ud800"])
def test_malformed_ids_are_invalid_input(world: World, bad_id: str) -> None:
    with pytest.raises(ik.InvalidInput):
        world.kit.draft_invitation(bad_id, "bob@acme.com")
    with pytest.raises(ik.InvalidInput):
        world.kit.draft_invitation(world.alice.id, "bob@acme.com", team=bad_id)


def test_ids_of_another_organization_are_not_found(world: World) -> None:
    kit = world.kit
    other = kit.create_organization("Other", "other", "https://other.example.com", allowed_domains=["other.com"])
    eve = kit.add_member(other.id, "eve@other.com", "Eve", "full")
    thread = kit.start_thread(world.alice.id, "fl", "Free Lancer", "secret")
    with pytest.raises(ik.NotFound):
        kit.people(eve.id, thread.id)
    with pytest.raises(ik.NotFound):
        kit.post_message(eve.id, thread.id, "hi")
    with pytest.raises((ik.NotFound, ik.InvalidInput)):
        kit.draft_invitation(world.alice.id, "bob@acme.com", team=kit.create_team(other.id, "Ops").id)


def test_overlong_text_is_refused_never_truncated(world: World) -> None:
    kit, alice = world.kit, world.alice
    with pytest.raises(ik.InvalidInput):
        kit.draft_invitation(alice.id, "bob@acme.com", message="m" * 1001)
    assert kit.draft_invitation(alice.id, "bob@acme.com", message="m" * 1000).message == "m" * 1000
    thread = kit.start_thread(alice.id, "fl", "Free Lancer", "t")
    with pytest.raises(ik.InvalidInput):
        kit.post_message(alice.id, thread.id, "b" * 10_001)
    assert kit.post_message(alice.id, thread.id, "b" * 10_000).body == "b" * 10_000
    with pytest.raises(ik.InvalidInput):
        kit.post_message(alice.id, thread.id, "")


@pytest.mark.parametrize("limit", [0, -1, -(2**63), 2**62, 101])
def test_out_of_range_limits_are_invalid_input(world: World, limit: int) -> None:
    with pytest.raises(ik.InvalidInput):
        world.kit.search_threads(world.alice.id, "", limit=limit)


@pytest.mark.parametrize("limit", [2**64, 10**100, -(10**100)])
def test_integers_beyond_64_bits_are_invalid_input(world: World, limit: int) -> None:
    with pytest.raises(ik.InvalidInput):
        world.kit.outbox_pending(limit)
    with pytest.raises(ik.InvalidInput):
        world.kit.events(world.alice.id, after_seq=limit)


@pytest.mark.parametrize("limit", [None, "10", 1.5, True, [10]])
def test_limits_of_the_wrong_type_are_type_errors(world: World, limit: Any) -> None:
    with pytest.raises(TypeError):
        world.kit.find_coworkers(world.alice.id, "bo", limit=limit)


def test_settings_keywords_are_checked_by_the_core(world: World) -> None:
    kit, alice, org = world.kit, world.alice, world.org
    with pytest.raises(ik.InvalidInput):
        kit.set_organization_settings(alice.id, org.id, colour="red")
    with pytest.raises(ik.InvalidInput):
        kit.set_organization_settings(alice.id, org.id, resend_cooldown_secs="soon")
    with pytest.raises(ik.InvalidInput):
        kit.set_organization_settings(alice.id, org.id, invitation_expiry_secs=1)
    with pytest.raises(ik.InvalidInput):
        kit.set_organization_settings(alice.id, org.id, resend_cooldown_secs=2**70)
    with pytest.raises(TypeError):
        kit.set_organization_settings(alice.id, org.id, resend_cooldown_secs=object())
    nested: List[Any] = []
    for _ in range(10_000):
        nested = [nested]
    with pytest.raises(ik.InvalidInput):
        kit.set_organization_settings(alice.id, org.id, auto_join_domains=nested)
    loop: List[Any] = []
    loop.append(loop)
    with pytest.raises(ik.InvalidInput):
        kit.set_organization_settings(alice.id, org.id, allowed_domains=loop)
    assert kit.get_organization(org.id).settings["resend_cooldown_secs"] == 60  # nothing changed


def test_manual_clock_refuses_what_it_cannot_hold() -> None:
    clock = ik.ManualClock()
    for bad in [float("nan"), float("inf"), 1e300]:
        with pytest.raises(ik.InvalidInput):
            clock.advance(bad)
    with pytest.raises(TypeError):
        clock.advance("60")  # type: ignore[arg-type]


# --- A sweep: every argument of every operation, replaced by a bad value ------------

Call = Tuple[str, List[Any], Dict[str, Any]]


def _world() -> World:
    """The sweep's world: Acme Corp under a policy where a `member`'s invitations need approval."""
    clock = ik.ManualClock()
    return make_world(ik.InviteKit.in_memory(policy=approvals_policy(), clock=clock), clock)


def _calls(w: World) -> List[Call]:
    """One valid call of each operation (not all valid in sequence: each runs alone)."""
    kit, alice, org = w.kit, w.alice, w.org
    verify_domain(w, mode="request")
    asked = kit.join_by_domain(org.id, "jo@acme.com", "Jo Jones").request
    assert asked is not None
    mia = kit.add_member(org.id, "mia@acme.com", "Mia Member", "member")
    awaiting = kit.send_invitation(kit.draft_invitation(mia.id, "kim@acme.com"))
    challenge = kit.start_domain_verification(alice.id, org.id, "acme.org").record_value
    for asking in kit.outbox_pending(100):  # to the managers: the request to join, the approval
        kit.outbox_ack(asking.id)
    bob = invite_and_accept(w, "bob@acme.com", "Bob Jones", role="recruiter")
    lee = invite_and_accept(w, "lee@acme.com", "Lee Park", role="recruiter")
    thread = kit.start_thread(alice.id, "fl-1", "José Pérez", "Logo")
    kit.add_to_thread(alice.id, thread.id, lee.id, preset="viewer")
    draft = kit.draft_invitation(alice.id, "carol@acme.com")
    kit.send_invitation(draft, deliver=False)
    sent = kit.send_invitation(kit.draft_invitation(alice.id, "dave@acme.com"))
    [out] = kit.outbox_pending(10)
    return [
        ("create_organization", ["Beta", "beta", "https://beta.example.com"], {"allowed_domains": ["beta.com"]}),
        ("get_organization", [org.id], {}),
        ("set_organization_settings", [alice.id, org.id], {"auto_join_domains": ["acme.com"]}),
        ("add_member", [org.id, "erin@acme.com", "Erin", "member"], {}),
        ("get_member", [bob.id], {}),
        ("list_members", [org.id], {}),
        ("set_role", [alice.id, bob.id, "member"], {}),
        ("deactivate_member", [alice.id, bob.id], {}),
        ("create_team", [org.id, "Ops"], {}),
        ("set_email_template", [org.id, "invitation", "Hi", "{{ link }}", "{{ link }}"], {}),
        ("draft_invitation", [alice.id, "frank@acme.com"], {"message": "Hi", "team": w.design.id, "role": "member"}),
        ("invite_many", [alice.id, ["g@acme.com"]], {"message": "Hi", "team": w.design.id, "role": "member"}),
        ("peek_invitation", [draft.link], {}),
        ("accept_invitation", [draft.link, "carol@acme.com", "Carol"], {}),
        ("decline_invitation", [draft.link, "carol@acme.com"], {}),
        ("revoke_invitation", [alice.id, sent.id], {}),
        ("resend_invitation", [alice.id, sent.id], {}),
        ("list_invitations", [alice.id], {"status": "pending"}),
        ("invitations_for_email", ["dave@acme.com"], {}),
        ("approve_invitation", [alice.id, awaiting.id], {}),
        ("deny_invitation", [alice.id, awaiting.id], {"reason": "Not now"}),
        ("join_by_domain", [org.id, "henry@acme.com", "Henry"], {}),
        ("list_join_requests", [alice.id], {"status": "pending"}),
        ("approve_join_request", [alice.id, asked.id], {}),
        ("deny_join_request", [alice.id, asked.id], {"reason": "Not now"}),
        ("start_domain_verification", [alice.id, org.id, "acme.net"], {}),
        ("verify_domain", [alice.id, org.id, "acme.org", ["v=spf1 -all", challenge]], {}),
        ("list_domains", [alice.id, org.id], {}),
        ("start_thread", [alice.id, "fl-2", "Ann Lee", "Site"], {}),
        ("post_message", [alice.id, thread.id, "hello"], {}),
        ("post_freelancer_message", [thread.id, "hello"], {}),
        ("search_threads", [alice.id, "jose"], {"limit": 5, "cursor": None}),
        ("people", [alice.id, thread.id], {}),
        ("find_coworkers", [alice.id, "bo"], {"limit": 5}),
        ("permission_options", [alice.id, thread.id], {}),
        ("add_to_thread", [alice.id, thread.id, bob.id], {"preset": "viewer"}),
        ("add_to_thread", [alice.id, thread.id, bob.id], {"permissions": ["read"]}),
        ("invite_to_thread", [alice.id, thread.id, "ivy@acme.com"], {"preset": "viewer", "message": "Hi"}),
        ("change_permissions", [alice.id, thread.id, lee.id], {"preset": "participant"}),
        ("remove_from_thread", [alice.id, thread.id, lee.id], {}),
        ("leave_thread", [lee.id, thread.id], {}),
        ("outbox_pending", [], {"limit": 10}),
        ("outbox_ack", [out.id], {}),
        ("outbox_fail", [out.id, "timeout"], {}),
        ("events", [alice.id], {"after_seq": 1, "limit": 10}),
    ]


def _variants(call: Call) -> List[Tuple[str, Call]]:
    """The call with one argument replaced by each bad value that fits its kind."""
    name, args, kwargs = call
    out: List[Tuple[str, Call]] = []
    for i, a in enumerate(args):
        label = f"{name}[{i}]"
        if isinstance(a, str):
            out.append((f"{label}=surrogate", (name, args[:i] + [SURROGATE] + args[i + 1:], kwargs)))
            out.append((f"{label}=huge", (name, args[:i] + [HUGE] + args[i + 1:], kwargs)))
            out.append((f"{label}=bytes", (name, args[:i] + [a.encode()] + args[i + 1:], kwargs)))
        if isinstance(a, list):
            out.append((f"{label}=str", (name, args[:i] + ["g@acme.com"] + args[i + 1:], kwargs)))
            out.append((f"{label}=[surrogate]", (name, args[:i] + [[SURROGATE]] + args[i + 1:], kwargs)))
            out.append((f"{label}=[int]", (name, args[:i] + [[7]] + args[i + 1:], kwargs)))
        out.append((f"{label}=None", (name, args[:i] + [None] + args[i + 1:], kwargs)))
        out.append((f"{label}=int", (name, args[:i] + [12345] + args[i + 1:], kwargs)))
    for k, v in kwargs.items():
        label = f"{name}({k})"
        if isinstance(v, str):
            out.append((f"{label}=surrogate", (name, args, {**kwargs, k: SURROGATE})))
            out.append((f"{label}=huge", (name, args, {**kwargs, k: HUGE})))
            out.append((f"{label}=int", (name, args, {**kwargs, k: 12345})))
        elif isinstance(v, list):
            out.append((f"{label}=[surrogate]", (name, args, {**kwargs, k: [SURROGATE]})))
            out.append((f"{label}=str", (name, args, {**kwargs, k: "read"})))
        elif isinstance(v, int):
            out.append((f"{label}=str", (name, args, {**kwargs, k: "10"})))
    out.append((f"{name}(unknown keyword)", (name, args, {**kwargs, "bogus": 1})))
    return out


def _all_variants() -> List[Tuple[str, int]]:
    w = _world()
    return [(label, n) for n, call in enumerate(_calls(w)) for label, _ in _variants(call)]


@pytest.mark.parametrize("label", [label for label, _ in _all_variants()])
def test_every_bad_argument_is_a_clean_error(label: str) -> None:
    w = _world()
    calls = _calls(w)
    variants = dict(v for call in calls for v in _variants(call))
    name, args, kwargs = variants[label]
    kind = label.rsplit("=", 1)[-1]
    if label in ("invite_many(message)=huge", "invite_many(role)=huge"):
        # One result per address: the core's error is in each result, not raised.
        results = w.kit.invite_many(*args, **kwargs)
        assert [r.error for r in results] == ["invalid_input"]
        return
    with pytest.raises((TypeError, ik.InviteKitError)) as err:
        getattr(w.kit, name)(*args, **kwargs)
    if name == "set_organization_settings" and "(" in label:
        # Settings are keyword arguments the core reads: a wrong name or type is its invalid_input.
        assert isinstance(err.value, (TypeError, ik.InvalidInput)), err.value
    elif kind in ("surrogate", "[surrogate]"):
        assert isinstance(err.value, ik.InvalidInput), err.value
    elif kind in ("None", "bytes", "int", "[int]", "str") or "unknown keyword" in label:
        assert isinstance(err.value, TypeError), err.value
    elif kind == "huge":
        assert isinstance(err.value, ik.InviteKitError), err.value
    assert "ikinv_" not in str(err.value)


def _with_nul(value: str) -> str:
    return value[:1] + "\x00" + value[1:]


def test_nul_in_any_text_argument_is_refused_by_the_core() -> None:
    """docs/rules.md#nul: NUL in any text is the core's clean error, never a success on one
    store and `storage` on another; addresses and links keep their own codes."""
    expected = (ik.InvalidInput, ik.InvalidEmail, ik.InvalidToken)
    for n in range(len(_calls(_world()))):
        w = _world()
        name, args, kwargs = _calls(w)[n]
        variants: List[Tuple[List[Any], Dict[str, Any]]] = []
        for i, a in enumerate(args):
            if isinstance(a, str):
                variants.append((args[:i] + [_with_nul(a)] + args[i + 1:], kwargs))
            elif isinstance(a, list):
                variants.append((args[:i] + [[_with_nul(x) for x in a]] + args[i + 1:], kwargs))
        for k, v in kwargs.items():
            if isinstance(v, str):
                variants.append((args, {**kwargs, k: _with_nul(v)}))
            elif isinstance(v, list):
                variants.append((args, {**kwargs, k: [_with_nul(x) for x in v]}))
        for bad_args, bad_kwargs in variants:
            label = f"{name}{bad_args}{bad_kwargs}"
            try:
                result = getattr(w.kit, name)(*bad_args, **bad_kwargs)
            except Exception as err:  # noqa: BLE001 - the assertion names what was raised
                assert isinstance(err, expected), f"{label}: {err!r}"
                assert "\x00" not in str(err), label
            else:
                # invite_many reports an address's error in its result instead of raising it.
                assert name == "invite_many", f"NUL accepted: {label}"
                assert [r.error for r in result] in (["invalid_input"], ["invalid_email"]), label


def test_the_valid_calls_of_the_sweep_succeed() -> None:
    """The sweep's baseline: each call, unmodified, works (so the errors above come from the bad value)."""
    for n in range(len(_calls(_world()))):
        w = _world()
        name, args, kwargs = _calls(w)[n]
        if name == "resend_invitation":
            w.clock.advance(120)
        getattr(w.kit, name)(*args, **kwargs)


def test_policy_and_open_refuse_bad_input() -> None:
    with pytest.raises(ik.InvalidInput):
        ik.Policy.from_json("\ud800")
    with pytest.raises(ik.InvalidInput):
        ik.Policy.from_json(" " * (2 << 20))
    with pytest.raises(TypeError):
        ik.Policy.from_json(None)  # type: ignore[arg-type]
    with pytest.raises(ik.InvalidInput):
        ik.InviteKit.open("mysql://db")
    with pytest.raises(TypeError):
        ik.InviteKit.open(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ik.InviteKit.in_memory(policy="{}")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ik.InviteKit.in_memory(clock=object())  # type: ignore[arg-type]


def test_limit_defaults_and_bounds_are_the_cores() -> None:
    import inspect

    from invitekit import _native

    limits = getattr(_native, "_LIMITS")
    assert set(limits) == {"search_threads", "find_coworkers", "outbox_pending", "events"}
    kit = ik.InviteKit.in_memory()
    for op, (default, most) in limits.items():
        assert inspect.signature(getattr(ik.InviteKit, op)).parameters["limit"].default == default, op
        method = getattr(kit, op)
        nobody = "00000000-0000-7000-8000-000000000000"
        args = {"search_threads": [nobody, "q"], "find_coworkers": [nobody, "q"], "outbox_pending": [], "events": [nobody]}[op]
        for bad in (0, most + 1):
            with pytest.raises(ik.InvalidInput, match=f"between 1 and {most}"):
                method(*args, limit=bad)


def test_a_wrong_type_is_a_type_error_and_invalid_input_naming_the_argument(world: World) -> None:
    kit, alice = world.kit, world.alice
    draft = kit.draft_invitation(alice.id, "bo@acme.com")
    cases: List[Tuple[str, Any]] = [
        ("member_id", lambda: kit.get_member(5)),  # type: ignore[arg-type]
        ("email", lambda: kit.draft_invitation(alice.id, None)),  # type: ignore[arg-type]
        ("limit", lambda: kit.outbox_pending(limit="10")),  # type: ignore[arg-type]
        ("limit", lambda: kit.find_coworkers(alice.id, "a", limit=True)),  # type: ignore[arg-type]
        ("deliver", lambda: kit.send_invitation(draft, deliver=1)),  # type: ignore[arg-type]
        ("allowed_domains", lambda: kit.create_organization("B", "b", "https://b.example.com", allowed_domains=[1])),  # type: ignore[list-item]
        # A str is a sequence of characters to Python; as a list argument it is a wrong type.
        ("allowed_domains", lambda: kit.create_organization("B", "b", "https://b.example.com", allowed_domains="b.com")),
        ("emails", lambda: kit.invite_many(alice.id, "bo@acme.com")),
        ("txt_values", lambda: kit.verify_domain(alice.id, world.org.id, "acme.com", 5)),  # type: ignore[arg-type]
        ("settings", lambda: kit.set_organization_settings(alice.id, world.org.id, allow_subdomains=object())),
    ]
    for name, call in cases:
        with pytest.raises(TypeError) as err:
            call()
        e = err.value
        # The same mistake as Node's: a TypeError whose code is invalid_input, an InviteKitError too.
        assert isinstance(e, ik.InvalidInput) and isinstance(e, ik.InviteKitError), (name, type(e))
        assert getattr(e, "code") == "invalid_input"
        assert str(e).startswith(("expected ", "a setting must be")), str(e)
        # pyo3 notes which argument it was (exception notes: Python 3.11 and later);
        # a setting is a keyword of `**settings`, named in the message instead.
        if sys.version_info >= (3, 11) and name != "settings":
            assert name in "".join(getattr(e, "__notes__", [])), (name, getattr(e, "__notes__", None))
        # Picklable, as every InviteKit error (a process pool sends errors back that way).
        again = pickle.loads(pickle.dumps(e))
        assert type(again) is type(e) and isinstance(again, TypeError)
    assert ik.InvalidArgumentType.code == "invalid_input"
    assert kit.list_invitations(alice.id) == []  # nothing was sent
