package refserver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

func (s *Server) accountRoutes() []route {
	return []route{
		{method: "GET", pattern: "/v1/accounts/{wallet}", access: public, handle: s.getAccount, summary: "A wallet's balances in every currency, and its unclaimed block rewards"},
		{method: "GET", pattern: "/v1/accounts/{wallet}/earnings", access: public, handle: s.getEarnings, summary: "A wallet's earnings a UTC day at a time: block rewards allotted, its devices' rental payouts and the fees its clusters paid"},
		{method: "POST", pattern: "/v1/faucet", access: signedOnly, mutates: true, handle: s.faucet, summary: "Test funds for the signing wallet, once a day, on a network with a faucet"},
	}
}

// getAccount answers a wallet's balances. They are public, as a Solana
// account's are.
func (s *Server) getAccount(c *call) (any, error) {
	w, err := iog.ParseWalletAddress(c.param("wallet"))
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	var acct api.Account
	err = c.read(func(tx *store.Tx) error {
		acct, err = account(c.r.Context(), tx, w)
		return err
	})
	return acct, err
}

// account reads a wallet's balances and its unclaimed block rewards in
// tx, after what tx did. A wallet the ledger has never seen is
// iog.ErrNotFound (a staker's account is open: it paid its stake).
func account(ctx context.Context, tx *store.Tx, w iog.WalletAddress) (api.Account, error) {
	unclaimed, _, err := tx.Unclaimed(w)
	if err != nil {
		return api.Account{}, err
	}
	acct := api.Account{Wallet: w, Unclaimed: unclaimed}
	l := tx.Ledger()
	for _, cur := range iog.Currencies() {
		b, err := l.Balance(ctx, w, cur)
		if err != nil {
			return api.Account{}, err
		}
		acct.Balances = append(acct.Balances, api.Balance{Currency: cur, Available: b.Available, Held: b.Held})
	}
	return acct, nil
}

// faucetGrants are what one faucet call gives.
var faucetGrants = []string{"50000 IO", "10000 USDC"}

// faucetEvery is how often a wallet may take from the faucet.
const faucetEvery = 24 * 60 * 60 // seconds

// faucet mints test funds to the signing wallet, once a day, on a network
// configured with a faucet.
func (s *Server) faucet(c *call) (any, error) {
	if !s.cfg.Faucet {
		return nil, fmt.Errorf("this network has no faucet: %w", iog.ErrForbidden)
	}
	w := c.who.wallet
	if err := openAccount(c.tx, w, "faucet"); err != nil {
		return nil, err
	}
	day := c.now.Unix() / faucetEvery
	var ops []ledger.Op
	for _, g := range faucetGrants {
		a := iog.MustParseAmount(g)
		ops = append(ops, ledger.Op{Kind: ledger.Mint, Key: fmt.Sprintf("faucet:%v:%d:%v", w, day, a.Currency()), Reason: "test funds from the faucet", To: w, Amount: a})
	}
	if _, err := c.tx.Apply(ops...); err != nil {
		if errors.Is(err, ledger.ErrReplayed) {
			return nil, fmt.Errorf("wallet %v took from the faucet today; come back tomorrow: %w", w, iog.ErrConflict)
		}
		return nil, err
	}
	c.audit("faucet", w.String(), strings.Join(faucetGrants, ", "))
	return account(c.r.Context(), c.tx, w)
}
