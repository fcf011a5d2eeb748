package tokenomics_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

// stakeWorld is a book and the clock it reads.
type stakeWorld struct {
	book  *tokenomics.StakeBook
	clock *iog.ManualClock
}

var (
	worldDevices = []iog.DeviceID{"d1", "d2", "d3"}
	worldWallets = []iog.WalletAddress{wallet(1), wallet(2), wallet(3), wallet(4)}
)

// stakeOp is one random operation, drawn once and applied to any world;
// it returns what the operation answered, for comparing worlds.
type stakeOp func(w stakeWorld) string

func randomStakeOp(rng *rand.Rand) stakeOp {
	d := worldDevices[rng.IntN(len(worldDevices))]
	who := worldWallets[rng.IntN(len(worldWallets))]
	amt := iog.NewAmount(rng.Int64N(200e8)-10e8, iog.IO)
	id := tokenomics.SlashID(rng.IntN(12) + 1)
	upheld := rng.IntN(2) == 0
	hours := time.Duration(rng.IntN(20*24)) * time.Hour
	switch rng.IntN(10) {
	case 0:
		return func(w stakeWorld) string { return fmt.Sprint(w.book.Register(d, who, amt)) }
	case 1, 2:
		return func(w stakeWorld) string { return fmt.Sprint(w.book.Stake(d, who, amt)) }
	case 3:
		return func(w stakeWorld) string { return fmt.Sprint(w.book.Unstake(d, who, amt)) }
	case 4:
		return func(w stakeWorld) string { return fmt.Sprint(w.book.Withdraw(who)) }
	case 5:
		return func(w stakeWorld) string {
			return fmt.Sprint(w.book.ProposeSlash(d, amt, tokenomics.ServiceInconsistency, "missed challenges"))
		}
	case 6:
		return func(w stakeWorld) string { return fmt.Sprint(w.book.Appeal(id, who, "please reconsider")) }
	case 7:
		return func(w stakeWorld) string { return fmt.Sprint(w.book.ResolveSlash(id, upheld)) }
	case 8:
		return func(w stakeWorld) string { return fmt.Sprint(w.book.Deregister(d)) }
	default:
		return func(w stakeWorld) string { return fmt.Sprint(w.clock.Advance(hours)) }
	}
}

// queries answers every question a server asks of a book.
func queries(w stakeWorld) string {
	out := fmt.Sprint(w.book.LastID())
	for _, d := range worldDevices {
		out += fmt.Sprint(w.book.Device(d))
		out += fmt.Sprint(w.book.ShareReward(d, io("7")))
	}
	for _, who := range worldWallets {
		out += fmt.Sprint(w.book.Cooldowns(who))
	}
	for id := range tokenomics.SlashID(13) {
		out += fmt.Sprint(w.book.Slash(id))
	}
	return out
}

// restored returns a fresh world restored from w's records, through JSON
// as a server would store them.
func restored(t *testing.T, w stakeWorld) stakeWorld {
	t.Helper()
	data, err := json.Marshal(w.book.Records())
	require.NoError(t, err)
	var r tokenomics.StakeRecords
	require.NoError(t, json.Unmarshal(data, &r))
	clock := iog.NewManualClock(w.clock.Now())
	b := tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
	require.NoError(t, b.Restore(r))
	return stakeWorld{book: b, clock: clock}
}

// Property: after any sequence of operations, a book restored from the
// records answers every query the same, and the same further operations
// answer the same and end in the same records. The per-entity records
// are the ones Records lists.
func TestStakeBookRestoresExactly(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 23))
		b, clock := newBook()
		w := stakeWorld{book: b, clock: clock}
		for range rng.IntN(150) {
			randomStakeOp(rng)(w)
		}
		r := w.book.Records()
		for _, d := range r.Devices {
			got, ok := w.book.DeviceRecord(d.Device)
			require.True(t, ok)
			require.Equal(t, d, got)
		}
		for _, c := range r.Cooldowns {
			got, ok := w.book.CooldownRecord(c.ID)
			require.True(t, ok)
			require.Equal(t, c, got)
		}
		for _, s := range r.Slashes {
			got, ok := w.book.SlashRecord(s.ID)
			require.True(t, ok)
			require.Equal(t, s, got)
		}

		again := restored(t, w)
		require.Equal(t, r, again.book.Records(), "seed %d", seed)
		require.Equal(t, queries(w), queries(again), "seed %d", seed)
		for i := range 100 {
			op := randomStakeOp(rng)
			require.Equal(t, op(w), op(again), "seed %d, op %d after the restore", seed, i)
		}
		require.Equal(t, w.book.Records(), again.book.Records(), "seed %d", seed)
		require.Equal(t, queries(w), queries(again), "seed %d", seed)
	}
}

