package tokenomics_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

func TestSettle(t *testing.T) {
	for _, r := range readers() {
		t.Run(r.name, func(t *testing.T) {
			owner, co, other, unpaid := wallet(1), wallet(2), wallet(3), wallet(9)
			l, book := settleFixture(t, owner, co, other, unpaid)
			require.NoError(t, book.Register("rig", owner, io("800")))
			require.NoError(t, book.Stake("rig", owner, io("600")))
			require.NoError(t, book.Stake("rig", co, io("200")))
			require.NoError(t, book.Register("gone", other, io("200")))

			rig := candidate(t, "rig", "0.25", 4)
			gone := candidate(t, "gone", "1", 1) // eligible this epoch, but no stake left on the books
			emission := tokenomics.IONet().Emission(1)
			d, err := tokenomics.Distribute(1, emission, []tokenomics.RewardCandidate{rig, gone}, tokenomics.RewardConfig{})
			require.NoError(t, err)

			s, err := tokenomics.Settle(ctx, r.wrap(l), book, d, unpaid)
			require.NoError(t, err)
			require.Len(t, s.Paid, 2)
			require.Equal(t, owner, s.Paid[0].Wallet)
			supply, err := l.Supply(ctx, iog.IO)
			require.NoError(t, err)
			require.Equal(t, emission, supply, "the whole emission is on the ledger")
			u, err := l.Balance(ctx, unpaid, iog.IO)
			require.NoError(t, err)
			require.Equal(t, s.Unpaid, u.Available)
			require.Positive(t, s.Unpaid.Sign(), "the Community pool and the stakeless device")

			// Settling again pays nothing twice.
			_, err = tokenomics.Settle(ctx, r.wrap(l), book, d, unpaid)
			require.NoError(t, err)
			again, err := l.Supply(ctx, iog.IO)
			require.NoError(t, err)
			require.Equal(t, supply, again)

			_, err = tokenomics.Settle(ctx, r.wrap(l), book, d, iog.WalletAddress{})
			require.ErrorIs(t, err, iog.ErrInvalid)
			d.Epoch = 2
			_, err = tokenomics.Settle(ctx, r.wrap(l), book, d, wallet(77))
			require.ErrorIs(t, err, iog.ErrNotFound, "the unpaid account must be open")
			after, err := l.Supply(ctx, iog.IO)
			require.NoError(t, err)
			require.Equal(t, supply, after, "and nothing is minted without it")
			require.Equal(t, r.batched, r.reads(), "the reads went through a BatchReader")
		})
	}
}

// TestSettleUnopenedStakerChangesNothing: a staker whose account is not
// open fails the settlement before anything is minted, so the epoch is
// not left half paid; once the account is open, it settles in full.
func TestSettleUnopenedStakerChangesNothing(t *testing.T) {
	for _, r := range readers() {
		t.Run(r.name, func(t *testing.T) {
			owner, co, unpaid := wallet(1), wallet(2), wallet(9)
			l, book := settleFixture(t, owner, unpaid) // not co
			require.NoError(t, book.Register("rig", owner, io("800")))
			require.NoError(t, book.Stake("rig", owner, io("600")))
			require.NoError(t, book.Stake("rig", co, io("200")))
			emission := tokenomics.IONet().Emission(1)
			d, err := tokenomics.Distribute(1, emission, []tokenomics.RewardCandidate{candidate(t, "rig", "0.25", 4)}, tokenomics.RewardConfig{})
			require.NoError(t, err)

			_, err = tokenomics.Settle(ctx, r.wrap(l), book, d, unpaid)
			require.ErrorIs(t, err, iog.ErrNotFound)
			minted := supply(t, l, iog.IO)
			require.True(t, minted.IsZero(), "nothing minted: %v", minted)

			_, err = l.Apply(ctx, ledger.Op{Kind: ledger.Open, Key: "open-co", Reason: "test", To: co})
			require.NoError(t, err)
			_, err = tokenomics.Settle(ctx, r.wrap(l), book, d, unpaid)
			require.NoError(t, err)
			require.Equal(t, emission, supply(t, l, iog.IO))
			require.Equal(t, r.batched, r.reads(), "the reads went through a BatchReader")
		})
	}
}

// settleFixture returns a memory ledger with the accounts open, and a
// stake book, on one clock.
func settleFixture(t *testing.T, accounts ...iog.WalletAddress) (*ledger.Memory, *tokenomics.StakeBook) {
	clock := iog.NewManualClock(t0)
	l := ledger.NewMemory(ledger.MemoryConfig{Clock: clock})
	for i, w := range accounts {
		_, err := l.Apply(ctx, ledger.Op{Kind: ledger.Open, Key: "open-" + strconv.Itoa(i), Reason: "test", To: w})
		require.NoError(t, err)
	}
	return l, tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
}

// batchReader is a ledger with a tokenomics.BatchReader of its own, that
// counts the batches it read.
type batchReader struct {
	ledger.Ledger
	batches *int
}

var _ tokenomics.BatchReader = batchReader{}

func (b batchReader) Opened(ctx context.Context, accounts []iog.WalletAddress) (map[iog.WalletAddress]bool, error) {
	*b.batches++
	out := make(map[iog.WalletAddress]bool)
	for _, w := range accounts {
		_, err := b.Balance(ctx, w, iog.IO)
		if err != nil && !errors.Is(err, iog.ErrNotFound) {
			return nil, err
		}
		out[w] = err == nil
	}
	return out, nil
}

