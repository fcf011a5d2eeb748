package refserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// emission is the network's emission schedule, io.net's: epoch n mints
// emission.Emission(n), whatever Config.EpochLength is.
var emission = tokenomics.IONet()

func (s *Server) epochLoops() []loop {
	return []loop{{name: "epochs", every: s.cfg.EpochLength / 10, step: s.settleEpoch}}
}

// settleEpoch settles the oldest epoch that has ended and is not settled
// yet, if any, in one transaction: its nominations, its block rewards
// minted to the stakers, its buy-back and burn, the devices it marks
// missed, and its row; the devices' next health windows start lazily
// (windows.go). The row's primary key and the ledger's
// idempotency keys make sure no epoch is settled twice, and the lock
// EpochGenesis takes makes a second server running the step at the same
// time wait and then find the epoch settled. After a downtime it catches
// up one epoch a round.
func (s *Server) settleEpoch(ctx context.Context) error {
	started := time.Now()
	var settled *store.Epoch
	err := s.store.Tx(ctx, func(tx *store.Tx) error {
		var err error
		settled, err = s.settleDue(ctx, tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("settle epoch: %w", err)
	}
	if settled != nil {
		s.metrics.epochSeconds.Observe(time.Since(started).Seconds())
		s.metrics.lastEpoch.Set(float64(settled.Number))
		s.log.Info("epoch settled", "epoch", settled.Number, "emission", settled.Emission, "rewarded", settled.Rewarded, "failed", settled.Failed, "burned", settled.Burned)
	}
	return nil
}

// settleDue settles the epoch due in tx and returns it, or nil when none
// is due.
func (s *Server) settleDue(ctx context.Context, tx *store.Tx) (*store.Epoch, error) {
	now := s.cfg.Clock.Now().UTC()
	proposed := s.cfg.Genesis.UTC()
	if proposed.IsZero() {
		proposed = now
	}
	genesis, err := tx.EpochGenesis(proposed)
	if err != nil {
		return nil, err
	}
	if !s.cfg.Genesis.IsZero() && !genesis.Equal(proposed) {
		return nil, fmt.Errorf("configured genesis %v differs from the database's %v: %w", proposed, genesis, iog.ErrConflict)
	}
	e := store.Epoch{Number: 1, Started: genesis}
	last, ok, err := tx.LastEpoch()
	if err != nil {
		return nil, err
	}
	if ok {
		// Each epoch starts where the last ended, so a change of
		// EpochLength renumbers nothing settled.
		e.Number, e.Started = last.Number+1, last.Ended
	}
	e.Ended = e.Started.Add(s.cfg.EpochLength)
	if now.Before(e.Ended) {
		return nil, nil
	}
	e.Settled = now
	outcomes, err := s.reward(ctx, tx, &e)
	if err != nil {
		return nil, err
	}
	if err := s.buyBackAndBurn(ctx, tx, &e); err != nil {
		return nil, err
	}
	if err := tx.InsertEpoch(e, outcomes); err != nil {
		return nil, err
	}
	return &e, nil
}

// nominee is an active device considered for an epoch's block reward.
type nominee struct {
	device store.LiveDevice
	// reason is set when the device failed before the reward code saw
	// it; otherwise standing is the verifier's word on it, and detail
	// says why that is not eligible (explainStandings).
	reason, detail string
	standing       gpu.Standing
}

// reward nominates the devices, distributes the epoch's emission among
// the eligible ones, allots it to their stakers (mintRewards), marks missed the devices
// silent at its end, and returns what became of each nominee.
func (s *Server) reward(ctx context.Context, tx *store.Tx, e *store.Epoch) ([]store.EpochDevice, error) {
	devices, err := tx.LiveDevices(s.cfg.Clock.Now())
	if err != nil {
		return nil, err
	}
	hired, err := tx.HiredDevices()
	if err != nil {
		return nil, err
	}
	records, err := tx.LoadStake(nil)
	if err != nil {
		return nil, err
	}
	book := s.newStakeBook()
	if err := book.Restore(records); err != nil {
		return nil, fmt.Errorf("restore the stake book: %w", err)
	}
	// The accounts are opened, locking the ledger's head, after the
	// device rows and the stake book: the store's lock order. Another
	// area may have opened the fee account already, for its own reason:
	// openAccount leaves an open account as it is.
	for _, w := range []iog.WalletAddress{s.accounts.Rewards, s.accounts.Unpaid, s.accounts.Fees, s.accounts.Market} {
		if err := openAccount(tx, w, "a network account"); err != nil {
			return nil, err
		}
	}
	// Judged from their records by the verifier's own rule, without a
	// verifier holding them all.
	v, err := s.verifier()
	if err != nil {
		return nil, err
	}
	nominees := make([]nominee, 0, len(devices))
	candidates := make([]tokenomics.RewardCandidate, 0, len(devices))
	var missed []store.LiveDevice
	var prevEnd time.Time // the zero time for the first epoch: no window to roll
	if e.Number > 1 {
		prevEnd = e.Started
	}
	for i := range devices {
		d := &devices[i]
		// The window the last epoch started (see windows.go).
		h, err := s.rollWindow(d.Health, prevEnd)
		if err != nil {
			return nil, fmt.Errorf("device %s: %w", d.ID, err)
		}
		closing, err := s.noteSilence(h, e.Ended)
		if err != nil {
			closing = h
		}
		if d.State == string(api.DeviceActive) {
			n := nominee{device: *d}
			standing := v.StandingAt(d.Trust, d.ProvenSince, d.Proven)
			if !d.Copied {
				standing = v.StandingOf(d.Verifier)
			}
			c, reason := s.candidate(standing, book, *d, closing.Uptime(e.Ended), hired[d.ID])
			if n.reason = reason; reason == "" {
				n.standing = standing
				candidates = append(candidates, c)
			}
			nominees = append(nominees, n)
		}
		// The next window starts lazily (rollWindow), but a device marked
		// missed is written now: its row's up column is a copy the
		// queries read.
		if closing.Up != h.Up {
			if d.Health, err = s.rollWindow(h, e.Ended); err != nil {
				return nil, fmt.Errorf("device %s: %w", d.ID, err)
			}
			missed = append(missed, *d)
		}
	}
	if err := explainStandings(tx, nominees); err != nil {
		return nil, err
	}
	dist, err := tokenomics.Distribute(e.Number, emission.Emission(e.Number), candidates, s.cfg.Rewards)
	if err != nil {
		return nil, err
	}
	if err := s.mintRewards(tx, e, dist, book); err != nil {
		return nil, err
	}
	if err := tx.SaveHealth(missed); err != nil {
		return nil, err
	}
	return outcomes(e, nominees, dist), nil
}

// mintRewards shares the epoch's distribution among the stakers and
// records each share, to be claimed (rewards.go), and mints the epoch's
// emission in two entries: what the shares add up to into the network's
// rewards account, and what no one earned into the unpaid account. An
// epoch's reward is then a row a share, not a ledger entry, an account
// row and a balance a staker.
func (s *Server) mintRewards(tx *store.Tx, e *store.Epoch, dist tokenomics.Distribution, book *tokenomics.StakeBook) error {
	a, err := tokenomics.Allot(book, dist)
	if err != nil {
		return err
	}
	// The shares' rows come before the ledger's head: the store's lock
	// order, which a claim takes too.
	if err := tx.InsertRewardShares(e.Number, a.Shares); err != nil {
		return err
	}
	var ops []ledger.Op
	if !a.Paid.IsZero() {
		ops = append(ops, ledger.Op{Kind: ledger.Mint, Key: fmt.Sprintf("epoch-%d:rewards", e.Number), To: s.accounts.Rewards, Amount: a.Paid,
			Reason: fmt.Sprintf("epoch %d block rewards of %d stakes, to be claimed", e.Number, len(a.Shares))})
	}
	if !a.Unpaid.IsZero() {
		ops = append(ops, ledger.Op{Kind: ledger.Mint, Key: fmt.Sprintf("epoch-%d:unpaid", e.Number), To: s.accounts.Unpaid, Amount: a.Unpaid,
			Reason: fmt.Sprintf("epoch %d emission no eligible device earned", e.Number)})
	}
	if len(ops) > 0 {
		if _, err := tx.Apply(ops...); err != nil {
			if errors.Is(err, ledger.ErrReplayed) {
				return fmt.Errorf("epoch %d's emission was minted before its row was written: %w", e.Number, iog.ErrConflict)
			}
			return err
		}
	}
	e.Emission, e.Paid, e.Unpaid = dist.Emission, a.Paid, a.Unpaid
	if total, err := e.Paid.Add(e.Unpaid); err != nil || total != e.Emission {
		return fmt.Errorf("epoch %d allotted %v and left %v unpaid of an emission of %v (%v): %w", e.Number, e.Paid, e.Unpaid, e.Emission, err, iog.ErrConflict)
	}
	return nil
}

// candidate is an active device's claim on the epoch's reward, or the
// reason it has none. Its multiplier and the stake it requires come from
// Config.Multipliers, the table staking requires stake by; its pool from
// its model's class; and whether it is nominated is tokenomics.Nominate's
// word, which Distribute asks. The reference server runs no head nodes:
// every device is judged as a worker.
func (s *Server) candidate(standing gpu.Standing, book *tokenomics.StakeBook, d store.LiveDevice, up iog.Uptime, hired bool) (tokenomics.RewardCandidate, string) {
	if d.GPUCount < 1 {
		return tokenomics.RewardCandidate{}, "no GPUs in its last accepted report"
	}
	mult, err := s.cfg.Multipliers.Of(d.Model)
	if err != nil {
		return tokenomics.RewardCandidate{}, fmt.Sprintf("GPU model %q has no earning multiplier", d.Model)
	}
	stake, err := book.Device(d.ID)
	if err != nil || stake.Deregistered {
		return tokenomics.RewardCandidate{}, "not registered for stake"
	}
	// The book's requirement follows each accepted report; the hardware's
	// own is taken when higher, for a record written before it did.
	required := stake.Required
	if full, err := s.requiredStake(d.Model, d.GPUCount); err == nil && full.Units() > required.Units() {
		required = full
	}
	// A model outside the catalog has no class, and earns from the
	// Community pool (tokenomics.PoolOf).
	model, _ := iog.LookupGPUModel(d.Model)
	return tokenomics.RewardCandidate{
		Device: d.ID, Processor: tokenomics.GPUProcessor, Class: model.Class, Units: d.GPUCount,
		NominationCandidate: tokenomics.NominationCandidate{
			Wallet: d.Owner, Tier: d.Bandwidth.Tier(), Multiplier: mult, Uptime: up,
			Stake: stake.Active, Required: required, ProofPassed: standing.Eligible, Hired: hired,
		},
	}, ""
}

// explainStandings sets the detail of every nominee the verifier holds
// not eligible, from its record: the record a nominee judged from the
// copies beside it lacks is read then, for these few.
func explainStandings(tx *store.Tx, nominees []nominee) error {
	var copied []iog.DeviceID
	for _, n := range nominees {
		if n.reason == "" && !n.standing.Eligible && n.device.Copied {
			copied = append(copied, n.device.ID)
		}
	}
	records, err := tx.StandingRecords(copied)
	if err != nil {
		return err
	}
	for i := range nominees {
		n := &nominees[i]
		if n.reason != "" || n.standing.Eligible {
			continue
		}
		r := n.device.Verifier
		if n.device.Copied {
			r = records[n.device.ID]
		}
		n.detail = verifierDetail(n.standing, r)
	}
	return nil
}

// verifierDetail says why the verifier holds a device of standing, whose
// record is r, not eligible.
func verifierDetail(standing gpu.Standing, r gpu.DeviceRecord) string {
	if r.Device == "" {
		return "the verifier does not know it"
	}
	for _, k := range r.Known {
		if k.Proven.IsZero() {
			return fmt.Sprintf("GPU %s has never passed a proof of compute", k.UUID)
		}
	}
	return fmt.Sprintf("trust %d, or a GPU whose last proof of compute is older than the interval", standing.Trust)
}

// outcomes lists what became of each nominee, in the order of the
// nominations. A device that earned nothing has every rule it missed as
// its reason, joined by "; ", the verifier's word after the proof of
// work's.
func outcomes(e *store.Epoch, nominees []nominee, dist tokenomics.Distribution) []store.EpochDevice {
	paid := make(map[iog.DeviceID]tokenomics.Payout, len(dist.Payouts))
	for _, p := range dist.Payouts {
		paid[p.Device] = p
	}
	failed := make(map[iog.DeviceID][]string, len(dist.Ineligible))
	for _, in := range dist.Ineligible {
		failed[in.Device] = in.Reasons
	}
	out := make([]store.EpochDevice, 0, len(nominees))
	for _, n := range nominees {
		o := store.EpochDevice{Epoch: e.Number, Device: n.device.ID, Owner: n.device.Owner, Reward: iog.Zero(iog.IO), Reason: n.reason}
		if p, ok := paid[n.device.ID]; ok {
			o.Rewarded, o.Pool, o.Weight, o.Reward = true, p.Pool.String(), p.Weight, p.Amount
			e.Rewarded++
		} else {
			if o.Reason == "" {
				reasons := failed[n.device.ID]
				if n.detail != "" {
					reasons = slices.Clone(reasons)
					if i := slices.Index(reasons, tokenomics.ProofReason); i >= 0 {
						reasons[i] += ": " + n.detail
					}
				}
				o.Reason = strings.Join(reasons, "; ")
			}
			e.Failed++
		}
		out = append(out, o)
	}
	e.Nominated = len(out)
	return out
}

// buyBackAndBurn spends the fee account's revenue on IO at the configured
// price and burns it, by tokenomics' treasury: IO revenue is burned as it
// is; USDC revenue buys IO from the market account, as far as the market
// holds IO to sell, and what it cannot buy waits for the next epoch.
func (s *Server) buyBackAndBurn(ctx context.Context, tx *store.Tx, e *store.Epoch) error {
	t := tokenomics.Treasury{
		Ledger: tx.Ledger(), Oracle: tokenomics.FixedPrice{USDPerIO: s.cfg.IOPrice, Clock: s.cfg.Clock}, Clock: s.cfg.Clock,
		Account: s.accounts.Fees, Market: s.accounts.Market,
	}
	q, err := t.Quote(ctx)
	if err != nil {
		return err
	}
	e.Price, e.RevenueIO, e.RevenueUSDC, e.Burned = q.USDPerIO, iog.Zero(iog.IO), iog.Zero(iog.USDC), iog.Zero(iog.IO)
	for _, cur := range []iog.Currency{iog.IO, iog.USDC} {
		fees, err := tx.Balance(s.accounts.Fees, cur)
		if err != nil {
			return err
		}
		revenue := fees.Available
		if cur != iog.IO {
			market, err := tx.Balance(s.accounts.Market, iog.IO)
			if err != nil {
				return err
			}
			// What the market's IO is worth, rounded down, buys no more
			// IO than it holds.
			most, err := market.Available.Convert(cur, q.USDPerIO, iog.RoundDown)
			if err != nil {
				return err
			}
			if most.Units() < revenue.Units() {
				revenue = most
			}
		}
		if revenue.IsZero() {
			continue
		}
		b, err := t.BuybackAndBurn(ctx, revenue, q, fmt.Sprintf("epoch-%d:buyback:%v", e.Number, cur))
		if err != nil {
			return err
		}
		if cur == iog.IO {
			e.RevenueIO = revenue
		} else {
			e.RevenueUSDC = revenue
		}
		if e.Burned, err = e.Burned.Add(b.Burned); err != nil {
			return err
		}
	}
	return nil
}
