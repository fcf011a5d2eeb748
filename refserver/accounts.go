package refserver

import (
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

func (s *Server) accountRoutes() []route {
	return []route{
		{method: "GET", pattern: "/v1/accounts/{wallet}", access: public, handle: s.getAccount, summary: "A wallet's balances in every currency"},
	}
}

// getAccount answers a wallet's balances. They are public, as a Solana
// account's are.
func (s *Server) getAccount(c *call) (any, error) {
	w, err := iog.ParseWalletAddress(c.param("wallet"))
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	acct := api.Account{Wallet: w}
	for _, cur := range iog.Currencies() {
		b, err := s.store.Ledger().Balance(c.r.Context(), w, cur)
		if err != nil {
			return nil, err
		}
		acct.Balances = append(acct.Balances, api.Balance{Currency: cur, Available: b.Available, Held: b.Held})
	}
	return acct, nil
}
