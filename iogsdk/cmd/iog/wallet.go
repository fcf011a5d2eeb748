package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

func (a *app) walletCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "wallet",
		Short: "Create, import and show the wallet that signs requests",
		Long: `A wallet is an ed25519 key in a Solana CLI keypair file (a JSON array of
64 numbers, as solana-keygen writes it): its address is the key's public
half, in base58. The file is --keypair, IOG_KEYPAIR or the configuration's
keypair, by default $XDG_CONFIG_HOME/iog/id.json.`,
		Example: `  iog wallet create
  iog wallet import ~/.config/solana/id.json
  iog wallet show`,
	}
	c.AddCommand(a.walletCreateCmd(), a.walletImportCmd(), a.walletShowCmd(), a.walletFaucetCmd())
	return c
}

// walletOut is what the wallet commands write with --json.
type walletOut struct {
	Address iog.WalletAddress `json:"address"`
	Keypair string            `json:"keypair"`
}

// saveWallet writes key to the keypair file, readable by its owner only,
// and never over another key unless force.
func (a *app) saveWallet(key ed25519.PrivateKey, force bool) error {
	if _, err := os.Stat(a.set.Keypair); err == nil && !force {
		return explained{fmt.Errorf("a wallet already is at %s: give --force to replace it (its key is lost unless it is kept elsewhere), or another --keypair: %w", a.set.Keypair, iog.ErrConflict)}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := writeFileAtomic(a.set.Keypair, iog.MarshalSolanaKeypair(key), 0o600); err != nil {
		return fmt.Errorf("wallet: %w", err)
	}
	return a.showWallet(key)
}

func (a *app) showWallet(key ed25519.PrivateKey) error {
	addr, err := iog.WalletAddressOf(key.Public().(ed25519.PublicKey))
	if err != nil {
		return err
	}
	out := walletOut{Address: addr, Keypair: a.set.Keypair}
	return a.show(out, func(w io.Writer, _ bool) error {
		return fields("address", addr.String(), "keypair", a.set.Keypair).writeFields(w)
	})
}

func (a *app) walletCreateCmd() *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "create",
		Short: "Create a new wallet in the keypair file",
		Example: `  iog wallet create
  iog wallet create --keypair ./renter.json`,
		Args: args(0, 0),
		RunE: func(*cobra.Command, []string) error {
			_, key, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return err
			}
			return a.saveWallet(key, force)
		},
	}
	c.Flags().BoolVar(&force, "force", false, "replace the wallet already in the keypair file")
	return c
}

func (a *app) walletImportCmd() *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a Solana CLI keypair file (- reads standard input)",
		Example: `  iog wallet import ~/.config/solana/id.json
  solana-keygen new --no-outfile --force -o /dev/stdout | iog wallet import -`,
		Args: args(1, 1),
		RunE: func(_ *cobra.Command, argv []string) error {
			var data []byte
			var err error
			if argv[0] == "-" {
				data, err = readInput(a.stdin)
			} else {
				data, err = os.ReadFile(argv[0])
			}
			if err != nil {
				return fmt.Errorf("wallet import: %w", err)
			}
			key, err := iog.ParseSolanaKeypair(data)
			if err != nil {
				return fmt.Errorf("wallet import %s: %w", argv[0], err)
			}
			return a.saveWallet(key, force)
		},
	}
	c.Flags().BoolVar(&force, "force", false, "replace the wallet already in the keypair file")
	return c
}

// walletShowOut is `wallet show --json`.
type walletShowOut struct {
	walletOut
	Account *api.Account      `json:"account,omitempty"`
	Stakes  *api.WalletStakes `json:"stakes,omitempty"`
}

func (a *app) walletShowCmd() *cobra.Command {
	var offline bool
	c := &cobra.Command{
		Use:   "show",
		Short: "Show the wallet's address, balances and stake",
		Example: `  iog wallet show
  iog wallet show --offline   # the address only, without the server`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			key, err := a.wallet()
			if err != nil {
				return err
			}
			if offline {
				return a.showWallet(key)
			}
			addr, _ := iog.WalletAddressOf(key.Public().(ed25519.PublicKey))
			c, err := a.client(false)
			if err != nil {
				return err
			}
			acct, err := c.Account(cmd.Context(), addr)
			if err != nil {
				return err
			}
			stakes, err := c.Stakes(cmd.Context(), addr)
			if err != nil {
				return err
			}
			out := walletShowOut{walletOut: walletOut{Address: addr, Keypair: a.set.Keypair}, Account: &acct, Stakes: &stakes}
			return a.show(out, func(w io.Writer, color bool) error {
				return writeWallet(w, color, out)
			})
		},
	}
	c.Flags().BoolVar(&offline, "offline", false, "show the address only, without asking the server")
	return c
}

func writeWallet(w io.Writer, color bool, out walletShowOut) error {
	if err := fields("address", out.Address.String(), "keypair", out.Keypair,
		"staked", out.Stakes.Active.String(), "cooling down", out.Stakes.Cooling.String(),
		"unclaimed rewards", out.Account.Unclaimed.String()).writeFields(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return balances(out.Account.Balances).write(w, color)
}

func balances(bs []api.Balance) *table {
	t := newTable("CURRENCY", "AVAILABLE", "HELD")
	for _, b := range bs {
		t.row(b.Currency.String(), b.Available.Decimal(), b.Held.Decimal())
	}
	return t
}

func (a *app) walletFaucetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "faucet",
		Short: "Take test funds, on a network with a faucet (a test or demonstration network)",
		Long: `faucet takes the test funds a demonstration or test network gives any
wallet, once a day. A network without a faucet answers not found.`,
		Example: `  iog wallet faucet`,
		Args:    args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client(true)
			if err != nil {
				return err
			}
			acct, err := c.Faucet(cmd.Context())
			if err != nil {
				return fmt.Errorf("faucet: %w", err)
			}
			return a.show(acct, func(w io.Writer, color bool) error {
				return balances(acct.Balances).write(w, color)
			})
		},
	}
}
