// Package pricing says what an hour of a GPU costs on the network, and
// what fees go around it.
//
// A [PriceModel] quotes a [Request] at a moment: what is asked of the
// devices, as an iog.Requirements (which GPUs, how many, where, how well
// connected: the same value the scheduler places), and the commercial
// terms (for how long, how committed, paid in which currency). It returns
// a [Quote]: the hourly price per GPU and the total in
// USD, the total in the payment currency divided by the [FeeSchedule] into
// exact fee lines ([Fees]), the big clouds' reference price with the
// saving against it, and an [Adjustment] for every factor that shaped the
// price. A quote depends only on the request, the market state and the
// time passed in, never on the wall clock.
//
// The default [Model] is a chain of small, replaceable [Factor]s:
// [Hardware] (performance from the catalog, iog.GPUModels, or from a
// benchmark [Score] for an unknown GPU), [Connectivity] (bandwidth tier:
// io.net's four tiers, at multipliers this project assumes),
// [Regional] (country), [Demand] (utilization in the [MarketState]),
// [PeakHours] (local time of day), [CommitmentDiscount] (graduated by
// reservation length), [Ceiling] (a share of the cheapest cloud price in
// a dated [ReferenceTable]) and [SupplierFloor] (the supplier's
// opportunity cost). Money is exact throughout: iog.Amount for prices,
// iog.Rate and integer parts per million for multipliers, every rounding
// explicit.
//
// [FeeSchedule] is the network's one definition of fees (renters 0.25%
// plus 2% in USDC, nothing extra in IO or IOSD, from io.net's
// documentation; suppliers the same rates on their side, an assumption of
// this project); tokenomics takes its lines for buyback-and-burn.
// [Billing] holds the rest of io.net's billing rules, from io.net's
// documentation: a 1-hour minimum rental ([Billing.CheckHours], which
// [Request.Validate] applies), a cluster left unpaid for 20 minutes
// destroyed ([Billing.Unpaid]), and refunds returned as IOSD credits at
// 1 credit = 1 USD ([Billing.RefundCredits]). [Board]
// lists current prices per model and region, as the explorer shows them.
// A supplier learns what its device earns by quoting [DeviceRequest].
// Requests arrive as JSON through [DecodeRequest]: one object holding the
// requirements' fields (iog.Requirements' JSON form) beside the terms', so
// that the body of a quote is the body of the deploy that follows it. The
// cloud reference table is CSV read by [ParseReferenceTable].
package pricing
