package tokenomics

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// RateYear is the year an annual rate is spread over: 365 days, 8,760
// hourly epochs. It is the year of the 2024 launch articles' first epoch
// (8% of 500,000,000 IO over 8,760 hours is the 4,566.21 IO they publish);
// io.net's documentation does not say how long its year is.
const RateYear = 365 * 24 * time.Hour

// InflationYear is one year of a schedule's inflation table.
type InflationYear struct {
	// Year counts from 1.
	Year int
	// FirstEpoch and LastEpoch are the epochs the year spans, both included.
	FirstEpoch, LastEpoch uint64
	// Start is the supply when the year begins, End when it ends.
	Start, End iog.Amount
	// Emitted is End − Start.
	Emitted iog.Amount
	// StartRate and EndRate are the annualised rates of the year's first
	// and last epoch on the basis of io.net's documentation, the one its
	// "starts at 8%" is stated on: the epoch's emission over a RateYear,
	// divided by the genesis supply (see AnnualisedRate).
	StartRate, EndRate iog.Rate
}

// SupplyRate returns the year's inflation on the supply basis, Emitted /
// Start exactly: what the year adds to the supply it starts from. It falls
// faster than StartRate, the supply growing as the emission shrinks (7.54%
// in the io.net preset's first year against the documentation's 8%). A
// year that starts from no supply has no defined rate and returns 0.
func (y InflationYear) SupplyRate() iog.Rate {
	r, err := iog.NewRate(uint64(y.Emitted.Units()), uint64(y.Start.Units()))
	if err != nil {
		return iog.Rate{}
	}
	return r
}

// SupplyPercent returns SupplyRate as a percentage with places decimals,
// rounded half up, as in "7.5374%".
func (y InflationYear) SupplyPercent(places int) string {
	return Percent(y.SupplyRate(), places)
}

// Percent writes r as a percentage with places decimal places (0 to 12),
// rounded half up: Percent(0.0000091324…, 8) is "0.00091324%".
func Percent(r iog.Rate, places int) string {
	return percentOf(ratOf(r), places)
}

// percentOf writes the non-negative r as Percent does.
func percentOf(r *big.Rat, places int) string {
	places = min(max(places, 0), 12)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)+2), nil)
	num := new(big.Int).Mul(r.Num(), scale)
	den := new(big.Int).Set(r.Denom())
	// round(num/den), half up: floor((2·num + den) / (2·den)).
	q := new(big.Int).Add(num.Lsh(num, 1), den)
	q.Quo(q, den.Lsh(den, 1))
	digits := q.String()
	if places == 0 {
		return digits + "%"
	}
	if len(digits) <= places {
		digits = strings.Repeat("0", places-len(digits)+1) + digits
	}
	return digits[:len(digits)-places] + "." + digits[len(digits)-places:] + "%"
}

// checkRateBasis checks that s has what an annualised rate is computed
// from: a positive genesis supply and a positive epoch length.
func checkRateBasis(what string, s EmissionSchedule) error {
	if g := s.Supply(0); g.Sign() <= 0 {
		return fmt.Errorf("%s: genesis supply %v: an annualised rate needs a positive one: %w", what, g, iog.ErrInvalid)
	}
	if l := s.EpochLength(); l <= 0 {
		return fmt.Errorf("%s: epoch length %v must be positive: %w", what, l, iog.ErrInvalid)
	}
	return nil
}

