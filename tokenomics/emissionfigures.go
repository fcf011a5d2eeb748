package tokenomics

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// Published is a figure as a publication states it, with the publication:
// "io.net's documentation", "the 2024 launch articles" or "an assumption
// of this project".
type Published[T comparable] struct {
	Value  T
	Source string
}

// set reports whether the figure was given: a zero Value is not checked.
func (p Published[T]) set() bool {
	var zero T
	return p.Value != zero
}

// EmissionFigures are the figures published for an emission schedule,
// each with its source, for CompareEmission to hold a schedule against.
// A figure left zero is not checked. IONetPublished holds io.net's.
type EmissionFigures struct {
	// Genesis is the supply before the first epoch, Total what all the
	// epochs emit, Cap the supply after the last.
	Genesis, Total, Cap Published[iog.Amount]
	// StartRate is the annualised rate of the first epoch (see
	// AnnualisedRate).
	StartRate Published[iog.Rate]
	// MonthlyFall is how much the emission falls over a Month, compounded
	// epoch by epoch as the schedule falls.
	MonthlyFall Published[iog.Rate]
	// Month is the span MonthlyFall is measured over, a whole number of
	// epochs.
	Month time.Duration
	// YearlyFall is how much the emission falls over a RateYear.
	YearlyFall Published[iog.Rate]
	// EndRate is the annualised rate of the last epoch.
	EndRate Published[iog.Rate]
	// Epochs is the number of emitting epochs.
	Epochs Published[uint64]
}

// FigureCheck is one published figure held against a schedule.
type FigureCheck struct {
	// Figure names what is compared, as in "monthly fall per 730 h".
	Figure string
	// Source is the publication the figure comes from.
	Source string
	// Published is the figure as published, Schedule the schedule's own,
	// written to the published precision or finer.
	Published, Schedule string
	// Holds reports whether the schedule reproduces the figure to the
	// precision it is published with.
	Holds bool
	// Departure says by how much the schedule departs from the figure, as
	// in "0.0064 percentage points less"; it is empty when Holds.
	Departure string
}

// schedulePlaces is the number of percentage decimals a schedule's rates
// are written with in a FigureCheck.
const schedulePlaces = 4

