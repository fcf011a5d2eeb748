package iog_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestRequirementsJSON(t *testing.T) {
	var r iog.Requirements
	require.NoError(t, json.Unmarshal([]byte(`{"gpu_model": "H100", "gpu_class": "datacenter", "gpu_count": 8,
		"gpu_memory_bytes": 85899345920, "min_compute_capability": "9.0", "cpu_milli": 64000, "memory_bytes": 1099511627776,
		"bandwidth": "high", "locations": ["US/Virginia", "SG@1.29,103.85"], "placement": "co-located",
		"max_rtt": "5ms", "max_duration": "24h", "budget_per_hour": "20 USDC", "priority": 3}`), &r))
	require.Equal(t, iog.Requirements{
		GPUModel: "H100", GPUClass: iog.DatacenterGPU, GPUCount: 8, GPUMemoryBytes: 80 << 30,
		MinComputeCapability: iog.ComputeCapability{Major: 9}, CPUMilli: 64000, MemoryBytes: 1 << 40,
		Bandwidth: iog.HighBandwidth,
		Locations: []iog.Location{{Country: "US", Region: "Virginia"}, {Country: "SG", Coordinates: iog.Coordinates{Latitude: 1.29, Longitude: 103.85}}},
		Placement: iog.CoLocated, MaxRTT: 5 * time.Millisecond, MaxDuration: 24 * time.Hour,
		BudgetPerHour: iog.MustParseAmount("20 USDC"), Priority: 3,
	}, r)

	data, err := json.Marshal(iog.Requirements{GPUCount: 1, GPUShare: 460, MaxRTT: 1500 * time.Microsecond})
	require.NoError(t, err)
	require.JSONEq(t, `{"gpu_count": 1, "gpu_share": "0.46", "max_rtt": "1.5ms"}`, string(data))
}

func TestRequirementsJSONRoundTrip(t *testing.T) {
	for _, r := range []iog.Requirements{
		{GPUCount: 1},
		{CPUMilli: 500, MemoryBytes: 1 << 20, Priority: -2},
		{GPUModel: "V100M16|T4", GPUCount: 1, GPUShare: iog.FullGPU, Placement: iog.GeoDistributed,
			MinComputeCapability: iog.ComputeCapability{Major: 7, Minor: 5}, BudgetPerHour: iog.Zero(iog.USD)},
		{GPUClass: iog.ConsumerGPU, GPUCount: 4, Bandwidth: iog.LowBandwidth, Locations: []iog.Location{{Country: "DE", Region: "Hesse", City: "Frankfurt"}},
			MaxRTT: time.Nanosecond, MaxDuration: 90 * time.Minute},
	} {
		data, err := json.Marshal(r)
		require.NoError(t, err)
		var back iog.Requirements
		require.NoError(t, json.Unmarshal(data, &back), string(data))
		require.Equal(t, r, back, string(data))
	}
}

