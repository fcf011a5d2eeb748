package tokenomics

import (
	"fmt"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// NominationRules are what a device must meet to be nominated for an
// epoch's block reward. The zero value is io.net's documentation's rules
// (DefaultNominationRules).
type NominationRules struct {
	// MinUptime is the continuous uptime a device needs at the epoch's
	// end. Zero means 5 hours, io.net's documentation's figure.
	MinUptime time.Duration
	// MinTier is the lowest connectivity tier nominated. The
	// documentation asks for a tier above 0, that is at least Low; zero
	// (UnratedBandwidth, below every tier) means Low.
	MinTier iog.BandwidthTier
}

// DefaultMinUptime is the continuous uptime nomination needs: 5 hours,
// io.net's documentation's figure.
const DefaultMinUptime = 5 * time.Hour

// DefaultNominationRules returns io.net's documentation's rules: 5 hours
// of continuous uptime and the Low connectivity tier or better.
func DefaultNominationRules() NominationRules {
	return NominationRules{MinUptime: DefaultMinUptime, MinTier: iog.LowBandwidth}
}

func (r NominationRules) withDefaults() NominationRules {
	if r.MinUptime <= 0 {
		r.MinUptime = DefaultMinUptime
	}
	if r.MinTier == iog.UnratedBandwidth {
		r.MinTier = iog.LowBandwidth
	}
	return r
}

// NominationCandidate is what nomination reads of a device at an epoch's
// end.
type NominationCandidate struct {
	// Wallet is the Solana wallet the device's rewards go to; the zero
	// address is none.
	Wallet iog.WalletAddress
	// Tier is the device's connectivity tier.
	Tier iog.BandwidthTier
	// Multiplier is the earning multiplier of the device's GPU model (see
	// Multipliers), or the CPU's for a CPU device.
	Multiplier iog.Rate
	// Uptime is how long the device has been up without a break at the
	// epoch's end, and the part of the epoch it was up: the device's
	// iog.Health read at the epoch's end (Health.Uptime), before the next
	// window starts. Nomination reads Continuous; the reward's weight
	// reads Fraction.
	Uptime iog.Uptime
	// Stake is the device's active stake, and Required the full minimum
	// it must reach (RequiredStake). Both are IO.
	Stake, Required iog.Amount
	// ProofPassed reports that the device passed the epoch's proof of
	// work (its proof of compute).
	ProofPassed bool
	// Hired reports a device rented out in a cluster, and HeadNode the
	// head node of a cluster: io.net's documentation spares both the
	// proof of work, their work being the proof.
	Hired, HeadNode bool
}

// Nomination is whether a device is nominated for an epoch's block
// reward, and if not, every rule it misses, in words a supplier acts on.
type Nomination struct {
	Nominated bool
	// Reasons lists the rules the device misses, in the order Nominate
	// checks them; empty when it is nominated.
	Reasons []string
}

// Nominate applies io.net's documentation's nomination rules for the
// hourly block rewards to a device: at least rules.MinUptime of
// continuous uptime, the full minimum stake, a Solana wallet, a
// multiplier above 0 and a connectivity tier of at least rules.MinTier,
// and the epoch's proof of work passed, unless the device is hired or a
// head node, which skip it. Every rule missed is a reason, such as
// "uptime 3 h 12 m of the 5 h needed" or "stake 8,000 IO of the 16,000
// IO required". Exactly MinUptime is enough; stake is compared to the
// base unit.
func Nominate(c NominationCandidate, rules NominationRules) Nomination {
	rules = rules.withDefaults()
	var reasons []string
	if c.Uptime.Continuous < rules.MinUptime {
		reasons = append(reasons, fmt.Sprintf("uptime %s of the %s needed", iog.FormatDuration(c.Uptime.Continuous), iog.FormatDuration(rules.MinUptime)))
	}
	if c.Stake.Currency() != c.Required.Currency() || c.Stake.Units() < c.Required.Units() {
		reasons = append(reasons, fmt.Sprintf("stake %s of the %s required", groupedAmount(c.Stake), groupedAmount(c.Required)))
	}
	if c.Wallet.IsZero() {
		reasons = append(reasons, "no Solana wallet")
	}
	if c.Multiplier.IsZero() {
		reasons = append(reasons, "earning multiplier 0: the model earns no block reward")
	}
	if c.Tier < rules.MinTier {
		reasons = append(reasons, fmt.Sprintf("connectivity below the %s tier", tierName(rules.MinTier)))
	}
	if !c.ProofPassed && !c.Hired && !c.HeadNode {
		reasons = append(reasons, ProofReason)
	}
	return Nomination{Nominated: len(reasons) == 0, Reasons: reasons}
}

// ProofReason is Nominate's reason for a device that did not pass the
// epoch's proof of work; a caller that knows why may add it after.
const ProofReason = "no proof of work passed this epoch"

// tierName is a tier's name as a reason writes it: "Low".
func tierName(t iog.BandwidthTier) string {
	s := t.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

// groupedAmount writes an amount with its whole part in groups of three
// digits, as a reason reads it: "16,000 IO", "199.99999999 IO".
func groupedAmount(a iog.Amount) string {
	s := a.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	end := strings.IndexAny(s, ". ")
	if end < 0 {
		end = len(s)
	}
	whole := s[:end]
	var b strings.Builder
	b.WriteString(sign)
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	b.WriteString(s[end:])
	return b.String()
}