// validRecords returns the records of a book with a device, a co-staker,
// a cooldown, a withdrawn cooldown a pending slash took from, and a
// resolved slash.
func validRecords(t *testing.T) tokenomics.StakeRecords {
	t.Helper()
	b, clock, owner := newStakedDevice(t, "rig", "800")
	require.NoError(t, b.Stake("rig", wallet(2), io("200")))
	_, err := b.Unstake("rig", wallet(2), io("100"))
	require.NoError(t, err)
	old, err := b.ProposeSlash("rig", io("10"), tokenomics.FalsifiedData, "wrong results")
	require.NoError(t, err)
	_, err = b.ResolveSlash(old.ID, false)
	require.NoError(t, err)
	_, err = b.ProposeSlash("rig", io("90"), tokenomics.SpoofedHardware, "benchmark below the model")
	require.NoError(t, err)
	clock.Advance(tokenomics.DefaultCoStakerCooldown)
	_, err = b.Withdraw(wallet(2))
	require.NoError(t, err)
	_, err = b.Unstake("rig", owner, io("50"))
	require.NoError(t, err)
	r := b.Records()
	require.Len(t, r.Cooldowns, 1)
	require.Len(t, r.Slashes, 2)
	return r
}

func TestStakeBookRestoreRefusesBadRecords(t *testing.T) {
	tests := map[string]func(r *tokenomics.StakeRecords){
		"device twice":      func(r *tokenomics.StakeRecords) { r.Devices = append(r.Devices, r.Devices[0]) },
		"bad device ID":     func(r *tokenomics.StakeRecords) { r.Devices[0].Device = "no spaces" },
		"no owner":          func(r *tokenomics.StakeRecords) { r.Devices[0].Owner = iog.WalletAddress{} },
		"required in USD":   func(r *tokenomics.StakeRecords) { r.Devices[0].Required = iog.MustParseAmount("1 USD") },
		"negative position": func(r *tokenomics.StakeRecords) { r.Devices[0].Positions[0].Active = io("-1") },
		"position twice":    func(r *tokenomics.StakeRecords) { r.Devices[0].Positions[1].Staker = r.Devices[0].Positions[0].Staker },
		"overflowing positions": func(r *tokenomics.StakeRecords) {
			r.Devices[0].Positions[0].Active = iog.NewAmount(1<<62, iog.IO)
			r.Devices[0].Positions[1].Active = iog.NewAmount(1<<62, iog.IO)
		},
		"overflowing with held":  func(r *tokenomics.StakeRecords) { r.Devices[0].Positions[0].Active = iog.NewAmount(1<<63-1, iog.IO) },
		"cooldown ID 0":          func(r *tokenomics.StakeRecords) { r.Cooldowns[0].ID = 0 },
		"cooldown above last ID": func(r *tokenomics.StakeRecords) { r.LastID = r.Cooldowns[0].ID - 1 },
		"cooldown twice":         func(r *tokenomics.StakeRecords) { r.Cooldowns = append(r.Cooldowns, r.Cooldowns[0]) },
		"cooldown of no one":     func(r *tokenomics.StakeRecords) { r.Cooldowns[0].Staker = iog.WalletAddress{} },
		"cooldown never ready":   func(r *tokenomics.StakeRecords) { r.Cooldowns[0].Ready = time.Time{} },
		"cooldown of no device":  func(r *tokenomics.StakeRecords) { r.Cooldowns[0].Device = "elsewhere" },
		"negative cooldown":      func(r *tokenomics.StakeRecords) { r.Cooldowns[0].Amount = io("-1") },
		"slash twice":            func(r *tokenomics.StakeRecords) { r.Slashes[1].ID = r.Slashes[0].ID },
		"slash above last ID":    func(r *tokenomics.StakeRecords) { r.Slashes[1].ID = tokenomics.SlashID(r.LastID + 1) },
		"no reason":              func(r *tokenomics.StakeRecords) { r.Slashes[1].Reason = 0 },
		"no state":               func(r *tokenomics.StakeRecords) { r.Slashes[1].State = 9 },
		"no evidence":            func(r *tokenomics.StakeRecords) { r.Slashes[1].Evidence = "" },
		"deadline first":         func(r *tokenomics.StakeRecords) { r.Slashes[1].Deadline = r.Slashes[1].Proposed.Add(-time.Second) },
		"pending with an appeal": func(r *tokenomics.StakeRecords) { r.Slashes[1].Appeal, r.Slashes[1].AppealedBy = "no", wallet(1) },
		"appealed without one":   func(r *tokenomics.StakeRecords) { r.Slashes[1].State = tokenomics.SlashAppealed },
		"appeal of no one":       func(r *tokenomics.StakeRecords) { r.Slashes[0].Appeal = "no" },
		"takes short":            func(r *tokenomics.StakeRecords) { r.Slashes[1].Amount = io("91") },
		"shares not takes":       func(r *tokenomics.StakeRecords) { r.Slashes[1].Shares[0].Amount = io("1") },
		"take of no one":         func(r *tokenomics.StakeRecords) { r.Slashes[1].Takes[0].Staker = iog.WalletAddress{} },
		"take from a stranger": func(r *tokenomics.StakeRecords) {
			r.Slashes[1].Takes[0].Staker = wallet(9)
			r.Slashes[1].Shares[0].Wallet = wallet(9)
		},
		"take from a far cooldown":    func(r *tokenomics.StakeRecords) { r.Slashes[1].Takes[2].Cooldown = r.LastID + 1 },
		"take from another's":         func(r *tokenomics.StakeRecords) { r.Slashes[1].Takes[2].Cooldown = r.Cooldowns[0].ID },
		"cooldown of a device gone":   func(r *tokenomics.StakeRecords) { r.Devices = nil },
		"deregistered with positions": func(r *tokenomics.StakeRecords) { r.Devices[0].Deregistered = true },
		"pending on positions gone": func(r *tokenomics.StakeRecords) {
			r.Devices[0].Deregistered, r.Devices[0].Positions = true, nil
		},
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			r := validRecords(t)
			mutate(&r)
			b, _ := newBook()
			require.ErrorIs(t, b.Restore(r), iog.ErrInvalid)
			require.Equal(t, tokenomics.StakeRecords{Devices: []tokenomics.DeviceRecord{}, Cooldowns: []tokenomics.Cooldown{}, Slashes: []tokenomics.SlashRecord{}},
				b.Records(), "nothing restored")
			require.NoError(t, b.Restore(validRecords(t)), "and the book is still fresh")
		})
	}
	b, _ := newBook()
	require.NoError(t, b.Restore(validRecords(t)))
	require.ErrorIs(t, b.Restore(validRecords(t)), iog.ErrConflict, "a book not empty")
}

