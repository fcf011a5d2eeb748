package refserver

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// The network's own accounts on the ledger. Staked IO stays in its
// staker's account, held (a ledger Hold per position); a rental's payment
// is held in the renter's account until it is released to the supplier,
// the fee account, and what the renter did not use to the credits
// account, which returns it to the renter as IOSD credits.
type networkAccounts struct {
	// Fees collects the network's fees on rentals.
	Fees iog.WalletAddress
	// Burn receives slashed stake and bought-back IO, burned from there.
	Burn iog.WalletAddress
	// Rewards holds the block rewards the epochs allotted until their
	// stakers claim them.
	Rewards iog.WalletAddress
	// Unpaid receives the part of an epoch's emission no device earned.
	Unpaid iog.WalletAddress
	// Market stands for the exchange the epoch's buy-back buys IO from.
	Market iog.WalletAddress
	// Withdrawals holds the funds of withdrawals off the network until
	// they are paid out on Solana, or refunded.
	Withdrawals iog.WalletAddress
	// Credits receives the payments refunded to renters as credits: what
	// a cluster's hold did not use is released to it, and IOSD credits
	// worth as much are minted to the renter (io.net returns refunds as
	// credits).
	Credits iog.WalletAddress
}

// deriveAccounts names the network's accounts after its authority: an
// address no key signs for, the same in every process.
func deriveAccounts(authority iog.WalletAddress) networkAccounts {
	derive := func(purpose string) iog.WalletAddress {
		return iog.WalletAddress(sha256.Sum256([]byte("iog network account " + purpose + ": " + authority.String())))
	}
	return networkAccounts{Fees: derive("fees"), Rewards: derive("rewards"), Burn: derive("burn"), Unpaid: derive("unpaid"), Market: derive("market"), Withdrawals: derive("withdrawals"), Credits: derive("credits")}
}

// openAccount opens w on the ledger in tx if it is not open yet, saying
// why (the first reason given stays).
func openAccount(tx *store.Tx, w iog.WalletAddress, reason string) error {
	if _, err := tx.Balance(w, iog.IO); err == nil {
		return nil
	}
	_, err := tx.Apply(ledger.Op{Kind: ledger.Open, Key: "open:" + w.String(), Reason: reason, To: w})
	if err != nil && !errors.Is(err, ledger.ErrReplayed) {
		return fmt.Errorf("open account %v: %w", w, err)
	}
	return nil
}
