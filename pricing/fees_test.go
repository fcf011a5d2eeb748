package pricing_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

func TestDefaultFeesInEveryCurrency(t *testing.T) {
	tests := []struct {
		name                     string
		price                    string
		payout                   iog.Currency
		renterRes, renterCur     string
		supplierRes, supplierCur string
		renterPays, supplierGets string
		total                    string
	}{
		{"IO paid, IO payout", "1000 IO", iog.IO, "2.5 IO", "0 IO", "2.5 IO", "0 IO", "1002.5 IO", "997.5 IO", "5 IO"},
		{"IO paid, USDC payout", "1000 IO", iog.USDC, "2.5 IO", "0 IO", "2.5 IO", "20 IO", "1002.5 IO", "977.5 IO", "25 IO"},
		{"USDC paid, USDC payout", "1000 USDC", iog.USDC, "2.5 USDC", "20 USDC", "2.5 USDC", "20 USDC", "1022.5 USDC", "977.5 USDC", "45 USDC"},
		{"USDC paid, IO payout", "1000 USDC", iog.IO, "2.5 USDC", "20 USDC", "2.5 USDC", "0 USDC", "1022.5 USDC", "997.5 USDC", "25 USDC"},
		{"IOSD paid like IO", "1000 IOSD", iog.IO, "2.5 IOSD", "0 IOSD", "2.5 IOSD", "0 IOSD", "1002.5 IOSD", "997.5 IOSD", "5 IOSD"},
		{"zero price", "0 USDC", iog.USDC, "0 USDC", "0 USDC", "0 USDC", "0 USDC", "0 USDC", "0 USDC", "0 USDC"},
		// 0.25% of 0.000003 USDC is 0.0000075: half-even to 0.000008; 2% is 0.00000006: 0.
		{"rounding at the base unit", "0.000003 USDC", iog.USDC, "0 USDC", "0 USDC", "0 USDC", "0 USDC", "0.000003 USDC", "0.000003 USDC", "0 USDC"},
		// 0.25% of 200 and 600 base units is 0.5 and 1.5: ties, to the even unit.
		{"half-even tie down", "0.0002 USDC", iog.USDC, "0 USDC", "0.000004 USDC", "0 USDC", "0.000004 USDC", "0.000204 USDC", "0.000196 USDC", "0.000008 USDC"},
		{"half-even tie up", "0.0006 USDC", iog.USDC, "0.000002 USDC", "0.000012 USDC", "0.000002 USDC", "0.000012 USDC", "0.000614 USDC", "0.000586 USDC", "0.000028 USDC"},
		{"odd amount", "123.45678901 IO", iog.USDC, "0.30864197 IO", "0 IO", "0.30864197 IO", "2.46913578 IO", "123.76543098 IO", "120.67901126 IO", "3.08641972 IO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := pricing.DefaultFees().Apply(iog.MustParseAmount(tt.price), tt.payout)
			require.NoError(t, err)
			require.Equal(t, iog.MustParseAmount(tt.renterRes), f.RenterReservation.Amount)
			require.Equal(t, iog.MustParseAmount(tt.renterCur), f.RenterCurrency.Amount)
			require.Equal(t, iog.MustParseAmount(tt.supplierRes), f.SupplierReservation.Amount)
			require.Equal(t, iog.MustParseAmount(tt.supplierCur), f.SupplierCurrency.Amount)
			require.Equal(t, iog.MustParseAmount(tt.renterPays), f.RenterPays)
			require.Equal(t, iog.MustParseAmount(tt.supplierGets), f.SupplierReceives)
			require.Equal(t, iog.MustParseAmount(tt.total), f.Total)
			require.NoError(t, f.Check())
			lines := f.Lines()
			for i, l := range lines {
				require.Equal(t, pricing.FeeKind(i), l.Kind)
			}
		})
	}
}

func TestFeeRatesShownOnLines(t *testing.T) {
	f, err := pricing.DefaultFees().Apply(iog.MustParseAmount("10 IO"), iog.IO)
	require.NoError(t, err)
	require.Equal(t, iog.BasisPoints(25), f.RenterReservation.Rate)
	require.True(t, f.RenterCurrency.Rate.IsZero(), "no currency fee in IO")
	require.True(t, f.SupplierCurrency.Rate.IsZero(), "no payout fee in IO")
	require.Equal(t, "renter currency fee", pricing.RenterCurrencyFee.String())
}

