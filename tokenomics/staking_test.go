package tokenomics_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func wallet(b byte) iog.WalletAddress {
	var w iog.WalletAddress
	w[0], w[31] = b, 1
	return w
}

func io(s string) iog.Amount { return iog.MustParseAmount(s + " IO") }

func TestRequiredStake(t *testing.T) {
	m := tokenomics.DefaultMultipliers()
	tests := []struct {
		model string
		gpus  int
		want  string
	}{
		{"H100-SXM", 8, "16000 IO"}, // io.net's documentation's example
		{"H100-SXM", 1, "2000 IO"},
		{"B200", 8, "48000 IO"},
		{"H200", 1, "2400 IO"},
		{"A100-80GB", 2, "2000 IO"},
		{"L40S", 1, "600 IO"},
		{"RTX-4090", 1, "250 IO"}, // 1.25
		{"M4-Max", 1, "300 IO"},   // 1.5
		{"Apple M4 Max", 2, "600 IO"},
		{"RTX-4070", 4, "800 IO"},                // 0.45, counted as 1
		{"NVIDIA GeForce RTX 4070", 4, "800 IO"}, // a driver's name finds the catalog entry
		{"V100-16GB", 3, "1200 IO"},
	}
	for _, tt := range tests {
		got, err := tokenomics.RequiredStake(m, tt.model, tt.gpus)
		require.NoError(t, err, tt.model)
		require.Equal(t, tt.want, got.String(), "%d × %s", tt.gpus, tt.model)
	}
	_, err := tokenomics.RequiredStake(m, "GTX-280", 1)
	require.ErrorIs(t, err, iog.ErrNotFound)
	_, err = tokenomics.RequiredStake(m, "H100-SXM", 0)
	require.ErrorIs(t, err, iog.ErrInvalid)

	// The table is data: a replaced entry changes the requirement.
	m["RTX-4070"] = iog.BasisPoints(30_000) // 3
	got, err := tokenomics.RequiredStake(m, "RTX-4070", 4)
	require.NoError(t, err)
	require.Equal(t, "2400 IO", got.String())
	require.Equal(t, "0.45", tokenomics.DefaultMultipliers()["RTX-4070"].String(), "the default is a copy")
}

func TestDefaultMultipliersCoverTheCatalog(t *testing.T) {
	m := tokenomics.DefaultMultipliers()
	for _, gm := range iog.GPUModels() {
		r, err := m.Of(gm.Name)
		require.NoError(t, err, gm.Name)
		require.False(t, r.IsZero(), gm.Name)
	}
	require.Len(t, m, len(iog.GPUModels()), "no entry for a model outside the catalog")
	require.Len(t, tokenomics.MultiplierSources(), len(m), "a source for every entry")
}

// TestPublishedMultipliers: the figures io.net's documentation gives,
// labelled as its own, and no other.
func TestPublishedMultipliers(t *testing.T) {
	published := map[string]string{
		"B200": "30", "H200": "12", "H100-SXM": "10", "A100-80GB": "5", "L40S": "3", "RTX-4090": "1.25", "M4-Max": "1.5",
	}
	m := tokenomics.DefaultMultipliers()
	for model, src := range tokenomics.MultiplierSources() {
		want, ok := published[model]
		require.Equal(t, ok, src.Published, model)
		if ok {
			require.Equal(t, want, m[model].String(), model)
			require.Equal(t, "io.net's documentation", src.String())
			require.Empty(t, src.Anchor)
			continue
		}
		require.Contains(t, src.String(), "an assumption of this project", model)
	}
}

