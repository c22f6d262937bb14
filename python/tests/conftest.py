"""Shared fixtures: a hand-driven clock at 11:59 UTC on sale day, and a
factory of small sales on it. No test sleeps to make a hold expire."""

import datetime as dt

import pytest

import holdfast

UTC = dt.timezone.utc
NOON = dt.datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return holdfast.ManualClock(NOON - dt.timedelta(minutes=1))


@pytest.fixture
def make_sale(clock):
    def make(**fields):
        fields.setdefault("types", {"regular": 10, "student": 5})
        fields.setdefault("clock", clock)
        return holdfast.Sale(**fields)

    return make
