package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/solana"
)

// mintsFile keeps, in the data directory, the addresses of the mints a
// test network created, so that a restart settles on the same ones.
const mintsFile = "solana-mints.json"

// Test networks' airdrops: the fee payer asks for testAirdrop lamports
// when it holds less than testAirdropBelow, as much as devnet's faucet
// gives at once. It pays about 0.002 SOL of rent for each token account
// the ledger creates, and 0.000005 SOL for each transaction.
const (
	testAirdrop      = 2 * solanago.LAMPORTS_PER_SOL
	testAirdropBelow = solanago.LAMPORTS_PER_SOL
)

// chainStartTimeout bounds setting up a test network and opening the
// ledger, which waits for the life of a blockhash (about a minute on
// Solana's clusters) before it reads the authority's transactions back.
const chainStartTimeout = 5 * time.Minute

// chainCurrencies are the currencies the ledger holds, each an SPL mint
// on the chain: USD is a unit of account only.
var chainCurrencies = []iog.Currency{iog.IO, iog.IOSD, iog.USDC}

// keypairOption reads a Solana CLI keypair file ("" for none).
func keypairOption(field func(*options) *ed25519.PrivateKey) func(*options, string) error {
	return func(o *options, v string) error {
		if v == "" {
			*field(o) = nil
			return nil
		}
		data, err := os.ReadFile(v)
		if err != nil {
			return err
		}
		key, err := iog.ParseSolanaKeypair(data)
		if err != nil {
			return err
		}
		*field(o) = key
		return nil
	}
}

// parseMints reads -solana-mints: CURRENCY=ADDRESS pairs separated by
// commas, an address followed by ":issued" for a mint the authority
// issues.
func parseMints(o *options, v string) error {
	o.SolanaMints = nil
	if v == "" {
		return nil
	}
	mints := map[iog.Currency]solana.Mint{}
	for _, pair := range strings.Split(v, ",") {
		code, addr, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return fmt.Errorf("want CURRENCY=ADDRESS[:issued] pairs separated by commas, got %q", pair)
		}
		c, err := iog.ParseCurrency(code)
		if err != nil {
			return err
		}
		if _, dup := mints[c]; dup {
			return fmt.Errorf("two mints for %v", c)
		}
		addr, issued := strings.CutSuffix(addr, ":issued")
		w, err := iog.ParseWalletAddress(addr)
		if err != nil {
			return fmt.Errorf("the %v mint: %w", c, err)
		}
		mints[c] = solana.Mint{Address: w, Issued: issued}
	}
	o.SolanaMints = mints
	return nil
}

// checkSolana checks the Solana settings together: settlement is on with
// -solana-rpc only, and then its mints come from -solana-mints (one for
// each currency) or from a test network.
func (o options) checkSolana() error {
	if o.SolanaRPC == "" {
		if o.SolanaKeypair != nil || o.SolanaFeePayer != nil || o.SolanaMints != nil || o.SolanaTestNetwork {
			return errors.New("-solana-keypair, -solana-fee-payer, -solana-mints and -solana-test-network configure settlement on Solana: give -solana-rpc too")
		}
		return nil
	}
	u, err := url.Parse(o.SolanaRPC)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("solana-rpc %q: want the URL of a Solana JSON-RPC endpoint, such as http://127.0.0.1:8899", o.SolanaRPC)
	}
	switch {
	case o.SolanaTestNetwork && o.SolanaMints != nil:
		return errors.New("-solana-test-network creates its own mints: give it or -solana-mints, not both")
	case o.SolanaTestNetwork:
		return nil
	case o.SolanaMints == nil:
		return errors.New("settling on Solana needs the mints: -solana-mints IO=ADDRESS,IOSD=ADDRESS,USDC=ADDRESS (:issued after the mints the authority issues), or -solana-test-network")
	}
	for _, c := range chainCurrencies {
		if _, ok := o.SolanaMints[c]; !ok {
			return fmt.Errorf("solana-mints: no mint for %v (the ledger keeps %v)", c, chainCurrencies)
		}
	}
	return nil
}