// TestAssumedMultipliersFollowTheirRule re-derives every assumed
// multiplier by MultiplierSource's rule: the anchor is the published
// model of the same family, or else the published model of the same kind
// nearest in dense FP16 throughput (the lower multiplier on a tie), and
// the figure is the anchor's scaled by the FP16 ratio, to the nearest
// 0.05.
func TestAssumedMultipliersFollowTheirRule(t *testing.T) {
	m := tokenomics.DefaultMultipliers()
	sources := tokenomics.MultiplierSources()
	catalog := map[string]iog.GPUModel{}
	for _, gm := range iog.GPUModels() {
		catalog[gm.Name] = gm
	}
	kind := func(gm iog.GPUModel) string {
		if gm.Vendor == iog.VendorApple {
			return "apple"
		}
		if gm.Class.Enterprise() {
			return "enterprise"
		}
		return "consumer"
	}
	for model, src := range sources {
		if src.Published {
			continue
		}
		gm := catalog[model]
		var anchor string
		for p, ps := range sources {
			if ps.Published && catalog[p].Family == gm.Family {
				anchor = p
			}
		}
		if anchor == "" {
			best := int64(-1)
			for p, ps := range sources {
				if !ps.Published || kind(catalog[p]) != kind(gm) {
					continue
				}
				d := int64(catalog[p].FP16GFLOPS) - int64(gm.FP16GFLOPS)
				d = max(d, -d)
				if best < 0 || d < best || d == best && m[p].Cmp(m[anchor]) < 0 {
					best, anchor = d, p
				}
			}
		}
		require.Equal(t, anchor, src.Anchor, model)
		a := m[anchor]
		// round(a × fp16 / anchorFP16 × 20) / 20, in integers.
		num := a.Num() * uint64(gm.FP16GFLOPS) * 20
		den := a.Den() * uint64(catalog[anchor].FP16GFLOPS)
		twentieths := (2*num + den) / (2 * den)
		want, err := iog.NewRate(twentieths, 20)
		require.NoError(t, err)
		require.Zero(t, want.Cmp(m[model]), "%s: %v from %s, want %v", model, m[model], anchor, want)
	}
}

func newBook() (*tokenomics.StakeBook, *iog.ManualClock) {
	clock := iog.NewManualClock(t0)
	return tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock}), clock
}

// newStakedDevice returns a book with one device whose owner, wallet(1),
// has staked exactly what it requires.
func newStakedDevice(t *testing.T, dev iog.DeviceID, stake string) (*tokenomics.StakeBook, *iog.ManualClock, iog.WalletAddress) {
	t.Helper()
	b, clock := newBook()
	owner := wallet(1)
	require.NoError(t, b.Register(dev, owner, io(stake)))
	require.NoError(t, b.Stake(dev, owner, io(stake)))
	return b, clock, owner
}

func TestCooldownTimeline(t *testing.T) {
	b, clock, owner := newStakedDevice(t, "h100-box", "16000")
	d, err := b.Device("h100-box")
	require.NoError(t, err)
	require.True(t, d.Meets())

	c, err := b.Unstake("h100-box", owner, io("1000"))
	require.NoError(t, err)
	require.Equal(t, t0.Add(14*24*time.Hour), c.Ready)
	d, err = b.Device("h100-box")
	require.NoError(t, err)
	require.False(t, d.Meets(), "cooling stake does not count")
	require.Equal(t, io("15000"), d.Active)
	require.Equal(t, io("1000"), d.Cooling)

	// Cooling stake neither counts nor earns.
	shares, err := b.ShareReward("h100-box", io("10"))
	require.NoError(t, err)
	require.Equal(t, []tokenomics.Share{{Wallet: owner, Amount: io("10")}}, shares)

	// There is no way back: staking again is new stake, the cooldown runs on.
	require.NoError(t, b.Stake("h100-box", owner, io("1000")))
	require.Len(t, b.Cooldowns(owner), 1)

	clock.Advance(14*24*time.Hour - time.Second)
	got, err := b.Withdraw(owner)
	require.NoError(t, err)
	require.True(t, got.IsZero(), "one second early")

	clock.Advance(time.Second)
	got, err = b.Withdraw(owner)
	require.NoError(t, err)
	require.Equal(t, io("1000"), got)
	got, err = b.Withdraw(owner)
	require.NoError(t, err)
	require.True(t, got.IsZero(), "withdrawn once")
	require.Empty(t, b.Cooldowns(owner))
}

