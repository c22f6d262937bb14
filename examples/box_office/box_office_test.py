#!/usr/bin/env python3
"""box_office_test.py: the box office's HTTP robustness tests, run by ctest.

Goal: every kind of bad or hostile client gets the right status or a timely close, the
sale's promises hold over HTTP (no oversell, stale/forged/foreign handles change nothing:
I8), and a well-behaved client is still served while the abuse goes on.

Method: each test class spawns the real binary (the path is argv[1]) on an ephemeral
loopback port with short timeouts, talks to it over raw sockets and http.client (standard
library only), and stops it by pid with SIGTERM, checking that it drains and exits 0.

  python3 box_office_test.py build/examples/box_office/box_office [-v] [TestClass.test_name]
"""

import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

BINARY = None  # set from argv in main()

# A small sale: every limit is reachable in a few requests.
SMALL_SALE = {
    "types": [{"name": "regular", "capacity": 10}, {"name": "student", "capacity": 2}],
    "cycles": [{"name": "noon", "opens_at": "now-1s", "allotment": 12}],
    "per_buyer_units_max": 4,
    "per_buyer_holds_max": 2,
    "units_per_hold_max": 4,
    "hold_ttl_default_seconds": 60,
    "hold_lifetime_max_seconds": 120,
    "holds_max": 64,
    "buyers_max": 64,
    "idempotency_keys_max": 64,
}


class Server:
    """The binary, started with a sale config and a token file, stopped by pid."""

    def __init__(self, sale=None, flags=(), buyers=8):
        self.dir = tempfile.TemporaryDirectory(prefix="box_office_test_")
        tokens_path = os.path.join(self.dir.name, "tokens.txt")
        with open(tokens_path, "w") as out:
            subprocess.run([BINARY, f"--generate_tokens={buyers}"], stdout=out, check=True)
        with open(tokens_path) as tokens:
            self.tokens = {int(b): t for t, b in (line.split() for line in tokens)}
        args = [BINARY, "--port=0", f"--tokens={tokens_path}", "--threads=2"]
        if sale is not None:
            sale_path = os.path.join(self.dir.name, "sale.json")
            with open(sale_path, "w") as out:
                json.dump(sale, out)
            args.append(f"--sale_config={sale_path}")
        self.process = subprocess.Popen(list(args) + list(flags), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()  # "port N", or EOF if it failed to start
        if not line.startswith("port "):
            self.process.kill()
            raise RuntimeError(f"server did not start: {line!r} {self.process.stderr.read()}")
        self.port = int(line.split()[1])

    def stop(self, timeout=30):
        """SIGTERM, then the exit status (0 after a clean drain)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()
        self.dir.cleanup()
        return status

    def connect(self, timeout=10):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def request(self, method, path, body=None, buyer=None, headers=None, conn=None):
        """One request on `conn` (or a new connection): (status, headers, parsed JSON or text)."""
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        all_headers = dict(headers or {})
        if buyer is not None:
            all_headers["Authorization"] = f"Bearer {self.tokens[buyer]}"
        data = json.dumps(body) if isinstance(body, (dict, list)) else body
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        raw = response.read().decode()
        if own:
            conn.close()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, dict(response.getheaders()), json.loads(raw) if is_json else raw

    def hold(self, buyer, lines, **kwargs):
        return self.request("POST", "/v1/holds", {"lines": lines}, buyer=buyer, **kwargs)

    def act(self, buyer, handle, action, body=None):
        return self.request("POST", f"/v1/holds/{handle}/{action}", body, buyer=buyer)

    def sale(self):
        status, _, body = self.request("GET", "/v1/sale")
        assert status == 200
        return body


class Reader:
    """Reads raw HTTP responses from a socket, keeping bytes that belong to the next one."""

    def __init__(self, sock):
        self.sock = sock
        self.data = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        self.data += chunk
        return bool(chunk)

    def response(self, timeout=5.0):
        """(status, headers lowercased, body bytes), or None if the server closed first."""
        self.sock.settimeout(timeout)
        try:
            while b"\r\n\r\n" not in self.data:
                if not self._fill():
                    return None
        except ConnectionResetError:
            return None
        head, _, self.data = self.data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.data) < length and self._fill():
            pass
        body, self.data = self.data[:length], self.data[length:]
        return status, headers, body


def read_response(sock, timeout=5.0):
    """One response on a socket that carries no pipelined responses; see Reader."""
    return Reader(sock).response(timeout)


def closed_within(sock, seconds):
    """True if the peer closes `sock` (EOF or reset) within `seconds`, draining any bytes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            continue
        try:
            if not sock.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


class ServerTest(unittest.TestCase):
    """Base: one server per class, shared by its tests."""

    SALE = SMALL_SALE
    FLAGS = ("--header_timeout_ms=1000", "--idle_timeout_ms=3000", "--body_timeout_ms=1000",
             "--header_limit=4096", "--body_limit=2048")
    BUYERS = 8

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.SALE, cls.FLAGS, buyers=cls.BUYERS)

    @classmethod
    def tearDownClass(cls):
        status = cls.server.stop()
        assert status == 0, f"server exited with {status}"

    def assertAlive(self):
        """A well-behaved client is served, promptly."""
        start = time.monotonic()
        status, _, body = self.server.request("GET", "/health")
        self.assertEqual((status, body), (200, {"status": "ok"}))
        self.assertLess(time.monotonic() - start, 1.0)


