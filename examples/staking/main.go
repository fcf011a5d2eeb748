// Command staking follows one supplier through the token economy: it
// stakes what its four RTX 4070s need with a co-staker, earns block
// rewards once it has been up five hours, is slashed for spoofed
// hardware, appeals within the month, and unstakes through the 14-day
// cooldown, after the co-staker (whose cooldown is 21 days: an owner
// cannot leave a co-staker's stake behind). Every movement of IO is on a ledger; time is a manual clock.
//
//	go run ./examples/staking            # the appeal succeeds
//	go run ./examples/staking -upheld    # the slash is upheld and burned
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

func main() {
	upheld := flag.Bool("upheld", false, "uphold the slash (burn) instead of granting the appeal")
	flag.Parse()
	if err := run(os.Stdout, *upheld); err != nil {
		fmt.Fprintln(os.Stderr, "staking:", err)
		os.Exit(1)
	}
}

var (
	supplier = iog.WalletAddress{1}
	coStaker = iog.WalletAddress{2}
	// datacenter is the wallet of the H100 server the rig competes with.
	datacenter = iog.WalletAddress{4}
	vault      = iog.WalletAddress{3} // holds staked IO
)

const rig iog.DeviceID = "gamer-rig-4x4070"

// story carries the pieces the steps share.
type story struct {
	ctx   context.Context
	w     io.Writer
	clock *iog.ManualClock
	l     *ledger.Memory
	book  *tokenomics.StakeBook
}

func (s *story) apply(op ledger.Op) error {
	_, err := s.l.Apply(s.ctx, op)
	return err
}

func (s *story) say(format string, args ...any) {
	fmt.Fprintf(s.w, "%s  %s\n", s.clock.Now().Format("2006-01-02 15:04"), fmt.Sprintf(format, args...))
}

func run(w io.Writer, upheld bool) error {
	clock := iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := &story{ctx: context.Background(), w: w, clock: clock, l: ledger.NewMemory(ledger.MemoryConfig{Clock: clock}), book: tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})}
	steps := []func() error{s.setup, s.stake, s.earn, func() error { return s.slash(upheld) }, s.unstake, s.summary}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func (s *story) setup() error {
	for i, w := range []iog.WalletAddress{supplier, coStaker, vault} {
		if err := s.apply(ledger.Op{Kind: ledger.Open, Key: fmt.Sprintf("open-%d", i), Reason: "new account", To: w}); err != nil {
			return err
		}
	}
	if err := s.apply(ledger.Op{Kind: ledger.Mint, Key: "genesis-supplier", Reason: "bought IO", To: supplier, Amount: iog.MustParseAmount("1000 IO")}); err != nil {
		return err
	}
	return s.apply(ledger.Op{Kind: ledger.Mint, Key: "genesis-costaker", Reason: "bought IO", To: coStaker, Amount: iog.MustParseAmount("500 IO")})
}

func (s *story) stake() error {
	need, err := tokenomics.RequiredStake(tokenomics.DefaultMultipliers(), "RTX-4070", 4)
	if err != nil {
		return err
	}
	mult, err := tokenomics.DefaultMultipliers().Of("RTX-4070")
	if err != nil {
		return err
	}
	s.say("4 × RTX-4070 (multiplier %v) must stake %v", mult, need)
	if err := s.book.Register(rig, supplier, need); err != nil {
		return err
	}
	for _, st := range []struct {
		who    iog.WalletAddress
		name   string
		amount iog.Amount
	}{{supplier, "supplier", iog.MustParseAmount("600 IO")}, {coStaker, "co-staker", iog.MustParseAmount("200 IO")}} {
		if err := s.apply(ledger.Op{Kind: ledger.Transfer, Key: "stake-" + st.name, Reason: "stake on " + string(rig), From: st.who, To: vault, Amount: st.amount}); err != nil {
			return err
		}
		if err := s.book.Stake(rig, st.who, st.amount); err != nil {
			return err
		}
		s.say("%s stakes %v", st.name, st.amount)
	}
	d, err := s.book.Device(rig)
	if err != nil {
		return err
	}
	s.say("stake %v of %v required: eligible to earn = %v", d.Active, d.Required, d.Meets())
	return nil
}

// earn runs eight hourly epochs in which the rig competes with an H100
// server for the IONet emission; it earns from its fifth hour up.
func (s *story) earn() error {
	emission := tokenomics.IONet()
	mult := tokenomics.DefaultMultipliers()
	h100, _ := mult.Of("H100-SXM")
	rtx, _ := mult.Of("RTX-4070")
	one, _ := iog.NewRate(1, 1)
	// The rig's uptime comes from its health record, which folds a
	// heartbeat a minute.
	health, err := iog.NewHealth(s.clock.Now()).Heartbeat(s.clock.Now())
	if err != nil {
		return err
	}
	for epoch := uint64(1); epoch <= 8; epoch++ {
		for range 60 {
			if health, err = health.Heartbeat(s.clock.Advance(time.Minute)); err != nil {
				return err
			}
		}
		d, err := s.book.Device(rig)
		if err != nil {
			return err
		}
		candidates := []tokenomics.RewardCandidate{
			{Device: "dc-h100x8", Processor: tokenomics.GPUProcessor, Class: iog.DatacenterGPU, Units: 8, NominationCandidate: tokenomics.NominationCandidate{
				Wallet: datacenter, Tier: iog.HighBandwidth, Multiplier: h100, Stake: iog.MustParseAmount("16000 IO"), Required: iog.MustParseAmount("16000 IO"),
				ProofPassed: true, Uptime: iog.Uptime{Continuous: 1000 * time.Hour, Fraction: one}}},
			{Device: rig, Processor: tokenomics.GPUProcessor, Class: iog.ConsumerGPU, Units: 4, NominationCandidate: tokenomics.NominationCandidate{
				Wallet: supplier, Tier: iog.MediumBandwidth, Multiplier: rtx, Stake: d.Active, Required: d.Required,
				ProofPassed: true, Uptime: health.Uptime(s.clock.Now())}},
		}
		if health, err = health.StartWindow(s.clock.Now()); err != nil {
			return err
		}
		dist, err := tokenomics.Distribute(epoch, emission.Emission(epoch), candidates, tokenomics.RewardConfig{})
		if err != nil {
			return err
		}
		if err := s.payRig(epoch, dist); err != nil {
			return err
		}
	}
	return nil
}

