package nvml_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"

	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/gpu/nvml"
)

// A worker probes its host and its GPUs together; here the host is a
// fixture and the GPUs are go-nvml's DGX A100 mock, where a worker passes
// nvml.NewProbe(nil) for the machine's driver.
func Example() {
	host := gpu.HostProbe{Root: fstest.MapFS{
		"proc/cpuinfo": {Data: []byte("processor\t: 0\nmodel name\t: AMD EPYC 7742 64-Core Processor\nphysical id\t: 0\ncore id\t: 0\n")},
		"proc/meminfo": {Data: []byte("MemTotal:       1056764904 kB\n")},
	}}
	var probe gpu.DeviceProbe = gpu.Combined{host, nvml.NewProbe(dgxa100.New())}
	inv, err := probe.Probe(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inv.Host.CPU.Model, inv.Host.MemoryBytes>>30, "GiB")
	fmt.Println(len(inv.GPUs), "×", inv.GPUs[0].GPU.Model, inv.GPUs[0].GPU.MemoryBytes>>30, "GiB, driver", inv.Driver.Version)
	// Output:
	// AMD EPYC 7742 64-Core Processor 1007 GiB
	// 8 × Mock NVIDIA A100-SXM4-40GB 40 GiB, driver 550.54.15
}