class ApiTest(ServerTest):
    def test_health_and_availability(self):
        self.assertAlive()
        sale = self.server.sale()
        self.assertEqual([t["name"] for t in sale["types"]], ["regular", "student"])
        self.assertEqual(sale["current_cycle"], 0)
        self.assertTrue(sale["cycles"][0]["open"])

    def test_hold_confirm_and_retries(self):
        status, headers, body = self.server.hold(1, [{"type": "regular", "quantity": 1}],
                                                 headers={"Idempotency-Key": "order-1"})
        self.assertEqual((status, body["outcome"]), (201, "ok"))
        handle = body["hold"]
        self.assertEqual(len(handle), 34)
        self.assertEqual(headers["Location"], f"/v1/holds/{handle}")
        # The same key again: the same hold, 200 instead of 201, nothing more claimed.
        status, _, again = self.server.hold(1, [{"type": "regular", "quantity": 1}],
                                            headers={"Idempotency-Key": "order-1"})
        self.assertEqual((status, again["hold"]), (200, handle))
        self.assertEqual(self.server.act(1, handle, "extend", {"ttl_seconds": 30})[0], 200)
        self.assertEqual(self.server.act(1, handle, "confirm")[0], 200)
        self.assertEqual(self.server.act(1, handle, "confirm")[0], 200)  # I9: retry is safe
        status, _, body = self.server.act(1, handle, "release")
        self.assertEqual((status, body["outcome"]), (409, "already_confirmed"))

    def test_foreign_forged_and_stale_handles_change_nothing(self):
        status, _, body = self.server.hold(2, [{"type": "regular", "quantity": 2}])
        self.assertEqual(status, 201)
        handle = body["hold"]
        before = self.server.sale()
        for action in ("confirm", "release", "extend"):
            status, _, body = self.server.act(3, handle, action, {"ttl_seconds": 10})
            self.assertEqual((status, body["outcome"]), (403, "not_owner"), action)
        forged = ("%032x" % int.from_bytes(os.urandom(16), "big")) + handle[32:]
        for bad in (forged, "zz" * 17, handle[:-1], "../../etc/passwd", handle.upper()):
            status, _, body = self.server.act(2, bad, "confirm")
            self.assertIn(status, (404,), bad)
        self.assertEqual(self.server.sale()["held"], before["held"])
        self.assertEqual(self.server.sale()["sold"], before["sold"])
        self.assertEqual(self.server.act(2, handle, "release")[0], 200)
        # Stale: the released hold's handle is forgotten.
        status, _, body = self.server.act(2, handle, "confirm")
        self.assertEqual((status, body["outcome"]), (404, "unknown_hold"))

    def test_sold_out_then_available_again(self):
        status, _, body = self.server.hold(5, [{"type": "student", "quantity": 2}])
        self.assertEqual(status, 201)
        status, _, sold_out = self.server.hold(6, [{"type": "student", "quantity": 1}])
        self.assertEqual((status, sold_out["outcome"]), (409, "sold_out"))
        self.assertEqual(self.server.act(5, body["hold"], "release")[0], 200)
        status, _, again = self.server.hold(6, [{"type": "student", "quantity": 1}])
        self.assertEqual(status, 201)
        self.assertEqual(self.server.act(6, again["hold"], "release")[0], 200)

    def test_buyer_limits(self):
        status, _, first = self.server.hold(7, [{"type": "regular", "quantity": 3}])
        self.assertEqual(status, 201)
        status, _, body = self.server.hold(7, [{"type": "regular", "quantity": 2}])
        self.assertEqual((status, body["outcome"]), (409, "buyer_limit"))
        status, _, second = self.server.hold(7, [{"type": "regular", "quantity": 1}])
        self.assertEqual(status, 201)
        self.server.act(7, second["hold"], "release")
        status, _, third = self.server.hold(7, [{"type": "regular", "quantity": 1}])
        self.assertEqual(status, 201)
        status, headers, body = self.server.hold(7, [{"type": "student", "quantity": 0}])
        self.assertEqual(status, 400)
        self.server.act(7, third["hold"], "release")
        self.server.act(7, first["hold"], "release")

    def test_too_many_holds(self):
        holds = [self.server.hold(8, [{"type": "regular", "quantity": 1}]) for _ in range(3)]
        self.assertEqual([h[0] for h in holds], [201, 201, 429])
        self.assertEqual(holds[2][2]["outcome"], "too_many_holds")
        self.assertIn("Retry-After", holds[2][1])
        for status, _, body in holds[:2]:
            self.assertEqual(self.server.act(8, body["hold"], "release")[0], 200)

    def test_expired_hold(self):
        status, _, body = self.server.request(
            "POST", "/v1/holds", {"lines": [{"type": "regular", "quantity": 1}],
                                  "ttl_seconds": 1}, buyer=4)  # --hold_ttl_min_ms=1000
        self.assertEqual(status, 201)
        time.sleep(1.3)
        status, _, expired = self.server.act(4, body["hold"], "confirm")
        self.assertEqual((status, expired["outcome"]), (410, "expired"))  # I4 over HTTP
        status, _, expired = self.server.act(4, body["hold"], "extend", {"ttl_seconds": 5})
        self.assertEqual(status, 410)

    def test_authentication(self):
        lines = {"lines": [{"type": "regular", "quantity": 1}]}
        for headers in ({}, {"Authorization": "Bearer not-a-token-at-all"},
                        {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}):
            status, got, body = self.server.request("POST", "/v1/holds", lines, headers=headers)
            self.assertEqual((status, body["error"]), (401, "unauthorized"))
            self.assertTrue(got["WWW-Authenticate"].startswith("Bearer"))

    def test_invalid_json_and_arguments(self):
        cases = [
            ("{not json", "invalid_json"),
            ("[1, 2]", "invalid_json"),
            ({"lines": []}, "invalid_argument"),
            ({"lines": [{"type": "balcony", "quantity": 1}]}, "invalid_argument"),
            ({"lines": [{"type": "regular", "quantity": -1}]}, "invalid_argument"),
            ({"lines": [{"type": "regular", "quantity": "2"}]}, "invalid_argument"),
            ({"lines": [{"type": "regular", "quantity": 1}], "ttl_seconds": 99999},
             "invalid_argument"),
            ({"lines": [{"type": "regular", "quantity": 1}], "ttl_seconds": -1},
             "invalid_argument"),
        ]
        for body, code in cases:
            status, _, answer = self.server.request("POST", "/v1/holds", body, buyer=1)
            self.assertEqual(status, 400, body)
            self.assertIn(code, (answer.get("error"), answer.get("outcome")), body)
        status, _, _ = self.server.hold(1, [{"type": "regular", "quantity": 1}],
                                        headers={"Idempotency-Key": "k" * 200})
        self.assertEqual(status, 400)

    def test_unknown_routes_and_methods(self):
        for method, path, want in (("GET", "/", 404), ("GET", "/v1/holds/x/refund", 404),
                                   ("GET", "/v2/sale", 404), ("DELETE", "/v1/sale", 405),
                                   ("GET", "/v1/holds", 405), ("PUT", "/health", 405),
                                   ("BREW", "/health", 405)):
            status, headers, _ = self.server.request(method, path)
            self.assertEqual(status, want, (method, path))
            if want == 405:
                self.assertIn("Allow", headers)

    def test_keep_alive_and_pipelining(self):
        with self.server.connect() as sock:
            reader = Reader(sock)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
            for _ in range(3):
                status, headers, body = reader.response()
                self.assertEqual(status, 200)
                self.assertNotEqual(headers.get("connection"), "close")
            sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")  # HTTP/1.0: close after it
            self.assertEqual(reader.response()[0], 200)
            self.assertTrue(closed_within(sock, 2))

    def test_metrics(self):
        self.server.request("GET", "/health")
        status, headers, text = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        for family in ("box_office_http_requests_total{route=\"health\",status=\"200\"}",
                       "box_office_http_request_duration_seconds_bucket{le=\"+Inf\"}",
                       "box_office_hold_outcomes_total", "box_office_open_connections",
                       "box_office_sale_holds_expired_total", "box_office_sale_sold_units"):
            self.assertIn(family, text)

    def test_never_oversold(self):
        """Many buyers race for the last units over HTTP: sold + held never passes capacity."""
        results = []

        def buyer(number):
            for _ in range(5):
                status, _, body = self.server.hold(number, [{"type": "regular", "quantity": 2}])
                results.append(status)
                if status in (200, 201):
                    self.server.act(number, body["hold"], "release")

        threads = [threading.Thread(target=buyer, args=(b,)) for b in range(1, 9)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sale = self.server.sale()
        for t in sale["types"]:
            self.assertLessEqual(t["held"] + t["sold"], t["capacity"])
            self.assertEqual(t["available"] + t["held"] + t["sold"], t["capacity"])
        self.assertTrue(set(results) <= {201, 409, 429}, results)


class MalformedTest(ServerTest):
    def raw(self, payload, expect_close=True):
        with self.server.connect() as sock:
            sock.sendall(payload)
            response = read_response(sock)
            self.assertIsNotNone(response, payload[:40])
            if expect_close:
                self.assertEqual(response[1].get("connection"), "close")
                self.assertTrue(closed_within(sock, 3), "server did not close")
            return response[0]

    def test_malformed_request_lines(self):
        for payload in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                        b"GET /health HTTP/1.1\r\nBad Header\r\n\r\n",
                        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40):
            self.assertEqual(self.raw(payload), 400, payload)
        self.assertAlive()

    def test_oversized_header_line_and_body(self):
        self.assertEqual(self.raw(b"GET /" + b"a" * 8000 + b" HTTP/1.1\r\n\r\n"), 414)
        self.assertEqual(self.raw(b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"), 414)
        big = b"GET /health HTTP/1.1\r\n" + b"".join(
            b"X-Filler-%d: %s\r\n" % (i, b"y" * 200) for i in range(40)) + b"\r\n"
        self.assertEqual(self.raw(big), 431)
        token = self.server.tokens[1].encode()
        head = (b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                b"\r\nContent-Type: application/json\r\n")
        # Declared too large: refused before the body is read, the response still arrives.
        self.assertEqual(self.raw(head + b"Content-Length: 100000\r\n\r\n" + b"x" * 50000), 413)
        chunk = b"%x\r\n%s\r\n" % (3000, b"z" * 3000)
        self.assertEqual(self.raw(head + b"Transfer-Encoding: chunked\r\n\r\n" + chunk), 413)
        self.assertAlive()


class FramingTest(ServerTest):
    """Issue 14, defects 2-4: framing a proxy and the server could read apart is refused."""

    def raw(self, payload):
        """(status, whether a second response followed) for `payload` sent at once; the
        server must answer once with Connection: close, then close."""
        with self.server.connect() as sock:
            sock.sendall(payload)
            reader = Reader(sock)
            response = reader.response()
            self.assertIsNotNone(response, payload[:60])
            self.assertEqual(response[1].get("connection"), "close", payload[:60])
            second = reader.response(timeout=3)
            self.assertIsNone(second, payload[:60])
            return response[0]

    def smuggled_hold(self, buyer):
        body = json.dumps({"lines": [{"type": "regular", "quantity": 1}]}).encode()
        return (b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                self.server.tokens[buyer].encode() +
                b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    def test_transfer_encoding_not_ending_in_chunked_is_refused(self):
        smuggled = self.smuggled_hold(3)
        before = self.server.sale()["held"]
        cases = [(b"Transfer-Encoding: gzip\r\n", 400),
                 (b"Transfer-Encoding: identity\r\n", 400),
                 (b"Transfer-Encoding: xchunked\r\n", 400),
                 (b"Transfer-Encoding: chunked, identity\r\n", 400),
                 (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", 400),
                 (b"Transfer-Encoding: gzip, chunked\r\n", 501),
                 (b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n", 400)]
        for te, want in cases:
            outer = b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + \
                self.server.tokens[3].encode() + b"\r\n" + te + b"\r\n"
            self.assertEqual(self.raw(outer + smuggled), want, te)
            # GET carries the smuggled request the same way; it must not be served.
            self.assertEqual(self.raw(b"GET /v1/sale HTTP/1.1\r\nHost: x\r\n" + te +
                                      b"\r\n" + smuggled), want, te)
        # HTTP/1.0 has no Transfer-Encoding (RFC 9112 §6.1).
        self.assertEqual(self.raw(b"POST /v1/holds HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
                                  b"\r\n0\r\n\r\n" + smuggled), 400)
        self.assertEqual(self.server.sale()["held"], before, "a smuggled hold was made")
        self.assertAlive()

    def test_folding_host_expect_and_authorization(self):
        token = self.server.tokens[1].encode()
        self.assertEqual(self.raw(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n"),
                         400)
        self.assertEqual(self.raw(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n\tb\r\n\r\n"),
                         400)
        self.assertEqual(self.raw(b"GET /health HTTP/1.1\r\n\r\n"), 400)  # no Host
        self.assertEqual(self.raw(b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400)
        self.assertEqual(self.raw(b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n"
                                  b"Content-Length: 2\r\n\r\n{}"), 417)
        self.assertEqual(self.raw(b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                  + token + b"\r\nAuthorization: Bearer " + token +
                                  b"\r\nContent-Length: 2\r\n\r\n{}"), 400)
        # HTTP/1.0 needs no Host; 100-continue is still honoured.
        with self.server.connect() as sock:
            sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")
            self.assertEqual(read_response(sock)[0], 200)
        with self.server.connect() as sock:
            sock.sendall(b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                         b"Authorization: Bearer " + token + b"\r\nContent-Length: 2\r\n\r\n")
            reader = Reader(sock)
            self.assertEqual(reader.response()[0], 100)
            sock.sendall(b"{}")
            self.assertEqual(reader.response()[0], 400)  # no lines: invalid_argument
        self.assertAlive()

    def test_large_or_unfinished_header_is_431(self):
        line = b"GET / HTTP/1.1\r\n"  # a short request line
        self.assertEqual(self.raw(line + b"X-Big: " + b"a" * 20000), 431)  # unfinished
        self.assertEqual(self.raw(line + b"Host: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"), 431)
        self.assertEqual(self.raw(line + b"Host: x\r\n" + b"X-Many: b\r\n" * 2000 + b"\r\n"), 431)
        self.assertEqual(self.raw(b"GET /" + b"a" * 20000), 414)  # the request line itself
        self.assertAlive()

    def chunked(self, chunks, trailers=b""):
        return (b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                self.server.tokens[2].encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunks + b"0\r\n" + trailers + b"\r\n")

    def test_chunk_extensions_and_trailers_count_against_limits(self):
        body = json.dumps({"lines": [{"type": "regular", "quantity": 9}]}).encode()
        chunk = b"%x\r\n%s\r\n" % (len(body), body)
        # A well-formed chunked request with a trailer is served (9 units: invalid_argument).
        with self.server.connect() as sock:
            sock.sendall(self.chunked(chunk, b"X-Checksum: 1\r\n"))
            status, headers, answer = read_response(sock)
            self.assertEqual((status, json.loads(answer)["outcome"]), (400, "invalid_argument"))
            self.assertNotEqual(headers.get("connection"), "close")
        # --header_limit=4096: trailers and extensions beyond it are refused.
        trailers = b"".join(b"X-Trailer-%d: %s\r\n" % (i, b"t" * 100) for i in range(40))
        self.assertEqual(self.raw(self.chunked(chunk, trailers)), 431)
        extension = b"%x;ext=%s\r\n%s\r\n" % (len(body), b"e" * 3000, body)
        self.assertEqual(self.raw(self.chunked(extension * 2)), 431)
        padded = b"0" * 3000 + chunk  # leading zeros in the chunk size are framing too
        self.assertEqual(self.raw(self.chunked(padded * 2)), 431)
        self.assertAlive()


class DefaultLimitsTest(ServerTest):
    """The limits at their defaults (8 KB header, 16 KB body)."""

    FLAGS = ()

    def test_27_kb_of_trailers_is_refused(self):
        body = json.dumps({"lines": [{"type": "regular", "quantity": 9}]}).encode()
        trailers = b"".join(b"X-Trailer-%d: %s\r\n" % (i, b"t" * 1000) for i in range(27))
        payload = (b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                   self.server.tokens[2].encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   b"%x\r\n%s\r\n0\r\n" % (len(body), body) + trailers + b"\r\n")
        with self.server.connect() as sock:
            sock.sendall(payload)
            status, headers, _ = read_response(sock)
            self.assertEqual((status, headers.get("connection")), (431, "close"))
            self.assertTrue(closed_within(sock, 3))


def assert_churn_leaves_buyer_served(test):
    """20 tokens churn holds as short as the server takes (asking for 1 ms, else the
    minimum), letting them expire; a legit buyer's holds are all still made (no 503
    handle_table_full)."""
    stop = time.monotonic() + 4

    def churn(buyer):
        conn = http.client.HTTPConnection("127.0.0.1", test.server.port, timeout=10)
        ttl = 0.001
        while time.monotonic() < stop:
            status, _, _ = test.server.request(
                "POST", "/v1/holds", {"lines": [{"type": "regular", "quantity": 1}],
                                      "ttl_seconds": ttl}, buyer=buyer, conn=conn)
            if status == 400:
                ttl = 1  # the server's minimum
        conn.close()

    threads = [threading.Thread(target=churn, args=(b,)) for b in range(9, 29)]
    for thread in threads:
        thread.start()
    legit = []
    time.sleep(1)
    while time.monotonic() < stop:
        status, _, body = test.server.hold(1, [{"type": "regular", "quantity": 1}])
        legit.append((status, body.get("error", body.get("outcome"))))
        if status == 201:
            test.server.act(1, body["hold"], "release")
    for thread in threads:
        thread.join()
    test.assertGreater(len(legit), 10)
    full = sum(1 for _, code in legit if code == "handle_table_full")
    test.assertEqual(full, 0, f"{full} of {len(legit)} got 503 handle_table_full")
    # Anything else but 201 is rare (a 503 try_again while an expiring thread is stopped).
    made = sum(1 for status, _ in legit if status == 201)
    test.assertGreater(made, 0.9 * len(legit), legit)


class AbuseTest(ServerTest):
    """Issue 14, defects 1, 5 and 8: one buyer can't use up a shared table, and the API's
    edges answer what the README says."""

    SALE = dict(SMALL_SALE, types=[{"name": "regular", "capacity": 10000}],
                cycles=[{"name": "noon", "opens_at": "now-1s", "allotment": 10000}],
                per_buyer_units_max=100000, holds_max=128, buyers_max=64,
                per_buyer_holds_max=0, idempotency_keys_max=64)
    FLAGS = ("--handles_max=512", "--idempotency_keys_per_buyer=8", "--live_holds_per_buyer=4")
    BUYERS = 28  # 1-8 for single tests, 9-28 churn

    def test_head_answers_like_get_without_a_body(self):
        for path in ("/health", "/v1/sale", "/metrics"):
            with self.server.connect() as sock:
                reader = Reader(sock)
                sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
                got = reader.response()
                sock.sendall(b"HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
                sock.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head:
                    head += sock.recv(65536)
                lines = head.decode().split("\r\n")
                self.assertEqual(int(lines[0].split()[1]), 200, path)
                length = [l for l in lines if l.lower().startswith("content-length:")]
                self.assertTrue(length, path)
                if path != "/metrics":  # the metrics change between the two requests
                    self.assertEqual(int(length[0].split(":")[1]), len(got[2]), path)
                # No body follows: the next response starts right after the header.
                self.assertTrue(head.endswith(b"\r\n\r\n"), path)
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertTrue(sock.recv(65536).startswith(b"HTTP/1.1 200"), path)
        status, headers, _ = self.server.request("DELETE", "/health")
        self.assertEqual((status, headers["Allow"]), (405, "GET, HEAD"))

    def test_same_key_with_another_request_is_422(self):
        key = {"Idempotency-Key": "order-422"}
        status, _, first = self.server.hold(1, [{"type": "regular", "quantity": 1}], headers=key)
        self.assertEqual(status, 201)
        held = self.server.sale()["held"]
        status, _, body = self.server.hold(1, [{"type": "regular", "quantity": 2}], headers=key)
        self.assertEqual((status, body["error"]), (422, "idempotency_key_reused"))
        status, _, body = self.server.request(
            "POST", "/v1/holds", {"lines": [{"type": "regular", "quantity": 1}],
                                  "ttl_seconds": 30}, buyer=1, headers=key)
        self.assertEqual(status, 422)
        self.assertEqual(self.server.sale()["held"], held)
        status, _, again = self.server.hold(1, [{"type": "regular", "quantity": 1}], headers=key)
        self.assertEqual((status, again["hold"]), (200, first["hold"]))
        # The key is the buyer's own: another buyer may use it for anything.
        status, _, other = self.server.hold(2, [{"type": "regular", "quantity": 3}], headers=key)
        self.assertEqual(status, 201)
        self.assertEqual(self.server.act(2, other["hold"], "release")[0], 200)
        self.assertEqual(self.server.act(1, first["hold"], "release")[0], 200)

    def test_ttl_zero_and_below_the_minimum_are_400_on_hold_and_extend(self):
        status, _, body = self.server.hold(3, [{"type": "regular", "quantity": 1}])
        self.assertEqual(status, 201)
        for ttl in (0, 0.001, 0.5):
            status, _, answer = self.server.request(
                "POST", "/v1/holds", {"lines": [{"type": "regular", "quantity": 1}],
                                      "ttl_seconds": ttl}, buyer=3)
            self.assertEqual((status, answer.get("error")), (400, "invalid_argument"), ttl)
            status, _, answer = self.server.act(3, body["hold"], "extend", {"ttl_seconds": ttl})
            self.assertEqual((status, answer.get("error")), (400, "invalid_argument"), ttl)
        self.assertEqual(self.server.act(3, body["hold"], "extend", {"ttl_seconds": 1})[0], 200)
        self.assertEqual(self.server.act(3, body["hold"], "release")[0], 200)

    def test_idempotency_keys_are_bounded_per_buyer(self):
        """One token tries 70 keys (the sale remembers 64 in all): past its 8, it is refused,
        and every other buyer's keyed hold still works."""
        statuses = []
        for i in range(70):
            status, _, body = self.server.hold(4, [{"type": "regular", "quantity": 1}],
                                               headers={"Idempotency-Key": f"flood-{i}"})
            statuses.append(status)
            if status in (200, 201):
                self.server.act(4, body["hold"], "release")
        self.assertEqual(statuses[:8], [201] * 8)
        self.assertEqual(set(statuses[8:]), {429})
        # An old key of its own still answers (a new hold: the first was released).
        status, _, body = self.server.hold(4, [{"type": "regular", "quantity": 1}],
                                           headers={"Idempotency-Key": "flood-0"})
        self.assertEqual(status, 201)
        self.server.act(4, body["hold"], "release")
        for buyer in (5, 6):
            status, _, body = self.server.hold(buyer, [{"type": "regular", "quantity": 1}],
                                               headers={"Idempotency-Key": f"mine-{buyer}"})
            self.assertEqual(status, 201, buyer)
            self.server.act(buyer, body["hold"], "release")

    def test_live_holds_are_bounded_per_buyer(self):
        """The sale sets no per-buyer bound on live holds; the server's (4 here) applies."""
        holds = [self.server.hold(7, [{"type": "regular", "quantity": 1}]) for _ in range(6)]
        self.assertEqual([h[0] for h in holds], [201] * 4 + [429] * 2)
        self.assertEqual(holds[4][2]["outcome"], "too_many_holds")
        for status, _, body in holds[:4]:
            self.assertEqual(self.server.act(7, body["hold"], "release")[0], 200)

    def test_churning_short_holds_do_not_lock_out_a_buyer(self):
        """20 tokens churn the shortest holds the server takes (1 s), letting them expire."""
        assert_churn_leaves_buyer_served(self)


class HandleChurnTest(ServerTest):
    """As AbuseTest with a 1 ms minimum TTL: expired holds' handles are freed when room is
    needed, so even the fastest churn can't fill the handle table."""

    SALE = AbuseTest.SALE
    FLAGS = ("--handles_max=512", "--hold_ttl_min_ms=1", "--live_holds_per_buyer=4")
    BUYERS = AbuseTest.BUYERS

    def test_churning_short_holds_do_not_lock_out_a_buyer(self):
        """20 tokens churn 1 ms holds, letting them expire."""
        assert_churn_leaves_buyer_served(self)


class SlowClientTest(ServerTest):
    def test_idle_connection_is_closed(self):
        with self.server.connect() as sock:
            start = time.monotonic()
            self.assertTrue(closed_within(sock, 6))
            self.assertGreater(time.monotonic() - start, 2.0)  # --idle_timeout_ms=3000

    def test_slowloris_is_cut_off_while_others_are_served(self):
        slow = [self.server.connect() for _ in range(200)]
        for sock in slow:
            sock.sendall(b"GET /health HTTP/1.1\r\n")
        start = time.monotonic()
        served = 0
        # Each slow client trickles a header byte every 200 ms; the header deadline (1 s) is
        # not reset by them. Meanwhile a normal client keeps being served promptly.
        while time.monotonic() - start < 1.6:
            for sock in slow:
                try:
                    sock.sendall(b"X")
                except OSError:
                    pass
            self.assertAlive()
            served += 1
            time.sleep(0.2)
        self.assertGreater(served, 3)
        # Every slow client is cut off at its header deadline (1 s after its first byte).
        for sock in slow:
            self.assertTrue(closed_within(sock, 3))
            sock.close()
        self.assertAlive()

    def test_slow_body_is_cut_off(self):
        with self.server.connect() as sock:
            sock.sendall(b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                         self.server.tokens[1].encode() + b"\r\nContent-Length: 100\r\n\r\n{")
            start = time.monotonic()
            self.assertTrue(closed_within(sock, 4))
            self.assertLess(time.monotonic() - start, 3)  # --body_timeout_ms=1000
        self.assertAlive()


class ConnectionLimitTest(ServerTest):
    FLAGS = ("--max_connections=20", "--idle_timeout_ms=10000")

    def test_over_the_limit_gets_503_not_a_reset(self):
        held = [self.server.connect() for _ in range(20)]
        for sock in held:  # make sure every one is accepted and counted
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(read_response(sock)[0], 200)
        extra = []
        for _ in range(5):
            sock = self.server.connect()
            extra.append(sock)
            status, headers, body = read_response(sock)
            self.assertEqual((status, headers["connection"]), (503, "close"))
            self.assertEqual(json.loads(body)["error"], "too_many_connections")
            self.assertTrue(closed_within(sock, 3))
        for sock in held[:5] + extra:
            sock.close()
        time.sleep(0.3)
        self.assertAlive()
        status, _, metrics = self.server.request("GET", "/metrics")
        self.assertIn("box_office_rejected_connections_total 5", metrics)
        for sock in held[5:]:
            sock.close()


class WindowTest(unittest.TestCase):
    def outcome(self, cycle):
        sale = dict(SMALL_SALE, cycles=[cycle])
        server = Server(sale)
        try:
            return server.hold(1, [{"type": "regular", "quantity": 1}])
        finally:
            self.assertEqual(server.stop(), 0)

    def test_not_open_and_closed(self):
        status, _, body = self.outcome({"name": "later", "opens_at": "now+1h", "allotment": 5})
        self.assertEqual((status, body["outcome"]), (403, "not_open"))
        status, _, body = self.outcome({"name": "past", "opens_at": "now-2h",
                                        "closes_at": "now-1h", "allotment": 5})
        self.assertEqual((status, body["outcome"]), (410, "closed"))


class ShutdownTest(unittest.TestCase):
    def test_sigterm_finishes_requests_in_flight(self):
        server = Server(SMALL_SALE, ("--drain_timeout_ms=5000",))
        try:
            idle = server.connect()
            idle.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(read_response(idle)[0], 200)
            busy = server.connect()
            body = json.dumps({"lines": [{"type": "regular", "quantity": 1}]}).encode()
            busy.sendall(b"POST /v1/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                         server.tokens[1].encode() +
                         b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
            time.sleep(0.2)  # the header is in: this request is in flight
            server.process.send_signal(signal.SIGTERM)
            self.assertTrue(closed_within(idle, 3), "idle connection not closed on SIGTERM")
            time.sleep(0.3)
            busy.sendall(body[10:])
            status, headers, _ = read_response(busy)
            self.assertEqual((status, headers["connection"]), (201, "close"))
            self.assertTrue(closed_within(busy, 3))
            self.assertEqual(server.process.wait(timeout=10), 0)
            with self.assertRaises(OSError):
                server.connect(timeout=1)
            idle.close()
            busy.close()
        finally:
            self.assertEqual(server.stop(), 0)


def main():
    global BINARY
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print(__doc__)
        sys.exit(2)
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
