package refserver

import (
	"errors"
	"fmt"
	"slices"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Staking. The stake book lives in the database (store.LoadStake and
// SaveStake): a request restores a fresh book from the records of the
// devices it touches, acts on it and saves them back, with its ledger
// movements, in its one transaction. Staked IO never leaves its staker's
// account: each stake is a ledger hold of its own (a store.StakeHold),
// which an unstake leaves held while the stake cools down, a withdrawal
// releases back to the staker, and an upheld slash releases to the burn
// account, which burns it. So a staker's holds on a device always add up
// to its active, cooling and slashed-but-undecided stake there.
func (s *Server) stakeRoutes() []route {
	worker := func(method, pattern string, h func(*call) (any, error), summary string) route {
		return route{method: method, pattern: pattern, access: private, scope: api.ScopeWorker, mutates: true, handle: h, summary: summary}
	}
	return []route{
		worker("POST", "/v1/devices/{id}/stake", s.stake, "Stake IO of the caller's on a device, its own or another's"),
		worker("POST", "/v1/devices/{id}/unstake", s.unstake, "Start the cooldown of some of the caller's stake on a device"),
		worker("POST", "/v1/stakes/withdraw", s.withdrawStake, "Pay the caller's matured cooldowns back to its available balance"),
		{method: "GET", pattern: "/v1/devices/{id}/stake", access: public, handle: s.getDeviceStake, summary: "The stake on a device"},
		{method: "GET", pattern: "/v1/accounts/{wallet}/stakes", access: public, handle: s.getWalletStakes, summary: "A wallet's stakes and cooldowns"},
	}
}

// stakeSession is the stake book of some devices, restored in a
// transaction from their records, to act on and save back.
type stakeSession struct {
	tx      *store.Tx
	devices []iog.DeviceID
	book    *tokenomics.StakeBook
}

// newStakeBook returns an empty stake book on the server's rules.
func (s *Server) newStakeBook() *tokenomics.StakeBook {
	return tokenomics.NewStakeBook(tokenomics.StakingConfig{
		Clock: s.cfg.Clock, Cooldown: s.cfg.StakeCooldown, CoStakerCooldown: s.cfg.CoStakerCooldown,
		AppealWindow: s.cfg.AppealWindow, CoStaking: s.cfg.CoStaking,
	})
}

// openStake restores the stake book of devices in tx.
func (s *Server) openStake(tx *store.Tx, devices ...iog.DeviceID) (*stakeSession, error) {
	if devices == nil {
		devices = []iog.DeviceID{}
	}
	r, err := tx.LoadStake(devices)
	if err != nil {
		return nil, err
	}
	b := s.newStakeBook()
	if err := b.Restore(r); err != nil {
		return nil, err
	}
	return &stakeSession{tx: tx, devices: devices, book: b}, nil
}

// save writes the session's devices' records back.
func (ss *stakeSession) save() error { return ss.tx.SaveStake(ss.devices, ss.book.Records()) }

// registerStake enters a new device in the stake book. Its hardware is
// not attested yet, so it requires nothing until its first accepted
// report says what it is (requireStake); a pending device earns nothing
// meanwhile, so nothing is lost by that.
func (s *Server) registerStake(tx *store.Tx, d store.Device) error {
	ss, err := s.openStake(tx, d.ID)
	if err != nil {
		return err
	}
	if err := ss.book.Register(d.ID, d.Owner, iog.Zero(iog.IO)); err != nil {
		return err
	}
	return ss.save()
}

// requireStake sets the stake a device requires from its attested
// hardware (tokenomics.RequiredStake), after every accepted report: the
// requirement follows the hardware, so a device that gains GPUs needs
// more stake to be rewarded. A device the book does not hold yet (one
// registered before the server kept stake) is entered with it.
func (s *Server) requireStake(tx *store.Tx, d store.Device) error {
	required, err := s.requiredStake(d.Model, d.GPUCount)
	if err != nil {
		return err
	}
	r, err := tx.LoadStake([]iog.DeviceID{d.ID})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(r.Devices, func(rec tokenomics.DeviceRecord) bool { return rec.Device == d.ID })
	switch {
	case i >= 0 && r.Devices[i].Required == required:
		return nil
	case i >= 0:
		// The book has no call that changes a requirement: the record
		// is changed, and the book restored from it checks it.
		r.Devices[i].Required = required
	}
	ss := &stakeSession{tx: tx, devices: []iog.DeviceID{d.ID}, book: s.newStakeBook()}
	if err := ss.book.Restore(r); err != nil {
		return err
	}
	if i < 0 {
		if err := ss.book.Register(d.ID, d.Owner, required); err != nil {
			return err
		}
	}
	return ss.save()
}

// requiredStake is the stake hardware requires: StakePerGPU times the
// model's multiplier (at least 1) times the GPUs; a model the multipliers
// do not know needs the baseline, StakePerGPU a GPU; no GPU, nothing.
func (s *Server) requiredStake(model string, gpus int) (iog.Amount, error) {
	if gpus < 1 {
		return iog.Zero(iog.IO), nil
	}
	required, err := tokenomics.RequiredStake(s.cfg.Multipliers, model, gpus)
	if errors.Is(err, iog.ErrNotFound) {
		return tokenomics.StakePerGPU.Mul(int64(gpus))
	}
	return required, err
}

// deregisterStake takes a removed device out of the stake book: its stake
// starts cooling down, still held. A slash of it not yet decided refuses
// the removal (iog.ErrConflict), so that leaving escapes no case.
func (s *Server) deregisterStake(tx *store.Tx, dev iog.DeviceID) error {
	ss, err := s.openStake(tx, dev)
	if err != nil {
		return err
	}
	if _, err := ss.book.Deregister(dev); err != nil {
		if isNotFound(err) {
			return nil
		}
		return fmt.Errorf("remove device %s: %w", dev, err)
	}
	return ss.save()
}

// stakeRequest reads a stake or unstake request: the device the route
// names (locked; a removed one takes no stake, but its stakers still see
// and leave theirs), a positive amount of IO, and the device's stake
// book.
func (s *Server) stakeRequest(c *call) (store.Device, iog.Amount, *stakeSession, error) {
	id, err := iog.ParseDeviceID(c.param("id"))
	if err != nil {
		return store.Device{}, iog.Amount{}, nil, err
	}
	d, err := c.tx.Device(id)
	if err != nil {
		return d, iog.Amount{}, nil, err
	}
	var req api.StakeRequest
	if err := c.decode(&req); err != nil {
		return d, iog.Amount{}, nil, err
	}
	if req.Amount.Currency() != iog.IO || req.Amount.Sign() <= 0 {
		return d, iog.Amount{}, nil, fmt.Errorf("amount %v: want a positive amount of IO: %w", req.Amount, iog.ErrInvalid)
	}
	ss, err := s.openStake(c.tx, d.ID)
	return d, req.Amount, ss, err
}

// stake stakes the caller's IO on a device: the owner's own stake, or a
// co-stake on another's device, by the book's rules. The IO is held in
// the caller's account.
func (s *Server) stake(c *call) (any, error) {
	d, amount, ss, err := s.stakeRequest(c)
	if err != nil {
		return nil, err
	}
	if c.who.wallet != d.Owner {
		if err := s.withCoStakes(ss, c.who.wallet); err != nil {
			return nil, err
		}
	}
	if err := ss.book.Stake(d.ID, c.who.wallet, amount); err != nil {
		return nil, err
	}
	if err := holdStake(c.tx, d.ID, c.who.wallet, amount); err != nil {
		return nil, err
	}
	if err := ss.save(); err != nil {
		return nil, err
	}
	c.audit("stake", string(d.ID), amount.String())
	return deviceStake(ss.book, d.ID)
}

// withCoStakes restores into a co-stake's session, beside its device, the
// other devices its staker has stake on, which the book's limit of
// devices an account co-stakes on counts. It reads them after the
// session's LoadStake has locked the stake counter, which every stake
// transaction takes first, so no other stake of the same wallet commits
// between the count and this co-stake. Only the session's device is
// saved: the others are read, not changed.
func (s *Server) withCoStakes(ss *stakeSession, staker iog.WalletAddress) error {
	staked, err := ss.tx.StakedDevices(staker)
	if err != nil {
		return err
	}
	others := slices.DeleteFunc(staked, func(d iog.DeviceID) bool { return slices.Contains(ss.devices, d) })
	if len(others) == 0 {
		return nil
	}
	r, err := ss.tx.LoadStake(append(others, ss.devices...))
	if err != nil {
		return err
	}
	b := s.newStakeBook()
	if err := b.Restore(r); err != nil {
		return err
	}
	ss.book = b
	return nil
}

// holdStake holds a new stake in its staker's account.
func holdStake(tx *store.Tx, dev iog.DeviceID, staker iog.WalletAddress, amount iog.Amount) error {
	if _, err := tx.Balance(staker, iog.IO); err != nil {
		if isNotFound(err) {
			return fmt.Errorf("stake %v: wallet %v has no funds: %w", amount, staker, iog.ErrInsufficientFunds)
		}
		return err
	}
	h, err := tx.InsertStakeHold(dev, staker, amount)
	if err != nil {
		return err
	}
	_, err = tx.Apply(ledger.Op{Kind: ledger.Hold, Key: h.Key(), Reason: "stake on device " + string(dev), From: staker, Amount: amount})
	return err
}

// releaseStake returns the ledger ops that release amount of a staker's
// holds on a device to an account, oldest hold first, and records what
// the holds have left. Each release's key names its hold and what the
// hold had before it, which no other release of that hold had.
func releaseStake(tx *store.Tx, dev iog.DeviceID, staker, to iog.WalletAddress, amount iog.Amount, reason string) ([]ledger.Op, error) {
	holds, err := tx.StakeHolds(dev, staker)
	if err != nil {
		return nil, err
	}
	need := amount.Units()
	var ops []ledger.Op
	for _, h := range holds {
		if need == 0 {
			break
		}
		part := min(h.Remaining.Units(), need)
		ops = append(ops, ledger.Op{Kind: ledger.Release, Key: fmt.Sprintf("%s:release:%d", h.Key(), h.Remaining.Units()), Reason: reason,
			To: to, Amount: iog.NewAmount(part, iog.IO), HoldKey: h.Key()})
		h.Remaining = iog.NewAmount(h.Remaining.Units()-part, iog.IO)
		if err := tx.SpendStakeHold(h); err != nil {
			return nil, err
		}
		need -= part
	}
	if need > 0 {
		return nil, fmt.Errorf("the ledger holds of %v's stake on device %s fall %v short of %v", staker, dev, iog.NewAmount(need, iog.IO), amount)
	}
	return ops, nil
}

// unstake starts the cooldown of some of the caller's stake on a device.
// The IO stays held until the cooldown's end, when the caller withdraws
// it. Only the caller's own position can be unstaked: a wallet with none
// on the device is iog.ErrNotFound.
func (s *Server) unstake(c *call) (any, error) {
	d, amount, ss, err := s.stakeRequest(c)
	if err != nil {
		return nil, err
	}
	ds, err := ss.book.Device(d.ID)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(ds.Positions, func(p tokenomics.Position) bool { return p.Staker == c.who.wallet }) {
		return nil, fmt.Errorf("wallet %v has no stake on device %s: %w", c.who.wallet, d.ID, iog.ErrNotFound)
	}
	cd, err := ss.book.Unstake(d.ID, c.who.wallet, amount)
	if err != nil {
		return nil, err
	}
	if err := ss.save(); err != nil {
		return nil, err
	}
	c.audit("unstake", string(d.ID), amount.String())
	stake, err := deviceStake(ss.book, d.ID)
	return api.UnstakeResponse{Cooldown: cooldown(cd), Stake: stake}, err
}

// withdrawStake pays every cooldown of the caller's that has run its
// course back to its available balance. With none, it is
// iog.ErrNotFound and changes nothing.
func (s *Server) withdrawStake(c *call) (any, error) {
	w := c.who.wallet
	devices, err := c.tx.StakedDevices(w)
	if err != nil {
		return nil, err
	}
	ss, err := s.openStake(c.tx, devices...)
	if err != nil {
		return nil, err
	}
	before := ss.book.Cooldowns(w)
	if _, err := ss.book.Withdraw(w); err != nil {
		return nil, err
	}
	after := ss.book.Cooldowns(w)
	out := api.StakeWithdrawal{Withdrawn: iog.Zero(iog.IO), Cooldowns: []api.Cooldown{}}
	perDevice := map[iog.DeviceID]int64{}
	var order []iog.DeviceID
	for _, cd := range before {
		if slices.ContainsFunc(after, func(a tokenomics.Cooldown) bool { return a.ID == cd.ID }) {
			continue
		}
		if _, seen := perDevice[cd.Device]; !seen {
			order = append(order, cd.Device)
		}
		perDevice[cd.Device] += cd.Amount.Units()
		out.Withdrawn = iog.NewAmount(out.Withdrawn.Units()+cd.Amount.Units(), iog.IO)
		out.Cooldowns = append(out.Cooldowns, cooldown(cd))
	}
	if len(out.Cooldowns) == 0 {
		next := "none is cooling"
		if len(after) > 0 {
			next = "the next is ready at " + after[0].Ready.UTC().Format("2006-01-02T15:04:05Z")
		}
		return nil, fmt.Errorf("wallet %v has no cooldown that has run its course (%s): %w", w, next, iog.ErrNotFound)
	}
	var ops []ledger.Op
	for _, dev := range order {
		if perDevice[dev] == 0 {
			continue
		}
		release, err := releaseStake(c.tx, dev, w, w, iog.NewAmount(perDevice[dev], iog.IO), "unstaked IO withdrawn from device "+string(dev))
		if err != nil {
			return nil, err
		}
		ops = append(ops, release...)
	}
	if len(ops) > 0 {
		if _, err := c.tx.Apply(ops...); err != nil {
			return nil, err
		}
	}
	if err := ss.save(); err != nil {
		return nil, err
	}
	c.audit("stake.withdraw", w.String(), out.Withdrawn.String())
	if out.Account, err = account(c.r.Context(), c.tx, w); err != nil {
		return nil, err
	}
	return out, nil
}

// getDeviceStake answers the stake on a device.
func (s *Server) getDeviceStake(c *call) (any, error) {
	id, err := iog.ParseDeviceID(c.param("id"))
	if err != nil {
		return nil, err
	}
	var out api.DeviceStake
	err = c.read(func(tx *store.Tx) error {
		ss, err := s.openStake(tx, id)
		if err != nil {
			return err
		}
		out, err = deviceStake(ss.book, id)
		return err
	})
	return out, err
}

// getWalletStakes answers a wallet's stakes and cooldowns: public, as
// stake on a chain is.
func (s *Server) getWalletStakes(c *call) (any, error) {
	w, err := iog.ParseWalletAddress(c.param("wallet"))
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	out := api.WalletStakes{Wallet: w, Positions: []api.WalletPosition{}, Cooldowns: []api.Cooldown{}, Active: iog.Zero(iog.IO), Cooling: iog.Zero(iog.IO)}
	err = c.read(func(tx *store.Tx) error {
		devices, err := tx.StakedDevices(w)
		if err != nil {
			return err
		}
		ss, err := s.openStake(tx, devices...)
		if err != nil {
			return err
		}
		for _, dev := range devices {
			ds, err := ss.book.Device(dev)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			for _, p := range ds.Positions {
				if p.Staker == w {
					out.Positions = append(out.Positions, api.WalletPosition{Device: dev, Active: p.Active})
					out.Active = iog.NewAmount(out.Active.Units()+p.Active.Units(), iog.IO)
				}
			}
		}
		for _, cd := range ss.book.Cooldowns(w) {
			out.Cooldowns = append(out.Cooldowns, cooldown(cd))
			out.Cooling = iog.NewAmount(out.Cooling.Units()+cd.Amount.Units(), iog.IO)
		}
		return nil
	})
	return out, err
}

// deviceStake returns the public view of a device's stake.
func deviceStake(b *tokenomics.StakeBook, dev iog.DeviceID) (api.DeviceStake, error) {
	ds, err := b.Device(dev)
	if err != nil {
		return api.DeviceStake{}, err
	}
	out := api.DeviceStake{
		Device: dev, Owner: ds.Owner, Required: ds.Required, Active: ds.Active, Cooling: ds.Cooling, Held: ds.Held,
		Meets: ds.Meets(), Positions: []api.StakePosition{}, Deregistered: ds.Deregistered,
	}
	for _, p := range ds.Positions {
		out.Positions = append(out.Positions, api.StakePosition{Staker: p.Staker, Active: p.Active})
	}
	return out, nil
}

func cooldown(cd tokenomics.Cooldown) api.Cooldown {
	return api.Cooldown{ID: cd.ID, Device: cd.Device, Staker: cd.Staker, Amount: cd.Amount, Ready: cd.Ready.UTC()}
}
