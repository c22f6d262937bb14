"""Messages that say why: what a raising call's InvalidArgument broke.

The core decides: a raising method (Sale.hold, Hold.extend, ...) calls the
core, and only when it answers INVALID_ARGUMENT does the compiled module call
one of these functions to find which argument broke which rule, against the
sale's normalized SaleConfig. So a successful call costs nothing here, and the
try_* forms never come here. Each function returns the exception to raise
(InvalidArgument, or UnknownName for an unknown name); the compiled module
raises it.

This module must not import holdfast._core at import time: the compiled
module loads it while it initializes.
"""

from __future__ import annotations

import datetime
import functools
import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

from holdfast._config import SaleConfig, SeatMap, SeatSection
from holdfast._outcome import InvalidArgument, UnknownName

_KINDS = {
    "type": "ticket type",
    "quota": "quota",
    "cycle": "cycle",
    "section": "section",
}


def _sections(config: SaleConfig) -> Tuple[SeatSection, ...]:
    # Normalized (make_config): a SeatMap, never its text.
    return config.seat_map.sections if isinstance(config.seat_map, SeatMap) else ()


def _known(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names) if names else "none"


def _names(config: SaleConfig, kind: str) -> List[str]:
    if kind == "type":
        return [t.name for t in config.types]
    if kind == "quota":
        return [q.name for q in config.quotas]
    if kind == "cycle":
        return [c.name for c in config.cycles]
    return [s.name for s in _sections(config)]


def _seat_message(config: SaleConfig, what: str, label: str) -> str:
    sections = _sections(config)
    if not sections:
        return f"{what}: no seat labelled {label!r}; the sale has no seat map"
    known = "; ".join(
        f"{section.name!r} (rows {', '.join(row.label for row in section.rows)})"
        for section in sections[:8]
    )
    if len(sections) > 8:
        known += "; ..."
    return (
        f"{what}: no seat labelled {label!r}; labels are 'SECTION ROW-NUMBER', "
        f"sections: {known}"
    )


def unknown(config: SaleConfig, kind: str, name: str, what: str, **context: Any) -> UnknownName:
    """An UnknownName for `name`, an unknown `kind` ("type", "quota",
    "cycle", "section" or "seat") given as argument `what`."""
    if kind == "seat":
        message = _seat_message(config, what, name)
    else:
        message = f"{what}: no {_KINDS[kind]} named {name!r}; known: {_known(_names(config, kind))}"
    return UnknownName(message, name=name, **context)


def _show(value: Any) -> str:
    return str(value) if isinstance(value, datetime.timedelta) else repr(value)


def _seconds(value: Any) -> float:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value)


def _ttl_rule(config: SaleConfig, ttl: Any, what: str = "ttl") -> Optional[str]:
    if ttl is None:
        return None
    seconds = _seconds(ttl)
    if math.isnan(seconds):
        return f"{what}={_show(ttl)} is not a number"
    if seconds < 1e-6:
        return f"{what}={_show(ttl)} is under 1 microsecond"
    lifetime_max = config.hold_lifetime_max
    if seconds > _seconds(lifetime_max):
        return f"{what}={_show(ttl)} is above hold_lifetime_max ({_show(lifetime_max)})"
    return None


def _options_rule(config: SaleConfig, buyer: int, ttl: Any, key: Any) -> Optional[str]:
    from holdfast import _core

    if buyer == _core.RESERVED_BUYER:
        return f"buyer={buyer} is RESERVED_BUYER, which no buyer may use"
    rule = _ttl_rule(config, ttl)
    if rule is not None:
        return rule
    if key and config.idempotency_keys_max == 0:
        return f"idempotency_key={key}: idempotency keys are off (idempotency_keys_max=0)"
    return None


class _Unknown(Exception):
    """Carries an UnknownName out of the line and seat parsers."""

    def __init__(self, error: UnknownName) -> None:
        super().__init__()
        self.error = error


class _Consumed(Exception):
    """An argument was an iterator, which the call has already read."""


def _reread(values: Any) -> List[Any]:
    if iter(values) is values:
        raise _Consumed()
    return list(values)


