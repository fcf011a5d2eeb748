package pricing_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

// goodRequest is a valid request the tests vary.
func goodRequest() pricing.Request {
	return pricing.Request{
		Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 8},
		Hours:        24, Currency: iog.USDC,
	}
}

func TestRequestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *pricing.Request)
		want   string
	}{
		{"zero GPUs", func(r *pricing.Request) { r.GPUCount = 0 }, "GPU count 0: ask for at least one GPU"},
		{"negative GPUs", func(r *pricing.Request) { r.GPUCount = -2 }, "GPU count -2"},
		{"too many GPUs", func(r *pricing.Request) { r.GPUCount = pricing.MaxGPUs + 1 }, "at most 100000 GPUs"},
		{"negative hours", func(r *pricing.Request) { r.Hours = -3 }, "hours -3: a rental lasts at least 1 h, the minimum rental"},
		{"zero hours, under the 1-hour minimum", func(r *pricing.Request) { r.Hours = 0 }, "hours 0: a rental lasts at least 1 h"},
		{"too many hours", func(r *pricing.Request) { r.Hours = pricing.MaxHours + 1 }, "three years"},
		{"unknown currency", func(r *pricing.Request) { r.Currency = iog.Currency(9) }, "payment currency Currency(9): unknown; pay in IO, USDC or IOSD"},
		{"no currency", func(r *pricing.Request) { r.Currency = 0 }, "pay in IO, USDC or IOSD"},
		{"USD is not paid", func(r *pricing.Request) { r.Currency = iog.USD }, "unit of account"},
		{"IOSD payout", func(r *pricing.Request) { r.Payout = iog.IOSD }, "suppliers are paid out in IO or USDC"},
		{"impossible coordinates", func(r *pricing.Request) {
			r.Locations = []iog.Location{{Country: "US"}, {Coordinates: iog.Coordinates{Latitude: 123, Longitude: 10}}}
		}, "location 2: coordinates 123,10"},
		{"unknown country", func(r *pricing.Request) { r.Locations = []iog.Location{{Country: "QQ"}} }, "not an ISO 3166-1"},
		{"region without country", func(r *pricing.Request) { r.Locations = []iog.Location{{Region: "Bavaria"}} }, "needs a country"},
		{"too many locations", func(r *pricing.Request) { r.Locations = make([]iog.Location, iog.MaxLocations+1) }, "at most 32"},
		{"nothing named", func(r *pricing.Request) { r.GPUModel = "" }, "give a GPU model, a GPU class or a benchmark score"},
		{"model and score", func(r *pricing.Request) { r.Score = pricing.Score{FP16GFLOPS: 1, MemoryBytes: 1} }, "give one, not both"},
		{"partial score", func(r *pricing.Request) { r.GPUModel, r.Score = "", pricing.Score{FP32GFLOPS: 5} }, "FP16 throughput and memory"},
		{"bad class", func(r *pricing.Request) { r.GPUClass = 9 }, "not a GPU class"},
		{"bad tier", func(r *pricing.Request) { r.Bandwidth = 7 }, "not a bandwidth tier"},
		{"bad commitment", func(r *pricing.Request) { r.Commitment = 5 }, "not a commitment"},
		{"fractional GPU", func(r *pricing.Request) { r.GPUCount, r.GPUShare = 1, 460 }, "GPU share 0.46: a rental is of whole GPUs"},
		{"max duration", func(r *pricing.Request) { r.MaxDuration = time.Hour }, "a rental runs for its hours"},
		{"bad placement", func(r *pricing.Request) { r.Placement = 9 }, "requirements: Placement(9) is not a placement"},
		{"negative budget", func(r *pricing.Request) { r.BudgetPerHour = iog.MustParseAmount("-1 USDC") }, "budget per hour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodRequest()
			tt.change(&r)
			err := r.Validate()
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestRequestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *pricing.Request)
	}{
		{"as is", func(*pricing.Request) {}},
		{"class only", func(r *pricing.Request) { r.GPUModel, r.GPUClass = "", iog.ConsumerGPU }},
		{"score only", func(r *pricing.Request) {
			r.GPUModel, r.Score = "", pricing.Score{FP16GFLOPS: 100, MemoryBytes: 1 << 30}
		}},
		{"locations", func(r *pricing.Request) {
			r.Locations = []iog.Location{{Country: "US", Region: "Virginia"}, {Coordinates: iog.Coordinates{Latitude: 1.29, Longitude: 103.85}}}
		}},
		{"limits", func(r *pricing.Request) { r.GPUCount, r.Hours = pricing.MaxGPUs, pricing.MaxHours }},
		{"exactly the 1-hour minimum", func(r *pricing.Request) { r.Hours = 1 }},
		{"IOSD with USDC payout", func(r *pricing.Request) { r.Currency, r.Payout = iog.IOSD, iog.USDC }},
		{"a whole share", func(r *pricing.Request) { r.GPUShare = iog.FullGPU }},
		{"placement terms", func(r *pricing.Request) {
			r.Placement, r.MaxRTT, r.CPUMilli, r.Priority = iog.CoLocated, 5*time.Millisecond, 8000, 2
			r.BudgetPerHour = iog.MustParseAmount("40 USDC")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodRequest()
			tt.change(&r)
			require.NoError(t, r.Validate())
		})
	}
}

