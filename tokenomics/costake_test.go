package tokenomics_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

// TestCooldownLengthByRole: an owner's unstaked stake waits 14 days and a
// co-staker's 21 (io.net's documentation), to the nanosecond; the length
// is the staker's role's when the cooldown starts, and configurable.
func TestCooldownLengthByRole(t *testing.T) {
	tests := []struct {
		name        string
		cfg         tokenomics.StakingConfig
		owner, coSt time.Duration
	}{
		{"io.net's documentation", tokenomics.StakingConfig{}, 14 * 24 * time.Hour, 21 * 24 * time.Hour},
		{"configured", tokenomics.StakingConfig{Cooldown: 7 * 24 * time.Hour, CoStakerCooldown: 10 * 24 * time.Hour}, 7 * 24 * time.Hour, 10 * 24 * time.Hour},
	}
	require.Equal(t, 14*24*time.Hour, tokenomics.DefaultCooldown)
	require.Equal(t, 21*24*time.Hour, tokenomics.DefaultCoStakerCooldown)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := iog.NewManualClock(t0)
			tt.cfg.Clock = clock
			b := tokenomics.NewStakeBook(tt.cfg)
			owner, co := wallet(1), wallet(2)
			require.NoError(t, b.Register("rig", owner, io("16000")))
			require.NoError(t, b.Stake("rig", owner, io("16000")))
			require.NoError(t, b.Stake("rig", co, io("8000")))
			// The co-staker leaves first: the owner may then take all.
			cc, err := b.Unstake("rig", co, io("8000"))
			require.NoError(t, err)
			oc, err := b.Unstake("rig", owner, io("16000"))
			require.NoError(t, err)
			require.Equal(t, t0.Add(tt.owner), oc.Ready)
			require.Equal(t, t0.Add(tt.coSt), cc.Ready)

			for _, s := range []struct {
				who   iog.WalletAddress
				wait  time.Duration
				whole iog.Amount
			}{{owner, tt.owner, io("16000")}, {co, tt.coSt, io("8000")}} {
				clock.AdvanceTo(t0.Add(s.wait - time.Nanosecond))
				got, err := b.Withdraw(s.who)
				require.NoError(t, err)
				require.True(t, got.IsZero(), "%v: still cooling a nanosecond before %v", s.who, s.wait)
				require.Len(t, b.Cooldowns(s.who), 1)
				clock.AdvanceTo(t0.Add(s.wait))
				got, err = b.Withdraw(s.who)
				require.NoError(t, err)
				require.Equal(t, s.whole, got, "%v: released at exactly %v", s.who, s.wait)
				require.Empty(t, b.Cooldowns(s.who))
			}
		})
	}
}

// costakeStep is one call of a co-staking case: a stake, an unstake, a
// slash or a deregistration of a device by (or on behalf of) a wallet.
type costakeStep struct {
	op     byte // 's' stake, 'u' unstake, 'x' slash, 'd' deregister
	dev    iog.DeviceID
	who    iog.WalletAddress
	amount string
}

func (s costakeStep) run(b *tokenomics.StakeBook) error {
	switch s.op {
	case 's':
		return b.Stake(s.dev, s.who, io(s.amount))
	case 'u':
		return second(b.Unstake(s.dev, s.who, io(s.amount)))
	case 'x':
		return second(b.ProposeSlash(s.dev, io(s.amount), tokenomics.FalsifiedData, "forged results"))
	default:
		return second(b.Deregister(s.dev))
	}
}

func (s costakeStep) String() string {
	return fmt.Sprintf("%c %s %v %s", s.op, s.dev, s.who, s.amount)
}

