"""The description of a sale: ticket types, quotas, cycles, limits and the
seat map.

Sale(...) and validate_config(...) take either a SaleConfig or the same
fields as keyword arguments, with a few conveniences: types as a mapping
{name: capacity} or (name, capacity) pairs, quota members by type name, TTLs
as timedelta or seconds, the seat map as its text (see parse_seat_map).
make_config() turns any of these into one normalized
SaleConfig, which the compiled core reads field by field; the core checks the
values (ConfigError names the field).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

Seconds = Union[datetime.timedelta, float, int]
"""A duration: a timedelta, or seconds."""


@dataclasses.dataclass(frozen=True)
class TicketType:
    """A fungible ticket type (general admission), e.g. TicketType("regular", 300)."""

    name: str
    """Non-empty, unique within the sale."""
    capacity: int
    """Units for sale over the whole sale, 0 .. CAPACITY_MAX."""


@dataclasses.dataclass(frozen=True)
class Quota:
    """A cap on the total over several ticket types, e.g. a hall's seats.

    A type's availability is the minimum over its own capacity and every
    quota it belongs to.
    """

    name: str
    capacity: int
    types: Tuple[Union[int, str], ...] = ()
    """Member types, by index or name; at least one, no repeats. A single
    name or index is one member: Quota("hall", 5, types="regular")."""

    def __post_init__(self) -> None:
        # A bare str is one name, not its letters; any iterable becomes a tuple.
        types: Any = self.types
        if isinstance(types, (str, int)):
            types = (types,)
        elif not isinstance(types, tuple):
            types = tuple(types)
        object.__setattr__(self, "types", types)


@dataclasses.dataclass(frozen=True)
class Cycle:
    """A window in which part of the stock is on sale.

    Cycles are ordered by opens_at and never overlap: a cycle ends at its
    closes_at or when the next one opens, whichever is first. Before a window
    holds raise NotOpen, after the last one Closed. Times are timezone-aware
    datetimes (noon is noon); None means open since ever / for ever.
    """

    name: str
    opens_at: Optional[datetime.datetime] = None
    closes_at: Optional[datetime.datetime] = None
    allotment: int = 0
    """Units this cycle releases over all types together."""
    per_buyer_max: int = 0
    """Units one buyer may hold + buy in this cycle, 0 .. CYCLE_PER_BUYER_MAX;
    0: no cycle limit."""
    rollover: bool = False
    """Unsold units (also those returned later) move into the next cycle."""


@dataclasses.dataclass(frozen=True)
class SeatRow:
    """One row of a seat map: seat_count seats numbered first_number,
    first_number + 1, ...; a seat's label is "SECTION ROW-NUMBER"."""

    label: str
    """Non-empty, unique within its section, e.g. "B"."""
    seat_count: int
    """1 .. 1024."""
    first_number: int = 1
    rank: int = 0
    """Lower is better; 0: 1 + the row's index in the map (config order)."""
    accessible: Tuple[int, ...] = ()
    """Seat numbers with wheelchair access."""
    restricted: Tuple[int, ...] = ()
    """Seat numbers with a restricted view."""


@dataclasses.dataclass(frozen=True)
class SeatSection:
    """A section of a seat map: rows sold as units of one ticket type, whose
    capacity must equal the section's seats (all sections of that type)."""

    name: str
    type: Union[int, str] = 0
    """The ticket type (price tier), by index or name (also in the text:
    type=stalls)."""
    rows: Tuple[SeatRow, ...] = ()


@dataclasses.dataclass(frozen=True)
class SeatMap:
    """Reserved seating: sections of rows of seats (holdfast/seat_map.h).

    Usually parsed from text with parse_seat_map(); seat ids run 0 .. seats-1
    in the order of sections, rows and seats.
    """

    sections: Tuple[SeatSection, ...] = ()

    @property
    def seat_count(self) -> int:
        """Seats in the map."""
        return sum(row.seat_count for section in self.sections for row in section.rows)


@dataclasses.dataclass(frozen=True)
class SaleConfig:
    """The whole description of a sale; every bound is explicit.

    Defaults are the C++ library's (holdfast/config.h).
    """

    types: Tuple[TicketType, ...] = ()
    quotas: Tuple[Quota, ...] = ()
    cycles: Tuple[Cycle, ...] = ()
    per_buyer_units_max: int = 0
    """Units one buyer may hold + buy over the whole sale, 0 ..
    PER_BUYER_UNITS_MAX (2**39 - 1, what the core can count); 0: no limit of
    its own, which is PER_BUYER_UNITS_MAX. Larger values raise ConfigError."""
    per_buyer_holds_max: int = 0
    """Live holds one buyer may have at once; 0: no limit."""
    units_per_hold_max: int = 10
    hold_ttl_default: Seconds = datetime.timedelta(minutes=10)
    hold_lifetime_max: Seconds = datetime.timedelta(minutes=30)
    """No hold lives longer than this after its creation, however extended."""
    holds_max: int = 1 << 16
    """Live holds the sale can carry at once (64 .. HOLDS_MAX)."""
    buyers_max: int = 1 << 16
    """Distinct buyers tracked over the sale's life."""
    idempotency_keys_max: int = 1 << 16
    """Distinct (buyer, key) pairs remembered; 0 turns idempotency keys off."""
    events_max: int = 0
    """Capacity of the event queue; 0 turns events off."""
    clock: Any = None
    """A holdfast.Clock (e.g. ManualClock); None: SystemClock.get()."""
    seat_map: Union[SeatMap, str, None] = None
    """Reserved seating: a SeatMap or its text (parse_seat_map); None: a
    general-admission-only sale."""


TypesArg = Union[Mapping[str, int], Iterable[Union[TicketType, Tuple[str, int]]]]


