package refserver

import (
	"errors"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// A cluster's money: at deploy (and at each extension) the renter's
// payment plus fees is held in escrow, one ledger Hold a term. Each hour
// that ran is released from the hold: the suppliers' share to the owners
// of its devices (split by the GPUs each gives it), the fee lines to the
// network's fee account. What was paid after h hours of a term is the
// fee schedule applied to the term's price pro rata, h/hours of it rounded
// down, so an hour pays the difference between two such totals and the
// last hour lands exactly on the quote: hours add up to what was held, to
// the base unit. What the cluster did not use is refunded at its end, and
// every refund goes back to the renter as IOSD credits (refundOps), as
// io.net returns refunds.

// defaultPrices is pricing's default model on a balanced market with one
// IO at ioPrice USD.
func defaultPrices(now time.Time, ioPrice iog.Rate) (pricing.PriceModel, error) {
	m, err := pricing.NewModel(pricing.Config{})
	if err != nil {
		return nil, err
	}
	if err := m.SetMarket(pricing.MarketState{AsOf: now, IOPriceUSD: ioPrice}); err != nil {
		return nil, err
	}
	return m, nil
}

// feeSchedule returns the schedule whose rates a quote's fee lines were
// taken at.
func feeSchedule(f pricing.Fees) pricing.FeeSchedule {
	return pricing.FeeSchedule{
		RenterReservation: f.RenterReservation.Rate, RenterUSDC: f.RenterCurrency.Rate,
		SupplierReservation: f.SupplierReservation.Rate, SupplierUSDC: f.SupplierCurrency.Rate,
	}
}

// holdTerm holds a quote's RenterPays from the renter's account for the
// term numbered n of cluster id, and returns the term. A renter short of
// it is iog.ErrInsufficientFunds.
func (s *Server) holdTerm(tx *store.Tx, id iog.ClusterID, n, from int, renter iog.WalletAddress, q pricing.Quote) (store.ClusterTerm, error) {
	t := store.ClusterTerm{Hold: fmt.Sprintf("cluster:%s:hold:%d", id, n), From: from, Hours: q.Hours,
		Price: q.Fees.Price, Held: q.Fees.RenterPays, Fees: feeSchedule(q.Fees), Payout: q.Fees.Payout}
	// The term is settled by its schedule: it must give back the quote.
	if again, err := t.Fees.Apply(t.Price, t.Payout); err != nil || again != q.Fees {
		return t, fmt.Errorf("cluster %s: the quote's fee lines are not its schedule's (%v): %w", id, err, iog.ErrConflict)
	}
	if err := openAccount(tx, renter, "renter"); err != nil {
		return t, err
	}
	_, err := tx.Apply(ledger.Op{Kind: ledger.Hold, Key: t.Hold, Reason: fmt.Sprintf("escrow of cluster %s: %d hours", id, t.Hours), From: renter, Amount: t.Held})
	if err != nil {
		return t, fmt.Errorf("hold %v for cluster %s: %w", t.Held, id, err)
	}
	return t, nil
}

// paidAfter is how a term's price divides after k of its hours.
func paidAfter(t store.ClusterTerm, k int) (pricing.Fees, error) {
	share, err := iog.NewRate(uint64(k), uint64(t.Hours))
	if err != nil {
		return pricing.Fees{}, err
	}
	price, err := t.Price.MulRate(share, iog.RoundDown)
	if err != nil {
		return pricing.Fees{}, err
	}
	return t.Fees.Apply(price, t.Payout)
}

// hourShare is what hour k of a term releases from its hold: in all
// (renter), to the suppliers, and to the fee account.
type hourShare struct{ renter, suppliers, fees iog.Amount }

func termHour(t store.ClusterTerm, k int) (hourShare, error) {
	before, err := paidAfter(t, k-1)
	if err != nil {
		return hourShare{}, err
	}
	after, err := paidAfter(t, k)
	if err != nil {
		return hourShare{}, err
	}
	var h hourShare
	if h.renter, err = after.RenterPays.Sub(before.RenterPays); err == nil {
		if h.suppliers, err = after.SupplierReceives.Sub(before.SupplierReceives); err == nil {
			h.fees, err = after.Total.Sub(before.Total)
		}
	}
	if err == nil && (h.renter.Sign() < 0 || h.suppliers.Sign() < 0 || h.fees.Sign() < 0) {
		err = fmt.Errorf("hour %d of a term shrinks a payment: %w", k, iog.ErrInvalid)
	}
	return h, err
}

// termOf returns the term paid hour h (counted from 1) of c falls in.
func termOf(c store.Cluster, h int) (store.ClusterTerm, error) {
	for _, t := range c.Terms {
		if h > t.From && h <= t.From+t.Hours {
			return t, nil
		}
	}
	return store.ClusterTerm{}, fmt.Errorf("cluster %s has no term for hour %d: %w", c.ID, h, iog.ErrConflict)
}

// settleThrough pays out c's hours after those settled up to due, each
// hour one batch of ledger ops keyed by the cluster and the hour: to the
// owners of devices, the devices it is placed on now; an hour it spent
// on none (waiting to be placed again after a device went down) goes back
// to the renter.
func (s *Server) settleThrough(tx *store.Tx, c *store.Cluster, due int) error {
	if due <= c.Settled {
		return nil
	}
	var devices []store.ClusterDevice
	if c.Status == statusPlaced || c.Status == statusRunning {
		var err error
		if devices, err = tx.ClusterDevices(c.ID); err != nil {
			return err
		}
	}
	owners := make([]iog.WalletAddress, len(devices))
	weights := make([]uint64, len(devices))
	for i, d := range devices {
		dev, err := tx.Device(d.Device)
		if err != nil {
			return err
		}
		owners[i], weights[i] = dev.Owner, uint64(len(d.GPUs))*uint64(max(d.Share, 1))
	}
	// Opening an account locks the ledger's head, which comes after every
	// device row in the store's lock order.
	for _, w := range owners {
		if err := openAccount(tx, w, "supplier"); err != nil {
			return err
		}
	}
	if err := openAccount(tx, s.accounts.Fees, "network fees"); err != nil {
		return err
	}
	if err := openAccount(tx, s.accounts.Credits, "payments refunded as credits"); err != nil {
		return err
	}
	for h := c.Settled + 1; h <= due; h++ {
		t, err := termOf(*c, h)
		if err != nil {
			return err
		}
		share, err := termHour(t, h-t.From)
		if err != nil {
			return fmt.Errorf("cluster %s hour %d: %w", c.ID, h, err)
		}
		key := fmt.Sprintf("cluster:%s:hour:%d", c.ID, h)
		var ops []ledger.Op
		release := func(suffix string, to iog.WalletAddress, a iog.Amount, reason string) {
			if a.Sign() > 0 {
				ops = append(ops, ledger.Op{Kind: ledger.Release, Key: key + suffix, HoldKey: t.Hold, To: to, Amount: a, Reason: reason})
			}
		}
		if len(devices) == 0 {
			refund, err := s.refundOps(key+":refund", t.Hold, c, share.renter, fmt.Sprintf("cluster %s hour %d ran on no device", c.ID, h))
			if err != nil {
				return err
			}
			ops = append(ops, refund...)
		} else {
			parts, err := share.suppliers.Split(weights)
			if err != nil {
				return err
			}
			for i, d := range devices {
				release(payoutKey+string(d.Device), owners[i], parts[i], fmt.Sprintf("cluster %s hour %d on device %s", c.ID, h, d.Device))
			}
			release(feesKey, s.accounts.Fees, share.fees, fmt.Sprintf("fees of cluster %s hour %d", c.ID, h))
			if c.Paid, err = c.Paid.Add(share.renter); err != nil {
				return err
			}
		}
		if err := applyOnce(tx, ops); err != nil {
			return fmt.Errorf("settle cluster %s hour %d: %w", c.ID, h, err)
		}
		c.Settled = h
	}
	return nil
}

// applyOnce applies a batch; one applied before is done already.
func applyOnce(tx *store.Tx, ops []ledger.Op) error {
	if len(ops) == 0 {
		return nil
	}
	if _, err := tx.Apply(ops...); err != nil && !errors.Is(err, ledger.ErrReplayed) {
		return err
	}
	return nil
}

// refundOps returns the ledger ops, keyed key, that give a, released
// from hold, back to c's renter as IOSD credits, and counts them in c's
// Refunded and RefundedCredits. A payment in IOSD is credits already and
// is released to the renter as it is. One in IO or USDC is released to
// the network's credits account, and the credits its US dollars buy at
// the billing's rate (1 credit = 1 USD by default) are minted to the
// renter, rounded down: IO is valued at IOPrice, the price quotes convert
// at, USDC one for one.
func (s *Server) refundOps(key, hold string, c *store.Cluster, a iog.Amount, reason string) ([]ledger.Op, error) {
	if a.Sign() <= 0 {
		return nil, nil
	}
	credits := a
	ops := []ledger.Op{{Kind: ledger.Release, Key: key, HoldKey: hold, To: c.Renter, Amount: a, Reason: reason}}
	if a.Currency() != iog.IOSD {
		usd, err := s.usdValue(a)
		if err != nil {
			return nil, fmt.Errorf("refund %v of cluster %s: %w", a, c.ID, err)
		}
		if credits, err = s.cfg.Billing.RefundCredits(usd); err != nil {
			return nil, fmt.Errorf("refund %v of cluster %s: %w", a, c.ID, err)
		}
		ops[0].To = s.accounts.Credits
		if credits.Sign() > 0 {
			ops = append(ops, ledger.Op{Kind: ledger.Mint, Key: key + ":credits", To: c.Renter, Amount: credits,
				Reason: fmt.Sprintf("%v returned as credits: %s", a, reason)})
		}
	}
	var err error
	if c.Refunded, err = c.Refunded.Add(a); err != nil {
		return nil, err
	}
	if c.RefundedCredits, err = c.RefundedCredits.Add(credits); err != nil {
		return nil, err
	}
	return ops, nil
}

// usdValue is what a, in IO or USDC, is worth in US dollars, rounded
// down: IO at IOPrice, USDC one for one.
func (s *Server) usdValue(a iog.Amount) (iog.Amount, error) {
	switch a.Currency() {
	case iog.IO:
		return a.Convert(iog.USD, s.cfg.IOPrice, iog.RoundDown)
	case iog.USDC:
		return a.Convert(iog.USD, iog.BasisPoints(10_000), iog.RoundDown)
	}
	return iog.Amount{}, fmt.Errorf("value %v in USD: not IO or USDC: %w", a, iog.ErrInvalid)
}

// refundRest releases what c's holds keep beyond its settled hours back
// to its renter as credits, a term at a time.
func (s *Server) refundRest(tx *store.Tx, c *store.Cluster) error {
	if err := openAccount(tx, s.accounts.Credits, "payments refunded as credits"); err != nil {
		return err
	}
	for i, t := range c.Terms {
		used := min(max(c.Settled-t.From, 0), t.Hours)
		paid, err := paidAfter(t, used)
		if err != nil {
			return err
		}
		rest, err := t.Held.Sub(paid.RenterPays)
		if err != nil {
			return err
		}
		ops, err := s.refundOps(fmt.Sprintf("cluster:%s:term:%d:refund", c.ID, i), t.Hold, c, rest,
			fmt.Sprintf("cluster %s ended: %d of %d hours unused", c.ID, t.Hours-used, t.Hours))
		if err != nil {
			return err
		}
		if err := applyOnce(tx, ops); err != nil {
			return fmt.Errorf("refund cluster %s: %w", c.ID, err)
		}
	}
	return nil
}

// endCluster ends a live cluster: it pays out its hours up to due,
// refunds the rest, ends its rental, and records why.
func (s *Server) endCluster(tx *store.Tx, c *store.Cluster, due int, reason string, now time.Time) error {
	if err := s.settleThrough(tx, c, due); err != nil {
		return err
	}
	if err := s.refundRest(tx, c); err != nil {
		return err
	}
	if err := tx.DeleteRental(c.ID); err != nil {
		return err
	}
	c.Status, c.Reason, c.Ended, c.Updated = statusEnded, reason, now, now
	return tx.UpdateCluster(*c)
}

// hoursRun is how many paid hours of c have begun by now (a begun hour
// counts whole), at most its paid hours; none before it was placed.
func hoursRun(c store.Cluster, now time.Time) int {
	if c.Placed.IsZero() || !now.After(c.Placed) {
		return 0
	}
	run := now.Sub(c.Placed)
	return min(int((run+time.Hour-1)/time.Hour), c.Hours)
}

// hoursDone is how many paid hours of c have ended by now.
func hoursDone(c store.Cluster, now time.Time) int {
	if c.Placed.IsZero() || now.Before(c.Placed) {
		return 0
	}
	return min(int(now.Sub(c.Placed)/time.Hour), c.Hours)
}