// TestCoStakingRules: io.net's co-staking rules, each at its boundary. A
// co-staker provides at most 50% of the required stake (rounded down), the
// owner must have 50% (rounded up) first and keep it while a co-staker is
// in; one co-staker a device, two devices an account; only active stake
// counts. A refusal is iog.ErrConflict and changes nothing.
func TestCoStakingRules(t *testing.T) {
	owner, co, other := wallet(1), wallet(2), wallet(3)
	stake := func(dev iog.DeviceID, who iog.WalletAddress, amount string) costakeStep {
		return costakeStep{'s', dev, who, amount}
	}
	unstake := func(dev iog.DeviceID, who iog.WalletAddress, amount string) costakeStep {
		return costakeStep{'u', dev, who, amount}
	}
	slash := func(dev iog.DeviceID, amount string) costakeStep {
		return costakeStep{'x', dev, iog.WalletAddress{}, amount}
	}
	// Devices a, b and c are the owner's; d is the co-staker's own.
	full := []costakeStep{stake("a", owner, "16000"), stake("b", owner, "16000"), stake("c", owner, "16000")}
	tests := []struct {
		name     string
		rules    tokenomics.CoStakingRules
		required string // of every device; 8 × H100-SXM by default
		setup    []costakeStep
		last     costakeStep
		ok       bool
	}{
		{name: "co-stake of exactly 50%", setup: []costakeStep{stake("a", owner, "8000")}, last: stake("a", co, "8000"), ok: true},
		{name: "co-stake of 50% and one base unit", setup: []costakeStep{stake("a", owner, "8000")}, last: stake("a", co, "8000.00000001")},
		{name: "the co-staker's second stake past 50%", setup: []costakeStep{stake("a", owner, "16000"), stake("a", co, "5000")}, last: stake("a", co, "3000.00000001")},
		{name: "the co-staker's second stake to 50%", setup: []costakeStep{stake("a", owner, "16000"), stake("a", co, "5000")}, last: stake("a", co, "3000"), ok: true},
		{name: "cooling co-stake does not count", setup: []costakeStep{stake("a", owner, "16000"), stake("a", co, "8000"), unstake("a", co, "1")}, last: stake("a", co, "1"), ok: true},
		{name: "owner's stake above the requirement lifts no cap", setup: []costakeStep{stake("a", owner, "40000")}, last: stake("a", co, "8000.00000001")},
		{name: "before the owner staked", last: stake("a", co, "1")},
		{name: "the owner one base unit short of 50%", setup: []costakeStep{stake("a", owner, "7999.99999999")}, last: stake("a", co, "1")},
		{name: "the owner at exactly 50%", setup: []costakeStep{stake("a", owner, "8000")}, last: stake("a", co, "1"), ok: true},
		{name: "the owner's cooling stake does not count", setup: []costakeStep{stake("a", owner, "16000"), unstake("a", owner, "8000.00000001")}, last: stake("a", co, "1")},
		{name: "a second co-staker", setup: append(full[:1:1], stake("a", co, "1")), last: stake("a", other, "1")},
		{name: "a second co-staker once the first has unstaked all", setup: append(full[:1:1], stake("a", co, "1"), unstake("a", co, "1")), last: stake("a", other, "1"), ok: true},
		{name: "the co-staker adds to its own stake", setup: append(full[:1:1], stake("a", co, "1")), last: stake("a", co, "1"), ok: true},
		{name: "a third device for one account", setup: append(full[:3:3], stake("a", co, "1"), stake("b", co, "1")), last: stake("c", co, "1")},
		{name: "a second device for one account", setup: append(full[:3:3], stake("a", co, "1")), last: stake("c", co, "1"), ok: true},
		{name: "more on one of its two devices", setup: append(full[:3:3], stake("a", co, "1"), stake("b", co, "1")), last: stake("a", co, "1"), ok: true},
		{name: "a third device once one is unstaked", setup: append(full[:3:3], stake("a", co, "1"), stake("b", co, "1"), unstake("a", co, "1")), last: stake("c", co, "1"), ok: true},
		{name: "a third device once one is deregistered", setup: append(full[:3:3], stake("a", co, "1"), stake("b", co, "1"), costakeStep{op: 'd', dev: "a"}), last: stake("c", co, "1"), ok: true},
		{name: "its own device is not a co-stake", setup: append(full[:3:3], stake("d", co, "16000"), stake("a", co, "1")), last: stake("b", co, "1"), ok: true},
		{name: "the owner unstakes below 50% under a co-staker", setup: append(full[:1:1], stake("a", co, "1")), last: unstake("a", owner, "8000.00000001")},
		{name: "the owner unstakes to exactly 50% under a co-staker", setup: append(full[:1:1], stake("a", co, "1")), last: unstake("a", owner, "8000"), ok: true},
		{name: "the owner unstakes all once the co-staker left", setup: append(full[:1:1], stake("a", co, "1"), unstake("a", co, "1")), last: unstake("a", owner, "16000"), ok: true},
		{name: "the owner unstakes all with no co-staker", setup: full[:1], last: unstake("a", owner, "16000"), ok: true},
		{name: "a slash takes the owner below 50%: the co-staker adds nothing", setup: []costakeStep{stake("a", owner, "8000"), stake("a", co, "8000"), slash("a", "2000")}, last: stake("a", co, "1")},
		{name: "a slash takes the owner below 50%: the owner unstakes nothing", setup: []costakeStep{stake("a", owner, "8000"), stake("a", co, "8000"), slash("a", "2000")}, last: unstake("a", owner, "0.00000001")},
		{name: "a slash takes the owner below 50%: the co-staker may leave", setup: []costakeStep{stake("a", owner, "8000"), stake("a", co, "8000"), slash("a", "2000")}, last: unstake("a", co, "7000"), ok: true},
		{name: "a slash takes the owner below 50%: the owner restores its half", setup: []costakeStep{stake("a", owner, "8000"), stake("a", co, "8000"), slash("a", "2000")}, last: stake("a", owner, "1000"), ok: true},
		{name: "an odd requirement: the cap rounds down", required: "1.00000001", setup: []costakeStep{stake("a", owner, "1")}, last: stake("a", co, "0.50000001")},
		{name: "an odd requirement: the cap itself", required: "1.00000001", setup: []costakeStep{stake("a", owner, "1")}, last: stake("a", co, "0.5"), ok: true},
		{name: "an odd requirement: the owner's half rounds up", required: "1.00000001", setup: []costakeStep{stake("a", owner, "0.5")}, last: stake("a", co, "0.00000001")},
		{name: "an odd requirement: the owner's half itself", required: "1.00000001", setup: []costakeStep{stake("a", owner, "0.50000001")}, last: stake("a", co, "0.00000001"), ok: true},
		{name: "a device that requires nothing takes no co-stake", required: "0", setup: []costakeStep{stake("a", owner, "1")}, last: stake("a", co, "0.00000001")},
		{name: "configured: a 25% cap", rules: tokenomics.CoStakingRules{CoStakerShare: iog.BasisPoints(2_500)}, setup: full[:1], last: stake("a", co, "4000.00000001")},
		{name: "configured: the owner's 75% first", rules: tokenomics.CoStakingRules{OwnerFirstShare: iog.BasisPoints(7_500)}, setup: []costakeStep{stake("a", owner, "11999.99999999")}, last: stake("a", co, "1")},
		{name: "configured: two co-stakers a device", rules: tokenomics.CoStakingRules{CoStakersPerDevice: 2}, setup: append(full[:1:1], stake("a", co, "1")), last: stake("a", other, "1"), ok: true},
		{name: "configured: three devices an account", rules: tokenomics.CoStakingRules{CoStakesPerAccount: 3}, setup: append(full[:3:3], stake("a", co, "1"), stake("b", co, "1")), last: stake("c", co, "1"), ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: iog.NewManualClock(t0), CoStaking: tt.rules})
			required := tt.required
			if required == "" {
				required = "16000"
			}
			for _, dev := range []iog.DeviceID{"a", "b", "c"} {
				require.NoError(t, b.Register(dev, owner, io(required)))
			}
			require.NoError(t, b.Register("d", co, io(required)))
			for _, s := range tt.setup {
				require.NoError(t, s.run(b), "setup %v", s)
			}
			before := b.Records()
			err := tt.last.run(b)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, iog.ErrConflict)
			require.Equal(t, before, b.Records(), "a refusal changes nothing")
		})
	}
}

