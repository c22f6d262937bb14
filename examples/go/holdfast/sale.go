// Package holdfast sells a limited stock from Go through holdfast's C ABI
// (include/holdfast/holdfast_c.h), with cgo and the standard library only.
//
// A Sale wraps one hf_sale. Expected results of an operation (sold out, buyer
// limit, expired, ...) come back as a Go error whose value is an Outcome, so
// callers test them with errors.Is:
//
//	sale, err := holdfast.NewSale(holdfast.Config{
//		Types:            []holdfast.TypeConfig{{Name: "regular", Capacity: 300}},
//		PerBuyerUnitsMax: 4,
//	})
//	if err != nil { ... }            // a *ConfigError naming the bad field
//	defer sale.Close()
//	hold, err := sale.Hold(userID, 0, holdfast.Line{Type: 0, Quantity: 2})
//	if errors.Is(err, holdfast.SoldOut) { ... }
//	err = sale.Confirm(hold, userID)
//
// Linking: the package needs the holdfast headers and library at build time,
// given through CGO_CFLAGS and CGO_LDFLAGS (see examples/go/README.md); it adds
// only the C++ runtime itself.
//
// Concurrency: every Sale method is safe from any number of goroutines. The
// operations are the C ABI's lock-free calls behind a read lock that only Close
// takes for writing: a call never waits for another call, only for a Close in
// progress, and a call after Close answers ErrClosed instead of touching freed
// memory. The C side never allocates after NewSale; the Go side of a call
// makes a few small allocations (cgo moves what C is shown to the heap), as
// BenchmarkHoldRelease's allocs/op reports.
package holdfast

// #cgo LDFLAGS: -lstdc++ -lm
// #include <stdlib.h>
// #include "holdfast/holdfast_c.h"
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"
)

// Version is the version of the holdfast library linked in, e.g. "0.1.0".
func Version() string { return C.GoString(C.hf_version_string()) }

// Outcome is the result of a sale operation, equal to hf_outcome and
// holdfast::Outcome. Every Outcome but OK is also an error.
type Outcome int

// The outcomes (DESIGN.md §3); outcome.h documents each one.
const (
	OK                   = Outcome(C.HF_OUTCOME_OK)
	SoldOut              = Outcome(C.HF_OUTCOME_SOLD_OUT)
	SeatTaken            = Outcome(C.HF_OUTCOME_SEAT_TAKEN)
	NoAdjacentSeats      = Outcome(C.HF_OUTCOME_NO_ADJACENT_SEATS)
	BuyerLimit           = Outcome(C.HF_OUTCOME_BUYER_LIMIT)
	TooManyHolds         = Outcome(C.HF_OUTCOME_TOO_MANY_HOLDS)
	NotOpen              = Outcome(C.HF_OUTCOME_NOT_OPEN)
	Closed               = Outcome(C.HF_OUTCOME_CLOSED)
	Expired              = Outcome(C.HF_OUTCOME_EXPIRED)
	UnknownHold          = Outcome(C.HF_OUTCOME_UNKNOWN_HOLD)
	NotOwner             = Outcome(C.HF_OUTCOME_NOT_OWNER)
	AlreadyConfirmed     = Outcome(C.HF_OUTCOME_ALREADY_CONFIRMED)
	HoldTableFull        = Outcome(C.HF_OUTCOME_HOLD_TABLE_FULL)
	BuyerTableFull       = Outcome(C.HF_OUTCOME_BUYER_TABLE_FULL)
	InvalidArgument      = Outcome(C.HF_OUTCOME_INVALID_ARGUMENT)
	KeyInUse             = Outcome(C.HF_OUTCOME_KEY_IN_USE)
	TryAgain             = Outcome(C.HF_OUTCOME_TRY_AGAIN)
	OutcomeCount     int = C.HF_OUTCOME_COUNT
)

// outcomeNames caches hf_outcome_name, so String never calls into C.
var outcomeNames = func() []string {
	names := make([]string, OutcomeCount)
	for o := range names {
		names[o] = C.GoString(C.hf_outcome_name(C.int(o)))
	}
	return names
}()

// String is the outcome's name as the C ABI spells it: "Ok", "SoldOut", ...;
// "Unknown" outside the enum.
func (o Outcome) String() string {
	if o < 0 || int(o) >= OutcomeCount {
		return "Unknown"
	}
	return outcomeNames[o]
}

// Error makes an Outcome an error: "holdfast: SoldOut".
func (o Outcome) Error() string { return "holdfast: " + o.String() }

// errorOf turns an hf_outcome into nil (OK) or the Outcome as an error.
func errorOf(o C.hf_outcome) error {
	if o == C.HF_OUTCOME_OK {
		return nil
	}
	return Outcome(o)
}

// ErrClosed is answered by every method of a Sale after Close.
var ErrClosed = errors.New("holdfast: sale is closed")