func (b batchReader) Entries(ctx context.Context, keys []string) (map[string]ledger.Entry, error) {
	*b.batches++
	out := make(map[string]ledger.Entry)
	for _, k := range keys {
		e, err := b.Entry(ctx, k)
		if errors.Is(err, iog.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[k] = e
	}
	return out, nil
}

// settleReader is one way for Settle to read a ledger: wrap makes the
// ledger it settles on, and reads says whether it read batches since.
type settleReader struct {
	name    string
	batched bool
	wrap    func(ledger.Ledger) ledger.Ledger
	reads   func() bool
}

// readers returns the ways Settle reads, each with a count of its own:
// account by account and key by key, and through a BatchReader. Each test
// settles both ways.
func readers() []settleReader {
	var batches int
	return []settleReader{
		{name: "one by one", wrap: func(l ledger.Ledger) ledger.Ledger { return l }, reads: func() bool { return false }},
		{name: "batched", batched: true, wrap: func(l ledger.Ledger) ledger.Ledger { return batchReader{Ledger: l, batches: &batches} }, reads: func() bool { return batches > 0 }},
	}
}

// cutLedger is a ledger that fails every Apply after the first n, as a
// crash part way through a settlement would leave it.
type cutLedger struct {
	ledger.Ledger
	n int
}

func (c *cutLedger) Apply(ctx context.Context, op ledger.Op) (ledger.Entry, error) {
	if c.n == 0 {
		return ledger.Entry{}, fmt.Errorf("cut: %w", iog.ErrUnavailable)
	}
	c.n--
	return c.Ledger.Apply(ctx, op)
}

// TestSettleRetry: a settlement cut short is completed by settling again;
// but once the stakes have changed, the shares differ from those already
// minted, and the retry is refused before it mints anything more.
func TestSettleRetry(t *testing.T) {
	for _, r := range readers() {
		t.Run(r.name, func(t *testing.T) {
			owner, co, unpaid := wallet(1), wallet(2), wallet(9)
			mem, book := settleFixture(t, owner, co, unpaid)
			require.NoError(t, book.Register("rig", owner, io("800")))
			require.NoError(t, book.Stake("rig", owner, io("600")))
			require.NoError(t, book.Stake("rig", co, io("200")))
			emission := tokenomics.IONet().Emission(1)
			d, err := tokenomics.Distribute(1, emission, []tokenomics.RewardCandidate{candidate(t, "rig", "0.25", 4)}, tokenomics.RewardConfig{})
			require.NoError(t, err)

			_, err = tokenomics.Settle(ctx, r.wrap(&cutLedger{Ledger: mem, n: 1}), book, d, unpaid)
			require.ErrorIs(t, err, iog.ErrUnavailable)
			partial := supply(t, mem, iog.IO)
			require.Positive(t, partial.Sign())
			require.Less(t, partial.Units(), emission.Units())

			// The co-staker stakes more before the retry: the owner's share,
			// already minted, would now be smaller.
			require.NoError(t, book.Stake("rig", co, io("200")))
			_, err = tokenomics.Settle(ctx, r.wrap(mem), book, d, unpaid)
			require.ErrorIs(t, err, iog.ErrConflict)
			after := supply(t, mem, iog.IO)
			require.Equal(t, partial, after, "the refused retry minted nothing")

			// With the stakes as they were, the retry completes the epoch.
			_, err = book.Unstake("rig", co, io("200"))
			require.NoError(t, err)
			_, err = tokenomics.Settle(ctx, r.wrap(mem), book, d, unpaid)
			require.NoError(t, err)
			after = supply(t, mem, iog.IO)
			require.Equal(t, emission, after)
			require.Equal(t, r.batched, r.reads(), "the reads went through a BatchReader")
		})
	}
}

// sharerFunc is a RewardSharer of a test's own: Settle needs no StakeBook.
type sharerFunc func(iog.DeviceID, iog.Amount) ([]tokenomics.Share, error)

func (f sharerFunc) ShareReward(dev iog.DeviceID, reward iog.Amount) ([]tokenomics.Share, error) {
	return f(dev, reward)
}

func TestSettleTakesAnySharer(t *testing.T) {
	l := ledger.NewMemory(ledger.MemoryConfig{Clock: iog.NewManualClock(t0)})
	holder, unpaid := wallet(5), wallet(9)
	for i, w := range []iog.WalletAddress{holder, unpaid} {
		_, err := l.Apply(ctx, ledger.Op{Kind: ledger.Open, Key: "open-" + strconv.Itoa(i), Reason: "test", To: w})
		require.NoError(t, err)
	}
	d, err := tokenomics.Distribute(1, io("100"), []tokenomics.RewardCandidate{candidate(t, "rig", "1", 1)}, tokenomics.RewardConfig{EnterpriseShare: rate(t, "1")})
	require.NoError(t, err)
	all := sharerFunc(func(_ iog.DeviceID, r iog.Amount) ([]tokenomics.Share, error) {
		return []tokenomics.Share{{Wallet: holder, Amount: r}}, nil
	})
	s, err := tokenomics.Settle(ctx, l, all, d, unpaid)
	require.NoError(t, err)
	require.Equal(t, []tokenomics.Share{{Wallet: holder, Amount: io("100")}}, s.Paid)

	none := sharerFunc(func(dev iog.DeviceID, _ iog.Amount) ([]tokenomics.Share, error) {
		return nil, fmt.Errorf("device %s: %w", dev, iog.ErrConflict)
	})
	d.Epoch = 2
	s, err = tokenomics.Settle(ctx, l, none, d, unpaid)
	require.NoError(t, err)
	require.Empty(t, s.Paid)
	require.Equal(t, io("100"), s.Unpaid, "a payout no one can take is unpaid")
}
