"""The read-only records a Sale hands out: counters, stats, events and seat
states.

Frozen dataclasses, so they compare by value, print readably and can't be
changed by mistake. The compiled module builds them by keyword. HoldAttempt,
what the try_* hold forms return, is a frozen pair instead.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import TYPE_CHECKING, Mapping, NamedTuple, Optional, Tuple

from holdfast._outcome import EventKind, HoldState, Outcome, SeatStatus

if TYPE_CHECKING:  # the compiled module imports this one first
    from holdfast._core import Hold


@dataclasses.dataclass(frozen=True)
class BuyerCounts:
    """One buyer's counters (Sale.buyer)."""

    held_units: int = 0
    """Units in the buyer's live holds (dead holds count until expired)."""
    bought_units: int = 0
    """Units the buyer confirmed."""
    live_holds: int = 0
    """Holds the buyer has that have not ended."""


@dataclasses.dataclass(frozen=True)
class TypeStats:
    """Counters of one ticket type (Sale.type_stats_of).

    At a quiescent point available + held_units + sold_units == capacity.
    """

    capacity: int = 0
    available: int = 0
    """Neither held by a live hold nor sold."""
    held_units: int = 0
    """In holds not yet ended."""
    sold_units: int = 0
    """Confirmed."""
    released_units: int = 0
    """Returned by release, over the sale's life."""
    expired_units: int = 0
    """Returned by expiry, over the sale's life."""


@dataclasses.dataclass(frozen=True)
class SaleStats:
    """Counters of the whole sale (Sale.stats); exact when quiescent (I10)."""

    held_units: int = 0
    sold_units: int = 0
    released_units: int = 0
    expired_units: int = 0
    live_holds: int = 0
    holds_created: int = 0
    holds_confirmed: int = 0
    holds_released: int = 0
    holds_expired: int = 0
    outcomes: Mapping[Outcome, int] = dataclasses.field(default_factory=dict)
    """Answers of hold, confirm, release and extend, per Outcome (OK too)."""
    events_dropped: int = 0
    """Events lost to a full event queue."""
    slots_retired: int = 0
    """Hold slots retired because their generation ran out."""


@dataclasses.dataclass(frozen=True)
class Event:
    """One thing that happened to a hold (Sale.drain_events)."""

    kind: EventKind
    hold_id: int
    buyer: int
    units: int
    """All lines of the hold together."""
    monotonic_ns: int
    """The sale clock's monotonic_ns() when it happened."""


@dataclasses.dataclass(frozen=True)
class SeatState:
    """One seat's state (Sale.seat), for the server, not for other buyers:
    it names the holder."""

    status: SeatStatus = SeatStatus.FREE
    hold_id: Optional[int] = None
    """The hold that has it, when held; None when free or sold (a sold seat
    names only its buyer)."""
    buyer: Optional[int] = None
    """The holder or the buyer; None when free."""


@dataclasses.dataclass(frozen=True)
class HoldInfo:
    """One hold as its buyer may see it (Sale.hold_info, Hold.info): the sale's
    own view at the moment of the call."""

    hold_id: int
    state: HoldState
    buyer: int
    expires_at: Optional[datetime.datetime]
    """The deadline as an aware datetime in UTC, while the hold is live (or dead
    and not yet swept); None once it ended."""
    lines: Mapping[str, int]
    """Units by ticket type name, seats counted in their section's type."""
    units: int
    """All lines together."""
    seats: Tuple[int, ...] = ()
    """Seat ids of a live or confirmed hold; () otherwise."""


class _HoldPair(NamedTuple):
    """The items of a HoldAttempt."""

    outcome: Outcome
    """OK, or why nothing was held."""
    hold: Optional[Hold]
    """The Hold on OK, else None."""


class HoldAttempt(_HoldPair):
    """What every try_* hold form answers (Sale.try_hold, try_hold_seats,
    try_hold_best_available): the pair (outcome, hold), so

        outcome, hold = sale.try_hold(8, "regular")

    unpacks it, with `taken_seat` as an attribute. True when the outcome is
    OK; immutable; compares as the pair.
    """

    # Not a tuple item, so that every try_* form unpacks the same pair: set
    # only on a SEAT_TAKEN answer, and None (this class default) otherwise.
    taken_seat: Optional[int] = None
    """With SEAT_TAKEN, the id of a seat found taken; else None."""

    def __new__(
        cls, outcome: Outcome, hold: Optional[Hold] = None, taken_seat: Optional[int] = None
    ) -> HoldAttempt:
        attempt = super().__new__(cls, outcome, hold)
        if taken_seat is not None:
            object.__setattr__(attempt, "taken_seat", taken_seat)
        return attempt

    @property
    def ok(self) -> bool:
        """Whether the outcome is OK (a hold came back)."""
        return self.outcome is Outcome.OK

    def __bool__(self) -> bool:
        return self.outcome is Outcome.OK

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"HoldAttempt is immutable: can't set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"HoldAttempt is immutable: can't delete {name}")

    def __repr__(self) -> str:
        seat = "" if self.taken_seat is None else f", taken_seat={self.taken_seat}"
        return f"HoldAttempt(outcome={self.outcome!r}, hold={self.hold!r}{seat})"