func TestSlashAppealTimeline(t *testing.T) {
	b, clock := newBook()
	owner, co := wallet(1), wallet(2)
	require.NoError(t, b.Register("rig", owner, io("800")))
	require.NoError(t, b.Stake("rig", owner, io("600")))
	require.NoError(t, b.Stake("rig", co, io("200")))

	// Co-staking: rewards pro rata to stake.
	shares, err := b.ShareReward("rig", io("100"))
	require.NoError(t, err)
	require.Equal(t, []tokenomics.Share{{Wallet: owner, Amount: io("75")}, {Wallet: co, Amount: io("25")}}, shares)

	s, err := b.ProposeSlash("rig", io("400"), tokenomics.SpoofedHardware, "reported 4×RTX-4070, benchmark matches 4×RTX-3060")
	require.NoError(t, err)
	require.Equal(t, tokenomics.SlashPending, s.State)
	require.Equal(t, t0.Add(30*24*time.Hour), s.Deadline)
	require.Equal(t, []tokenomics.Share{{Wallet: owner, Amount: io("300")}, {Wallet: co, Amount: io("100")}}, s.Shares, "slashes pro rata")
	d, err := b.Device("rig")
	require.NoError(t, err)
	require.Equal(t, io("400"), d.Active)
	require.Equal(t, io("400"), d.Held)

	// Not burned before the window closes.
	_, err = b.ResolveSlash(s.ID, true)
	require.ErrorIs(t, err, iog.ErrConflict)
	// Only a staker may appeal.
	_, err = b.Appeal(s.ID, wallet(9), "not mine")
	require.ErrorIs(t, err, iog.ErrForbidden)

	clock.Advance(29 * 24 * time.Hour)
	s, err = b.Appeal(s.ID, owner, "the benchmark ran during a thermal throttle; logs attached")
	require.NoError(t, err)
	require.Equal(t, tokenomics.SlashAppealed, s.State)
	_, err = b.Appeal(s.ID, co, "again")
	require.ErrorIs(t, err, iog.ErrConflict)

	s, err = b.ResolveSlash(s.ID, false)
	require.NoError(t, err)
	require.Equal(t, tokenomics.SlashReturned, s.State)
	d, err = b.Device("rig")
	require.NoError(t, err)
	require.Equal(t, io("800"), d.Active)
	require.True(t, d.Held.IsZero())
	require.Equal(t, []tokenomics.Position{{Staker: owner, Active: io("600")}, {Staker: co, Active: io("200")}}, d.Positions)
	_, err = b.ResolveSlash(s.ID, true)
	require.ErrorIs(t, err, iog.ErrConflict, "settled once")
}

func TestSlashUnappealedIsBurnedAfterTheWindow(t *testing.T) {
	b, clock, owner := newStakedDevice(t, "rig", "800")
	// Unstaking does not escape a slash: cooling stake is slashable.
	_, err := b.Unstake("rig", owner, io("200"))
	require.NoError(t, err)
	s, err := b.ProposeSlash("rig", io("100"), tokenomics.FalsifiedData, "telemetry replayed from another host")
	require.NoError(t, err)
	require.Equal(t, []tokenomics.Share{{Wallet: owner, Amount: io("100")}}, s.Shares)

	clock.Advance(30 * 24 * time.Hour)
	_, err = b.Appeal(s.ID, owner, "late")
	require.ErrorIs(t, err, iog.ErrExpired)
	s, err = b.ResolveSlash(s.ID, true)
	require.NoError(t, err)
	require.Equal(t, tokenomics.SlashBurned, s.State)
	d, err := b.Device("rig")
	require.NoError(t, err)
	require.Equal(t, "525 IO", d.Active.String())
	require.Equal(t, "175 IO", d.Cooling.String())
	require.True(t, d.Held.IsZero())
	got, err := b.Withdraw(owner)
	require.NoError(t, err)
	require.Equal(t, "175 IO", got.String())
}

