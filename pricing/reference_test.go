package pricing_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

func TestDefaultReferences(t *testing.T) {
	refs := pricing.DefaultReferences()
	require.Same(t, refs, pricing.DefaultReferences(), "parsed once")
	rows := refs.Rows()
	require.NotEmpty(t, rows)
	for _, r := range rows {
		_, ok := iog.LookupGPUModel(r.Model)
		require.True(t, ok, r.Model)
		require.Equal(t, time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC), r.AsOf)
		require.Positive(t, r.HourlyPerGPU.Units())
	}
	tests := []struct {
		model, provider, price string
	}{
		{"H100-SXM", "Google Cloud", "11.06"},
		{"A100-80GB", "Azure", "4.10"},
		{"A100-40GB", "Azure", "3.40"},
		{"T4", "AWS", "0.53"},
	}
	for _, tt := range tests {
		r, ok := refs.Cheapest(tt.model)
		require.True(t, ok, tt.model)
		require.Equal(t, tt.provider, r.Provider)
		require.Equal(t, usd(tt.price), r.HourlyPerGPU)
	}
	_, ok := refs.Cheapest("RTX-4090")
	require.False(t, ok)
	var none *pricing.ReferenceTable
	_, ok = none.Cheapest("H100-SXM")
	require.False(t, ok)
	require.Nil(t, none.Rows())
}

func TestParseReferenceTable(t *testing.T) {
	table, err := pricing.ParseReferenceTable(strings.NewReader(`# a comment
as_of,provider,offering,model,usd_per_gpu_hour
2026-10-01,Cloud A,big-8x,NVIDIA H100 80GB HBM3,9.50
2026-10-01,Cloud B,"one, quoted",H100-SXM,8.25
`))
	require.NoError(t, err)
	r, ok := table.Cheapest("H100-SXM")
	require.True(t, ok)
	require.Equal(t, "Cloud B", r.Provider)
	require.Equal(t, "one, quoted", r.Offering)
	require.Equal(t, "H100-SXM", table.Rows()[0].Model, "stored under the canonical name")
}

func TestParseReferenceTableRejects(t *testing.T) {
	const header = "as_of,provider,offering,model,usd_per_gpu_hour\n"
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", "want a header row"},
		{"wrong header", "date,provider,offering,model,price\n", "header"},
		{"bad date", header + "15/01/2025,AWS,x,T4,1\n", `line 2: date "15/01/2025"`},
		{"unknown model", header + "2025-01-15,AWS,x,Voodoo,1\n", `"Voodoo" is not a catalog GPU model`},
		{"negative price", header + "2025-01-15,AWS,x,T4,-1\n", "want a positive amount"},
		{"zero price", header + "2025-01-15,AWS,x,T4,0\n", "want a positive amount"},
		{"float price", header + "2025-01-15,AWS,x,T4,1e3\n", "not a plain decimal"},
		{"no provider", header + "2025-01-15,,x,T4,1\n", "no provider"},
		{"missing column", header + "2025-01-15,AWS,T4,1\n", "wrong number of fields"},
		{"bad quoting", header + "2025-01-15,\"AWS,x,T4,1\n", "reference table"},
		{"long field", header + "2025-01-15,AWS," + strings.Repeat("x", 200) + ",T4,1\n", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pricing.ParseReferenceTable(strings.NewReader(tt.csv))
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestNewReferenceTableRejects(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		row  pricing.Reference
	}{
		{"no date", pricing.Reference{Provider: "A", Model: "T4", HourlyPerGPU: usd("1")}},
		{"IO price", pricing.Reference{AsOf: day, Provider: "A", Model: "T4", HourlyPerGPU: iog.MustParseAmount("1 IO")}},
		{"no model", pricing.Reference{AsOf: day, Provider: "A", HourlyPerGPU: usd("1")}},
	}
	for _, tt := range tests {
		_, err := pricing.NewReferenceTable([]pricing.Reference{tt.row})
		require.ErrorIs(t, err, iog.ErrInvalid, tt.name)
	}
}

// endless is a reader that never ends: a comment line without end.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.read += int64(len(p))
	return len(p), nil
}

