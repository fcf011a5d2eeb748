package pricing

import "github.com/internetofgpus/iog"

// Regional is the location factor: the same GPU costs more where power,
// space and demand are dear and less where they are cheap. It scales the
// price by a multiplier per country.
type Regional struct {
	// ByCountry is the multiplier of each ISO 3166-1 country code.
	ByCountry map[string]iog.Rate
	// Default applies to a country without an entry and to a request
	// that names no location. The zero Rate here means 100%.
	Default iog.Rate
}

// DefaultRegional returns illustrative multipliers relative to the United
// States, following the relative cost of industrial power and data-centre
// space: the Nordics and Iceland cheaper, Western Europe a little dearer,
// Singapore, Japan and Hong Kong dearer still. They are data to replace
// with the network's own observations.
func DefaultRegional() *Regional {
	bp := iog.BasisPoints
	return &Regional{ByCountry: map[string]iog.Rate{
		"US": bp(10000), "CA": bp(9800), "MX": bp(9700), "BR": bp(10200),
		"GB": bp(10500), "IE": bp(10400), "DE": bp(10500), "FR": bp(10300),
		"NL": bp(10300), "BE": bp(10300), "ES": bp(10100), "IT": bp(10400),
		"PL": bp(9900), "CH": bp(10800), "AT": bp(10300),
		"SE": bp(9500), "NO": bp(9400), "FI": bp(9500), "DK": bp(10000), "IS": bp(9200),
		"AE": bp(10300), "IN": bp(9300), "SG": bp(11000), "JP": bp(10800),
		"KR": bp(10500), "HK": bp(10800), "TW": bp(10400), "AU": bp(10600),
		"NZ": bp(10400), "ZA": bp(9800),
	}}
}

// Apply scales hourly by the multiplier of in's country.
func (r *Regional) Apply(in *Input, hourly iog.Amount) (Adjustment, error) {
	m, ok := r.ByCountry[in.Location.Country]
	reason := in.Location.Country // a borrowed string: no allocation
	if !ok {
		m = r.Default
		if m.IsZero() {
			m = iog.BasisPoints(10000)
		}
		reason = "no regional entry"
	}
	switch {
	case in.Location == iog.Location{}:
		reason = "anywhere"
	case in.Location.Country == "":
		reason = "no country given"
	}
	return scaleByRate("location", reason, 0, NoUnit, hourly, m)
}