func (s *story) payRig(epoch uint64, dist tokenomics.Distribution) error {
	for _, in := range dist.Ineligible {
		if in.Device == rig {
			s.say("epoch %d: %s IO emitted, rig earns nothing: %s", epoch, dist.Emission.RoundedDecimal(2, iog.RoundHalfUp), strings.Join(in.Reasons, "; "))
		}
	}
	for _, p := range dist.Payouts {
		if p.Device != rig {
			continue
		}
		shares, err := s.book.ShareReward(rig, p.Amount)
		if err != nil {
			return err
		}
		for _, sh := range shares {
			op := ledger.Op{Kind: ledger.Mint, Key: fmt.Sprintf("epoch-%d:%v", epoch, sh.Wallet), Reason: fmt.Sprintf("epoch %d block reward", epoch), To: sh.Wallet, Amount: sh.Amount}
			if err := s.apply(op); err != nil {
				return err
			}
		}
		s.say("epoch %d: rig earns %v: supplier %v, co-staker %v", epoch, p.Amount, shares[0].Amount, shares[1].Amount)
	}
	return nil
}

func (s *story) slash(upheld bool) error {
	s.clock.Advance(24 * time.Hour)
	sl, err := s.book.ProposeSlash(rig, iog.MustParseAmount("400 IO"), tokenomics.SpoofedHardware, "proof-of-compute throughput matches 4 × RTX-3060, not RTX-4070")
	if err != nil {
		return err
	}
	s.say("slash %d proposed (%v): %v held, supplier %v, co-staker %v; appeal until %s",
		sl.ID, sl.Reason, sl.Amount, sl.Shares[0].Amount, sl.Shares[1].Amount, sl.Deadline.Format(time.DateOnly))
	s.clock.Advance(10 * 24 * time.Hour)
	if sl, err = s.book.Appeal(sl.ID, supplier, "driver reported the wrong model after an update; nvidia-smi logs attached"); err != nil {
		return err
	}
	s.say("supplier appeals: slash is %v", sl.State)
	s.clock.Advance(5 * 24 * time.Hour)
	if sl, err = s.book.ResolveSlash(sl.ID, upheld); err != nil {
		return err
	}
	if sl.State == tokenomics.SlashBurned {
		if err := s.apply(ledger.Op{Kind: ledger.Burn, Key: fmt.Sprintf("slash-%d", sl.ID), Reason: "slash upheld: " + sl.Reason.String(), From: vault, Amount: sl.Amount}); err != nil {
			return err
		}
	}
	d, err := s.book.Device(rig)
	if err != nil {
		return err
	}
	s.say("slash %v; stake now %v, eligible = %v", sl.State, d.Active, d.Meets())
	return nil
}

func (s *story) unstake() error {
	d, err := s.book.Device(rig)
	if err != nil {
		return err
	}
	// The co-staker leaves first: while it has stake on the rig, the
	// supplier keeps half the requirement staked.
	co, err := s.book.Unstake(rig, coStaker, d.Positions[1].Active)
	if err != nil {
		return err
	}
	s.say("co-staker unstakes %v: withdrawable from %s", co.Amount, co.Ready.Format(time.DateOnly))
	c, err := s.book.Unstake(rig, supplier, d.Positions[0].Active)
	if err != nil {
		return err
	}
	s.say("supplier unstakes %v: withdrawable from %s", c.Amount, c.Ready.Format(time.DateOnly))
	s.clock.Advance(13 * 24 * time.Hour)
	early, err := s.book.Withdraw(supplier)
	if err != nil {
		return err
	}
	s.say("a day early, withdraws %v", early)
	s.clock.AdvanceTo(c.Ready)
	got, err := s.book.Withdraw(supplier)
	if err != nil {
		return err
	}
	s.say("withdraws %v", got)
	return s.apply(ledger.Op{Kind: ledger.Transfer, Key: "withdraw-supplier", Reason: "unstaked", From: vault, To: supplier, Amount: got})
}

func (s *story) summary() error {
	for _, who := range []struct {
		name string
		w    iog.WalletAddress
	}{{"supplier", supplier}, {"co-staker", coStaker}, {"vault", vault}} {
		b, err := s.l.Balance(s.ctx, who.w, iog.IO)
		if err != nil {
			return err
		}
		s.say("%-9s holds %v", who.name, b.Available)
	}
	supply, err := s.l.Supply(s.ctx, iog.IO)
	if err != nil {
		return err
	}
	s.say("IO on the ledger: %v", supply)
	return nil
}
