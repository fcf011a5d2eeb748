package tokenomics

import (
	"fmt"
	"maps"

	"github.com/internetofgpus/iog"
)

// Multipliers is a table of earning multipliers keyed by GPU model name
// (iog.GPUModel.Name): how much a GPU of each model earns, and must stake,
// relative to a baseline GPU. It is data: replace it, or change a copy of
// DefaultMultipliers, to follow a new published table.
type Multipliers map[string]iog.Rate

// defaultMultipliers: H100-SXM 10 and RTX-4070 0.25 are io.net's published
// figures; the others are illustrative, scaled by each model's dense FP16
// throughput and memory relative to those two.
var defaultMultipliers = Multipliers{
	"B200":         mustRate("16"),
	"H200":         mustRate("12"),
	"H100-SXM":     mustRate("10"),
	"H100-PCIe":    mustRate("8"),
	"A100-80GB":    mustRate("6"),
	"A100-40GB":    mustRate("5"),
	"MI300X":       mustRate("10"),
	"MI250X":       mustRate("4"),
	"L40S":         mustRate("4"),
	"L40":          mustRate("3.5"),
	"RTX-6000-Ada": mustRate("3"),
	"A40":          mustRate("2.5"),
	"RTX-A6000":    mustRate("2"),
	"RTX-5090":     mustRate("2"),
	"RTX-4090":     mustRate("1.5"),
	"A10":          mustRate("1.5"),
	"V100-32GB":    mustRate("1.5"),
	"V100-16GB":    mustRate("1.25"),
	"L4":           mustRate("1"),
	"RTX-A5000":    mustRate("1"),
	"RTX-4080":     mustRate("0.75"),
	"RTX-A4000":    mustRate("0.75"),
	"RTX-3090-Ti":  mustRate("0.6"),
	"RTX-3090":     mustRate("0.5"),
	"T4":           mustRate("0.5"),
	"P100":         mustRate("0.5"),
	"RTX-4070-Ti":  mustRate("0.4"),
	"RTX-3080-Ti":  mustRate("0.4"),
	"RTX-3080":     mustRate("0.35"),
	"RTX-4070":     mustRate("0.25"),
	"RTX-3070":     mustRate("0.25"),
	"RTX-4060-Ti":  mustRate("0.2"),
	"RTX-3060":     mustRate("0.15"),
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
// every model of the iog catalog. H100-SXM (10) and RTX-4070 (0.25) are
// io.net's figures; the rest are illustrative, in proportion to each
// model's published throughput and memory.
func DefaultMultipliers() Multipliers { return maps.Clone(defaultMultipliers) }

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

// StakePerGPU is the stake a GPU of multiplier 1 or less needs: 200 IO.
var StakePerGPU = iog.MustParseAmount("200 IO")

// RequiredStake returns the stake a device needs: StakePerGPU × max(1, the
// multiplier of its GPU model) × its number of GPUs, rounded up to a base
// unit. Eight H100-SXM (multiplier 10) need 16,000 IO; four RTX-4070 (0.25)
// need 800 IO. An unknown model is ErrNotFound; a GPU count below 1 is
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
