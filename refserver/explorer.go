package refserver

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// maxExplorerPage bounds a page of blocks, a block's devices and
// suppliers.
const maxExplorerPage = 500

// emissionCurve is the schedule's inflation table, year by year: computed
// once, the schedule being immutable.
var emissionCurve = mustCurve()

func mustCurve() []api.EmissionYear {
	years, err := tokenomics.InflationTable(emission, tokenomics.IONetEpochsPerYear)
	if err != nil {
		panic(err)
	}
	out := make([]api.EmissionYear, len(years))
	for i, y := range years {
		out[i] = api.EmissionYear{Year: y.Year, FirstEpoch: y.FirstEpoch, LastEpoch: y.LastEpoch, Emitted: y.Emitted, Supply: y.End, Inflation: y.SupplyPercent(4)}
	}
	return out
}

func (s *Server) explorerRoutes() []route {
	get := func(pattern string, h func(*call) (any, error), summary string) route {
		return route{method: "GET", pattern: pattern, access: public, handle: h, summary: summary}
	}
	return []route{
		get("/v1/explorer/supply", s.getSupply, "The $IO supply, emission and burns, and the emission curve"),
		get("/v1/explorer/blocks", s.listBlocks, "The latest hourly blocks, a page at a time"),
		get("/v1/explorer/transactions", s.listTransactions, "The latest entries of the network's ledger, each with its settlement on Solana, a page at a time"),
		get("/v1/explorer/blocks/{number}", s.getBlock, "One hourly block and a page of its devices' rewards"),
		get("/v1/explorer/devices", s.deviceStats, "Devices counted by model, region and state"),
		get("/v1/explorer/suppliers", s.listSuppliers, "Wallets with active devices, a page at a time"),
		get("/v1/explorer/prices", s.priceBoard, "The price of a GPU-hour of every catalog model"),
	}
}

