package iog

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/internetofgpus/iog/internal/errtext"
)

// Location is where a device is, or, in requirements, an area a device must
// be within. Every field is optional, from the broadest (Country) to the
// narrowest (City); an empty field means "unknown" in a device's location
// and "any" in an area. The zero value is an unknown place.
//
// The text form, used by String and ParseLocation, is the fields joined by
// '/' with the coordinates after an '@': "US/California/San Francisco@37.7749,-122.4194".
type Location struct {
	// Country is the ISO 3166-1 alpha-2 code in upper case, such as "US".
	Country string
	// Region is a subdivision of the country: a state, a province, or a
	// provider's region name such as "us-west".
	Region string
	// City is the city or metro area.
	City string
	// Coordinates is where the device is on the globe.
	Coordinates Coordinates
}

// Coordinates is a point on the globe in decimal degrees. The zero value,
// 0° 0° in the Gulf of Guinea, is taken to mean "unknown", as most
// geolocation services do.
type Coordinates struct {
	Latitude  float64 // -90 (south) to 90 (north)
	Longitude float64 // -180 (west) to 180 (east)
}

// IsZero reports whether c is unknown.
func (c Coordinates) IsZero() bool { return c == Coordinates{} }

// earthRadiusKm is the mean radius of the Earth.
const earthRadiusKm = 6371.0088

// DistanceKm returns the great-circle distance between c and o in
// kilometres (haversine formula on a spherical Earth, within 0.5% of the
// ellipsoidal distance).
func (c Coordinates) DistanceKm(o Coordinates) float64 {
	const rad = math.Pi / 180
	dLat := (o.Latitude - c.Latitude) * rad
	dLon := (o.Longitude - c.Longitude) * rad
	h := math.Pow(math.Sin(dLat/2), 2) +
		math.Cos(c.Latitude*rad)*math.Cos(o.Latitude*rad)*math.Pow(math.Sin(dLon/2), 2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(min(h, 1)))
}

// The latency model of EstimateRTT. Light in fibre covers about 200 km per
// millisecond (two thirds of c), real routes run about 1.5 times the
// great-circle distance, and switching and the last mile add a floor.
const (
	fibreKmPerMs     = 200.0
	routeStretch     = 1.5
	baseRTT          = 2 * time.Millisecond
	sameRegionRTT    = 10 * time.Millisecond
	sameCountryRTT   = 30 * time.Millisecond
	unknownPlacesRTT = 150 * time.Millisecond
)

// EstimateRTT estimates the network round-trip time between devices at a
// and b. With coordinates for both it is the fibre propagation delay over
// the stretched great-circle distance plus a floor (San Francisco to New
// York: about 64 ms; measured RTTs are 60 to 75 ms). Without them it falls
// back on what the two share: the same city, region or country, and a
// pessimistic 150 ms when nothing is known, so that a latency-bound
// placement does not trust a place it cannot judge.
func EstimateRTT(a, b Location) time.Duration {
	if !a.Coordinates.IsZero() && !b.Coordinates.IsZero() {
		km := a.Coordinates.DistanceKm(b.Coordinates)
		oneWayMs := km * routeStretch / fibreKmPerMs
		return baseRTT + time.Duration(2*oneWayMs*float64(time.Millisecond))
	}
	sameCountry := a.Country != "" && a.Country == b.Country
	sameRegion := sameCountry && a.Region != "" && strings.EqualFold(a.Region, b.Region)
	switch {
	case sameRegion && a.City != "" && strings.EqualFold(a.City, b.City):
		return baseRTT
	case sameRegion:
		return sameRegionRTT
	case sameCountry:
		return sameCountryRTT
	}
	return unknownPlacesRTT
}

// Within reports whether l lies in area: every field area names matches l's
// (country exactly, region and city without regard to case). Coordinates do
// not take part. The zero area contains every location.
func (l Location) Within(area Location) bool {
	return (area.Country == "" || area.Country == l.Country) &&
		(area.Region == "" || strings.EqualFold(area.Region, l.Region)) &&
		(area.City == "" || strings.EqualFold(area.City, l.City))
}

// maxPlaceNameLen bounds a region or city name.
const maxPlaceNameLen = 64