func TestJobRequirements(t *testing.T) {
	r := goodRequest()
	r.Placement = iog.CoLocated
	want := r.Requirements
	want.MaxDuration = 24 * time.Hour
	require.Equal(t, want, r.JobRequirements())
	require.NoError(t, r.JobRequirements().Validate())
}

func TestPayoutCurrency(t *testing.T) {
	tests := []struct {
		currency, payout, want iog.Currency
	}{
		{iog.IO, 0, iog.IO},
		{iog.USDC, 0, iog.USDC},
		{iog.IOSD, 0, iog.IO},
		{iog.USDC, iog.IO, iog.IO},
		{iog.IO, iog.USDC, iog.USDC},
	}
	for _, tt := range tests {
		r := pricing.Request{Currency: tt.currency, Payout: tt.payout}
		require.Equal(t, tt.want, r.PayoutCurrency(), "%v/%v", tt.currency, tt.payout)
	}
}

func TestCommitmentText(t *testing.T) {
	for _, c := range []pricing.Commitment{pricing.OnDemand, pricing.Reserved} {
		text, err := c.MarshalText()
		require.NoError(t, err)
		var back pricing.Commitment
		require.NoError(t, back.UnmarshalText(text))
		require.Equal(t, c, back)
	}
	_, err := pricing.ParseCommitment("forever")
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = pricing.Commitment(9).MarshalText()
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.Equal(t, "Commitment(9)", pricing.Commitment(9).String())
}

func TestDecodeRequest(t *testing.T) {
	got, err := pricing.DecodeRequest(strings.NewReader(`{"gpu_model": "H100-SXM", "gpu_count": 8, "hours": 24,
		"locations": ["US/Virginia", "SG@1.29,103.85"], "bandwidth": "high", "commitment": "reserved",
		"currency": "USDC", "payout": "IO"}`))
	require.NoError(t, err)
	require.Equal(t, pricing.Request{
		Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 8, Bandwidth: iog.HighBandwidth,
			Locations: []iog.Location{{Country: "US", Region: "Virginia"}, {Country: "SG", Coordinates: iog.Coordinates{Latitude: 1.29, Longitude: 103.85}}}},
		Hours: 24, Commitment: pricing.Reserved, Currency: iog.USDC, Payout: iog.IO,
	}, got)

	got, err = pricing.DecodeRequest(strings.NewReader(`{"gpu_class": "consumer", "score": {"fp16_gflops": 200000, "memory_bytes": 25769803776},
		"gpu_count": 1, "hours": 1, "commitment": "on-demand", "currency": "$io"}`))
	require.NoError(t, err)
	require.Equal(t, pricing.Request{
		Requirements: iog.Requirements{GPUClass: iog.ConsumerGPU, GPUCount: 1},
		Score:        pricing.Score{FP16GFLOPS: 200000, MemoryBytes: 24 << 30}, Hours: 1, Currency: iog.IO,
	}, got)
	// The body of a deploy is the body of its quote: what is asked of the
	// devices beside the terms, in one object.
	got, err = pricing.DecodeRequest(strings.NewReader(`{"gpu_model": "A100", "gpu_count": 4, "cpu_milli": 32000,
		"placement": "co-located", "max_rtt": "2ms", "budget_per_hour": "12 USDC", "priority": 1,
		"hours": 8, "commitment": "on-demand", "currency": "USDC"}`))
	require.NoError(t, err)
	require.Equal(t, pricing.Request{
		Requirements: iog.Requirements{GPUModel: "A100", GPUCount: 4, CPUMilli: 32000, Placement: iog.CoLocated,
			MaxRTT: 2 * time.Millisecond, BudgetPerHour: iog.MustParseAmount("12 USDC"), Priority: 1},
		Hours: 8, Currency: iog.USDC,
	}, got)
}

