package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

func (a *app) earningsCmd() *cobra.Command {
	var limit int
	var after uint64
	c := &cobra.Command{
		Use:   "earnings",
		Short: "Show the wallet's earnings and expenses: totals per currency and its ledger entries",
		Long: `earnings shows what the wallet earned and spent, per currency, and its
ledger entries, oldest first, --limit of them after the entry --after
(the SEQ column; with --json, the answer's next).`,
		Example: `  iog earnings
  iog earnings --after 120 --limit 200 --json`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client(true)
			if err != nil {
				return err
			}
			e, err := c.Earnings(cmd.Context(), after, limit)
			if err != nil {
				return fmt.Errorf("earnings: %w", err)
			}
			return a.show(e, func(w io.Writer, color bool) error {
				t := newTable("CURRENCY", "IN", "OUT")
				for _, f := range e.Totals {
					t.row(f.Currency.String(), f.In.Decimal(), f.Out.Decimal())
				}
				if err := t.write(w, color); err != nil {
					return err
				}
				fmt.Fprintln(w)
				t = newTable("SEQ", "TIME", "KIND", "AMOUNT", "REASON")
				for _, l := range e.Entries {
					t.row(strconv.FormatUint(l.Seq, 10), when(&l.Time), l.Kind, l.Amount.String(), l.Reason)
				}
				return t.write(w, color)
			})
		},
	}
	c.Flags().IntVar(&limit, "limit", 20, "ledger entries to show")
	c.Flags().Uint64Var(&after, "after", 0, "show the entries after this SEQ")
	return c
}

func (a *app) withdrawCmd() *cobra.Command {
	var to string
	var wait, list bool
	c := &cobra.Command{
		Use:   "withdraw AMOUNT --to ADDRESS",
		Short: "Withdraw funds off the network to a Solana address, or --list the withdrawals",
		Long: `withdraw moves AMOUNT ("25 USDC", or a bare number of IO) out of the
wallet's available balance at once; the withdrawal is pending until the
server pays it out on Solana. --wait waits for that, within --timeout, with
a progress display on a terminal.`,
		Example: `  iog withdraw "25 USDC" --to 9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin --wait
  iog withdraw --list`,
		Args: args(0, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if list != (len(argv) == 0) {
				return usageError{fmt.Errorf("give AMOUNT --to ADDRESS, or --list alone")}
			}
			c, err := a.client(true)
			if err != nil {
				return err
			}
			if list {
				l, err := c.Withdrawals(cmd.Context(), "")
				if err != nil {
					return fmt.Errorf("withdrawals: %w", err)
				}
				return a.show(l, func(w io.Writer, color bool) error { return withdrawalTable(l.Withdrawals).write(w, color) })
			}
			amount, err := parseAmount(argv[0], iog.IO)
			if err != nil {
				return err
			}
			if to == "" {
				return usageError{fmt.Errorf("--to is required: the Solana address to pay")}
			}
			dest, err := parseWallet(to)
			if err != nil {
				return err
			}
			wd, err := c.Withdraw(cmd.Context(), amount, dest)
			if err != nil {
				return fmt.Errorf("withdraw %v: %w", amount, err)
			}
			if wait {
				if wd, err = a.untilPaid(cmd, wd, func() (api.WithdrawalList, error) { return c.Withdrawals(cmd.Context(), "") }); err != nil {
					return err
				}
			}
			return a.show(wd, func(w io.Writer, color bool) error { return withdrawalTable([]api.Withdrawal{wd}).write(w, color) })
		},
	}
	f := c.Flags()
	f.StringVar(&to, "to", "", "the Solana address to pay")
	f.BoolVar(&wait, "wait", false, "wait until the withdrawal is paid out")
	f.BoolVar(&list, "list", false, "list the wallet's latest withdrawals")
	return c
}

// untilPaid polls the latest withdrawals until wd is paid.
func (a *app) untilPaid(cmd *cobra.Command, wd api.Withdrawal, latest func() (api.WithdrawalList, error)) (api.Withdrawal, error) {
	ctx, cancel := a.wait(cmd.Context())
	defer cancel()
	pr := a.progress(ctx, "withdrawal "+wd.ID, 1)
	pr.update(0, "pending: paid out when the server next settles on Solana")
	for wd.Status != api.WithdrawalPaid {
		select {
		case <-ctx.Done():
			pr.finish(false, wd.Status)
			return wd, fmt.Errorf("withdrawal %s is still %s (a server that does not settle on Solana never pays it out): %w", wd.ID, wd.Status, ctx.Err())
		case <-time.After(pollEvery):
		}
		l, err := latest()
		if err != nil {
			pr.finish(false, wd.Status)
			return wd, fmt.Errorf("withdrawal %s: %w", wd.ID, err)
		}
		for _, w := range l.Withdrawals {
			if w.ID == wd.ID {
				wd = w
			}
		}
	}
	pr.finish(true, "paid")
	return wd, nil
}

func withdrawalTable(ws []api.Withdrawal) *table {
	t := newTable("ID", "AMOUNT", "TO", "STATUS", "CREATED", "UPDATED")
	t.status = 3
	t.paint = func(s string) string {
		if s == api.WithdrawalPaid {
			return paint(green, s)
		}
		return paint(yellow, s)
	}
	for _, w := range ws {
		t.row(w.ID, w.Amount.String(), w.To.String(), w.Status, when(&w.Created), when(&w.Updated))
	}
	return t
}
