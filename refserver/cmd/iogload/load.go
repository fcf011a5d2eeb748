package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/refserver"
)

// target is the server under load: its base URL, how to read its memory,
// and how to stop it.
type target struct {
	base    string
	startup time.Duration // zero when iogload did not start it
	memory  func() string
	stop    func() error
}

// load runs the whole measurement o describes.
func load(ctx context.Context, o options, out io.Writer) error {
	if err := os.MkdirAll(o.Data, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(out, "iogload: %d CPUs, %s, load average %s\n", runtime.NumCPU(), runtime.Version(), loadAverage())
	client := loopbackClient(o.Sources, o.MaxWorkers)
	fleet, err := readFleet(o.Data)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "fleet: %d devices already registered in %s\n", len(fleet), o.Data)
	srv, err := startTarget(ctx, o, client, len(fleet))
	if err != nil {
		return err
	}
	defer srv.stop()
	if srv.startup > 0 {
		fmt.Fprintf(out, "start-up: %v from start to /readyz answering, with %d devices in the store\n", srv.startup.Round(time.Millisecond), len(fleet))
	}
	fmt.Fprintf(out, "memory after start-up: %s\n", srv.memory())

	f, err := os.OpenFile(filepath.Join(o.Data, fleetFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	newClient := func(key ed25519.PrivateKey) (*iogsdk.Client, error) {
		return iogsdk.NewClient(iogsdk.ClientConfig{Server: srv.base, Key: key, HTTPClient: client, Logger: slog.New(slog.DiscardHandler)})
	}
	p := &populator{newClient: newClient, perWallet: o.PerWallet, prove: o.Prove, out: f, fleet: fleet}
	n, took, err := p.populate(ctx, o.Devices, o.Concurrency)
	if err != nil {
		return fmt.Errorf("populate: %w", err)
	}
	fleet = p.fleet
	if n > 0 {
		each := "registration + accepted report each"
		if o.Prove {
			each += ", + a heartbeat and its proof tasks answered"
		}
		fmt.Fprintf(out, "registrations: %d devices (%s) in %v: %.0f devices/s, %d wallets, %d in flight\n",
			n, each, took.Round(time.Millisecond), float64(n)/took.Seconds(), (len(fleet)+o.PerWallet-1)/o.PerWallet, o.Concurrency)
		fmt.Fprintf(out, "memory after populating: %s\n", srv.memory())
	}
	if len(fleet) == 0 {
		return fmt.Errorf("no devices to load")
	}

	s := newSigner(iog.SystemClock)
	for _, a := range o.Attacks {
		var tr vegeta.Targeter
		rate := 0
		switch a {
		case "reads":
			tr, rate = readTargets(srv.base, fleet, o.Reads), o.ReadRate
		case "heartbeats":
			if o.ProveFleet {
				answered, took, err := p.proveFleet(ctx, o.Concurrency)
				if err != nil {
					return fmt.Errorf("prove the fleet: %w", err)
				}
				fmt.Fprintf(out, "proofs: every device heartbeat once in %v and the fleet answered the %d proof tasks it owed\n", took.Round(time.Millisecond), answered)
			}
			tr, rate = heartbeatTargets(srv.base, fleet, s), o.HeartbeatRate
			if o.Presign {
				started := time.Now()
				count := rate * int((o.Warmup+o.Duration).Seconds()+1)
				if tr, err = presign(ctx, tr, count); err != nil {
					return err
				}
				fmt.Fprintf(out, "presigned: %d heartbeats signed in %v before the attack\n", count, time.Since(started).Round(time.Millisecond))
			}
			if o.Warmup > 0 {
				m := attack(ctx, client, o.MaxWorkers, tr, rate, o.Warmup, a, nil, nil)
				fmt.Fprintf(out, "warm-up, not measured: ")
				report(out, a, rate, len(fleet), m)
			}
		case "deploys":
			if err := fund(ctx, newClient, o.Renters); err != nil {
				return err
			}
			if tr, err = deployTargets(srv.base, o.Renters, s); err != nil {
				return err
			}
			rate = o.DeployRate
		}
		var stopProfile func() error
		if o.CPUProfile != "" && a == o.ProfileWhat {
			if stopProfile, err = startProfile(o.CPUProfile); err != nil {
				return err
			}
		}
		var tasks *taskCounter
		var observe func(*vegeta.Result)
		if a == "heartbeats" {
			tasks = &taskCounter{}
			observe = tasks.observe
		}
		var slices *windows
		if o.Window > 0 {
			slices = &windows{width: o.Window, duration: o.Duration}
		}
		before, err := readCommits(ctx, client, srv.base)
		if err != nil {
			return err
		}
		m := attack(ctx, client, o.MaxWorkers, tr, rate, o.Duration, a, observe, slices)
		after, err := readCommits(ctx, client, srv.base)
		if err != nil {
			return err
		}
		if stopProfile != nil {
			if err := stopProfile(); err != nil {
				return err
			}
			fmt.Fprintf(out, "cpu profile of the %s attack: %s\n", a, o.CPUProfile)
		}
		report(out, a, rate, len(fleet), m)
		if slices != nil {
			slices.report(out)
		}
		fmt.Fprintf(out, "  %s\n", after.since(before))
		if tasks != nil {
			fmt.Fprintf(out, "  %d of the heartbeats answered listed proof tasks (the slow path; 0 when the fleet is proven)\n", tasks.withTasks)
		}
		fmt.Fprintf(out, "  memory after: %s; load average %s\n", srv.memory(), loadAverage())
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// loopbackClient is the HTTP client of the load: keep-alive connections
// spread over sources loopback source addresses, as the requests of
// many clients would be (the server limits each address's rate).
func loopbackClient(sources, maxConns int) *http.Client {
	var next atomic.Uint32
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		IdleConnTimeout:     time.Minute,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			ip := net.ParseIP(host)
			if err != nil || sources <= 1 || ip == nil || ip.To4() == nil || !ip.IsLoopback() {
				return dialer.DialContext(ctx, network, addr)
			}
			d := *dialer
			d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+next.Add(1)%uint32(sources)))}
			return d.DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// startTarget starts (or finds) the server o names and waits until it is
// ready.
func startTarget(ctx context.Context, o options, client *http.Client, devices int) (*target, error) {
	switch {
	case o.Server != "":
		if err := waitReady(ctx, client, o.Server, 10*time.Second); err != nil {
			return nil, err
		}
		return &target{base: strings.TrimSuffix(o.Server, "/"), memory: func() string { return "not measured (a server iogload did not start)" }, stop: func() error { return nil }}, nil
	case o.IOGD != "":
		return startChild(ctx, o, client)
	}
	return startInProcess(ctx, o, client)
}

// startInProcess runs the server in this process, with rate limits high
// enough not to be what is measured.
func startInProcess(ctx context.Context, o options, client *http.Client) (*target, error) {
	started := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	s, err := refserver.New(ctx, refserver.Config{
		DataDir: o.Data, Faucet: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Limits: refserver.Limits{PerWallet: 1e6, PerKey: 1e6, PerIP: 1e6, Burst: 1e6},
		ProofN: o.ProofN,
	})
	if err != nil {
		cancel()
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		s.Close()
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.Serve(ctx, l, 10*time.Second) })
	if o.Loops {
		wg.Go(func() { s.Run(ctx) })
	}
	base := "http://" + l.Addr().String()
	stop := func() error {
		cancel()
		wg.Wait()
		return s.Close()
	}
	if err := waitReady(ctx, client, base, time.Minute); err != nil {
		stop()
		return nil, err
	}
	return &target{base: base, startup: time.Since(started), memory: inProcessMemory, stop: stop}, nil
}

// inProcessMemory is this process's Go heap and what the Go runtime
// holds from the system (server and load generator together), and its
// resident set.
func inProcessMemory() string {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("in-process runtime.MemStats after GC: HeapInuse %d MiB, Sys %d MiB (server and load generator); this process's VmRSS %s",
		m.HeapInuse>>20, m.Sys>>20, vmRSS(os.Getpid()))
}

// startChild starts iogd on the data directory and times it until
// /readyz answers.
func startChild(ctx context.Context, o options, client *http.Client) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	relay, err := freePort()
	if err != nil {
		return nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(o.IOGD, "-demo=false", "-faucet=true", "-log-level=warn", "-data", o.Data, "-proof-n", strconv.Itoa(o.ProofN),
		"-listen", "127.0.0.1:"+strconv.Itoa(port), "-relay", "127.0.0.1:"+strconv.Itoa(relay))
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return err
		}
		select {
		case <-exited:
			return nil
		case <-time.After(30 * time.Second):
			return cmd.Process.Kill()
		}
	}
	if err := waitReady(ctx, client, base, 5*time.Minute); err != nil {
		stop()
		return nil, err
	}
	pid := cmd.Process.Pid
	return &target{base: base, startup: time.Since(started), stop: stop,
		memory: func() string { return "iogd child's VmRSS " + vmRSS(pid) }}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls base's /readyz until it answers 200, for up to limit.
