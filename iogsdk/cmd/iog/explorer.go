package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// summary is the network's summary, as `iog explorer` shows it.
type summary struct {
	Supply    api.Supply      `json:"supply"`
	Devices   api.DeviceStats `json:"devices"`
	Suppliers int             `json:"suppliers"`
	Block     *api.Block      `json:"latest_block,omitempty"`
	Prices    *api.PriceBoard `json:"prices,omitempty"`
}

func (a *app) explorerCmd() *cobra.Command {
	var prices bool
	c := &cobra.Command{
		Use:   "explorer",
		Short: "Summarize the network: supply, devices by model, suppliers, the latest block",
		Example: `  iog explorer
  iog explorer --prices
  iog explorer --json | jq .devices.up`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client(false)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var s summary
			if s.Supply, err = c.Supply(ctx); err != nil {
				return fmt.Errorf("explorer: %w", err)
			}
			if s.Devices, err = c.DeviceStats(ctx); err != nil {
				return fmt.Errorf("explorer: %w", err)
			}
			sup, err := c.Suppliers(ctx, iogsdk.Page{Limit: 1})
			if err != nil {
				return fmt.Errorf("explorer: %w", err)
			}
			s.Suppliers = sup.Total
			blocks, err := c.Blocks(ctx, iogsdk.Page{Limit: 1})
			if err != nil {
				return fmt.Errorf("explorer: %w", err)
			}
			if len(blocks.Blocks) > 0 {
				s.Block = &blocks.Blocks[0]
			}
			if prices {
				p, err := c.PriceBoard(ctx)
				if err != nil {
					return fmt.Errorf("explorer: %w", err)
				}
				s.Prices = &p
			}
			return a.show(s, func(w io.Writer, color bool) error { return writeSummary(w, color, s) })
		},
	}
	c.Flags().BoolVar(&prices, "prices", false, "add the price of a GPU-hour of every catalog model")
	return c
}

func writeSummary(w io.Writer, color bool, s summary) error {
	block := "-"
	if s.Block != nil {
		block = fmt.Sprintf("%d: %v emitted, %d devices rewarded", s.Block.Number, s.Block.Emission, s.Block.Rewarded)
	}
	if err := fields("epoch", strconv.FormatUint(s.Supply.Epoch, 10), "supply", s.Supply.Total.String(),
		"circulating", s.Supply.Circulating.String(), "emitted", s.Supply.Emitted.String(), "burned", s.Supply.Burned.String(),
		"devices", fmt.Sprintf("%d (%d up), %d GPUs", s.Devices.Devices, s.Devices.Up, s.Devices.GPUs),
		"suppliers", strconv.Itoa(s.Suppliers), "latest block", block).writeFields(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	t := newTable("MODEL", "DEVICES", "GPUS")
	for _, m := range s.Devices.ByModel {
		t.row(m.Name, strconv.Itoa(m.Devices), strconv.Itoa(m.GPUs))
	}
	if err := t.write(w, color); err != nil {
		return err
	}
	if s.Prices == nil {
		return nil
	}
	fmt.Fprintln(w)
	t = newTable("MODEL", "PER GPU-HOUR (USD)", "PER GPU-HOUR", "BIG CLOUDS")
	for _, r := range s.Prices.Rows {
		ref := "-"
		if r.ReferenceHourly != nil {
			ref = fmt.Sprintf("%s %v (%.1f%% saved)", r.Reference, *r.ReferenceHourly, float64(r.Saving)/1e4)
		}
		t.row(r.Model, r.HourlyUSD.Decimal(), r.Hourly.String(), ref)
	}
	return t.write(w, color)
}
