package solana

import (
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go/rpc"

	"github.com/internetofgpus/iog"
)

// Config configures a Ledger on Solana.
type Config struct {
	// Endpoint is the URL of a Solana JSON-RPC server, such as
	// https://api.mainnet-beta.solana.com or a local test validator.
	// Required.
	Endpoint string
	// Authority is the network's key: it signs every transaction, holds
	// every account of the ledger in custody, and is the mint authority of
	// the mints the network issues. One ledger at a time may use it: the
	// ledger is rebuilt from the authority's transactions. Required.
	Authority ed25519.PrivateKey
	// FeePayer pays the transactions' fees and the rent of the accounts
	// they create. Nil means the authority pays.
	FeePayer ed25519.PrivateKey
	// Mints are the SPL mints of the currencies the ledger keeps; a
	// currency without one is refused. Required.
	Mints map[iog.Currency]Mint
	// Commitment is how final a transaction must be before it is
	// acknowledged. Empty means rpc.CommitmentConfirmed.
	Commitment rpc.CommitmentType
	// ComputeUnitPrice, in micro-lamports, is the priority fee offered per
	// compute unit. With a price, every transaction also sets its compute
	// unit limit to what its instructions are measured to need, since the
	// fee is paid on the limit. Zero offers none.
	ComputeUnitPrice uint64
	// CreateRecipientAccounts lets a withdrawal create the associated
	// token account of a recipient that has none, the fee payer paying its
	// rent. Without it such a withdrawal is refused (iog.ErrNotFound).
	CreateRecipientAccounts bool
	// Window is how many transactions ApplyEach sends at once, in one
	// JSON-RPC batch, before any has landed. Zero means 8; 1 sends one at
	// a time. Some RPC providers cap the requests of a batch.
	Window int
	// PollInterval is the longest wait between two polls of a
	// transaction's status: polls start at a fiftieth of it and back off
	// to it. Zero means 400 ms, a Solana slot.
	PollInterval time.Duration
	// HTTPClient carries the RPC requests. Nil means go-retryablehttp's
	// client with its default backoff, retrying connection errors and
	// server errors (a retried request sends the same signed transaction,
	// which Solana applies at most once).
	HTTPClient *http.Client
	// Clock stamps the entries. Nil means iog.SystemClock.
	Clock iog.Clock
	// Logger receives the ledger's warnings. Nil means slog.Default().
	Logger *slog.Logger
}

// Mint is the SPL mint of one currency.
type Mint struct {
	// Address is the mint's account. Its decimals must be the currency's
	// (8 for IO and IOSD, 6 for USDC).
	Address iog.WalletAddress
	// Issued says the ledger's authority is the mint's mint authority, as
	// for a network's own mint or a test one: Mint and Burn mint and burn
	// on Solana. Otherwise (USDC, or IO on mainnet) they move tokens
	// between the account and the authority's associated token account
	// for the mint, its treasury: minting pays out of the treasury,
	// burning (after a buy-back) returns to it.
	Issued bool
}

// withDefaults checks cfg and fills in its defaults.
func (cfg Config) withDefaults() (Config, error) {
	switch {
	case cfg.Endpoint == "":
		return cfg, fmt.Errorf("solana ledger: no RPC endpoint: %w", iog.ErrInvalid)
	case len(cfg.Authority) != ed25519.PrivateKeySize:
		return cfg, fmt.Errorf("solana ledger: no authority key: %w", iog.ErrInvalid)
	case cfg.FeePayer != nil && len(cfg.FeePayer) != ed25519.PrivateKeySize:
		return cfg, fmt.Errorf("solana ledger: fee payer key of %d bytes: %w", len(cfg.FeePayer), iog.ErrInvalid)
	case len(cfg.Mints) == 0:
		return cfg, fmt.Errorf("solana ledger: no mints: %w", iog.ErrInvalid)
	}
	seen := map[iog.WalletAddress]iog.Currency{}
	for c, m := range cfg.Mints {
		if !c.Valid() {
			return cfg, fmt.Errorf("solana ledger: mint for %v: %w", c, iog.ErrInvalid)
		}
		if m.Address.IsZero() {
			return cfg, fmt.Errorf("solana ledger: the %v mint has no address: %w", c, iog.ErrInvalid)
		}
		if other, dup := seen[m.Address]; dup {
			return cfg, fmt.Errorf("solana ledger: %v and %v share the mint %v: %w", other, c, m.Address, iog.ErrInvalid)
		}
		seen[m.Address] = c
	}
	if cfg.FeePayer == nil {
		cfg.FeePayer = cfg.Authority
	}
	if cfg.Commitment == "" {
		cfg.Commitment = rpc.CommitmentConfirmed
	}
	if cfg.Window < 0 {
		return cfg, fmt.Errorf("solana ledger: window of %d transactions: %w", cfg.Window, iog.ErrInvalid)
	}
	if cfg.Window == 0 {
		cfg.Window = 8
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 400 * time.Millisecond
	}
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}
