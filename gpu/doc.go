// Package gpu discovers a supplier's hardware, measures it, and attests
// that it is what it claims to be.
//
// In April 2024 io.net's network was flooded with about 1.8 million fake
// GPUs, because device metadata could be written with a shared token and
// an owner ID. In this package nothing about a device is believed unless
// the device's registered owner signed it over a fresh server nonce, the
// hardware is consistent with the published model catalog, and the device
// keeps passing proofs of compute that its claimed GPU can finish in time.
//
// # Probing
//
// A [DeviceProbe] reports a machine's [Inventory]: GPUs as [iog.GPU] values
// with live [Telemetry], the [Host] (CPU, RAM, disk, OS) and the [Driver].
// [Combined] merges probes such as these:
//
//   - [github.com/internetofgpus/iog/gpu/nvml.Probe] reads NVIDIA GPUs
//     through NVML (github.com/NVIDIA/go-nvml), loaded at run time; without
//     a driver it returns [ErrNotPresent]. It has a package of its own
//     because go-nvml needs cgo: package gpu, and so a server that only
//     verifies reports, builds with CGO_ENABLED=0.
//   - [HostProbe] reads /proc and /sys.
//   - [StaticProbe] reports a fixed inventory, from code or from a JSON file
//     ([ParseStatic]), for simulations and for other DePINs' inventories.
//
// # Reports and attestation
//
// A worker signs a [Report] with its owner's [Keypair], an ed25519 key that
// is also a Solana wallet, producing a [SignedReport]: the canonical,
// versioned, bounded binary encoding ([EncodeReport]) followed by the
// signature. The server's [Verifier] issues a [Challenge] nonce per report
// (made by a [NonceBook], which binds it to the device and to an expiry on
// an iog.Clock with a MAC, and remembers it once used) and accepts a
// report only if
//
//   - the device is registered to the owner the report names, and that
//     owner's key signed it;
//   - the nonce was issued to this device, is unexpired and unused;
//   - every GPU UUID is well formed and held by no other device, the GPU
//     count fits a host, and each GPU's memory and compute capability
//     match its model in the iog.GPUModel catalog ([CheckHardware]);
//   - the device reports no GPU it did not have in its first report, and
//     no GPU as another model than before;
//   - the telemetry moves between reports, as a live GPU's does.
//
// A failed check is a [*Rejection] naming the [Check]. Hourly, the server
// sends a [ProofTask], a seeded matrix product whose answer it checks with
// Freivalds' algorithm in O(n²) and whose deadline follows the claimed
// model's throughput ([ProofConfig.Allowed]); a worker computes it with
// [Solve]. Each device's outcomes make its [TrustScore], and
// [Verifier.Eligible] tells whether it shares the epoch's block reward:
// only when every GPU it reports has passed a recent proof.
//
// # Device lifecycle and restarts
//
// [Verifier.Register] binds a device to its owner's key and
// [Verifier.Remove] undoes it: the device's GPU UUIDs are released for
// another device, its history, proofs and open tasks are forgotten. A
// server keeps the Verifier's state as one [DeviceRecord] a device
// ([Verifier.Record] after each action, [Verifier.Records]) and rebuilds
// it with [Verifier.Restore]. The records keep the nonces of accepted
// reports, so a report replayed after a restart is still refused. Issued
// nonces are not state: one outstanding at a restart is refused unless the
// server keeps the NonceBook's key ([VerifierConfig.NonceKey]), and the
// worker asks for another.
//
// # Benchmarks
//
// [MeasureHardware] gives a [HardwareScore]: the throughput of the GPUs a
// probe found, and a measured run of the proof kernel on the CPU.
// [DerivedSpec] gives each GPU's specification as an iog.GPUModel: the
// catalog's for a known model, and for any other NVIDIA GPU one derived
// from what NVML reports ([Specs]: CUDA cores, clocks, memory bus width),
// which a pricing model prices as it prices a catalog model with the same
// figures.
// [SpeedTest] measures download, upload and latency against a server
// running [SpeedTestHandler], giving an iog.Bandwidth and its tier.
package gpu
