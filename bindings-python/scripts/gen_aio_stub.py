"""Writes invitekit/aio.pyi from the InviteKit class of invitekit/_native.pyi.

Every operation of the synchronous class becomes an ``async def`` with the same
arguments and result; ``now`` and ``policy`` stay synchronous. The test suite
runs this with ``--check`` and fails when the committed stub is not what it
writes, so an operation added to the native stub appears in the asyncio one.

    python bindings-python/scripts/gen_aio_stub.py          # rewrite the stub
    python bindings-python/scripts/gen_aio_stub.py --check  # exit 1 if stale
"""

from __future__ import annotations

import pathlib
import re
import sys

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "python" / "invitekit"
# Written by hand in aio.pyi's header: construction, closing, the synchronous reads.
OWN = {"in_memory", "open", "now", "policy", "close", "__enter__", "__exit__"}

HEADER = '''"""Type stub of invitekit.aio, written by bindings-python/scripts/gen_aio_stub.py
from the InviteKit class of _native.pyi: do not edit by hand."""

from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence

from invitekit._native import (
    Acceptance,
    DomainVerification,
    Draft,
    Event,
    Invitation,
    InvitationPreview,
    InviteResult,
    JoinRequest,
    JoinResult,
    ManualClock,
    Member,
    Message,
    Organization,
    OutgoingEmail,
    Participant,
    People,
    Policy,
    Resent,
    Team,
    Thread,
    ThreadInviteResult,
)
from invitekit._native import InviteKit as _SyncInviteKit
from invitekit._page import ThreadPage

__all__ = ["InviteKit"]

class InviteKit:
    """The asyncio face of invitekit.InviteKit: every operation awaitable, never blocking the loop."""

    def __init__(self, kit: _SyncInviteKit, *, inline: bool) -> None: ...
    @classmethod
    def in_memory(cls, policy: Optional[Policy] = None, clock: Optional[ManualClock] = None) -> InviteKit: ...
    @classmethod
    async def open(cls, url: str, policy: Optional[Policy] = None, clock: Optional[ManualClock] = None) -> InviteKit: ...
    @property
    def sync(self) -> _SyncInviteKit: ...
    def now(self) -> datetime: ...
    @property
    def policy(self) -> Policy: ...
    async def close(self) -> None: ...
    async def __aenter__(self) -> InviteKit: ...
    async def __aexit__(self, *_exc: object) -> bool: ...
'''


def generate() -> str:
    native = (PACKAGE / "_native.pyi").read_text(encoding="utf-8")
    body = native.split("\nclass InviteKit:\n", 1)[1]
    body = re.split(r"\n(?=\S)", body, maxsplit=1)[0]
    # One operation per `def`, with its decorator lines and continuation lines.
    out = []
    for block in re.split(r"\n(?=    (?:@|def |# ))", body):
        m = re.match(r"    def (\w+)\(", block)
        if m is None or m.group(1) in OWN or m.group(1).startswith("_"):
            continue
        out.append(block.rstrip().replace("    def ", "    async def ", 1))
    return HEADER + "\n" + "\n".join(out) + "\n"


def main() -> int:
    target = PACKAGE / "aio.pyi"
    text = generate()
    if "--check" in sys.argv[1:]:
        if target.read_text(encoding="utf-8") != text:
            print(f"{target} is stale: run python bindings-python/scripts/gen_aio_stub.py", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
