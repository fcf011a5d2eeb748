package tokenomics

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/internetofgpus/iog"
)

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
}

// Rate returns the year's inflation, Emitted / Start, exactly. A year that
// starts from no supply has no defined rate and returns 0.
func (y InflationYear) Rate() iog.Rate {
	r, err := iog.NewRate(uint64(y.Emitted.Units()), uint64(y.Start.Units()))
	if err != nil {
		return iog.Rate{}
	}
	return r
}

// Percent returns the year's inflation as a percentage with places
// decimals, rounded half up, as in "7.5338%".
func (y InflationYear) Percent(places int) string {
	return Percent(y.Rate(), places)
}

// Percent writes r as a percentage with places decimal places (0 to 12),
// rounded half up: Percent(0.0000091324…, 8) is "0.00091324%".
func Percent(r iog.Rate, places int) string {
	places = min(max(places, 0), 12)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)+2), nil)
	num := new(big.Int).Mul(new(big.Int).SetUint64(r.Num()), scale)
	den := new(big.Int).SetUint64(r.Den())
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

// InflationTable returns s's inflation year by year, with years of
// epochsPerYear epochs (8,766 for hourly epochs over 365.25 days). The
// last year may be shorter when the epochs do not fill it. A zero
// epochsPerYear is ErrInvalid.
func InflationTable(s EmissionSchedule, epochsPerYear uint64) ([]InflationYear, error) {
	if epochsPerYear == 0 {
		return nil, fmt.Errorf("inflation table: epochs per year must be positive: %w", iog.ErrInvalid)
	}
	n := s.Epochs()
	table := make([]InflationYear, 0, n/epochsPerYear+1)
	for first := uint64(1); first <= n; first += epochsPerYear {
		last := min(first-1+epochsPerYear, n)
		start, end := s.Supply(first-1), s.Supply(last)
		table = append(table, InflationYear{
			Year:       len(table) + 1,
			FirstEpoch: first,
			LastEpoch:  last,
			Start:      start,
			End:        end,
			Emitted:    iog.NewAmount(end.Units()-start.Units(), end.Currency()),
		})
	}
	return table, nil
}
