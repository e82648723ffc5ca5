"""Binding overhead: median time per call from Python next to the same in Rust.

Not a test (a timing is never a test assertion). Run it after installing the
package (bindings-python/scripts/test does):

    .venv/bin/python bindings-python/bench/bench.py

It measures, on a warm in-memory kit, `permission_options` (in batches of
1,000 calls) and one draft -> send -> accept cycle (each timed alone, the
ManualClock moved 10 s per invitation and the organization's limits raised so
that the 24-hour rate limits never trip), then runs
`cargo run --release -p invitekit-examples --example bench_baseline`, which
measures the same in Rust, and prints both with their ratio.

Then it measures invite -> accept throughput (draft, send with its email,
accept; flows per second over a few seconds, the median of several rounds)
on the in-memory store and on a SQLite file (WAL, `synchronous = NORMAL`),
and prints both with their ratio, next to the same flows from Rust.
"""

from __future__ import annotations

import pathlib
import statistics
import subprocess
import tempfile
import time
from typing import Dict, List, Tuple

import invitekit as ik

BATCH = 1_000
BATCHES = 200
INVITES = 3_000
ROOT = pathlib.Path(__file__).resolve().parents[2]


def acme(url: str) -> Tuple[ik.InviteKit, ik.ManualClock, ik.Member]:
    """Acme with Alice (`full`) on the store `url` names, its daily limits raised."""
    clock = ik.ManualClock()
    kit = ik.InviteKit.open(url, clock=clock)
    org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", allowed_domains=["acme.com"])
    alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")
    kit.set_organization_settings(
        alice.id,
        org.id,
        max_invitations_per_inviter_per_day=10_000,
        max_invitations_per_org_per_day=100_000,
        max_pending_invitations=100_000,
    )
    return kit, clock, alice


def python_medians() -> Dict[str, float]:
    kit, clock, alice = acme("memory:")
    thread = kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign")
    actor, thread_id = alice.id, thread.id
    options = kit.permission_options

    for _ in range(BATCH):
        options(actor, thread_id)
    per_call = []
    for _ in range(BATCHES):
        t = time.perf_counter_ns()
        for _ in range(BATCH):
            options(actor, thread_id)
        per_call.append((time.perf_counter_ns() - t) / BATCH)

    cycles = []
    for i in range(INVITES):
        clock.advance(10)
        email = f"user{i}@acme.com"
        t = time.perf_counter_ns()
        draft = kit.draft_invitation(actor, email)
        kit.send_invitation(draft)
        kit.accept_invitation(draft.link, email, "New Member")
        cycles.append(float(time.perf_counter_ns() - t))
    return {
        "permission_options": statistics.median(per_call),
        "draft_send_accept": statistics.median(cycles),
    }


def flows_per_second(url: str, rounds: int = 5, per_round: int = 2_000) -> float:
    """Invite -> accept flows per second on the store `url` names: the median of `rounds` rounds."""
    kit, clock, alice = acme(url)
    actor = alice.id
    n = 0
    rates: List[float] = []
    for _ in range(rounds + 1):
        t = time.perf_counter()
        for _ in range(per_round):
            # Ten seconds per invitation keeps the 24-hour window under the per-member limit.
            clock.advance(10)
            email = f"user{n}@acme.com"
            n += 1
            draft = kit.draft_invitation(actor, email)
            kit.send_invitation(draft)
            kit.accept_invitation(draft.link, email, "New Member")
        rates.append(per_round / (time.perf_counter() - t))
    # The first round warms the caches up.
    return statistics.median(rates[1:])


def rust_medians() -> Dict[str, float]:
    done = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "-p", "invitekit-examples", "--example", "bench_baseline"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    medians: Dict[str, float] = {}
    for line in done.stdout.splitlines():
        name, value = line.split()
        medians[name] = float(value)
    return medians


def show(ns: float) -> str:
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def main() -> None:
    rust = rust_medians()
    py = python_medians()
    print(f"{'median per call':<28}{'Rust':>12}{'Python':>12}{'Python/Rust':>14}")
    labels = {"permission_options": "permission_options", "draft_send_accept": "draft -> send -> accept"}
    for key, label in labels.items():
        print(f"{label:<28}{show(rust[key]):>12}{show(py[key]):>12}{py[key] / rust[key]:>13.1f}x")
    print()
    with tempfile.TemporaryDirectory(prefix="invitekit-bench-") as tmp:
        memory = flows_per_second("memory:")
        sqlite = flows_per_second(f"sqlite:{tmp}/bench.db")
    print(f"{'invite -> accept per second':<28}{'memory':>12}{'SQLite':>12}{'SQLite/memory':>14}")
    print(f"{'from Python':<28}{memory:>12,.0f}{sqlite:>12,.0f}{sqlite / memory:>13.2f}x")
    rust_memory, rust_sqlite = rust["flows_per_second_memory"], rust["flows_per_second_sqlite"]
    print(f"{'from Rust':<28}{rust_memory:>12,.0f}{rust_sqlite:>12,.0f}{rust_sqlite / rust_memory:>13.2f}x")


if __name__ == "__main__":
    main()
