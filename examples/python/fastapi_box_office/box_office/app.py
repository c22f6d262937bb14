"""A ticket box office over HTTP: FastAPI routes over one holdfast.Sale.

The same API as the C++ examples/box_office (api.h), so a client talks to
either, plus two routes the C++ one lacks (best-available seats, a hold's
status):

    GET  /health                           200 {"status":"ok"} (503 "draining" on shutdown)
    GET  /metrics                          Prometheus text
    GET  /v1/sale                          availability per type, quota and cycle
    POST /v1/holds                         {"lines":[{"type":"regular","quantity":2}],
                                            "ttl_seconds":300} -> 201 {"hold":"<32 hex>"}
    POST /v1/holds/best-available          {"count":2,"sections":["Stalls"]}
                                            -> 201 {"hold":..., "seats":["Stalls A-4",...]}
    GET  /v1/holds/{handle}                200 {"state":"held","expires_at":...,"lines":...}
    POST /v1/holds/{handle}/confirm        200 (a retried confirm answers 200 again, I9)
    POST /v1/holds/{handle}/release        200
    POST /v1/holds/{handle}/extend         {"ttl_seconds":300} -> 200

The /v1/holds routes need "Authorization: Bearer <token>" (401 otherwise). A
holdfast outcome answers {"outcome": "<code>", "message": ...} with the status
of the C++ table (OUTCOME_STATUS); bad input answers 400 {"error", "message"},
an Idempotency-Key reused with another request 422.

Run it (see README.md): uvicorn --factory box_office.app:create_app_from_env.
In code: create_app(sale, tokens) returns the FastAPI app; its lifespan starts
and stops a holdfast.Sweeper.

Thread-safety: the routes are plain `def`s, which FastAPI runs on its thread
pool; every holdfast call releases the GIL and takes no lock, the handle and
key tables take one lock for one dict operation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import secrets
import sys
import time
from typing import Any, AsyncIterator, Callable, Dict, Hashable, List, Optional, Tuple

import holdfast
from fastapi import Body, FastAPI, Header
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from box_office.handles import HandleTable
from box_office.idempotency import Admission, IdempotencyKeys
from box_office.metrics import Metrics
from box_office.sale_config import DEFAULT_SALE_JSON, sale_from_json
from box_office.tokens import bearer_token, generate_tokens, load_tokens, parse_token_list

Outcome = holdfast.Outcome

OUTCOME_STATUS: Dict[Outcome, int] = {
    Outcome.SOLD_OUT: 409,
    Outcome.SEAT_TAKEN: 409,
    Outcome.NO_ADJACENT_SEATS: 409,
    Outcome.BUYER_LIMIT: 409,  # the buyer's own purchases conflict: waiting won't help
    Outcome.ALREADY_CONFIRMED: 409,
    Outcome.KEY_IN_USE: 409,  # the same key's request is in flight: retry
    Outcome.TOO_MANY_HOLDS: 429,
    Outcome.NOT_OPEN: 403,
    Outcome.NOT_OWNER: 403,
    Outcome.CLOSED: 410,
    Outcome.EXPIRED: 410,
    Outcome.UNKNOWN_HOLD: 404,
    Outcome.HOLD_TABLE_FULL: 503,
    Outcome.BUYER_TABLE_FULL: 503,
    Outcome.TRY_AGAIN: 503,
    Outcome.INVALID_ARGUMENT: 400,
}
"""The HTTP status of each outcome but OK: examples/box_office/outcome_http.cc."""

_RETRY_LATER = frozenset({Outcome.TOO_MANY_HOLDS, Outcome.HOLD_TABLE_FULL,
                          Outcome.BUYER_TABLE_FULL, Outcome.TRY_AGAIN})
_NS = 1_000_000_000


def outcome_code(outcome: Outcome) -> str:
    """The outcome's name in the JSON body, e.g. "sold_out" (as the C++ box office)."""
    return outcome.name.lower()


