package refserver

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

func (s *Server) withdrawalRoutes() []route {
	read := func(method, pattern string, h func(*call) (any, error), summary string) route {
		return route{method: method, pattern: pattern, access: private, scope: api.ScopeRead, handle: h, summary: summary}
	}
	return []route{
		{method: "POST", pattern: "/v1/withdrawals", access: signedOnly, mutates: true, handle: s.withdraw, summary: "Withdraw funds of the signing wallet off the network to a Solana address"},
		read("GET", "/v1/withdrawals", s.listWithdrawals, "The caller's withdrawals, newest first"),
		read("GET", "/v1/earnings", s.earnings, "The caller's earnings and expenses: its ledger entries and totals per currency"),
	}
}

// Pages of withdrawals and of ledger entries: the default and the most a
// client may ask for.
const (
	maxWithdrawalPage = 200
	defaultEntryPage  = 100
	maxEntryPage      = 1000
)

// withdrawable are the currencies that exist on Solana, which a
// withdrawal pays out in; USD is only a unit of account.
var withdrawable = []iog.Currency{iog.IO, iog.IOSD, iog.USDC}

// withdraw records a withdrawal off the network, pending until it is paid
// out on Solana, and moves its amount out of the wallet's available
// balance into the network's withdrawals account. A server that settles
// on Solana also records its payout, a Burn from that account, which the
// settlement pays to the withdrawal's address; then the withdrawal is
// paid. More than is available is iog.ErrInsufficientFunds
// and changes nothing.
func (s *Server) withdraw(c *call) (any, error) {
	var req api.WithdrawalRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	cur := req.Amount.Currency()
	if !slices.Contains(withdrawable, cur) || req.Amount.Sign() <= 0 {
		return nil, fmt.Errorf("amount %v: want a positive amount of IO, IOSD or USDC: %w", req.Amount, iog.ErrInvalid)
	}
	if req.To.IsZero() {
		return nil, fmt.Errorf("to: want a Solana address: %w", iog.ErrInvalid)
	}
	if _, err := c.tx.Balance(c.who.wallet, cur); err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("withdraw %v: wallet %v has no funds: %w", req.Amount, c.who.wallet, iog.ErrInsufficientFunds)
		}
		return nil, err
	}
	if err := openAccount(c.tx, s.accounts.Withdrawals, "the network's withdrawals account"); err != nil {
		return nil, err
	}
	w, err := c.tx.InsertWithdrawal(store.Withdrawal{Wallet: c.who.wallet, Amount: req.Amount, To: req.To, Status: api.WithdrawalPending, Created: c.now, Updated: c.now})
	if err != nil {
		return nil, err
	}
	ops := []ledger.Op{{Kind: ledger.Transfer, Key: w.Key(), Reason: fmt.Sprintf("withdrawal %d to %v", w.ID, w.To),
		From: c.who.wallet, To: s.accounts.Withdrawals, Amount: w.Amount}}
	if s.settler != nil {
		// The payout: the chain pays it to To as it settles this Burn.
		ops = append(ops, ledger.Op{Kind: ledger.Burn, Key: w.PayoutKey(), Reason: fmt.Sprintf("withdrawal %d paid out to %v", w.ID, w.To),
			From: s.accounts.Withdrawals, Amount: w.Amount})
	}
	if _, err = c.tx.Apply(ops...); err != nil {
		return nil, err
	}
	c.status = http.StatusCreated
	c.audit("withdrawal", strconv.FormatInt(w.ID, 10), fmt.Sprintf("%v to %v", w.Amount, w.To))
	return publicWithdrawal(w), nil
}

// listWithdrawals answers a page of the caller's withdrawals, newest
// first; ?before= continues from a page's next.
func (s *Server) listWithdrawals(c *call) (any, error) {
	var before int64
	if b := c.r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("before %q: want a withdrawal ID: %w", clip(b), iog.ErrInvalid)
		}
		before = n
	}
	var rows []store.Withdrawal
	err := c.read(func(tx *store.Tx) error {
		var err error
		rows, err = tx.Withdrawals(c.who.wallet, before, maxWithdrawalPage)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := api.WithdrawalList{Withdrawals: []api.Withdrawal{}}
	for _, w := range rows {
		out.Withdrawals = append(out.Withdrawals, publicWithdrawal(w))
	}
	if len(rows) == maxWithdrawalPage {
		out.Next = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	return out, nil
}

func publicWithdrawal(w store.Withdrawal) api.Withdrawal {
	return api.Withdrawal{ID: strconv.FormatInt(w.ID, 10), Wallet: w.Wallet, Amount: w.Amount, To: w.To, Status: w.Status, Created: w.Created.UTC(), Updated: w.Updated.UTC()}
}

// earnings answers the caller's earnings and expenses: a page of the
// ledger entries that moved its balances (?after= a seq, ?limit=), each
// by kind and reason with what it changed, and what came in and went out
// per currency over all of them; and, when the server settles its
// ledger, each entry's settlement on the chain.
func (s *Server) earnings(c *call) (any, error) {
	q := c.r.URL.Query()
	var after uint64
	limit := defaultEntryPage
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseUint(a, 10, 63)
		if err != nil {
			return nil, fmt.Errorf("after %q: want an entry's seq: %w", clip(a), iog.ErrInvalid)
		}
		after = n
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxEntryPage {
			return nil, fmt.Errorf("limit %q: want 1 to %d: %w", clip(l), maxEntryPage, iog.ErrInvalid)
		}
		limit = n
	}
	w := c.who.wallet
	entries, err := s.store.Ledger().EntriesOf(c.r.Context(), w, after, limit)
	if err != nil {
		return nil, err
	}
	flows, err := s.store.Ledger().FlowsOf(c.r.Context(), w)
	if err != nil {
		return nil, err
	}
	settled, err := s.settlementsOf(c, len(entries), func(i int) uint64 { return entries[i].Seq })
	if err != nil {
		return nil, err
	}
	out := api.Earnings{Wallet: w, Entries: []api.LedgerEntry{}, Totals: []api.Flow{}}
	for _, e := range entries {
		out.Entries = append(out.Entries, api.LedgerEntry{Seq: e.Seq, Time: e.Time.UTC(), Kind: e.Op.Kind.String(), Reason: e.Op.Reason,
			Amount: e.Op.Amount, Available: e.Available, Held: e.Held, Settlement: settled[e.Seq]})
	}
	for _, f := range flows {
		out.Totals = append(out.Totals, api.Flow{Currency: f.Currency, In: f.In, Out: f.Out})
	}
	if len(entries) == limit {
		out.Next = strconv.FormatUint(entries[len(entries)-1].Seq, 10)
	}
	return out, nil
}
