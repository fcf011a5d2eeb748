// Command policy switches the reference server's scheduling policy
// (refserver.Config.Policy) and shows what changes: on a network of two
// suppliers, a rig of eight H100s and one of two, a renter deploys three
// one-GPU clusters in turn. best-fit, the server's default, packs them on
// the fullest rig, leaving the big rig whole for a large cluster; spread
// keeps load even, on the emptiest.
//
//	go run ./examples/policy
//	go run ./examples/policy -policy best-fit,spread,first-fit
//
// The policies are scheduler.PolicyNames; go run ./scheduler/sim/cmd/iogsim
// (or iog sim) measures them on whole traces.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/examples/internal/demonet"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/scheduler"
	"github.com/internetofgpus/iog/scheduler/sim"
)

func main() {
	policies := flag.String("policy", "best-fit,spread", "comma-separated policies to run the network with, in turn")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, p := range strings.Split(*policies, ",") {
		if err := run(ctx, os.Stdout, p); err != nil {
			fmt.Fprintln(os.Stderr, "policy:", err)
			os.Exit(1)
		}
	}
}

// rigs are the suppliers' machines.
var rigs = []demonet.Rig{{Name: "big rig", Model: "H100-SXM", GPUs: 8}, {Name: "small rig", Model: "H100-SXM", GPUs: 2}}

// run starts a network scheduling with the named policy, its two
// suppliers, and deploys the renter's three clusters.
func run(ctx context.Context, out io.Writer, name string) error {
	policy, err := scheduler.NewPolicy(name, scheduler.PolicyOptions{Seed: 1, Price: sim.FlatPrice})
	if err != nil {
		return err
	}
	n, err := demonet.Start(ctx, demonet.Config{Rigs: rigs, Policy: policy})
	if err != nil {
		return err
	}
	defer n.Close()
	renter, err := n.Renter(ctx, 9)
	if err != nil {
		return err
	}
	var placed []string
	for range 3 {
		cl, err := renter.Deploy(ctx, api.DeployRequest{Request: pricing.Request{
			Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 1}, Hours: 1, Currency: iog.USDC}})
		if err != nil {
			return err
		}
		cl, err = demonet.Until(ctx, func() (api.Cluster, bool, error) {
			cl, err := renter.Cluster(ctx, cl.ID)
			return cl, err == nil && len(cl.Devices) > 0, err
		})
		if err != nil {
			return err
		}
		placed = append(placed, n.Rigs[cl.Devices[0].Device])
	}
	fmt.Fprintf(out, "%-10s three 1-GPU clusters on: %s\n", name, strings.Join(placed, ", "))
	return nil
}