func TestFeesRejectBadInput(t *testing.T) {
	tests := []struct {
		name   string
		price  iog.Amount
		payout iog.Currency
		want   string
	}{
		{"USD is not paid", iog.MustParseAmount("10 USD"), iog.IO, "unit of account"},
		{"no currency", iog.Amount{}, iog.IO, "no valid currency"},
		{"negative price", iog.MustParseAmount("-1 IO"), iog.IO, "must not be negative"},
		{"IOSD payout", iog.MustParseAmount("1 IO"), iog.IOSD, "IO or USDC"},
		{"unknown payout", iog.MustParseAmount("1 IO"), iog.Currency(42), "IO or USDC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pricing.DefaultFees().Apply(tt.price, tt.payout)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}
	_, err := pricing.FeeSchedule{SupplierReservation: iog.BasisPoints(20_000)}.Apply(iog.MustParseAmount("1 IO"), iog.IO)
	require.ErrorIs(t, err, iog.ErrInvalid, "supplier fees above the price")
	_, err = pricing.DefaultFees().Apply(iog.NewAmount(math.MaxInt64-10, iog.IO), iog.IO)
	require.ErrorIs(t, err, iog.ErrOverflow)
}

// TestFeesConserveProperty checks, over random prices, currencies, payouts,
// rates and rounding modes, that every fee line is the rounded rate of the
// price and that renter pays = supplier receives + fees, exactly.
func TestFeesConserveProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 2026))
	modes := []iog.Rounding{iog.RoundDown, iog.RoundUp, iog.RoundHalfUp, iog.RoundHalfEven, iog.RoundFloor, iog.RoundCeiling}
	payments := []iog.Currency{iog.IO, iog.USDC, iog.IOSD}
	payouts := []iog.Currency{iog.IO, iog.USDC}
	for range 20_000 {
		s := pricing.FeeSchedule{
			RenterReservation:   iog.BasisPoints(r.Uint64N(1000)),
			RenterUSDC:          iog.BasisPoints(r.Uint64N(1000)),
			SupplierReservation: iog.BasisPoints(r.Uint64N(1000)),
			SupplierUSDC:        iog.BasisPoints(r.Uint64N(1000)),
			Rounding:            modes[r.IntN(len(modes))],
		}
		if r.IntN(4) == 0 {
			s = pricing.DefaultFees()
		}
		c := payments[r.IntN(len(payments))]
		units := r.Int64N(1 << (1 + r.IntN(55)))
		price := iog.NewAmount(units, c)
		f, err := s.Apply(price, payouts[r.IntN(len(payouts))])
		if err != nil {
			// Only rounding up can push a tiny price's supplier fees past
			// it; that is refused, never paid out as a negative amount.
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.Contains(t, []iog.Rounding{iog.RoundUp, iog.RoundCeiling}, s.Rounding)
			require.Less(t, units, int64(100))
			continue
		}
		require.NoError(t, f.Check())

		sum := iog.Zero(c)
		for _, l := range f.Lines() {
			require.GreaterOrEqual(t, l.Amount.Units(), int64(0))
			require.Equal(t, c, l.Amount.Currency())
			exactUp, err := price.MulRate(l.Rate, iog.RoundUp)
			require.NoError(t, err)
			exactDown, err := price.MulRate(l.Rate, iog.RoundDown)
			require.NoError(t, err)
			require.True(t, l.Amount.Units() >= exactDown.Units() && l.Amount.Units() <= exactUp.Units(), "line %v within a unit of the exact fee", l)
			sum, err = sum.Add(l.Amount)
			require.NoError(t, err)
		}
		require.Equal(t, sum, f.Total)
		back, err := f.SupplierReceives.Add(f.Total)
		require.NoError(t, err)
		require.Equal(t, f.RenterPays, back, "renter pays = supplier receives + fees")
		require.LessOrEqual(t, f.SupplierReceives.Units(), price.Units())
		require.GreaterOrEqual(t, f.RenterPays.Units(), price.Units())
	}
}

func TestFeesCheckCatchesTampering(t *testing.T) {
	f, err := pricing.DefaultFees().Apply(iog.MustParseAmount("100 USDC"), iog.USDC)
	require.NoError(t, err)
	bad := f
	bad.SupplierReceives = iog.MustParseAmount("99 USDC")
	require.ErrorIs(t, bad.Check(), iog.ErrInvalid)
	bad = f
	bad.RenterCurrency.Amount = iog.MustParseAmount("1 USDC")
	require.ErrorIs(t, bad.Check(), iog.ErrInvalid)
}

func TestZeroFeeScheduleChargesNothing(t *testing.T) {
	f, err := pricing.FeeSchedule{}.Apply(iog.MustParseAmount("5 USDC"), iog.USDC)
	require.NoError(t, err)
	require.True(t, f.Total.IsZero())
	require.Equal(t, f.Price, f.RenterPays)
	require.Equal(t, f.Price, f.SupplierReceives)
}
