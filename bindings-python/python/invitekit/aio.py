"""InviteKit for asyncio hosts (FastAPI, aiohttp, Starlette...).

``invitekit.aio.InviteKit`` has every operation of ``invitekit.InviteKit``, with
the same names, arguments, results and errors, as awaitables that never block
the event loop::

    from invitekit import aio

    kit = await aio.InviteKit.open("sqlite:acme.db")
    draft = await kit.draft_invitation(alice_id, "bob@acme.com", message="Welcome!")
    await kit.send_invitation(draft)

- On a SQLite file or PostgreSQL, each call runs on the event loop's default
  executor (a thread pool). The core releases the GIL while it works, so calls
  run in parallel and the loop keeps serving other requests, even while a write
  waits on another process's lock.
- In memory, each call runs at once on the calling thread (a few microseconds,
  never waiting on I/O), with no thread hop.

``now()`` and ``policy`` read the kit itself and stay synchronous, as in the
synchronous class. ``async with await aio.InviteKit.open(url) as kit:`` closes
the kit at the end of the block.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime
from typing import Any, Callable, Optional

from invitekit import _native

__all__ = ["InviteKit"]

# What stays synchronous: reads of the kit itself, no storage.
_SYNC = frozenset({"now", "policy"})


class InviteKit:
    """The asyncio face of ``invitekit.InviteKit``: see the module's documentation."""

    __slots__ = ("_kit", "_inline")

    def __init__(self, kit: _native.InviteKit, *, inline: bool) -> None:
        self._kit = kit
        self._inline = inline

    @classmethod
    def in_memory(
        cls, policy: Optional[_native.Policy] = None, clock: Optional[_native.ManualClock] = None
    ) -> InviteKit:
        """A kit on a new in-memory store (synchronous: it touches no storage)."""
        return cls(_native.InviteKit.in_memory(policy=policy, clock=clock), inline=True)

    @classmethod
    async def open(
        cls, url: str, policy: Optional[_native.Policy] = None, clock: Optional[_native.ManualClock] = None
    ) -> InviteKit:
        """A kit on the store ``url`` names, opened off the event loop."""
        opened = functools.partial(_native.InviteKit.open, url, policy=policy, clock=clock)
        kit = await asyncio.get_running_loop().run_in_executor(None, opened)
        return cls(kit, inline=kit._is_memory())

    @property
    def sync(self) -> _native.InviteKit:
        """The synchronous kit underneath (the same store), for code that is not async."""
        return self._kit

    async def close(self) -> None:
        """Closes the store once the calls already running have finished."""
        await self._call(self._kit.close)

    async def __aenter__(self) -> InviteKit:
        return self

    async def __aexit__(self, *_exc: object) -> bool:
        await self.close()
        return False

    async def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._inline:
            return method(*args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(method, *args, **kwargs))

    def now(self) -> datetime:
        """The current time on the kit's clock."""
        return self._kit.now()

    @property
    def policy(self) -> _native.Policy:
        """The kit's policy."""
        return self._kit.policy

    def __repr__(self) -> str:
        return f"aio.{self._kit!r}"


def _awaitable(name: str) -> Callable[..., Any]:
    sync = getattr(_native.InviteKit, name)

    @functools.wraps(sync)
    async def call(self: InviteKit, *args: Any, **kwargs: Any) -> Any:
        return await self._call(getattr(self._kit, name), *args, **kwargs)

    return call


# Every operation of the synchronous class, awaitable, with its name, signature and documentation.
for _name in dir(_native.InviteKit):
    if not _name.startswith("_") and _name not in _SYNC | {"in_memory", "open", "close"}:
        setattr(InviteKit, _name, _awaitable(_name))
del _name
