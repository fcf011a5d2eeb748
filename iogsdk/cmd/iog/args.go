package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog"
)

// args checks a command's number of arguments, from min to max (max < 0
// for any), as a usage error.
func args(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if len(a) < min || (max >= 0 && len(a) > max) {
			want := fmt.Sprintf("%d", min)
			switch {
			case max < 0:
				want = fmt.Sprintf("at least %d", min)
			case max != min:
				want = fmt.Sprintf("%d to %d", min, max)
			}
			return usageError{fmt.Errorf("%s takes %s arguments, got %d: usage: %s", cmd.CommandPath(), want, len(a), cmd.UseLine())}
		}
		return nil
	}
}

// parseAmount reads an amount as "12.5 IO", or a bare number in the
// currency def.
func parseAmount(s string, def iog.Currency) (iog.Amount, error) {
	var a iog.Amount
	var err error
	if strings.Contains(strings.TrimSpace(s), " ") {
		a, err = iog.ParseAmount(strings.TrimSpace(s))
	} else {
		a, err = iog.ParseDecimal(s, def)
	}
	if err != nil {
		return iog.Amount{}, usageError{err}
	}
	if a.Sign() <= 0 {
		return iog.Amount{}, usageError{fmt.Errorf("amount %v: want more than zero", a)}
	}
	return a, nil
}

func parseDevice(s string) (iog.DeviceID, error) {
	id, err := iog.ParseDeviceID(s)
	if err != nil {
		return "", usageError{err}
	}
	return id, nil
}

func parseCluster(s string) (iog.ClusterID, error) {
	id, err := iog.ParseClusterID(s)
	if err != nil {
		return "", usageError{err}
	}
	return id, nil
}

func parseWallet(s string) (iog.WalletAddress, error) {
	w, err := iog.ParseWalletAddress(s)
	if err != nil {
		return iog.WalletAddress{}, usageError{err}
	}
	return w, nil
}

// maxInput bounds what is read from standard input: a keypair file or a
// request body.
const maxInput = 1 << 20

func readInput(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err == nil && len(data) > maxInput {
		err = usageError{fmt.Errorf("standard input: more than %d bytes", maxInput)}
	}
	return data, err
}

// portsOf checks --port values: 1 to 65535.
func portsOf(ps []uint) ([]uint16, error) {
	var out []uint16
	for _, p := range ps {
		if p == 0 || p > 65535 {
			return nil, usageError{fmt.Errorf("--port %d: want 1 to 65535", p)}
		}
		out = append(out, uint16(p))
	}
	return out, nil
}