def _pair(item: Any) -> Tuple[Any, Any]:
    first, second = item  # the core took it as a pair, so it unpacks as one
    return (first, second)


def _line_items(lines: Any, quantity: Any) -> List[Tuple[Any, Any]]:
    if isinstance(lines, (int, str)):
        return [(lines, 1 if quantity is None else quantity)]
    if isinstance(lines, dict) or hasattr(lines, "items"):
        return [_pair(item) for item in _reread(lines.items())]
    return [_pair(item) for item in _reread(lines)]


def _type_rule(config: SaleConfig, ref: Any, what: str, context: Dict[str, Any]) -> Optional[str]:
    """None when `ref` names a type of the sale; raises _Unknown for a name."""
    count = len(config.types)
    if isinstance(ref, str):
        if ref not in _names(config, "type"):
            raise _Unknown(unknown(config, "type", ref, what, **context))
        return None
    if not 0 <= ref < count:
        span = f"0 .. {count - 1}" if count else "none"
        return f"{what}: type {ref} is out of range (the sale has {count} types, {span})"
    return None


def _lines_rule(
    config: SaleConfig, lines: Any, quantity: Any, context: Dict[str, Any], extra_units: int = 0,
    extra_what: str = "",
) -> Optional[str]:
    from holdfast import _core

    items = _line_items(lines, quantity)
    single = isinstance(lines, (int, str))
    if not items and not extra_what:
        return "lines: no lines (give at least one type with a quantity)"
    if len(items) > _core.LINES_PER_HOLD_MAX:
        return f"lines: {len(items)} lines is above LINES_PER_HOLD_MAX ({_core.LINES_PER_HOLD_MAX})"
    units = extra_units
    for ref, count in items:
        rule = _type_rule(config, ref, "lines", context)
        if rule is not None:
            return rule
        if count <= 0:
            if single:
                return f"quantity={count} is not positive"
            return f"lines: quantity={count} of type {ref!r} is not positive"
        units += count
    if units > config.units_per_hold_max:
        limit = f"above units_per_hold_max ({config.units_per_hold_max})"
        if single and not extra_what:
            return f"quantity={units} is {limit}"
        return f"{extra_what or 'lines'}: {units} units in all is {limit}"
    return None


def _raise(rule: Optional[str], operation: str, context: Dict[str, Any]) -> InvalidArgument:
    if rule is None:  # the core saw something these checks do not
        rule = f"{operation}: the core refused the arguments (INVALID_ARGUMENT)"
    return InvalidArgument(rule, **context)


_Explainer = TypeVar("_Explainer", bound=Callable[..., InvalidArgument])


def _explains(operation: str) -> Callable[[_Explainer], _Explainer]:
    """Makes an explainer never fail: the call was refused whatever happens
    here, so an argument it can't read again (an iterator the call consumed)
    or a surprise still gives an InvalidArgument."""

    def wrap(explainer: _Explainer) -> _Explainer:
        @functools.wraps(explainer)
        def explained(*args: Any, **kwargs: Any) -> InvalidArgument:
            try:
                return explainer(*args, **kwargs)
            except _Unknown as unknown_name:
                return unknown_name.error
            except _Consumed:
                rule = (
                    f"{operation}: the core refused the arguments (INVALID_ARGUMENT); give "
                    f"lines, seats and sections as lists or mappings, not iterators, for a "
                    f"message naming the rule"
                )
            except Exception:  # noqa: BLE001 (the refusal is the error to raise)
                rule = None
            return _raise(rule, operation, {"operation": operation})

        return explained  # type: ignore[return-value]

    return wrap


@_explains("hold")
def hold(
    config: SaleConfig, buyer: int, lines: Any, quantity: Any, ttl: Any, key: Any
) -> InvalidArgument:
    """Why Sale.hold answered INVALID_ARGUMENT."""
    context = {"operation": "hold", "buyer": buyer}
    rule = _options_rule(config, buyer, None, None) or _lines_rule(config, lines, quantity, context)
    return _raise(rule or _options_rule(config, buyer, ttl, key), "hold", context)


