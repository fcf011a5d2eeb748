// Package iog is the shared vocabulary of iog, an embeddable Go SDK and
// reference server for an Internet of GPUs: suppliers lend GPUs, engineers
// rent them as Ray clusters, and a token economy ($IO emission and fees,
// $IOSD credits, staking, slashing, burning, settled on Solana) pays for
// it. The network it models is io.net.
//
// This package holds the types every other package speaks and imports
// nothing else of the module:
//
//   - Money: [Amount] is an exact integer count of a [Currency]'s base units
//     (IO and IOSD have 8 decimals, USDC 6), with checked arithmetic,
//     multiplication by a [Rate] under an explicit [Rounding], and [Amount.Split]
//     into weighted shares that always add up to the whole.
//   - Hardware and place: [GPU], [CPU], [Device], [Bandwidth] and its
//     [BandwidthTier] by a replaceable [BandwidthTiers] table (io.net's four
//     published tiers by default), [Location] with [EstimateRTT] between two places, and
//     the catalog of [GPUModel] specifications that every package keys its
//     tables by ([LookupGPUModel], [IdentifyGPU]), with the published
//     figures of each model's boards ([GPUVariant]) that tell apart models
//     of the same memory and architecture.
//   - Demand: [Requirements] for a job or a cluster, with fractional GPUs
//     ([GPUShare]), placement, latency, budget and priority: the one
//     description of demand, which the scheduler places and pricing quotes,
//     with one strict JSON form (lower_snake_case names, Go duration
//     strings) for the API body.
//   - Identity: [DeviceID], [WorkerID], [ClusterID], [JobID], and
//     [WalletAddress], a Solana public key.
//   - Time: the [Clock] interface, with [SystemClock] and a [ManualClock] for
//     tests and simulation.
//   - Health: a device's [Health] record, folding heartbeats, missed
//     heartbeats and checks at times the caller gives, the one source of
//     the [Uptime] rewards read and the reliability scheduling reads.
//   - Errors: sentinels such as [ErrInvalid] and [ErrInsufficientFunds],
//     for errors.Is.
//
// # The packages and how they fit
//
// The domain packages each do one job over this vocabulary: gpu discovers
// and attests hardware, pricing quotes what an hour costs, tokenomics emits,
// stakes, slashes and keeps the ledger, scheduler places work on devices,
// and tunnel reaches devices behind NAT. iogsdk is the client side (API
// client, worker agent, command-line tool, KubeRay clusters), and refserver
// wires everything into one running network. Dependencies point one way:
// iog ← gpu, pricing, tokenomics, scheduler, tunnel ← iogsdk ← refserver.
//
// # A tour
//
// A supplier's reward is an Amount, split among its devices by weight:
//
//	reward := iog.MustParseAmount("4566.21004566 IO")
//	shares, err := reward.Split([]uint64{10, 10, 1}) // two H100 hosts, one RTX 4070
//	// shares add up to reward exactly, to the last of its 10^-8 units.
//
// A fee is a Rate applied with an explicit rounding:
//
//	fee, err := iog.MustParseAmount("1000 USDC").MulRate(iog.BasisPoints(25), iog.RoundHalfEven)
//	// fee is 2.5 USDC
//
// A request for GPUs is a Requirements value, checked before anything else
// sees it:
//
//	req := iog.Requirements{GPUModel: "H100", GPUCount: 8, Placement: iog.CoLocated,
//		MaxRTT: 5 * time.Millisecond, Locations: []iog.Location{{Country: "US"}}}
//	if err := req.Validate(); errors.Is(err, iog.ErrInvalid) { ... }
//
// and arrives from outside as JSON, validated as it decodes:
//
//	err := json.Unmarshal([]byte(`{"gpu_model": "H100", "gpu_count": 8, "max_rtt": "5ms"}`), &req)
//
// Anything that depends on time takes a Clock; tests pass a ManualClock and
// move it with Advance.
package iog
