package store

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// EpochReward is what a wallet was allotted of one epoch's block rewards,
// and when the epoch ended.
type EpochReward struct {
	Epoch  uint64
	Ended  time.Time
	Amount iog.Amount
}

// RewardsSince returns a wallet's shares of the block rewards of each
// epoch that ended at or after since, summed over its devices, by epoch.
func (t *Tx) RewardsSince(w iog.WalletAddress, since time.Time) ([]EpochReward, error) {
	return queryAll(t, "rewards", `SELECT s.epoch, e.ended, CAST(SUM(s.amount) AS BIGINT) FROM reward_shares s JOIN epochs e ON e.number = s.epoch
		WHERE s.wallet = $1 AND s.epoch >= (SELECT COALESCE(MIN(number), 0) FROM epochs WHERE ended >= $2) AND e.ended >= $2
		GROUP BY s.epoch, e.ended ORDER BY s.epoch`, []any{w.String(), unix(since)}, func(row scanner) (EpochReward, error) {
		var r EpochReward
		var epoch, ended, units int64
		if err := row.Scan(&epoch, &ended, &units); err != nil {
			return r, fmt.Errorf("read rewards: %w", err)
		}
		if epoch < 1 || units < 0 {
			return r, fmt.Errorf("rewards of %v in epoch %d: stored rows are corrupt: %w", w, epoch, iog.ErrInvalid)
		}
		return EpochReward{Epoch: uint64(epoch), Ended: time.Unix(0, ended).UTC(), Amount: iog.NewAmount(units, iog.IO)}, nil
	})
}
