// Tests of the HTTP endpoints with net/http/httptest: hold and confirm over a
// real loopback listener, each outcome's status and code, malformed requests
// answered 400/405 without changing the sale, and the loopback-only check.
package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"holdfastgo/holdfast"
)

func newSale(t *testing.T, clock *holdfast.ManualClock) *holdfast.Sale {
	t.Helper()
	sale, err := holdfast.NewSale(holdfast.Config{
		Types:            []holdfast.TypeConfig{{Name: "general", Capacity: 5}},
		PerBuyerUnitsMax: 4,
		HoldTTLDefault:   time.Minute,
		Clock:            clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sale.Close)
	return sale
}

// call sends method path body to h and returns the status and decoded JSON.
func call(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	recorder := httptest.NewRecorder()
	h.ServeHTTP(recorder, httptest.NewRequest(method, path, strings.NewReader(body)))
	var decoded map[string]any
	if err := json.Unmarshal(recorder.Body.Bytes(), &decoded); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", method, path, recorder.Body.String(), err)
	}
	if recorder.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, path, recorder.Header().Get("Content-Type"))
	}
	return recorder.Code, decoded
}

func TestHoldAndConfirmOverLoopback(t *testing.T) {
	sale := newSale(t, nil)
	srv := httptest.NewServer(New(sale)) // listens on 127.0.0.1
	defer srv.Close()
	post := func(path, body string) (int, map[string]any) {
		response, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer response.Body.Close()
		data, _ := io.ReadAll(response.Body)
		var decoded map[string]any
		if err := json.Unmarshal(data, &decoded); err != nil {
			t.Fatalf("POST %s: %q: %v", path, data, err)
		}
		return response.StatusCode, decoded
	}
	status, held := post("/hold", `{"buyer": 42, "quantity": 2}`)
	hold, _ := held["hold"].(string)
	if status != http.StatusCreated || hold == "" {
		t.Fatalf("POST /hold = %d %v; want 201 and a hold id", status, held)
	}
	status, confirmed := post("/confirm", `{"buyer": 42, "hold": "`+hold+`"}`)
	if status != http.StatusOK || confirmed["confirmed"] != true {
		t.Fatalf("POST /confirm = %d %v", status, confirmed)
	}
	stats, _ := sale.TypeStats(0)
	if stats.SoldUnits != 2 || stats.Available != 3 {
		t.Fatalf("after hold + confirm over HTTP: %+v", stats)
	}
}

func TestOutcomesAnswerTheirStatus(t *testing.T) {
	clock := holdfast.NewManualClock(time.Unix(1780000000, 0))
	defer clock.Close()
	sale := newSale(t, clock)
	h := New(sale)
	_, held := call(t, h, "POST", "/hold", `{"buyer": 1, "quantity": 4}`)
	hold := held["hold"].(string)
	_, short := call(t, h, "POST", "/hold", `{"buyer": 2, "quantity": 1, "type": 0}`)
	cases := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"sold out", "/hold", `{"buyer": 3, "quantity": 1}`, 409, "sold_out"},
		{"buyer limit", "/hold", `{"buyer": 1, "quantity": 1}`, 409, "buyer_limit"},
		{"zero quantity", "/hold", `{"buyer": 4, "quantity": 0}`, 400, "invalid_argument"},
		{"unknown type", "/hold", `{"buyer": 4, "type": 9, "quantity": 1}`, 400,
			"invalid_argument"},
		{"not the owner", "/confirm", `{"buyer": 2, "hold": "` + hold + `"}`, 403, "not_owner"},
		{"unknown hold", "/confirm", `{"buyer": 1, "hold": "12345"}`, 404, "unknown_hold"},
	}
	for _, c := range cases {
		status, body := call(t, h, "POST", c.path, c.body)
		if status != c.status || body["error"] != c.code {
			t.Errorf("%s: %d %v; want %d %s", c.name, status, body, c.status, c.code)
		}
	}
	clock.Advance(2 * time.Minute) // past every hold's deadline
	status, body := call(t, h, "POST", "/confirm", `{"buyer": 2, "hold": "`+
		short["hold"].(string)+`"}`)
	if status != http.StatusGone || body["error"] != "expired" || body["outcome"] != "Expired" {
		t.Errorf("confirm after the deadline: %d %v; want 410 expired", status, body)
	}
	// The dead holds' 5 units go to the next buyer who needs them (I5), sweep or not.
	if status, body = call(t, h, "POST", "/hold", `{"buyer": 3, "quantity": 4}`); status != 201 {
		t.Errorf("hold after every hold expired: %d %v; want 201", status, body)
	}
	sale.Sweep()
	status, body = call(t, h, "GET", "/available?type=0", "")
	if status != http.StatusOK || body["available"] != float64(1) {
		t.Errorf("GET /available after expiry and a hold of 4: %d %v; want 1", status, body)
	}
}

