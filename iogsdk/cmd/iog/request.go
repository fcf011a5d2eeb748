package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
)

// requestFlags are the flags of a quote and a deploy: what is asked of
// the devices, the terms, and for a deploy the name and the workload.
type requestFlags struct {
	file      string
	model     string
	count     int
	hours     int
	currency  string
	locations []string
	name      string
	image     string
	ports     []uint
	env       []string
}

func (r *requestFlags) bind(c *cobra.Command, deploy bool) {
	f := c.Flags()
	f.StringVarP(&r.file, "file", "f", "", "read the request from a JSON file, as the API takes it (- for standard input); the other flags then may not be given")
	f.StringVar(&r.model, "gpu", "", "GPU model (H100-SXM, A100-80GB, L40S, RTX-4090, ...) or family (A100)")
	f.IntVar(&r.count, "count", 1, "number of GPUs")
	f.IntVar(&r.hours, "hours", 1, "hours to rent")
	f.StringVar(&r.currency, "currency", "USDC", "currency to pay in: USDC, IO or IOSD")
	f.StringSliceVar(&r.locations, "location", nil, "allowed locations, such as US or DE/Hesse (repeat, or comma-separate); none allows anywhere")
	if deploy {
		f.StringVar(&r.name, "name", "", "the cluster's name")
		f.StringVar(&r.image, "image", "", "container image, for runtimes that run images (KubeRay)")
		f.UintSliceVar(&r.ports, "port", nil, "ports the workload listens on, reached with iog port-forward (repeat)")
		f.StringArrayVar(&r.env, "env", nil, "NAME=VALUE of the workload's environment (repeat)")
	}
}

// build returns the deploy body the flags and the entrypoint describe.
func (r *requestFlags) build(c *cobra.Command, entrypoint []string, stdin io.Reader) (api.DeployRequest, error) {
	if r.file != "" {
		for _, name := range []string{"gpu", "count", "hours", "currency", "location", "name", "image", "port", "env"} {
			if f := c.Flags().Lookup(name); f != nil && f.Changed {
				return api.DeployRequest{}, usageError{fmt.Errorf("--file and --%s: the file holds the whole request", name)}
			}
		}
		if len(entrypoint) > 0 {
			return api.DeployRequest{}, usageError{fmt.Errorf("--file and an entrypoint: the file holds the whole request")}
		}
		var data []byte
		var err error
		if r.file == "-" {
			data, err = readInput(stdin)
		} else {
			data, err = os.ReadFile(r.file)
		}
		if err != nil {
			return api.DeployRequest{}, fmt.Errorf("--file: %w", err)
		}
		var req api.DeployRequest
		if err := json.Unmarshal(data, &req); err != nil {
			return api.DeployRequest{}, usageError{fmt.Errorf("--file %s: %w", r.file, err)}
		}
		return req, nil
	}
	if r.model == "" {
		return api.DeployRequest{}, usageError{fmt.Errorf("--gpu is required (a model such as H100-SXM), or --file")}
	}
	cur, err := iog.ParseCurrency(strings.ToUpper(r.currency))
	if err != nil {
		return api.DeployRequest{}, usageError{fmt.Errorf("--currency: %w", err)}
	}
	ports, err := portsOf(r.ports)
	if err != nil {
		return api.DeployRequest{}, err
	}
	req := api.DeployRequest{
		Request: pricing.Request{Requirements: iog.Requirements{GPUModel: r.model, GPUCount: r.count}, Hours: r.hours, Currency: cur},
		Name:    r.name,
		Workload: api.Workload{
			Image: r.image, Entrypoint: entrypoint, Ports: ports,
		},
	}
	for _, l := range r.locations {
		loc, err := iog.ParseLocation(l)
		if err != nil {
			return api.DeployRequest{}, usageError{fmt.Errorf("--location: %w", err)}
		}
		req.Request.Locations = append(req.Request.Locations, loc)
	}
	for _, e := range r.env {
		name, value, ok := strings.Cut(e, "=")
		if !ok {
			return api.DeployRequest{}, usageError{fmt.Errorf("--env %q: want NAME=VALUE", e)}
		}
		req.Workload.Env = append(req.Workload.Env, api.EnvVar{Name: name, Value: value})
	}
	// The server's checks, before anything is sent: the same body read
	// back is what it will read.
	body, err := json.Marshal(req)
	if err != nil {
		return api.DeployRequest{}, usageError{err}
	}
	var checked api.DeployRequest
	if err := json.Unmarshal(body, &checked); err != nil {
		return api.DeployRequest{}, usageError{err}
	}
	return checked, nil
}
