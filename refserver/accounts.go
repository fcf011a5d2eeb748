package refserver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

func (s *Server) accountRoutes() []route {
	return []route{
		{method: "GET", pattern: "/v1/accounts/{wallet}", access: public, handle: s.getAccount, summary: "A wallet's balances in every currency"},
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
	return account(c.r.Context(), s.store.Ledger(), w)
}

// account reads a wallet's balances from l: the store's ledger for a
// read on its own (it needs no transaction, and on SQLite a transaction
// would wait for the write lock), or a transaction's (Tx.Ledger) for the
// balances after what the transaction did.
func account(ctx context.Context, l ledger.Ledger, w iog.WalletAddress) (api.Account, error) {
	acct := api.Account{Wallet: w}
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
	return account(c.r.Context(), c.tx.Ledger(), w)
}
