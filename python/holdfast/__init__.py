"""holdfast: lock-free ticket-inventory holds with expiry, from Python.

A Sale sells a limited stock to a crowd without ever selling too much:
buyers take holds that expire unless confirmed, within per-buyer limits and
sales-cycle windows. The core is the C++ library; every call releases the
GIL, so Python threads hold and confirm in parallel.

    import holdfast
    from datetime import timedelta

    sale = holdfast.Sale(types={"regular": 300}, per_buyer_units_max=4)
    try:
        hold = sale.hold(buyer=7, lines="regular", quantity=2, ttl=timedelta(minutes=5))
    except holdfast.SoldOut:
        ...
    hold.confirm()

    outcome, hold = sale.try_hold(8, "regular")   # a HoldAttempt: no exceptions, hot loops

Reserved seating: give the sale a seat_map (parse_seat_map's text format)
and hold seats by id or label, or the best ones available:

    hall = holdfast.Sale(types={"stalls": 20}, seat_map='''
        section Stalls type=stalls
        row A seats=10
        row B seats=10
    ''')
    hold = hall.hold_best_available(buyer=7, count=2)   # hold.seats: (4, 5)
    hall.hold_seats(8, ["Stalls B-1", "Stalls B-2"])

Expected outcomes are raised as subclasses of HoldfastError (SoldOut,
BuyerLimit, Expired, ...), each carrying its Outcome; see DESIGN.md §2-3 for
the guarantees and include/holdfast/sale.h for each call's exact outcomes.
InvalidArgument says which argument broke which rule ("quantity=11 is above
units_per_hold_max (10)"), and an unknown name raises UnknownName, which is
also a KeyError:

    sale.available("typo")   # UnknownName: type: no ticket type named 'typo'; ...
"""

from holdfast._outcome import (
    AlreadyConfirmed,
    BuyerLimit,
    BuyerTableFull,
    Closed,
    ConfigError,
    ConfirmMode,
    EventKind,
    EXCEPTIONS,
    Expired,
    HoldfastError,
    HoldState,
    HoldTableFull,
    InvalidArgument,
    KeyInUse,
    TryAgain,
    NoAdjacentSeats,
    NotOpen,
    NotOwner,
    Outcome,
    SeatStatus,
    SeatTaken,
    SoldOut,
    TooManyHolds,
    UnknownHold,
    UnknownName,
)
from holdfast._records import (
    BuyerCounts,
    Event,
    HoldAttempt,
    HoldInfo,
    SaleStats,
    SeatState,
    TypeStats,
)
from holdfast._config import (
    Cycle,
    Quota,
    SaleConfig,
    SeatMap,
    SeatRow,
    SeatSection,
    TicketType,
    make_config,
    parse_seat_map,
    validate_config,
)
from holdfast import _core
from holdfast._core import (
    BUYERS_MAX,
    CAPACITY_MAX,
    CYCLE_PER_BUYER_MAX,
    CYCLES_MAX,
    EVENTS_MAX,
    HOLD_LIFETIME_MAX,
    HOLDS_MAX,
    IDEMPOTENCY_KEYS_MAX,
    LINES_PER_HOLD_MAX,
    PER_BUYER_UNITS_MAX,
    QUOTAS_MAX,
    QUOTAS_PER_TYPE_MAX,
    RESERVED_BUYER,
    SEATS_PER_HOLD_MAX,
    TYPES_MAX,
    UNITS_PER_HOLD_MAX,
    Clock,
    Hold,
    ManualClock,
    Sweeper,
    SystemClock,
)
from holdfast._sale import Sale

__version__ = ".".join(str(part) for part in _core.VERSION)

__all__ = [
    "AlreadyConfirmed",
    "BUYERS_MAX",
    "BuyerCounts",
    "BuyerLimit",
    "BuyerTableFull",
    "CAPACITY_MAX",
    "CYCLE_PER_BUYER_MAX",
    "CYCLES_MAX",
    "Clock",
    "Closed",
    "ConfigError",
    "ConfirmMode",
    "Cycle",
    "EVENTS_MAX",
    "EXCEPTIONS",
    "Event",
    "EventKind",
    "Expired",
    "HOLDS_MAX",
    "HOLD_LIFETIME_MAX",
    "Hold",
    "HoldAttempt",
    "HoldInfo",
    "HoldState",
    "HoldTableFull",
    "HoldfastError",
    "IDEMPOTENCY_KEYS_MAX",
    "InvalidArgument",
    "KeyInUse",
    "TryAgain",
    "LINES_PER_HOLD_MAX",
    "ManualClock",
    "NoAdjacentSeats",
    "NotOpen",
    "NotOwner",
    "Outcome",
    "PER_BUYER_UNITS_MAX",
    "QUOTAS_MAX",
    "QUOTAS_PER_TYPE_MAX",
    "Quota",
    "RESERVED_BUYER",
    "Sale",
    "SaleConfig",
    "SaleStats",
    "SEATS_PER_HOLD_MAX",
    "SeatMap",
    "SeatRow",
    "SeatSection",
    "SeatState",
    "SeatStatus",
    "SeatTaken",
    "SoldOut",
    "Sweeper",
    "SystemClock",
    "TYPES_MAX",
    "TicketType",
    "TooManyHolds",
    "TypeStats",
    "UNITS_PER_HOLD_MAX",
    "UnknownHold",
    "UnknownName",
    "make_config",
    "parse_seat_map",
    "validate_config",
]

# Public classes print as holdfast.X, wherever they are defined.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith("holdfast."):
        try:
            _obj.__module__ = "holdfast"
        except (AttributeError, TypeError):  # some compiled types refuse
            pass
del _name, _obj
