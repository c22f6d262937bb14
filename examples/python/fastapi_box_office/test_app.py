"""Tests of the FastAPI box office, through FastAPI's TestClient (httpx).

Run: PYTHONPATH=build/python python3 -m pytest examples/python/fastapi_box_office -q
Skipped only when fastapi or httpx is missing (scripts/setup.sh installs them).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
import holdfast  # noqa: E402  (built by CMake: a failure here is a real one)

from fastapi.testclient import TestClient  # noqa: E402

from box_office.app import Options, create_app  # noqa: E402
from box_office.handles import HandleTable  # noqa: E402
from box_office.sale_config import DEFAULT_SALE_JSON, sale_from_json  # noqa: E402
from box_office.tokens import load_tokens, parse_token_list  # noqa: E402

TOKEN_A = "a" * 16 + "-alice"
TOKEN_B = "b" * 16 + "-bob"
TOKENS = {TOKEN_A: 1, TOKEN_B: 2}
ALICE = {"Authorization": f"Bearer {TOKEN_A}"}
BOB = {"Authorization": f"Bearer {TOKEN_B}"}
REGULAR_2 = {"lines": [{"type": "regular", "quantity": 2}]}


def client_for(sale: Any, tokens: Optional[Dict[str, int]] = None,
               options: Optional[Options] = None) -> TestClient:
    return TestClient(create_app(sale, tokens or TOKENS, options))


@pytest.fixture
def client() -> Iterator[TestClient]:
    with client_for(sale_from_json(DEFAULT_SALE_JSON)) as test_client:
        yield test_client


@pytest.fixture
def clock() -> Any:
    return holdfast.ManualClock(dt.datetime(2026, 11, 27, 11, 0, tzinfo=dt.timezone.utc))


def sale_of(client: TestClient) -> Any:
    return client.app.state.box.sale  # type: ignore[attr-defined]


def hold(client: TestClient, headers: Dict[str, str] = ALICE, body: Any = None,
         expect: int = 201) -> str:
    response = client.post("/v1/holds", json=REGULAR_2 if body is None else body,
                           headers=headers)
    assert response.status_code == expect, response.text
    return str(response.json()["hold"])


# --- every route -----------------------------------------------------------------------------


def test_health_answers_ok_and_head(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.head("/health").status_code == 200
    assert client.head("/v1/sale").status_code == 200


def test_health_is_draining_after_shutdown() -> None:
    app = create_app(sale_from_json(DEFAULT_SALE_JSON), TOKENS)
    with TestClient(app):
        pass
    assert app.state.box.draining
    assert TestClient(app).get("/health").status_code == 503


def test_sale_availability_has_the_cpp_shape(client: TestClient) -> None:
    body = client.get("/v1/sale").json()
    assert [t["name"] for t in body["types"]] == ["regular", "student", "stalls"]
    assert body["types"][0] == {"id": 0, "name": "regular", "capacity": 400,
                                "available": 400, "held": 0, "sold": 0}
    assert body["quotas"] == [{"name": "hall", "capacity": 450, "available": 450}]
    assert body["cycles"][0]["open"] and body["current_cycle"] == 0
    assert body["cycles"][0]["closes_at"] is None
    assert (body["sold"], body["held"], body["live_holds"]) == (0, 0, 0)


def test_hold_then_status_then_confirm_sells(client: TestClient) -> None:
    response = client.post("/v1/holds", json=REGULAR_2, headers=ALICE)
    assert response.status_code == 201
    handle = response.json()["hold"]
    assert response.json()["outcome"] == "ok"
    assert response.headers["location"] == f"/v1/holds/{handle}"
    status = client.get(f"/v1/holds/{handle}", headers=ALICE).json()
    assert status["state"] == "held" and status["lines"] == {"regular": 2}
    assert status["units"] == 2 and status["seats"] == []
    expires = dt.datetime.fromisoformat(status["expires_at"])
    assert dt.timedelta(0) < expires - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(
        seconds=300)
    assert client.post(f"/v1/holds/{handle}/confirm", headers=ALICE).status_code == 200
    # A retried confirm answers 200 again and sells nothing twice (I9).
    assert client.post(f"/v1/holds/{handle}/confirm", headers=ALICE).status_code == 200
    assert client.get(f"/v1/holds/{handle}", headers=ALICE).json()["state"] == "confirmed"
    assert client.get("/v1/sale").json()["types"][0]["sold"] == 2
    # Release or extend of a sold hold: 409 already_confirmed.
    refused = client.post(f"/v1/holds/{handle}/release", headers=ALICE)
    assert (refused.status_code, refused.json()["outcome"]) == (409, "already_confirmed")


def test_release_returns_the_units_and_forgets_the_handle(client: TestClient) -> None:
    handle = hold(client)
    assert client.get("/v1/sale").json()["types"][0]["available"] == 398
    assert client.post(f"/v1/holds/{handle}/release", headers=ALICE).status_code == 200
    assert client.get("/v1/sale").json()["types"][0]["available"] == 400
    again = client.post(f"/v1/holds/{handle}/release", headers=ALICE)
    assert (again.status_code, again.json()["outcome"]) == (404, "unknown_hold")


def test_extend_moves_the_deadline_within_bounds(client: TestClient) -> None:
    handle = hold(client, body={**REGULAR_2, "ttl_seconds": 10})
    before = client.get(f"/v1/holds/{handle}", headers=ALICE).json()["expires_at"]
    extended = client.post(f"/v1/holds/{handle}/extend", json={"ttl_seconds": 600},
                           headers=ALICE)
    assert extended.status_code == 200, extended.text
    after = client.get(f"/v1/holds/{handle}", headers=ALICE).json()["expires_at"]
    assert dt.datetime.fromisoformat(after) > dt.datetime.fromisoformat(before)
    # Past the sale's hold_lifetime_max (1200 s): holdfast refuses, with its reason.
    too_long = client.post(f"/v1/holds/{handle}/extend", json={"ttl_seconds": 5000},
                           headers=ALICE)
    assert too_long.status_code == 400
    assert too_long.json()["outcome"] == "invalid_argument" and too_long.json()["message"]
    for ttl in (0, 0.5, -3, "10", True):
        short = client.post(f"/v1/holds/{handle}/extend", json={"ttl_seconds": ttl},
                            headers=ALICE)
        assert short.status_code == 400, ttl
        assert "ttl_seconds" in short.json()["message"]
    not_object = client.post(f"/v1/holds/{handle}/extend", content=b"[]", headers=ALICE)
    assert not_object.json()["error"] == "invalid_json"
    assert client.get(f"/v1/holds/{handle}", headers=ALICE).json()["expires_at"] == after


def test_best_available_holds_adjacent_seats_until_none_are_left(client: TestClient) -> None:
    response = client.post("/v1/holds/best-available", json={"count": 4, "sections": ["Stalls"]},
                           headers=ALICE)
    assert response.status_code == 201, response.text
    seats = response.json()["seats"]
    assert len(seats) == 4 and all(s.startswith("Stalls A-") for s in seats)
    numbers = sorted(int(s.rsplit("-", 1)[1]) for s in seats)
    assert numbers == list(range(numbers[0], numbers[0] + 4))
    status = client.get(f"/v1/holds/{response.json()['hold']}", headers=ALICE).json()
    assert status["seats"] == seats and status["lines"] == {"stalls": 4}
    assert client.post("/v1/holds/best-available", json={"count": 4},
                       headers=BOB).status_code == 201
    # Bob holds the 4 units a buyer may have: buyer_limit, a 409.
    taken = client.post("/v1/holds/best-available", json={"count": 1}, headers=BOB)
    assert (taken.status_code, taken.json()["outcome"]) == (409, "buyer_limit")
    bad = client.post("/v1/holds/best-available", json={"count": 0}, headers=ALICE)
    assert bad.status_code == 400 and "count" in bad.json()["message"]
    unknown = client.post("/v1/holds/best-available", json={"count": 1, "sections": ["Nope"]},
                          headers=BOB)
    assert unknown.status_code == 400


def test_no_adjacent_seats_is_409() -> None:
    sale = holdfast.Sale(types={"stalls": 3},
                         seat_map="section Stalls type=stalls\nrow A seats=3\n")
    with client_for(sale) as client:
        assert client.post("/v1/holds/best-available", json={"count": 2},
                           headers=ALICE).status_code == 201
        refused = client.post("/v1/holds/best-available", json={"count": 2}, headers=BOB)
        assert refused.status_code == 409
        assert refused.json()["outcome"] in ("no_adjacent_seats", "sold_out")


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    handle = hold(client)
    client.post(f"/v1/holds/{handle}/confirm", headers=ALICE)
    client.post("/v1/holds", json={"lines": [{"type": "regular", "quantity": 4}]},
                headers=ALICE)  # buyer_limit: alice has 2 of 4
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    sample = re.compile(r'[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+')
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or sample.fullmatch(
            line), line
    assert 'box_office_http_requests_total{route="hold",status="201"} 1' in text
    assert 'box_office_hold_outcomes_total{op="hold",outcome="buyer_limit"} 1' in text
    assert 'box_office_hold_outcomes_total{op="confirm",outcome="ok"} 1' in text
    assert "box_office_sale_sold_units 2" in text
    assert 'box_office_http_request_duration_seconds_bucket{le="+Inf"} 3' in text
    assert "box_office_sweeper_expired_total 0" in text


def test_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/v1/sale", headers={"X-Request-Id": "17"})
    assert response.headers["x-request-id"] == "17"


def test_unknown_route_and_method(client: TestClient) -> None:
    assert client.get("/v2/nothing").json()["error"] == "no_route"
    refused = client.delete("/v1/sale")
    assert refused.status_code == 405 and "GET" in refused.headers["allow"]


# --- who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Basic " + TOKEN_A,
                                           "Bearer wrong-token-0123456789", f"Token {TOKEN_A}"])
def test_hold_routes_need_a_known_bearer_token(client: TestClient,
                                               authorization: Optional[str]) -> None:
    handle = hold(client)
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path, body in [("POST", "/v1/holds", REGULAR_2),
                               ("POST", "/v1/holds/best-available", {"count": 1}),
                               ("GET", f"/v1/holds/{handle}", None),
                               ("POST", f"/v1/holds/{handle}/confirm", None),
                               ("POST", f"/v1/holds/{handle}/release", None),
                               ("POST", f"/v1/holds/{handle}/extend", {"ttl_seconds": 60})]:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert sale_of(client).stats().live_holds == 1


def test_the_scheme_is_case_insensitive(client: TestClient) -> None:
    hold(client, headers={"Authorization": f"bEaReR   {TOKEN_A}"})


def test_another_buyers_handle_answers_not_owner_and_changes_nothing(client: TestClient) -> None:
    handle = hold(client)
    for path in ("confirm", "release", "extend"):
        response = client.post(f"/v1/holds/{handle}/{path}", json={"ttl_seconds": 60},
                               headers=BOB)
        assert (response.status_code, response.json()["outcome"]) == (403, "not_owner"), path
    status = client.get(f"/v1/holds/{handle}", headers=BOB)
    assert (status.status_code, status.json()["outcome"]) == (403, "not_owner")
    assert "lines" not in status.json()
    assert client.get(f"/v1/holds/{handle}", headers=ALICE).json()["state"] == "held"
    assert sale_of(client).stats().sold_units == 0


@pytest.mark.parametrize("handle", ["0" * 32, "f" * 32, "A" * 32, "abc", "1" * 33,
                                    "zz" + "0" * 30, "16777217"])
def test_forged_handles_answer_404(client: TestClient, handle: str) -> None:
    real = hold(client)
    for path in ("confirm", "release"):
        response = client.post(f"/v1/holds/{handle}/{path}", headers=ALICE)
        assert (response.status_code, response.json()["outcome"]) == (404, "unknown_hold")
    assert client.get(f"/v1/holds/{handle}", headers=ALICE).status_code == 404
    assert client.get(f"/v1/holds/{real}", headers=ALICE).json()["state"] == "held"


def test_handles_are_128_random_bits_not_hold_ids(client: TestClient) -> None:
    handles = {hold(client, headers) for headers in (ALICE, ALICE, BOB, BOB)}
    assert len(handles) == 4
    for handle in handles:
        assert re.fullmatch(r"[0-9a-f]{32}", handle)
        entry = client.app.state.box.handles.find(handle, 0)  # type: ignore[attr-defined]
        assert entry is not None
        assert format(entry.hold_id, "x") not in handle and str(entry.hold_id) not in handle


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    (b"{", "invalid_json"),
    (b"[1, 2]", "the body must be a JSON object"),
    (b'"lines"', "the body must be a JSON object"),
    (b"{}", '"lines": a non-empty array'),
    (b'{"lines": []}', '"lines": a non-empty array'),
    (b'{"lines": [1]}', 'each line needs "type" and an integer "quantity"'),
    (b'{"lines": [{"type": "regular"}]}', 'integer "quantity"'),
    (b'{"lines": [{"type": "regular", "quantity": "2"}]}', 'integer "quantity"'),
    (b'{"lines": [{"type": "regular", "quantity": true}]}', 'integer "quantity"'),
    (b'{"lines": [{"type": "regular", "quantity": 2.5}]}', 'integer "quantity"'),
    (b'{"lines": [{"type": "regular", "quantity": 0}]}', '"quantity" out of range'),
    (b'{"lines": [{"type": "regular", "quantity": -1}]}', '"quantity" out of range'),
    (b'{"lines": [{"type": "regular", "quantity": 99999999999}]}', '"quantity" out of range'),
    (b'{"lines": [{"type": "vip", "quantity": 1}]}', "unknown ticket type 'vip'"),
    (b'{"lines": [{"type": 7, "quantity": 1}]}', "unknown ticket type 7"),
    (b'{"lines": [{"type": "regular", "quantity": 1}], "ttl_seconds": 0}', "at least 1"),
    (b'{"lines": [{"type": "regular", "quantity": 1}], "ttl_seconds": "9"}', "ttl_seconds"),
    (b'{"lines": [{"type": "regular", "quantity": 1}], "ttl_seconds": 1e999}', "ttl_seconds"),
])
def test_bad_hold_requests_answer_400_with_the_reason_and_change_nothing(
        client: TestClient, content: bytes, message: str) -> None:
    response = client.post("/v1/holds", content=content,
                           headers={**ALICE, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert message in body["message"] or message == body["error"], body
    assert sale_of(client).stats().holds_created == 0


def test_a_body_without_json_content_type_is_still_read(client: TestClient) -> None:
    response = client.post("/v1/holds", content=b'{"lines":[{"type":0,"quantity":1}]}',
                           headers={**ALICE, "Content-Type": "text/plain"})
    assert response.status_code == 201, response.text


def test_holdfast_refusals_carry_its_message(client: TestClient) -> None:
    # 5 units is within UNITS_PER_HOLD_MAX but above the sale's units_per_hold_max (4).
    response = client.post("/v1/holds", json={"lines": [{"type": "regular", "quantity": 5}]},
                           headers=ALICE)
    assert response.status_code == 400
    assert response.json()["outcome"] == "invalid_argument"
    assert "units_per_hold_max" in response.json()["message"]
    too_long = client.post("/v1/holds", json={**REGULAR_2, "ttl_seconds": 1e6}, headers=ALICE)
    assert too_long.status_code == 400 and too_long.json()["outcome"] == "invalid_argument"


# --- stock and limits ------------------------------------------------------------------------


def test_sold_out_and_buyer_limit_answer_409() -> None:
    sale = holdfast.Sale(types={"regular": 3}, per_buyer_units_max=2)
    with client_for(sale) as client:
        hold(client, ALICE)
        sold_out = client.post("/v1/holds", json=REGULAR_2, headers=BOB)
        assert (sold_out.status_code, sold_out.json()["outcome"]) == (409, "sold_out")
        assert "message" in sold_out.json()
        over = client.post("/v1/holds", json={"lines": [{"type": "regular", "quantity": 1}]},
                           headers=ALICE)
        assert (over.status_code, over.json()["outcome"]) == (409, "buyer_limit")
        assert client.get("/v1/sale").json()["types"][0] == {
            "id": 0, "name": "regular", "capacity": 3, "available": 1, "held": 2, "sold": 0}


def test_live_holds_per_buyer_are_bounded_with_retry_after() -> None:
    sale = holdfast.Sale(types={"regular": 100})
    with client_for(sale, options=Options(live_holds_per_buyer_max=2)) as client:
        keyed = {**ALICE, "Idempotency-Key": "cart-1"}
        first = hold(client, keyed)
        hold(client)
        third = client.post("/v1/holds", json=REGULAR_2, headers=ALICE)
        assert (third.status_code, third.json()["outcome"]) == (429, "too_many_holds")
        assert third.headers["retry-after"] == "1"
        # A retry of a hold already made is no new hold: it still answers.
        assert hold(client, keyed, expect=200) == first
        hold(client, BOB)


def test_a_full_handle_table_answers_503_and_releases_the_hold() -> None:
    sale = holdfast.Sale(types={"regular": 100})
    with client_for(sale, options=Options(handles_max=2)) as client:
        first = hold(client)
        hold(client, BOB)
        full = client.post("/v1/holds", json=REGULAR_2, headers=ALICE)
        assert (full.status_code, full.json()["error"]) == (503, "handle_table_full")
        assert full.headers["retry-after"] == "1"
        assert sale.stats().live_holds == 2 and sale.stats().held_units == 4
        # A confirmed hold's handle gives way to a new one.
        client.post(f"/v1/holds/{first}/confirm", headers=ALICE)
        hold(client)


def test_handle_table_evicts_forgotten_and_ended_holds_first() -> None:
    table = HandleTable(capacity=2)
    a, new_a = table.put(1, 1, deadline_ns=100, keep_until_ns=200, now_ns=0)
    b, _ = table.put(2, 1, deadline_ns=1000, keep_until_ns=2000, now_ns=0)
    assert new_a and table.put(1, 1, 100, 200, 0) == (a, False)
    assert table.put(3, 1, 1000, 2000, now_ns=50) == (None, False)  # both live
    c, new_c = table.put(3, 1, 1000, 2000, now_ns=150)  # a is past its deadline
    assert new_c and c is not None and table.find(a or "", 150) is None
    assert table.find(b or "", 150) is not None
    assert table.find(b or "", 2000) is None and len(table) == 1
    assert table.purge(5000) == 1 and len(table) == 0
    with pytest.raises(ValueError):
        HandleTable(0)


def test_expired_hold_answers_410_then_404_after_the_grace(clock: Any) -> None:
    sale = holdfast.Sale(types={"regular": 10}, clock=clock)
    options = Options(expired_grace=60, sweep_interval=3600)
    with client_for(sale, options=options) as client:
        handle = hold(client, body={**REGULAR_2, "ttl_seconds": 30})
        clock.advance(31)
        status = client.get(f"/v1/holds/{handle}", headers=ALICE).json()
        assert status["state"] == "expired"
        late = client.post(f"/v1/holds/{handle}/confirm", headers=ALICE)
        assert (late.status_code, late.json()["outcome"]) == (410, "expired")  # I4
        assert sale.stats().sold_units == 0
        clock.advance(60)
        gone = client.post(f"/v1/holds/{handle}/confirm", headers=ALICE)
        assert (gone.status_code, gone.json()["outcome"]) == (404, "unknown_hold")


def test_the_lifespan_runs_the_sweeper_and_stops_it(clock: Any) -> None:
    sale = holdfast.Sale(types={"regular": 10}, clock=clock)
    app = create_app(sale, TOKENS, Options(sweep_interval=0.01))
    assert app.state.box.sweeper is None
    with TestClient(app) as client:
        sweeper = app.state.box.sweeper
        assert sweeper is not None
        hold(client, body={**REGULAR_2, "ttl_seconds": 5})
        clock.advance(6)
        deadline = time.monotonic() + 10
        while sale.stats().holds_expired == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sale.stats().holds_expired == 1 and sweeper.expired == 1
        assert "box_office_sweeper_expired_total 1" in client.get("/metrics").text
    sweeps = sweeper.sweeps
    time.sleep(0.1)
    assert sweeper.sweeps == sweeps  # stopped with the app


# --- Idempotency-Key -------------------------------------------------------------------------


def test_an_idempotency_key_repeat_answers_the_same_hold(client: TestClient) -> None:
    headers = {**ALICE, "Idempotency-Key": "order-17"}
    first = client.post("/v1/holds", json=REGULAR_2, headers=headers)
    again = client.post("/v1/holds", json=REGULAR_2, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["hold"] == again.json()["hold"]
    assert sale_of(client).stats().holds_created == 1
    assert sale_of(client).stats().held_units == 2
    other = client.post("/v1/holds", json={**REGULAR_2, "ttl_seconds": 60}, headers=headers)
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    # Keys are per buyer: bob's "order-17" is his own.
    assert client.post("/v1/holds", json=REGULAR_2,
                       headers={**BOB, "Idempotency-Key": "order-17"}).status_code == 201
    for key in ("", "k" * 129):
        bad = client.post("/v1/holds", json=REGULAR_2, headers={**ALICE, "Idempotency-Key": key})
        assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["message"]
    assert sale_of(client).stats().holds_created == 2


def test_a_buyers_idempotency_keys_are_bounded() -> None:
    sale = holdfast.Sale(types={"regular": 100})
    with client_for(sale, options=Options(idempotency_keys_per_buyer_max=2)) as client:
        for key in ("k1", "k2"):
            client.post("/v1/holds", json=REGULAR_2, headers={**ALICE, "Idempotency-Key": key})
        third = client.post("/v1/holds", json=REGULAR_2, headers={**ALICE, "Idempotency-Key": "k3"})
        assert (third.status_code, third.json()["error"]) == (429, "too_many_idempotency_keys")
        assert client.post("/v1/holds", json=REGULAR_2,
                           headers={**ALICE, "Idempotency-Key": "k1"}).status_code == 200


# --- under load ------------------------------------------------------------------------------


def test_threads_hammering_holds_and_confirms_never_oversell() -> None:
    capacity = {"regular": 150, "student": 40}
    sale = holdfast.Sale(types=capacity, per_buyer_units_max=6)
    tokens = {f"buyer-token-{i:08d}": i + 1 for i in range(64)}
    sold_by_clients: List[int] = []
    lock = threading.Lock()
    errors: List[str] = []

    def buyer_thread(thread: int, client: TestClient) -> None:
        rng = random.Random(thread)
        sold = 0
        mine = [t for t in tokens if tokens[t] % 8 == thread]
        for _ in range(60):
            headers = {"Authorization": f"Bearer {rng.choice(mine)}"}
            quantity = rng.randint(1, 2)
            lines = [{"type": rng.choice(list(capacity)), "quantity": quantity}]
            made = client.post("/v1/holds", json={"lines": lines}, headers=headers)
            if made.status_code != 201:
                if made.json().get("outcome") not in ("sold_out", "buyer_limit"):
                    errors.append(made.text)
                continue
            handle = made.json()["hold"]
            op = "confirm" if rng.random() < 0.7 else "release"
            done = client.post(f"/v1/holds/{handle}/{op}", headers=headers)
            if done.status_code != 200:
                errors.append(done.text)
            elif op == "confirm":
                sold += quantity
        with lock:
            sold_by_clients.append(sold)

    with client_for(sale, tokens) as client:
        threads = [threading.Thread(target=buyer_thread, args=(i, client)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        body = client.get("/v1/sale").json()
    assert not errors, errors[:3]
    for entry in body["types"]:
        assert entry["sold"] + entry["held"] + entry["available"] == entry["capacity"], entry
        assert entry["sold"] <= entry["capacity"] and entry["held"] == 0
    stats = sale.stats()
    assert stats.sold_units == sum(sold_by_clients) == body["sold"]
    assert stats.live_holds == 0 and stats.held_units == 0
    for buyer in tokens.values():
        assert sale.buyer(buyer).bought_units <= 6


# --- configuration ---------------------------------------------------------------------------


def test_token_files_are_read_and_checked() -> None:
    assert load_tokens("# comment\nabcdefghijklmnop 7\n\nqrstuvwxyz012345 8 # x\n") == {
        "abcdefghijklmnop": 7, "qrstuvwxyz012345": 8}
    for text, message in [("short 1", "line 1"), ("abcdefghijklmnop", "line 1"),
                          ("abcdefghijklmnop 1\nabcdefghijklmnop 2", "repeated"),
                          ("abcdefghijklmnop 0", "reserved"), ("abcdefghijklmnop x", "line 1")]:
        with pytest.raises(ValueError, match=message):
            load_tokens(text)
    assert parse_token_list("abcdefghijklmnop:3, qrstuvwxyz012345:4") == {
        "abcdefghijklmnop": 3, "qrstuvwxyz012345": 4}
    with pytest.raises(ValueError, match="entry 0"):
        parse_token_list("abcdefghijklmnop")


def test_sale_config_json_is_read_and_checked() -> None:
    sale = sale_from_json('{"types": [{"name": "regular", "capacity": 5}], "cycles": '
                          '[{"name": "later", "opens_at": "now+3600s", "allotment": 5}]}')
    assert sale.type_available("regular") == 5
    with client_for(sale) as client:
        early = client.post("/v1/holds", json=REGULAR_2, headers=ALICE)
        assert (early.status_code, early.json()["outcome"]) == (403, "not_open")
    for text, message in [("{", "not valid JSON"), ("[]", "JSON object"),
                          ('{"types": [{"name": "r", "capacity": "5"}]}', "types\\[0\\]"),
                          ('{"types": [{"name": "r", "capacity": 5}], "holds_max": 1.5}',
                           "holds_max"),
                          ('{"types": [], "cycles": [{"opens_at": "noon"}]}', "opens_at")]:
        with pytest.raises(ValueError, match=message):
            sale_from_json(text)
    with pytest.raises(holdfast.ConfigError):
        sale_from_json('{"types": [{"name": "r", "capacity": -1}]}')