func TestMalformedRequestsChangeNothing(t *testing.T) {
	sale := newSale(t, nil)
	h := New(sale)
	cases := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/hold", "", 405},
		{"POST", "/available?type=0", "", 405},
		{"POST", "/hold", `{"buyer": 1, "quantity": `, 400},
		{"POST", "/hold", `{"buyer": 1, "quantity": 1, "price": 0}`, 400},
		{"POST", "/hold", `{"buyer": 1, "quantity": 1} {"buyer": 1, "quantity": 1}`, 400},
		{"POST", "/hold", `{"buyer": -1, "quantity": 1}`, 400},
		{"POST", "/hold", `{"buyer": 1, "quantity": 1, "pad": "` + strings.Repeat("x", 5000) + `"}`,
			400},
		{"POST", "/confirm", `{"buyer": 1, "hold": 5}`, 400}, // the id must be a string
		{"GET", "/available?type=1", "", 400},
		{"GET", "/available?type=x", "", 400},
	}
	for _, c := range cases {
		if status, body := call(t, h, c.method, c.path, c.body); status != c.status {
			t.Errorf("%s %s %.40q: %d %v; want %d", c.method, c.path, c.body, status, body, c.status)
		}
	}
	if stats, _ := sale.TypeStats(0); stats != (holdfast.TypeStats{Capacity: 5, Available: 5}) {
		t.Fatalf("malformed requests changed the sale: %+v", stats)
	}
	sale.Close()
	if status, body := call(t, h, "POST", "/hold", `{"buyer": 1, "quantity": 1}`); status != 503 {
		t.Errorf("hold on a closed sale: %d %v; want 503", status, body)
	}
}

func TestStatusAndCodeOfEveryOutcome(t *testing.T) {
	for o := holdfast.Outcome(1); int(o) < holdfast.OutcomeCount; o++ {
		if status := StatusOf(o); status < 400 || status == 500 {
			t.Errorf("StatusOf(%v) = %d", o, status)
		}
	}
	if StatusOf(holdfast.Outcome(99)) != 500 {
		t.Errorf("a value outside the enum is not 500")
	}
	if CodeOf(holdfast.NoAdjacentSeats) != "no_adjacent_seats" || CodeOf(holdfast.OK) != "ok" {
		t.Errorf("CodeOf = %q, %q", CodeOf(holdfast.NoAdjacentSeats), CodeOf(holdfast.OK))
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:8080", "127.0.0.2:0", "[::1]:8080"} {
		if err := CheckLoopback(addr); err != nil {
			t.Errorf("CheckLoopback(%q) = %v", addr, err)
		}
	}
	for _, addr := range []string{":8080", "0.0.0.0:8080", "10.0.0.1:80", "localhost:80",
		"127.0.0.1"} {
		if err := CheckLoopback(addr); err == nil {
			t.Errorf("CheckLoopback(%q) accepted it", addr)
		}
	}
}
