package store_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Example opens an embedded store and moves money in one transaction:
// the account is opened and funded together, or not at all.
func Example() {
	dir, err := os.MkdirTemp("", "iog-store")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	authority := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
	s, err := store.Open(ctx, store.Config{Dir: dir, Authority: authority})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	wallet, _ := iog.WalletAddressOf(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)).Public().(ed25519.PublicKey))
	err = s.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Apply(
			ledger.Op{Kind: ledger.Open, Key: "open:alice", Reason: "a new account", To: wallet},
			ledger.Op{Kind: ledger.Mint, Key: "grant:alice", Reason: "a grant", To: wallet, Amount: iog.MustParseAmount("12.5 IO")},
		)
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := s.Ledger().Balance(ctx, wallet, iog.IO)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Available)
	fmt.Println(s.Ledger().Verify(ctx))
	// Output:
	// 12.5 IO
	// <nil>
}
