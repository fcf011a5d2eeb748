package pricing_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

// A quote for eight H100s for a day in the United States, paid in USDC,
// from the default model over a market state the server would supply.
func Example() {
	model, err := pricing.NewModel(pricing.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ioUSD, _ := iog.ParseRate("1.85")
	err = model.SetMarket(pricing.MarketState{IOPriceUSD: ioUSD, Utilization: map[pricing.MarketKey]uint32{
		{Class: iog.DatacenterGPU, Country: "US"}: 850_000, // 85% rented
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	var pm pricing.PriceModel = model
	q, err := pm.Quote(pricing.Request{
		Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 8, Locations: []iog.Location{{Country: "US"}}, Bandwidth: iog.HighBandwidth},
		Hours:        24, Commitment: pricing.Reserved, Currency: iog.USDC,
	}, time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)
	for _, a := range q.Moved() {
		fmt.Println(" ", a)
	}
	for _, l := range q.Fees.Lines() {
		fmt.Printf("  %s: %v\n", l.Kind, l.Amount)
	}
	// Output:
	// 8×H100-SXM for 24h in US: 2.4920 USD/GPU-hour, total 478.46 USD; renter pays 489.225845 USDC (77.47% cheaper than Google Cloud)
	//   hardware: performance of the catalog model: 0.0000 → 1.9569 USD
	//   connectivity: bandwidth tier high → +10.00%: 1.9569 → 2.1526 USD
	//   demand: utilization 85.00% → +15.00%: 2.1526 → 2.4755 USD
	//   peak hours: local start hour 09:00 → +0.67%: 2.4755 → 2.4920 USD
	//   renter reservation fee: 1.196151 USDC
	//   renter currency fee: 9.56921 USDC
	//   supplier reservation fee: 1.196151 USDC
	//   supplier currency fee: 9.56921 USDC
}

// A caller that needs only PriceModel, such as a scheduler plugin, and
// tells its errors apart: no market state yet, a request that cannot be
// priced.
func ExamplePriceModel() {
	model, err := pricing.NewModel(pricing.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var pm pricing.PriceModel = model
	req := pricing.Request{Requirements: iog.Requirements{GPUModel: "A100-80GB", GPUCount: 2}, Hours: 8, Currency: iog.IO}
	at := time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)

	_, err = pm.Quote(req, at)
	fmt.Println("before any market state, unavailable:", errors.Is(err, iog.ErrUnavailable))

	if err := model.SetMarket(pricing.MarketState{IOPriceUSD: iog.BasisPoints(20_000)}); err != nil {
		fmt.Println(err)
		return
	}
	q, err := pm.Quote(req, at)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.HourlyPerGPU.RoundedDecimal(4, iog.RoundHalfUp), "USD per GPU-hour; renter pays", q.Fees.RenterPays)

	req.GPUCount = 0
	_, err = pm.Quote(req, at)
	fmt.Println("invalid:", errors.Is(err, iog.ErrInvalid), "-", err)
	// Output:
	// before any market state, unavailable: true
	// 0.9429 USD per GPU-hour; renter pays 7.56211959 IO
	// invalid: true - request: GPU count 0: ask for at least one GPU: invalid input
}

// The fee schedule on its own, as tokenomics uses it: a rental paid in
// USDC, the supplier paid out in IO.
func ExampleFeeSchedule() {
	fees, err := pricing.DefaultFees().Apply(iog.MustParseAmount("1000 USDC"), iog.IO)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range fees.Lines() {
		fmt.Printf("%-24s %6v  %v\n", l.Kind, l.Rate, l.Amount)
	}
	fmt.Println("renter pays      ", fees.RenterPays)
	fmt.Println("supplier receives", fees.SupplierReceives)
	fmt.Println("network keeps    ", fees.Total)
	fmt.Println("conserves:", fees.Check() == nil)
	// Output:
	// renter reservation fee   0.0025  2.5 USDC
	// renter currency fee        0.02  20 USDC
	// supplier reservation fee 0.0025  2.5 USDC
	// supplier currency fee         0  0 USDC
	// renter pays       1022.5 USDC
	// supplier receives 997.5 USDC
	// network keeps     25 USDC
	// conserves: true
}

// surcharge is a Factor of one's own: a flat 3% on every GPU-hour.
type surcharge struct{}

func (surcharge) Apply(_ *pricing.Input, hourly iog.Amount) (pricing.Adjustment, error) {
	after, err := hourly.MulRate(iog.BasisPoints(10_300), iog.RoundHalfEven)
	if err != nil {
		return pricing.Adjustment{}, err
	}
	return pricing.Adjustment{Factor: "surcharge", Reason: "flat 3%", Before: hourly, After: after}, nil
}

// A model with a factor of one's own between the hardware price and the
// supplier floor.
func ExampleFactor() {
	model, err := pricing.NewModel(pricing.Config{Factors: []pricing.Factor{
		pricing.DefaultHardware(), surcharge{}, pricing.DefaultFloor(),
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := model.SetMarket(pricing.MarketState{IOPriceUSD: iog.BasisPoints(20_000)}); err != nil {
		fmt.Println(err)
		return
	}
	q, err := model.Quote(pricing.Request{
		Requirements: iog.Requirements{GPUModel: "T4", GPUCount: 1},
		Hours:        1, Currency: iog.IO,
	}, time.Time{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range q.Factors {
		fmt.Println(a)
	}
	fmt.Println("renter pays", q.Fees.RenterPays)
	// Output:
	// hardware: performance of the catalog model: 0.0000 → 0.1980 USD
	// surcharge: flat 3% → +3.00%: 0.1980 → 0.2039 USD
	// supplier floor: opportunity cost 0.0792 USD: 0.2039 → 0.2039 USD
	// renter pays 0.10222492 IO
}

// benchResult stands for a benchmark result of the gpu package, which
// implements Scorer.
type benchResult struct{ fp16, fp32, memGiB, bandwidth uint32 }

func (b benchResult) HardwareScore() pricing.Score {
	return pricing.Score{FP16GFLOPS: b.fp16, FP32GFLOPS: b.fp32, MemoryBytes: uint64(b.memGiB) << 30, MemoryBandwidthGBps: b.bandwidth}
}

// An unlisted GPU is priced from its measured score.
func ExampleScorer() {
	model, err := pricing.NewModel(pricing.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := model.SetMarket(pricing.MarketState{IOPriceUSD: iog.BasisPoints(20_000)}); err != nil {
		fmt.Println(err)
		return
	}
	var s pricing.Scorer = benchResult{fp16: 250_000, fp32: 60_000, memGiB: 20, bandwidth: 800}
	q, err := model.Quote(pricing.Request{
		Requirements: iog.Requirements{GPUClass: iog.ConsumerGPU, GPUCount: 2},
		Score:        s.HardwareScore(), Hours: 10, Currency: iog.IO,
	},
		time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.HourlyPerGPU, "per GPU-hour;", q.Fees.RenterPays, "in all")
	// Output:
	// 0.28903392 USD per GPU-hour; 2.89756505 IO in all
}

// The price board as the explorer shows it.
func ExampleBuildBoard() {
	model, err := pricing.NewModel(pricing.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ioUSD, _ := iog.ParseRate("1.85")
	if err := model.SetMarket(pricing.MarketState{IOPriceUSD: ioUSD}); err != nil {
		fmt.Println(err)
		return
	}
	board, err := pricing.BuildBoard(model, time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC),
		[]string{"H100-SXM", "A100-80GB", "RTX-4090"}, []iog.Location{{Country: "US"}, {Country: "DE"}},
		iog.IO, pricing.Request{Requirements: iog.Requirements{Bandwidth: iog.MediumBandwidth}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := board.WriteText(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// model      region  USD/GPU-h  paid/GPU-h  cloud USD/GPU-h     cheaper  cheaper per TFLOPS
	// H100-SXM   US      2.2191     1.2025 IO   11.06 Google Cloud  79.94%   56.33%
	// H100-SXM   DE      2.3301     1.2627 IO   11.06 Google Cloud  78.93%   54.15%
	// A100-80GB  US      1.1424     0.6190 IO   4.10 Azure          72.14%   28.74%
	// A100-80GB  DE      1.1995     0.6500 IO   4.10 Azure          70.74%   25.18%
	// RTX-4090   US      0.4671     0.2531 IO   -                   -        72.45%
	// RTX-4090   DE      0.4905     0.2658 IO   -                   -        71.07%
}
