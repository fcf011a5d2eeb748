package store

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

// RewardClaim is a wallet's claim of its block rewards: the unclaimed
// shares it paid, at once.
type RewardClaim struct {
	ID     int64
	Wallet iog.WalletAddress
	// Amount is the sum of the Shares shares it paid, of the epochs
	// FirstEpoch to LastEpoch.
	Amount                iog.Amount
	Shares                int
	FirstEpoch, LastEpoch uint64
	Claimed               time.Time
}

// Key is the idempotency key of the claim's ledger transfer.
func (c RewardClaim) Key() string { return fmt.Sprintf("rewards-claim:%d", c.ID) }

// InsertRewardShares records the shares an epoch allotted, unclaimed. A
// share recorded before (the same epoch, device and wallet) fails on the
// primary key, and its transaction with it.
func (t *Tx) InsertRewardShares(epoch uint64, shares []tokenomics.DeviceShare) error {
	err := t.insertRows("reward_shares", []string{"epoch", "device", "wallet", "amount"}, len(shares), func(args []any, i int) []any {
		sh := shares[i]
		return append(args, int64(epoch), string(sh.Device), sh.Wallet.String(), sh.Amount.Units())
	})
	if err != nil {
		return fmt.Errorf("store the reward shares of epoch %d: %w", epoch, err)
	}
	return nil
}

// Unclaimed returns the sum of a wallet's unclaimed reward shares, and
// how many there are.
func (t *Tx) Unclaimed(wallet iog.WalletAddress) (iog.Amount, int, error) {
	var units int64
	var n int
	err := t.tx.QueryRowContext(t.ctx, "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT), COUNT(*) FROM reward_shares WHERE wallet = $1 AND claim IS NULL",
		wallet.String()).Scan(&units, &n)
	if err != nil {
		return iog.Amount{}, 0, fmt.Errorf("unclaimed rewards of %v: %w", wallet, err)
	}
	return iog.NewAmount(units, iog.IO), n, nil
}

// ClaimRewards marks every unclaimed share of wallet claimed by a new
// claim at now, and returns the claim; the caller pays its Amount. A
// wallet with nothing unclaimed is iog.ErrNotFound, and on an error the
// transaction must not commit. The shares are taken by one UPDATE, so
// that of two claims at once on PostgreSQL the second finds those the
// first took claimed.
func (t *Tx) ClaimRewards(wallet iog.WalletAddress, now time.Time) (RewardClaim, error) {
	c := RewardClaim{Wallet: wallet, Amount: iog.Zero(iog.IO), Claimed: now}
	what := fmt.Sprintf("claim the rewards of %v", wallet)
	err := t.tx.QueryRowContext(t.ctx, `INSERT INTO reward_claims (wallet, amount, shares, first_epoch, last_epoch, claimed)
		VALUES ($1, 0, 0, 0, 0, $2) RETURNING id`, wallet.String(), unix(now)).Scan(&c.ID)
	if err != nil {
		return RewardClaim{}, fmt.Errorf("%s: %w", what, err)
	}
	rows, err := t.tx.QueryContext(t.ctx, "UPDATE reward_shares SET claim = $1 WHERE wallet = $2 AND claim IS NULL RETURNING epoch, amount",
		c.ID, wallet.String())
	if err != nil {
		return RewardClaim{}, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var epoch, units int64
		if err := rows.Scan(&epoch, &units); err != nil {
			return RewardClaim{}, fmt.Errorf("%s: %w", what, err)
		}
		if c.Amount, err = c.Amount.Add(iog.NewAmount(units, iog.IO)); err != nil {
			return RewardClaim{}, fmt.Errorf("%s: %w", what, err)
		}
		e := uint64(epoch)
		if c.Shares == 0 || e < c.FirstEpoch {
			c.FirstEpoch = e
		}
		c.LastEpoch = max(c.LastEpoch, e)
		c.Shares++
	}
	if err := rows.Err(); err != nil {
		return RewardClaim{}, fmt.Errorf("%s: %w", what, err)
	}
	if c.Shares == 0 {
		return RewardClaim{}, fmt.Errorf("wallet %v has no unclaimed rewards: %w", wallet, iog.ErrNotFound)
	}
	err = t.exec("UPDATE reward_claims SET amount = $1, shares = $2, first_epoch = $3, last_epoch = $4 WHERE id = $5",
		c.Amount.Units(), c.Shares, int64(c.FirstEpoch), int64(c.LastEpoch), c.ID)
	if err != nil {
		return RewardClaim{}, fmt.Errorf("%s: %w", what, err)
	}
	return c, nil
}

// RewardTotals are the block rewards of every settled epoch: what the
// epochs allotted, and what of it claims paid.
type RewardTotals struct {
	Allotted, Claimed iog.Amount
	// Paid is the sum of the claims' amounts, which must be Claimed.
	Paid iog.Amount
}

// RewardTotals sums the reward shares and the claims.
func (t *Tx) RewardTotals() (RewardTotals, error) {
	var allotted, claimed, paid int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT
		CAST(COALESCE(SUM(amount), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN claim IS NULL THEN 0 ELSE amount END), 0) AS BIGINT),
		(SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM reward_claims)
		FROM reward_shares`).Scan(&allotted, &claimed, &paid)
	if err != nil {
		return RewardTotals{}, fmt.Errorf("reward totals: %w", err)
	}
	return RewardTotals{Allotted: iog.NewAmount(allotted, iog.IO), Claimed: iog.NewAmount(claimed, iog.IO), Paid: iog.NewAmount(paid, iog.IO)}, nil
}