func TestRequirementsJSONRejects(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", ``, "not a JSON requirements object"},
		{"not an object", `[1]`, "want a JSON"},
		{"nothing requested", `{}`, "nothing requested"},
		{"unknown field", `{"gpu_count":1,"hours":1}`, `unknown field "hours"`},
		{"name in another case", `{"gpu_count":1,"GPU_COUNT":2}`, `field "GPU_COUNT": not a requirements field`},
		{"repeated name", `{"gpu_count":1,"gpu_count":2}`, `field "gpu_count" is given twice`},
		{"trailing data", `{"gpu_count":1} {}`, "unexpected data after the JSON object"},
		{"string count", `{"gpu_count":"8"}`, `field "gpu_count": want a JSON int`},
		{"negative count", `{"gpu_count":-1}`, "GPU count -1 is negative"},
		{"bad share", `{"gpu_count":1,"gpu_share":"1.5"}`, `GPU share "1.5"`},
		{"numeric share", `{"gpu_count":1,"gpu_share":500}`, `field "gpu_share": want a JSON string`},
		{"fractional share of two", `{"gpu_count":2,"gpu_share":"0.5"}`, "needs a GPU count of 1"},
		{"bad class", `{"gpu_count":1,"gpu_class":"quantum"}`, `GPU class "quantum"`},
		{"bad capability", `{"gpu_count":1,"min_compute_capability":"nine"}`, "compute capability"},
		{"bad tier", `{"gpu_count":1,"bandwidth":"fast"}`, "bandwidth tier"},
		{"bad placement", `{"gpu_count":1,"placement":"nearby"}`, "placement"},
		{"bad location", `{"gpu_count":1,"locations":["US","US@95,0"]}`, "location 2"},
		{"too many locations", `{"gpu_count":1,"locations":[` + strings.Repeat(`"US",`, iog.MaxLocations) + `"US"]}`, "at most 32"},
		{"seconds as a number", `{"gpu_count":1,"max_rtt":5}`, `field "max_rtt": want a JSON string`},
		{"duration without unit", `{"gpu_count":1,"max_rtt":"5"}`, `max_rtt "5": want a non-negative Go duration`},
		{"negative duration", `{"gpu_count":1,"max_duration":"-1h"}`, `max_duration "-1h"`},
		{"bad budget", `{"gpu_count":1,"budget_per_hour":"20"}`, "amount"},
		{"negative budget", `{"gpu_count":1,"budget_per_hour":"-1 USDC"}`, "must not be negative"},
		{"fractional priority", `{"gpu_count":1,"priority":1.5}`, `field "priority"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := iog.Requirements{GPUModel: "T4", GPUCount: 2}
			r := before
			err := r.UnmarshalJSON([]byte(tt.body))
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
			require.Equal(t, before, r, "a refused body changes nothing")
		})
	}
}

// FuzzRequirementsJSON feeds arbitrary bodies to the decoder: it must
// never panic, must refuse with ErrInvalid leaving the value unchanged,
// and what it accepts must be valid and survive a round trip.
func FuzzRequirementsJSON(f *testing.F) {
	f.Add(`{"gpu_model":"H100","gpu_count":8,"locations":["US"],"bandwidth":"high","placement":"co-located","max_rtt":"5ms","budget_per_hour":"20 USDC"}`)
	f.Add(`{"gpu_count":1,"gpu_share":"0.46","min_compute_capability":"8.0","max_duration":"1h30m","priority":-1}`)
	f.Add(`{"cpu_milli":1000,"memory_bytes":1073741824}`)
	f.Add(`{"gpu_count":1,"gpu_count":2}`)
	f.Add(`{"GPU_COUNT":1}`)
	f.Add(`{"gpu_count":1,"max_rtt":"-1s"}`)
	f.Add(`null`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, body string) {
		before := iog.Requirements{GPUModel: "T4", GPUCount: 2}
		r := before
		if err := r.UnmarshalJSON([]byte(body)); err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.Equal(t, before, r)
			return
		}
		require.NoError(t, r.Validate())
		data, err := json.Marshal(r)
		require.NoError(t, err)
		var back iog.Requirements
		require.NoError(t, json.Unmarshal(data, &back), string(data))
		require.Equal(t, r, back)
	})
}

func ExampleRequirements_UnmarshalJSON() {
	var req iog.Requirements
	err := json.Unmarshal([]byte(`{"gpu_model": "H100", "gpu_count": 8, "placement": "co-located",
		"max_rtt": "5ms", "locations": ["US"], "budget_per_hour": "20 USDC"}`), &req)
	fmt.Println(err, req.GPUCount, req.MaxRTT, req.BudgetPerHour)

	err = json.Unmarshal([]byte(`{"gpu_model": "H100", "gpu_count": 2, "gpu_share": "0.5"}`), &req)
	fmt.Println(errors.Is(err, iog.ErrInvalid), req.GPUCount)
	// Output:
	// <nil> 8 5ms 20 USDC
	// true 8
}
