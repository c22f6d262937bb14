// Command holdserver serves a sale over HTTP on a loopback address (package
// server has the endpoints):
//
//	holdserver -addr 127.0.0.1:8080 -tickets 300
//	curl -d '{"buyer":42,"quantity":2}' http://127.0.0.1:8080/hold
//	curl -d '{"buyer":42,"hold":"<id>"}' http://127.0.0.1:8080/confirm
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"holdfastgo/holdfast"
	"holdfastgo/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "loopback host:port to listen on")
	tickets := flag.Int64("tickets", 300, "tickets on sale")
	perBuyer := flag.Int64("per_buyer", 4, "tickets one buyer may hold and buy")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := server.CheckLoopback(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "holdserver:", err)
		os.Exit(2)
	}
	sale, err := holdfast.NewSale(holdfast.Config{
		Types:            []holdfast.TypeConfig{{Name: "general", Capacity: *tickets}},
		PerBuyerUnitsMax: *perBuyer,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "holdserver:", err)
		os.Exit(2)
	}
	// The sale lives as long as the process: ListenAndServe returns only on an error.
	srv := &http.Server{Addr: *addr, Handler: server.New(sale),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	log.Printf("holdserver: %d tickets on http://%s", *tickets, *addr)
	log.Fatal(srv.ListenAndServe())
}
