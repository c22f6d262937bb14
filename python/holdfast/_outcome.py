"""Outcomes, event kinds and the exceptions that carry outcomes.

Every holdfast operation answers one Outcome. The raising methods (Sale.hold,
Hold.confirm, ...) turn a non-Ok outcome into an exception: one class per
outcome, all derived from HoldfastError, each carrying the outcome. The try_*
methods return the Outcome instead, for hot loops.

This module is pure Python and must not import holdfast._core: the compiled
module imports it while it initializes.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Dict, Optional, Tuple, Type


class Outcome(enum.IntEnum):
    """The result of an operation: OK or one named reason (DESIGN.md §3).

    The values equal the C++ enum holdfast::Outcome; str() gives the C++ name
    ("SoldOut"), and `exception` the HoldfastError subclass raised for it.
    """

    OK = 0
    SOLD_OUT = 1
    SEAT_TAKEN = 2
    NO_ADJACENT_SEATS = 3
    BUYER_LIMIT = 4
    TOO_MANY_HOLDS = 5
    NOT_OPEN = 6
    CLOSED = 7
    EXPIRED = 8
    UNKNOWN_HOLD = 9
    NOT_OWNER = 10
    ALREADY_CONFIRMED = 11
    HOLD_TABLE_FULL = 12
    BUYER_TABLE_FULL = 13
    INVALID_ARGUMENT = 14
    KEY_IN_USE = 15
    TRY_AGAIN = 16

    def __str__(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def exception(self) -> Optional[Type["HoldfastError"]]:
        """The HoldfastError subclass raised for this outcome; None for OK."""
        return EXCEPTIONS.get(self)

    @property
    def status_code(self) -> str:
        """The absl::StatusCode name it maps to, e.g. "RESOURCE_EXHAUSTED"."""
        from holdfast import _core  # late: _core imports this module

        return _core.outcome_status_code(int(self))


class EventKind(enum.IntEnum):
    """What happened to a hold, as reported by Sale.drain_events()."""

    HELD = 0
    CONFIRMED = 1
    RELEASED = 2
    EXPIRED = 3

    def __str__(self) -> str:
        return self.name.capitalize()


class HoldState(str, enum.Enum):
    """Where a hold stands (Hold.state, HoldInfo.state). A str enum: each member
    equals its value, so `hold.state == "held"` works too."""

    HELD = "held"
    """Live: it can be confirmed, released or extended."""
    CONFIRMED = "confirmed"
    RELEASED = "released"
    EXPIRED = "expired"
    """Its deadline has passed, swept or not: it can never be confirmed."""
    ENDED = "ended"
    """It ended and the sale no longer describes it (its slot holds a later
    hold), and this handle did not see how it ended."""

    def __str__(self) -> str:
        return self.value


class SeatStatus(enum.IntEnum):
    """What a seat is doing now (Sale.seat); the values equal the C++ enum
    holdfast::SeatStatus."""

    FREE = 0
    HELD = 1
    """In a live hold (or one past its deadline not yet expired)."""
    SOLD = 2

    def __str__(self) -> str:
        return self.name.capitalize()


class ConfirmMode(enum.IntEnum):
    """How confirm answers a hold the buyer already confirmed (I9)."""

    RETRY_IS_OK = 0
    """Answer OK: a retry after a lost response is safe (the default)."""
    REPORT_ALREADY_CONFIRMED = 1
    """Answer ALREADY_CONFIRMED (raised as AlreadyConfirmed)."""


class ConfigError(ValueError):
    """The sale's configuration is invalid; the message names the field,
    e.g. "cycles[1].opens_at: before cycles[0].opens_at"."""


class HoldfastError(Exception):
    """An expected outcome other than OK, raised by a raising method.

    Attributes: outcome (the Outcome), operation ("hold", "confirm",
    "release" or "extend"), buyer, hold_id (None for a failed hold), and a
    subclass's own (SeatTaken.taken_seat, UnknownName.name), given by
    keyword and None by default.
    Catch HoldfastError for every outcome, or a subclass for one.
    """

    outcome: ClassVar[Outcome]

    def __init__(
        self,
        message: Optional[str] = None,
        *,
        operation: str = "",
        buyer: Optional[int] = None,
        hold_id: Optional[int] = None,
        **extra: Any,
    ) -> None:
        unknown = set(extra) - set(self._extra_attributes)
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected {', '.join(sorted(unknown))}")
        for name in self._extra_attributes:
            setattr(self, name, extra.get(name))
        self.operation = operation
        self.buyer = buyer
        self.hold_id = hold_id
        if message is None:
            message = str(getattr(type(self), "outcome", type(self).__name__))
            details = []
            if operation:
                details.append(operation)
            if buyer is not None:
                details.append(f"buyer {buyer}")
            if hold_id is not None:
                details.append(f"hold {hold_id:#x}")
            if details:
                message += f" ({', '.join(details)})"
        super().__init__(message)

    _extra_attributes: ClassVar[Tuple[str, ...]] = ()
    """Keyword attributes a subclass adds (SeatTaken's taken_seat, ...)."""

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:  # keeps the keyword attributes
        extra = {name: getattr(self, name) for name in self._extra_attributes}
        return (
            _rebuild_error,
            (type(self), str(self), self.operation, self.buyer, self.hold_id, extra),
        )


def _rebuild_error(
    cls: Type[HoldfastError],
    message: str,
    operation: str,
    buyer: Optional[int],
    hold_id: Optional[int],
    extra: Optional[Dict[str, Any]] = None,
) -> HoldfastError:
    return cls(message, operation=operation, buyer=buyer, hold_id=hold_id, **(extra or {}))


class SoldOut(HoldfastError):
    """Not enough stock in a ticket type, a shared quota or the cycle's allotment,
    after every hold past its deadline was counted as returned (I5)."""

    outcome = Outcome.SOLD_OUT


class SeatTaken(HoldfastError):
    """A requested seat is taken (reserved seating; not produced by general
    admission sales).

    `taken_seat` is the seat id found taken (the lowest-numbered one of the
    first run of consecutive requested seats that had one), or None.
    """

    outcome = Outcome.SEAT_TAKEN
    _extra_attributes = ("taken_seat",)
    taken_seat: Optional[int]

    def __init__(
        self,
        message: Optional[str] = None,
        *,
        operation: str = "",
        buyer: Optional[int] = None,
        hold_id: Optional[int] = None,
        taken_seat: Optional[int] = None,
    ) -> None:
        if message is None and taken_seat is not None:
            message = f"SeatTaken (seat {taken_seat}"
            if operation:
                message += f", {operation}"
            if buyer is not None:
                message += f", buyer {buyer}"
            message += ")"
        super().__init__(
            message, operation=operation, buyer=buyer, hold_id=hold_id, taken_seat=taken_seat
        )


class NoAdjacentSeats(HoldfastError):
    """No run of adjacent seats fits the request (reserved seating; not produced
    by general admission sales)."""

    outcome = Outcome.NO_ADJACENT_SEATS


class BuyerLimit(HoldfastError):
    """The hold would take the buyer past a per-buyer unit limit (sale or cycle)."""

    outcome = Outcome.BUYER_LIMIT


class TooManyHolds(HoldfastError):
    """The buyer already has the per-buyer maximum number of live holds."""

    outcome = Outcome.TOO_MANY_HOLDS


class NotOpen(HoldfastError):
    """The sale has cycles and none is open now; one opens later."""

    outcome = Outcome.NOT_OPEN


class Closed(HoldfastError):
    """The last cycle's window has closed."""

    outcome = Outcome.CLOSED


class Expired(HoldfastError):
    """The hold's deadline has passed; it can never be confirmed (I4)."""

    outcome = Outcome.EXPIRED


class UnknownHold(HoldfastError):
    """The id names no hold of this sale: released, stale, forged or foreign."""

    outcome = Outcome.UNKNOWN_HOLD


class NotOwner(HoldfastError):
    """The hold belongs to another buyer; nothing changed."""

    outcome = Outcome.NOT_OWNER


class AlreadyConfirmed(HoldfastError):
    """The hold was already confirmed (release and extend always say so; confirm
    only with ConfirmMode.REPORT_ALREADY_CONFIRMED)."""

    outcome = Outcome.ALREADY_CONFIRMED


class HoldTableFull(HoldfastError):
    """Every hold slot (holds_max), or every idempotency key slot, is in use."""

    outcome = Outcome.HOLD_TABLE_FULL


class BuyerTableFull(HoldfastError):
    """The sale tracks buyers_max buyers already; a new buyer can't be admitted."""

    outcome = Outcome.BUYER_TABLE_FULL


class InvalidArgument(HoldfastError, ValueError):
    """Bad input: no lines or too many, a quantity <= 0, more units than
    units_per_hold_max, an unknown type, a TTL under 1 us or above hold_lifetime_max,
    the reserved buyer id, or a key with idempotency keys off. Also a ValueError.

    Raised by a raising method, the message names the argument and the rule it
    broke, e.g. "quantity=11 is above units_per_hold_max (10)" (the core
    decides; the message explains its answer). An unknown name raises the
    subclass UnknownName."""

    outcome = Outcome.INVALID_ARGUMENT


class UnknownName(InvalidArgument, KeyError):
    """A ticket type, quota, cycle, section or seat named by a name the sale
    does not know, e.g. sale.available("typo"). Also an InvalidArgument (so a
    ValueError) and a KeyError; the message names the argument, the name and
    the names the sale knows. `name` is the unknown name.

    Raised by the queries (available, type_available, quota_available,
    cycle_available, type_stats_of, seat) and by the raising hold calls; the
    try_* forms answer Outcome.INVALID_ARGUMENT instead, as for any bad
    argument.
    """

    outcome = Outcome.INVALID_ARGUMENT
    _extra_attributes = ("name",)
    name: Optional[str]

    def __str__(self) -> str:
        # The message itself, not KeyError's repr() of it.
        return Exception.__str__(self)


class KeyInUse(HoldfastError):
    """Another hold call with the same buyer and idempotency key is making its
    hold at this very instant; retry (the retry answers that hold)."""

    outcome = Outcome.KEY_IN_USE


class TryAgain(HoldfastError):
    """The units this hold needs are on their way back from a hold that has just
    expired, and the thread giving them back has been stopped for longer than the
    hold waits (a bounded wait). Nothing changed; retry shortly."""

    outcome = Outcome.TRY_AGAIN


EXCEPTIONS: Dict[Outcome, Type[HoldfastError]] = {
    cls.outcome: cls
    for cls in (
        SoldOut,
        SeatTaken,
        NoAdjacentSeats,
        BuyerLimit,
        TooManyHolds,
        NotOpen,
        Closed,
        Expired,
        UnknownHold,
        NotOwner,
        AlreadyConfirmed,
        HoldTableFull,
        BuyerTableFull,
        InvalidArgument,
        KeyInUse,
        TryAgain,
    )
}
"""The exception class of every outcome but OK."""