@dataclasses.dataclass(frozen=True)
class Options:
    """The box office's own bounds (the C++ ApiOptions); holdfast's are in the sale."""

    expired_grace: float = 120.0
    """Seconds past its deadline a hold's handle still answers 410 Expired (then 404)."""
    confirmed_retention: float = 900.0
    """Seconds after a confirmation a retried confirm still answers 200 (then 404)."""
    hold_ttl_min: float = 1.0
    """The shortest ttl_seconds accepted on hold and extend (400 below, 0 included)."""
    idempotency_key_chars_max: int = 128
    idempotency_keys_per_buyer_max: int = 32
    """Distinct Idempotency-Keys one buyer may use over the sale (429 beyond)."""
    live_holds_per_buyer_max: int = 16
    """Live holds one buyer may have at once (429 too_many_holds beyond), so one
    buyer can't fill the handle table."""
    handles_max: int = 65536
    """Handles kept at once (503 handle_table_full beyond)."""
    sweep_interval: float = 0.25
    """Seconds between the sweeper's sweeps."""


class ApiError(Exception):
    """A refusal answered as {"error": code, "message": message}."""

    def __init__(self, status: int, code: str, message: str,
                 headers: Optional[Dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _json(status: int, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None
          ) -> JSONResponse:
    return JSONResponse(body, status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


def _outcome_response(outcome: Outcome, message: str = "", handle: str = "",
                      ok_status: int = 200, extra: Optional[Dict[str, Any]] = None
                      ) -> JSONResponse:
    body: Dict[str, Any] = {"outcome": outcome_code(outcome)}
    if handle:
        body["hold"] = handle
    if message:
        body["message"] = message
    body.update(extra or {})
    headers = {"Retry-After": "1"} if outcome in _RETRY_LATER else {}
    status = ok_status if outcome == Outcome.OK else OUTCOME_STATUS.get(outcome, 500)
    return _json(status, body, headers)


def _object(body: Any) -> Dict[str, Any]:
    """The request body as a JSON object; ApiError 400 otherwise."""
    if isinstance(body, (bytes, str)):  # sent without a JSON Content-Type
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    return body


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def route_of(path: str) -> str:
    """The route name of a path, for the metrics."""
    if path in ("/health", "/metrics"):
        return path[1:]
    if path == "/v1/sale":
        return "sale"
    if path == "/v1/holds":
        return "hold"
    if path == "/v1/holds/best-available":
        return "best_available"
    parts = path.split("/")
    if len(parts) == 4 and parts[1:3] == ["v1", "holds"]:
        return "hold_status"
    if len(parts) == 5 and parts[1:3] == ["v1", "holds"] and parts[4] in (
            "confirm", "release", "extend"):
        return parts[4]
    return "unrouted"


class _Observe:
    """ASGI middleware: counts each request by route and status with its latency,
    and echoes X-Request-Id (the load test's noon_rush.lua needs it)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Spelled as the C++ box office does: wrk's Lua sees header names as sent.
                if request_id is not None:
                    message["headers"] = [*message.get("headers", ()),
                                          (b"X-Request-Id", request_id)]
            await send(message)

        try:
            await self._app(scope, receive, observed_send)
        finally:
            self._metrics.count_request(route_of(scope["path"]), status,
                                        time.perf_counter() - start)


class BoxOffice:
    """The state behind the routes: the sale, who is who, the handles and keys."""

    def __init__(self, sale: holdfast.Sale, tokens: Dict[str, int], options: Options) -> None:
        self.sale = sale
        self.tokens = dict(tokens)
        self.options = options
        self.clock: holdfast.Clock = sale.config.clock or holdfast.SystemClock.get()
        self.handles = HandleTable(options.handles_max)
        self.keys = IdempotencyKeys(options.idempotency_keys_per_buyer_max,
                                    secrets.token_bytes(16))
        self.metrics = Metrics()
        self.sweeper: Optional[holdfast.Sweeper] = None
        self.draining = False
        self.type_index = {t.name: i for i, t in enumerate(sale.config.types)}

    def buyer_of(self, authorization: Optional[str]) -> int:
        """The buyer of a bearer token; ApiError 401 otherwise."""
        token = bearer_token(authorization)
        buyer = self.tokens.get(token) if token is not None else None
        if buyer is None:
            raise ApiError(401, "unauthorized", "Authorization: Bearer <token>",
                           {"WWW-Authenticate": 'Bearer realm="box_office"'})
        return buyer

    def default_ttl(self) -> float:
        """The sale's hold_ttl_default in seconds."""
        ttl = self.sale.config.hold_ttl_default
        return ttl.total_seconds() if isinstance(ttl, dt.timedelta) else float(ttl)

    def ttl_of(self, body: Dict[str, Any]) -> Optional[float]:
        """"ttl_seconds" of a body; None when absent; ApiError 400 when not a
        number or below Options.hold_ttl_min (holdfast refuses one above the
        sale's hold_lifetime_max)."""
        ttl = body.get("ttl_seconds")
        if ttl is None:
            return None
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not math.isfinite(ttl):
            raise ApiError(400, "invalid_argument", '"ttl_seconds": a number of seconds')
        if ttl < self.options.hold_ttl_min:
            raise ApiError(400, "invalid_argument",
                           f'"ttl_seconds": at least {self.options.hold_ttl_min:g}')
        return float(ttl)

    def lines_of(self, body: Dict[str, Any]) -> List[Tuple[int, int]]:
        """The (type index, quantity) lines of a hold request; ApiError 400 saying
        what is wrong with them otherwise."""
        lines = body.get("lines")
        if not isinstance(lines, list) or not lines:
            raise ApiError(400, "invalid_argument", '"lines": a non-empty array')
        if len(lines) > holdfast.LINES_PER_HOLD_MAX:
            raise ApiError(400, "invalid_argument",
                           f'"lines": at most {holdfast.LINES_PER_HOLD_MAX}')
        parsed = []
        for line in lines:
            if not isinstance(line, dict) or not _is_int(line.get("quantity")) \
                    or "type" not in line:
                raise ApiError(400, "invalid_argument",
                               'each line needs "type" and an integer "quantity"')
            quantity = line["quantity"]
            if not 1 <= quantity <= holdfast.UNITS_PER_HOLD_MAX:
                raise ApiError(400, "invalid_argument", '"quantity" out of range')
            kind = line["type"]
            index = self.type_index.get(kind) if isinstance(kind, str) else (
                kind if _is_int(kind) and 0 <= kind < len(self.type_index) else None)
            if index is None:
                raise ApiError(400, "invalid_argument", f"unknown ticket type {kind!r}")
            parsed.append((index, quantity))
        return parsed

    def make_hold(self, buyer: int, key_header: Optional[str], fingerprint: Hashable,
                  ttl: Optional[float], hold: Callable[[int], holdfast.Hold]
                  ) -> Tuple[Outcome, str, Optional[holdfast.Hold]]:
        """Runs `hold(idempotency_key)` within the box office's bounds: the key's
        admission (ApiError 400, 422, 429), the live holds per buyer. Returns
        (outcome, message, the hold or None)."""
        key, admission = 0, Admission.NEW
        if key_header is not None:
            if not 1 <= len(key_header) <= self.options.idempotency_key_chars_max:
                raise ApiError(400, "invalid_argument",
                               "Idempotency-Key: 1 to "
                               f"{self.options.idempotency_key_chars_max} characters")
            key = self.keys.key_of(key_header)
            admission = self.keys.begin(buyer, key, fingerprint)
            if admission is Admission.MISMATCH:
                raise ApiError(422, "idempotency_key_reused",
                               "this Idempotency-Key was used with another request")
            if admission is Admission.TOO_MANY_KEYS:
                raise ApiError(429, "too_many_idempotency_keys",
                               f"at most {self.options.idempotency_keys_per_buyer_max} "
                               "Idempotency-Keys a buyer")
        made: Optional[holdfast.Hold] = None
        outcome, message = Outcome.OK, ""
        try:
            # A known key may name a live hold: holdfast answers it without a new claim.
            if admission is not Admission.KNOWN and \
                    self.sale.buyer(buyer).live_holds >= self.options.live_holds_per_buyer_max:
                outcome = Outcome.TOO_MANY_HOLDS
                message = f"at most {self.options.live_holds_per_buyer_max} live holds a buyer"
            else:
                made = hold(key)
        except holdfast.HoldfastError as error:
            outcome, message = error.outcome, str(error)
        finally:
            if key:
                self.keys.end(buyer, key, admission, made is not None)
        self.metrics.count_outcome("hold", outcome_code(outcome))
        return outcome, message, made

    def handle_response(self, made: holdfast.Hold, buyer: int, ttl: Optional[float],
                        extra: Optional[Dict[str, Any]] = None) -> JSONResponse:
        """201 and a fresh handle for a new hold, 200 and its handle for a retry;
        503 handle_table_full (and the hold released) when no handle is left."""
        ttl_s = ttl if ttl is not None else self.default_ttl()
        now = self.clock.monotonic_ns()
        deadline = now + int(ttl_s * _NS)
        handle, new = self.handles.put(made.id, buyer, deadline,
                                       deadline + int(self.options.expired_grace * _NS), now)
        if handle is None:
            # No handle, no way to confirm: give the units back rather than strand them.
            self.sale.try_release(made.id, buyer)
            raise ApiError(503, "handle_table_full", "too many holds in flight; retry shortly",
                           {"Retry-After": "1"})
        response = _outcome_response(Outcome.OK, handle=handle, ok_status=201 if new else 200,
                                     extra=extra)
        response.headers["Location"] = f"/v1/holds/{handle}"
        return response

    def act(self, handle: str, authorization: Optional[str], op: str,
            body: Any = None) -> JSONResponse:
        """confirm, release or extend the hold behind `handle` as the caller."""
        buyer = self.buyer_of(authorization)
        ttl: Optional[float] = None
        if op == "extend":
            ttl = self.ttl_of(_object(body))
            if ttl is None:
                ttl = self.default_ttl()
        entry = self.handles.find(handle, self.clock.monotonic_ns())
        if entry is None:
            # Forged, guessed or forgotten: holdfast is never asked, nothing changes (I8).
            self.metrics.count_outcome(op, outcome_code(Outcome.UNKNOWN_HOLD))
            return _outcome_response(Outcome.UNKNOWN_HOLD)
        outcome, message = Outcome.OK, ""
        try:
            # The caller, not the entry's owner: holdfast answers NotOwner (I8).
            if op == "confirm":
                self.sale.confirm(entry.hold_id, buyer)
            elif op == "release":
                self.sale.release(entry.hold_id, buyer)
            else:
                self.sale.extend(entry.hold_id, buyer, ttl=ttl or self.default_ttl())
        except holdfast.HoldfastError as error:
            outcome, message = error.outcome, str(error)
        self.metrics.count_outcome(op, outcome_code(outcome))
        now = self.clock.monotonic_ns()
        if outcome == Outcome.UNKNOWN_HOLD or (op == "release" and outcome == Outcome.OK):
            self.handles.erase(handle)
        elif op == "confirm" and outcome == Outcome.OK:
            self.handles.update(handle, entry.deadline_ns,
                                now + int(self.options.confirmed_retention * _NS), True)
        elif op == "extend" and outcome == Outcome.OK and ttl is not None:
            deadline = now + int(ttl * _NS)
            self.handles.update(handle, deadline,
                                deadline + int(self.options.expired_grace * _NS), False)
        return _outcome_response(outcome, message, handle)

    def availability(self) -> Dict[str, Any]:
        """GET /v1/sale's body: the shape of the C++ AvailabilityJson."""
        sale, config = self.sale, self.sale.config
        types = []
        for i, kind in enumerate(config.types):
            stats = sale.type_stats_of(i)
            types.append({"id": i, "name": kind.name, "capacity": stats.capacity,
                          "available": sale.available(i), "held": stats.held_units,
                          "sold": stats.sold_units})
        quotas = [{"name": q.name, "capacity": q.capacity, "available": sale.quota_available(i)}
                  for i, q in enumerate(config.quotas)]
        current = sale.current_cycle()
        cycles = []
        for i, cycle in enumerate(config.cycles):
            cycles.append({
                "index": i, "name": cycle.name, "open": i == current,
                "allotment": cycle.allotment, "available": sale.cycle_available(i),
                "per_buyer_max": cycle.per_buyer_max,
                "opens_at": _rfc3339(cycle.opens_at), "closes_at": _rfc3339(cycle.closes_at)})
        totals = sale.stats()
        return {"types": types, "quotas": quotas, "cycles": cycles, "current_cycle": current,
                "sold": totals.sold_units, "held": totals.held_units,
                "live_holds": totals.live_holds}


def _rfc3339(instant: Optional[dt.datetime]) -> Optional[str]:
    if instant is None:
        return None
    return instant.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return _json(error.status, {"error": error.code, "message": error.message},
                     error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        kinds = {str(e.get("type", "")) for e in error.errors()}
        code = "invalid_json" if any("json" in k for k in kinds) else "invalid_argument"
        message = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                            for e in error.errors())
        return _json(400, {"error": code, "message": message})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: ("no_route", "no such route"),
                 405: ("method_not_allowed", "see the Allow header")}
        code, message = codes.get(error.status_code, ("http_error", str(error.detail)))
        return _json(error.status_code, {"error": code, "message": message},
                     dict(error.headers or {}))


def _add_hold_routes(app: FastAPI, box: BoxOffice) -> None:
    @app.post("/v1/holds")
    def create_hold(body: Any = Body(None), authorization: Optional[str] = Header(None),
                    idempotency_key: Optional[str] = Header(None)) -> JSONResponse:
        buyer = box.buyer_of(authorization)
        request = _object(body)
        lines = box.lines_of(request)
        ttl = box.ttl_of(request)
        outcome, message, made = box.make_hold(
            buyer, idempotency_key, ("lines", tuple(lines), ttl),
            ttl, lambda key: box.sale.hold(buyer, lines, ttl=ttl, idempotency_key=key or None))
        if made is None:
            return _outcome_response(outcome, message, ok_status=201)
        return box.handle_response(made, buyer, ttl)

    @app.post("/v1/holds/best-available")
    def best_available(body: Any = Body(None), authorization: Optional[str] = Header(None),
                       idempotency_key: Optional[str] = Header(None)) -> JSONResponse:
        buyer = box.buyer_of(authorization)
        request = _object(body)
        count = request.get("count")
        if not isinstance(count, int) or isinstance(count, bool) \
                or not 1 <= count <= holdfast.SEATS_PER_HOLD_MAX:
            raise ApiError(400, "invalid_argument",
                           f'"count": an integer 1 to {holdfast.SEATS_PER_HOLD_MAX}')
        wanted: int = count
        sections = request.get("sections", [])
        if not isinstance(sections, list) or not all(
                isinstance(s, str) or _is_int(s) for s in sections):
            raise ApiError(400, "invalid_argument", '"sections": an array of names or ids')
        flags = {name: request.get(name, False) for name in ("allow_split", "accessible_only")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise ApiError(400, "invalid_argument", '"allow_split", "accessible_only": booleans')
        ttl = box.ttl_of(request)
        outcome, message, made = box.make_hold(
            buyer, idempotency_key,
            ("best", count, tuple(sections), tuple(sorted(flags.items())), ttl), ttl,
            lambda key: box.sale.hold_best_available(buyer, wanted, sections, ttl=ttl,
                                                     idempotency_key=key or None, **flags))
        if made is None:
            return _outcome_response(outcome, message, ok_status=201)
        labels = [box.sale.seat_label(seat) for seat in made.seats]
        return box.handle_response(made, buyer, ttl, {"seats": labels})

    @app.get("/v1/holds/{handle}")
    def hold_status(handle: str, authorization: Optional[str] = Header(None)) -> JSONResponse:
        buyer = box.buyer_of(authorization)
        entry = box.handles.find(handle, box.clock.monotonic_ns())
        if entry is None:
            return _outcome_response(Outcome.UNKNOWN_HOLD)
        try:
            info = box.sale.hold_info(entry.hold_id, buyer)
        except holdfast.HoldfastError as error:
            if error.outcome == Outcome.UNKNOWN_HOLD:
                box.handles.erase(handle)
            return _outcome_response(error.outcome, str(error), handle)
        return _outcome_response(Outcome.OK, handle=handle, extra={
            "state": str(info.state),
            "expires_at": None if info.expires_at is None else info.expires_at.isoformat(),
            "lines": dict(info.lines), "units": info.units,
            "seats": [box.sale.seat_label(seat) for seat in info.seats]})

    @app.post("/v1/holds/{handle}/confirm")
    def confirm(handle: str, authorization: Optional[str] = Header(None)) -> JSONResponse:
        return box.act(handle, authorization, "confirm")

    @app.post("/v1/holds/{handle}/release")
    def release(handle: str, authorization: Optional[str] = Header(None)) -> JSONResponse:
        return box.act(handle, authorization, "release")

    @app.post("/v1/holds/{handle}/extend")
    def extend(handle: str, body: Any = Body(None),
               authorization: Optional[str] = Header(None)) -> JSONResponse:
        return box.act(handle, authorization, "extend", body)


def create_app(sale: holdfast.Sale, tokens: Dict[str, int],
               options: Optional[Options] = None) -> FastAPI:
    """The box office's FastAPI app over `sale`, for the buyers of `tokens`
    (token -> buyer id). Its lifespan runs a holdfast.Sweeper; app.state.box is
    the BoxOffice behind the routes."""
    box = BoxOffice(sale, tokens, options or Options())

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        box.sweeper = holdfast.Sweeper(box.sale, box.options.sweep_interval)
        try:
            yield
        finally:
            box.draining = True
            box.sweeper.stop()

    app = FastAPI(title="holdfast box office", openapi_url=None, docs_url=None, redoc_url=None)
    app.router.lifespan_context = lifespan  # FastAPI 0.92 (Debian 12) has no lifespan=
    app.state.box = box
    app.add_middleware(_Observe, metrics=box.metrics)
    _add_error_handlers(app)

    @app.api_route("/health", methods=["GET", "HEAD"])
    def health() -> JSONResponse:
        return _json(503 if box.draining else 200,
                     {"status": "draining" if box.draining else "ok"})

    @app.api_route("/metrics", methods=["GET", "HEAD"])
    def metrics() -> PlainTextResponse:
        text = box.metrics.render(box.sale, box.sweeper, len(box.handles))
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.api_route("/v1/sale", methods=["GET", "HEAD"])
    def availability() -> JSONResponse:
        return _json(200, box.availability())

    _add_hold_routes(app, box)
    return app


def create_app_from_env() -> FastAPI:
    """The app configured by the environment, for `uvicorn --factory`:
    HOLDFAST_BOX_OFFICE_SALE (a sale JSON file; the built-in sale if unset),
    HOLDFAST_BOX_OFFICE_TOKENS_FILE ("token buyer_id" lines) or
    HOLDFAST_BOX_OFFICE_TOKENS ("token:buyer,..."); with neither, three demo
    tokens are generated and printed on stderr."""
    sale_path = os.environ.get("HOLDFAST_BOX_OFFICE_SALE")
    sale_text = DEFAULT_SALE_JSON
    if sale_path:
        with open(sale_path, encoding="utf-8") as sale_file:
            sale_text = sale_file.read()
    tokens_path = os.environ.get("HOLDFAST_BOX_OFFICE_TOKENS_FILE")
    if tokens_path:
        with open(tokens_path, encoding="utf-8") as tokens_file:
            tokens = load_tokens(tokens_file.read())
    elif os.environ.get("HOLDFAST_BOX_OFFICE_TOKENS"):
        tokens = parse_token_list(os.environ["HOLDFAST_BOX_OFFICE_TOKENS"])
    else:
        tokens = generate_tokens(3)
        for token, buyer in tokens.items():
            print(f"demo token {token} buyer {buyer}", file=sys.stderr)
    return create_app(sale_from_json(sale_text), tokens)
