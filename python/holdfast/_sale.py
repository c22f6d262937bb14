"""holdfast.Sale: the compiled sale with keyword configuration on top.

Every method but __init__, config and __repr__ is the compiled one
(holdfast._core.Sale), so a call costs no extra Python frame.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Iterable, Iterator, Optional, Tuple, Union

from holdfast import _core
from holdfast import _explain
from holdfast._config import Cycle, Quota, SaleConfig, SeatMap, Seconds, TypesArg, make_config
from holdfast._records import Event


class Sale(_core.Sale):
    """One event's stock, sold with lock-free holds (the C++ holdfast::Sale).

    Build it from keyword fields or a SaleConfig (keywords override it; a
    keyword left None keeps the config's value, or the default):

        sale = holdfast.Sale(
            types={"regular": 300, "student": 50},
            quotas=[holdfast.Quota("hall", 320, types=("regular", "student"))],
            per_buyer_units_max=6, per_buyer_holds_max=2,
            hold_ttl_default=timedelta(minutes=5))
        with sale.hold(buyer=7, lines="regular", quantity=2) as hold:
            hold.confirm()

    A bad configuration raises ConfigError naming the field, and a wrong
    shape (types="regular") TypeError. Types, quotas, cycles and sections may
    be named by index or name everywhere; an unknown name raises UnknownName
    (a KeyError), and a refused argument InvalidArgument naming the rule it
    broke. Building a sale releases the GIL while its tables are allocated. Every method is
    thread-safe and releases the GIL while the core runs. The sale keeps its
    clock alive.
    """

    def __init__(
        self,
        config: Optional[SaleConfig] = None,
        /,
        *,
        types: Optional[TypesArg] = None,
        quotas: Optional[Iterable[Union[Quota, Tuple[Any, ...]]]] = None,
        cycles: Optional[Iterable[Union[Cycle, Tuple[Any, ...]]]] = None,
        per_buyer_units_max: Optional[int] = None,
        per_buyer_holds_max: Optional[int] = None,
        units_per_hold_max: Optional[int] = None,
        hold_ttl_default: Optional[Seconds] = None,
        hold_lifetime_max: Optional[Seconds] = None,
        holds_max: Optional[int] = None,
        buyers_max: Optional[int] = None,
        idempotency_keys_max: Optional[int] = None,
        events_max: Optional[int] = None,
        clock: Optional[_core.Clock] = None,
        seat_map: Union[SeatMap, str, None] = None,
    ) -> None:
        # Every SaleConfig field is a keyword (typed for mypy); None keeps the
        # config's value, or the default.
        given = {
            "types": types,
            "quotas": quotas,
            "cycles": cycles,
            "per_buyer_units_max": per_buyer_units_max,
            "per_buyer_holds_max": per_buyer_holds_max,
            "units_per_hold_max": units_per_hold_max,
            "hold_ttl_default": hold_ttl_default,
            "hold_lifetime_max": hold_lifetime_max,
            "holds_max": holds_max,
            "buyers_max": buyers_max,
            "idempotency_keys_max": idempotency_keys_max,
            "events_max": events_max,
            "clock": clock,
            "seat_map": seat_map,
        }
        normalized = make_config(config, **{k: v for k, v in given.items() if v is not None})
        super().__init__(normalized, normalized.clock)
        self._config = normalized

    @property
    def config(self) -> SaleConfig:
        """The normalized SaleConfig the sale was built from."""
        return self._config

    def iter_events(
        self, timeout: Optional[Seconds] = None, max_events: int = 256
    ) -> Iterator[Event]:
        """Yields events as they happen, blocking in between (woken by the
        operation that publishes each, with the GIL released): for a thread
        of its own. Stops when none arrives within `timeout` (timedelta or
        seconds; None waits for ever). Several consumers share the events:
        each goes to one of them. Nothing for a sale built with events_max=0
        (it returns at once)."""
        if self._config.events_max == 0:
            return
        # A wait without end is a series of long waits (so that Ctrl-C is seen).
        step: Seconds = 3600.0 if timeout is None else timeout
        while True:
            events = self.drain_events(max_events)
            if events:
                yield from events
                continue
            if not self.wait_for_events(step) and timeout is not None:
                return

    async def events(
        self, max_events: int = 256, wake_check: Seconds = 1.0
    ) -> AsyncIterator[Event]:
        """`async for event in sale.events()`: yields events as they happen
        without blocking the event loop. Between events one executor thread
        waits in wait_for_events (GIL released) and the operation that
        publishes the next event wakes it: no polling of the queue. The wait
        returns at least every `wake_check` seconds so that cancelling the
        loop's task takes effect; it never ends by itself. Nothing for a sale
        built with events_max=0 (it returns at once)."""
        if self._config.events_max == 0:
            return
        loop = asyncio.get_running_loop()
        while True:
            events = self.drain_events(max_events)
            if events:
                for event in events:
                    yield event
                continue
            await loop.run_in_executor(None, self.wait_for_events, wake_check)

    def type_id(self, name: str) -> int:
        """The index of the ticket type called `name`; UnknownName (a
        KeyError) naming the known types if none."""
        for index, ticket_type in enumerate(self._config.types):
            if ticket_type.name == name:
                return index
        raise _explain.unknown(self._config, "type", name, "name")

    def __repr__(self) -> str:
        types = ", ".join(
            f"{t.name} {self.type_available(i)}/{t.capacity}"
            for i, t in enumerate(self._config.types)
        )
        stats = self.stats()
        return (
            f"<holdfast.Sale {types} available; {stats.held_units} held, "
            f"{stats.sold_units} sold, {stats.live_holds} live holds>"
        )
