package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog/iogsdk/api"
)

func (a *app) quoteCmd() *cobra.Command {
	var r requestFlags
	c := &cobra.Command{
		Use:   "quote",
		Short: "Price a cluster without deploying it",
		Long: `quote prices a cluster as a deploy of the same flags would be charged: the
hourly price of a GPU, the total, the fees, and the big clouds' price it
compares with. It needs no wallet.`,
		Example: `  iog quote --gpu H100-SXM --count 8 --hours 24
  iog quote --gpu A100 --count 2 --hours 3 --currency IO --location DE`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := r.build(cmd, nil, a.stdin)
			if err != nil {
				return err
			}
			c, err := a.client(false)
			if err != nil {
				return err
			}
			q, err := c.Quote(cmd.Context(), req)
			if err != nil {
				return fmt.Errorf("quote: %w", err)
			}
			return a.show(q, func(w io.Writer, color bool) error { return writeQuote(w, color, q) })
		},
	}
	r.bind(c, false)
	return c
}

func writeQuote(w io.Writer, color bool, q api.Quote) error {
	ref := "-"
	if q.Reference != nil {
		ref = fmt.Sprintf("%s %s at %s an hour (%.1f%% saved)", q.Reference.Provider, q.Reference.Offering, q.Reference.HourlyPerGPU, float64(q.SavingPPM)/1e4)
	}
	if err := fields(
		"model", fmt.Sprintf("%d× %s for %d h", q.GPUCount, q.Model, q.Hours),
		"location", orDash(q.Location),
		"per GPU-hour", q.HourlyPerGPUUSD.String(),
		"price", q.Price.String(),
		"renter pays", q.RenterPays.String()+" (held in escrow at deploy)",
		"suppliers receive", q.SupplierReceives.String(),
		"big clouds", ref,
	).writeFields(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	t := newTable("FEE", "RATE", "AMOUNT")
	for _, f := range q.Fees {
		t.row(f.Kind, f.Rate, f.Amount.String())
	}
	if err := t.write(w, color); err != nil {
		return err
	}
	if len(q.Factors) > 0 {
		_, err := fmt.Fprintf(w, "\n%s\n", strings.Join(q.Factors, "\n"))
		return err
	}
	return nil
}
