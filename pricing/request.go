package pricing

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// Limits on a request, so that a quote is bounded work and its totals fit.
// The most allowed locations is iog.MaxLocations, as for any Requirements.
const (
	// MaxGPUs is the most GPUs one request may ask for.
	MaxGPUs = 100_000
	// MaxHours is the longest reservation quoted: three years.
	MaxHours = 3 * 366 * 24
)

// Commitment says whether a rental is reserved for its whole length.
type Commitment uint8

// The commitments. The zero value is OnDemand.
const (
	// OnDemand rentals may stop at any hour and pay the on-demand rate.
	OnDemand Commitment = iota
	// Reserved rentals are paid for their whole length upfront, and
	// longer ones earn the commitment discount.
	Reserved
)

var commitmentNames = [...]string{"on-demand", "reserved"}

// String returns the commitment's name, "on-demand" or "reserved".
func (c Commitment) String() string {
	if int(c) >= len(commitmentNames) {
		return fmt.Sprintf("Commitment(%d)", uint8(c))
	}
	return commitmentNames[c]
}

// ParseCommitment parses a commitment's name.
func ParseCommitment(s string) (Commitment, error) {
	for c, name := range commitmentNames {
		if s == name {
			return Commitment(c), nil
		}
	}
	return 0, fmt.Errorf("commitment %q: want on-demand or reserved: %w", errtext.Clip(s), iog.ErrInvalid)
}

// MarshalText implements encoding.TextMarshaler with String.
func (c Commitment) MarshalText() ([]byte, error) {
	if int(c) >= len(commitmentNames) {
		return nil, fmt.Errorf("marshal %v: not a commitment: %w", c, iog.ErrInvalid)
	}
	return []byte(c.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseCommitment.
func (c *Commitment) UnmarshalText(text []byte) error {
	v, err := ParseCommitment(string(text))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Request is what an engineer asks a price for, and what the server
// deploys once it is paid: the Requirements of the hardware (which GPUs,
// how many, where, how well connected) and the commercial terms (for how
// long, how committed, in which currency).
type Request struct {
	// Requirements is what the rental asks of the devices, as the
	// scheduler places it. The quote reads its GPUModel, GPUClass,
	// GPUCount (1 to MaxGPUs), Locations and Bandwidth; the other fields
	// constrain where the rental is placed, not its price. A request asks
	// for whole GPUs (GPUShare zero or iog.FullGPU) and leaves MaxDuration
	// zero: Hours says how long the rental runs (see JobRequirements).
	//
	// GPUModel names a catalog model ("H100-SXM"), a name a driver
	// reports, or a family ("A100"); a family is quoted at its cheapest
	// model. Empty asks for GPUClass, or for a GPU priced by Score.
	// GPUClass asks for any model of a class, quoted at the class's
	// cheapest model, when GPUModel is empty; it also classes a GPU priced
	// by Score (consumer when unset). Locations are quoted at the
	// cheapest. A supplier quoting its own device passes its measured
	// Bandwidth.Tier().
	iog.Requirements
	// Score prices a GPU the catalog does not know, from its benchmark.
	// It is given instead of GPUModel, not with it.
	Score Score
	// Hours is the length of the rental, in whole hours: at least the
	// minimum rental (Billing.CheckHours; 1 hour by DefaultBilling) and at
	// most MaxHours.
	Hours int
	// Commitment says whether the rental is reserved upfront.
	Commitment Commitment
	// Currency is what the renter pays in: IO, USDC or IOSD.
	Currency iog.Currency
	// Payout is what the supplier is paid out in, IO or USDC, which sets
	// the supplier's currency fee. Zero means the payment currency, or IO
	// for a payment in IOSD.
	Payout iog.Currency
}

// JobRequirements returns what the scheduler places for the rental r
// asks for: its Requirements, running for its Hours.
func (r *Request) JobRequirements() iog.Requirements {
	req := r.Requirements
	req.MaxDuration = time.Duration(r.Hours) * time.Hour
	return req
}

// PayoutCurrency returns the currency the supplier is paid out in (see
// Payout).
func (r *Request) PayoutCurrency() iog.Currency {
	switch {
	case r.Payout != 0:
		return r.Payout
	case r.Currency == iog.IOSD:
		return iog.IO
	}
	return r.Currency
}

// Validate checks that r can be quoted: its Requirements as
// iog.Requirements.Validate does, then what a quote needs more. Problems
// are iog.ErrInvalid with a message naming the field. Hours are checked
// against DefaultBilling's minimum rental (a server with other Billing
// checks its own on deploy). Whether GPUModel is in the catalog is checked by
// the quote.
func (r *Request) Validate() error {
	switch {
	case r.GPUCount <= 0:
		return invalidf("GPU count %d: ask for at least one GPU", r.GPUCount)
	case r.GPUCount > MaxGPUs:
		return invalidf("GPU count %d: at most %d GPUs per request", r.GPUCount, MaxGPUs)
	case r.Share() != iog.FullGPU:
		return invalidf("GPU share %v: a rental is of whole GPUs", r.GPUShare)
	case r.MaxDuration != 0:
		return invalidf("max duration %v: a rental runs for its hours; give hours only", r.MaxDuration)
	case r.Hours > MaxHours:
		return invalidf("hours %d: at most %d hours (three years) per request", r.Hours, MaxHours)
	case r.GPUModel != "" && !r.Score.IsZero():
		return invalidf("GPU model %q and a benchmark score: give one, not both", errtext.Clip(r.GPUModel))
	case r.GPUModel == "" && r.Score.IsZero() && r.GPUClass == iog.AnyGPUClass:
		return invalidf("no GPU named: give a GPU model, a GPU class or a benchmark score")
	case !r.Score.IsZero() && (r.Score.FP16GFLOPS == 0 || r.Score.MemoryBytes == 0):
		return invalidf("benchmark score: FP16 throughput and memory must both be measured")
	case int(r.Commitment) >= len(commitmentNames):
		return invalidf("%v is not a commitment", r.Commitment)
	}
	if err := DefaultBilling().CheckHours(r.Hours); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if err := r.Requirements.Validate(); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if err := CheckPayment(r.Currency); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if r.Payout != 0 {
		if err := CheckPayout(r.Payout); err != nil {
			return fmt.Errorf("request: %w", err)
		}
	}
	return nil
}

// invalidf returns an iog.ErrInvalid error for a request.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("request: "+format+": %w", append(args, iog.ErrInvalid)...)
}
