package tokenomics

import (
	"fmt"

	"github.com/internetofgpus/iog"
)

// Multipliers is a table of earning multipliers keyed by GPU model name
// (iog.GPUModel.Name): how much a GPU of each model earns, and must stake,
// relative to a baseline GPU. It is data: replace it, or change a copy of
// DefaultMultipliers, to follow a new published table.
type Multipliers map[string]iog.Rate

// defaultMultipliers is the default table with each figure's source: a
// model with no anchor carries io.net's documented multiplier; every
// other figure is an assumption of this project, scaled from the
// published model named as its anchor (see MultiplierSource).
var defaultMultipliers = []struct {
	model, multiplier, anchor string
}{
	// io.net's documentation.
	{"B200", "30", ""},
	{"H200", "12", ""},
	{"H100-SXM", "10", ""},
	{"A100-80GB", "5", ""},
	{"L40S", "3", ""},
	{"RTX-4090", "1.25", ""},
	{"M4-Max", "1.5", ""},
	// Assumptions of this project, scaled from the anchor.
	{"H100-PCIe", "7.65", "H100-SXM"},
	{"A100-40GB", "5", "A100-80GB"},
	{"MI300X", "13.2", "H100-SXM"},
	{"MI250X", "3.15", "L40S"},
	{"L40", "2.9", "A100-80GB"},
	{"RTX-6000-Ada", "3", "L40S"},
	{"A40", "2.4", "A100-80GB"},
	{"RTX-A6000", "2.5", "A100-80GB"},
	{"A10", "2", "A100-80GB"},
	{"V100-32GB", "2", "A100-80GB"},
	{"V100-16GB", "2", "A100-80GB"},
	{"L4", "1.95", "A100-80GB"},
	{"RTX-A5000", "1.8", "A100-80GB"},
	{"RTX-A4000", "1.25", "A100-80GB"},
	{"T4", "1.05", "A100-80GB"},
	{"P100", "0.3", "A100-80GB"},
	{"RTX-5090", "1.6", "RTX-4090"},
	{"RTX-4080", "0.75", "RTX-4090"},
	{"RTX-4070-Ti", "0.6", "RTX-4090"},
	{"RTX-3090-Ti", "0.6", "RTX-4090"},
	{"RTX-3090", "0.55", "RTX-4090"},
	{"RTX-3080-Ti", "0.5", "RTX-4090"},
	{"RTX-4070", "0.45", "RTX-4090"},
	{"RTX-3080", "0.45", "RTX-4090"},
	{"RTX-4060-Ti", "0.35", "RTX-4090"},
	{"RTX-3070", "0.3", "RTX-4090"},
	{"RTX-3060", "0.2", "RTX-4090"},
	{"M3-Ultra", "2.65", "M4-Max"},
	{"M4-Pro", "0.75", "M4-Max"},
}

// one is the rate 1: a whole allocation, a baseline multiplier.
var one = mustRate("1")

func mustRate(s string) iog.Rate {
	r, err := iog.ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// DefaultMultipliers returns a copy of the default table, one entry for
// every model of the iog catalog. B200 30, H200 12, H100-SXM 10,
// A100-80GB 5, L40S 3, RTX-4090 1.25 and M4-Max 1.5 are io.net's
// documentation's figures; every other model's is an assumption of this
// project, scaled from one of those (MultiplierSources says which, and
// how).
func DefaultMultipliers() Multipliers {
	m := make(Multipliers, len(defaultMultipliers))
	for _, e := range defaultMultipliers {
		m[e.model] = mustRate(e.multiplier)
	}
	return m
}

// MultiplierSource is where a default multiplier comes from: io.net's
// documentation, which gives multipliers for a few models only, or an
// assumption of this project for the rest.
//
// An assumed multiplier follows one rule: it is its Anchor's published
// multiplier scaled by the ratio of the two models' dense FP16
// throughput (iog.GPUModel.FP16GFLOPS), rounded to the nearest 0.05. The
// anchor is the published model of the same family if there is one
// (H100-PCIe from H100-SXM), and otherwise the published model nearest
// in FP16 throughput among those of the same kind, Apple's chips, other
// enterprise cards (datacenter and workstation) or other consumer cards,
// the lower multiplier on a tie. A test re-derives every assumed figure by this rule.
type MultiplierSource struct {
	// Published reports a figure of io.net's documentation.
	Published bool
	// Anchor is the published model an assumed figure is scaled from;
	// empty for a published one.
	Anchor string
}

// String names the source as the list of the project's rules does.
func (s MultiplierSource) String() string {
	if s.Published {
		return "io.net's documentation"
	}
	return fmt.Sprintf("an assumption of this project: %s's multiplier scaled by dense FP16 throughput, to the nearest 0.05", s.Anchor)
}

// MultiplierSources returns the source of every default multiplier, by
// model name.
func MultiplierSources() map[string]MultiplierSource {
	out := make(map[string]MultiplierSource, len(defaultMultipliers))
	for _, e := range defaultMultipliers {
		out[e.model] = MultiplierSource{Published: e.anchor == "", Anchor: e.anchor}
	}
	return out
}

// Of returns the multiplier of a GPU model, looked up by its exact name
// and, failing that, by the catalog's canonical name for it (so "H100 SXM5
// 80GB" finds "H100-SXM"). An unknown model is ErrNotFound.
func (m Multipliers) Of(model string) (iog.Rate, error) {
	if r, ok := m[model]; ok {
		return r, nil
	}
	if gm, ok := iog.LookupGPUModel(model); ok {
		if r, ok := m[gm.Name]; ok {
			return r, nil
		}
	}
	return iog.Rate{}, fmt.Errorf("earning multiplier of GPU model %q: not in the table: %w", model, iog.ErrNotFound)
}

// StakePerGPU is the stake a GPU of multiplier 1 or less needs: 200 IO,
// io.net's documentation's figure.
var StakePerGPU = iog.MustParseAmount("200 IO")

// RequiredStake returns the stake a device needs: StakePerGPU × max(1, the
// multiplier of its GPU model) × its number of GPUs, rounded up to a base
// unit, io.net's documentation's rule. Eight H100-SXM (multiplier 10)
// need 16,000 IO, the documentation's example; four RTX-4070 (0.45) need
// 800 IO. The minimum is all a device needs: stake above it earns
// nothing more (see RewardConfig.StakePerUnit). An unknown model is ErrNotFound; a GPU count below 1 is
// ErrInvalid.
func RequiredStake(m Multipliers, model string, gpus int) (iog.Amount, error) {
	if gpus < 1 {
		return iog.Amount{}, fmt.Errorf("required stake for %d × %s: a device has at least one GPU: %w", gpus, model, iog.ErrInvalid)
	}
	mult, err := m.Of(model)
	if err != nil {
		return iog.Amount{}, fmt.Errorf("required stake: %w", err)
	}
	if mult.Cmp(one) < 0 {
		mult = one
	}
	perGPU, err := StakePerGPU.MulRate(mult, iog.RoundUp)
	if err != nil {
		return iog.Amount{}, fmt.Errorf("required stake for %d × %s: %w", gpus, model, err)
	}
	total, err := perGPU.Mul(int64(gpus))
	if err != nil {
		return iog.Amount{}, fmt.Errorf("required stake for %d × %s: %w", gpus, model, err)
	}
	return total, nil
}
