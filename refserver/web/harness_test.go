package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/mr-tron/base58"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver"
)

// demo is the network every test of the package looks at: a reference
// server with the web interface, two suppliers' workers, a renter with a
// cluster, and a block settled; and one headless Chromium.
type demo struct {
	url    string
	public *iogsdk.Client
	renter *iogsdk.Client
	// supplier is the first device's owner, whose key signs in.
	supplier    *iogsdk.Client
	supplierKey ed25519.PrivateKey
	devices     []iog.DeviceID
	cluster     iog.ClusterID
	// secrets are what no page may show: the wallets' keys and the
	// devices' tunnel keys, in the forms they could take.
	secrets []string
	// browser is Chromium's context, nil when it is missing (why says
	// why).
	browser context.Context
	why     string
}

var network *demo

var quiet = slog.New(slog.DiscardHandler)

func TestMain(m *testing.M) {
	ctx, cancel := context.WithCancel(context.Background())
	d, stop, err := startDemo(ctx)
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, "web tests: starting the demo network:", err)
	} else {
		network = d
		code = m.Run()
	}
	cancel()
	stop()
	os.Exit(code)
}

func startDemo(ctx context.Context) (*demo, func(), error) {
	dir, err := os.MkdirTemp("", "iog-web")
	if err != nil {
		return nil, func() {}, err
	}
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		os.RemoveAll(dir)
	}
	srv, err := refserver.New(ctx, refserver.Config{DataDir: filepath.Join(dir, "server"), Faucet: true, Logger: quiet,
		EpochLength: 2 * time.Second, ScheduleEvery: 100 * time.Millisecond, Limits: refserver.Limits{PerIP: 1e6, Burst: 1e6}})
	if err != nil {
		return nil, stop, err
	}
	hs := httptest.NewServer(srv.Handler())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	stops = append(stops, func() { <-done; hs.Close(); srv.Close() })
	d := &demo{url: hs.URL}
	if d.public, err = iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Logger: quiet}); err != nil {
		return nil, stop, err
	}
	for i, rig := range []struct {
		name string
		gpus int
	}{{"big rig", 4}, {"small rig", 2}} {
		key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i + 1)}, 32))
		d.secrets = append(d.secrets, secretForms(key)...)
		c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: key, Logger: quiet})
		if err != nil {
			return nil, stop, err
		}
		probe, err := gpu.NewSimulatedProbe("H100-SXM", rig.gpus, uint64(i+1))
		if err != nil {
			return nil, stop, err
		}
		state := filepath.Join(dir, fmt.Sprintf("worker-%d.json", i))
		w, err := iogsdk.NewWorker(iogsdk.WorkerConfig{
			Client: c, Key: key, Probe: probe, Name: rig.name, Location: "US/Virginia",
			Bandwidth: api.Bandwidth{DownBytesPerSec: 1 << 30, UpBytesPerSec: 1 << 30},
			CPUUse:    func() (uint32, error) { return 0, nil }, HeartbeatInterval: time.Second,
			StateFile: state, Logger: quiet,
		})
		if err != nil {
			return nil, stop, err
		}
		wdone := make(chan struct{})
		go func() { w.Run(ctx); close(wdone) }()
		stops = append(stops, func() { <-wdone })
		dev, err := until(ctx, func() (api.Device, bool, error) {
			if w.Device() == "" {
				return api.Device{}, false, nil
			}
			dev, err := c.Device(ctx, w.Device())
			return dev, err == nil && dev.State == api.DeviceActive && dev.Up && dev.Readiness.Schedulable, nil
		})
		if err != nil {
			return nil, stop, fmt.Errorf("%s: %w", rig.name, err)
		}
		d.devices = append(d.devices, dev.ID)
		if i == 0 {
			d.supplier, d.supplierKey = c, key
		}
		data, err := os.ReadFile(state)
		if err != nil {
			return nil, stop, err
		}
		d.secrets = append(d.secrets, string(data))
	}
	renterKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
	d.secrets = append(d.secrets, secretForms(renterKey)...)
	if d.renter, err = iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: renterKey, Logger: quiet}); err != nil {
		return nil, stop, err
	}
	if _, err := d.renter.Faucet(ctx); err != nil {
		return nil, stop, err
	}
	cl, err := d.renter.Deploy(ctx, api.DeployRequest{Name: "web test", Request: pricing.Request{
		Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 1}, Hours: 1, Currency: iog.USDC}})
	if err != nil {
		return nil, stop, err
	}
	d.cluster = cl.ID
	if _, err := until(ctx, func() (api.BlockList, bool, error) {
		b, err := d.public.Blocks(ctx, iogsdk.Page{})
		return b, err == nil && len(b.Blocks) > 0, err
	}); err != nil {
		return nil, stop, fmt.Errorf("no block settled: %w", err)
	}
	d.browser, d.why = startBrowser(ctx, dir)
	return d, stop, nil
}

// secretForms are a wallet key's secret as a page could leak it.
func secretForms(k ed25519.PrivateKey) []string {
	return []string{base58.Encode(k), hex.EncodeToString(k.Seed()), base64.StdEncoding.EncodeToString(k.Seed()), base64.RawURLEncoding.EncodeToString(k.Seed())}
}

// startBrowser starts one headless Chromium for the package, or says why
// it cannot.
func startBrowser(ctx context.Context, dir string) (context.Context, string) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		return nil, "chromium is not installed (apt-get install chromium, or make test)"
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.WindowSize(1280, 900),
	}
	actx, _ := chromedp.NewExecAllocator(ctx, opts...)
	bctx, _ := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		return nil, fmt.Sprintf("chromium does not start: %v", err)
	}
	return bctx, ""
}

// browser returns a fresh tab of the package's Chromium, skipping the test
// when there is none unless IOG_BROWSER_TESTS=required.
func browser(t testing.TB) context.Context {
	t.Helper()
	if network.browser == nil {
		if os.Getenv("IOG_BROWSER_TESTS") == "required" {
			t.Fatalf("browser tests are required: %s", network.why)
		}
		t.Skip(network.why)
	}
	// A browser context of its own: one test's sign-in is no other's.
	ctx, cancel := chromedp.NewContext(network.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel2)
	return ctx
}

// until polls get every 50 ms until it says done, within a minute.
func until[T any](ctx context.Context, get func() (T, bool, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		v, done, err := get()
		if err != nil || done {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, errors.New("not done in a minute")
		case <-time.After(50 * time.Millisecond):
		}
	}
}