// Validate checks l: a known ISO 3166-1 country code when any name is given,
// region and city names that are printable, at most 64 bytes, free of '/'
// and '@' and of surrounding spaces, and coordinates on the globe. Problems
// are ErrInvalid.
func (l Location) Validate() error {
	if l.Country == "" && (l.Region != "" || l.City != "") {
		return invalidf("location %q: a region or city needs a country", l.String())
	}
	if l.Country != "" && !isCountryCode(l.Country) {
		return invalidf("location: %q is not an ISO 3166-1 alpha-2 country code (such as US, DE, SG)", errtext.Clip(l.Country))
	}
	for _, name := range [...]struct{ what, value string }{{"region", l.Region}, {"city", l.City}} {
		if err := checkPlaceName(name.what, name.value); err != nil {
			return err
		}
	}
	return l.Coordinates.Validate()
}

// Validate checks that c is a point on the globe. Problems are ErrInvalid.
func (c Coordinates) Validate() error {
	if !(c.Latitude >= -90 && c.Latitude <= 90) || !(c.Longitude >= -180 && c.Longitude <= 180) {
		return invalidf("coordinates %v,%v: latitude must be within ±90 and longitude within ±180", c.Latitude, c.Longitude)
	}
	return nil
}

func checkPlaceName(what, s string) error {
	switch {
	case len(s) > maxPlaceNameLen:
		return invalidf("location: %s name is %d bytes long, more than %d", what, len(s), maxPlaceNameLen)
	case !utf8.ValidString(s):
		return invalidf("location: %s name %q is not valid UTF-8", what, s)
	case strings.TrimSpace(s) != s:
		return invalidf("location: %s name %q has leading or trailing spaces", what, s)
	case strings.ContainsAny(s, "/@"):
		return invalidf("location: %s name %q must not contain '/' or '@'", what, s)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return invalidf("location: %s name %q has the unprintable character %U", what, s, r)
		}
	}
	return nil
}

// String returns l in the text form ParseLocation reads, dropping trailing
// empty fields and unknown coordinates: "US/California/San Francisco@37.7749,-122.4194",
// "DE", "@1.29,103.85". The zero Location is "".
func (l Location) String() string {
	var b strings.Builder
	fields := [...]string{l.Country, l.Region, l.City}
	last := len(fields) - 1
	for last >= 0 && fields[last] == "" {
		last--
	}
	for i := 0; i <= last; i++ {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(fields[i])
	}
	if !l.Coordinates.IsZero() {
		b.WriteByte('@')
		b.WriteString(strconv.FormatFloat(l.Coordinates.Latitude, 'f', -1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(l.Coordinates.Longitude, 'f', -1, 64))
	}
	return b.String()
}

// ParseLocation parses the text form String writes. The country code may
// be given in lower case; coordinates are plain decimals (no exponents,
// NaN or infinities). The result is validated as by Validate, and problems
// are ErrInvalid.
func ParseLocation(s string) (Location, error) {
	var l Location
	path, coords, hasCoords := strings.Cut(s, "@")
	if path != "" {
		fields := strings.Split(path, "/")
		if len(fields) > 3 {
			return Location{}, invalidf("location %q: at most country/region/city", errtext.Clip(s))
		}
		fields = append(fields, "", "")
		l.Country, l.Region, l.City = strings.ToUpper(fields[0]), fields[1], fields[2]
	}
	if hasCoords {
		lat, lon, ok := strings.Cut(coords, ",")
		var err1, err2 error
		l.Coordinates.Latitude, err1 = parsePlainFloat(lat)
		l.Coordinates.Longitude, err2 = parsePlainFloat(lon)
		if !ok || err1 != nil || err2 != nil {
			return Location{}, invalidf("location %q: coordinates must be latitude,longitude in decimal degrees, as in @37.7749,-122.4194", errtext.Clip(s))
		}
	}
	if err := l.Validate(); err != nil {
		return Location{}, err
	}
	return l, nil
}

// parsePlainFloat parses a decimal such as "-122.4194", refusing the other
// spellings strconv accepts (exponents, hex, NaN, Inf, underscores).
func parsePlainFloat(s string) (float64, error) {
	if _, err := splitDecimal(s); err != nil {
		return 0, err
	}
	return strconv.ParseFloat(s, 64)
}

// isCountryCode reports whether s is an ISO 3166-1 alpha-2 code: every
// officially assigned code, and XK (Kosovo), which is user-assigned but
// used by the standard's own agencies and by every geolocation database.
func isCountryCode(s string) bool {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return false
	}
	return countryTable[int(s[0]-'A')*26+int(s[1]-'A')]
}

// countryTable marks the codes of countryCodes in a 26×26 table.
var countryTable = func() (table [26 * 26]bool) {
	for _, code := range strings.Fields(countryCodes) {
		table[int(code[0]-'A')*26+int(code[1]-'A')] = true
	}
	return table
}()

const countryCodes = " " +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS XK " +
	"YE YT " +
	"ZA ZM ZW "
