// Package gpu discovers a supplier's hardware, measures it, and attests
// that it is what it claims to be.
//
// A network that pays for lent hardware draws workers that only claim it,
// and device metadata that anyone holding a shared token and an owner ID
// can write is no evidence. In this package nothing about a device is
// believed unless the device's registered owner signed it over a fresh
// server nonce, the
// hardware is consistent with the published model catalog, and the device
// keeps passing proofs of compute that its claimed GPU can finish in time.
//
// # The network's rules for workers
//
// io.net's documentation sets what a worker needs and how it may use its
// hardware; each figure is configurable, with the published ones as the
// default:
//
//   - [Minimums] ([DefaultMinimums]): 12 GB of RAM, a 256 GB disk (only
//     the size is checked, not that it is an SSD), an RTX 30-series GPU or
//     newer, read as compute capability 8.0 or higher (an assumption of
//     this project), or an Apple M3 or M4; a CPU worker needs no GPU. At
//     least 100 Mb/s down and 75 Mb/s up; 500/250 Mb/s and a latency under
//     30 ms are recommended, and [Minimums.Check] advises, without
//     refusing, below them.
//   - [IdleCaps] ([DefaultIdleCaps]): from 4 November 2024, a device not
//     hired uses at most 30% of its CPU, 5% of an enterprise GPU and 20%
//     of a consumer one; [IdleCaps.Check] gives the reason to block one
//     used above them (gaming, mining). A worker measures its CPU's use
//     with a [CPUMeter].
//   - The proof of work runs hourly ([VerifierConfig.ProofInterval]) with
//     at most 15 minutes of load on a GPU in an hour
//     ([ProofConfig.MaxLoad], [MaxSupplierLoad]).
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
//     count fits a host, and each GPU's memory, compute capability and
//     figures match its model in the iog.GPUModel catalog
//     ([CheckHardware]; see "A weaker card cannot claim a stronger one");
//   - the device reports no GPU it did not have in its first report, and
//     no GPU as another model than before;
//   - the telemetry is a powered GPU's, and moves between reports as a
//     live GPU's does (see Telemetry below).
//
// A GPU's model name is matched to the catalog as a reader would read it
// (see iog.LookupGPUModel): printable ASCII only, vendor words ("NVIDIA",
// "GeForce", "AMD", …) dropped only as words of their own and only when
// they name the model's maker, so that "H\u200b100", a trailing NUL,
// "H1NVIDIA00 80GB HBM3" or "AMD H100 80GB HBM3" is no model. What the
// Verifier keeps and returns is the report with each GPU's catalog name,
// never the name it was reported with, and its UUIDs in [CanonicalUUID]
// form: NVIDIA's as written (their one valid form is lower-case), other
// vendors' lower-cased, because their tools print one ID in either case
// and a GPU must not count twice for being written twice. Records written
// before are restored in that form.
//
// # A weaker card cannot claim a stronger one
//
// Fifteen pairs of catalog models share vendor, compute capability and
// memory: an H100-PCIe is an H100-SXM by those, an L40 an L40S or an
// RTX 6000 Ada, an L4 an RTX 4090, an RTX 3060 an RTX 3080 Ti. So each
// GPU of a signed report carries its [Specs] as NVML reads them (CUDA
// cores, maximum and boost SM clocks, memory bus width and clock), and
// its power limit is signed with its [Telemetry]. The catalog knows the
// boards of each model with their published figures
// ([iog.GPUModel.Variants]), and the spec check refuses, as a
// [*Rejection] of [CheckSpec] wrapping iog.ErrInvalid that names the
// figure, a GPU whose figures fit no board of the model it claims:
//
//   - CUDA cores and bus width must be the published ones exactly;
//   - the boost clock within 0.5% of the published one, and for
//     consumer cards, which partners sell factory overclocked, up to 15%
//     above it; the maximum SM clock not below it;
//   - the bandwidth that bus width and memory clock give within 5% of
//     the published one;
//   - the power limit at most the published TDP (half again above it
//     for consumer cards, whose partners set and let owners raise their
//     own), and at least a fifth of it, below any card's lowest setting.
//
// A figure the GPU does not report, or that the vendor does not publish,
// is not checked. But a claim must be proven against every weaker model
// the GPU could also pass for (same vendor, architecture and memory, see
// [iog.CompareGPUModels]): when the figures reported fit such a model
// too, the claim is refused, so that a card cannot claim the stronger of
// two models by leaving its figures out. A GPU whose name only names a
// family ("NVIDIA H100", or "NVIDIA H100 totally fake") is the model of
// that family, nearest in memory, that its figures fit, trying the
// weaker first ([iog.GPUCandidates]): its figures decide when they can,
// and when they cannot it is the weaker, never the stronger.
//
// Figures are only what the owner signs: a worker changed to report
// another model's figures passes this check, and is caught by the proofs
// of compute, whose deadlines follow the claimed model's throughput.
// The check makes the cheap lie, a name, fail.
//
// Reports of version 1 of the encoding carried no figures. DecodeReport
// refuses them, naming the version, whatever their GPUs: accepting them
// without figures would accept every weaker card that claims a stronger
// one, and a second decoder for a version no current worker writes would
// give a report two encodings. A worker of version 1 must be upgraded.
//
// A failed check is a [*Rejection] naming the [Check]. Hourly, the server
// sends a [ProofTask], a seeded matrix product whose answer it checks with
// Freivalds' algorithm in O(n²) and whose deadline follows the claimed
// model's throughput ([ProofConfig.Allowed]); a worker computes it with
// [Solve]. Each device's outcomes make its [TrustScore], and
// [Verifier.Eligible] tells whether it shares the epoch's block reward:
// only when every GPU it reports has passed a recent proof.
//
// # Telemetry
//
// A spoofer that does not read a GPU has to make its telemetry up, and
// the cheap ways are refused. Each reading must be one a powered GPU
// gives ([CheckSpec]); the bounds are wide, because a real GPU idles at
// 25-40 °C and tens of watts, and one refused for a reading it really
// gave would be an honest supplier punished:
//
//   - temperature 5 to 130 °C: a powered die is warmer than any coolant
//     run above its dew point, and past 130 °C a GPU has shut down;
//   - a power limit, when the GPU reports one, of 10 W to 2 kW, the range
//     of GPU boards from the smallest inference card to the largest
//     module with room to spare;
//   - a power draw of at least 1 W and at least 1/200 of the limit (3.5 W
//     for a 700 W H100, which idles at 60-70 W; 2.25 W for a 450 W RTX
//     4090, which idles at 10-20 W), and at most 1.5 times the limit;
//   - SM and memory clocks no higher than the GPU's maximum clocks, when
//     its [Specs] carry them (NVML's clock table tops out there);
//   - utilization up to 100%, and memory in use and free within the GPU's;
//   - the temperature or the power reported: a figure the GPU does not
//     report is zero and named in Missing, and goes unchecked, but a GPU
//     that reports neither says nothing of its physical state (a vGPU
//     guest, which reads neither, is a share of a GPU, not one).
//
// And the readings must move as a live GPU's over the device's recent
// reports ([CheckTelemetry]). The Verifier keeps a 32-bit fingerprint of
// the telemetry of each of the last [TelemetryWindow] accepted reports in
// the device's record ([DeviceRecord.RecentTelemetry]), not the readings,
// so that a record stays small whatever the device's GPUs:
//
//   - a report whose telemetry is exactly one of the window's is a
//     repeat, and a run of repeats is refused once it is
//     [VerifierConfig.StaleAfter]-1 reports long, with the default of 3
//     at the second repeat in a row: a device that alternates two
//     readings is refused from its fourth report on, and one that sends
//     the same reading again and again from its third. A single repeat
//     passes, because an idle GPU's readings (a few temperatures, a draw
//     that wanders by a watt) can meet one of the window's by chance;
//   - the counts of memory errors only grow while the driver runs, so a
//     count lower than in the last accepted report is refused, unless it
//     is zero: a driver counts them from zero when it loads, and a worker
//     reports as it starts, before a healthy GPU counts an error again.
//
// These catch replays and lazy fakes, not a spoofer that makes up fresh,
// plausible figures for every report, nor one that plays back a cycle
// longer than the window: the proof of compute is what binds a device to
// a working GPU.
//
// # Trust weighs time
//
// A [TrustHistory] keeps a device's last outcomes by count, so passes that
// came cheaply would push its failures out of it: a device caught lying
// 30 times could answer 96 small proofs within a second and be trusted
// again. So a failure always counts, and a pass counts only at a pace
// that honest work sets: an accepted report at most once a quarter hour,
// and a passed proof at most once a quarter hour for each GPU. Passes
// beyond that still prove the GPU (for Eligible); they add no trust. A
// device that reports and proves each GPU every
// [VerifierConfig.ProofInterval] loses no credit, and one with a bad
// record earns it back in hours of honest work, not in a burst.
//
// # Device lifecycle and restarts
//
// [Verifier.Register] binds a device to its owner's key and
// [Verifier.Remove] undoes it: the device's GPU UUIDs are released for
// another device, its history, proofs and open tasks are forgotten. A
// server keeps the Verifier's state as one [DeviceRecord] a device
// ([Verifier.Record] after each action, [Verifier.Records]) and rebuilds
// it with [Verifier.Restore]. The records keep the nonces of accepted
// reports, so a report replayed after a restart is still refused.
//
// A used nonce is remembered until a TTL past its expiry and then
// forgotten, which keeps a device's memory to two TTLs of reports; the
// newest expiry among the forgotten ones is kept instead
// ([DeviceRecord.NoncesForgotten]), and any nonce expiring at or before it
// counts as used. So a used nonce stays refused whatever the wall clock
// does: set back before the nonce's expiry, it does not make the report
// acceptable again. The price is paid only when the clock is set back by
// more than two TTLs: fresh nonces are then refused too, until the clock
// is past that expiry again. Refusing honest reports for a while, which
// the worker retries, is the choice over accepting a replay. Issued
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
