package tokenomics

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/internetofgpus/iog"
)

// Step is a stretch of a stepped schedule: Total spread evenly over Epochs
// epochs. When Total does not divide evenly, the first Total mod Epochs
// epochs of the step emit one base unit more, so the step emits exactly
// Total.
type Step struct {
	Epochs uint64
	Total  iog.Amount
}

// stepped is an EmissionSchedule of consecutive Steps. Supply is a binary
// search over the steps, O(log steps), with no per-epoch table.
type stepped struct {
	initial iog.Amount
	length  time.Duration
	steps   []Step
	start   []uint64 // start[i]: the last epoch before step i
	cum     []int64  // cum[i]: what the steps before i emit
}

// NewStepped returns the schedule that emits each step in turn after an
// initial supply; it is how callers define their own piecewise schedules,
// and what NewHalving builds on. Every step needs at least one epoch and a
// non-negative total of the initial supply's currency. Bad steps are
// ErrInvalid; totals beyond an iog.Amount are ErrOverflow.
func NewStepped(initial iog.Amount, epochLength time.Duration, steps []Step) (EmissionSchedule, error) {
	const what = "stepped emission"
	if err := checkScheduleBase(what, initial, epochLength); err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("%s: no steps: %w", what, iog.ErrInvalid)
	}
	s := &stepped{initial: initial, length: epochLength, steps: append([]Step(nil), steps...)}
	var epochs uint64
	var total int64
	for i, st := range steps {
		if st.Epochs == 0 {
			return nil, fmt.Errorf("%s: step %d has no epochs: %w", what, i+1, iog.ErrInvalid)
		}
		if err := st.Total.CheckNonNegative(fmt.Sprintf("%s: step %d total", what, i+1)); err != nil {
			return nil, err
		}
		if st.Total.Currency() != initial.Currency() {
			return nil, fmt.Errorf("%s: step %d total %v is not in %v: %w (%w)", what, i+1, st.Total, initial.Currency(), iog.ErrCurrencyMismatch, iog.ErrInvalid)
		}
		if epochs > maxEpochs || st.Epochs > maxEpochs-epochs {
			return nil, fmt.Errorf("%s: more than %d epochs: %w", what, uint64(maxEpochs), iog.ErrInvalid)
		}
		if st.Total.Units() > math.MaxInt64-initial.Units()-total {
			return nil, fmt.Errorf("%s: the supply after step %d exceeds what an amount holds: %w", what, i+1, iog.ErrOverflow)
		}
		s.start = append(s.start, epochs)
		s.cum = append(s.cum, total)
		epochs += st.Epochs
		total += st.Total.Units()
	}
	s.start = append(s.start, epochs)
	s.cum = append(s.cum, total)
	return s, nil
}

func (s *stepped) Epochs() uint64             { return s.start[len(s.steps)] }
func (s *stepped) EpochLength() time.Duration { return s.length }

func (s *stepped) Emission(epoch uint64) iog.Amount {
	if epoch == 0 || epoch > s.Epochs() {
		return iog.Zero(s.initial.Currency())
	}
	return iog.NewAmount(s.emitted(epoch)-s.emitted(epoch-1), s.initial.Currency())
}

func (s *stepped) Supply(epoch uint64) iog.Amount {
	return iog.NewAmount(s.initial.Units()+s.emitted(epoch), s.initial.Currency())
}

// emitted returns what epochs 1..epoch emit together.
func (s *stepped) emitted(epoch uint64) int64 {
	epoch = min(epoch, s.Epochs())
	if epoch == 0 {
		return 0
	}
	// i is the step that holds epoch: the first whose last epoch reaches it.
	i := sort.Search(len(s.steps), func(i int) bool { return s.start[i+1] >= epoch })
	st := s.steps[i]
	into := epoch - s.start[i]
	q, r := uint64(st.Total.Units())/st.Epochs, uint64(st.Total.Units())%st.Epochs
	return s.cum[i] + int64(q*into+min(into, r))
}

// HalvingConfig describes a schedule whose yearly emission halves every
// few years, as Bitcoin's does: FirstYear a year for YearsPerHalving
// years, then half that, and so on, for Periods periods.
type HalvingConfig struct {
	// Initial is the supply before the first epoch.
	Initial iog.Amount
	// FirstYear is what each year of the first period emits.
	FirstYear iog.Amount
	// YearsPerHalving is how many years each rate lasts, at least 1.
	YearsPerHalving uint64
	// Periods is how many periods (halvings plus one) the schedule runs.
	Periods uint64
	// EpochsPerYear is the number of epochs in a year, such as 8,766 for
	// hourly epochs over 365.25 days.
	EpochsPerYear uint64
	// EpochLength is how long an epoch lasts.
	EpochLength time.Duration
}

// NewHalving returns the halving schedule c describes, as a stepped
// schedule with one step per year. Halving rounds down to a base unit, so
// after enough halvings a year may emit nothing. Bad configurations are
// ErrInvalid.
func NewHalving(c HalvingConfig) (EmissionSchedule, error) {
	const what = "halving emission"
	if err := checkPositive(what+" first year", c.FirstYear, c.Initial.Currency()); err != nil {
		return nil, err
	}
	if c.YearsPerHalving == 0 || c.Periods == 0 || c.EpochsPerYear == 0 {
		return nil, fmt.Errorf("%s: years per halving, periods and epochs per year must all be positive: %w", what, iog.ErrInvalid)
	}
	if c.YearsPerHalving > maxEpochs || c.Periods > maxEpochs || c.YearsPerHalving*c.Periods > maxEpochs/c.EpochsPerYear {
		return nil, fmt.Errorf("%s: more than %d epochs: %w", what, uint64(maxEpochs), iog.ErrInvalid)
	}
	steps := make([]Step, 0, c.YearsPerHalving*c.Periods)
	yearly := c.FirstYear
	for range c.Periods {
		for range c.YearsPerHalving {
			steps = append(steps, Step{Epochs: c.EpochsPerYear, Total: yearly})
		}
		yearly = iog.NewAmount(yearly.Units()/2, yearly.Currency())
	}
	return NewStepped(c.Initial, c.EpochLength, steps)
}

// IONetHalving returns a halving variant of the $IO emission: 6,000,000 IO
// a year for the first two years (2024–2025), 3,000,000 for the next two,
// 1,500,000 after that, and so on for ten two-year periods of hourly
// epochs, on top of the 500,000,000 IO launch supply.
func IONetHalving() EmissionSchedule {
	s, err := NewHalving(HalvingConfig{
		Initial:         IONetInitialSupply,
		FirstYear:       iog.MustParseAmount("6000000 IO"),
		YearsPerHalving: 2,
		Periods:         10,
		EpochsPerYear:   IONetEpochsPerYear,
		EpochLength:     time.Hour,
	})
	if err != nil {
		panic("tokenomics: the halving preset is inconsistent: " + err.Error())
	}
	return s
}
