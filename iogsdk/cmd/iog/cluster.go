package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

func (a *app) clusterCmd() *cobra.Command {
	c := &cobra.Command{
		Use:     "cluster",
		Aliases: []string{"clusters"},
		Short:   "Deploy, list, show, watch, extend and terminate clusters, and print them for KubeRay",
		Long: `A cluster is GPUs rented for some hours: deploy holds its price in escrow
and answers at once with the cluster pending; the scheduler places it on
devices; their workers start its workload, and it runs. What ran is paid,
the rest refunded when it ends.`,
		Example: `  iog cluster deploy --gpu H100-SXM --count 8 --hours 24 --name train -- python3 train.py
  iog cluster list
  iog cluster watch c-0123 --until running
  iog cluster terminate c-0123
  iog cluster manifest c-0123 | kubectl apply -f -`,
	}
	c.AddCommand(a.deployCmd(), a.clusterListCmd(), a.clusterShowCmd(), a.watchCmd(), a.extendCmd(), a.terminateCmd(), a.manifestCmd())
	return c
}

func (a *app) deployCmd() *cobra.Command {
	var r requestFlags
	var noWait bool
	c := &cobra.Command{
		Use:   "deploy [flags] [-- ENTRYPOINT...]",
		Short: "Deploy a cluster and wait until it runs",
		Long: `deploy asks for a cluster: its price plus fees is held in escrow at once.
It then waits, with a progress display on a terminal, until the cluster
runs (every device's worker started it), and shows it; --no-wait shows it
pending at once. The arguments are the workload's command, run on every
device: iog's flags come first (or end at --).`,
		Example: `  iog cluster deploy --gpu H100-SXM --count 8 --hours 24 --name train -- python3 train.py
  iog cluster deploy --gpu L40S --hours 2 --port 8265 --env EPOCHS=3
  iog cluster deploy -f deploy.json --no-wait --json`,
		RunE: func(cmd *cobra.Command, argv []string) error {
			req, err := r.build(cmd, argv, a.stdin)
			if err != nil {
				return err
			}
			c, err := a.client(true)
			if err != nil {
				return err
			}
			cl, err := c.Deploy(cmd.Context(), req)
			if err != nil {
				return fmt.Errorf("deploy: %w", err)
			}
			if !noWait {
				cl, err = a.untilRunning(cmd, c, cl)
				if err != nil {
					return err
				}
			}
			return a.show(cl, func(w io.Writer, color bool) error { return writeCluster(w, color, cl) })
		},
	}
	r.bind(c, true)
	c.Flags().BoolVar(&noWait, "no-wait", false, "show the cluster pending, without waiting for it to run")
	// What follows the first argument is the entrypoint's, flags included.
	c.Flags().SetInterspersed(false)
	return c
}

func (a *app) clusterListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the wallet's clusters",
		Example: `  iog cluster list
  iog cluster list --json | jq -r '.clusters[] | select(.status == "running") | .id'`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client(true)
			if err != nil {
				return err
			}
			var list api.ClusterList
			for page := ""; ; {
				p, err := c.Clusters(cmd.Context(), page)
				if err != nil {
					return fmt.Errorf("cluster list: %w", err)
				}
				list.Clusters = append(list.Clusters, p.Clusters...)
				if page = p.Next; page == "" {
					break
				}
			}
			return a.show(list, func(w io.Writer, color bool) error { return clusterTable(list.Clusters).write(w, color) })
		},
	}
}

// shape is the GPUs a cluster asked for, read from its request.
func shape(cl api.Cluster) string {
	var r struct {
		Model string `json:"gpu_model"`
		Count int    `json:"gpu_count"`
	}
	if json.Unmarshal(cl.Request, &r) != nil || r.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("%d× %s", r.Count, orDash(r.Model))
}

func clusterTable(cls []api.Cluster) *table {
	t := newTable("ID", "NAME", "STATUS", "GPUS", "HOURS", "EXPIRES", "COST")
	t.status, t.paint = 2, paintStatus
	for _, cl := range cls {
		t.row(string(cl.ID), orDash(cl.Name), string(cl.Status), shape(cl), strconv.Itoa(cl.Hours), when(cl.Expires), cl.Cost.String())
	}
	return t
}

func paintStatus(s string) string {
	switch api.ClusterStatus(s) {
	case api.ClusterRunning:
		return paint(green, s)
	case api.ClusterPending, api.ClusterPlaced:
		return paint(yellow, s)
	}
	return paint(gray, s)
}

