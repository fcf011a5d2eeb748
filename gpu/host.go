package gpu

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"

	"github.com/internetofgpus/iog"
)

// HostProbe is a DeviceProbe for the machine itself: CPU model and cores,
// RAM, disk and OS, read from /proc and /sys on Linux. It reports no GPUs;
// combine it with gpu/nvml's Probe (see Combined) for those.
//
// The zero value reads the running machine.
type HostProbe struct {
	// Root is the file system holding proc/ and sys/; nil means the
	// machine's own root. Tests give it a fstest.MapFS.
	Root fs.FS
	// DiskPath is the path whose file system is measured for DiskBytes,
	// with statfs on the real machine (not through Root). Empty means "/",
	// except when Root is set: then the disk is not measured.
	DiskPath string
}

// maxProcFile bounds what is read from one /proc or /sys file.
const maxProcFile = 8 << 20

// Probe reads the host. It returns ErrNotPresent when /proc cannot be read
// (not Linux, or a sandbox without it).
func (p HostProbe) Probe(ctx context.Context) (Inventory, error) {
	if err := ctx.Err(); err != nil {
		return Inventory{}, fmt.Errorf("host probe: %w", err)
	}
	root := p.Root
	if root == nil {
		root = os.DirFS("/")
	}
	cpuinfo, err := readSmall(root, "proc/cpuinfo")
	if err != nil {
		return Inventory{}, fmt.Errorf("host probe: %w: %w", err, ErrNotPresent)
	}
	meminfo, err := readSmall(root, "proc/meminfo")
	if err != nil {
		return Inventory{}, fmt.Errorf("host probe: %w: %w", err, ErrNotPresent)
	}
	h := Host{OS: runtime.GOOS}
	h.CPU = parseCPUInfo(cpuinfo)
	h.CPU.Arch = runtime.GOARCH
	if cores := countCores(root); cores > 0 {
		h.CPU.Cores = cores
	}
	if h.CPU.Cores == 0 {
		h.CPU.Cores = h.CPU.Threads
	}
	if h.MemoryBytes, err = parseMemTotal(meminfo); err != nil {
		return Inventory{}, fmt.Errorf("host probe: %w", err)
	}
	if rel, err := readSmall(root, "proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = strings.TrimSpace(string(rel))
	}
	disk := p.DiskPath
	if disk == "" {
		disk = "/"
	}
	if p.Root == nil || p.DiskPath != "" {
		if h.DiskBytes, err = diskSize(disk); err != nil {
			return Inventory{}, fmt.Errorf("host probe: disk %s: %w", disk, err)
		}
	}
	return Inventory{Host: h}, nil
}

func readSmall(root fs.FS, name string) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read /%s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxProcFile))
	if err != nil {
		return nil, fmt.Errorf("read /%s: %w", name, err)
	}
	return b, nil
}

// parseCPUInfo takes the model name and the number of logical CPUs from
// /proc/cpuinfo, and the cores from its "physical id" and "core id" pairs
// where the kernel lists them (x86).
func parseCPUInfo(b []byte) iog.CPU {
	var c iog.CPU
	type core struct{ pkg, id string }
	cores := map[core]bool{}
	var cur core
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "processor":
			if _, err := strconv.Atoi(val); err == nil {
				c.Threads++
				cur = core{}
			}
		case "model name", "Model", "cpu model":
			if c.Model == "" {
				c.Model = val
			}
		case "physical id":
			cur.pkg = val
		case "core id":
			cur.id = val
			cores[cur] = true
		}
	}
	c.Cores = len(cores)
	return c
}

// countCores counts distinct (package, core) pairs under
// /sys/devices/system/cpu, or returns 0 when the topology is not there.
func countCores(root fs.FS) int {
	const dir = "sys/devices/system/cpu"
	entries, err := fs.ReadDir(root, dir)
	if err != nil {
		return 0
	}
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "cpu") || strings.Trim(name[3:], "0123456789") != "" || len(name) == 3 {
			continue
		}
		topo := path.Join(dir, name, "topology")
		pkg, err1 := readSmall(root, path.Join(topo, "physical_package_id"))
		id, err2 := readSmall(root, path.Join(topo, "core_id"))
		if err1 != nil || err2 != nil {
			return 0
		}
		seen[strings.TrimSpace(string(pkg))+"/"+strings.TrimSpace(string(id))] = true
	}
	return len(seen)
}

// parseMemTotal reads MemTotal (in kB) from /proc/meminfo.
func parseMemTotal(b []byte) (uint64, error) {
	for line := range strings.Lines(string(b)) {
		rest, ok := strings.CutPrefix(line, "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			break
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil || kb > 1<<53 {
			break
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no MemTotal line in kB in /proc/meminfo: %w", iog.ErrUnavailable)
}
