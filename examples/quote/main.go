// Command quote prices 8×H100 for 24 hours in two regions, paid in IO and
// in USDC, and shows the fee lines and the saving against the big clouds'
// on-demand price for the same GPUs. The cloud prices are the package's
// approximate reference table (pricing/reference.csv), dated and written
// from memory: the saving shows the comparison, not today's market.
//
//	go run ./examples/quote
//	go run ./examples/quote -io-usd 2.10 -util US=0.95,SE=0.40 -at 2026-11-23T20:00:00Z
//
// The market state (IO price, utilization) is what the reference server
// observes; here it comes from flags. The quote time defaults to a fixed
// moment so that the output is reproducible; -at now uses the clock.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

func main() {
	ioUSD := flag.String("io-usd", "1.85", "price of one IO in USD")
	util := flag.String("util", "US=0.90,SE=0.55", "utilization of datacenter GPUs by country, as COUNTRY=fraction pairs")
	regions := flag.String("regions", "US/Virginia,SE/Stockholm", "the two (or more) regions to quote, as country/region")
	at := flag.String("at", "2026-11-22T14:00:00Z", "quote time, RFC 3339, or now")
	flag.Parse()
	if err := run(*ioUSD, *util, *regions, *at); err != nil {
		fmt.Fprintln(os.Stderr, "quote:", err)
		os.Exit(1)
	}
}

func run(ioUSDText, utilText, regionsText, atText string) error {
	when := iog.SystemClock.Now()
	if atText != "now" {
		var err error
		if when, err = time.Parse(time.RFC3339, atText); err != nil {
			return fmt.Errorf("-at %q: want RFC 3339, as in 2026-11-22T14:00:00Z, or now", atText)
		}
	}
	market, err := marketState(ioUSDText, utilText, when)
	if err != nil {
		return err
	}
	model, err := pricing.NewModel(pricing.Config{})
	if err != nil {
		return err
	}
	if err := model.SetMarket(market); err != nil {
		return err
	}

	fmt.Printf("8×H100-SXM for 24 h, reserved, high bandwidth, quoted at %s (IO at %s USD)\n\n", when.UTC().Format(time.RFC3339), market.IOPriceUSD)
	for region := range strings.SplitSeq(regionsText, ",") {
		loc, err := iog.ParseLocation(region)
		if err != nil {
			return err
		}
		for _, currency := range []iog.Currency{iog.IO, iog.USDC} {
			q, err := model.Quote(pricing.Request{
				Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 8, Bandwidth: iog.HighBandwidth, Locations: []iog.Location{loc}},
				Hours:        24, Commitment: pricing.Reserved, Currency: currency,
			}, when)
			if err != nil {
				return err
			}
			if err := show(q); err != nil {
				return err
			}
		}
	}
	return nil
}

// inUSD values a payment in USD: IO at the quote's price, USDC and IOSD
// one for one.
func inUSD(a iog.Amount, ioPriceUSD iog.Rate) (iog.Amount, error) {
	price := iog.BasisPoints(10_000)
	if a.Currency() == iog.IO {
		price = ioPriceUSD
	}
	return a.Convert(iog.USD, price, iog.RoundHalfEven)
}

// marketState builds the market from the flags.
func marketState(ioUSDText, utilText string, when time.Time) (pricing.MarketState, error) {
	price, err := iog.ParseRate(ioUSDText)
	if err != nil {
		return pricing.MarketState{}, fmt.Errorf("-io-usd: %w", err)
	}
	s := pricing.MarketState{AsOf: when, IOPriceUSD: price, Utilization: map[pricing.MarketKey]uint32{}}
	for pair := range strings.SplitSeq(utilText, ",") {
		country, fraction, ok := strings.Cut(pair, "=")
		share, err := iog.ParseRate(fraction)
		if !ok || err != nil || share.Cmp(iog.BasisPoints(10_000)) > 0 {
			return pricing.MarketState{}, fmt.Errorf("-util %q: want COUNTRY=fraction pairs, as in US=0.9", pair)
		}
		ppm, err := iog.NewAmount(1_000_000, iog.USD).MulRate(share, iog.RoundHalfEven)
		if err != nil {
			return pricing.MarketState{}, err
		}
		s.Utilization[pricing.MarketKey{Class: iog.DatacenterGPU, Country: strings.ToUpper(country)}] = uint32(ppm.Units())
	}
	return s, s.Validate()
}

// show prints one quote: price, fee lines, and the saving of what the
// renter pays, fees included, against the cheapest cloud price.
func show(q pricing.Quote) error {
	fmt.Printf("%s, paid in %v\n", q.Location, q.Currency)
	fmt.Printf("  price         %s USD per GPU-hour, %s USD in all\n",
		q.HourlyPerGPU.RoundedDecimal(4, iog.RoundHalfUp), q.Total.RoundedDecimal(2, iog.RoundHalfUp))
	for _, a := range q.Moved() {
		fmt.Printf("    %s\n", a)
	}
	fmt.Printf("  rental        %v\n", q.Fees.Price)
	for _, l := range q.Fees.Lines() {
		if !l.Amount.IsZero() {
			fmt.Printf("  %-24s %v (%v)\n", l.Kind, l.Amount, l.Rate)
		}
	}
	fmt.Printf("  renter pays   %v\n  supplier gets %v\n", q.Fees.RenterPays, q.Fees.SupplierReceives)
	if q.Reference.Provider == "" {
		fmt.Println("  (no cloud reference price for this GPU)")
		fmt.Println()
		return nil
	}
	cloud, err := q.Reference.HourlyPerGPU.Mul(int64(q.GPUCount * q.Hours))
	if err != nil {
		return err
	}
	paidUSD, err := inUSD(q.Fees.RenterPays, q.IOPriceUSD)
	if err != nil {
		return err
	}
	saved, err := cloud.Sub(paidUSD)
	if err != nil {
		return err
	}
	change, err := pricing.ChangeOf(cloud, paidUSD)
	if err != nil {
		return err
	}
	fmt.Printf("  %s on demand: %s USD (%s USD per GPU-hour, %s, approximate list price as of %s)\n",
		q.Reference.Provider, cloud.RoundedDecimal(2, iog.RoundHalfUp), q.Reference.HourlyPerGPU.RoundedDecimal(2, iog.RoundHalfUp),
		q.Reference.Offering, q.Reference.AsOf.Format("2006-01-02"))
	fmt.Printf("  saving        %s USD: the renter pays %v less, fees included\n", saved.RoundedDecimal(2, iog.RoundHalfUp), -change)
	fmt.Printf("  per TFLOPS    %v cheaper (before fees) than the clouds' best deal on compute, %s %s %s at %s USD/GPU-hour\n\n",
		q.SavingPerTFLOPS, q.PerTFLOPSReference.Provider, q.PerTFLOPSReference.Model, q.PerTFLOPSReference.Offering,
		q.PerTFLOPSReference.HourlyPerGPU.RoundedDecimal(2, iog.RoundHalfUp))
	return nil
}