func writeCluster(w io.Writer, color bool, cl api.Cluster) error {
	status := string(cl.Status)
	if color {
		status = paintStatus(status)
	}
	if cl.Reason != "" {
		status += ": " + cl.Reason
	}
	var cmd []string
	for _, e := range cl.Workload.Entrypoint {
		cmd = append(cmd, strconv.Quote(e))
	}
	if err := fields(
		"id", string(cl.ID), "name", orDash(cl.Name), "status", status, "gpus", shape(cl),
		"hours", fmt.Sprintf("%d paid, %d settled", cl.Hours, cl.HoursSettled),
		"created", when(&cl.Created), "placed", when(cl.Placed), "expires", when(cl.Expires), "ended", when(cl.Ended),
		"held", cl.Held.String(), "cost", cl.Cost.String(), "refunded", cl.Refunded.String(),
		"workload", orDash(strings.Join(cmd, " ")),
	).writeFields(w); err != nil {
		return err
	}
	if len(cl.Devices) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	t := newTable("DEVICE", "GPUS", "SHARE", "STARTED", "PORTS")
	ports := map[string][]string{}
	for _, e := range cl.Endpoints {
		ports[string(e.Device)] = append(ports[string(e.Device)], strconv.Itoa(int(e.Port)))
	}
	for _, d := range cl.Devices {
		var gpus []string
		for _, g := range d.GPUs {
			gpus = append(gpus, strconv.Itoa(g))
		}
		t.row(string(d.Device), strings.Join(gpus, ","), fmt.Sprintf("%d‰", d.Share), strconv.FormatBool(d.Started), orDash(strings.Join(ports[string(d.Device)], ",")))
	}
	return t.write(w, color)
}

func (a *app) clusterShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "show CLUSTER",
		Short:   "Show one of the wallet's clusters: its status, devices, ports and costs",
		Example: `  iog cluster show c-0123`,
		Args:    args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			return a.onCluster(cmd, argv[0], func(c *iogsdk.Client, cl api.Cluster) (api.Cluster, error) { return cl, nil })
		},
	}
}

// myCluster reads one of the wallet's clusters, and returns it with the
// wallet's client.
func (a *app) myCluster(cmd *cobra.Command, arg string) (*iogsdk.Client, api.Cluster, error) {
	id, err := parseCluster(arg)
	if err != nil {
		return nil, api.Cluster{}, err
	}
	c, err := a.client(true)
	if err != nil {
		return nil, api.Cluster{}, err
	}
	cl, err := c.Cluster(cmd.Context(), id)
	if err != nil {
		return nil, api.Cluster{}, fmt.Errorf("cluster %s: %w", id, err)
	}
	return c, cl, nil
}

// onCluster reads one of the wallet's clusters, applies op, and shows
// what op returns.
func (a *app) onCluster(cmd *cobra.Command, arg string, op func(*iogsdk.Client, api.Cluster) (api.Cluster, error)) error {
	c, cl, err := a.myCluster(cmd, arg)
	if err != nil {
		return err
	}
	id := cl.ID
	if cl, err = op(c, cl); err != nil {
		return fmt.Errorf("cluster %s: %w", id, err)
	}
	return a.show(cl, func(w io.Writer, color bool) error { return writeCluster(w, color, cl) })
}

func (a *app) extendCmd() *cobra.Command {
	var hours int
	c := &cobra.Command{
		Use:     "extend CLUSTER",
		Short:   "Buy more hours for a cluster, at the price of a quote for them now",
		Example: `  iog cluster extend c-0123 --hours 4`,
		Args:    args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			return a.onCluster(cmd, argv[0], func(c *iogsdk.Client, cl api.Cluster) (api.Cluster, error) {
				return c.ExtendCluster(cmd.Context(), cl.ID, hours)
			})
		},
	}
	c.Flags().IntVar(&hours, "hours", 1, "hours to add")
	return c
}

func (a *app) terminateCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "terminate CLUSTER",
		Short:   "End a cluster: what ran is paid, the rest refunded",
		Example: `  iog cluster terminate c-0123`,
		Args:    args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			return a.onCluster(cmd, argv[0], func(c *iogsdk.Client, cl api.Cluster) (api.Cluster, error) {
				return c.TerminateCluster(cmd.Context(), cl.ID)
			})
		},
	}
}
