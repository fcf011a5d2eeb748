package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

func (a *app) stakeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stake DEVICE [AMOUNT]",
		Short: "Stake IO on one of the wallet's devices (by default what its hardware requires)",
		Long: `stake stakes IO of the wallet's available balance on its own device: a
device must hold the stake its hardware requires to earn block rewards.
Without AMOUNT it stakes what is still missing of that. AMOUNT is in IO
("100" or "100 IO").`,
		Example: `  iog stake d-0123
  iog stake d-0123 250`,
		Args: args(1, 2),
		RunE: func(cmd *cobra.Command, argv []string) error { return a.stake(cmd, argv, true) },
	}
}

func (a *app) costakeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "costake DEVICE AMOUNT",
		Short: "Co-stake IO on another wallet's device, for a share of its rewards",
		Example: `  iog costake d-0456 100
  iog costake d-0456 "100 IO"`,
		Args: args(2, 2),
		RunE: func(cmd *cobra.Command, argv []string) error { return a.stake(cmd, argv, false) },
	}
}

// stake stakes on a device: the wallet's own when own, another's when not.
func (a *app) stake(cmd *cobra.Command, argv []string, own bool) error {
	id, err := parseDevice(argv[0])
	if err != nil {
		return err
	}
	var amount iog.Amount
	if len(argv) == 2 {
		if amount, err = parseAmount(argv[1], iog.IO); err != nil {
			return err
		}
	}
	c, err := a.client(true)
	if err != nil {
		return err
	}
	st, err := c.DeviceStake(cmd.Context(), id)
	if err != nil {
		return fmt.Errorf("device %s: %w", id, err)
	}
	switch mine := st.Owner == c.Wallet(); {
	case own && !mine:
		return explained{fmt.Errorf("device %s belongs to %v: co-stake on another wallet's device with `iog costake`: %w", id, st.Owner, iog.ErrForbidden)}
	case !own && mine:
		return usageError{fmt.Errorf("device %s is the wallet's own: stake on it with `iog stake`", id)}
	}
	if len(argv) == 1 {
		amount, err = st.Required.Sub(st.Active)
		if err != nil {
			return err
		}
		if amount.Sign() <= 0 {
			return a.show(st, func(w io.Writer, _ bool) error { return writeStake(w, st) })
		}
	}
	st, err = c.Stake(cmd.Context(), id, amount)
	if err != nil {
		return fmt.Errorf("stake %v on %s: %w", amount, id, err)
	}
	return a.show(st, func(w io.Writer, _ bool) error { return writeStake(w, st) })
}

func writeStake(w io.Writer, st api.DeviceStake) error {
	return fields("device", string(st.Device), "owner", st.Owner.String(), "required", st.Required.String(),
		"active", st.Active.String(), "cooling down", st.Cooling.String(), "meets requirement", fmt.Sprint(st.Meets)).writeFields(w)
}

func (a *app) unstakeCmd() *cobra.Command {
	var claim bool
	c := &cobra.Command{
		Use:   "unstake [DEVICE AMOUNT]",
		Short: "Start the cooldown of stake on a device, or --claim the cooldowns that ran",
		Long: `unstake starts the cooldown of AMOUNT of the wallet's stake on a device;
once it has run (14 days for an owner, 21 for a co-staker by default),
unstake --claim pays it back to the available balance.`,
		Example: `  iog unstake d-0123 50
  iog unstake --claim`,
		Args: args(0, 2),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if claim != (len(argv) == 0) || (!claim && len(argv) != 2) {
				return usageError{fmt.Errorf("give DEVICE AMOUNT, or --claim alone")}
			}
			c, err := a.client(true)
			if err != nil {
				return err
			}
			if claim {
				out, err := c.WithdrawStake(cmd.Context())
				if err != nil {
					return fmt.Errorf("unstake --claim: %w", err)
				}
				return a.show(out, func(w io.Writer, _ bool) error {
					_, err := fmt.Fprintf(w, "%v back in the wallet's available balance, from %d cooldowns\n", out.Withdrawn, len(out.Cooldowns))
					return err
				})
			}
			return a.unstake(cmd, c, argv)
		},
	}
	c.Flags().BoolVar(&claim, "claim", false, "pay back the cooldowns that have run")
	return c
}

func (a *app) unstake(cmd *cobra.Command, c *iogsdk.Client, argv []string) error {
	id, err := parseDevice(argv[0])
	if err != nil {
		return err
	}
	amount, err := parseAmount(argv[1], iog.IO)
	if err != nil {
		return err
	}
	out, err := c.Unstake(cmd.Context(), id, amount)
	if err != nil {
		return fmt.Errorf("unstake %v from %s: %w", amount, id, err)
	}
	return a.show(out, func(w io.Writer, _ bool) error {
		if err := writeStake(w, out.Stake); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "\n%v cools down until %s; then `iog unstake --claim`\n", out.Cooldown.Amount, when(&out.Cooldown.Ready))
		return err
	})
}