// TestParseReferenceTableIsBounded checks that the parser reads at most
// MaxReferenceBytes: comment lines are skipped by the CSV reader, so only
// a bound on the input keeps a huge or endless comment from taking all
// memory.
func TestParseReferenceTableIsBounded(t *testing.T) {
	const table = "as_of,provider,offering,model,usd_per_gpu_hour\n2025-01-15,AWS,g4dn.xlarge,T4,0.53\n"
	big := table + "#" + strings.Repeat("x", pricing.MaxReferenceBytes) + "\n"
	_, err := pricing.ParseReferenceTable(strings.NewReader(big))
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.ErrorContains(t, err, "larger than")

	fits := table + "#" + strings.Repeat("x", pricing.MaxReferenceBytes-len(table)-2) + "\n"
	require.Len(t, fits, pricing.MaxReferenceBytes)
	_, err = pricing.ParseReferenceTable(strings.NewReader(fits))
	require.NoError(t, err, "a table of exactly MaxReferenceBytes is read")

	e := &endless{}
	_, err = pricing.ParseReferenceTable(io.MultiReader(strings.NewReader(table+"#"), e))
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.LessOrEqual(t, e.read, int64(pricing.MaxReferenceBytes)+64<<10, "stops reading near the bound")
}

// FuzzParseReferenceTable feeds arbitrary text to the table parser: it
// must never panic, must reject with ErrInvalid, and every row of a table
// it accepts must be dated, priced and in the catalog.
func FuzzParseReferenceTable(f *testing.F) {
	f.Add("as_of,provider,offering,model,usd_per_gpu_hour\n2025-01-15,AWS,p5.48xlarge,H100-SXM,12.29\n")
	f.Add("# c\nas_of,provider,offering,model,usd_per_gpu_hour\n2025-01-15,GCP,\"a,b\",nvidia a100 80gb,5.07\n")
	f.Add("as_of,provider,offering,model,usd_per_gpu_hour\n2025-13-45,X,y,T4,0.1\n")
	f.Add("as_of,provider,offering,model,usd_per_gpu_hour\n2025-01-15,X,y,T4,-0.1\n")
	f.Add("")
	f.Add("\"")
	f.Fuzz(func(t *testing.T, text string) {
		table, err := pricing.ParseReferenceTable(strings.NewReader(text))
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		for _, r := range table.Rows() {
			require.False(t, r.AsOf.IsZero())
			require.NotEmpty(t, r.Provider)
			require.Positive(t, r.HourlyPerGPU.Units())
			m, ok := iog.LookupGPUModel(r.Model)
			require.True(t, ok)
			require.Equal(t, m.Name, r.Model)
			c, ok := table.Cheapest(r.Model)
			require.True(t, ok)
			require.LessOrEqual(t, c.HourlyPerGPU.Units(), r.HourlyPerGPU.Units())
		}
	})
}

func TestCheapestPerTFLOPS(t *testing.T) {
	ref, gflops, ok := pricing.DefaultReferences().CheapestPerTFLOPS()
	require.True(t, ok)
	// 1.86 USD for the L40S's 362 TFLOPS beats the L4's 0.71 for 121.
	require.Equal(t, "L40S", ref.Model)
	require.Equal(t, uint32(362_000), gflops)
	for _, r := range pricing.DefaultReferences().Rows() {
		m := catalog(t, r.Model)
		s, err := pricing.SavingPerTFLOPS(r.HourlyPerGPU, m.FP16GFLOPS, ref.HourlyPerGPU, gflops)
		require.NoError(t, err)
		require.LessOrEqual(t, int64(s), int64(0), "%s %s is no better per TFLOPS", r.Provider, r.Model)
	}
	var none *pricing.ReferenceTable
	_, _, ok = none.CheapestPerTFLOPS()
	require.False(t, ok)
}

func TestSavingPerTFLOPS(t *testing.T) {
	tests := []struct {
		hourly    string
		gflops    uint32
		ref       string
		refGFLOPS uint32
		want      pricing.PPM
	}{
		{"1", 1000, "2", 1000, 500_000},
		{"1", 2000, "1", 1000, 500_000},
		{"3", 1000, "2", 1000, -500_000},
		{"2", 989_000, "1.86", 362_000, 606_423},
	}
	for _, tt := range tests {
		got, err := pricing.SavingPerTFLOPS(usd(tt.hourly), tt.gflops, usd(tt.ref), tt.refGFLOPS)
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
	_, err := pricing.SavingPerTFLOPS(usd("1"), 0, usd("1"), 1)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = pricing.SavingPerTFLOPS(iog.NewAmount(1<<62, iog.USD), 1, usd("1"), 1<<31)
	require.ErrorIs(t, err, iog.ErrOverflow)
}
