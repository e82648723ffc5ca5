"""invitekit.aio: every operation as an awaitable that never blocks the event loop."""

from __future__ import annotations

import asyncio
import inspect
import os
import pathlib
import subprocess
import sys
import time
from typing import Any, List, Tuple

import pytest

import invitekit as ik
from invitekit import aio

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Reads of the kit itself, synchronous in both classes.
SYNC = {"now", "policy"}


def operations() -> List[str]:
    return [n for n in dir(ik.InviteKit) if not n.startswith("_") and n not in SYNC | {"in_memory", "open"}]


async def acme(kit: aio.InviteKit) -> Tuple[ik.Organization, ik.Member]:
    org = await kit.create_organization(
        "Acme Corp", "acme", "https://acme.example.com/portal", allowed_domains=["acme.com"]
    )
    alice = await kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")
    await kit.set_organization_settings(
        alice.id, org.id, max_invitations_per_inviter_per_day=10_000, max_invitations_per_org_per_day=100_000
    )
    return org, alice


def test_the_stub_is_derived_from_the_synchronous_one() -> None:
    script = ROOT / "bindings-python" / "scripts" / "gen_aio_stub.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_operation_is_awaitable_and_the_reads_are_not() -> None:
    kit = aio.InviteKit.in_memory()
    assert len(operations()) >= 38
    for name in operations():
        assert inspect.iscoroutinefunction(getattr(kit, name)), name
    assert isinstance(kit.now(), type(ik.InviteKit.in_memory().now()))
    assert kit.policy == ik.Policy.default()
    with pytest.raises(AttributeError):
        getattr(kit, "no_such_operation")


def test_in_memory_calls_complete_without_a_thread_hop() -> None:
    kit = aio.InviteKit.in_memory()
    coro: Any = kit.create_organization("Acme Corp", "acme", "https://acme.example.com")
    # The coroutine finishes on its first step: it never waits on an executor.
    with pytest.raises(StopIteration) as done:
        coro.send(None)
    assert done.value.value.slug == "acme"


def test_the_flow_and_its_errors_are_the_synchronous_ones(tmp_path: pathlib.Path) -> None:
    async def main() -> None:
        async with await aio.InviteKit.open(f"sqlite:{tmp_path / 'acme.db'}", clock=ik.ManualClock()) as kit:
            org, alice = await acme(kit)
            draft = await kit.draft_invitation(alice.id, "bob@acme.com", message="Welcome!")
            invitation = await kit.send_invitation(draft)
            accepted = await kit.accept_invitation(draft.link, "bob@acme.com", "Bob Jones")
            assert (accepted.member.email, accepted.invitation.id) == ("bob@acme.com", invitation.id)
            with pytest.raises(ik.InvitationNotPending) as err:
                await kit.accept_invitation(draft.link, "bob@acme.com", "Bob Jones")
            assert err.value.status == "accepted"
            with pytest.raises(TypeError):
                await kit.draft_invitation(alice.id, "cy@acme.com", mesage="hi")  # type: ignore[call-arg]
            page = await kit.search_threads(alice.id, "logo")
            assert isinstance(page, ik.ThreadPage) and page.next_cursor is None
            assert [m.email for m in await kit.list_members(org.id)] == ["alice@acme.com", "bob@acme.com"]
        with pytest.raises(ik.InvalidInput, match="closed"):
            await kit.get_member(alice.id)

    asyncio.run(main())


def test_concurrent_calls_on_sqlite_keep_every_rule(tmp_path: pathlib.Path) -> None:
    async def main() -> None:
        kit = await aio.InviteKit.open(f"sqlite:{tmp_path / 'race.db'}", clock=ik.ManualClock())
        org, alice = await acme(kit)
        drafts = await asyncio.gather(*(kit.draft_invitation(alice.id, f"user{i}@acme.com") for i in range(40)))
        sent = await asyncio.gather(*(kit.send_invitation(d) for d in drafts))
        assert len({s.id for s in sent}) == 40
        # Sixteen concurrent accepts of one token make one member.
        results = await asyncio.gather(
            *(kit.accept_invitation(drafts[0].link, "user0@acme.com", "User Zero") for _ in range(16)),
            return_exceptions=True,
        )
        won = [r for r in results if isinstance(r, ik.Acceptance)]
        assert len(won) == 1
        assert all(isinstance(r, (ik.InvitationNotPending, ik.Conflict)) for r in results if r not in won)
        assert len(await kit.list_members(org.id)) == 2
        await kit.close()

    asyncio.run(main())


def slow_call_ticks(url: str, tmp_path: pathlib.Path) -> Tuple[int, float]:
    """Timer ticks the loop ran during one `invite_many` of 100 addresses on `url`, and the call's ms."""

    async def main() -> Tuple[int, float]:
        kit = await aio.InviteKit.open(url, clock=ik.ManualClock())
        slug = f"acme-{os.getpid()}-{time.monotonic_ns()}"
        org = await kit.create_organization("Acme", slug, "https://acme.example.com", allowed_domains=["acme.com"])
        alice = await kit.add_member(org.id, "alice@acme.com", "Alice", "full")
        await kit.set_organization_settings(
            alice.id, org.id, max_invitations_per_inviter_per_day=10_000, max_invitations_per_org_per_day=100_000
        )
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                await asyncio.sleep(0.001)
                ticks += 1

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.005)
        before, started = ticks, time.perf_counter()
        results = await kit.invite_many(alice.id, [f"user{i}@acme.com" for i in range(100)])
        during, ms = ticks - before, (time.perf_counter() - started) * 1000
        stop.set()
        await task
        assert all(r.error is None for r in results)
        await kit.close()
        return during, ms

    return asyncio.run(main())


def test_a_slow_sqlite_call_does_not_block_the_loop(tmp_path: pathlib.Path) -> None:
    during, ms = slow_call_ticks(f"sqlite:{tmp_path / 'slow.db'}", tmp_path)
    assert during >= 1, f"no tick during a {ms:.1f} ms call"


POSTGRES = os.environ.get("INVITEKIT_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "") not in ("", "0", "false")


@pytest.mark.skipif(not POSTGRES and not IN_CI, reason="INVITEKIT_TEST_POSTGRES_URL is not set (scripts/start-postgres)")
def test_a_postgres_call_does_not_block_the_loop(tmp_path: pathlib.Path) -> None:
    assert POSTGRES, "INVITEKIT_TEST_POSTGRES_URL must be set in CI"
    during, ms = slow_call_ticks(POSTGRES, tmp_path)
    assert during >= 1, f"no tick during a {ms:.1f} ms call"
