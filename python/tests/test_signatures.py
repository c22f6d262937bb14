"""Compiled methods have real signatures: inspect.signature works on every
public method of Sale and Hold (and the other compiled classes and
functions), names the parameters as the bindings do, drops `self` when bound,
and matches what the methods accept when called by keyword."""

import inspect
import types

import pytest

import holdfast
from holdfast import _core


def _methods(cls):
    for name in dir(cls):
        if name.startswith("_") and name not in ("__init__", "__enter__", "__exit__"):
            continue
        value = inspect.getattr_static(cls, name)
        if isinstance(value, types.WrapperDescriptorType):
            continue  # a C slot: pybind11's "No constructor defined" (Hold, SystemClock)
        if isinstance(value, property) or not callable(getattr(cls, name)):
            continue
        yield name, getattr(cls, name)


@pytest.mark.parametrize("cls", [holdfast.Sale, holdfast.Hold, _core.Sale, holdfast.Sweeper,
                                 holdfast.ManualClock, holdfast.SystemClock])
def test_every_public_method_has_a_signature(cls):
    names = []
    for name, method in _methods(cls):
        signature = inspect.signature(method)  # raised ValueError before
        params = list(signature.parameters)
        names.append(name)
        if not isinstance(inspect.getattr_static(cls, name), staticmethod):
            assert params[0] == "self", f"{cls.__name__}.{name}{signature}"
        for param in params:
            assert not param.startswith("arg") and param not in ("args", "kwargs"), (
                f"{cls.__name__}.{name}{signature}"
            )
    assert names, cls


def test_module_functions_have_signatures():
    for name in ("outcome_name", "outcome_status_code", "event_kind_name", "validate_config",
                 "parse_seat_map"):
        assert list(inspect.signature(getattr(_core, name)).parameters), name


def test_exact_signatures(clock):
    sale = holdfast.Sale(types={"regular": 4}, clock=clock)
    assert str(inspect.signature(holdfast.Sale.hold)) == (
        "(self, buyer, lines, quantity=None, *, ttl=None, idempotency_key=None)"
    )
    assert str(inspect.signature(sale.hold)) == (
        "(buyer, lines, quantity=None, *, ttl=None, idempotency_key=None)"
    )
    assert str(inspect.signature(holdfast.Sale.try_hold_best_available)) == (
        "(self, buyer, count, sections=(), *, avoid_orphans=True, allow_split=False, "
        "accessible_only=False, allow_restricted=False, ttl=None, idempotency_key=None)"
    )
    assert str(inspect.signature(holdfast.Sale.extend)) == "(self, hold, buyer=None, *, ttl)"
    assert str(inspect.signature(holdfast.Hold.confirm)) == "(self, mode=0)"
    assert str(inspect.signature(holdfast.Hold.__exit__)) == (
        "(self, exc_type, exc_value, traceback)"
    )
    assert str(inspect.signature(holdfast.SystemClock.get)) == "()"
    init = inspect.signature(holdfast.Sale)
    assert "types" in init.parameters and "seat_map" in init.parameters
    assert init.parameters["types"].kind is inspect.Parameter.KEYWORD_ONLY
    # The docstring is still there, without the signature line.
    assert holdfast.Sale.hold.__doc__.startswith("Claims every line")


def test_signature_binds_like_the_call(clock):
    """Call each hold form with every keyword its signature names: the names
    are the ones the method takes."""
    sale = holdfast.Sale(types={"regular": 4}, clock=clock, idempotency_keys_max=8)
    signature = inspect.signature(sale.try_hold)
    values = {"buyer": 1, "lines": "regular", "quantity": 1, "ttl": 60, "idempotency_key": 5}
    assert set(values) == set(signature.parameters)
    attempt = sale.try_hold(**values)
    assert attempt.outcome is holdfast.Outcome.OK
    hold = attempt.hold
    for name, call in [("extend", {"hold": hold, "buyer": 1, "ttl": 30}),
                       ("hold_info", {"hold": hold, "buyer": 1}),
                       ("confirm", {"hold": hold, "buyer": 1, "mode": 0})]:
        method = getattr(sale, name)
        assert set(call) == set(inspect.signature(method).parameters), name
        method(**call)
