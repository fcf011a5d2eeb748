package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// options are iogload's settings, all from flags.
type options struct {
	// Where the server is: in this process (neither set), an iogd child
	// this command starts (IOGD), or a running server (Server).
	Server string
	IOGD   string
	Data   string

	Devices     int
	PerWallet   int
	Renters     int
	Concurrency int
	Sources     int

	Attacks       []string
	Reads         []string
	Duration      time.Duration
	ReadRate      int
	HeartbeatRate int
	DeployRate    int
	MaxWorkers    int
	// ProofN is the order of the in-process or child server's proof
	// tasks, which the fleet answers on the CPU (Prove).
	ProofN     int
	Prove      bool
	ProveFleet bool
	Presign    bool
	// Warmup is how long the heartbeats attack runs unmeasured first, at
	// its rate: a fleet silent for longer than the heartbeat timeout is
	// marked down when the server starts, and each first heartbeat then
	// brings a device up, which no steady state has.
	Warmup time.Duration
	// Window is the width of the slices of each attack reported on their
	// own, so that a report shows whether the rate held all along and not
	// only on average; zero reports the whole attack only.
	Window time.Duration

	CPUProfile  string
	ProfileWhat string
	Loops       bool
}

// maxPresigned is the longest attack whose heartbeats -presign signs
// beforehand: a server refuses a signature older than its clock skew
// (api.MaxClockSkew by default), and the signing takes a while too.
const maxPresigned = api.MaxClockSkew - time.Minute

// readNames are the public reads the reads attack makes, in turn.
var readNames = []string{"device", "supply", "stats"}

// attackNames are the attacks iogload knows, in the order it runs them.
var attackNames = []string{"reads", "heartbeats", "deploys"}

