package pricing

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// Billing is the network's rules for paying a rental, beside its price
// and fees: how short a rental may be, how long a cluster may wait for
// its payment, and what a credit is worth. The zero Billing is not
// usable; DefaultBilling holds the figures of io.net's documentation.
type Billing struct {
	// MinimumRental is the shortest rental accepted: 1 hour, from io.net's
	// documentation.
	MinimumRental time.Duration
	// PaymentWindow is how long a cluster may stay unpaid after it is
	// created before it is destroyed: 20 minutes, from io.net's
	// documentation.
	PaymentWindow time.Duration
	// CreditUSD is what one IOSD credit is worth in US dollars: 1, from
	// io.net's documentation (1 credit = 1 USD). Refunds are returned as
	// credits at this rate.
	CreditUSD iog.Rate
}

// DefaultBilling returns io.net's billing rules, from io.net's
// documentation: a 1-hour minimum rental, a cluster unpaid for 20
// minutes destroyed, 1 credit = 1 USD.
func DefaultBilling() Billing {
	return Billing{MinimumRental: time.Hour, PaymentWindow: 20 * time.Minute, CreditUSD: one}
}

// Validate checks that b can be applied: a positive minimum rental and
// payment window, and a credit worth more than nothing. Problems are
// iog.ErrInvalid.
func (b Billing) Validate() error {
	switch {
	case b.MinimumRental <= 0:
		return fmt.Errorf("billing: minimum rental %v: want a positive duration: %w", b.MinimumRental, iog.ErrInvalid)
	case b.PaymentWindow <= 0:
		return fmt.Errorf("billing: payment window %v: want a positive duration: %w", b.PaymentWindow, iog.ErrInvalid)
	case b.CreditUSD.IsZero():
		return fmt.Errorf("billing: a credit worth 0 USD: want a positive value: %w", iog.ErrInvalid)
	}
	return nil
}

// CheckHours returns nil when a rental of hours whole hours lasts at
// least MinimumRental, and otherwise an iog.ErrInvalid error that names
// the minimum. A rental of no hours, or fewer, is always refused.
func (b Billing) CheckHours(hours int) error {
	least := b.MinimumRental / time.Hour
	if b.MinimumRental%time.Hour != 0 {
		least++
	}
	if hours <= 0 || int64(hours) < int64(least) {
		return fmt.Errorf("hours %d: a rental lasts at least %s, the minimum rental: %w",
			hours, iog.FormatDuration(b.MinimumRental), iog.ErrInvalid)
	}
	return nil
}

// PaymentDeadline returns when a cluster created at created is destroyed
// if its payment has not arrived: PaymentWindow later.
func (b Billing) PaymentDeadline(created time.Time) time.Time {
	return created.Add(b.PaymentWindow)
}

// Unpaid reports whether a cluster created at created and still unpaid at
// now is to be destroyed: its whole PaymentWindow has passed. With the
// default 20 minutes a cluster is destroyed at 20 m exactly, not at
// 19 m 59 s.
func (b Billing) Unpaid(created, now time.Time) bool {
	return !now.Before(b.PaymentDeadline(created))
}

// RefundCredits returns the IOSD credits a refund of usd buys at
// CreditUSD, rounded down to a base unit so that the network never gives
// back more than it owes. usd must be a non-negative amount of USD;
// anything else is iog.ErrInvalid.
func (b Billing) RefundCredits(usd iog.Amount) (iog.Amount, error) {
	if usd.Currency() != iog.USD {
		return iog.Amount{}, fmt.Errorf("refund credits for %v: want an amount of USD: %w", usd, iog.ErrInvalid)
	}
	if err := usd.CheckNonNegative("refund"); err != nil {
		return iog.Amount{}, fmt.Errorf("refund credits: %w", err)
	}
	perUSD, err := iog.NewRate(b.CreditUSD.Den(), b.CreditUSD.Num())
	if err != nil {
		return iog.Amount{}, fmt.Errorf("refund credits for %v: a credit is worth 0 USD: %w", usd, iog.ErrInvalid)
	}
	credits, err := usd.Convert(iog.IOSD, perUSD, iog.RoundDown)
	if err != nil {
		return iog.Amount{}, fmt.Errorf("refund credits for %v: %w", usd, err)
	}
	return credits, nil
}
