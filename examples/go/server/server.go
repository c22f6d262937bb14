// Package server is a small net/http front for a holdfast.Sale: hold and
// confirm endpoints speaking JSON, for loopback use (the buyer id comes from
// the request body; a real server takes it from its session instead).
//
//	POST /hold     {"buyer": 42, "type": 0, "quantity": 2}  -> 201 {"hold": "8589934593"}
//	POST /confirm  {"buyer": 42, "hold": "8589934593"}      -> 200 {"confirmed": true}
//	GET  /available?type=0                                  -> 200 {"available": 298}
//
// Hold ids travel as decimal strings (they use all 64 bits, more than a
// JavaScript number keeps). An outcome other than Ok answers the status
// examples/box_office uses (409 sold out, 410 expired, 404 unknown hold, ...)
// with {"error": "sold_out", "outcome": "SoldOut"}; a malformed request answers
// 400 and changes nothing.
//
//	http.ListenAndServe("127.0.0.1:8080", server.New(sale))
package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"holdfastgo/holdfast"
)

// bodyLimit bounds a request body: the largest valid one is under 100 bytes.
const bodyLimit = 4096

// New returns the handler serving sale. Safe for concurrent requests.
func New(sale *holdfast.Sale) http.Handler {
	h := &handler{sale: sale}
	mux := http.NewServeMux()
	mux.HandleFunc("/hold", h.hold)
	mux.HandleFunc("/confirm", h.confirm)
	mux.HandleFunc("/available", h.available)
	return mux
}

type handler struct{ sale *holdfast.Sale }

type holdRequest struct {
	Buyer    holdfast.BuyerID `json:"buyer"`
	Type     holdfast.Type    `json:"type"`
	Quantity int32            `json:"quantity"`
}

type holdResponse struct {
	Hold holdfast.HoldID `json:"hold,string"`
}

type confirmRequest struct {
	Buyer holdfast.BuyerID `json:"buyer"`
	Hold  holdfast.HoldID  `json:"hold,string"`
}

type errorResponse struct {
	Error   string `json:"error"`
	Outcome string `json:"outcome,omitempty"`
}

func (h *handler) hold(w http.ResponseWriter, r *http.Request) {
	var request holdRequest
	if !decode(w, r, &request) {
		return
	}
	hold, err := h.sale.Hold(request.Buyer, 0,
		holdfast.Line{Type: request.Type, Quantity: request.Quantity})
	if err != nil {
		writeOutcome(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, holdResponse{Hold: hold})
}

func (h *handler) confirm(w http.ResponseWriter, r *http.Request) {
	var request confirmRequest
	if !decode(w, r, &request) {
		return
	}
	if err := h.sale.Confirm(request.Hold, request.Buyer); err != nil {
		writeOutcome(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"confirmed": true})
}

func (h *handler) available(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, errorResponse{Error: "method_not_allowed"})
		return
	}
	t, err := strconv.ParseUint(r.URL.Query().Get("type"), 10, 32)
	if err != nil || int(t) >= len(h.sale.Types()) {
		writeJSON(w, http.StatusBadRequest, errorResponse{Error: "bad_type"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"available": h.sale.Available(holdfast.Type(t))})
}

// decode reads a POST's JSON body into v, answering 405 or 400 itself when it
// cannot (unknown fields, trailing data and oversized bodies included).
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, errorResponse{Error: "method_not_allowed"})
		return false
	}
	decoder := json.NewDecoder(http.MaxBytesReader(w, r.Body, bodyLimit))
	decoder.DisallowUnknownFields()
	err := decoder.Decode(v)
	if err == nil && decoder.More() {
		err = errors.New("data after the JSON object")
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse{Error: "bad_request: " + err.Error()})
		return false
	}
	return true
}

// writeOutcome answers an error from the sale: an Outcome's status and code,
// or 503 for anything else (a closed sale).
func writeOutcome(w http.ResponseWriter, err error) {
	var o holdfast.Outcome
	if !errors.As(err, &o) {
		writeJSON(w, http.StatusServiceUnavailable, errorResponse{Error: "unavailable"})
		return
	}
	writeJSON(w, StatusOf(o), errorResponse{Error: CodeOf(o), Outcome: o.String()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do then
}

// StatusOf is the HTTP status for an outcome other than OK, the same table as
// examples/box_office/outcome_http.cc.
func StatusOf(o holdfast.Outcome) int {
	switch o {
	case holdfast.SoldOut, holdfast.SeatTaken, holdfast.NoAdjacentSeats, holdfast.BuyerLimit,
		holdfast.AlreadyConfirmed, holdfast.KeyInUse:
		return http.StatusConflict
	case holdfast.TooManyHolds:
		return http.StatusTooManyRequests
	case holdfast.NotOpen, holdfast.NotOwner:
		return http.StatusForbidden
	case holdfast.Closed, holdfast.Expired:
		return http.StatusGone
	case holdfast.UnknownHold:
		return http.StatusNotFound
	case holdfast.HoldTableFull, holdfast.BuyerTableFull, holdfast.TryAgain:
		return http.StatusServiceUnavailable
	case holdfast.InvalidArgument:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// CodeOf is the outcome's snake_case code for JSON bodies: "sold_out", ...
func CodeOf(o holdfast.Outcome) string {
	name := o.String()
	code := make([]byte, 0, len(name)+4)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				code = append(code, '_')
			}
			c += 'a' - 'A'
		}
		code = append(code, c)
	}
	return string(code)
}

// CheckLoopback answers nil when addr ("host:port") listens on a loopback
// IP address only (127.0.0.0/8 or ::1), and an error otherwise (a name such as
// "localhost" too: what it resolves to is not this program's to check).
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address; this example serves 127.0.0.1 only", host)
	}
	return nil
}
