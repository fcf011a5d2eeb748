// Command rewardsplit splits one epoch's $IO reward among suppliers in
// proportion to their weights, and shows that the shares add up to the
// reward exactly, to the last base unit.
//
//	go run ./examples/rewardsplit
//	go run ./examples/rewardsplit -reward "4566.21004566 IO" -suppliers "h100-farm=80,a100-dc=32,gamer-4090=1"
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/internetofgpus/iog"
)

func main() {
	reward := flag.String("reward", "4566.21004566 IO", "the amount to split, as a decimal and a currency")
	suppliers := flag.String("suppliers", "h100-farm=80,a100-dc=32,rtx4090-gamer=3,rtx4070-gamer=1",
		"comma-separated name=weight pairs; weights are whole numbers")
	flag.Parse()
	if err := run(*reward, *suppliers); err != nil {
		fmt.Fprintln(os.Stderr, "rewardsplit:", err)
		os.Exit(1)
	}
}

func run(rewardText, suppliersText string) error {
	reward, err := iog.ParseAmount(rewardText)
	if err != nil {
		return err
	}
	var names []string
	var weights []uint64
	for pair := range strings.SplitSeq(suppliersText, ",") {
		name, weightText, ok := strings.Cut(pair, "=")
		weight, err := strconv.ParseUint(weightText, 10, 64)
		if !ok || err != nil {
			return fmt.Errorf("supplier %q: want name=weight with a whole-number weight", pair)
		}
		names = append(names, name)
		weights = append(weights, weight)
	}
	shares, err := reward.Split(weights)
	if err != nil {
		return err
	}

	total := iog.Zero(reward.Currency())
	fmt.Printf("%-16s %8s  %s\n", "supplier", "weight", "share")
	for i, share := range shares {
		fmt.Printf("%-16s %8d  %s\n", names[i], weights[i], share)
		if total, err = total.Add(share); err != nil {
			return err
		}
	}
	fmt.Printf("%-16s %8s  %s (reward %s)\n", "total", "", total, reward)
	if total != reward {
		return fmt.Errorf("shares add up to %v, not %v", total, reward)
	}
	return nil
}
