"""Hold handles that can't be guessed: 128 random bits mapped to holdfast hold ids.

A HoldId is a slot index and a generation, so the next one is easy to guess;
the box office never shows it. A client gets 32 hex digits from the secrets
module instead, and this table maps them to (hold id, buyer). A forged or
guessed handle finds nothing, so holdfast is never asked (I8 over HTTP).

The table is bounded. A handle outlives its hold for a late client: until its
keep_until time, which the box office sets to the deadline plus a grace after
a hold, and to a retention time after a confirmation. When the table is full,
handles past their keep_until go first, then those of holds past their
deadline or confirmed; only live holds can fill it, and those are bounded per
buyer by the box office.

    table = HandleTable(capacity=65536)
    handle, new = table.put(hold_id, buyer, deadline_ns, keep_until_ns, now_ns)
    entry = table.find(handle, now_ns)

Thread-safe: one lock, held for one dict operation (FastAPI runs the routes
on a thread pool). The holdfast core itself takes no lock.
"""

from __future__ import annotations

import dataclasses
import secrets
import string
import threading
from typing import Dict, Optional, Tuple

HANDLE_CHARS = 32
_HEX = frozenset(string.hexdigits.lower())


@dataclasses.dataclass
class HandleEntry:
    """What a handle stands for."""

    hold_id: int
    buyer: int
    """The buyer who made the hold (holdfast checks the caller, not this)."""
    deadline_ns: int
    """The hold's deadline on the sale clock's monotonic_ns()."""
    keep_until_ns: int
    """When the handle is forgotten (then it answers 404)."""
    confirmed: bool = False


class HandleTable:
    """A bounded map of random handles to holds. Thread-safe."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity={capacity}: must be positive")
        self._capacity = capacity
        self._lock = threading.Lock()
        self._entries: Dict[str, HandleEntry] = {}
        self._by_hold: Dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def capacity(self) -> int:
        """The most handles kept at once."""
        return self._capacity

    def put(self, hold_id: int, buyer: int, deadline_ns: int, keep_until_ns: int,
            now_ns: int) -> Tuple[Optional[str], bool]:
        """A handle for the hold: (a fresh handle, True), or (its existing handle,
        False) when the hold has one already (an idempotent retry), or (None,
        False) when the table is full of live holds."""
        with self._lock:
            existing = self._by_hold.get(hold_id)
            if existing is not None:
                return existing, False
            if len(self._entries) >= self._capacity:
                self._evict_locked(now_ns)
                if len(self._entries) >= self._capacity:
                    return None, False
            handle = secrets.token_hex(HANDLE_CHARS // 2)
            self._entries[handle] = HandleEntry(hold_id, buyer, deadline_ns, keep_until_ns)
            self._by_hold[hold_id] = handle
            return handle, True

    def find(self, handle: str, now_ns: int) -> Optional[HandleEntry]:
        """The entry of `handle` (a copy), or None if malformed, unknown or past
        its keep_until (then it is dropped)."""
        if len(handle) != HANDLE_CHARS or not _HEX.issuperset(handle):
            return None
        with self._lock:
            entry = self._entries.get(handle)
            if entry is None:
                return None
            if entry.keep_until_ns <= now_ns:
                self._erase_locked(handle)
                return None
            return dataclasses.replace(entry)

    def update(self, handle: str, deadline_ns: int, keep_until_ns: int, confirmed: bool) -> None:
        """Moves the handle's times (after an extend or a confirm); no-op if gone."""
        with self._lock:
            entry = self._entries.get(handle)
            if entry is not None:
                entry.deadline_ns = deadline_ns
                entry.keep_until_ns = keep_until_ns
                entry.confirmed = confirmed

    def erase(self, handle: str) -> None:
        """Forgets the handle (after a release, or when holdfast no longer knows it)."""
        with self._lock:
            self._erase_locked(handle)

    def purge(self, now_ns: int) -> int:
        """Drops handles past their keep_until; returns how many."""
        with self._lock:
            stale = [h for h, e in self._entries.items() if e.keep_until_ns <= now_ns]
            for handle in stale:
                self._erase_locked(handle)
            return len(stale)

    def _erase_locked(self, handle: str) -> None:
        entry = self._entries.pop(handle, None)
        if entry is not None and self._by_hold.get(entry.hold_id) == handle:
            del self._by_hold[entry.hold_id]

    def _evict_locked(self, now_ns: int) -> None:
        # Forgotten first, then holds that can't change any more: expired or confirmed.
        victims = [h for h, e in self._entries.items()
                   if e.keep_until_ns <= now_ns or e.deadline_ns <= now_ns or e.confirmed]
        for handle in victims:
            self._erase_locked(handle)
