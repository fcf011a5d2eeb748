package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// TestHelpGolden: every command's help, as the binary prints it, is its
// golden file's; each has examples.
func TestHelpGolden(t *testing.T) {
	u := newUser(t, "http://127.0.0.1:1")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Hidden || c.Name() == "help" || strings.HasPrefix(c.CommandPath(), "iog completion ") {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		name := strings.Join(append([]string{"iog"}, path...), "_")
		t.Run(name, func(t *testing.T) {
			u.t = t
			out := u.ok(append(path, "--help")...)
			golden(t, "help/"+name+".txt", out)
			if c.Runnable() && c.Name() != "exit-codes" {
				require.Contains(t, out, "Examples:", "every command has examples")
			}
		})
	}
	walk((&app{env: systemEnv()}).root())
}

// fixtures are clusters, devices and a quote of fixed contents, for the
// tables' golden files.
func fixtures() ([]api.Cluster, []api.Device, api.Quote) {
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	later := at.Add(24 * time.Hour)
	usdc := func(s string) iog.Amount { a, _ := iog.ParseDecimal(s, iog.USDC); return a }
	clusters := []api.Cluster{
		{ID: "c-0001", Name: "train", Status: api.ClusterRunning, Request: json.RawMessage(`{"gpu_model":"H100-SXM","gpu_count":8,"hours":24}`),
			Workload: api.Workload{Entrypoint: []string{"python3", "train.py"}, Ports: []uint16{8265}},
			Hours:    24, HoursSettled: 3, Created: at, Placed: &at, Expires: &later, Held: usdc("480.5"), Cost: usdc("60.06"), Refunded: usdc("0"),
			Devices:   []api.ClusterDevice{{Device: "d-0001", GPUs: []int{0, 1, 2, 3, 4, 5, 6, 7}, Share: 1000, Started: true}},
			Endpoints: []api.Endpoint{{Device: "d-0001", Port: 8265}}},
		{ID: "c-0002", Status: api.ClusterPending, Reason: "no device fits: 2 H200 wanted", Request: json.RawMessage(`{"gpu_model":"H200","gpu_count":2,"hours":1}`),
			Hours: 1, Created: at, Held: usdc("7.2"), Cost: usdc("0"), Refunded: usdc("0")},
	}
	devices := []api.Device{
		{ID: "d-0001", Name: "rack 4", State: api.DeviceActive, Model: "H100-SXM", GPUCount: 8, Location: "US/Virginia", Up: true, Trust: 800, Readiness: api.Readiness{Schedulable: true}},
		{ID: "d-0002", Name: "gamer", State: api.DeviceBlocked, Model: "RTX-4090", GPUCount: 1, Location: "BR/Sao Paulo", Trust: 500},
	}
	quote := api.Quote{Model: "H100-SXM", GPUCount: 8, Hours: 24, HourlyPerGPUUSD: usdc("2.5"), TotalUSD: usdc("480"),
		Price: usdc("480"), RenterPays: usdc("481.2"), SupplierReceives: usdc("470.4"), FeesTotal: usdc("10.8"),
		Fees:      []api.FeeLine{{Kind: "renter reservation fee", Rate: "1/400", Amount: usdc("1.2")}, {Kind: "supplier fee", Rate: "1/50", Amount: usdc("9.6")}},
		Reference: &api.CloudPrice{Provider: "AWS", Offering: "p5.48xlarge", HourlyPerGPU: usdc("6.88")}, SavingPPM: 636627,
		Factors: []string{"H100-SXM: catalog price 2.5 USD"}}
	return clusters, devices, quote
}

// TestTablesGolden: the tables people read, plain and on a terminal (its
// status column painted, still aligned).
func TestTablesGolden(t *testing.T) {
	clusters, devices, quote := fixtures()
	for _, color := range []bool{false, true} {
		suffix := ".txt"
		if color {
			suffix = ".color.txt"
		}
		for name, write := range map[string]func(*bytes.Buffer) error{
			"cluster_list": func(b *bytes.Buffer) error { return clusterTable(clusters).write(b, color) },
			"cluster_show": func(b *bytes.Buffer) error { return writeCluster(b, color, clusters[0]) },
			"device_list":  func(b *bytes.Buffer) error { return deviceTable(devices).write(b, color) },
			"quote":        func(b *bytes.Buffer) error { return writeQuote(b, color, quote) },
		} {
			t.Run(name+suffix, func(t *testing.T) {
				var b bytes.Buffer
				require.NoError(t, write(&b))
				golden(t, "tables/"+name+suffix, b.String())
				if !color {
					require.NotContains(t, b.String(), "\x1b[")
				}
			})
		}
	}
}
