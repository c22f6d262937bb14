// Tests of the Go wrapper over the C ABI: every operation's success and its
// outcomes as Go errors, expiry driven by a manual clock (no sleeps), Close
// (also while other goroutines call), and a benchmark of the per-call cost from
// Go.
package holdfast

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

const buyer, other BuyerID = 42, 43

// newSale builds a sale of "regular" (10 units, type 0) and "student" (5,
// type 1), 4 units per buyer, on clock when it is not nil.
func newSale(t testing.TB, clock *ManualClock) *Sale {
	t.Helper()
	sale, err := NewSale(Config{
		Types:            []TypeConfig{{"regular", 10}, {"student", 5}},
		PerBuyerUnitsMax: 4,
		HoldTTLDefault:   time.Minute,
		HoldLifetimeMax:  10 * time.Minute,
		Clock:            clock,
	})
	if err != nil {
		t.Fatalf("NewSale: %v", err)
	}
	t.Cleanup(sale.Close)
	return sale
}

func mustHold(t *testing.T, s *Sale, b BuyerID, ttl time.Duration, lines ...Line) HoldID {
	t.Helper()
	hold, err := s.Hold(b, ttl, lines...)
	if err != nil || hold == 0 {
		t.Fatalf("Hold(%d, %v) = %d, %v; want a hold", b, lines, hold, err)
	}
	return hold
}

func wantStats(t *testing.T, s *Sale, typ Type, want TypeStats) {
	t.Helper()
	got, err := s.TypeStats(typ)
	if err != nil || got != want {
		t.Fatalf("TypeStats(%d) = %+v, %v; want %+v", typ, got, err, want)
	}
}

func TestOutcomesAreNamedErrors(t *testing.T) {
	if OutcomeCount != 17 || TryAgain != 16 {
		t.Fatalf("OutcomeCount %d, TryAgain %d: the C enum changed", OutcomeCount, TryAgain)
	}
	for o := Outcome(0); int(o) < OutcomeCount; o++ {
		if o.String() == "Unknown" || o.String() == "" {
			t.Errorf("Outcome(%d) has no name", o)
		}
	}
	if SoldOut.String() != "SoldOut" || SoldOut.Error() != "holdfast: SoldOut" {
		t.Errorf("SoldOut = %q / %q", SoldOut.String(), SoldOut.Error())
	}
	if Outcome(-1).String() != "Unknown" || Outcome(OutcomeCount).String() != "Unknown" {
		t.Errorf("values outside the enum are not Unknown")
	}
	var err error = BuyerLimit
	if !errors.Is(err, BuyerLimit) || errors.Is(err, SoldOut) {
		t.Errorf("errors.Is does not tell outcomes apart")
	}
	if !strings.HasPrefix(Version(), "0.") {
		t.Errorf("Version() = %q", Version())
	}
}

func TestNewSaleRefusesABadConfigNamingTheField(t *testing.T) {
	_, err := NewSale(Config{Types: []TypeConfig{{"regular", -1}}})
	var configError *ConfigError
	if !errors.As(err, &configError) || configError.Code != 1 ||
		!strings.Contains(configError.Message, "types[0].capacity") {
		t.Fatalf("NewSale(capacity -1) = %v; want InvalidArgument naming types[0].capacity", err)
	}
	if !strings.HasPrefix(err.Error(), "holdfast: InvalidArgument: ") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestHoldConfirmReleaseMoveTheCounters(t *testing.T) {
	s := newSale(t, nil)
	confirmed := mustHold(t, s, buyer, 0, Line{0, 2}, Line{1, 1})
	if s.Available(0) != 8 || s.Available(1) != 4 {
		t.Fatalf("available %d %d after holding 2 + 1", s.Available(0), s.Available(1))
	}
	if err := s.Confirm(confirmed, buyer); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if err := s.Confirm(confirmed, buyer); err != nil { // I9: a retry is Ok, sells nothing twice
		t.Fatalf("Confirm again: %v", err)
	}
	released := mustHold(t, s, buyer, 0, Line{0, 1})
	if err := s.Release(released, buyer); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := s.Release(released, buyer); !errors.Is(err, UnknownHold) {
		t.Fatalf("Release of an ended hold = %v; want UnknownHold", err)
	}
	wantStats(t, s, 0, TypeStats{Capacity: 10, Available: 8, SoldUnits: 2, ReleasedUnits: 1})
	wantStats(t, s, 1, TypeStats{Capacity: 5, Available: 4, SoldUnits: 1})
	counts, err := s.Buyer(buyer)
	if err != nil || counts != (BuyerCounts{BoughtUnits: 3}) {
		t.Fatalf("Buyer = %+v, %v", counts, err)
	}
	if names := s.Types(); len(names) != 2 || names[1].Name != "student" {
		t.Fatalf("Types() = %v", names)
	}
}

func TestOutcomesComeBackAsErrorsAndChangeNothing(t *testing.T) {
	s := newSale(t, nil)
	hold := mustHold(t, s, buyer, 0, Line{0, 3})
	cases := []struct {
		name string
		err  error
		want Outcome
	}{
		{"over the buyer limit", second(s.Hold(buyer, 0, Line{0, 2})), BuyerLimit},
		{"over the buyer limit in one hold", second(s.Hold(other, 0, Line{1, 5})), BuyerLimit},
		{"above the per-hold maximum", second(s.Hold(other, 0, Line{0, 11})), InvalidArgument},
		{"no lines", second(s.Hold(other, 0)), InvalidArgument},
		{"zero quantity", second(s.Hold(other, 0, Line{0, 0})), InvalidArgument},
		{"unknown type", second(s.Hold(other, 0, Line{7, 1})), InvalidArgument},
		{"ttl above the maximum", second(s.Hold(other, time.Hour, Line{0, 1})), InvalidArgument},
		{"confirm as another buyer", s.Confirm(hold, other), NotOwner},
		{"release as another buyer", s.Release(hold, other), NotOwner},
		{"extend as another buyer", s.Extend(hold, other, time.Minute), NotOwner},
		{"confirm a forged hold", s.Confirm(hold+12345, buyer), UnknownHold},
		{"confirm hold 0", s.Confirm(0, buyer), UnknownHold},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v; want %v", c.name, c.err, c.want)
		}
	}
	wantStats(t, s, 0, TypeStats{Capacity: 10, Available: 7, HeldUnits: 3})
	wantStats(t, s, 1, TypeStats{Capacity: 5, Available: 5})
}

