// Command noonrush is the noon rush from goroutines through holdfast's C ABI:
// a sale of -tickets tickets, -goroutines buyers at a time, each holding 1 to 4
// and confirming most, releasing some, walking away from a few. It prints what
// sold and exits 1 if the sale oversold or its accounts do not add up (I1,
// I10), 2 on bad flags.
//
//	noonrush -tickets 10000 -goroutines 64
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"holdfastgo/holdfast"
	"holdfastgo/rush"
)

func main() {
	tickets := flag.Int64("tickets", 10000, "tickets on sale (1 .. 1000000)")
	goroutines := flag.Int("goroutines", 64, "buyers served at once (1 .. 4096)")
	seed := flag.Int64("seed", time.Now().UnixNano(), "seed of the buyers' choices")
	flag.Parse()
	if *tickets < 1 || *tickets > 1000000 || *goroutines < 1 || *goroutines > 4096 ||
		flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	buyersMax := int32(4**tickets + 16*int64(*goroutines) + 64)
	sale, err := holdfast.NewSale(holdfast.Config{
		Types:            []holdfast.TypeConfig{{Name: "general", Capacity: *tickets}},
		PerBuyerUnitsMax: 4,
		UnitsPerHoldMax:  4,
		BuyersMax:        buyersMax,
		HoldsMax:         buyersMax,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "noonrush:", err)
		os.Exit(1)
	}
	defer sale.Close()

	start := time.Now()
	result := rush.Run(sale, 0, rush.Options{Goroutines: *goroutines, Seed: *seed})
	took := time.Since(start)
	stats, _ := sale.TypeStats(0)
	fmt.Printf("holdfast %s: sold %d of %d tickets to %d buyers on %d goroutines in %v\n",
		holdfast.Version(), stats.SoldUnits, *tickets, result.Buyers, *goroutines,
		took.Round(time.Microsecond))
	fmt.Printf("  held (walked away) %d, released %d, available %d\n",
		stats.HeldUnits, stats.ReleasedUnits, stats.Available)
	outcomes := make([]holdfast.Outcome, 0, len(result.Outcomes))
	for o := range result.Outcomes {
		outcomes = append(outcomes, o)
	}
	sort.Slice(outcomes, func(i, j int) bool { return outcomes[i] < outcomes[j] })
	fmt.Println("  answers to hold, confirm and release:")
	for _, o := range outcomes {
		fmt.Printf("    %-16s %d\n", o.String(), result.Outcomes[o])
	}
	if err := rush.Check(sale, 0, result); err != nil {
		fmt.Println("VIOLATION:", err)
		sale.Close()
		os.Exit(1)
	}
	fmt.Println("I1 holds: nothing oversold, every ticket accounted for")
}