func TestDecodeRequestRejects(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", ``, "not a JSON request object"},
		{"not an object", `[1]`, "want a JSON"},
		{"unknown field", `{"gpu_model":"T4","gpu_count":1,"hours":1,"currency":"IO","price":0}`, "unknown field"},
		{"trailing data", `{"gpu_model":"T4","gpu_count":1,"hours":1,"currency":"IO"} {}`, "after the JSON object"},
		{"zero GPUs", `{"gpu_model":"T4","gpu_count":0,"hours":1,"currency":"IO"}`, "requirements: nothing requested"},
		{"zero GPUs with CPU", `{"gpu_model":"T4","cpu_milli":1000,"hours":1,"currency":"IO"}`, "GPU model, class or memory given with a GPU count of 0"},
		{"CPU only", `{"cpu_milli":1000,"hours":1,"currency":"IO"}`, "GPU count 0: ask for at least one GPU"},
		{"fractional GPU", `{"gpu_model":"T4","gpu_count":1,"gpu_share":"0.5","hours":1,"currency":"IO"}`, "GPU share 0.5: a rental is of whole GPUs"},
		{"max duration", `{"gpu_model":"T4","gpu_count":1,"max_duration":"2h","hours":1,"currency":"IO"}`, "max duration 2h0m0s: a rental runs for its hours"},
		{"bad requirement", `{"gpu_model":"T4","gpu_count":1,"placement":"near","hours":1,"currency":"IO"}`, "request: requirements: placement"},
		{"negative hours", `{"gpu_model":"T4","gpu_count":1,"hours":-5,"currency":"IO"}`, "hours -5"},
		{"unknown currency", `{"gpu_model":"T4","gpu_count":1,"hours":1,"currency":"DOGE"}`, `unknown currency "DOGE"`},
		{"string count", `{"gpu_model":"T4","gpu_count":"8","hours":1,"currency":"IO"}`, `field "gpu_count": want a JSON int`},
		{"fractional hours", `{"gpu_model":"T4","gpu_count":1,"hours":1.5,"currency":"IO"}`, `field "hours"`},
		{"impossible location", `{"gpu_model":"T4","gpu_count":1,"hours":1,"currency":"IO","locations":["US@95,0"]}`, "location 1"},
		{"unknown class", `{"gpu_class":"quantum","gpu_count":1,"hours":1,"currency":"IO"}`, "GPU class"},
		{"bad tier", `{"gpu_model":"T4","gpu_count":1,"hours":1,"currency":"IO","bandwidth":"fast"}`, "bandwidth tier"},
		{"bad commitment", `{"gpu_model":"T4","gpu_count":1,"hours":1,"currency":"IO","commitment":"always"}`, "commitment"},
		{"empty score", `{"score":{"fp16_gflops":0,"memory_bytes":0},"gpu_count":1,"hours":1,"currency":"IO"}`, "score is empty"},
		{"bad payout", `{"gpu_model":"T4","gpu_count":1,"hours":1,"currency":"IO","payout":"IOSD"}`, "paid out in IO or USDC"},
		{"too large", `{"gpu_model":"` + strings.Repeat("x", pricing.MaxRequestBytes) + `"}`, "larger than"},
		// encoding/json matches names without regard to case and keeps the
		// last of repeated names: a proxy that reads "hours" as 1 would
		// let through a request priced for 2000.
		{"name in another case", `{"gpu_model":"T4","gpu_count":1,"hours":1,"currency":"IO","HOURS":2000}`, `field "HOURS"`},
		{"name by Unicode folding", `{"gpu_model":"T4","gpu_count":1,"hours":1,"currency":"IO","ſcore":{"fp16_gflops":1,"memory_bytes":1}}`, `field "ſcore"`},
		{"repeated name", `{"gpu_model":"T4","gpu_count":1,"hours":1,"hours":2000,"currency":"IO"}`, `field "hours" is given twice`},
		{"repeated score name", `{"score":{"fp16_gflops":1,"memory_bytes":1,"fp16_gflops":9},"gpu_count":1,"hours":1,"currency":"IO"}`, `field "fp16_gflops" is given twice`},
		{"score name in another case", `{"score":{"FP16_GFLOPS":1,"memory_bytes":1},"gpu_count":1,"hours":1,"currency":"IO"}`, `field "FP16_GFLOPS"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pricing.DecodeRequest(strings.NewReader(tt.body))
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestRequestJSONRoundTrip(t *testing.T) {
	reqs := []pricing.Request{
		goodRequest(),
		{Requirements: iog.Requirements{GPUClass: iog.WorkstationGPU, GPUCount: 3, Bandwidth: iog.MediumBandwidth,
			Locations: []iog.Location{{Country: "DE", Region: "Hesse", City: "Frankfurt"}}},
			Hours: 700, Commitment: pricing.Reserved, Currency: iog.IOSD, Payout: iog.USDC},
		{Requirements: iog.Requirements{GPUCount: 1}, Score: pricing.Score{FP16GFLOPS: 5, FP32GFLOPS: 6, MemoryBytes: 7, MemoryBandwidthGBps: 8}, Hours: 1, Currency: iog.IO},
		{Requirements: iog.Requirements{GPUModel: "A100", GPUCount: 16, GPUMemoryBytes: 80 << 30, CPUMilli: 64000, MemoryBytes: 1 << 40,
			Placement: iog.CoLocated, MaxRTT: 2 * time.Millisecond, BudgetPerHour: iog.MustParseAmount("30 IO"), Priority: 1},
			Hours: 2, Currency: iog.IO},
	}
	for _, r := range reqs {
		data, err := json.Marshal(r)
		require.NoError(t, err)
		back, err := pricing.DecodeRequest(bytes.NewReader(data))
		require.NoError(t, err, string(data))
		require.Equal(t, r, back)
	}
}

// FuzzDecodeRequest feeds arbitrary bodies to the request decoder: it must
// never panic, must reject with ErrInvalid, and what it accepts must be
// valid and survive a round trip through MarshalJSON.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(`{"gpu_model": "H100-SXM", "gpu_count": 8, "hours": 24, "locations": ["US/Virginia"], "bandwidth": "high", "commitment": "reserved", "currency": "USDC", "payout": "IO"}`)
	f.Add(`{"gpu_class": "consumer", "score": {"fp16_gflops": 200000, "memory_bytes": 25769803776}, "gpu_count": 1, "hours": 1, "currency": "IO"}`)
	f.Add(`{"gpu_model": "A100", "gpu_count": 0, "hours": -1, "currency": "USD"}`)
	f.Add(`{"gpu_model": "T4", "gpu_count": 1, "hours": 1, "currency": "IOSD", "locations": ["@95,200"]}`)
	f.Add(`{}`)
	f.Add(`null`)
	f.Add(`{"gpu_model":"T4"}{}`)
	f.Add(`{"gpu_model":"T4","gpu_count":1,"hours":1,"HOURS":9,"currency":"IO"}`)
	f.Add(`{"score":{"fp16_gflops":1,"memory_bytes":1,"fp16_gflops":2},"gpu_count":1,"hours":1,"currency":"IO","locations":["US"]}`)
	f.Add(`{"gpu_model":"A100","gpu_count":4,"placement":"co-located","max_rtt":"2ms","budget_per_hour":"12 USDC","priority":1,"hours":8,"currency":"USDC"}`)
	f.Add(`{"gpu_model":"T4","gpu_count":1,"gpu_share":"0.5","max_duration":"1h","hours":1,"currency":"IO","Hours":2}`)
	f.Fuzz(func(t *testing.T, body string) {
		req, err := pricing.DecodeRequest(strings.NewReader(body))
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		require.NoError(t, req.Validate())
		data, err := json.Marshal(req)
		require.NoError(t, err)
		back, err := pricing.DecodeRequest(bytes.NewReader(data))
		require.NoError(t, err, string(data))
		require.Equal(t, req, back)
	})
}
