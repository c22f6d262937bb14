"""The Idempotency-Keys each buyer used, bounded, and what each one asked for.

holdfast remembers every (buyer, key) that made a hold for the sale's life in
one table for all buyers, and answers a retry with the same hold. This table
sits in front of it, as in the C++ box_office (idempotency_keys.h): it keeps
the fingerprint of the request each key came with, so the same key with
another request is refused (422) instead of answering the first hold, and it
bounds the keys of one buyer (429 beyond), so one token can't use up
holdfast's table.

    keys = IdempotencyKeys(keys_per_buyer_max=32, secret=secrets.token_bytes(16))
    key = keys.key_of("order-17")            # holdfast's 64-bit key
    admission = keys.begin(buyer, key, fingerprint)
    ...
    keys.end(buyer, key, admission, made_hold)

Thread-safe: one lock, held for one dict operation.
"""

from __future__ import annotations

import enum
import hashlib
import threading
from typing import Dict, Hashable


class Admission(enum.Enum):
    """What begin() decided for a request with a key."""

    NEW = "new"
    """A key this buyer has not used: it may make a hold."""
    KNOWN = "known"
    """The same key with the same request: holdfast answers the hold it made."""
    MISMATCH = "mismatch"
    """The same key with another request: 422."""
    TOO_MANY_KEYS = "too_many_keys"
    """The buyer used its share of keys: 429."""


class IdempotencyKeys:
    """Per-buyer Idempotency-Keys and their fingerprints. Thread-safe."""

    def __init__(self, keys_per_buyer_max: int, secret: bytes) -> None:
        self._max = keys_per_buyer_max
        self._secret = secret
        self._lock = threading.Lock()
        self._keys: Dict[int, Dict[int, Hashable]] = {}

    def key_of(self, header: str) -> int:
        """holdfast's 64-bit key of an Idempotency-Key header: a keyed BLAKE2b hash,
        so clients can't choose keys that collide; never 0 (0 means no key)."""
        digest = hashlib.blake2b(header.encode(), digest_size=8, key=self._secret).digest()
        return int.from_bytes(digest, "little") or 1

    def begin(self, buyer: int, key: int, fingerprint: Hashable) -> Admission:
        """Admits a request of `buyer` with `key` asking for `fingerprint`. A NEW
        key is recorded at once, so a concurrent retry finds it KNOWN."""
        with self._lock:
            keys = self._keys.setdefault(buyer, {})
            known = keys.get(key)
            if known is not None:
                return Admission.KNOWN if known == fingerprint else Admission.MISMATCH
            if len(keys) >= self._max:
                return Admission.TOO_MANY_KEYS
            keys[key] = fingerprint
            return Admission.NEW

    def end(self, buyer: int, key: int, admission: Admission, made_hold: bool) -> None:
        """Forgets a NEW key whose request made no hold, so it counts for nothing."""
        if admission is not Admission.NEW or made_hold:
            return
        with self._lock:
            self._keys.get(buyer, {}).pop(key, None)