// parseOptions reads iogload's flags.
func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("iogload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Server, "server", "", "base URL of a running server on loopback (such as http://127.0.0.1:8420) to load instead of one in this process")
	fs.StringVar(&o.IOGD, "iogd", "", "path of an iogd binary to start as a child on -data and load (start-up time and VmRSS are then the child's)")
	fs.StringVar(&o.Data, "data", "iogload-data", "data directory of the server (in-process or -iogd) and of the fleet file that lets a later run reuse the devices")
	fs.IntVar(&o.Devices, "devices", 10000, "registered devices wanted: the missing ones are registered, each with an accepted report")
	fs.IntVar(&o.PerWallet, "per-wallet", 10, "devices per supplier wallet")
	fs.IntVar(&o.Renters, "renters", 50, "renter wallets, funded by the faucet, that deploy clusters")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "registrations in flight at once while populating")
	fs.IntVar(&o.Sources, "sources", 64, "loopback source addresses (127.0.0.2 on) the clients spread their connections over, as many clients would; 1 uses the system's choice")
	attacks := fs.String("attack", strings.Join(attackNames, ","), "attacks to run, comma-separated: "+strings.Join(attackNames, ", ")+"; empty for none")
	reads := fs.String("reads", strings.Join(readNames, ","), "public reads of the reads attack, in turn, comma-separated: device (GET /v1/devices/{id}, the fleet's in turn), supply (GET /v1/explorer/supply), stats (GET /v1/explorer/devices)")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "length of each attack")
	fs.IntVar(&o.ReadRate, "read-rate", 10000, "public reads a second (GET a device, the supply, the device statistics, in turn)")
	fs.IntVar(&o.HeartbeatRate, "heartbeat-rate", 5000, "signed heartbeats a second, over all devices in turn")
	fs.IntVar(&o.DeployRate, "deploy-rate", 50, "signed deployments (POST /v1/clusters) a second, over the renters in turn")
	fs.IntVar(&o.ProofN, "proof-n", 16, "order of the proof-of-compute tasks of the server iogload starts (refserver.Config.ProofN, iogd -proof-n), which the fleet answers on the CPU; 0 is the server's default, 256 (17 ms of CPU a GPU)")
	fs.BoolVar(&o.Prove, "prove", true, "each device registered answers its first proof tasks, as a real worker does, so that its heartbeats take the server's fast path for the proof interval (an hour); false leaves it unproven, and every heartbeat of it then reads its whole verifier record (the slow path)")
	fs.BoolVar(&o.ProveFleet, "prove-fleet", false, "before the heartbeats attack, every device of the fleet heartbeats once and answers the proof tasks it owes: for a fleet registered unproven or proven more than the proof interval ago (the attack reports how many of its heartbeats were answered with tasks)")
	fs.BoolVar(&o.Presign, "presign", false, "sign every heartbeat of the attack before it starts (within the signatures' freshness window, at most "+maxPresigned.String()+" of attack), as wrk's requests are built beforehand: the attack's CPU is then the server's and HTTP's, not the load generator's signing")
	fs.DurationVar(&o.Warmup, "warmup", 0, "before the measured heartbeats attack, run it this long unmeasured at the same rate, so that every device of a fleet the server marked down at its start is up again (the steady state)")
	fs.DurationVar(&o.Window, "window", 5*time.Second, "also report each attack in slices of this width, by the time each request was sent; 0 for the whole attack only")
	fs.IntVar(&o.MaxWorkers, "max-workers", 1024, "most requests in flight in one attack")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of this process (the in-process server and the load generator) during one attack to this file")
	fs.StringVar(&o.ProfileWhat, "profile", "heartbeats", "the attack -cpuprofile covers")
	fs.BoolVar(&o.Loops, "loops", true, "run the server's loops (scheduling, heartbeat timeouts, epochs) in-process, as iogd does")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "iogload measures the reference server on loopback: it populates devices through the\n")
		fmt.Fprintf(stderr, "real API, then runs vegeta attacks of public reads, heartbeats and deployments.\n\nUsage: iogload [flags]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("iogload takes no arguments, only flags (got %q)", fs.Arg(0))
	}
	var err error
	if o.Attacks, err = nameList("attack", *attacks, attackNames); err != nil {
		return options{}, err
	}
	if o.Reads, err = nameList("reads", *reads, readNames); err != nil {
		return options{}, err
	}
	if len(o.Reads) == 0 {
		return options{}, fmt.Errorf("-reads: name at least one of %s", strings.Join(readNames, ", "))
	}
	if o.Server != "" && o.IOGD != "" {
		return options{}, fmt.Errorf("-server and -iogd: one or the other")
	}
	if o.Server != "" {
		if err := checkLoopback(o.Server); err != nil {
			return options{}, err
		}
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"devices", o.Devices}, {"per-wallet", o.PerWallet}, {"renters", o.Renters}, {"concurrency", o.Concurrency}, {"sources", o.Sources}, {"max-workers", o.MaxWorkers}} {
		if n.v < 1 {
			return options{}, fmt.Errorf("-%s: want 1 or more, got %d", n.name, n.v)
		}
	}
	if o.Sources > 250 {
		return options{}, fmt.Errorf("-sources: at most 250 (127.0.0.2 to 127.0.0.251), got %d", o.Sources)
	}
	for _, r := range []struct {
		name string
		v    int
	}{{"read-rate", o.ReadRate}, {"heartbeat-rate", o.HeartbeatRate}, {"deploy-rate", o.DeployRate}} {
		if r.v < 1 {
			return options{}, fmt.Errorf("-%s: want 1 or more a second, got %d", r.name, r.v)
		}
	}
	if o.Duration <= 0 || o.Duration > 10*time.Minute {
		return options{}, fmt.Errorf("-duration: want more than 0 and at most 10m, got %v", o.Duration)
	}
	if o.ProofN < 0 || o.ProofN > gpu.MaxProofN {
		return options{}, fmt.Errorf("-proof-n: want 0 to %d, got %d", gpu.MaxProofN, o.ProofN)
	}
	if o.Warmup < 0 || o.Window < 0 {
		return options{}, fmt.Errorf("-warmup and -window: want 0 or more, got %v and %v", o.Warmup, o.Window)
	}
	if o.Presign && o.Warmup+o.Duration > maxPresigned {
		return options{}, fmt.Errorf("-presign: a heartbeat signed before the attack must still be fresh at its end: -warmup plus -duration at most %v, got %v", maxPresigned, o.Warmup+o.Duration)
	}
	if o.CPUProfile != "" {
		if o.Server != "" || o.IOGD != "" {
			return options{}, fmt.Errorf("-cpuprofile profiles this process: only with the server in it (no -server, no -iogd)")
		}
		if !slices.Contains(o.Attacks, o.ProfileWhat) {
			return options{}, fmt.Errorf("-profile: %q is not among the attacks run", o.ProfileWhat)
		}
	}
	return o, nil
}

// nameList reads a comma-separated list of known names, each once, in
// the order given; empty is none.
func nameList(flagName, list string, known []string) ([]string, error) {
	var out []string
	if list == "" {
		return nil, nil
	}
	for _, a := range strings.Split(list, ",") {
		if !slices.Contains(known, a) {
			return nil, fmt.Errorf("-%s: %q is not one of %s", flagName, a, strings.Join(known, ", "))
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// checkLoopback refuses a server URL whose host is not a loopback
// address: the load goes nowhere else.
func checkLoopback(server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("-server %q: want an http URL such as http://127.0.0.1:8420", server)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-server %q: iogload loads loopback addresses only", server)
	}
	return nil
}