// openChain opens the Solana ledger the server settles onto, its
// authority being the server's own key unless -solana-keypair names
// another; on a test network it first funds the fee payer and creates
// the mints it has not created before.
func openChain(ctx context.Context, o options, authority ed25519.PrivateKey, logger *slog.Logger) (*solana.Ledger, error) {
	ctx, cancel := context.WithTimeout(ctx, chainStartTimeout)
	defer cancel()
	cfg := solana.Config{Endpoint: o.SolanaRPC, Authority: authority, FeePayer: o.SolanaFeePayer, Mints: o.SolanaMints,
		CreateRecipientAccounts: true, Logger: logger}
	if o.SolanaKeypair != nil {
		cfg.Authority = o.SolanaKeypair
	}
	if o.SolanaTestNetwork {
		mints, err := testNetwork(ctx, cfg, o.DataDir, logger)
		if err != nil {
			return nil, fmt.Errorf("solana test network %s: %w", o.SolanaRPC, err)
		}
		cfg.Mints = mints
	}
	l, err := solana.New(ctx, cfg)
	if err != nil && o.SolanaTestNetwork {
		return nil, fmt.Errorf("%w (the test network's mints are kept in %s: remove it for new ones on a new chain)", err, filepath.Join(o.DataDir, mintsFile))
	}
	return l, err
}

// testNetwork makes cfg's chain a test network: the fee payer funded by
// an airdrop when it runs low, and the three mints the authority issues,
// created the first time and kept in dir.
func testNetwork(ctx context.Context, cfg solana.Config, dir string, logger *slog.Logger) (map[iog.Currency]solana.Mint, error) {
	payer := cfg.FeePayer
	if payer == nil {
		payer = cfg.Authority
	}
	if err := fund(ctx, cfg.Endpoint, solanago.PublicKey(payer.Public().(ed25519.PublicKey)), logger); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, mintsFile)
	mints, err := readMints(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return mints, err
	}
	mints = map[iog.Currency]solana.Mint{}
	kept := map[string]string{}
	for _, c := range chainCurrencies {
		_, key, err := ed25519.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		m, err := solana.CreateMint(ctx, cfg, c, key)
		if err != nil {
			return nil, err
		}
		mints[c], kept[c.String()] = m, m.Address.String()
		logger.Info("created a test mint", "currency", c.String(), "mint", m.Address.String())
	}
	data, err := json.MarshalIndent(kept, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return nil, err
	}
	return mints, os.Rename(tmp, path)
}

// readMints reads the test network's mints kept at path.
func readMints(path string) (map[iog.Currency]solana.Mint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var kept map[string]string
	if err := json.Unmarshal(data, &kept); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	mints := map[iog.Currency]solana.Mint{}
	for _, c := range chainCurrencies {
		w, err := iog.ParseWalletAddress(kept[c.String()])
		if err != nil {
			return nil, fmt.Errorf("%s: the %v mint: %w", path, c, err)
		}
		mints[c] = solana.Mint{Address: w, Issued: true}
	}
	return mints, nil
}

// fund airdrops testAirdrop lamports to payer when it holds less than
// testAirdropBelow, and waits until the airdrop has landed.
func fund(ctx context.Context, endpoint string, payer solanago.PublicKey, logger *slog.Logger) error {
	c := rpc.New(endpoint)
	defer c.Close()
	balance, err := c.GetBalance(ctx, payer, rpc.CommitmentConfirmed)
	if err != nil {
		return fmt.Errorf("the fee payer's balance: %w", err)
	}
	if balance.Value >= testAirdropBelow {
		return nil
	}
	sig, err := c.RequestAirdrop(ctx, payer, testAirdrop, rpc.CommitmentConfirmed)
	if err != nil {
		return fmt.Errorf("airdrop to the fee payer %v: %w", payer, err)
	}
	for {
		st, err := c.GetSignatureStatuses(ctx, true, sig)
		if err == nil && len(st.Value) == 1 && st.Value[0] != nil {
			if st.Value[0].Err != nil {
				return fmt.Errorf("airdrop to the fee payer %v failed: %v", payer, st.Value[0].Err)
			}
			logger.Info("airdropped SOL to the fee payer", "payer", payer.String(), "lamports", testAirdrop)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the airdrop to the fee payer %v: %w", payer, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