// TestCoStakingRefusalsSayWhy: each refusal names the rule and the
// figures, for the supplier or co-staker to act on.
func TestCoStakingRefusalsSayWhy(t *testing.T) {
	b, _, owner := newStakedDevice(t, "a", "16000")
	co := wallet(2)
	for _, dev := range []iog.DeviceID{"b", "c"} {
		require.NoError(t, b.Register(dev, owner, io("16000")))
		require.NoError(t, b.Stake(dev, owner, io("16000")))
	}
	require.NoError(t, b.Register("e", owner, io("16000")))
	require.EqualError(t, b.Stake("e", co, io("1")),
		"stake on device e: the owner must first have 8000 IO active (50% of the 16000 IO required), and has 0 IO: conflict")
	require.EqualError(t, b.Stake("a", co, io("8001")),
		"stake on device a: co-stakers may provide at most 8000 IO (50% of the 16000 IO required); they have 0 IO, and 8001 IO more would make 8001 IO: conflict")
	require.NoError(t, b.Stake("a", co, io("8000")))
	require.EqualError(t, b.Stake("a", wallet(3), io("1")),
		"stake on device a: the device has 1 co-staker(s) already, the most it takes: conflict")
	require.NoError(t, b.Stake("b", co, io("1")))
	require.EqualError(t, b.Stake("c", co, io("1")),
		fmt.Sprintf("stake on device c: %v co-stakes on 2 devices already ([a b]), the most one account may: conflict", co))
	require.EqualError(t, second(b.Unstake("a", owner, io("9000"))),
		"unstake from device a: while a co-staker has stake on the device the owner keeps 8000 IO active (50% of the 16000 IO required); 9000 IO less would leave 7000 IO: conflict")
}