func TestStakingBadInputChangesNothing(t *testing.T) {
	b, _, owner := newStakedDevice(t, "rig", "800")
	before, err := b.Device("rig")
	require.NoError(t, err)

	errs := []struct {
		name string
		err  error
		kind error
	}{
		{"register twice", b.Register("rig", owner, io("1")), iog.ErrConflict},
		{"register bad id", b.Register("a/b", owner, io("1")), iog.ErrInvalid},
		{"register no owner", b.Register("x", iog.WalletAddress{}, io("1")), iog.ErrInvalid},
		{"register in USDC", b.Register("x", owner, iog.MustParseAmount("1 USDC")), iog.ErrCurrencyMismatch},
		{"stake unknown device", b.Stake("nope", owner, io("1")), iog.ErrNotFound},
		{"stake zero", b.Stake("rig", owner, io("0")), iog.ErrInvalid},
		{"stake negative", b.Stake("rig", owner, io("-1")), iog.ErrInvalid},
		{"stake no wallet", b.Stake("rig", iog.WalletAddress{}, io("1")), iog.ErrInvalid},
		{"unstake too much", second(b.Unstake("rig", owner, io("801"))), iog.ErrInsufficientFunds},
		{"unstake stranger", second(b.Unstake("rig", wallet(5), io("1"))), iog.ErrInsufficientFunds},
		{"slash too much", second(b.ProposeSlash("rig", io("801"), tokenomics.SpoofedHardware, "x")), iog.ErrInsufficientFunds},
		{"slash no evidence", second(b.ProposeSlash("rig", io("1"), tokenomics.SpoofedHardware, "")), iog.ErrInvalid},
		{"slash no reason", second(b.ProposeSlash("rig", io("1"), 0, "x")), iog.ErrInvalid},
		{"appeal unknown", second(b.Appeal(99, owner, "x")), iog.ErrNotFound},
		{"resolve unknown", second(b.ResolveSlash(99, true)), iog.ErrNotFound},
		{"share zero stake device", second(b.ShareReward("nope", io("1"))), iog.ErrNotFound},
	}
	for _, e := range errs {
		require.ErrorIs(t, e.err, e.kind, e.name)
	}
	after, err := b.Device("rig")
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.Empty(t, b.Cooldowns(owner))
}

func second[T any](_ T, err error) error { return err }

// TestStakingConservation runs random operation sequences and checks that
// no IO is created or lost: everything staked is active, cooling, held by
// a slash, withdrawn or burned, and no position goes negative.
func TestStakingConservation(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 11))
		b, clock := newBook()
		devs := []iog.DeviceID{"d1", "d2", "d3"}
		wallets := []iog.WalletAddress{wallet(1), wallet(2), wallet(3), wallet(4)}
		for i, d := range devs {
			require.NoError(t, b.Register(d, wallets[i], io("100")))
		}
		var staked, withdrawn, burned int64
		var slashes []tokenomics.SlashID
		for range 300 {
			d := devs[rng.IntN(len(devs))]
			w := wallets[rng.IntN(len(wallets))]
			amt := iog.NewAmount(rng.Int64N(200e8)-10e8, iog.IO)
			switch rng.IntN(8) {
			case 0, 1:
				if b.Stake(d, w, amt) == nil {
					staked += amt.Units()
				}
			case 2:
				_, _ = b.Unstake(d, w, amt)
			case 3:
				got, err := b.Withdraw(w)
				require.NoError(t, err)
				withdrawn += got.Units()
			case 4:
				if s, err := b.ProposeSlash(d, amt, tokenomics.ServiceInconsistency, "missed challenges"); err == nil {
					slashes = append(slashes, s.ID)
				}
			case 5:
				if len(slashes) > 0 {
					id := slashes[rng.IntN(len(slashes))]
					_, _ = b.Appeal(id, w, "please reconsider")
					if s, err := b.ResolveSlash(id, rng.IntN(2) == 0); err == nil && s.State == tokenomics.SlashBurned {
						burned += s.Amount.Units()
					}
				}
			case 6:
				clock.Advance(time.Duration(rng.IntN(20*24)) * time.Hour)
			case 7:
				if _, err := b.Deregister(d); errors.Is(err, iog.ErrNotFound) {
					require.NoError(t, b.Register(d, w, io("100")))
				}
			}
			var held int64
			for _, d := range devs {
				ds, err := b.Device(d)
				if errors.Is(err, iog.ErrNotFound) {
					continue // deregistered, nothing of its stake left
				}
				require.NoError(t, err)
				for _, p := range ds.Positions {
					require.GreaterOrEqual(t, p.Active.Sign(), 0)
				}
				held += ds.Active.Units() + ds.Cooling.Units() + ds.Held.Units()
			}
			require.Equal(t, staked, held+withdrawn+burned, "seed %d", seed)
		}
	}
}

