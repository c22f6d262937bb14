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

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.SALE, cls.FLAGS)

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
                                  "ttl_seconds": 0.3}, buyer=4)
        self.assertEqual(status, 201)
        time.sleep(0.6)
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
        head = (b"POST /v1/holds HTTP/1.1\r\nAuthorization: Bearer " + token +
                b"\r\nContent-Type: application/json\r\n")
        # Declared too large: refused before the body is read, the response still arrives.
        self.assertEqual(self.raw(head + b"Content-Length: 100000\r\n\r\n" + b"x" * 50000), 413)
        chunk = b"%x\r\n%s\r\n" % (3000, b"z" * 3000)
        self.assertEqual(self.raw(head + b"Transfer-Encoding: chunked\r\n\r\n" + chunk), 413)
        self.assertAlive()


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
            sock.sendall(b"POST /v1/holds HTTP/1.1\r\nAuthorization: Bearer " +
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
            sock.sendall(b"GET /health HTTP/1.1\r\n\r\n")
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
            idle.sendall(b"GET /health HTTP/1.1\r\n\r\n")
            self.assertEqual(read_response(idle)[0], 200)
            busy = server.connect()
            body = json.dumps({"lines": [{"type": "regular", "quantity": 1}]}).encode()
            busy.sendall(b"POST /v1/holds HTTP/1.1\r\nAuthorization: Bearer " +
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