func TestSoldOut(t *testing.T) {
	s := newSale(t, nil)
	mustHold(t, s, 1, 0, Line{1, 2})
	mustHold(t, s, 2, 0, Line{1, 2}) // 1 of 5 left
	if _, err := s.Hold(3, 0, Line{1, 2}); !errors.Is(err, SoldOut) {
		t.Fatalf("Hold of 2 with 1 left = %v; want SoldOut", err)
	}
	mustHold(t, s, 3, 0, Line{1, 1})
	wantStats(t, s, 1, TypeStats{Capacity: 5, HeldUnits: 5})
}

func TestExpiryAndExtendOnAManualClock(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	defer clock.Close()
	s := newSale(t, clock)
	extended := mustHold(t, s, buyer, 2*time.Second, Line{0, 1})
	expired := mustHold(t, s, buyer, 2*time.Second, Line{0, 2})
	clock.Advance(time.Second)
	if err := s.Extend(extended, buyer, 5*time.Second); err != nil {
		t.Fatalf("Extend: %v", err)
	}
	clock.Advance(2 * time.Second) // past expired's deadline, not extended's
	if err := s.Confirm(expired, buyer); !errors.Is(err, Expired) {
		t.Fatalf("Confirm after the deadline = %v; want Expired (I4)", err)
	}
	if err := s.Extend(expired, buyer, time.Minute); err == nil {
		t.Fatalf("Extend of an expired hold succeeded")
	}
	if err := s.Confirm(extended, buyer); err != nil {
		t.Fatalf("Confirm of the extended hold: %v", err)
	}
	s.Sweep()
	wantStats(t, s, 0, TypeStats{Capacity: 10, Available: 9, SoldUnits: 1, ExpiredUnits: 2})
}

func TestCloseIsFinalAndIdempotent(t *testing.T) {
	s := newSale(t, nil)
	hold := mustHold(t, s, buyer, 0, Line{0, 1})
	s.Close()
	s.Close()
	if _, err := s.Hold(buyer, 0, Line{0, 1}); err != ErrClosed {
		t.Errorf("Hold after Close = %v", err)
	}
	for name, err := range map[string]error{
		"Confirm": s.Confirm(hold, buyer), "Release": s.Release(hold, buyer),
		"Extend": s.Extend(hold, buyer, time.Minute), "TypeStats": second(s.TypeStats(0)),
		"Buyer": second(s.Buyer(buyer)),
	} {
		if err != ErrClosed {
			t.Errorf("%s after Close = %v; want ErrClosed", name, err)
		}
	}
	if s.Available(0) != 0 || s.Sweep() != 0 {
		t.Errorf("queries after Close are not 0")
	}
}

// Close while goroutines hold and release: each call either runs on the live
// sale or answers ErrClosed, never touches freed memory (run it with -race too).
func TestCloseWhileInUse(t *testing.T) {
	s := newSale(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	start := make(chan struct{})
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(b BuyerID) {
			defer wg.Done()
			<-start
			for {
				hold, err := s.Hold(b, 0, Line{0, 1})
				if err == nil {
					err = s.Release(hold, b)
				}
				if err == ErrClosed {
					return
				}
				if err != nil && !errors.Is(err, SoldOut) && !errors.Is(err, TryAgain) {
					errs <- err
					return
				}
			}
		}(BuyerID(g + 1))
	}
	close(start)
	time.Sleep(20 * time.Millisecond) // let the calls run; no correctness depends on it
	s.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a call answered %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// BenchmarkHoldRelease is the cost of one hold plus one release from Go
// (cgo call, read lock and the C ABI), one goroutine per GOMAXPROCS, each its
// own buyer.
func BenchmarkHoldRelease(b *testing.B) {
	s, err := NewSale(Config{Types: []TypeConfig{{"regular", 1 << 20}}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var next BuyerID
	var mu sync.Mutex
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		next++
		me := next
		mu.Unlock()
		for pb.Next() {
			hold, err := s.Hold(me, 0, Line{0, 1})
			if err == nil {
				err = s.Release(hold, me)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
