"""Python threads: the GIL is released while the core works, and concurrent
accepts of one token give exactly one member."""

from __future__ import annotations

import pathlib
import sys
import threading
from typing import Callable, List

import pytest

import invitekit as ik
from conftest import World, make_world


def _other_thread_progressed_during(work: Callable[[], None], rounds: int) -> bool:
    """Whether a spinning Python thread ran while this thread called `work` up to
    `rounds` times. The switch interval is made long (1 s), so the spinner can
    only run in that short window if `work` releases the GIL."""
    counter = 0
    stop = False
    started = threading.Event()

    def spin() -> None:
        nonlocal counter
        started.set()
        while not stop:
            counter += 1

    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    spinner = threading.Thread(target=spin)
    try:
        spinner.start()
        started.wait()
        before = counter
        for _ in range(rounds):
            work()
            if counter != before:
                return True
        return False
    finally:
        stop = True
        spinner.join()
        sys.setswitchinterval(old)


def test_two_python_threads_make_progress_at_once(world: World) -> None:
    kit, alice = world.kit, world.alice
    thread = kit.start_thread(alice.id, "fl", "Free Lancer", "t")
    # Control: a loop of C calls that keep the GIL lets the spinner do nothing.
    assert not _other_thread_progressed_during(lambda: sorted(range(20)) and None, 20_000)
    # The same loop calling into InviteKit lets it run: every call releases the GIL.
    assert _other_thread_progressed_during(lambda: kit.permission_options(alice.id, thread.id) and None, 20_000)


def _race_accepts(kits: List[ik.InviteKit], link: str, n: int) -> List[object]:
    barrier = threading.Barrier(n)
    results: List[object] = [None] * n

    def accept(i: int) -> None:
        barrier.wait()
        try:
            results[i] = kits[i % len(kits)].accept_invitation(link, email="bob@acme.com", name=f"Bob {i}")
        except ik.InviteKitError as e:
            results[i] = e

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _check_one_winner(results: List[object], kit: ik.InviteKit, world: World) -> None:
    winners = [r for r in results if isinstance(r, ik.Acceptance)]
    losers = [r for r in results if isinstance(r, ik.InviteKitError)]
    assert len(winners) == 1, results
    assert len(winners) + len(losers) == len(results)
    assert {e.code for e in losers} <= {"invitation_not_pending", "conflict"}, losers
    bobs = [m for m in kit.list_members(world.org.id) if m.email == "bob@acme.com"]
    assert len(bobs) == 1 and bobs[0] == winners[0].member


@pytest.mark.parametrize("round_", range(5))
def test_concurrent_accepts_in_memory_exactly_one_wins(world: World, round_: int) -> None:
    draft = world.kit.draft_invitation(world.alice.id, "bob@acme.com")
    world.kit.send_invitation(draft)
    _check_one_winner(_race_accepts([world.kit], draft.link, 16), world.kit, world)


def test_concurrent_accepts_on_sqlite_from_two_kits_exactly_one_wins(tmp_path: pathlib.Path) -> None:
    # Two kits on one file stand for two host processes.
    url = f"sqlite:{tmp_path / 'race.db'}"
    clock = ik.ManualClock()
    world = make_world(ik.InviteKit.open(url, clock=clock), clock)
    other = ik.InviteKit.open(url, clock=clock)
    draft = world.kit.draft_invitation(world.alice.id, "bob@acme.com")
    world.kit.send_invitation(draft)
    _check_one_winner(_race_accepts([world.kit, other], draft.link, 8), other, world)
