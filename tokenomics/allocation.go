package tokenomics

import (
	"fmt"
	"math/big"
	"time"

	"github.com/internetofgpus/iog"
)

// Vesting says when an allocation unlocks: TGE of it at launch, AtCliff
// of it when the cliff ends CliffMonths calendar months later, and the
// rest in equal monthly parts over the Months months after the cliff.
type Vesting struct {
	TGE         iog.Rate
	CliffMonths int
	AtCliff     iog.Rate
	Months      int
}

// Allocation is one slice of the token supply and its vesting.
type Allocation struct {
	Name string
	// Share is the allocation's part of the total supply.
	Share   iog.Rate
	Vesting Vesting
}

// Allocations is a token allocation: slices whose shares add up to one,
// of a total supply, from a launch date (the token generation event).
type Allocations struct {
	Total  iog.Amount
	Launch time.Time
	Slices []Allocation
}

// IONetAllocations returns io.net's allocation of the 800,000,000 IO cap:
// community 50%, R&D and ecosystem 16%, core contributors 11.3%, seed
// investors 12.5% and series A investors 10.2%, from a launch on 11 June
// 2024. The shares are io.net's; the vesting terms are illustrative (a
// 12-month cliff for contributors and investors with a third unlocking at
// the cliff and the rest over 24 months; R&D unlocking over four years;
// the community slice as the 20-year emission unlocks it, approximated
// monthly), so treat them as data to replace.
func IONetAllocations() Allocations {
	return Allocations{
		Total:  IONetMaxSupply,
		Launch: time.Date(2024, 6, 11, 0, 0, 0, 0, time.UTC),
		Slices: []Allocation{
			{Name: "community", Share: mustRate("50%"), Vesting: Vesting{TGE: mustRate("25%"), Months: 240}},
			{Name: "R&D and ecosystem", Share: mustRate("16%"), Vesting: Vesting{TGE: mustRate("10%"), Months: 48}},
			{Name: "core contributors", Share: mustRate("11.3%"), Vesting: Vesting{CliffMonths: 12, AtCliff: mustRate("1/3"), Months: 24}},
			{Name: "seed investors", Share: mustRate("12.5%"), Vesting: Vesting{CliffMonths: 12, AtCliff: mustRate("1/3"), Months: 24}},
			{Name: "series A investors", Share: mustRate("10.2%"), Vesting: Vesting{CliffMonths: 12, AtCliff: mustRate("1/3"), Months: 24}},
		},
	}
}

// Validate checks that the shares add up to exactly one and every
// vesting makes sense (TGE + AtCliff at most one, no negative months,
// something left to vest only with months to vest it in). Problems are
// ErrInvalid.
func (a Allocations) Validate() error {
	if err := checkPositive("allocation total", a.Total, a.Total.Currency()); err != nil {
		return err
	}
	if len(a.Slices) == 0 {
		return fmt.Errorf("allocation: no slices: %w", iog.ErrInvalid)
	}
	sum := iog.Rate{}
	for _, s := range a.Slices {
		v := s.Vesting
		upfront, err := addRates(v.TGE, v.AtCliff)
		if err != nil {
			return fmt.Errorf("allocation %q: %w", s.Name, err)
		}
		switch {
		case s.Name == "":
			return fmt.Errorf("allocation: a slice has no name: %w", iog.ErrInvalid)
		case v.CliffMonths < 0 || v.Months < 0:
			return fmt.Errorf("allocation %q: negative months: %w", s.Name, iog.ErrInvalid)
		case upfront.Cmp(one) > 0:
			return fmt.Errorf("allocation %q: TGE and cliff unlocks add up to more than all of it: %w", s.Name, iog.ErrInvalid)
		case upfront.Cmp(one) < 0 && v.Months == 0:
			return fmt.Errorf("allocation %q: %v is left to vest but over no months: %w", s.Name, upfront, iog.ErrInvalid)
		}
		if sum, err = addRates(sum, s.Share); err != nil {
			return fmt.Errorf("allocation %q: %w", s.Name, err)
		}
	}
	if sum != one {
		return fmt.Errorf("allocation: shares add up to %v, not 1: %w", sum, iog.ErrInvalid)
	}
	return nil
}

