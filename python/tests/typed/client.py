"""A small box office written the way a typed Python backend would use
holdfast, for `mypy --strict` (python/tests/test_typing.py checks it and runs
main()): Mapping[str, int] and Dict[str, int] lines, `with` blocks followed by
code, every keyword of Sale(...), the one HoldAttempt type of the try_* hold
forms, and hold ids sent to a browser as strings (Hold.id_str)."""

import datetime as dt
import json
from typing import Dict, List, Mapping, Optional

import holdfast

NOON = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)


def build_sale(clock: holdfast.ManualClock) -> holdfast.Sale:
    """A sale with every keyword of Sale(...) given."""
    return holdfast.Sale(
        holdfast.SaleConfig(),
        types={"regular": 100, "student": 20, "stalls": 8},
        quotas=[holdfast.Quota("hall", 110, types=("regular", "student"))],
        cycles=[holdfast.Cycle("noon", opens_at=NOON, allotment=120, per_buyer_max=6)],
        per_buyer_units_max=6,
        per_buyer_holds_max=3,
        units_per_hold_max=6,
        hold_ttl_default=dt.timedelta(minutes=5),
        hold_lifetime_max=dt.timedelta(minutes=20),
        holds_max=256,
        buyers_max=256,
        idempotency_keys_max=256,
        events_max=64,
        clock=clock,
        seat_map="section Stalls type=stalls\nrow A seats=8\n",
    )


def buy(sale: holdfast.Sale, buyer: int, lines: Mapping[str, int]) -> str:
    """Holds `lines` and confirms them; the hold's id as a string. Returning
    from inside the `with` block needs no return after it: Hold.__exit__ is
    typed Literal[False] (it never suppresses an exception), so mypy does not
    report a missing return."""
    with sale.hold(buyer, lines) as hold:
        hold.confirm()
        return hold.id_str


def sweep_briefly(sale: holdfast.Sale) -> int:
    """The same for a Sweeper's `with` block."""
    with holdfast.Sweeper(sale, dt.timedelta(milliseconds=1)) as sweeper:
        return sweeper.sweeps


def try_buy(sale: holdfast.Sale, buyer: int, lines: Dict[str, int]) -> holdfast.Outcome:
    """The exception-free form: every try_* hold form answers a HoldAttempt."""
    attempt: holdfast.HoldAttempt = sale.try_hold(buyer, lines)
    if not attempt:
        return attempt.outcome
    outcome, hold = attempt
    assert hold is not None
    return hold.try_confirm()


def hold_for_browser(sale: holdfast.Sale, buyer: int) -> str:
    """A JSON body a browser can hand back: the id as a string, exactly."""
    hold = sale.hold(buyer, "regular", 1)
    expires_at = hold.expires_at
    return json.dumps(
        {
            "hold": hold.id_str,
            "state": hold.state.value,
            "expires_at": None if expires_at is None else expires_at.isoformat(),
        }
    )


def confirm_from_browser(sale: holdfast.Sale, buyer: int, body: str) -> holdfast.HoldInfo:
    """Confirms the hold a browser names by its id string."""
    hold_id: str = json.loads(body)["hold"]
    sale.confirm(hold_id, buyer)
    return sale.hold_info(hold_id, buyer)


def take_seats(sale: holdfast.Sale, buyer: int, seats: List[str]) -> Optional[int]:
    """Seats by label; the seat found taken, if any."""
    attempt = sale.try_hold_seats(buyer, seats)
    if attempt.hold is not None:
        with attempt.hold:
            pass  # released on exit: this client only looks
        return None
    return attempt.taken_seat


def main() -> None:
    clock = holdfast.ManualClock(NOON + dt.timedelta(minutes=1))
    sale = build_sale(clock)
    counts: Dict[str, int] = {"regular": 2, "student": 1}
    assert int(buy(sale, 1, counts)) > 0
    assert sweep_briefly(sale) >= 0
    assert try_buy(sale, 2, {"regular": 1}) is holdfast.Outcome.OK
    assert try_buy(sale, 3, {"regular": 7}) is holdfast.Outcome.INVALID_ARGUMENT
    info = confirm_from_browser(sale, 4, hold_for_browser(sale, 4))
    assert info.state is holdfast.HoldState.CONFIRMED
    with sale.hold_best_available(5, 2) as seated:
        taken = seated.seats[0]
        assert take_seats(sale, 6, [sale.seat_label(taken) or ""]) == taken
    assert take_seats(sale, 6, ["Stalls A-1"]) is None
    best = sale.try_hold_best_available(7, 2)
    assert best and best.hold is not None and len(best.hold.seats) == 2


if __name__ == "__main__":
    main()
