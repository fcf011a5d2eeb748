package pricing

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// Factor is one step of the default Model's price: it takes the hourly
// price per GPU, in USD, as the factors before it left it, and returns an
// Adjustment whose After is the price it leaves. The first factor (the
// hardware's) sets the price from nothing.
//
// Each factor of the default model is a small type of its own, with its
// data in exported fields, so that a server can replace one (another
// reference table, another demand curve) without touching the rest.
// A factor's fields must not change once a Model uses it: build a new
// factor and a new Model instead.
//
// Apply must not change in nor keep it after returning (the model reuses
// its storage), must be safe for concurrent use, and must return an error
// wrapping iog.ErrInvalid or iog.ErrOverflow rather than panic on any
// input.
type Factor interface {
	Apply(in *Input, hourly iog.Amount) (Adjustment, error)
}

// Input is what a factor sees of the quote it takes part in.
type Input struct {
	// Request is the request being quoted; it has been validated.
	Request *Request
	// Model is the catalog model priced; its Name is "" for a GPU priced
	// from its benchmark score.
	Model iog.GPUModel
	// Score is the priced GPU's performance: the catalog's figures for a
	// catalog model, the request's for a scored one.
	Score Score
	// Class is the priced GPU's class (AnyGPUClass for a scored GPU the
	// request did not class).
	Class iog.GPUClass
	// Location is the place being priced, one of the request's (or the
	// zero Location, anywhere).
	Location iog.Location
	// Market is the market state of the quote.
	Market *MarketState
	// At is the moment of the quote.
	At time.Time
}

// ppmScale is one whole in parts per million.
const ppmScale = 1_000_000

// scaleBy returns the adjustment that multiplies hourly by num/den, with
// the given explanation.
func scaleBy(factor, reason string, value int64, unit Unit, hourly iog.Amount, num, den uint64) (Adjustment, error) {
	r, err := iog.NewRate(num, den)
	if err != nil {
		return Adjustment{}, fmt.Errorf("%s factor: %w", factor, err)
	}
	return scaleByRate(factor, reason, value, unit, hourly, r)
}

// scaleByRate is scaleBy with the multiplier given as a Rate.
func scaleByRate(factor, reason string, value int64, unit Unit, hourly iog.Amount, r iog.Rate) (Adjustment, error) {
	after, err := hourly.MulRate(r, iog.RoundHalfEven)
	if err != nil {
		return Adjustment{}, fmt.Errorf("%s factor: %w", factor, err)
	}
	return Adjustment{Factor: factor, Reason: reason, Value: value, Unit: unit, Before: hourly, After: after}, nil
}
