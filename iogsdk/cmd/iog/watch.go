package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// pollEvery is how often a command that waits asks the server again.
const pollEvery = 500 * time.Millisecond

// steps is how far a cluster is on its way to running, out of
// stepsTotal: pending, placed, then each device's start.
func steps(cl api.Cluster) int64 {
	switch cl.Status {
	case api.ClusterRunning, api.ClusterEnded:
		return stepsTotal
	case api.ClusterPlaced:
		if len(cl.Devices) == 0 {
			return 1
		}
		return 1 + int64(started(cl)*(stepsTotal-2)/len(cl.Devices))
	}
	return 0
}

const stepsTotal = 10

// started counts the cluster's devices whose worker started it.
func started(cl api.Cluster) int {
	n := 0
	for _, d := range cl.Devices {
		if d.Started {
			n++
		}
	}
	return n
}

// describe is a cluster's status in a few words.
func describe(cl api.Cluster) string {
	switch cl.Status {
	case api.ClusterPlaced:
		return fmt.Sprintf("placed, %d of %d devices started", started(cl), len(cl.Devices))
	case api.ClusterPending, api.ClusterEnded:
		if cl.Reason != "" {
			return string(cl.Status) + ": " + cl.Reason
		}
	}
	return string(cl.Status)
}

// follow polls a cluster until done says so, the cluster ends, or ctx
// ends; each change is passed to changed.
func follow(ctx context.Context, c *iogsdk.Client, cl api.Cluster, done func(api.Cluster) bool, changed func(api.Cluster)) (api.Cluster, error) {
	last := ""
	for {
		if d := describe(cl); d != last {
			last = d
			changed(cl)
		}
		if done(cl) || cl.Status == api.ClusterEnded {
			return cl, nil
		}
		select {
		case <-ctx.Done():
			return cl, fmt.Errorf("cluster %s is %s: %w", cl.ID, describe(cl), ctx.Err())
		case <-time.After(pollEvery):
		}
		next, err := c.Cluster(ctx, cl.ID)
		if err != nil {
			if ctx.Err() != nil {
				return cl, fmt.Errorf("cluster %s is %s: %w", cl.ID, describe(cl), ctx.Err())
			}
			return cl, fmt.Errorf("cluster %s: %w", cl.ID, err)
		}
		cl = next
	}
}

// untilRunning waits, within --timeout, until a deployed cluster runs,
// drawing its progress on a terminal.
func (a *app) untilRunning(cmd *cobra.Command, c *iogsdk.Client, cl api.Cluster) (api.Cluster, error) {
	ctx, cancel := a.wait(cmd.Context())
	defer cancel()
	pr := a.progress(ctx, "deploying "+string(cl.ID), stepsTotal)
	cl, err := follow(ctx, c, cl, func(cl api.Cluster) bool { return cl.Status == api.ClusterRunning },
		func(cl api.Cluster) { pr.update(steps(cl), describe(cl)) })
	switch {
	case err != nil:
		pr.finish(false, describe(cl))
		return cl, err
	case cl.Status == api.ClusterEnded:
		pr.finish(false, describe(cl))
		return cl, fmt.Errorf("cluster %s ended before it ran (%s): its hold is refunded; deploy again, perhaps with another --gpu or --location: %w", cl.ID, orDash(cl.Reason), iog.ErrConflict)
	}
	pr.finish(true, "running")
	return cl, nil
}

func (a *app) watchCmd() *cobra.Command {
	var until string
	c := &cobra.Command{
		Use:   "watch CLUSTER",
		Short: "Follow a cluster's status until it ends (or reaches --until)",
		Long: `watch follows a cluster, within --timeout: on a terminal with a progress
display, elsewhere one line per change (with --json, one JSON object per
change). It returns once the cluster ends, or reaches the status --until
names.`,
		Example: `  iog cluster watch c-0123
  iog cluster watch c-0123 --until running --timeout 5m
  iog cluster watch c-0123 --json | jq -r .status`,
		Args: args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			target := api.ClusterStatus(until)
			switch target {
			case api.ClusterPending, api.ClusterPlaced, api.ClusterRunning, api.ClusterEnded:
			default:
				return usageError{fmt.Errorf("--until %q: want pending, placed, running or ended", until)}
			}
			c, cl, err := a.myCluster(cmd, argv[0])
			if err != nil {
				return err
			}
			id := cl.ID
			ctx, cancel := a.wait(cmd.Context())
			defer cancel()
			pr := a.progress(ctx, "watching "+string(id), stepsTotal)
			enc := json.NewEncoder(a.stdout)
			cl, err = follow(ctx, c, cl, func(cl api.Cluster) bool { return cl.Status == target },
				func(cl api.Cluster) {
					switch {
					case pr != nil:
						pr.update(steps(cl), describe(cl))
					case a.json:
						_ = enc.Encode(cl)
					default:
						fmt.Fprintf(a.stdout, "%s  %s  %s\n", time.Now().UTC().Format(time.TimeOnly), cl.ID, describe(cl))
					}
				})
			pr.finish(err == nil, describe(cl))
			if err != nil {
				return err
			}
			if cl.Status != target {
				return fmt.Errorf("cluster %s ended (%s) before it was %s: %w", cl.ID, orDash(cl.Reason), target, iog.ErrConflict)
			}
			return nil
		},
	}
	c.Flags().StringVar(&until, "until", "ended", "return once the cluster is pending, placed, running or ended")
	return c
}
