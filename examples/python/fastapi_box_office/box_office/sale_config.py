"""The sale the box office sells: read from the same JSON as the C++ box_office.

The fields are those of examples/box_office/sale_json.cc: "types" and "quotas"
as lists of objects, "cycles" with "opens_at"/"closes_at" as RFC 3339 instants
or "now" / "now+90s", durations as "..._seconds", plus "seat_map" (the text of
holdfast.parse_seat_map) for reserved seating. The same file can start either
server, which is how the README's load test compares them.

    sale = sale_from_json(pathlib.Path("sale.json").read_text())

A malformed file raises ValueError naming the field; a configuration holdfast
refuses raises holdfast.ConfigError (a ValueError) naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Dict, List, Optional

import holdfast

DEFAULT_SALE_JSON = """{
  "types": [{"name": "regular", "capacity": 400}, {"name": "student", "capacity": 100},
            {"name": "stalls", "capacity": 20}],
  "quotas": [{"name": "hall", "capacity": 450, "types": ["regular", "student"]}],
  "cycles": [{"name": "noon", "opens_at": "now", "allotment": 470, "per_buyer_max": 4}],
  "per_buyer_units_max": 4,
  "per_buyer_holds_max": 2,
  "units_per_hold_max": 4,
  "hold_ttl_default_seconds": 300,
  "hold_lifetime_max_seconds": 1200,
  "holds_max": 65536,
  "buyers_max": 65536,
  "idempotency_keys_max": 65536,
  "seat_map": "section Stalls type=stalls\\nrow A seats=10\\nrow B seats=10\\n"
}"""
"""The built-in sale: the C++ box_office's 500 tickets plus 20 reserved seats,
so that best-available seating has something to sell."""

_INT_FIELDS = (
    "per_buyer_units_max",
    "per_buyer_holds_max",
    "units_per_hold_max",
    "holds_max",
    "buyers_max",
    "idempotency_keys_max",
)
_SECONDS_FIELDS = {
    "hold_ttl_default_seconds": "hold_ttl_default",
    "hold_lifetime_max_seconds": "hold_lifetime_max",
}
_NOW_PLUS = re.compile(r"now(?:\+(\d+(?:\.\d+)?)s)?")


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: expected an integer")
    return value


def _instant(value: Any, field: str, now: dt.datetime) -> Optional[dt.datetime]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: expected an RFC 3339 instant, \"now\" or \"now+Ns\"")
    relative = _NOW_PLUS.fullmatch(value)
    if relative:
        return now + dt.timedelta(seconds=float(relative.group(1) or 0))
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not an RFC 3339 instant") from None
    if instant.tzinfo is None:
        raise ValueError(f"{field}: {value!r} needs a UTC offset")
    return instant


def _objects(root: Dict[str, Any], field: str) -> List[Dict[str, Any]]:
    items = root.get(field, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError(f"{field}: expected a list of objects")
    return items


def sale_fields_from_json(text: str, now: Optional[dt.datetime] = None) -> Dict[str, Any]:
    """The keyword fields of holdfast.Sale described by `text` (see the module
    docstring). Raises ValueError naming the field for a malformed file."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        root = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"sale config: not valid JSON ({error})") from None
    if not isinstance(root, dict):
        raise ValueError("sale config: expected a JSON object")
    fields: Dict[str, Any] = {}
    types = _objects(root, "types")
    fields["types"] = [
        (t.get("name"), _int(t.get("capacity"), f"types[{i}].capacity"))
        for i, t in enumerate(types)
    ]
    fields["quotas"] = [
        holdfast.Quota(q.get("name", ""), _int(q.get("capacity"), f"quotas[{i}].capacity"),
                       tuple(q.get("types", ())))
        for i, q in enumerate(_objects(root, "quotas"))
    ]
    fields["cycles"] = [
        holdfast.Cycle(
            c.get("name", ""),
            opens_at=_instant(c.get("opens_at"), f"cycles[{i}].opens_at", now),
            closes_at=_instant(c.get("closes_at"), f"cycles[{i}].closes_at", now),
            allotment=_int(c.get("allotment", 0), f"cycles[{i}].allotment"),
            per_buyer_max=_int(c.get("per_buyer_max", 0), f"cycles[{i}].per_buyer_max"),
            rollover=bool(c.get("rollover", False)),
        )
        for i, c in enumerate(_objects(root, "cycles"))
    ]
    for name in _INT_FIELDS:
        if name in root:
            fields[name] = _int(root[name], name)
    for name, field in _SECONDS_FIELDS.items():
        if name in root:
            seconds = root[name]
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                raise ValueError(f"{name}: expected a number of seconds")
            fields[field] = dt.timedelta(seconds=seconds)
    if "seat_map" in root:
        fields["seat_map"] = root["seat_map"]
    return fields


def sale_from_json(text: str, clock: Optional[holdfast.Clock] = None) -> holdfast.Sale:
    """A holdfast.Sale built from `text`; `clock` (a ManualClock in tests) or
    the system clock. Raises ValueError or holdfast.ConfigError naming the field."""
    now = clock.wall_now() if clock is not None else None
    return holdfast.Sale(clock=clock, **sale_fields_from_json(text, now))
