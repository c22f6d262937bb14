// Package rush is the noon rush from goroutines: many buyers at once hold 1 to
// 4 tickets of one type, most confirm, some release (abandon the cart) and a
// few walk away leaving the hold live. Check then verifies DESIGN.md I1 (no
// oversell, sold + held + available == capacity) and that the sale's counters
// agree with what the buyers were told (I10).
//
//	result := rush.Run(sale, 0, rush.Options{Goroutines: 64, Seed: 1})
//	if err := rush.Check(sale, 0, result); err != nil { ... }
package rush

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"sync"

	"holdfastgo/holdfast"
)

// Options shape a run.
type Options struct {
	Goroutines int   // buyers served at once; >= 1
	Seed       int64 // seeds each goroutine's choices (goroutine g uses Seed + g)
	// BuyersPerGoroutine bounds the buyers each goroutine serves, so a run
	// always ends; 0 means 4 * capacity / Goroutines + 16.
	BuyersPerGoroutine int
}

// Percent of the buyers who got a hold that release it, and that walk away;
// the rest confirm.
const (
	releasePercent  = 10
	walkAwayPercent = 5
)

// Result is what the buyers were told, summed over the goroutines.
type Result struct {
	Buyers         int64 // buyers served, sold out or not
	ConfirmedUnits int64 // units in holds the buyers confirmed
	ReleasedUnits  int64 // units in holds the buyers released
	WalkedUnits    int64 // units in holds left live
	// Outcomes counts the answers to Hold, Confirm and Release.
	Outcomes map[holdfast.Outcome]int64
	// Failures are answers no correct sale gives here (they end a goroutine).
	Failures []error
}

// worker is one goroutine's share of a run.
type worker struct {
	sale   *holdfast.Sale
	t      holdfast.Type
	random *rand.Rand
	result Result
}

// Run sells sale's type t to buyers from opts.Goroutines goroutines until the
// type has nothing left (or each goroutine served its bound of buyers), and
// returns what they were told. Buyer ids are 1, 2, ... and never repeat.
func Run(sale *holdfast.Sale, t holdfast.Type, opts Options) Result {
	if opts.Goroutines < 1 {
		opts.Goroutines = 1
	}
	perGoroutine := opts.BuyersPerGoroutine
	if perGoroutine == 0 {
		stats, _ := sale.TypeStats(t)
		perGoroutine = int(4*stats.Capacity)/opts.Goroutines + 16
	}
	workers := make([]*worker, opts.Goroutines)
	var wg sync.WaitGroup
	for g := range workers {
		w := &worker{sale: sale, t: t, random: rand.New(rand.NewSource(opts.Seed + int64(g))),
			result: Result{Outcomes: map[holdfast.Outcome]int64{}}}
		workers[g] = w
		first := holdfast.BuyerID(g*perGoroutine + 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < perGoroutine && w.serve(first+holdfast.BuyerID(b)); b++ {
			}
		}()
	}
	wg.Wait()
	total := Result{Outcomes: map[holdfast.Outcome]int64{}}
	for _, w := range workers {
		total.Buyers += w.result.Buyers
		total.ConfirmedUnits += w.result.ConfirmedUnits
		total.ReleasedUnits += w.result.ReleasedUnits
		total.WalkedUnits += w.result.WalkedUnits
		total.Failures = append(total.Failures, w.result.Failures...)
		for o, n := range w.result.Outcomes {
			total.Outcomes[o] += n
		}
	}
	return total
}

// count records the outcome of one call (an error that is no Outcome, such as
// ErrClosed, is recorded by the caller as a failure).
func (w *worker) count(err error) {
	var o holdfast.Outcome // OK when err is nil
	if err == nil || errors.As(err, &o) {
		w.result.Outcomes[o]++
	}
}

// serve is one buyer; false when the type has nothing left or a call failed.
func (w *worker) serve(buyer holdfast.BuyerID) bool {
	w.result.Buyers++
	quantity := int32(1 + w.random.Intn(4))
	hold, err := w.sale.Hold(buyer, 0, holdfast.Line{Type: w.t, Quantity: quantity})
	w.count(err)
	switch {
	case errors.Is(err, holdfast.SoldOut):
		return w.sale.Available(w.t) > 0
	case errors.Is(err, holdfast.TryAgain):
		return true // a stopped thread's return of units was in flight
	case err != nil:
		w.result.Failures = append(w.result.Failures, fmt.Errorf("hold: %w", err))
		return false
	}
	choice := w.random.Intn(100)
	if choice < walkAwayPercent {
		w.result.WalkedUnits += int64(quantity)
		return true
	}
	release := choice < walkAwayPercent+releasePercent
	if release {
		err = w.sale.Release(hold, buyer)
	} else {
		err = w.sale.Confirm(hold, buyer)
	}
	w.count(err)
	if err != nil {
		w.result.Failures = append(w.result.Failures, fmt.Errorf("ending a live hold: %w", err))
		return false
	}
	if release {
		w.result.ReleasedUnits += int64(quantity)
	} else {
		w.result.ConfirmedUnits += int64(quantity)
	}
	return true
}

// Check verifies, at a quiescent point after Run, that nothing of t was
// oversold and every unit is accounted for (I1), and that the sale's counters
// equal what the buyers were told (I10). It returns nil or an error naming
// every violation.
func Check(sale *holdfast.Sale, t holdfast.Type, result Result) error {
	stats, err := sale.TypeStats(t)
	if err != nil {
		return err
	}
	var problems []error
	problems = append(problems, result.Failures...)
	if total := stats.SoldUnits + stats.HeldUnits + stats.Available; total != stats.Capacity {
		problems = append(problems, fmt.Errorf("I1: sold %d + held %d + available %d = %d, not %d",
			stats.SoldUnits, stats.HeldUnits, stats.Available, total, stats.Capacity))
	}
	if stats.SoldUnits > stats.Capacity || result.ConfirmedUnits > stats.Capacity {
		problems = append(problems, fmt.Errorf("I1: oversold: sale says %d, buyers %d, of %d",
			stats.SoldUnits, result.ConfirmedUnits, stats.Capacity))
	}
	if stats.SoldUnits != result.ConfirmedUnits || stats.HeldUnits != result.WalkedUnits ||
		stats.ReleasedUnits != result.ReleasedUnits {
		problems = append(problems, fmt.Errorf(
			"I10: sale counts sold %d held %d released %d, buyers were told %d %d %d",
			stats.SoldUnits, stats.HeldUnits, stats.ReleasedUnits,
			result.ConfirmedUnits, result.WalkedUnits, result.ReleasedUnits))
	}
	if len(problems) == 0 {
		return nil
	}
	text := make([]string, len(problems))
	for i, p := range problems {
		text[i] = p.Error()
	}
	return errors.New(strings.Join(text, "; "))
}
