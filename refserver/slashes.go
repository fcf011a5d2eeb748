package refserver

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Governance: a governor (Config.Governors) proposes a slash of a
// device's stake with evidence; the stake is taken pro rata from the
// device's stakers and held for the appeal window; the device's owner (or
// a staker who lost stake to it) may appeal within the window; a governor
// decides after the appeal or the deadline. Upheld, the stake is
// released to the burn account and burned; overturned, it goes back to
// the stakes it came from, and no IO moved.
func (s *Server) slashRoutes() []route {
	signed := func(method, pattern string, h func(*call) (any, error), summary string) route {
		return route{method: method, pattern: pattern, access: signedOnly, mutates: true, handle: h, summary: summary}
	}
	return []route{
		signed("POST", "/v1/slashes", s.proposeSlash, "Propose a slash of a device's stake, with evidence (a governor)"),
		signed("POST", "/v1/slashes/{id}/appeal", s.appealSlash, "Appeal a pending slash within its window (the device's owner or a slashed staker)"),
		signed("POST", "/v1/slashes/{id}/decision", s.decideSlash, "Uphold or overturn a slash (a governor)"),
		{method: "GET", pattern: "/v1/slashes", access: public, handle: s.listSlashes, summary: "Slashes by device and state, a page at a time"},
		{method: "GET", pattern: "/v1/slashes/{id}", access: public, handle: s.getSlash, summary: "A slash and what became of it"},
	}
}

// maxSlashPage bounds a page of the slash listing; maxStatement bounds
// evidence and appeals.
const (
	maxSlashPage = 200
	maxStatement = 4096
)

var slashReasons = []struct {
	name   api.SlashReason
	reason tokenomics.SlashReason
}{
	{api.SlashSpoofedHardware, tokenomics.SpoofedHardware},
	{api.SlashFalsifiedData, tokenomics.FalsifiedData},
	{api.SlashServiceInconsistency, tokenomics.ServiceInconsistency},
}

func parseSlashReason(name api.SlashReason) (tokenomics.SlashReason, error) {
	for _, r := range slashReasons {
		if r.name == name {
			return r.reason, nil
		}
	}
	return 0, fmt.Errorf("slash reason %q: want spoofed_hardware, falsified_data or service_inconsistency: %w", clip(string(name)), iog.ErrInvalid)
}

func slashReasonName(reason tokenomics.SlashReason) api.SlashReason {
	for _, r := range slashReasons {
		if r.reason == reason {
			return r.name
		}
	}
	return api.SlashReason(reason.String())
}

// checkStatement accepts evidence or an appeal: 1 to maxStatement bytes
// of text.
func checkStatement(what, s string) error {
	if s == "" || len(s) > maxStatement || !utf8.ValidString(s) {
		return fmt.Errorf("%s: 1 to %d bytes of text: %w", what, maxStatement, iog.ErrInvalid)
	}
	return nil
}

// governor refuses a caller who is not one of the network's governors.
func (s *Server) governor(c *call) error {
	if !slices.Contains(s.cfg.Governors, c.who.wallet) {
		return fmt.Errorf("wallet %v is not a governor of this network: %w", c.who.wallet, iog.ErrForbidden)
	}
	return nil
}

// proposeSlash proposes a slash of a device's stake.
func (s *Server) proposeSlash(c *call) (any, error) {
	if err := s.governor(c); err != nil {
		return nil, err
	}
	var req api.ProposeSlashRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	reason, err := parseSlashReason(req.Reason)
	if err != nil {
		return nil, err
	}
	if err := checkStatement("evidence", req.Evidence); err != nil {
		return nil, err
	}
	dev, err := iog.ParseDeviceID(string(req.Device))
	if err != nil {
		return nil, err
	}
	if _, err := c.tx.Device(dev); err != nil {
		return nil, err
	}
	ss, err := s.openStake(c.tx, dev)
	if err != nil {
		return nil, err
	}
	sl, err := ss.book.ProposeSlash(dev, req.Amount, reason, req.Evidence)
	if err != nil {
		return nil, err
	}
	if err := ss.save(); err != nil {
		return nil, err
	}
	c.status = http.StatusCreated
	c.audit("slash.propose", strconv.FormatUint(uint64(sl.ID), 10), fmt.Sprintf("%v of device %s: %v", sl.Amount, dev, reason))
	return publicSlash(sl), nil
}

// slashSession restores the stake book of the device of the slash a
// route names.
func (s *Server) slashSession(c *call) (tokenomics.SlashID, *stakeSession, error) {
	id, err := parseSlashID(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	dev, err := c.tx.SlashDevice(id)
	if err != nil {
		return 0, nil, err
	}
	ss, err := s.openStake(c.tx, dev)
	return id, ss, err
}

func parseSlashID(s string) (tokenomics.SlashID, error) {
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("slash ID %q: want a positive integer: %w", clip(s), iog.ErrInvalid)
	}
	return tokenomics.SlashID(n), nil
}

