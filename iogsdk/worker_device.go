package iogsdk

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// workerState is what a worker keeps across restarts: which device it is,
// and the key its tunnel proves that with. The file is a secret.
type workerState struct {
	Device iog.DeviceID `json:"device"`
	// TunnelSeed is the seed of the device's ed25519 tunnel key.
	TunnelSeed []byte `json:"tunnel_seed"`
}

func (st *workerState) tunnelKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(st.TunnelSeed) }

// loadState reads the state file; a missing file (or none configured) is
// no state. A file that does not decode is an error, never overwritten:
// it may name a device that has stake on it.
func loadState(path string) (*workerState, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("worker state: %w", err)
	}
	var st workerState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("worker state %s: %v: %w", path, err, iog.ErrInvalid)
	}
	if _, err := iog.ParseDeviceID(string(st.Device)); err != nil || len(st.TunnelSeed) != ed25519.SeedSize {
		return nil, fmt.Errorf("worker state %s: want a device ID and a %d-byte tunnel seed: %w", path, ed25519.SeedSize, iog.ErrInvalid)
	}
	return &st, nil
}

// saveState writes the state file whole or not at all, readable by its
// owner only.
func saveState(path string, st *workerState) error {
	if path == "" {
		return nil
	}
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("worker state: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("worker state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("worker state: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("worker state: %w", err)
	}
	return nil
}

// attest resumes the device of the state file, or registers a new one,
// and has a report of its hardware accepted.
func (w *Worker) attest(ctx context.Context) error {
	st, err := loadState(w.cfg.StateFile)
	if err != nil {
		return err
	}
	return w.retry(ctx, "register", func() error {
		if st != nil {
			ch, err := w.cfg.Client.DeviceChallenge(ctx, st.Device)
			if err == nil {
				w.state.Store(st)
				return w.report(ctx, ch)
			}
			if !errors.Is(err, iog.ErrNotFound) {
				return err
			}
			w.log.Warn("the device of the state file is no longer registered; registering a new one", "device", st.Device)
		}
		seed := make([]byte, ed25519.SeedSize)
		if _, err := io.ReadFull(w.cfg.Random, seed); err != nil {
			return fmt.Errorf("tunnel key: %w", err)
		}
		next := &workerState{TunnelSeed: seed}
		reg, err := w.cfg.Client.RegisterDevice(ctx, api.RegisterDeviceRequest{
			Name: w.cfg.Name, TunnelKey: next.tunnelKey().Public().(ed25519.PublicKey),
			Location: w.cfg.Location, Bandwidth: w.cfg.Bandwidth,
		})
		if err != nil {
			return err
		}
		next.Device = reg.Device.ID
		if err := saveState(w.cfg.StateFile, next); err != nil {
			return err
		}
		st = next
		w.state.Store(st)
		w.log.Info("registered the device", "device", st.Device)
		return w.report(ctx, reg.Challenge)
	})
}

// report probes the hardware and submits a report signed over ch.
func (w *Worker) report(ctx context.Context, ch api.Challenge) error {
	nonce, err := gpu.ParseNonce(ch.Nonce)
	if err != nil {
		return err
	}
	inv, err := w.cfg.Probe.Probe(ctx)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	signed, err := w.pair.SignReport(gpu.Report{Device: ch.Device, Nonce: nonce, Inventory: inv})
	if err != nil {
		return err
	}
	d, err := w.cfg.Client.SubmitReport(ctx, ch.Device, signed)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	w.mu.Lock()
	w.hardware = fingerprint(inv)
	w.mu.Unlock()
	w.log.Info("report accepted", "device", d.ID, "gpus", d.GPUCount, "model", d.Model, "trust", d.Trust)
	return nil
}

// reports submits a new report every ReportInterval, and at once when a
// heartbeat's probe sees other hardware.
func (w *Worker) reports(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.cfg.Clock.After(w.cfg.ReportInterval):
		case <-w.reportNow:
		}
		err := w.retry(ctx, "report", func() error {
			ch, err := w.cfg.Client.DeviceChallenge(ctx, w.Device())
			if err != nil {
				return err
			}
			return w.report(ctx, ch)
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// fingerprint names a machine's hardware, not its telemetry: a report is
// due when it changes.
func fingerprint(inv gpu.Inventory) string {
	gpus := make([]string, 0, len(inv.GPUs))
	for _, g := range inv.GPUs {
		gpus = append(gpus, fmt.Sprintf("%s %s %d %v", g.GPU.UUID, g.GPU.Model, g.GPU.MemoryBytes, g.GPU.ComputeCapability))
	}
	slices.Sort(gpus)
	return strings.Join(gpus, "\n")
}
