package iog_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

var (
	sanFrancisco = iog.Location{Country: "US", Region: "California", City: "San Francisco",
		Coordinates: iog.Coordinates{Latitude: 37.7749, Longitude: -122.4194}}
	newYork = iog.Location{Country: "US", Region: "New York", City: "New York",
		Coordinates: iog.Coordinates{Latitude: 40.7128, Longitude: -74.006}}
	singapore = iog.Location{Country: "SG", Coordinates: iog.Coordinates{Latitude: 1.29, Longitude: 103.85}}
)

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in   string
		want iog.Location
		str  string
	}{
		{"US/California/San Francisco@37.7749,-122.4194", sanFrancisco, ""},
		{"SG@1.29,103.85", singapore, ""},
		{"", iog.Location{}, ""},
		{"de", iog.Location{Country: "DE"}, "DE"},
		{"DE/", iog.Location{Country: "DE"}, "DE"},
		{"US//Austin", iog.Location{Country: "US", City: "Austin"}, ""},
		{"JP/Kantō/東京", iog.Location{Country: "JP", Region: "Kantō", City: "東京"}, ""},
		{"@-33.8688,151.2093", iog.Location{Coordinates: iog.Coordinates{Latitude: -33.8688, Longitude: 151.2093}}, ""},
		{"FR@0,0", iog.Location{Country: "FR"}, "FR"},
		{"XK", iog.Location{Country: "XK"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := iog.ParseLocation(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			want := tt.str
			if want == "" {
				want = tt.in
			}
			require.Equal(t, want, got.String())
		})
	}
}

func TestParseLocationRejects(t *testing.T) {
	for in, msg := range map[string]string{
		"USA":               `"USA" is not an ISO 3166-1 alpha-2 country code`,
		"ZZ":                `"ZZ" is not an ISO 3166-1 alpha-2 country code`,
		"US/a/b/c":          "at most country/region/city",
		"/California":       "needs a country",
		"US/ California":    "leading or trailing spaces",
		"US/Cali\x00fornia": "unprintable character",
		"US/\xff":           "not valid UTF-8",
		"US@91,0":           "latitude must be within ±90",
		"US@0,180.5":        "longitude within ±180",
		"US@1e1,5":          "coordinates must be latitude,longitude",
		"US@NaN,5":          "coordinates must be latitude,longitude",
		"US@5":              "coordinates must be latitude,longitude",
		"US@5,6,7":          "coordinates must be latitude,longitude",
		"US@5,6@7":          "coordinates must be latitude,longitude",
	} {
		_, err := iog.ParseLocation(in)
		require.ErrorIs(t, err, iog.ErrInvalid, in)
		require.ErrorContains(t, err, msg, in)
	}
	_, err := iog.ParseLocation("US/" + strings.Repeat("a", 65))
	require.ErrorContains(t, err, "more than 64")
}

func TestDistanceAndRTT(t *testing.T) {
	km := sanFrancisco.Coordinates.DistanceKm(newYork.Coordinates)
	require.InDelta(t, 4130, km, 15, "SF to NYC great-circle distance")
	require.InDelta(t, 0, sanFrancisco.Coordinates.DistanceKm(sanFrancisco.Coordinates), 1e-9)
	antipode := iog.Coordinates{Latitude: -37.7749, Longitude: 57.5806}
	require.InDelta(t, 20015, sanFrancisco.Coordinates.DistanceKm(antipode), 15, "half the circumference")

	rtt := iog.EstimateRTT(sanFrancisco, newYork)
	require.Greater(t, rtt, 55*time.Millisecond)
	require.Less(t, rtt, 80*time.Millisecond)
	require.Equal(t, rtt, iog.EstimateRTT(newYork, sanFrancisco), "symmetric")
	require.Equal(t, 2*time.Millisecond, iog.EstimateRTT(sanFrancisco, sanFrancisco))
	require.Greater(t, iog.EstimateRTT(sanFrancisco, singapore), rtt)

	noCoords := func(l iog.Location) iog.Location { l.Coordinates = iog.Coordinates{}; return l }
	oakland := iog.Location{Country: "US", Region: "california", City: "Oakland"}
	for _, tt := range []struct {
		a, b iog.Location
		want time.Duration
	}{
		{noCoords(sanFrancisco), noCoords(sanFrancisco), 2 * time.Millisecond},
		{noCoords(sanFrancisco), oakland, 10 * time.Millisecond},
		{noCoords(sanFrancisco), noCoords(newYork), 30 * time.Millisecond},
		{noCoords(sanFrancisco), noCoords(singapore), 150 * time.Millisecond},
		{iog.Location{}, iog.Location{}, 150 * time.Millisecond},
		{sanFrancisco, iog.Location{Country: "US"}, 30 * time.Millisecond},
	} {
		require.Equal(t, tt.want, iog.EstimateRTT(tt.a, tt.b), "%v to %v", tt.a, tt.b)
	}
}

func TestWithin(t *testing.T) {
	require.True(t, sanFrancisco.Within(iog.Location{}))
	require.True(t, sanFrancisco.Within(iog.Location{Country: "US"}))
	require.True(t, sanFrancisco.Within(iog.Location{Country: "US", Region: "california"}))
	require.True(t, sanFrancisco.Within(iog.Location{Country: "US", City: "san francisco"}))
	require.False(t, sanFrancisco.Within(iog.Location{Country: "US", Region: "New York"}))
	require.False(t, sanFrancisco.Within(iog.Location{Country: "CA"}))
	require.False(t, iog.Location{}.Within(iog.Location{Country: "US"}))
}

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"US/California/San Francisco@37.7749,-122.4194", "de", "@1,2", "US@1e1,2", "US//x", "a/b/c/d", "US@-0,-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := iog.ParseLocation(s)
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		require.NoError(t, l.Validate())
		again, err := iog.ParseLocation(l.String())
		require.NoError(t, err, "%q formats as %q", s, l.String())
		require.Equal(t, l, again)
	})
}