def _seat_ids(sale: Any, config: SaleConfig, seats: Any, context: Dict[str, Any]) -> List[int]:
    refs = [seats] if isinstance(seats, (int, str)) else _reread(seats)
    out = []
    for ref in refs:
        if isinstance(ref, str):
            seat = sale.find_seat(ref)
            if seat is None:
                raise _Unknown(unknown(config, "seat", ref, "seats", **context))
            out.append(seat)
        else:
            out.append(ref)
    return out


@_explains("hold_seats")
def hold_seats(
    sale: Any, config: SaleConfig, buyer: int, seats: Any, lines: Any, ttl: Any, key: Any
) -> InvalidArgument:
    """Why Sale.hold_seats answered INVALID_ARGUMENT."""
    from holdfast import _core

    context = {"operation": "hold_seats", "buyer": buyer}
    seat_count = sale.seat_count()
    rule = _options_rule(config, buyer, None, None)
    if rule is None and seat_count == 0:
        rule = "seats: the sale has no seat map"
    ids = _seat_ids(sale, config, seats, context) if rule is None else []
    if rule is None and not ids:
        rule = "seats: no seats given"
    if rule is None and len(ids) > _core.SEATS_PER_HOLD_MAX:
        rule = f"seats: {len(ids)} seats is above SEATS_PER_HOLD_MAX ({_core.SEATS_PER_HOLD_MAX})"
    seen = set()
    for seat in ids if rule is None else ():
        if not 0 <= seat < seat_count:
            rule = f"seats: seat {seat} is out of range (0 .. {seat_count - 1})"
            break
        if seat in seen:
            rule = f"seats: seat {seat} is given twice"
            break
        seen.add(seat)
    if rule is None:
        rule = _lines_rule(
            config, lines, None, context, extra_units=len(ids), extra_what="seats and lines"
        )
    if rule is None:
        rule = _options_rule(config, buyer, ttl, key)
    if rule is None and len(ids) > 1:
        rule = (
            f"seats and lines: they need more than LINES_PER_HOLD_MAX "
            f"({_core.LINES_PER_HOLD_MAX}) slot lines (each line is one, and so is each run "
            f"of consecutive seats of one row)"
        )
    return _raise(rule, "hold_seats", context)


@_explains("hold_best_available")
def hold_best_available(
    sale: Any, config: SaleConfig, buyer: int, count: int, sections: Any, ttl: Any, key: Any
) -> InvalidArgument:
    """Why Sale.hold_best_available answered INVALID_ARGUMENT."""
    from holdfast import _core

    context = {"operation": "hold_best_available", "buyer": buyer}
    limit = _core.SEATS_PER_HOLD_MAX
    rule = _options_rule(config, buyer, None, None)
    if rule is None and sale.seat_count() == 0:
        rule = "hold_best_available: the sale has no seat map"
    if rule is None and not 1 <= count <= limit:
        rule = f"count={count} is outside 1 .. {limit} (SEATS_PER_HOLD_MAX)"
    if rule is None and count > config.units_per_hold_max:
        rule = f"count={count} is above units_per_hold_max ({config.units_per_hold_max})"
    names = _names(config, "section")
    refs = [sections] if isinstance(sections, (int, str)) else _reread(sections)
    for ref in refs if rule is None else ():
        if isinstance(ref, str) and ref not in names:
            return unknown(config, "section", ref, "sections", **context)
        if isinstance(ref, int) and not 0 <= ref < len(names):
            rule = f"sections: section {ref} is out of range (0 .. {len(names) - 1})"
            break
    if rule is None:
        rule = _options_rule(config, buyer, ttl, key)
    if rule is None and key:
        rule = f"idempotency_key={key} names a hold of this buyer that has no seats"
    return _raise(rule, "hold_best_available", context)


@_explains("extend")
def extend(config: SaleConfig, ttl: Any, buyer: int, hold_id: int) -> InvalidArgument:
    """Why Sale.extend or Hold.extend answered INVALID_ARGUMENT."""
    context = {"operation": "extend", "buyer": buyer, "hold_id": hold_id}
    return _raise(_ttl_rule(config, 0 if ttl is None else ttl), "extend", context)