func waitReady(ctx context.Context, client *http.Client, base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/readyz did not answer 200 within %v (last: %v)", base, limit, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// vmRSS reads a process's resident set from /proc.
func vmRSS(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

// fund takes the faucet's grant for each renter; a renter that took it
// today already has it.
func fund(ctx context.Context, newClient func(ed25519.PrivateKey) (*iogsdk.Client, error), renters int) error {
	for r := range renters {
		c, err := newClient(walletKey(renterBase + r))
		if err != nil {
			return err
		}
		if _, err := c.Faucet(ctx); err != nil && !errors.Is(err, iog.ErrConflict) {
			return fmt.Errorf("fund renter %d: %w", r, err)
		}
	}
	return nil
}

func startProfile(path string) (func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// attack runs one vegeta attack at rate a second for duration; observe
// and slices, when not nil, see each result.
func attack(ctx context.Context, client *http.Client, maxWorkers int, tr vegeta.Targeter, rate int, duration time.Duration, name string, observe func(*vegeta.Result), slices *windows) *vegeta.Metrics {
	atk := vegeta.NewAttacker(vegeta.Client(client), vegeta.Workers(64), vegeta.MaxWorkers(uint64(maxWorkers)))
	var m vegeta.Metrics
	add := func(res *vegeta.Result) {
		if observe != nil {
			observe(res)
		}
		if slices != nil {
			slices.add(res)
		}
		m.Add(res)
	}
	if slices != nil {
		slices.start = time.Now()
	}
	results := atk.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, duration, name)
	for {
		select {
		case <-ctx.Done():
			atk.Stop()
		case res, ok := <-results:
			if !ok {
				m.Close()
				return &m
			}
			add(res)
			continue
		}
		for res := range results {
			add(res)
		}
		m.Close()
		return &m
	}
}

// taskCounter counts the heartbeats answered with proof tasks: each took
// the server's slow path, reading its device's whole verifier record.
type taskCounter struct{ withTasks int }

// noTasks is the answer to a heartbeat that owes no proof.
var noTasks = []byte(`{"tasks":[]}`)

func (c *taskCounter) observe(res *vegeta.Result) {
	if res.Code == http.StatusOK && !bytes.HasPrefix(res.Body, noTasks) {
		c.withTasks++
	}
}

// report prints an attack's figures.
func report(out io.Writer, name string, rate, devices int, m *vegeta.Metrics) {
	fmt.Fprintf(out, "%s at %d/s for %v, %d devices: %d requests, sent %.0f/s, throughput %.0f/s, success %.2f%%\n",
		name, rate, m.Duration.Round(time.Millisecond), devices, m.Requests, m.Rate, m.Throughput, 100*m.Success)
	l := m.Latencies
	fmt.Fprintf(out, "  latency p50 %v, p90 %v, p99 %v, max %v, mean %v\n", l.P50.Round(time.Microsecond), l.P90.Round(time.Microsecond),
		l.P99.Round(time.Microsecond), l.Max.Round(time.Microsecond), l.Mean.Round(time.Microsecond))
	fmt.Fprintf(out, "  status codes %v\n", m.StatusCodes)
	for i, e := range m.Errors {
		if i == 5 {
			fmt.Fprintf(out, "  ... %d distinct errors in all\n", len(m.Errors))
			break
		}
		fmt.Fprintf(out, "  error: %s\n", e)
	}
}
