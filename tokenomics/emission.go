package tokenomics

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// EmissionSchedule says how many tokens each epoch mints. Epochs count from
// 1; epoch 0 is the moment before the first emission. Implementations are
// immutable values, safe for concurrent use, and never emit past their
// final supply: Supply(e) never exceeds Supply(Epochs()).
type EmissionSchedule interface {
	// Emission returns what epoch mints: 0 for epoch 0 and for every epoch
	// past Epochs().
	Emission(epoch uint64) iog.Amount
	// Epochs returns the number of emitting epochs.
	Epochs() uint64
	// EpochLength returns how long one epoch lasts.
	EpochLength() time.Duration
	// Supply returns the total supply once epoch has emitted, the initial
	// supply included: Supply(0) is the initial supply, and Supply(e) is
	// Supply(Epochs()) for every e past the last epoch. It runs in O(1) or
	// O(log n).
	Supply(epoch uint64) iog.Amount
}

// Emitted returns what s mints over the epochs from through to, both
// included: Supply(to) − Supply(from−1). An empty range (to < from) is 0.
func Emitted(s EmissionSchedule, from, to uint64) iog.Amount {
	from = max(from, 1)
	end := s.Supply(to)
	if to < from {
		return iog.Zero(end.Currency())
	}
	start := s.Supply(from - 1)
	return iog.NewAmount(end.Units()-start.Units(), end.Currency())
}

// CompletedEpochs returns how many of s's epochs have ended at t when the
// first began at genesis: 0 before genesis + EpochLength, n from the end
// of epoch n to the end of epoch n+1. It is not capped at Epochs(), so
// s.Supply(CompletedEpochs(s, genesis, t)) is the supply at t.
func CompletedEpochs(s EmissionSchedule, genesis, t time.Time) uint64 {
	if !t.After(genesis) || s.EpochLength() <= 0 {
		return 0
	}
	return uint64(t.Sub(genesis) / s.EpochLength())
}

// prefixSchedule is an EmissionSchedule backed by a table of cumulative
// emission: cum[e] is what epochs 1..e emit together, so every lookup is
// O(1). Geometric schedules use it.
type prefixSchedule struct {
	initial iog.Amount
	length  time.Duration
	cum     []int64 // len = epochs+1, cum[0] = 0
}

func (p *prefixSchedule) Epochs() uint64             { return uint64(len(p.cum) - 1) }
func (p *prefixSchedule) EpochLength() time.Duration { return p.length }

func (p *prefixSchedule) Emission(epoch uint64) iog.Amount {
	if epoch == 0 || epoch > p.Epochs() {
		return iog.Zero(p.initial.Currency())
	}
	return iog.NewAmount(p.cum[epoch]-p.cum[epoch-1], p.initial.Currency())
}

func (p *prefixSchedule) Supply(epoch uint64) iog.Amount {
	epoch = min(epoch, p.Epochs())
	return iog.NewAmount(p.initial.Units()+p.cum[epoch], p.initial.Currency())
}

// checkScheduleBase validates what every schedule has: an initial supply,
// a currency and an epoch length.
func checkScheduleBase(what string, initial iog.Amount, length time.Duration) error {
	if err := initial.CheckNonNegative(what + " initial supply"); err != nil {
		return err
	}
	if length <= 0 {
		return fmt.Errorf("%s: epoch length %v must be positive: %w", what, length, iog.ErrInvalid)
	}
	return nil
}