// ConfigError is NewSale's error: the hf_error code and the library's message,
// which names the first bad field.
type ConfigError struct {
	Code    int    // an hf_error value (1 invalid argument, 2 resource exhausted, 3 internal)
	Message string // e.g. "types[0].capacity: -1 is outside [0, 1099511627776]"
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("holdfast: %s: %s", C.GoString(C.hf_error_name(C.int(e.Code))), e.Message)
}

// TypeConfig is one ticket type: its name and capacity.
type TypeConfig struct {
	Name     string
	Capacity int64
}

// Config describes a sale of general-admission types. A zero field keeps the
// C++ default (config.h); hf_sale_create checks every bound.
type Config struct {
	Types            []TypeConfig // indexed by Type in the order given
	PerBuyerUnitsMax int64
	PerBuyerHoldsMax int32
	UnitsPerHoldMax  int32
	HoldTTLDefault   time.Duration
	HoldLifetimeMax  time.Duration
	HoldsMax         int32
	BuyersMax        int32
	// Clock, when not nil, is the sale's time source instead of the system
	// clocks; it must stay open while the sale is open.
	Clock *ManualClock
}

// Type is a ticket type's index in Config.Types.
type Type uint32

// BuyerID is an opaque buyer id chosen by the server (its user id); the
// largest uint64 is reserved.
type BuyerID uint64

// HoldID is the handle of a hold; 0 is never a hold.
type HoldID uint64

// Line is one line of a hold: Quantity units of Type.
type Line struct {
	Type     Type
	Quantity int32
}

// Sale is one sale behind the C ABI. Create it with NewSale and end it with
// Close; see the package comment for its concurrency.
type Sale struct {
	mu    sync.RWMutex // read-held by every call, write-held by Close
	sale  *C.hf_sale   // nil after Close
	types []TypeConfig
}

// NewSale builds a sale from config. It allocates all the memory the sale will
// use (outside the Go heap). Errors: a *ConfigError.
func NewSale(config Config) (*Sale, error) {
	c := C.hf_config_create()
	if c == nil {
		return nil, &ConfigError{Code: int(C.HF_ERROR_RESOURCE_EXHAUSTED), Message: "out of memory"}
	}
	defer C.hf_config_destroy(c)
	if err := fillConfig(c, &config); err != nil {
		return nil, err
	}
	var sale *C.hf_sale
	var message [256]C.char
	code := C.hf_sale_create(c, &sale, &message[0], C.size_t(len(message)))
	if code != C.HF_ERROR_OK {
		return nil, &ConfigError{Code: int(code), Message: C.GoString(&message[0])}
	}
	types := append([]TypeConfig(nil), config.Types...)
	return &Sale{sale: sale, types: types}, nil
}

// fillConfig copies config into c, setting only the non-zero fields.
func fillConfig(c *C.hf_config, config *Config) error {
	for i, t := range config.Types {
		name := C.CString(t.Name)
		code := C.hf_config_add_type(c, name, C.int64_t(t.Capacity), nil)
		C.free(unsafe.Pointer(name))
		if code != C.HF_ERROR_OK {
			return &ConfigError{Code: int(code), Message: fmt.Sprintf("types[%d] not added", i)}
		}
	}
	// The setters fail only for a NULL config, which c is not.
	if config.PerBuyerUnitsMax != 0 {
		C.hf_config_set_per_buyer_units_max(c, C.int64_t(config.PerBuyerUnitsMax))
	}
	if config.PerBuyerHoldsMax != 0 {
		C.hf_config_set_per_buyer_holds_max(c, C.int32_t(config.PerBuyerHoldsMax))
	}
	if config.UnitsPerHoldMax != 0 {
		C.hf_config_set_units_per_hold_max(c, C.int32_t(config.UnitsPerHoldMax))
	}
	if config.HoldTTLDefault != 0 {
		C.hf_config_set_hold_ttl_default_ns(c, C.int64_t(config.HoldTTLDefault))
	}
	if config.HoldLifetimeMax != 0 {
		C.hf_config_set_hold_lifetime_max_ns(c, C.int64_t(config.HoldLifetimeMax))
	}
	if config.HoldsMax != 0 {
		C.hf_config_set_holds_max(c, C.int32_t(config.HoldsMax))
	}
	if config.BuyersMax != 0 {
		C.hf_config_set_buyers_max(c, C.int32_t(config.BuyersMax))
	}
	if config.Clock != nil {
		C.hf_config_set_manual_clock(c, config.Clock.clock)
	}
	return nil
}

// Close frees the sale. It waits for calls in flight; later calls answer
// ErrClosed. A second Close does nothing.
func (s *Sale) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	C.hf_sale_destroy(s.sale)
	s.sale = nil
}

// Types is the sale's ticket types, indexed by Type.
func (s *Sale) Types() []TypeConfig { return append([]TypeConfig(nil), s.types...) }