// CompareEmission holds s against the published figures f, one
// FigureCheck per figure given, in the order of EmissionFigures' fields.
// The falls are measured from epoch 1; the yearly fall is given twice,
// compounded (the schedule's fall over a RateYear) and not (the fall of
// its first epoch times the epochs of a RateYear), which is how a yearly
// figure is read off an hourly decay without compounding it. A schedule
// without a genesis supply or an epoch length, a Month that is not a
// whole number of epochs, or a schedule too short to fall over a Month or
// a RateYear, is ErrInvalid.
func CompareEmission(s EmissionSchedule, f EmissionFigures) ([]FigureCheck, error) {
	const what = "compare emission"
	if err := checkRateBasis(what, s); err != nil {
		return nil, err
	}
	var checks []FigureCheck
	amount := func(figure string, p Published[iog.Amount], got iog.Amount) error {
		if !p.set() {
			return nil
		}
		diff, err := got.Sub(p.Value)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", what, figure, err)
		}
		c := FigureCheck{Figure: figure, Source: p.Source, Published: p.Value.String(), Schedule: got.String(), Holds: diff.IsZero()}
		if !c.Holds {
			abs := diff
			if diff.Sign() < 0 {
				if abs, err = diff.Neg(); err != nil {
					return fmt.Errorf("%s: %s: %w", what, figure, err)
				}
			}
			c.Departure = abs.String() + moreOrLess(diff.Sign(), " more", " less")
		}
		checks = append(checks, c)
		return nil
	}
	rate := func(figure string, p Published[iog.Rate], got *big.Rat) {
		if !p.set() {
			return
		}
		want := ratOf(p.Value)
		places := publishedPlaces(p.Value)
		c := FigureCheck{
			Figure:    figure,
			Source:    p.Source,
			Published: percentOf(want, places),
			Schedule:  percentOf(got, max(places, schedulePlaces)),
			Holds:     percentOf(got, places) == percentOf(want, places),
		}
		if !c.Holds {
			diff := new(big.Rat).Sub(got, want)
			c.Departure = strings.TrimSuffix(percentOf(new(big.Rat).Abs(diff), schedulePlaces), "%") +
				" percentage points" + moreOrLess(diff.Sign(), " more", " less")
		}
		checks = append(checks, c)
	}
	genesis, final := s.Supply(0), s.Supply(s.Epochs())
	if err := amount("genesis supply", f.Genesis, genesis); err != nil {
		return nil, err
	}
	if err := amount("total emitted", f.Total, iog.NewAmount(final.Units()-genesis.Units(), final.Currency())); err != nil {
		return nil, err
	}
	if err := amount("supply cap", f.Cap, final); err != nil {
		return nil, err
	}
	if f.StartRate.set() {
		r, err := AnnualisedRate(s, 1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		rate("annualised rate of the first epoch", f.StartRate, ratOf(r))
	}
	if f.MonthlyFall.set() {
		span, err := epochsIn(what, f.Month, s)
		if err != nil {
			return nil, err
		}
		fall, err := EmissionFall(s, 1, span)
		if err != nil {
			return nil, fmt.Errorf("%s: monthly fall: %w", what, err)
		}
		rate("monthly fall per "+hours(f.Month), f.MonthlyFall, ratOf(fall))
	}
	if f.YearlyFall.set() {
		span, err := epochsIn(what, RateYear, s)
		if err != nil {
			return nil, err
		}
		fall, err := EmissionFall(s, 1, span)
		if err != nil {
			return nil, fmt.Errorf("%s: yearly fall: %w", what, err)
		}
		rate("yearly fall per "+hours(RateYear), f.YearlyFall, ratOf(fall))
		one, err := EmissionFall(s, 1, 1)
		if err != nil {
			return nil, fmt.Errorf("%s: yearly fall: %w", what, err)
		}
		uncompounded := new(big.Rat).Mul(ratOf(one), new(big.Rat).SetUint64(span))
		rate("yearly fall uncompounded, one epoch's fall × "+group(span), f.YearlyFall, uncompounded)
	}
	if f.EndRate.set() {
		r, err := AnnualisedRate(s, s.Epochs())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		rate("annualised rate of the last epoch", f.EndRate, ratOf(r))
	}
	if f.Epochs.set() {
		got, want := s.Epochs(), f.Epochs.Value
		c := FigureCheck{Figure: "emitting epochs", Source: f.Epochs.Source, Published: group(want), Schedule: group(got), Holds: got == want}
		switch {
		case got > want:
			c.Departure = group(got-want) + " more"
		case got < want:
			c.Departure = group(want-got) + " fewer"
		}
		checks = append(checks, c)
	}
	return checks, nil
}

// epochsIn returns how many of s's epochs span lasts, or ErrInvalid when
// it is not a positive whole number of them or s ends before a fall over
// it from epoch 1 can be measured.
func epochsIn(what string, span time.Duration, s EmissionSchedule) (uint64, error) {
	length := s.EpochLength()
	if span <= 0 || span%length != 0 {
		return 0, fmt.Errorf("%s: %v is not a whole number of %v epochs: %w", what, span, length, iog.ErrInvalid)
	}
	n := uint64(span / length)
	if n >= s.Epochs() {
		return 0, fmt.Errorf("%s: %d epochs end before a fall over %v (%d epochs) can be measured: %w", what, s.Epochs(), span, n, iog.ErrInvalid)
	}
	return n, nil
}

// publishedPlaces returns the percentage decimals r is written with
// exactly (0 for 8%, 3 for 1.015%), schedulePlaces when no 12 do.
func publishedPlaces(r iog.Rate) int {
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(2), nil)
	den := new(big.Int).SetUint64(r.Den())
	for places := 0; places <= 12; places++ {
		if new(big.Int).Mod(pow, den).Sign() == 0 {
			return places
		}
		pow.Mul(pow, big.NewInt(10))
	}
	return schedulePlaces
}

// moreOrLess returns more for a positive sign and less otherwise.
func moreOrLess(sign int, more, less string) string {
	if sign > 0 {
		return more
	}
	return less
}

// hours writes d in hours with thousands grouped, "8,760 h", or as
// time.Duration writes it when it is not a whole number of hours.
func hours(d time.Duration) string {
	if d%time.Hour != 0 {
		return d.String()
	}
	return group(uint64(d/time.Hour)) + " h"
}

// group writes n with its thousands separated by commas: 175,320.
func group(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
