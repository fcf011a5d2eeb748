package tokenomics_test

import (
	"context"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// The io.net emission: the first hourly epochs to the cent, the supply
// after them, and the cap reached after the last.
func ExampleEmissionSchedule() {
	s := tokenomics.IONet()
	for e := uint64(1); e <= 3; e++ {
		fmt.Printf("epoch %d: %s IO\n", e, s.Emission(e).RoundedDecimal(2, iog.RoundHalfUp))
	}
	fmt.Println("supply after epoch 3:", s.Supply(3))
	fmt.Println("epochs:", s.Epochs(), "of", s.EpochLength())
	fmt.Println("final supply:", s.Supply(s.Epochs()))
	// Output:
	// epoch 1: 4566.21 IO
	// epoch 2: 4566.15 IO
	// epoch 3: 4566.08 IO
	// supply after epoch 3: 500013698.4399053 IO
	// epochs: 175320 of 1h0m0s
	// final supply: 800000000 IO
}

// The yearly inflation of the io.net emission on the basis of io.net's
// documentation (each year's first and last hour annualised over the
// genesis supply, from 8%), with the supply-based rate beside it (the
// year's emission over the supply it starts from), and below it the
// published figures the preset departs from, by how much.
func ExampleInflationTable() {
	s := tokenomics.IONet()
	table, err := tokenomics.InflationTable(s, tokenomics.IONetEpochsPerYear)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("year  emitted IO  starts   ends     of the supply")
	for _, y := range table {
		fmt.Printf("%4d  %10s  %-7s  %-7s  %s\n", y.Year, y.Emitted.RoundedDecimal(0, iog.RoundHalfUp),
			tokenomics.Percent(y.StartRate, 2), tokenomics.Percent(y.EndRate, 2), y.SupplyPercent(2))
	}
	checks, err := tokenomics.CompareEmission(s, tokenomics.IONetPublished())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range checks {
		if c.Holds {
			fmt.Printf("reproduced: %s, %s (%s)\n", c.Figure, c.Published, c.Source)
		}
	}
	for _, c := range checks {
		if !c.Holds {
			fmt.Printf("departs: %s, %s, not %s (%s): %s\n", c.Figure, c.Schedule, c.Published, c.Source, c.Departure)
		}
	}
	// Output:
	// year  emitted IO  starts   ends     of the supply
	//    1    37687235  8.00%    7.08%    7.54%
	//    2    33367666  7.08%    6.27%    6.21%
	//    3    29543191  6.27%    5.55%    5.17%
	//    4    26157062  5.55%    4.92%    4.36%
	//    5    23159038  4.92%    4.35%    3.70%
	//    6    20504637  4.35%    3.85%    3.15%
	//    7    18154473  3.85%    3.41%    2.71%
	//    8    16073675  3.41%    3.02%    2.33%
	//    9    14231372  3.02%    2.67%    2.02%
	//   10    12600225  2.67%    2.37%    1.75%
	//   11    11156035  2.37%    2.10%    1.53%
	//   12     9877373  2.10%    1.86%    1.33%
	//   13     8745265  1.86%    1.64%    1.16%
	//   14     7742916  1.64%    1.46%    1.02%
	//   15     6855452  1.46%    1.29%    0.89%
	//   16     6069706  1.29%    1.14%    0.78%
	//   17     5374019  1.14%    1.01%    0.69%
	//   18     4758070  1.01%    0.89%    0.60%
	//   19     4212718  0.89%    0.79%    0.53%
	//   20     3729872  0.79%    0.70%    0.47%
	// reproduced: genesis supply, 500000000 IO (io.net's documentation)
	// reproduced: total emitted, 300000000 IO (io.net's documentation)
	// reproduced: supply cap, 800000000 IO (io.net's documentation)
	// reproduced: annualised rate of the first epoch, 8% (io.net's documentation)
	// reproduced: yearly fall uncompounded, one epoch's fall × 8,760, 12.165% (the 2024 launch articles)
	// departs: monthly fall per 730 h, 1.0086%, not 1.015% (io.net's documentation): 0.0064 percentage points less
	// departs: yearly fall per 8,760 h, 11.4542%, not 12.165% (the 2024 launch articles): 0.7108 percentage points less
	// departs: annualised rate of the last epoch, 0.7010%, not 0.68% (the 2024 launch articles): 0.0210 percentage points more
	// departs: emitting epochs, 175,320, not 175,319 (the 2024 launch articles): 1 more
}

// A supplier stakes what eight H100s need, unstakes part of it, and waits
// out the 14-day cooldown on a manual clock.
func ExampleStaker() {
	clock := iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var staker tokenomics.Staker = tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
	owner := iog.WalletAddress{1}

	need, _ := tokenomics.RequiredStake(tokenomics.DefaultMultipliers(), "H100-SXM", 8)
	fmt.Println("required:", need)
	_ = staker.Register("h100-box", owner, need)
	_ = staker.Stake("h100-box", owner, need)
	c, _ := staker.Unstake("h100-box", owner, iog.MustParseAmount("1000 IO"))
	d, _ := staker.Device("h100-box")
	fmt.Println("active:", d.Active, "cooling:", d.Cooling, "meets:", d.Meets())
	fmt.Println("withdrawable from:", c.Ready.Format(time.DateOnly))

	clock.AdvanceTo(c.Ready)
	got, _ := staker.Withdraw(owner)
	fmt.Println("withdrawn:", got)
	// Output:
	// required: 16000 IO
	// active: 15000 IO cooling: 1000 IO meets: false
	// withdrawable from: 2026-01-15
	// withdrawn: 1000 IO
}

// A slash is proposed with evidence, appealed within the month, and
// returned.
func ExampleSlasher() {
	clock := iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	book := tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
	var slasher tokenomics.Slasher = book
	owner, coStaker := iog.WalletAddress{1}, iog.WalletAddress{2}
	_ = book.Register("rig", owner, iog.MustParseAmount("800 IO"))
	_ = book.Stake("rig", owner, iog.MustParseAmount("600 IO"))
	_ = book.Stake("rig", coStaker, iog.MustParseAmount("200 IO"))

	s, _ := slasher.ProposeSlash("rig", iog.MustParseAmount("400 IO"), tokenomics.SpoofedHardware, "benchmark 40% below the claimed model")
	fmt.Println(s.State, "until", s.Deadline.Format(time.DateOnly), "taking", s.Shares[0].Amount, "and", s.Shares[1].Amount)
	clock.Advance(10 * 24 * time.Hour)
	s, _ = slasher.Appeal(s.ID, owner, "the GPU was throttled by a failing fan; logs attached")
	fmt.Println(s.State)
	s, _ = slasher.ResolveSlash(s.ID, false)
	d, _ := book.Device("rig")
	fmt.Println(s.State, "active again:", d.Active)
	// Output:
	// pending until 2026-01-31 taking 300 IO and 100 IO
	// appealed
	// returned active again: 800 IO
}

// Fee revenue buys back IO at the oracle's price and burns it; a holder
// burns IO for $IOSD credits at the same price.
func ExamplePriceOracle() {
	ctx := context.Background()
	clock := iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	usdPerIO, _ := iog.ParseRate("1.85")
	var oracle tokenomics.PriceOracle = tokenomics.FixedPrice{USDPerIO: usdPerIO, Clock: clock}

	l := ledger.NewMemory(ledger.MemoryConfig{Clock: clock})
	treasury, market, holder := iog.WalletAddress{1}, iog.WalletAddress{2}, iog.WalletAddress{3}
	for i, op := range []ledger.Op{
		{Kind: ledger.Open, Key: "open-treasury", Reason: "setup", To: treasury},
		{Kind: ledger.Open, Key: "open-market", Reason: "setup", To: market},
		{Kind: ledger.Open, Key: "open-holder", Reason: "setup", To: holder},
		{Kind: ledger.Mint, Key: "fees", Reason: "a day of USDC fees", To: treasury, Amount: iog.MustParseAmount("370 USDC")},
		{Kind: ledger.Mint, Key: "liquidity", Reason: "market liquidity", To: market, Amount: iog.MustParseAmount("100000 IO")},
		{Kind: ledger.Mint, Key: "reward", Reason: "block reward", To: holder, Amount: iog.MustParseAmount("10 IO")},
	} {
		if _, err := l.Apply(ctx, op); err != nil {
			fmt.Println(i, err)
			return
		}
	}
	t := &tokenomics.Treasury{Ledger: l, Oracle: oracle, Clock: clock, Account: treasury, Market: market}
	q, _ := t.Quote(ctx)
	b, _ := t.BuybackAndBurn(ctx, iog.MustParseAmount("370 USDC"), q, "day-1:buyback")
	fmt.Println("burned:", b.Burned)
	m, _ := t.MintIOSD(ctx, holder, iog.MustParseAmount("10 IO"), q, "holder:iosd-1")
	fmt.Println("minted:", m.Minted)
	s, _ := l.Supply(ctx, iog.IO)
	fmt.Println("IO supply:", s)
	// Output:
	// burned: 200 IO
	// minted: 18.5 IOSD
	// IO supply: 99800 IO
}
