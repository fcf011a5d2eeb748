package api

import (
	"time"

	"github.com/internetofgpus/iog"
)

// Supply is the $IO supply as the explorer shows it.
type Supply struct {
	// Epoch is the last settled epoch, 0 before the first.
	Epoch uint64 `json:"epoch"`
	// Total is the initial supply plus what the settled epochs emitted,
	// less what their buy-backs burned; Max is the cap the emission ends at.
	Total iog.Amount `json:"total"`
	Max   iog.Amount `json:"max"`
	// Emitted is what the settled epochs minted, Burned what their
	// buy-backs burned.
	Emitted iog.Amount `json:"emitted"`
	Burned  iog.Amount `json:"burned"`
	// Circulating is the IO in accounts on the network's ledger (the
	// initial supply's allocation lives off it), held stake included.
	Circulating iog.Amount `json:"circulating"`
	// EpochEmission is what the last settled epoch minted, NextEmission
	// what the next one will.
	EpochEmission iog.Amount `json:"epoch_emission"`
	NextEmission  iog.Amount `json:"next_emission"`
	// Curve is the emission schedule year by year over its twenty years.
	Curve []EmissionYear `json:"curve"`
}

// EmissionYear is one year of the emission schedule.
type EmissionYear struct {
	Year       int    `json:"year"`
	FirstEpoch uint64 `json:"first_epoch"`
	LastEpoch  uint64 `json:"last_epoch"`
	// Emitted is the year's emission, and Supply the supply at its end.
	Emitted iog.Amount `json:"emitted"`
	Supply  iog.Amount `json:"supply"`
	// Inflation is Emitted over the supply the year starts from, as a
	// percentage such as "7.5338%".
	Inflation string `json:"inflation"`
}

// Block is a settled epoch: an hourly block of rewards and burns.
type Block struct {
	Number  uint64    `json:"number"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	Settled time.Time `json:"settled"`
	// Emission is what the epoch minted: Paid to stakers plus Unpaid,
	// what no eligible device earned.
	Emission iog.Amount `json:"emission"`
	Paid     iog.Amount `json:"paid"`
	Unpaid   iog.Amount `json:"unpaid"`
	// Nominated devices were considered; Rewarded and Failed add up to it.
	Nominated int `json:"nominated"`
	Rewarded  int `json:"rewarded"`
	Failed    int `json:"failed"`
	// RevenueIO and RevenueUSDC are the fee revenue the buy-back spent at
	// IOPrice (USD per IO), and Burned the IO it burned.
	RevenueIO   iog.Amount `json:"revenue_io"`
	RevenueUSDC iog.Amount `json:"revenue_usdc"`
	IOPrice     iog.Rate   `json:"io_price"`
	Burned      iog.Amount `json:"burned"`
}

// BlockList is a page of blocks, the latest first. Next, when set, is the
// before parameter of the next page.
type BlockList struct {
	Blocks []Block `json:"blocks"`
	Next   uint64  `json:"next,omitempty"`
}

// Transaction is one entry of the network's ledger as the explorer shows
// it: what moved (kind open, mint, burn, transfer, hold or release), why,
// between which accounts, and its settlement on Solana.
type Transaction struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Reason string    `json:"reason"`
	// From is the account debited (burn, transfer, hold), To the one
	// credited (mint, transfer, release) or opened (open).
	From iog.WalletAddress `json:"from,omitzero"`
	To   iog.WalletAddress `json:"to,omitzero"`
	// Amount is what moved; absent for an open.
	Amount iog.Amount `json:"amount,omitzero"`
	// Settlement is the entry's settlement on Solana; absent when the
	// server does not settle its ledger.
	Settlement *Settlement `json:"settlement,omitempty"`
}

// TransactionList is a page of the ledger's entries, the latest first.
// Next, when set, is the before parameter of the next page.
type TransactionList struct {
	Transactions []Transaction `json:"transactions"`
	Next         uint64        `json:"next,omitempty"`
}

// BlockDevice is what became of one device nominated in a block.
type BlockDevice struct {
	Device   iog.DeviceID      `json:"device"`
	Owner    iog.WalletAddress `json:"owner"`
	Rewarded bool              `json:"rewarded"`
	// Pool ("Enterprise" or "Community"), Weight (billionths of a
	// multiplier-unit) and Reward are a rewarded device's; Reason says
	// why a failed one earned nothing: every nomination rule it missed,
	// joined by "; ".
	Pool   string     `json:"pool,omitempty"`
	Weight uint64     `json:"weight"`
	Reward iog.Amount `json:"reward"`
	Reason string     `json:"reason,omitempty"`
}

// BlockDetail is one block and a page of its devices, by ID. Next, when
// set, is the after parameter of the next page.
type BlockDetail struct {
	Block   Block         `json:"block"`
	Devices []BlockDevice `json:"devices"`
	Next    iog.DeviceID  `json:"next,omitempty"`
}

// Count is how many devices, and GPUs, share a value.
type Count struct {
	Name    string `json:"name"`
	Devices int    `json:"devices"`
	GPUs    int    `json:"gpus"`
}

// DeviceStats counts the network's devices.
type DeviceStats struct {
	Devices int `json:"devices"`
	GPUs    int `json:"gpus"`
	// Up counts the devices sending heartbeats.
	Up int `json:"up"`
	// ByModel, ByRegion (country, "unknown" when not given) and ByState
	// (lifecycle state) count them, by name.
	ByModel  []Count `json:"by_model"`
	ByRegion []Count `json:"by_region"`
	ByState  []Count `json:"by_state"`
}

// Supplier is a wallet with active devices.
type Supplier struct {
	Wallet  iog.WalletAddress `json:"wallet"`
	Devices int               `json:"devices"`
	GPUs    int               `json:"gpus"`
}

// SupplierList is a page of verified suppliers, by wallet, of Total.
// Next, when set, is the after parameter of the next page.
type SupplierList struct {
	Total     int               `json:"total"`
	Suppliers []Supplier        `json:"suppliers"`
	Next      iog.WalletAddress `json:"next,omitzero"`
}

// PriceRow is the price of one GPU-hour of a model.
type PriceRow struct {
	Model string `json:"model"`
	// Region is the location priced, "" for anywhere.
	Region string `json:"region"`
	// HourlyUSD is the price in USD; Hourly what the renter pays in the
	// board's currency, fees included.
	HourlyUSD iog.Amount `json:"hourly_usd"`
	Hourly    iog.Amount `json:"hourly"`
	// Reference is the cheapest cloud offering the model, if any, at
	// ReferenceHourly USD; Saving and SavingPerTFLOPS are how much
	// cheaper the price is, in parts per million (negative: dearer).
	Reference       string      `json:"reference,omitempty"`
	ReferenceHourly *iog.Amount `json:"reference_hourly,omitempty"`
	Saving          int64       `json:"saving_ppm"`
	SavingPerTFLOPS int64       `json:"saving_per_tflops_ppm"`
}

// PriceBoard is the price of a GPU-hour of every catalog model.
type PriceBoard struct {
	At       time.Time    `json:"at"`
	Currency iog.Currency `json:"currency"`
	IOPrice  iog.Rate     `json:"io_price"`
	Rows     []PriceRow   `json:"rows"`
}
