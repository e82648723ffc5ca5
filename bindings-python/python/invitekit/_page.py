"""The page type of ``InviteKit.search_threads``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, List, Optional

if TYPE_CHECKING:
    from invitekit._native import Thread

__all__ = ["ThreadPage"]


class ThreadPage(List["Thread"]):
    """A page of ``search_threads``: a ``list`` of ``Thread``, newest activity first.

    ``next_cursor`` is the ``cursor`` to pass to ``search_threads`` for the next
    page, or ``None`` when this is the last page::

        page = kit.search_threads(actor, "logo", limit=20)
        while True:
            for thread in page: ...
            if page.next_cursor is None:
                break
            page = kit.search_threads(actor, "logo", limit=20, cursor=page.next_cursor)
    """

    next_cursor: Optional[str]

    def __init__(self, threads: Iterable[Thread] = (), next_cursor: Optional[str] = None) -> None:
        super().__init__(threads)
        self.next_cursor = next_cursor

    def __repr__(self) -> str:
        return f"ThreadPage({list.__repr__(self)}, next_cursor={self.next_cursor!r})"
