package pricing

import (
	"fmt"

	"github.com/internetofgpus/iog"
)

// CommitmentDiscount is the factor that rewards longer reserved rentals.
// The discount is graduated, like tax brackets: each hour of a reserved
// rental gets the discount of the bracket it falls in, and the rental
// pays the exact mean. So the hourly price never rises with the length of
// a reservation, and the total never falls. On-demand rentals get no
// discount.
type CommitmentDiscount struct {
	// Brackets are the discounts, by the hour they start from, in
	// increasing order of From and with discounts that never shrink;
	// hours before the first bracket get none.
	Brackets []Bracket
}

// Bracket is one step of a CommitmentDiscount.
type Bracket struct {
	// From is the first hour of the rental (counting from 0) the bracket
	// covers; it covers every hour up to the next bracket's From.
	From int
	// Discount is taken off the price of each hour, in ppm (at most
	// 1,000,000).
	Discount uint32
}

// DefaultCommitment returns the network's brackets: the first day at full
// price, the rest of the first week 5% off, the rest of the first 30 days
// 10% off, the rest of the first 90 days 15% off, and every hour beyond
// 20% off.
func DefaultCommitment() *CommitmentDiscount {
	return &CommitmentDiscount{Brackets: []Bracket{
		{From: 24, Discount: 50_000},
		{From: 7 * 24, Discount: 100_000},
		{From: 30 * 24, Discount: 150_000},
		{From: 90 * 24, Discount: 200_000},
	}}
}

// Sum returns the sum, over the first hours of a reserved rental, of each
// hour's multiplier (1 − its discount) in ppm.
func (c *CommitmentDiscount) Sum(hours int) (uint64, error) {
	var sum uint64
	covered, prev := 0, 0
	discount := uint32(0)
	for _, b := range c.Brackets {
		if b.From < prev || b.Discount > ppmScale {
			return 0, fmt.Errorf("commitment factor: bracket from hour %d with discount %v is out of order or above 100%%: %w",
				b.From, PPM(b.Discount), iog.ErrInvalid)
		}
		if b.Discount < discount {
			return 0, fmt.Errorf("commitment factor: bracket from hour %d has a smaller discount (%v) than the one before (%v): %w",
				b.From, PPM(b.Discount), PPM(discount), iog.ErrInvalid)
		}
		end := min(b.From, hours)
		if end > covered {
			sum += uint64(end-covered) * uint64(ppmScale-discount)
			covered = end
		}
		discount, prev = b.Discount, b.From
	}
	if hours > covered {
		sum += uint64(hours-covered) * uint64(ppmScale-discount)
	}
	return sum, nil
}

// Apply scales hourly by the mean multiplier of a reserved rental's
// hours; it leaves an on-demand rental's price as it is.
func (c *CommitmentDiscount) Apply(in *Input, hourly iog.Amount) (Adjustment, error) {
	hours := in.Request.Hours
	if in.Request.Commitment != Reserved {
		return Adjustment{Factor: "commitment", Reason: "on demand", Value: int64(hours), Unit: UnitHours, Before: hourly, After: hourly}, nil
	}
	if hours <= 0 {
		return Adjustment{}, fmt.Errorf("commitment factor: %d hours: %w", hours, iog.ErrInvalid)
	}
	sum, err := c.Sum(hours)
	if err != nil {
		return Adjustment{}, err
	}
	return scaleBy("commitment", "reserved for", int64(hours), UnitHours, hourly, sum, uint64(hours)*ppmScale)
}
