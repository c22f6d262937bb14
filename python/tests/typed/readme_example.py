"""The README's Python example ("## Python" in README.md), verbatim below the
marker, with the names it leaves to the reader defined above it, so that
mypy --strict checks it (python/tests/test_typing.py runs mypy and checks
that the block below is the README's)."""

import holdfast


def charge_card() -> None:
    """The payment the example waits for."""


def show_sold_out_page() -> None:
    """The page a buyer sees when nothing is left."""


def show_error(outcome: holdfast.Outcome) -> None:
    """The page for any other outcome."""


# --- README.md's example, verbatim ---
import datetime as dt
import holdfast

noon = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
sale = holdfast.Sale(
    types={"regular": 300, "student": 50},
    quotas=[holdfast.Quota("hall", 320, types=("regular", "student"))],
    cycles=[holdfast.Cycle("noon", opens_at=noon, allotment=200, per_buyer_max=4)],
    per_buyer_units_max=6, per_buyer_holds_max=2,
    hold_ttl_default=dt.timedelta(minutes=10))

try:
    with sale.hold(buyer=7, lines="regular", quantity=2, idempotency_key=1) as hold:
        charge_card()       # an exception releases the hold on exit
        hold.confirm()      # raises holdfast.Expired past the deadline
except holdfast.SoldOut:
    show_sold_out_page()
except holdfast.HoldfastError as error:   # every outcome; error.outcome says which
    show_error(error.outcome)

outcome, held = sale.try_hold(8, {"regular": 1, "student": 1})  # no exceptions: hot loops
if held is not None:  # outcome is holdfast.Outcome.OK
    held.confirm()