// addRates returns a+b exactly, or ErrOverflow when it has no uint64
// fraction.
func addRates(a, b iog.Rate) (iog.Rate, error) {
	sum := new(big.Rat).Add(ratOf(a), ratOf(b))
	if !sum.Num().IsUint64() || !sum.Denom().IsUint64() {
		return iog.Rate{}, fmt.Errorf("adding rates %v and %v: %w", a, b, iog.ErrOverflow)
	}
	return iog.NewRate(sum.Num().Uint64(), sum.Denom().Uint64())
}

func ratOf(r iog.Rate) *big.Rat {
	return new(big.Rat).SetFrac(new(big.Int).SetUint64(r.Num()), new(big.Int).SetUint64(r.Den()))
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Amounts returns each slice's amount: the total split by share with
// iog.Amount.Split, so the slices add up to the total exactly.
func (a Allocations) Amounts() ([]iog.Amount, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	// Shares over a common denominator, as split weights.
	den := uint64(1)
	for _, s := range a.Slices {
		g := gcd(den, s.Share.Den())
		if den/g > (1<<63)/s.Share.Den() {
			return nil, fmt.Errorf("allocation: shares too fine to split exactly: %w", iog.ErrOverflow)
		}
		den = den / g * s.Share.Den()
	}
	weights := make([]uint64, len(a.Slices))
	for i, s := range a.Slices {
		weights[i] = s.Share.Num() * (den / s.Share.Den())
	}
	return a.Total.Split(weights)
}

// Unlocked returns how much of each slice is unlocked at t, rounded down
// to a base unit, and never more than the slice. Months are calendar
// months from the launch (time.AddDate).
func (a Allocations) Unlocked(t time.Time) ([]iog.Amount, error) {
	amounts, err := a.Amounts()
	if err != nil {
		return nil, err
	}
	out := make([]iog.Amount, len(a.Slices))
	for i, s := range a.Slices {
		if out[i], err = s.Vesting.unlocked(amounts[i], a.Launch, t); err != nil {
			return nil, fmt.Errorf("allocation %q: %w", s.Name, err)
		}
	}
	return out, nil
}

// unlocked returns what of amount is unlocked at t under v.
func (v Vesting) unlocked(amount iog.Amount, launch, t time.Time) (iog.Amount, error) {
	if t.Before(launch) {
		return iog.Zero(amount.Currency()), nil
	}
	tge, err := amount.MulRate(v.TGE, iog.RoundDown)
	if err != nil {
		return iog.Amount{}, err
	}
	cliffEnd := launch.AddDate(0, v.CliffMonths, 0)
	if v.CliffMonths > 0 && t.Before(cliffEnd) {
		return tge, nil
	}
	atCliff, err := amount.MulRate(v.AtCliff, iog.RoundDown)
	if err != nil {
		return iog.Amount{}, err
	}
	upfront := tge.Units() + atCliff.Units()
	rest := amount.Units() - upfront
	months := monthsBetween(cliffEnd, t)
	if v.Months == 0 || months >= v.Months {
		return amount, nil
	}
	r, err := iog.NewRate(uint64(months), uint64(v.Months))
	if err != nil {
		return iog.Amount{}, err
	}
	vested, err := iog.NewAmount(rest, amount.Currency()).MulRate(r, iog.RoundDown)
	if err != nil {
		return iog.Amount{}, err
	}
	return iog.NewAmount(upfront+vested.Units(), amount.Currency()), nil
}

// monthsBetween returns the number of whole calendar months from a to b.
func monthsBetween(a, b time.Time) int {
	m := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	if m > 0 && a.AddDate(0, m, 0).After(b) {
		m--
	}
	return max(m, 0)
}