// appealSlash records an appeal against a pending slash, by the book's
// rules: within the window, by the device's owner or a staker who lost
// stake to it.
func (s *Server) appealSlash(c *call) (any, error) {
	var req api.AppealRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkStatement("statement", req.Statement); err != nil {
		return nil, err
	}
	id, ss, err := s.slashSession(c)
	if err != nil {
		return nil, err
	}
	sl, err := ss.book.Appeal(id, c.who.wallet, req.Statement)
	if err != nil {
		return nil, err
	}
	if err := ss.save(); err != nil {
		return nil, err
	}
	c.audit("slash.appeal", strconv.FormatUint(uint64(id), 10), "")
	return publicSlash(sl), nil
}

// decideSlash upholds or overturns a slash. Upheld, what it took from
// each staker is released from the staker's holds to the burn account and
// burned, in one batch: the supply falls by the slash.
func (s *Server) decideSlash(c *call) (any, error) {
	if err := s.governor(c); err != nil {
		return nil, err
	}
	var req api.SlashDecision
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	id, ss, err := s.slashSession(c)
	if err != nil {
		return nil, err
	}
	sl, err := ss.book.ResolveSlash(id, req.Upheld)
	if err != nil {
		return nil, err
	}
	if req.Upheld {
		if err := s.burnSlash(c.tx, sl); err != nil {
			return nil, err
		}
	}
	if err := ss.save(); err != nil {
		return nil, err
	}
	c.audit("slash.decide", strconv.FormatUint(uint64(id), 10), sl.State.String())
	return publicSlash(sl), nil
}

// burnSlash burns what an upheld slash took.
func (s *Server) burnSlash(tx *store.Tx, sl tokenomics.Slash) error {
	burn := s.accounts.Burn
	if err := openAccount(tx, burn, "the network's burn account"); err != nil {
		return err
	}
	reason := fmt.Sprintf("slash %d of device %s upheld", sl.ID, sl.Device)
	var ops []ledger.Op
	for _, sh := range sl.Shares {
		release, err := releaseStake(tx, sl.Device, sh.Wallet, burn, sh.Amount, reason)
		if err != nil {
			return err
		}
		ops = append(ops, release...)
	}
	ops = append(ops, ledger.Op{Kind: ledger.Burn, Key: fmt.Sprintf("slash:%d:burn", sl.ID), Reason: reason + ": burned", From: burn, Amount: sl.Amount})
	_, err := tx.Apply(ops...)
	return err
}

// listSlashes answers a page of slashes, by ID, filtered by device and
// state.
func (s *Server) listSlashes(c *call) (any, error) {
	q := c.r.URL.Query()
	f := store.SlashFilter{State: q.Get("state"), Limit: maxSlashPage}
	if st := api.SlashState(f.State); st != "" && !slices.Contains([]api.SlashState{api.SlashPending, api.SlashAppealed, api.SlashBurned, api.SlashReturned}, st) {
		return nil, fmt.Errorf("state %q: want pending, appealed, burned or returned: %w", clip(f.State), iog.ErrInvalid)
	}
	if d := q.Get("device"); d != "" {
		dev, err := iog.ParseDeviceID(d)
		if err != nil {
			return nil, err
		}
		f.Device = dev
	}
	if a := q.Get("after"); a != "" {
		id, err := parseSlashID(a)
		if err != nil {
			return nil, err
		}
		f.After = id
	}
	var records []tokenomics.SlashRecord
	err := c.read(func(tx *store.Tx) error {
		var err error
		records, err = tx.Slashes(f)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := api.SlashList{Slashes: []api.Slash{}}
	for _, r := range records {
		out.Slashes = append(out.Slashes, publicSlash(r.Slash))
	}
	if len(records) == maxSlashPage {
		out.Next = strconv.FormatUint(uint64(records[len(records)-1].ID), 10)
	}
	return out, nil
}

// getSlash answers one slash.
func (s *Server) getSlash(c *call) (any, error) {
	id, err := parseSlashID(c.param("id"))
	if err != nil {
		return nil, err
	}
	var records []tokenomics.SlashRecord
	err = c.read(func(tx *store.Tx) error {
		var err error
		records, err = tx.Slashes(store.SlashFilter{After: id - 1, Limit: 1})
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(records) == 0 || records[0].ID != id {
		return nil, fmt.Errorf("slash %d is not known: %w", id, iog.ErrNotFound)
	}
	return publicSlash(records[0].Slash), nil
}

func publicSlash(sl tokenomics.Slash) api.Slash {
	out := api.Slash{
		ID: uint64(sl.ID), Device: sl.Device, Amount: sl.Amount, Reason: slashReasonName(sl.Reason), Evidence: sl.Evidence,
		Proposed: sl.Proposed.UTC(), Deadline: sl.Deadline.UTC(), State: api.SlashState(sl.State.String()), Appeal: sl.Appeal,
		Shares: []api.SlashShare{},
	}
	if !sl.AppealedBy.IsZero() {
		by := sl.AppealedBy
		out.AppealedBy = &by
	}
	for _, sh := range sl.Shares {
		out.Shares = append(out.Shares, api.SlashShare{Wallet: sh.Wallet, Amount: sh.Amount})
	}
	return out
}
