package refserver

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// The parts of the keys of a cluster hour's releases (settleThrough)
// after the hour's: a supplier's payout for a device, and the network's
// fees. Earnings tell them apart by them.
const (
	payoutKey = ":device:"
	feesKey   = ":fees"
)

// maxEarningsDays bounds the days of an earnings history, and
// defaultEarningsDays is what one answers without a days parameter.
const (
	maxEarningsDays     = 90
	defaultEarningsDays = 30
)

// getEarnings answers a wallet's earnings of its last days (the days
// parameter, today included), a bucket a UTC day: its block reward shares
// by the epochs' ends (the reward_shares table, by wallet and epoch), and
// from its ledger entries (by the ledger's index of the wallet's entries,
// read back from the latest until the first day) its devices' payouts for
// the cluster hours paid out and the fees its clusters paid.
func (s *Server) getEarnings(c *call) (any, error) {
	w, err := iog.ParseWalletAddress(c.param("wallet"))
	if err != nil {
		return nil, fmt.Errorf("earnings: %w", err)
	}
	days := defaultEarningsDays
	if v := c.r.URL.Query().Get("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 1 || days > maxEarningsDays {
			return nil, fmt.Errorf("days %q: 1 to %d: %w", clip(v), maxEarningsDays, iog.ErrInvalid)
		}
	}
	now := c.now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	from := today.AddDate(0, 0, 1-days)
	out := api.EarningsHistory{Wallet: w, Days: make([]api.EarningsDay, days)}
	for i := range out.Days {
		out.Days[i] = api.EarningsDay{Day: from.AddDate(0, 0, i), Rewards: iog.Zero(iog.IO), Rentals: []iog.Amount{}, Fees: []iog.Amount{}}
	}
	day := func(t time.Time) *api.EarningsDay {
		i := int(t.Sub(from) / (24 * time.Hour))
		if t.Before(from) || i >= days {
			return nil
		}
		return &out.Days[i]
	}
	var rewards []store.EpochReward
	if err := c.read(func(tx *store.Tx) error {
		rewards, err = tx.RewardsSince(w, from)
		return err
	}); err != nil {
		return nil, err
	}
	for _, r := range rewards {
		if d := day(r.Ended); d != nil {
			if d.Rewards, err = d.Rewards.Add(r.Amount); err != nil {
				return nil, err
			}
		}
	}
	l := s.store.Ledger()
	for before := uint64(0); ; {
		page, err := l.EntriesOfBefore(c.r.Context(), w, before, maxExplorerPage)
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			if e.Time.Before(from) {
				return out, nil
			}
			if err := addEarning(day(e.Time), w, e); err != nil {
				return nil, err
			}
			before = e.Seq
		}
		if len(page) < maxExplorerPage {
			return out, nil
		}
	}
}

// addEarning adds to d what one of w's ledger entries earned or paid of a
// cluster hour: a payout to w for its device, or the fees released from
// w's hold. A day past today (a clock stepped back) counts nothing.
func addEarning(d *api.EarningsDay, w iog.WalletAddress, e ledger.AccountEntry) error {
	if d == nil || e.Op.Kind != ledger.Release || !strings.HasPrefix(e.Op.Key, "cluster:") {
		return nil
	}
	var err error
	switch {
	case strings.Contains(e.Op.Key, payoutKey) && e.Op.To == w:
		d.Rentals, err = addIn(d.Rentals, e.Op.Amount)
	case strings.HasSuffix(e.Op.Key, feesKey) && e.Held.Sign() < 0:
		d.Fees, err = addIn(d.Fees, e.Op.Amount)
	}
	return err
}

// addIn adds a to the amount of its currency in list, kept by currency.
func addIn(list []iog.Amount, a iog.Amount) ([]iog.Amount, error) {
	i, found := slices.BinarySearchFunc(list, a.Currency(), func(x iog.Amount, c iog.Currency) int { return cmp.Compare(x.Currency(), c) })
	if !found {
		return slices.Insert(list, i, a), nil
	}
	sum, err := list[i].Add(a)
	list[i] = sum
	return list, err
}
