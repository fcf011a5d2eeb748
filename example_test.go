package iog_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// The vocabulary in a few lines: an hour's reward split among suppliers by
// weight, a fee taken at an explicit rounding, and a request checked before
// anything acts on it.
func Example() {
	reward := iog.MustParseAmount("4566.21004566 IO")
	shares, err := reward.Split([]uint64{10, 10, 1}) // two H100 hosts and an RTX 4070
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(shares)

	fee, _ := iog.MustParseAmount("1000 USDC").MulRate(iog.BasisPoints(25), iog.RoundHalfEven)
	fmt.Println("reservation fee:", fee)

	req := iog.Requirements{GPUModel: "H100", GPUCount: 2, GPUShare: 500}
	err = req.Validate()
	fmt.Println(errors.Is(err, iog.ErrInvalid), err)
	// Output:
	// [2174.38573603 IO 2174.38573603 IO 217.4385736 IO]
	// reservation fee: 2.5 USDC
	// true requirements: a fractional GPU share (0.5) needs a GPU count of 1, not 2: invalid input
}

func ExampleAmount_Split() {
	pool := iog.MustParseAmount("0.00000010 IO") // ten base units
	shares, _ := pool.Split([]uint64{1, 1, 1})
	fmt.Println(shares)
	// Output: [0.00000004 IO 0.00000003 IO 0.00000003 IO]
}

func ExampleAmount_Convert() {
	burned := iog.MustParseAmount("10 IO")
	price, _ := iog.ParseRate("1.85") // USD per IO, from a price oracle
	credits, _ := burned.Convert(iog.IOSD, price, iog.RoundDown)
	fmt.Println(credits)
	// Output: 18.5 IOSD
}

func ExampleAmount_RoundedDecimal() {
	epoch1 := iog.MustParseAmount("4566.21004566 IO")
	fmt.Println(epoch1.RoundedDecimal(2, iog.RoundHalfUp))
	// Output: 4566.21
}

func ExampleEstimateRTT() {
	sf, _ := iog.ParseLocation("US/California/San Francisco@37.7749,-122.4194")
	nyc, _ := iog.ParseLocation("US/New York/New York@40.7128,-74.006")
	fmt.Println(iog.EstimateRTT(sf, nyc).Round(time.Millisecond))
	// Output: 64ms
}

// A ManualClock makes time-dependent code exact: here a 14-day cooldown.
func ExampleManualClock() {
	clock := iog.NewManualClock(time.Date(2024, 6, 11, 0, 0, 0, 0, time.UTC))
	var c iog.Clock = clock // what domain code is given
	cooldownOver := c.After(14 * 24 * time.Hour)

	clock.Advance(13 * 24 * time.Hour)
	select {
	case <-cooldownOver:
		fmt.Println("too early")
	default:
		fmt.Println("still cooling down on", c.Now().Format(time.DateOnly))
	}
	clock.Advance(24 * time.Hour)
	fmt.Println("free to withdraw on", (<-cooldownOver).Format(time.DateOnly))
	// Output:
	// still cooling down on 2024-06-24
	// free to withdraw on 2024-06-25
}

// A device's Health folds its heartbeats and checks at the times the
// server gives: its uptime feeds the epoch's rewards, its reliability
// the scheduler.
func ExampleHealth() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := iog.NewHealth(start)
	for at := start; !at.After(start.Add(6 * time.Hour)); at = at.Add(time.Minute) {
		h, _ = h.Heartbeat(at)
	}
	end := start.Add(6 * time.Hour)
	u := h.Uptime(end)
	fmt.Println("up", u.Continuous, "for", u.Fraction, "of the window")
	h, _ = h.StartWindow(end) // the next epoch

	h, _ = h.Check(end, false) // a failed proof of compute
	h, _ = h.Miss(end.Add(3 * time.Minute))
	fmt.Println("reliability:", h.Reliability(end.Add(3*time.Minute)))
	// Output:
	// up 6h0m0s for 1 of the window
	// reliability: 0.396694
}
