package api

import "github.com/internetofgpus/iog"

// Account is a wallet's holdings.
type Account struct {
	Wallet   iog.WalletAddress `json:"wallet"`
	Balances []Balance         `json:"balances"`
}

// Balance is an account's holdings of one currency: Available can be
// spent; Held is in escrow.
type Balance struct {
	Currency  iog.Currency `json:"currency"`
	Available iog.Amount   `json:"available"`
	Held      iog.Amount   `json:"held"`
}
