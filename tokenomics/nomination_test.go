package tokenomics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

// TestNominate: io.net's documentation's nomination rules for the hourly
// block rewards, at their boundaries, with eight H100s (16,000 IO
// required).
func TestNominate(t *testing.T) {
	ok := tokenomics.NominationCandidate{
		Wallet: wallet(1), Tier: iog.LowBandwidth, Multiplier: rate(t, "10"),
		Uptime: iog.Uptime{Continuous: 5 * time.Hour, Fraction: rate(t, "1")},
		Stake:  io("16000"), Required: io("16000"), ProofPassed: true,
	}
	tests := []struct {
		name    string
		change  func(*tokenomics.NominationCandidate)
		reasons []string
	}{
		{"exactly 5 h, the full stake", func(*tokenomics.NominationCandidate) {}, nil},
		{"4 h 59 m", func(c *tokenomics.NominationCandidate) { c.Uptime.Continuous = 4*time.Hour + 59*time.Minute }, []string{"uptime 4 h 59 m of the 5 h needed"}},
		{"a second short of 5 h", func(c *tokenomics.NominationCandidate) { c.Uptime.Continuous = 5*time.Hour - time.Second }, []string{"uptime 4 h 59 m of the 5 h needed"}},
		{"3 h 12 m", func(c *tokenomics.NominationCandidate) { c.Uptime.Continuous = 3*time.Hour + 12*time.Minute }, []string{"uptime 3 h 12 m of the 5 h needed"}},
		{"just up", func(c *tokenomics.NominationCandidate) { c.Uptime.Continuous = 0 }, []string{"uptime 0 m of the 5 h needed"}},
		{"half the stake", func(c *tokenomics.NominationCandidate) { c.Stake = io("8000") }, []string{"stake 8,000 IO of the 16,000 IO required"}},
		{"a base unit short", func(c *tokenomics.NominationCandidate) { c.Stake = io("15999.99999999") }, []string{"stake 15,999.99999999 IO of the 16,000 IO required"}},
		{"more than the stake", func(c *tokenomics.NominationCandidate) { c.Stake = io("1000000") }, nil},
		{"no stake", func(c *tokenomics.NominationCandidate) { c.Stake = io("0") }, []string{"stake 0 IO of the 16,000 IO required"}},
		{"no wallet", func(c *tokenomics.NominationCandidate) { c.Wallet = iog.WalletAddress{} }, []string{"no Solana wallet"}},
		{"multiplier 0", func(c *tokenomics.NominationCandidate) { c.Multiplier = iog.Rate{} }, []string{"earning multiplier 0: the model earns no block reward"}},
		{"below the Low tier", func(c *tokenomics.NominationCandidate) { c.Tier = iog.UnratedBandwidth }, []string{"connectivity below the Low tier"}},
		{"the high tier", func(c *tokenomics.NominationCandidate) { c.Tier = iog.HighBandwidth }, nil},
		{"no proof of work", func(c *tokenomics.NominationCandidate) { c.ProofPassed = false }, []string{"no proof of work passed this epoch"}},
		{"hired, no proof of work", func(c *tokenomics.NominationCandidate) { c.ProofPassed, c.Hired = false, true }, nil},
		{"a head node, no proof of work", func(c *tokenomics.NominationCandidate) { c.ProofPassed, c.HeadNode = false, true }, nil},
		{"hired still needs the uptime", func(c *tokenomics.NominationCandidate) {
			c.Hired, c.Uptime.Continuous = true, 4*time.Hour
		}, []string{"uptime 4 h of the 5 h needed"}},
		{"everything missed, in order", func(c *tokenomics.NominationCandidate) {
			*c = tokenomics.NominationCandidate{Uptime: iog.Uptime{Continuous: 2*time.Hour + 30*time.Minute}, Stake: io("100"), Required: io("200")}
		}, []string{
			"uptime 2 h 30 m of the 5 h needed", "stake 100 IO of the 200 IO required", "no Solana wallet",
			"earning multiplier 0: the model earns no block reward", "connectivity below the Low tier", "no proof of work passed this epoch",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			got := tokenomics.Nominate(c, tokenomics.DefaultNominationRules())
			require.Equal(t, tokenomics.Nomination{Nominated: len(tt.reasons) == 0, Reasons: tt.reasons}, got)
			require.Equal(t, got, tokenomics.Nominate(c, tokenomics.NominationRules{}), "the zero rules are the defaults")
		})
	}
}

// TestNominationRulesReplaceable: every figure of the rules is the
// caller's.
func TestNominationRulesReplaceable(t *testing.T) {
	require.Equal(t, tokenomics.NominationRules{MinUptime: 5 * time.Hour, MinTier: iog.LowBandwidth}, tokenomics.DefaultNominationRules())
	c := tokenomics.NominationCandidate{
		Wallet: wallet(1), Tier: iog.LowBandwidth, Multiplier: rate(t, "1"),
		Uptime: iog.Uptime{Continuous: 2 * time.Hour}, Stake: io("200"), Required: io("200"), ProofPassed: true,
	}
	rules := tokenomics.NominationRules{MinUptime: 2 * time.Hour, MinTier: iog.MediumBandwidth}
	require.Equal(t, []string{"connectivity below the Medium tier"}, tokenomics.Nominate(c, rules).Reasons)
	c.Tier = iog.MediumBandwidth
	require.True(t, tokenomics.Nominate(c, rules).Nominated, "exactly 2 h under a 2 h rule")
}
