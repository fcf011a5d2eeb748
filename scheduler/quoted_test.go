package scheduler_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/scheduler"
)

// quoteModel returns the default price model on a market where IO is worth
// 2 USD.
func quoteModel(t testing.TB) *pricing.Model {
	t.Helper()
	m, err := pricing.NewModel(pricing.Config{})
	require.NoError(t, err)
	two, err := iog.NewRate(2, 1)
	require.NoError(t, err)
	require.NoError(t, m.SetMarket(pricing.MarketState{AsOf: t0, IOPriceUSD: two}))
	return m
}

// nodeInfo returns the live view of node n in f.
func nodeInfo(t *testing.T, f *scheduler.Framework, id iog.DeviceID) *scheduler.NodeInfo {
	t.Helper()
	var n *scheduler.NodeInfo
	require.True(t, f.VisitNode(id, func(v *scheduler.NodeInfo) { n = v }))
	return n
}

func TestQuotedPrice(t *testing.T) {
	model := quoteModel(t)
	node := gpuNode("h100", "H100-SXM", 8)
	node.Bandwidth, node.Location = iog.HighBandwidth, iog.Location{Country: "US", Region: "Virginia"}
	f := newFramework(t, scheduler.Profile{}, node)
	n := nodeInfo(t, f, "h100")

	price, err := scheduler.QuotedPrice(model, scheduler.QuoteConfig{Currency: iog.USDC, Clock: iog.NewManualClock(t0)})
	require.NoError(t, err)
	q, err := model.Quote(pricing.Request{
		Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 1, Bandwidth: iog.HighBandwidth, Locations: []iog.Location{node.Location}},
		Hours:        1, Currency: iog.USDC,
	}, t0)
	require.NoError(t, err)
	hour := q.Fees.RenterPays
	tests := []struct {
		name     string
		gpuMilli uint64
		want     iog.Amount
	}{
		{"no GPU", 0, iog.Zero(iog.USDC)},
		{"one GPU", 1000, hour},
		{"eight GPUs", 8000, mul(t, hour, 8)},
		{"a share, rounded up", 333, iog.NewAmount((hour.Units()*333+999)/1000, iog.USDC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := price(n, tt.gpuMilli)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func mul(t *testing.T, a iog.Amount, n int64) iog.Amount {
	t.Helper()
	p, err := a.Mul(n)
	require.NoError(t, err)
	return p
}

func TestQuotedPriceRefuses(t *testing.T) {
	model := quoteModel(t)
	for name, cfg := range map[string]scheduler.QuoteConfig{
		"no currency":    {},
		"USD":            {Currency: iog.USD},
		"payout in IOSD": {Currency: iog.IO, Payout: iog.IOSD},
	} {
		_, err := scheduler.QuotedPrice(model, cfg)
		require.ErrorIs(t, err, iog.ErrInvalid, name)
	}
	_, err := scheduler.QuotedPrice(nil, scheduler.QuoteConfig{Currency: iog.IO})
	require.ErrorIs(t, err, iog.ErrInvalid)

	price, err := scheduler.QuotedPrice(model, scheduler.QuoteConfig{Currency: iog.IO, Clock: iog.NewManualClock(t0)})
	require.NoError(t, err)
	f := newFramework(t, scheduler.Profile{}, gpuNode("trace", "G2", 8),
		scheduler.Node{ID: "cpu", CPUMilli: 8000, MemoryBytes: 16 << 30})
	for _, id := range []iog.DeviceID{"trace", "cpu"} {
		_, err := price(nodeInfo(t, f, id), 1000)
		require.ErrorIs(t, err, iog.ErrInvalid, id)
		require.ErrorContains(t, err, "price node "+string(id))
	}
	free, err := price(nodeInfo(t, f, "cpu"), 0)
	require.NoError(t, err)
	require.Equal(t, iog.Zero(iog.IO), free)
}

// TestQuotedPriceKeepsBudgets: as the framework's Price, quoted prices
// keep work within its budget, and a budget in another currency fits
// nowhere.
func TestQuotedPriceKeepsBudgets(t *testing.T) {
	price, err := scheduler.QuotedPrice(quoteModel(t), scheduler.QuoteConfig{Currency: iog.USDC, Clock: iog.NewManualClock(t0)})
	require.NoError(t, err)
	f := scheduler.NewFramework(scheduler.Config{Clock: iog.NewManualClock(t0), Price: price})
	for _, n := range []scheduler.Node{gpuNode("h100", "H100-SXM", 1), gpuNode("t4", "T4", 1)} {
		require.NoError(t, f.AddNode(n))
	}
	t4, err := price(nodeInfo(t, f, "t4"), 1000)
	require.NoError(t, err)
	h100, err := price(nodeInfo(t, f, "h100"), 1000)
	require.NoError(t, err)
	c, err := t4.Cmp(h100)
	require.NoError(t, err)
	require.Negative(t, c, "a T4 is cheaper than an H100")

	for i, budget := range []iog.Amount{h100, t4, t4, iog.NewAmount(h100.Units(), iog.IO)} {
		j := gpuJob(fmt.Sprint("j", i), 1, 0)
		j.Requirements.BudgetPerHour = budget
		require.NoError(t, f.Submit(j))
	}
	rep, err := f.Schedule(context.Background())
	require.NoError(t, err)
	placed := map[iog.JobID]iog.DeviceID{}
	for _, p := range rep.Placed {
		placed[p.Job] = p.Assignments[0].Device
	}
	require.Equal(t, map[iog.JobID]iog.DeviceID{"j0": "h100", "j1": "t4"}, placed,
		"the T4's price fits one job and the H100's fits only the larger budget; IO budgets fit nowhere")
}

// ExampleQuotedPrice prices nodes with the network's price model, so that a
// job's budget per hour, in the currency quoted, is a hard limit.
func ExampleQuotedPrice() {
	model, _ := pricing.NewModel(pricing.Config{})
	ioPrice, _ := iog.ParseRate("2")
	if err := model.SetMarket(pricing.MarketState{IOPriceUSD: ioPrice}); err != nil {
		fmt.Println(err)
		return
	}
	clock := iog.NewManualClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	price, err := scheduler.QuotedPrice(model, scheduler.QuoteConfig{Currency: iog.USDC, Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := scheduler.NewFramework(scheduler.Config{Clock: clock, Price: price})
	if err := s.AddNode(scheduler.Node{ID: "a100", GPUModel: "A100-80GB", GPUs: 4, CPUMilli: 32000, MemoryBytes: 256 << 30,
		Location: iog.Location{Country: "US"}}); err != nil {
		fmt.Println(err)
		return
	}
	s.VisitNode("a100", func(n *scheduler.NodeInfo) {
		hour, _ := price(n, 2000)
		fmt.Println("two A100s for an hour:", hour)
	})
	for id, budget := range map[iog.JobID]string{"within": "2 USDC", "under": "1.5 USDC"} {
		job := scheduler.Job{ID: id, Requirements: iog.Requirements{GPUCount: 2, BudgetPerHour: iog.MustParseAmount(budget)}}
		if err := s.Submit(job); err != nil {
			fmt.Println(err)
		}
	}
	if _, err := s.Schedule(context.Background()); err != nil {
		fmt.Println(err)
	}
	for _, id := range []iog.JobID{"within", "under"} {
		_, placed := s.Placement(id)
		fmt.Println(id, "placed:", placed)
	}
	// Output:
	// two A100s for an hour: 1.854084 USDC
	// within placed: true
	// under placed: false
}
