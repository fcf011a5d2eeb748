package pricing_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

func TestBuildBoard(t *testing.T) {
	m := newModel(t)
	regions := []iog.Location{{Country: "US"}, {Country: "SE"}, {}}
	models := []string{"H100-SXM", "RTX 4090"}
	b, err := pricing.BuildBoard(m, noon, models, regions, iog.IO, pricing.Request{
		Requirements: iog.Requirements{Bandwidth: iog.HighBandwidth, GPUCount: 99},
		Hours:        99,
	})
	require.NoError(t, err)
	require.Equal(t, noon, b.At)
	require.Len(t, b.Rows, 6)
	for i, row := range b.Rows {
		require.Equal(t, regions[i%3], row.Region)
		q, err := m.Quote(pricing.Request{
			Requirements: iog.Requirements{GPUModel: models[i/3], GPUCount: 1, Bandwidth: iog.HighBandwidth, Locations: []iog.Location{row.Region}},
			Hours:        1, Currency: iog.IO,
		}, noon)
		require.NoError(t, err)
		require.Equal(t, q.Model, row.Model)
		require.Equal(t, q.HourlyPerGPU, row.HourlyUSD)
		require.Equal(t, q.Fees.RenterPays, row.Hourly)
		require.Equal(t, q.Saving, row.Saving)
		require.Equal(t, q.SavingPerTFLOPS, row.SavingPerTFLOPS)
	}
	require.Equal(t, "RTX-4090", b.Rows[3].Model)
	// US datacenter GPUs are busy (90%), Swedish ones idle (50%).
	require.Greater(t, b.Rows[0].HourlyUSD.Units(), b.Rows[1].HourlyUSD.Units())

	var out strings.Builder
	require.NoError(t, b.WriteText(&out))
	text := out.String()
	require.Contains(t, text, "H100-SXM")
	require.Contains(t, text, "anywhere")
	require.Contains(t, text, "Google Cloud")
	require.Equal(t, 7, strings.Count(text, "\n"))

	_, err = pricing.BuildBoard(m, noon, []string{"Voodoo"}, regions, iog.IO, pricing.Request{})
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.ErrorContains(t, err, "price board: Voodoo")
}