// pageLimit reads the limit query parameter: 1 to maxExplorerPage,
// maxExplorerPage when absent.
func (c *call) pageLimit() (int, error) {
	v := c.r.URL.Query().Get("limit")
	if v == "" {
		return maxExplorerPage, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxExplorerPage {
		return 0, fmt.Errorf("limit %q: 1 to %d: %w", clip(v), maxExplorerPage, iog.ErrInvalid)
	}
	return n, nil
}

// getSupply answers the supply after the last settled epoch.
func (s *Server) getSupply(c *call) (any, error) {
	out := api.Supply{Max: emission.Supply(emission.Epochs()), Curve: emissionCurve}
	err := c.read(func(tx *store.Tx) error {
		last, ok, err := tx.LastEpoch()
		if err != nil {
			return err
		}
		if ok {
			out.Epoch = last.Number
		}
		if out.Burned, err = tx.BurnedByEpochs(); err != nil {
			return err
		}
		out.Circulating, err = tx.Ledger().Supply(c.r.Context(), iog.IO)
		return err
	})
	if err != nil {
		return nil, err
	}
	initial := emission.Supply(0)
	var err1, err2 error
	out.Emitted, err1 = emission.Supply(out.Epoch).Sub(initial)
	out.Total, err2 = emission.Supply(out.Epoch).Sub(out.Burned)
	if err := cmp.Or(err1, err2); err != nil {
		return nil, err
	}
	out.EpochEmission, out.NextEmission = emission.Emission(out.Epoch), emission.Emission(out.Epoch+1)
	return out, nil
}

func block(e store.Epoch) api.Block {
	return api.Block{
		Number: e.Number, Started: e.Started, Ended: e.Ended, Settled: e.Settled,
		Emission: e.Emission, Paid: e.Paid, Unpaid: e.Unpaid, Nominated: e.Nominated, Rewarded: e.Rewarded, Failed: e.Failed,
		RevenueIO: e.RevenueIO, RevenueUSDC: e.RevenueUSDC, IOPrice: e.Price, Burned: e.Burned,
	}
}

// listBlocks answers a page of settled epochs, the latest first, before
// the epoch numbered by the before parameter.
func (s *Server) listBlocks(c *call) (any, error) {
	limit, err := c.pageLimit()
	if err != nil {
		return nil, err
	}
	var before uint64
	if v := c.r.URL.Query().Get("before"); v != "" {
		if before, err = strconv.ParseUint(v, 10, 63); err != nil || before == 0 {
			return nil, fmt.Errorf("before %q: an epoch number: %w", clip(v), iog.ErrInvalid)
		}
	}
	var epochs []store.Epoch
	if err := c.read(func(tx *store.Tx) error {
		epochs, err = tx.Epochs(before, limit)
		return err
	}); err != nil {
		return nil, err
	}
	out := api.BlockList{Blocks: make([]api.Block, 0, len(epochs))}
	for _, e := range epochs {
		out.Blocks = append(out.Blocks, block(e))
	}
	if len(epochs) == limit && epochs[len(epochs)-1].Number > 1 {
		out.Next = epochs[len(epochs)-1].Number
	}
	return out, nil
}

// listTransactions answers a page of the ledger's entries, the latest
// first, before the seq the before parameter names; with a wallet
// parameter, those of the entries that moved the wallet's balances
// (listWalletTransactions). Seqs have no gaps, so the page of the whole
// ledger is the range of seqs below it.
func (s *Server) listTransactions(c *call) (any, error) {
	limit, err := c.pageLimit()
	if err != nil {
		return nil, err
	}
	var before uint64
	if v := c.r.URL.Query().Get("before"); v != "" {
		if before, err = strconv.ParseUint(v, 10, 63); err != nil || before == 0 {
			return nil, fmt.Errorf("before %q: an entry's seq: %w", clip(v), iog.ErrInvalid)
		}
	}
	if v := c.r.URL.Query().Get("wallet"); v != "" {
		w, err := iog.ParseWalletAddress(v)
		if err != nil {
			return nil, err
		}
		return s.listWalletTransactions(c, w, before, limit)
	}
	l := s.store.Ledger()
	last, err := l.Len(c.r.Context())
	if err != nil {
		return nil, err
	}
	if before == 0 || before > last+1 {
		before = last + 1
	}
	after := before - 1 - min(before-1, uint64(limit))
	var entries []ledger.Entry
	if before-1 > after {
		if entries, err = l.EntriesAfter(c.r.Context(), after, int(before-1-after)); err != nil {
			return nil, err
		}
	}
	slices.Reverse(entries)
	out, err := s.transactions(c, entries)
	if err == nil && after > 0 {
		out.Next = after + 1
	}
	return out, err
}

// listWalletTransactions answers a page of the entries that moved a
// wallet's balances (ledger.SQL.EntriesOfBefore, by the ledger's index of
// them), the latest first, before the seq before (0 from the last): every
// entry from or to the wallet but its account's open, which moves
// nothing.
func (s *Server) listWalletTransactions(c *call, w iog.WalletAddress, before uint64, limit int) (api.TransactionList, error) {
	list, err := s.store.Ledger().EntriesOfBefore(c.r.Context(), w, before, limit)
	if err != nil {
		return api.TransactionList{}, err
	}
	entries := make([]ledger.Entry, len(list))
	for i, e := range list {
		entries[i] = e.Entry
	}
	out, err := s.transactions(c, entries)
	if err == nil && len(entries) == limit {
		out.Next = entries[len(entries)-1].Seq
	}
	return out, err
}

// transactions shows entries, in their order, with their settlements.
func (s *Server) transactions(c *call, entries []ledger.Entry) (api.TransactionList, error) {
	settled, err := s.settlementsOf(c, len(entries), func(i int) uint64 { return entries[i].Seq })
	if err != nil {
		return api.TransactionList{}, err
	}
	out := api.TransactionList{Transactions: make([]api.Transaction, 0, len(entries))}
	for _, e := range entries {
		out.Transactions = append(out.Transactions, api.Transaction{Seq: e.Seq, Time: e.Time.UTC(), Kind: e.Op.Kind.String(), Reason: e.Op.Reason,
			From: e.Op.From, To: e.Op.To, Amount: e.Op.Amount, Settlement: settled[e.Seq]})
	}
	return out, nil
}

// getBlock answers one settled epoch and a page of its devices.
func (s *Server) getBlock(c *call) (any, error) {
	n, err := strconv.ParseUint(c.param("number"), 10, 63)
	if err != nil || n == 0 {
		return nil, fmt.Errorf("block %q: an epoch number: %w", clip(c.param("number")), iog.ErrInvalid)
	}
	limit, err := c.pageLimit()
	if err != nil {
		return nil, err
	}
	var e store.Epoch
	var devices []store.EpochDevice
	if err := c.read(func(tx *store.Tx) error {
		if e, err = tx.Epoch(n); err != nil {
			return err
		}
		devices, err = tx.EpochDevices(n, iog.DeviceID(c.r.URL.Query().Get("after")), limit)
		return err
	}); err != nil {
		return nil, err
	}
	out := api.BlockDetail{Block: block(e), Devices: make([]api.BlockDevice, 0, len(devices))}
	for _, d := range devices {
		out.Devices = append(out.Devices, api.BlockDevice{Device: d.Device, Owner: d.Owner, Rewarded: d.Rewarded, Pool: d.Pool, Weight: d.Weight, Reward: d.Reward, Reason: d.Reason})
	}
	if len(devices) == limit {
		out.Next = devices[len(devices)-1].Device
	}
	return out, nil
}

// deviceStats answers the devices counted by model, region and state.
func (s *Server) deviceStats(c *call) (any, error) {
	var counts []store.DeviceCount
	if err := c.read(func(tx *store.Tx) error {
		var err error
		counts, err = tx.DeviceCounts()
		return err
	}); err != nil {
		return nil, err
	}
	out := api.DeviceStats{}
	byModel, byRegion, byState := map[string]*api.Count{}, map[string]*api.Count{}, map[string]*api.Count{}
	add := func(m map[string]*api.Count, name string, n store.DeviceCount) {
		if m[name] == nil {
			m[name] = &api.Count{Name: name}
		}
		m[name].Devices += n.Devices
		m[name].GPUs += n.GPUs
	}
	for _, n := range counts {
		out.Devices += n.Devices
		out.GPUs += n.GPUs
		if n.Up {
			out.Up += n.Devices
		}
		model := n.Model
		if model == "" {
			model = "unknown"
		}
		region := n.Location.Country
		if region == "" {
			region = "unknown"
		}
		add(byModel, model, n)
		add(byRegion, region, n)
		add(byState, n.State, n)
	}
	sorted := func(m map[string]*api.Count) []api.Count {
		list := make([]api.Count, 0, len(m))
		for _, c := range m {
			list = append(list, *c)
		}
		slices.SortFunc(list, func(a, b api.Count) int { return cmp.Compare(a.Name, b.Name) })
		return list
	}
	out.ByModel, out.ByRegion, out.ByState = sorted(byModel), sorted(byRegion), sorted(byState)
	return out, nil
}

// listSuppliers answers a page of wallets with active devices, after the
// wallet of the after parameter.
func (s *Server) listSuppliers(c *call) (any, error) {
	limit, err := c.pageLimit()
	if err != nil {
		return nil, err
	}
	var after iog.WalletAddress
	if v := c.r.URL.Query().Get("after"); v != "" {
		if after, err = iog.ParseWalletAddress(v); err != nil {
			return nil, err
		}
	}
	out := api.SupplierList{Suppliers: []api.Supplier{}}
	var list []store.Supplier
	if err := c.read(func(tx *store.Tx) error {
		if out.Total, err = tx.SupplierCount(); err != nil {
			return err
		}
		list, err = tx.Suppliers(after, limit)
		return err
	}); err != nil {
		return nil, err
	}
	for _, sp := range list {
		out.Suppliers = append(out.Suppliers, api.Supplier{Wallet: sp.Wallet, Devices: sp.Devices, GPUs: sp.GPUs})
	}
	if len(list) == limit {
		out.Next = list[len(list)-1].Wallet
	}
	return out, nil
}

// priceBoard answers pricing's board for every model of the catalog,
// anywhere, in IO, by Config.Prices: the prices a deploy is quoted.
func (s *Server) priceBoard(c *call) (any, error) {
	var models []string
	for _, g := range iog.GPUModels() {
		models = append(models, g.Name)
	}
	b, err := pricing.BuildBoard(s.cfg.Prices, c.now, models, []iog.Location{{}}, iog.IO, pricing.Request{})
	if err != nil {
		return nil, err
	}
	out := api.PriceBoard{At: b.At, Currency: iog.IO, IOPrice: s.cfg.IOPrice, Rows: make([]api.PriceRow, 0, len(b.Rows))}
	for _, r := range b.Rows {
		row := api.PriceRow{Model: r.Model, Region: r.Region.String(), HourlyUSD: r.HourlyUSD, Hourly: r.Hourly, Saving: int64(r.Saving), SavingPerTFLOPS: int64(r.SavingPerTFLOPS)}
		if r.Reference.Provider != "" {
			ref := r.Reference.HourlyPerGPU
			row.Reference, row.ReferenceHourly = r.Reference.Provider, &ref
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}