// FuzzStakeBookRestore feeds Restore the records a server might read back,
// garbled: it never panics, restores all or nothing, and what it restores
// works: it lists the same records again, and every slash can be decided,
// every device deregistered and every cooldown withdrawn.
func FuzzStakeBookRestore(f *testing.F) {
	valid, err := json.Marshal(validRecords(&testing.T{}))
	require.NoError(f, err)
	f.Add(valid)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"devices":[{"device":"rig","owner":"4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofN","required":"1 IO","positions":[]}],"last_id":0}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r tokenomics.StakeRecords
		if json.Unmarshal(data, &r) != nil {
			return
		}
		b, clock := newBook()
		if err := b.Restore(r); err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.Zero(t, b.LastID())
			require.Empty(t, b.Records().Devices)
			return
		}
		again := tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
		require.NoError(t, again.Restore(b.Records()))
		require.Equal(t, b.Records(), again.Records())
		for _, d := range r.Devices {
			_, _ = b.ShareReward(d.Device, io("1"))
			_, _ = b.ProposeSlash(d.Device, iog.NewAmount(1, iog.IO), tokenomics.FalsifiedData, "fuzz")
		}
		for _, s := range b.Records().Slashes {
			_, _ = b.Appeal(s.ID, s.AppealedBy, "again")
			if _, err := b.ResolveSlash(s.ID, s.ID%2 == 0); err != nil {
				_, _ = b.ResolveSlash(s.ID, false)
			}
		}
		for _, d := range r.Devices {
			if _, err := b.Deregister(d.Device); err != nil {
				require.True(t, d.Deregistered, "every slash is decided: %v", err)
			}
		}
		left := b.Records().Cooldowns
		for _, c := range left {
			clock.AdvanceTo(c.Ready)
		}
		for _, c := range left {
			// Each call pays at least one cooldown: those that add up to
			// more than an amount holds take several.
			for i := 0; i <= len(left) && len(b.Cooldowns(c.Staker)) > 0; i++ {
				_, err := b.Withdraw(c.Staker)
				require.NoError(t, err)
			}
		}
		require.Empty(t, b.Records().Devices, "all deregistered and withdrawn, the book forgets them")
	})
}
