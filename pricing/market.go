package pricing

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// MarketKey names a market: a class of GPU in a country. The empty
// Country is the class's market across the whole network.
type MarketKey struct {
	// Class is the class of GPU.
	Class iog.GPUClass
	// Country is an ISO 3166-1 alpha-2 code, or "" for everywhere.
	Country string
}

// MarketState is what the market looks like at a moment: the price of IO
// and how busy each class of GPU is where. The server builds a new one as
// it observes the network (a MarketState is not changed once given to a
// Model), so a quote reads one consistent snapshot.
type MarketState struct {
	// AsOf is when the state was observed.
	AsOf time.Time
	// IOPriceUSD is the price of one IO in USD, from an oracle.
	IOPriceUSD iog.Rate
	// Utilization is the share of each market's GPUs that are rented, in
	// parts per million (0 to 1,000,000). A market without an entry
	// falls back on its class's network-wide entry, and then counts as
	// balanced (see Demand).
	Utilization map[MarketKey]uint32
}

// Validate checks s: a positive IO price, utilizations within 0..100%,
// valid classes and country codes. Problems are iog.ErrInvalid; with
// several, the error names the first market in (class, country) order, so
// the same state always gets the same error.
func (s *MarketState) Validate() error {
	if s.IOPriceUSD.IsZero() {
		return fmt.Errorf("market state: IO price is zero: %w", iog.ErrInvalid)
	}
	keys := slices.SortedFunc(maps.Keys(s.Utilization), func(a, b MarketKey) int {
		return cmp.Or(cmp.Compare(a.Class, b.Class), strings.Compare(a.Country, b.Country))
	})
	for _, k := range keys {
		u := s.Utilization[k]
		if !k.Class.Valid() {
			return fmt.Errorf("market state: %v is not a GPU class: %w", k.Class, iog.ErrInvalid)
		}
		if k.Country != "" {
			if err := (iog.Location{Country: k.Country}).Validate(); err != nil {
				return fmt.Errorf("market state: %w", err)
			}
		}
		if u > 1_000_000 {
			return fmt.Errorf("market state: utilization of %v GPUs in %q is %d ppm, more than 1000000 (100%%): %w",
				k.Class, k.Country, u, iog.ErrInvalid)
		}
	}
	return nil
}

// UtilizationOf returns the utilization of class in country, falling back
// on the class's network-wide figure; ok is false when neither is known.
func (s *MarketState) UtilizationOf(class iog.GPUClass, country string) (ppm uint32, ok bool) {
	if u, ok := s.Utilization[MarketKey{class, country}]; ok {
		return u, true
	}
	u, ok := s.Utilization[MarketKey{class, ""}]
	return u, ok
}