// AnnualisedRate returns the annual inflation epoch's emission stands
// for on the basis of io.net's documentation: Emission(epoch) × (RateYear
// / EpochLength) / Supply(0), exactly. The io.net preset's epoch 1 is 8%
// (to 3.7·10^-14, E1 being rounded down to a base unit). An epoch that
// emits nothing (0, or past Epochs) has the rate 0. A schedule without a
// genesis supply or an epoch length is ErrInvalid; a rate whose reduced
// fraction does not fit an iog.Rate is ErrOverflow.
func AnnualisedRate(s EmissionSchedule, epoch uint64) (iog.Rate, error) {
	const what = "annualised rate"
	if err := checkRateBasis(what, s); err != nil {
		return iog.Rate{}, err
	}
	r := new(big.Rat).SetFrac(big.NewInt(s.Emission(epoch).Units()), big.NewInt(s.Supply(0).Units()))
	r.Mul(r, epochsPerRateYear(s.EpochLength()))
	return toRate(what, r)
}

// epochsPerRateYear returns RateYear / length, exactly.
func epochsPerRateYear(length time.Duration) *big.Rat {
	return new(big.Rat).SetFrac(big.NewInt(int64(RateYear)), big.NewInt(int64(length)))
}

// toRate converts the non-negative r to an iog.Rate, or ErrOverflow when
// its lowest terms pass 64 bits.
func toRate(what string, r *big.Rat) (iog.Rate, error) {
	if !r.Num().IsUint64() || !r.Denom().IsUint64() {
		return iog.Rate{}, fmt.Errorf("%s: %v does not fit a rate: %w", what, r, iog.ErrOverflow)
	}
	return iog.NewRate(r.Num().Uint64(), r.Denom().Uint64())
}

// EmissionFall returns how much s's emission falls over span epochs from
// epoch from: 1 − Emission(from+span) / Emission(from), exactly. It is also
// the fall of the annualised rate over those epochs. An epoch from that
// emits nothing, or an emission that rises over the span, is ErrInvalid.
func EmissionFall(s EmissionSchedule, from, span uint64) (iog.Rate, error) {
	a, b := s.Emission(from).Units(), s.Emission(from+span).Units()
	if a <= 0 {
		return iog.Rate{}, fmt.Errorf("emission fall: epoch %d emits nothing to fall from: %w", from, iog.ErrInvalid)
	}
	if b > a {
		return iog.Rate{}, fmt.Errorf("emission fall: emission rises from epoch %d to %d: %w", from, from+span, iog.ErrInvalid)
	}
	return iog.NewRate(uint64(a-b), uint64(a))
}

// InflationTable returns s's inflation year by year, with years of
// epochsPerYear epochs (8,766 for hourly epochs over 365.25 days). The
// last year may be shorter when the epochs do not fill it. Each year
// carries both bases: the documentation's annualised rates of its first
// and last epochs, and the supply-based SupplyRate. A zero epochsPerYear,
// or a schedule without a genesis supply or an epoch length, is
// ErrInvalid.
func InflationTable(s EmissionSchedule, epochsPerYear uint64) ([]InflationYear, error) {
	const what = "inflation table"
	if epochsPerYear == 0 {
		return nil, fmt.Errorf("%s: epochs per year must be positive: %w", what, iog.ErrInvalid)
	}
	if err := checkRateBasis(what, s); err != nil {
		return nil, err
	}
	n := s.Epochs()
	table := make([]InflationYear, 0, n/epochsPerYear+1)
	for first := uint64(1); first <= n; first += epochsPerYear {
		last := min(first-1+epochsPerYear, n)
		startRate, err := AnnualisedRate(s, first)
		if err != nil {
			return nil, fmt.Errorf("%s: year %d: %w", what, len(table)+1, err)
		}
		endRate, err := AnnualisedRate(s, last)
		if err != nil {
			return nil, fmt.Errorf("%s: year %d: %w", what, len(table)+1, err)
		}
		start, end := s.Supply(first-1), s.Supply(last)
		table = append(table, InflationYear{
			Year:       len(table) + 1,
			FirstEpoch: first,
			LastEpoch:  last,
			Start:      start,
			End:        end,
			Emitted:    iog.NewAmount(end.Units()-start.Units(), end.Currency()),
			StartRate:  startRate,
			EndRate:    endRate,
		})
	}
	return table, nil
}