// TestStakeBookConcurrent runs stakers, slashes, reward shares and
// withdrawals on one book from several goroutines (run it with -race):
// StakeBook says it is safe for concurrent use, and no IO may be created
// or lost when the calls interleave.
func TestStakeBookConcurrent(t *testing.T) {
	b, clock := newBook()
	assert.NoError(t, b.Register("rig", wallet(1), io("100")))
	var staked, withdrawn, burned [4]int64
	var wg sync.WaitGroup
	for g := range 4 {
		w := wallet(byte(g + 1))
		wg.Go(func() {
			for i := range 200 {
				if b.Stake("rig", w, io("10")) == nil {
					staked[g] += 10e8
				}
				_, _ = b.Unstake("rig", w, io("3"))
				if _, err := b.ShareReward("rig", io("1")); err != nil {
					assert.ErrorIs(t, err, iog.ErrConflict)
				}
				if i%20 == 0 {
					if s, err := b.ProposeSlash("rig", io("5"), tokenomics.FalsifiedData, "bad telemetry"); err == nil {
						_, _ = b.Appeal(s.ID, w, "not us")
						if r, err := b.ResolveSlash(s.ID, g%2 == 0); err == nil && r.State == tokenomics.SlashBurned {
							burned[g] += r.Amount.Units()
						}
					}
					clock.Advance(24 * time.Hour)
				}
				got, err := b.Withdraw(w)
				assert.NoError(t, err)
				withdrawn[g] += got.Units()
				_, err = b.Device("rig")
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	d, err := b.Device("rig")
	require.NoError(t, err)
	var in, out int64
	for g := range 4 {
		in += staked[g]
		out += withdrawn[g] + burned[g]
	}
	require.Positive(t, out)
	require.Equal(t, in, out+d.Active.Units()+d.Cooling.Units()+d.Held.Units(), "nothing created or lost")
}

// TestStakeOverflow: a device's stake, active, cooling and held together,
// and a withdrawal, never pass what an amount holds; the stake that would
// is refused and changes nothing.
func TestStakeOverflow(t *testing.T) {
	b, clock := newBook()
	most := iog.NewAmount(math.MaxInt64, iog.IO)
	for _, d := range []iog.DeviceID{"a", "b"} {
		require.NoError(t, b.Register(d, wallet(1), io("1")))
		require.NoError(t, b.Stake(d, wallet(1), most))
	}
	before, err := b.Device("a")
	require.NoError(t, err)
	require.ErrorIs(t, b.Stake("a", wallet(2), iog.NewAmount(1, iog.IO)), iog.ErrOverflow, "a co-staker's stake")
	_, err = b.Unstake("a", wallet(1), io("1"))
	require.NoError(t, err)
	require.ErrorIs(t, b.Stake("a", wallet(1), io("1")), iog.ErrOverflow, "stake back while cooling")
	after, err := b.Device("a")
	require.NoError(t, err)
	require.Equal(t, before.Positions[0].Active.Units()-1e8, after.Positions[0].Active.Units())
	require.Len(t, after.Positions, 1, "the refused co-staker has no position")
	require.Equal(t, int64(math.MaxInt64), after.Active.Units()+after.Cooling.Units())

	// Two devices' cooldowns exceed an amount together: each withdrawal
	// pays what fits and leaves the rest for the next.
	_, err = b.Unstake("a", wallet(1), after.Positions[0].Active)
	require.NoError(t, err)
	_, err = b.Unstake("b", wallet(1), most)
	require.NoError(t, err)
	clock.Advance(tokenomics.DefaultCooldown)
	var total []int64
	for range 3 {
		got, err := b.Withdraw(wallet(1))
		require.NoError(t, err)
		require.GreaterOrEqual(t, got.Sign(), 0)
		total = append(total, got.Units())
	}
	require.Equal(t, int64(math.MaxInt64), total[0], "the first withdrawal is one device's worth")
	require.Equal(t, int64(math.MaxInt64), total[1])
	require.Zero(t, total[2])
	require.Empty(t, b.Cooldowns(wallet(1)))
}