// TestRestoreTakesRecordsPastTheCoStakingRules: records saved before the
// rules (a co-staker above 50%, two co-stakers, an owner with nothing,
// an account on three devices) load as they are; the rules hold for the
// stake added after.
func TestRestoreTakesRecordsPastTheCoStakingRules(t *testing.T) {
	owner, co, other := wallet(1), wallet(2), wallet(3)
	pos := func(w iog.WalletAddress, a string) tokenomics.Position {
		return tokenomics.Position{Staker: w, Active: io(a)}
	}
	r := tokenomics.StakeRecords{Cooldowns: []tokenomics.Cooldown{}, Slashes: []tokenomics.SlashRecord{}, Devices: []tokenomics.DeviceRecord{
		{Device: "a", Owner: owner, Required: io("600"), Positions: []tokenomics.Position{pos(co, "800"), pos(other, "100")}},
		{Device: "b", Owner: owner, Required: io("600"), Positions: []tokenomics.Position{pos(owner, "600"), pos(co, "1")}},
		{Device: "c", Owner: owner, Required: io("600"), Positions: []tokenomics.Position{pos(owner, "600"), pos(co, "1")}},
		{Device: "d", Owner: owner, Required: io("600"), Positions: []tokenomics.Position{pos(owner, "600")}},
	}}
	b, clock := newBook()
	require.NoError(t, b.Restore(r))
	require.Equal(t, r, b.Records())
	ds, err := b.Device("a")
	require.NoError(t, err)
	require.Equal(t, io("900"), ds.Active)

	require.ErrorIs(t, b.Stake("a", co, io("1")), iog.ErrConflict, "the owner has not staked its half")
	require.ErrorIs(t, b.Stake("d", co, io("1")), iog.ErrConflict, "co is on three devices")
	// The co-staker leaves two of them; then it may come to a third.
	_, err = b.Unstake("a", co, io("800"))
	require.NoError(t, err)
	_, err = b.Unstake("b", co, io("1"))
	require.NoError(t, err)
	require.NoError(t, b.Stake("d", co, io("300")))
	require.ErrorIs(t, b.Stake("d", other, io("1")), iog.ErrConflict, "one co-staker a device")
	c := b.Cooldowns(co)
	require.Len(t, c, 2)
	require.Equal(t, clock.Now().Add(tokenomics.DefaultCoStakerCooldown), c[0].Ready, "a restored co-staker's cooldown is a co-staker's")
}
