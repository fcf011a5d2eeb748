package pricing_test

import (
	"strings"
	"testing"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

// benchRequest is the hot path's request: 8×H100-SXM for a day, reserved,
// in one region, paid in USDC.
func benchRequest() pricing.Request {
	return pricing.Request{
		Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 8, Locations: []iog.Location{{Country: "US"}}, Bandwidth: iog.HighBandwidth},
		Hours:        24, Commitment: pricing.Reserved, Currency: iog.USDC,
	}
}

// BenchmarkQuoteInto is one quote reusing its Quote: the hot path.
func BenchmarkQuoteInto(b *testing.B) {
	m := newModel(b)
	req := benchRequest()
	var q pricing.Quote
	b.ReportAllocs()
	for b.Loop() {
		if err := m.QuoteInto(&q, req, noon); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteIntoParallel is the hot path on every core at once; its
// ns/op is wall time per quote across all of them, so quotes per second
// are 1e9 / ns/op.
func BenchmarkQuoteIntoParallel(b *testing.B) {
	m := newModel(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := benchRequest()
		var q pricing.Quote
		for pb.Next() {
			if err := m.QuoteInto(&q, req, noon); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkQuote is PriceModel.Quote, which returns a fresh Quote.
func BenchmarkQuote(b *testing.B) {
	m := newModel(b)
	req := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Quote(req, noon); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteFamilyThreeRegions quotes the H100 family (two models) in
// three regions: six candidates priced, the cheapest priced again.
func BenchmarkQuoteFamilyThreeRegions(b *testing.B) {
	m := newModel(b)
	req := benchRequest()
	req.GPUModel = "H100"
	req.Locations = []iog.Location{{Country: "US"}, {Country: "DE"}, {Country: "SG"}}
	var q pricing.Quote
	b.ReportAllocs()
	for b.Loop() {
		if err := m.QuoteInto(&q, req, noon); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFees is the fee schedule alone on a USDC price.
func BenchmarkFees(b *testing.B) {
	s := pricing.DefaultFees()
	price := iog.MustParseAmount("478.456789 USDC")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Apply(price, iog.USDC); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRequest decodes and validates one JSON request.
func BenchmarkDecodeRequest(b *testing.B) {
	const body = `{"gpu_model": "H100-SXM", "gpu_count": 8, "hours": 24, "locations": ["US/Virginia"], "bandwidth": "high", "commitment": "reserved", "currency": "USDC"}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pricing.DecodeRequest(strings.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
