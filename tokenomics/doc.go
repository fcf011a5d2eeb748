// Package tokenomics is the $IO token economy of the network as a pure,
// deterministic library: emission and supply, staking and slashing,
// block-reward distribution, buyback-and-burn and $IOSD credits, and the
// token allocation. Nothing here reads the wall clock or global
// randomness; time comes from an injected iog.Clock, and every amount is an
// exact iog.Amount. The movements themselves are recorded by a Ledger
// (package tokenomics/ledger).
//
// Fee rates (the renter's 0.25% reservation fee, 2% on USDC, the
// supplier's fees) belong to package pricing; this package takes fee
// revenue as an input and decides what happens to it.
//
// # Emission
//
// An [EmissionSchedule] maps each epoch (an hour, for io.net) to the tokens
// it mints, and answers the cumulative supply at any epoch in O(1) or
// O(log n). [IONet] is the io.net preset; [NewGeometric], [NewStepped] and
// [NewHalving] build others, and any type with the four methods is a
// schedule. [InflationTable] reads a schedule year by year on two bases:
// io.net's documentation's, each epoch's emission annualised over a
// [RateYear] and divided by the genesis supply ([AnnualisedRate]), and the
// supply basis, a year's emission over the supply it starts from.
// [CompareEmission] holds a schedule against published figures
// ([IONetPublished]) and says which it reproduces and by how much it
// departs from the others.
//
// # The io.net emission, derived
//
// io.net's documentation gives 500,000,000 IO at genesis, 300,000,000 IO
// emitted over twenty years as hourly block rewards, a cap of 800,000,000,
// and inflation that starts at 8% and falls about 1.015% a month. The 2024
// launch articles add a fall of 12.165% a year to about 0.68%, 175,319
// hourly epochs, and the first epochs to the cent (4,566.21, 4,566.15,
// 4,566.08 IO). Where the two differ the documentation wins, and the
// articles' first epochs stay, the documentation not contradicting them.
//
// Twenty years are counted as 20 × 8,766 hours (365.25 days, an
// assumption of this project), so there are N = 175,320 emitting epochs.
// Emission starts at the documentation's 8% a year of the genesis supply
// over the 8,760 hours of a 365-day RateYear, so epoch 1 emits
//
//	E1 = 40,000,000 / 8,760 IO = 4,566.21004566 IO (rounded down to a base unit)
//
// and falls a little every hour: epoch n emits E1·r^(n−1) for an hourly
// ratio r just below 1. The documentation's total fixes r: the geometric
// series must sum to it,
//
//	E1 · (1 − r^N) / (1 − r) = 300,000,000 IO.
//
// With x = N·(1−r) this is (1 − e^(−x)) / x = 300,000,000 / (E1·N) =
// 0.374743, whose root is x ≈ 2.43466, so 1 − r ≈ 1.38870·10^-5. The
// articles' second and third epochs are then E1·r = 4,566.1466 and E1·r² =
// 4,566.0832, which print as 4,566.15 and 4,566.08 to the cent, as
// published (any r with 1 − r between 1.3692·10^-5 and 1.4246·10^-5 would
// print them; the total pins it down).
//
// Not every published figure can hold with those. On the documentation's
// basis the inflation table runs from 8.00% (the annualised rate of epoch
// 1, 8% to 3.7·10^-14, E1 being rounded down to a base unit) to 0.70%
// (that of the last); on the supply basis it runs
// from 7.54% to 0.47%. The preset reproduces the genesis supply, the total,
// the cap and the 8% start exactly, and departs, as [CompareEmission]
// computes, from:
//
//   - the documentation's monthly fall of about 1.015%: 1.0086% per 730
//     hours, 0.0064 percentage points less;
//   - the articles' yearly fall of 12.165%: 11.4542% per 8,760 hours,
//     0.7108 points less (12.165% is the hourly fall × 8,760, not
//     compounded, which the preset reproduces: 12.1650%);
//   - the articles' end rate of about 0.68%: 0.7010%, 0.0210 points more;
//   - the articles' 175,319 epochs: 175,320, one more.
//
// To make the total exact rather than approximate, the schedule is
// computed in integers. r is held as the exact fraction
// [IONetHourlyDecay] = 9,999,861,130,234,295,452 / 10^19, the largest
// numerator over 10^19 whose rounded series stays within 300,000,000 IO
// ([SolveGeometricRatio] finds it by bisection; a test re-derives it). Each
// term is a 128-bit fixed-point number of base units (64 fraction bits),
// each next term is the previous times r, truncated, and epoch n emits the
// floor of the running sum of n terms minus the floor of the sum of n−1,
// so no fraction is lost between epochs. Those emissions sum to
// 299,999,999.99999937 IO; the 63 base units left (0.00000063 IO, less
// than one step of the numerator would move) are added to the last epoch,
// which therefore emits 63 base units more than the decay alone predicts.
// The total is exactly 300,000,000 IO and the supply after the last epoch
// exactly the 800,000,000 IO cap; since every emission is positive, the
// supply grows every hour and never exceeds the cap. The whole table is
// computed once (a few milliseconds) and Supply is a lookup in it.
//
// # Staking and slashing
//
// A [Staker] keeps the stake that backs each device ([StakeBook] is the
// in-memory one). A device needs 200 IO × max(1, its GPU model's earning
// multiplier) × its GPU count ([RequiredStake]), io.net's documentation's
// rule (8 × H100 = 16,000 IO); the multipliers are a replaceable table
// keyed by iog.GPUModel.Name ([Multipliers]). [DefaultMultipliers] holds
// the documentation's figures (B200 30, H200 12, H100 10, A100-80GB 5,
// L40S 3, RTX 4090 1.25, M4 Max 1.5) and, for every other catalog model,
// an assumption of this project scaled from one of them by dense FP16
// throughput ([MultiplierSources] names the source of each). Unstaking
// starts an irreversible cooldown, 14 days for the device's owner and 21
// for a co-staker (io.net's documentation; [StakingConfig] Cooldown and
// CoStakerCooldown), during which the stake neither
// counts nor earns, though it can still be slashed, so leaving does not
// escape a pending case. A [Slasher] proposes a slash with evidence; the
// tokens are taken pro rata from every staker of the device and held for
// a 30-day appeal window. An upheld slash is burned; a successful appeal
// returns the tokens to the stakes they came from. Co-stakers share a
// device's rewards ([StakeBook.ShareReward]) and slashes pro rata.
//
// # Co-staking
//
// Wallets other than a device's owner may stake on it, within the rules
// io.net's documentation states, each a field of [CoStakingRules]:
//
//   - the co-stakers provide at most 50% of the device's required stake
//     (CoStakerShare; the cap rounds down to a base unit), so a co-stake
//     of exactly half of 16,000 IO is taken and one base unit more is not;
//   - the owner has staked at least 50% first (OwnerFirstShare; rounded
//     up), and keeps it while a co-staker has stake on the device: the
//     owner's unstake that would take it below is refused;
//   - one co-staker a device (CoStakersPerDevice);
//   - an account co-stakes on at most 2 devices (CoStakesPerAccount).
//
// Only active stake counts: a co-staker that has unstaked all, its stake
// cooling down, has left its place on the device and its account's.
// A refusal is iog.ErrConflict and changes nothing. The rules limit what
// a staker adds and what an owner takes away; a slash takes from all
// alike, and a restored book ([StakeBook.Restore]) loads what its records
// say even where that is past the rules, which hold for the stake added
// after.
//
// [StakeBook.Deregister] pairs with Register: the device's stake leaves
// as an unstake does, every position starting its cooldown. A slash
// pending or appealed is decided first, and the cooling stake can still
// be slashed, so removing a device escapes no case; the book forgets the
// device once its last cooldown is withdrawn.
//
// # Restoring a stake book
//
// A server that keeps a StakeBook saves its records and restores it at
// start: [StakeBook.Records] lists every device, cooldown and slash, by
// key, and the last ID handed out ([StakeRecords]);
// [StakeBook.DeviceRecord], [StakeBook.CooldownRecord],
// [StakeBook.SlashRecord] and [StakeBook.LastID] give the ones an action
// touched, to save in that action's transaction (a record that is gone, a
// withdrawn cooldown or a device the book forgot, is deleted); and
// [StakeBook.Restore] rebuilds a fresh book from them exactly, or refuses
// records that could not have come from a book and changes nothing.
//
// # Block rewards
//
// [Nominate] applies io.net's documentation's nomination rules for the
// hourly block rewards ([DefaultNominationRules]): 5 hours of continuous
// uptime, the full minimum stake, a Solana wallet, an earning multiplier
// and a connectivity tier above 0, and the epoch's proof of work passed,
// which hired devices and head nodes skip. A device not nominated gets
// every rule it misses as a reason a supplier acts on ("uptime 3 h 12 m
// of the 5 h needed", "stake 8,000 IO of the 16,000 IO required").
//
// [Distribute] nominates each candidate and splits an epoch's emission
// between io.net's two pools: the Enterprise pool (95%) pays the
// enterprise GPUs (datacenter and workstation cards), the Community pool
// (5%) the consumer GPUs and the CPUs ([PoolOf]). Within them a device's
// raw weight, its stake-capped earning multiplier × its uptime fraction,
// becomes a score normalised per processor, as the documentation says:
// 8,000,000 points over all GPUs and 2,000,000 over all CPUs; each pool
// is split by score (Distribute says exactly how the two rules combine).
// Stake above the minimum earns nothing more. A candidate's uptime is its
// device's iog.Health read at the epoch's end, the record the scheduler's
// reliability reads too. Payouts add up to the pool to the base unit; a
// pool with no eligible device is recorded as Unpaid, not lost. [Settle]
// puts an epoch's distribution on a ledger: each payout shared among the
// device's stakers pro rata by a [RewardSharer] (a StakeBook), the unpaid
// part minted to an account of its own, under idempotency keys so a
// repeated settlement pays once.
//
// # Revenue, burns and $IOSD
//
// Fee revenue is taken as given (package pricing computes it). A
// [Treasury] spends it on IO at a [PriceOracle]'s quote and burns the IO
// ([Treasury.BuybackAndBurn], so the IO burned tracks the IO price), and
// mints $IOSD, pegged 1:1 to the dollar, only by burning IO at the quote
// ([Treasury.MintIOSD]). Each records its steps on a ledger under
// idempotency keys derived from the caller's, so an interrupted call is
// completed by repeating it with the same quote and key.
//
// # Allocation
//
// [Allocations] is the token allocation as data: slices with exact
// shares and vesting (an unlock at launch, a cliff, monthly vesting).
// [IONetAllocations] is io.net's split of the 800,000,000 IO cap
// (community 50%, R&D and ecosystem 16%, core contributors 11.3%, seed
// 12.5%, series A 10.2%) with illustrative vesting terms.
package tokenomics