// Hold holds the lines for buyer, all or nothing, for ttl (0: the sale's
// default TTL). It returns the hold's id, or an Outcome error (SoldOut,
// BuyerLimit, InvalidArgument, ...) and 0.
func (s *Sale) Hold(buyer BuyerID, ttl time.Duration, lines ...Line) (HoldID, error) {
	cLines := make([]C.hf_hold_line, len(lines))
	for i, l := range lines {
		cLines[i] = C.hf_hold_line{_type: C.uint32_t(l.Type), quantity: C.int32_t(l.Quantity)}
	}
	var first *C.hf_hold_line // NULL for no lines, which the C ABI answers InvalidArgument
	if len(cLines) > 0 {
		first = &cLines[0]
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sale == nil {
		return 0, ErrClosed
	}
	var hold C.hf_hold_id
	o := C.hf_sale_hold(s.sale, C.hf_buyer_id(buyer), first, C.size_t(len(cLines)),
		C.int64_t(ttl), 0, &hold)
	return HoldID(hold), errorOf(o)
}

// Confirm turns buyer's live hold into a sale. Confirming a hold this buyer
// already confirmed answers nil again (DESIGN.md I9).
func (s *Sale) Confirm(hold HoldID, buyer BuyerID) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sale == nil {
		return ErrClosed
	}
	return errorOf(C.hf_sale_confirm(s.sale, C.hf_hold_id(hold), C.hf_buyer_id(buyer),
		C.HF_CONFIRM_RETRY_IS_OK))
}

// Release ends buyer's live hold early and returns its units.
func (s *Sale) Release(hold HoldID, buyer BuyerID) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sale == nil {
		return ErrClosed
	}
	return errorOf(C.hf_sale_release(s.sale, C.hf_hold_id(hold), C.hf_buyer_id(buyer)))
}

// Extend moves buyer's live hold's deadline to now + ttl.
func (s *Sale) Extend(hold HoldID, buyer BuyerID, ttl time.Duration) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sale == nil {
		return ErrClosed
	}
	return errorOf(C.hf_sale_extend(s.sale, C.hf_hold_id(hold), C.hf_buyer_id(buyer),
		C.int64_t(ttl)))
}

// Sweep expires every hold past its deadline and returns how many it expired
// (0 after Close).
func (s *Sale) Sweep() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sale == nil {
		return 0
	}
	return int64(C.hf_sale_sweep(s.sale))
}

// Available is how many units of t a buyer could hold now (0 for an unknown
// type or after Close). Units of dead holds not yet swept count as taken (a
// Hold still gets them: DESIGN.md I5).
func (s *Sale) Available(t Type) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sale == nil {
		return 0
	}
	return int64(C.hf_sale_available(s.sale, C.uint32_t(t)))
}

// TypeStats are one ticket type's counters; at a quiescent point
// Available + HeldUnits + SoldUnits == Capacity.
type TypeStats struct {
	Capacity, Available, HeldUnits, SoldUnits, ReleasedUnits, ExpiredUnits int64
}

// TypeStats reads t's counters (all zero for an unknown type).
func (s *Sale) TypeStats(t Type) (TypeStats, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sale == nil {
		return TypeStats{}, ErrClosed
	}
	var c C.hf_type_stats
	C.hf_sale_type_stats(s.sale, C.uint32_t(t), &c)
	return TypeStats{
		Capacity: int64(c.capacity), Available: int64(c.available),
		HeldUnits: int64(c.held_units), SoldUnits: int64(c.sold_units),
		ReleasedUnits: int64(c.released_units), ExpiredUnits: int64(c.expired_units),
	}, nil
}

// BuyerCounts are one buyer's counters.
type BuyerCounts struct {
	HeldUnits, BoughtUnits int64
	LiveHolds              int32
}

// Buyer reads buyer's counters (all zero for a buyer never seen).
func (s *Sale) Buyer(buyer BuyerID) (BuyerCounts, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sale == nil {
		return BuyerCounts{}, ErrClosed
	}
	var c C.hf_buyer_counts
	C.hf_sale_buyer(s.sale, C.hf_buyer_id(buyer), &c)
	return BuyerCounts{HeldUnits: int64(c.held_units), BoughtUnits: int64(c.bought_units),
		LiveHolds: int32(c.live_holds)}, nil
}

// ManualClock is a clock that moves only when told (hf_manual_clock), for
// tests: give it to Config.Clock and move it with Advance.
type ManualClock struct{ clock *C.hf_manual_clock }

// NewManualClock starts a clock at monotonic 0 and wall time wall. Close it
// after every sale that uses it.
func NewManualClock(wall time.Time) *ManualClock {
	return &ManualClock{clock: C.hf_manual_clock_create(C.int64_t(wall.UnixNano()))}
}

// Advance moves the clock forward by d (a negative d is ignored).
func (m *ManualClock) Advance(d time.Duration) { C.hf_manual_clock_advance(m.clock, C.int64_t(d)) }

// Close frees the clock; no sale may still use it.
func (m *ManualClock) Close() {
	C.hf_manual_clock_destroy(m.clock)
	m.clock = nil
}
