package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// clockFile keeps a fast clock's time in the data directory, so that a
// network started again goes on from where it stopped instead of from the
// real time, which its fast clock left far behind.
const clockFile = "clock"

// resumeClock returns a clock speed times faster than real time, starting
// from the later of now and the time kept in dir.
func resumeClock(dir string, speed int, now time.Time) (*iog.ScaledClock, error) {
	start := now
	data, err := os.ReadFile(filepath.Join(dir, clockFile))
	switch {
	case err == nil:
		kept, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(data)))
		if perr != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, clockFile), perr)
		}
		if kept.After(start) {
			start = kept
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return iog.NewScaledClock(start, speed)
}

// keepClock writes the clock's time into dir every few seconds and once
// more when ctx ends.
func keepClock(ctx context.Context, dir string, clock iog.Clock) error {
	write := func() error {
		path := filepath.Join(dir, clockFile)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(clock.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o600); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return write()
		case <-t.C:
			if err := write(); err != nil {
				return err
			}
		}
	}
}
