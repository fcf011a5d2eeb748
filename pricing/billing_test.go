package pricing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

func TestDefaultBilling(t *testing.T) {
	// io.net's documentation: a 1-hour minimum rental, a cluster unpaid
	// for 20 minutes destroyed, 1 credit = 1 USD.
	b := pricing.DefaultBilling()
	require.Equal(t, time.Hour, b.MinimumRental)
	require.Equal(t, 20*time.Minute, b.PaymentWindow)
	require.Equal(t, "1", b.CreditUSD.String())
	require.NoError(t, b.Validate())
}

func TestBillingValidate(t *testing.T) {
	for name, change := range map[string]func(*pricing.Billing){
		"no minimum rental":    func(b *pricing.Billing) { b.MinimumRental = 0 },
		"negative minimum":     func(b *pricing.Billing) { b.MinimumRental = -time.Hour },
		"no payment window":    func(b *pricing.Billing) { b.PaymentWindow = 0 },
		"a credit worth 0 USD": func(b *pricing.Billing) { b.CreditUSD = iog.Rate{} },
	} {
		b := pricing.DefaultBilling()
		change(&b)
		require.ErrorIs(t, b.Validate(), iog.ErrInvalid, name)
	}
}

func TestBillingCheckHours(t *testing.T) {
	for _, tt := range []struct {
		name    string
		minimum time.Duration
		hours   int
		ok      bool
	}{
		{"exactly the 1-hour minimum", time.Hour, 1, true},
		{"more than the minimum", time.Hour, 24, true},
		{"no hours", time.Hour, 0, false},
		{"negative hours", time.Hour, -1, false},
		{"under a 2-hour minimum", 2 * time.Hour, 1, false},
		{"exactly a 2-hour minimum", 2 * time.Hour, 2, true},
		{"under a 90-minute minimum", 90 * time.Minute, 1, false},
		{"the whole hours over a 90-minute minimum", 90 * time.Minute, 2, true},
		{"a minimum under an hour still wants one", time.Minute, 0, false},
		{"one hour over a minute's minimum", time.Minute, 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := pricing.DefaultBilling()
			b.MinimumRental = tt.minimum
			err := b.CheckHours(tt.hours)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, "the minimum rental")
		})
	}
	require.ErrorContains(t, pricing.DefaultBilling().CheckHours(0), "hours 0: a rental lasts at least 1 h, the minimum rental")
}

func TestBillingUnpaid(t *testing.T) {
	created := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	b := pricing.DefaultBilling()
	require.Equal(t, created.Add(20*time.Minute), b.PaymentDeadline(created))
	for _, tt := range []struct {
		after  time.Duration
		unpaid bool
	}{
		{0, false},
		{19 * time.Minute, false},
		{19*time.Minute + 59*time.Second, false},
		{20*time.Minute - time.Nanosecond, false},
		{20 * time.Minute, true},
		{20*time.Minute + time.Second, true},
		{time.Hour, true},
	} {
		require.Equal(t, tt.unpaid, b.Unpaid(created, created.Add(tt.after)), "unpaid %v after creation", tt.after)
	}
	b.PaymentWindow = 5 * time.Minute
	require.True(t, b.Unpaid(created, created.Add(5*time.Minute)), "the window is configurable")
	require.False(t, b.Unpaid(created, created.Add(5*time.Minute-time.Second)))
}

func TestBillingRefundCredits(t *testing.T) {
	for _, tt := range []struct {
		name      string
		creditUSD string
		refund    string
		want      string
	}{
		{"1 credit = 1 USD", "1", "12.5 USD", "12.5 IOSD"},
		{"to the base unit", "1", "0.00000001 USD", "0.00000001 IOSD"},
		{"nothing", "1", "0 USD", "0 IOSD"},
		{"a credit of 3 USD rounds down", "3", "10 USD", "3.33333333 IOSD"},
		{"a credit of half a USD", "0.5", "10 USD", "20 IOSD"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := pricing.DefaultBilling()
			var err error
			b.CreditUSD, err = iog.ParseRate(tt.creditUSD)
			require.NoError(t, err)
			got, err := b.RefundCredits(iog.MustParseAmount(tt.refund))
			require.NoError(t, err)
			require.Equal(t, iog.MustParseAmount(tt.want), got)
		})
	}
	b := pricing.DefaultBilling()
	for _, bad := range []string{"-1 USD", "1 USDC", "1 IO"} {
		_, err := b.RefundCredits(iog.MustParseAmount(bad))
		require.ErrorIs(t, err, iog.ErrInvalid, bad)
	}
	b.CreditUSD = iog.Rate{}
	_, err := b.RefundCredits(iog.MustParseAmount("1 USD"))
	require.ErrorIs(t, err, iog.ErrInvalid)
}
