// Tests of the noon rush: a sale sold out from many goroutines through the C
// ABI ends with nothing oversold and every unit accounted for (I1, I10), and
// Check reports a broken account instead of passing it.
package rush

import (
	"runtime"
	"strings"
	"testing"

	"holdfastgo/holdfast"
)

func newSale(t *testing.T, tickets int64) *holdfast.Sale {
	t.Helper()
	sale, err := holdfast.NewSale(holdfast.Config{
		Types:            []holdfast.TypeConfig{{Name: "general", Capacity: tickets}},
		PerBuyerUnitsMax: 4,
		UnitsPerHoldMax:  4,
		BuyersMax:        int32(8*tickets + 4096),
		HoldsMax:         int32(8*tickets + 4096),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sale.Close)
	return sale
}

func TestConcurrentSellOutKeepsI1(t *testing.T) {
	for _, goroutines := range []int{1, 8, 64, 4 * runtime.GOMAXPROCS(0)} {
		sale := newSale(t, 20000)
		result := Run(sale, 0, Options{Goroutines: goroutines, Seed: int64(goroutines)})
		if err := Check(sale, 0, result); err != nil {
			t.Fatalf("%d goroutines: %v", goroutines, err)
		}
		stats, _ := sale.TypeStats(0)
		if stats.Available != 0 || stats.SoldUnits+stats.HeldUnits != 20000 {
			t.Fatalf("%d goroutines: not sold out: %+v", goroutines, stats)
		}
		if result.Outcomes[holdfast.SoldOut] == 0 || result.WalkedUnits == 0 ||
			result.ReleasedUnits == 0 {
			t.Fatalf("%d goroutines: the run did not exercise every path: %+v", goroutines, result)
		}
	}
}

func TestCheckReportsBrokenAccounts(t *testing.T) {
	sale := newSale(t, 100)
	result := Run(sale, 0, Options{Goroutines: 4, Seed: 7})
	if err := Check(sale, 0, result); err != nil {
		t.Fatal(err)
	}
	oversold := result
	oversold.ConfirmedUnits = 101
	if err := Check(sale, 0, oversold); err == nil || !strings.Contains(err.Error(), "oversold") {
		t.Errorf("Check of 101 confirmed of 100 = %v; want an oversell", err)
	}
	miscounted := result
	miscounted.WalkedUnits++
	if err := Check(sale, 0, miscounted); err == nil || !strings.Contains(err.Error(), "I10") {
		t.Errorf("Check of a miscounted hold = %v; want I10", err)
	}
	sale.Close()
	if err := Check(sale, 0, result); err != holdfast.ErrClosed {
		t.Errorf("Check of a closed sale = %v", err)
	}
}