_TYPES_SHAPE = "a mapping {name: capacity} or (name, capacity) pairs"


def _types(types: TypesArg) -> Tuple[TicketType, ...]:
    if isinstance(types, Mapping):
        return tuple(TicketType(name, capacity) for name, capacity in types.items())
    if isinstance(types, (str, bytes)) or not isinstance(types, Iterable):
        raise TypeError(f"types: expected {_TYPES_SHAPE}, got {type(types).__name__} {types!r}")
    out = []
    for i, item in enumerate(types):
        if isinstance(item, TicketType):
            out.append(item)
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            name, capacity = item
            out.append(TicketType(name, capacity))
        else:
            raise TypeError(
                f"types[{i}]: expected a TicketType or a (name, capacity) pair, got "
                f"{type(item).__name__} {item!r}"
            )
    return tuple(out)


def _no_type_named(where: str, name: str, type_index: Mapping[str, int]) -> Exception:
    from holdfast._outcome import ConfigError

    known = ", ".join(repr(n) for n in type_index) or "none"
    return ConfigError(f"{where}: no ticket type named {name!r}; known: {known}")


def _quota(quota: Any, type_index: Mapping[str, int]) -> Quota:
    if not isinstance(quota, Quota):
        quota = Quota(*quota)
    members = []
    for member in quota.types:
        if isinstance(member, str):
            if member not in type_index:
                raise _no_type_named(f"quota {quota.name!r}", member, type_index)
            member = type_index[member]
        members.append(member)
    normalized: Quota = dataclasses.replace(quota, types=tuple(members))
    return normalized


def _cycle(cycle: Any) -> Cycle:
    return cycle if isinstance(cycle, Cycle) else Cycle(*cycle)


def _seat_map(seat_map: Any, type_index: Mapping[str, int]) -> SeatMap:
    if seat_map is None:
        return SeatMap()
    if isinstance(seat_map, str):
        seat_map = parse_seat_map(seat_map)
    if not isinstance(seat_map, SeatMap):
        raise TypeError(f"seat_map: expected a SeatMap or its text, got {type(seat_map).__name__}")
    sections = []
    for section in seat_map.sections:
        if isinstance(section.type, str):
            if section.type not in type_index:
                raise _no_type_named(
                    f"seat_map section {section.name!r}", section.type, type_index
                )
            section = dataclasses.replace(section, type=type_index[section.type])
        sections.append(dataclasses.replace(section, rows=tuple(section.rows)))
    return SeatMap(tuple(sections))


def _is_index(text: str) -> bool:
    # What the C++ parser reads as a number (absl::SimpleAtoi): optional sign
    # and spaces around the digits.
    digits = text.strip()
    if digits[:1] in "+-":
        digits = digits[1:]
    return digits.isdigit() and digits.isascii()


def parse_seat_map(text: str) -> SeatMap:
    """Parses a seat map's text into a SeatMap, for SaleConfig(seat_map=...)
    (which also takes the text itself). One directive a line, '#' starts a
    comment:

        section Orchestra type=regular
        row A seats=20 rank=1 accessible=1,2
        row B seats=22 first=1 rank=2 restricted=22

    A section's type is the ticket type's name or index (type=0); a name is
    kept as the section's type and resolved when the sale is built. A seat's
    label is "SECTION ROW-NUMBER", e.g. "Orchestra A-12". Raises ConfigError
    (a ValueError) naming the line, e.g. "line 3: row B: seats=0 is outside
    [1, 1024]".
    """
    from holdfast import _core

    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    # The compiled parser reads indices: give it 0 for a named type, then put
    # the name back in that section. Lines keep their numbers for its errors.
    lines = text.split("\n")
    names = {}
    section = 0
    for number, line in enumerate(lines):
        words = line.split("#", 1)[0].split()
        if len(words) == 3 and words[0] == "section":
            if words[2].startswith("type=") and words[2][5:] and not _is_index(words[2][5:]):
                names[section] = words[2][5:]
                lines[number] = f"section {words[1]} type=0"
            section += 1
    parsed = _core.parse_seat_map("\n".join(lines))
    if not names:
        return parsed
    return SeatMap(
        tuple(
            dataclasses.replace(s, type=names[i]) if i in names else s
            for i, s in enumerate(parsed.sections)
        )
    )


def make_config(config: Optional[SaleConfig] = None, /, **fields: Any) -> SaleConfig:
    """Returns a normalized SaleConfig from a SaleConfig and/or keyword fields.

    Keyword fields replace the config's. types may be a mapping {name:
    capacity} or (name, capacity) pairs; quota members may be type names;
    quotas and cycles may be tuples of their fields.
    """
    if config is None:
        config = SaleConfig()
    elif not isinstance(config, SaleConfig):
        raise TypeError(f"config: expected a SaleConfig, got {type(config).__name__}")
    unknown = set(fields) - {f.name for f in dataclasses.fields(SaleConfig)}
    if unknown:
        raise TypeError(f"unknown SaleConfig fields: {', '.join(sorted(unknown))}")
    config = dataclasses.replace(config, **fields)
    types = _types(config.types)
    type_index = {t.name: i for i, t in enumerate(types)}
    return dataclasses.replace(
        config,
        types=types,
        quotas=tuple(_quota(q, type_index) for q in config.quotas),
        cycles=tuple(_cycle(c) for c in config.cycles),
        seat_map=_seat_map(config.seat_map, type_index),
    )


def validate_config(config: Optional[SaleConfig] = None, /, **fields: Any) -> None:
    """Checks a config the way Sale() does; raises ConfigError naming the bad
    field, e.g. "cycles[1].opens_at: before cycles[0].opens_at"."""
    from holdfast import _core

    _core.validate_config(make_config(config, **fields))
