package pricing

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// Config configures a Model. Every zero field means the network's
// default.
type Config struct {
	// Factors are applied in order to build the hourly price per GPU; the
	// first sets it from the hardware. Nil means DefaultFactors().
	Factors []Factor
	// Fees divides each total among renter, supplier and network. Nil
	// means DefaultFees().
	Fees *FeeSchedule
	// References gives the cloud price a quote shows and its saving
	// against it. Nil means DefaultReferences(). (A Ceiling factor holds
	// its own table; pass the same one to both.)
	References *ReferenceTable
}

// DefaultFactors returns the factors of the network's default model, in
// the order they apply: Hardware, Connectivity, Regional, Demand,
// PeakHours, CommitmentDiscount, Ceiling and SupplierFloor, each with its
// Default values.
func DefaultFactors() []Factor {
	return []Factor{
		DefaultHardware(), DefaultConnectivity(), DefaultRegional(), DefaultDemand(),
		DefaultPeakHours(), DefaultCommitment(), DefaultCeiling(), DefaultFloor(),
	}
}

// Model is the default PriceModel: a chain of Factors over a market
// state. The market state is replaced as a whole with SetMarket while
// quotes go on; each quote reads one snapshot. A Model is safe for
// concurrent use.
type Model struct {
	factors []Factor
	fees    FeeSchedule
	refs    *ReferenceTable
	market  atomic.Pointer[MarketState]

	byName  map[string][]iog.GPUModel       // canonical names and families
	byClass map[iog.GPUClass][]iog.GPUModel // AnyGPUClass holds every model
}

var _ PriceModel = (*Model)(nil)

// NewModel returns a Model with cfg and no market state: it quotes once
// SetMarket has given it one.
func NewModel(cfg Config) (*Model, error) {
	// The list is copied: a caller may reuse cfg to build a variant, and
	// a model's factors must not change under its quotes.
	m := &Model{factors: slices.Clone(cfg.Factors), fees: DefaultFees(), refs: cfg.References, byName: map[string][]iog.GPUModel{}, byClass: map[iog.GPUClass][]iog.GPUModel{}}
	if m.factors == nil {
		m.factors = DefaultFactors()
	}
	if len(m.factors) == 0 {
		return nil, fmt.Errorf("pricing model: no factors: %w", iog.ErrInvalid)
	}
	for i, f := range m.factors {
		if f == nil {
			return nil, fmt.Errorf("pricing model: factor %d is nil: %w", i+1, iog.ErrInvalid)
		}
	}
	if cfg.Fees != nil {
		m.fees = *cfg.Fees
	}
	if !m.fees.Rounding.Valid() && m.fees.Rounding != 0 {
		return nil, fmt.Errorf("pricing model: fee rounding %v: %w", m.fees.Rounding, iog.ErrInvalid)
	}
	if m.refs == nil {
		m.refs = DefaultReferences()
	}
	for _, g := range iog.GPUModels() {
		m.byName[g.Name] = []iog.GPUModel{g}
		if g.Family != g.Name {
			m.byName[g.Family] = append(m.byName[g.Family], g)
		}
		m.byClass[g.Class] = append(m.byClass[g.Class], g)
		m.byClass[iog.AnyGPUClass] = append(m.byClass[iog.AnyGPUClass], g)
	}
	return m, nil
}

// SetMarket replaces the market state quotes are made with. s is checked
// (MarketState.Validate) and copied; an invalid s changes nothing.
func (m *Model) SetMarket(s MarketState) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.Utilization = maps.Clone(s.Utilization)
	m.market.Store(&s)
	return nil
}

// Market returns the current market state, or nil before SetMarket. It
// must not be changed.
func (m *Model) Market() *MarketState { return m.market.Load() }

// Quote prices req at the moment at (see PriceModel).
func (m *Model) Quote(req Request, at time.Time) (Quote, error) {
	q := Quote{Factors: make([]Adjustment, 0, len(m.factors))}
	if err := m.QuoteInto(&q, req, at); err != nil {
		return Quote{}, err
	}
	return q, nil
}

// QuoteInto is Quote writing into q and reusing the storage of
// q.Factors, so that a caller quoting in a loop allocates nothing. On
// error q's contents are unspecified.
func (m *Model) QuoteInto(q *Quote, req Request, at time.Time) error {
	if err := req.Validate(); err != nil {
		return err
	}
	market := m.market.Load()
	if market == nil {
		return fmt.Errorf("quote: no market state yet: %w", iog.ErrUnavailable)
	}
	models, err := m.candidates(&req)
	if err != nil {
		return err
	}
	// The factors take the request and input by pointer through an
	// interface, which would move them to the heap on every quote; they
	// live in pooled scratch space instead.
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	sc.req = req
	sc.in = Input{Request: &sc.req, Market: market, At: at, Class: req.GPUClass, Score: req.Score}
	in := &sc.in
	locations := req.Locations
	if len(locations) == 0 {
		locations = anywhere[:]
	}
	// Find the cheapest model and location, then price it again keeping
	// the explanation; a single candidate is priced once.
	best, bestModel, bestLoc := iog.Amount{}, 0, 0
	if n := max(len(models), 1); n*len(locations) > 1 {
		for i := range n {
			for j := range locations {
				m.use(in, models, i, locations[j])
				p, err := m.run(in, nil)
				if err != nil {
					return err
				}
				if (i == 0 && j == 0) || p.Units() < best.Units() {
					best, bestModel, bestLoc = p, i, j
				}
			}
		}
	}
	m.use(in, models, bestModel, locations[bestLoc])
	q.Factors = q.Factors[:0]
	hourly, err := m.run(in, &q.Factors)
	if err != nil {
		return err
	}
	return m.finish(q, in, hourly, market)
}

// scratch is the working space of one quote.
type scratch struct {
	req Request
	in  Input
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// release clears sc, so that the pool holds no request or market, and
// returns it to the pool.
func (sc *scratch) release() {
	*sc = scratch{}
	scratchPool.Put(sc)
}

// anywhere is the location of a request that names none.
var anywhere = [1]iog.Location{{}}

// use points in at candidate i of models (or the scored GPU when there
// are none) and at location l.
func (m *Model) use(in *Input, models []iog.GPUModel, i int, l iog.Location) {
	in.Location = l
	if len(models) == 0 {
		in.Model = iog.GPUModel{}
		return
	}
	in.Model = models[i]
	in.Class = in.Model.Class
	in.Score = ScoreOf(in.Model)
}

// run applies the factors to in and returns the hourly price, appending
// each adjustment to explain when it is not nil.
func (m *Model) run(in *Input, explain *[]Adjustment) (iog.Amount, error) {
	hourly := iog.Zero(iog.USD)
	for _, f := range m.factors {
		adj, err := f.Apply(in, hourly)
		if err != nil {
			return iog.Amount{}, fmt.Errorf("quote: %w", err)
		}
		if adj.After.Currency() != iog.USD || adj.After.Sign() < 0 {
			return iog.Amount{}, fmt.Errorf("quote: %s factor gave %v, not a non-negative USD price: %w", adj.Factor, adj.After, iog.ErrInvalid)
		}
		hourly = adj.After
		if explain != nil {
			*explain = append(*explain, adj)
		}
	}
	return hourly, nil
}

// candidates returns the catalog models req may be quoted at, or nil for a
// GPU priced from its score.
func (m *Model) candidates(req *Request) ([]iog.GPUModel, error) {
	if req.GPUModel == "" {
		if req.Score.IsZero() {
			return m.byClass[req.GPUClass], nil
		}
		return nil, nil
	}
	models, ok := m.byName[req.GPUModel]
	if !ok {
		if g, found := iog.LookupGPUModel(req.GPUModel); found {
			models, ok = m.byName[g.Name]
		}
	}
	if !ok {
		for _, g := range m.byClass[iog.AnyGPUClass] {
			if g.MatchesGPUModel(req.GPUModel) {
				models, ok = append(models, g), true
			}
		}
	}
	if !ok {
		return nil, invalidf("GPU model %q is not in the catalog; give its benchmark score instead", errtext.Clip(req.GPUModel))
	}
	if req.GPUClass != iog.AnyGPUClass && models[0].Class != req.GPUClass {
		return nil, invalidf("GPU model %q is a %v GPU, not %v", errtext.Clip(req.GPUModel), models[0].Class, req.GPUClass)
	}
	return models, nil
}

// one is the rate 1, for 1:1 conversions.
var one = iog.BasisPoints(10_000)

// finish fills q from the hourly price: totals, payment, fees, reference.
func (m *Model) finish(q *Quote, in *Input, hourly iog.Amount, market *MarketState) error {
	req := in.Request
	total, err := hourly.Mul(int64(req.GPUCount))
	if err == nil {
		total, err = total.Mul(int64(req.Hours))
	}
	var paid iog.Amount
	if err == nil {
		paid, err = ToPayment(total, req.Currency, market.IOPriceUSD)
	}
	if err == nil {
		q.Fees, err = m.fees.Apply(paid, req.PayoutCurrency())
	}
	if err != nil {
		return fmt.Errorf("quote of %d GPUs for %d hours: %w", req.GPUCount, req.Hours, err)
	}
	q.Model, q.Class, q.GPUCount, q.Hours = in.Model.Name, in.Class, req.GPUCount, req.Hours
	q.Location, q.At = in.Location, in.At
	q.HourlyPerGPU, q.Total = hourly, total
	q.Currency, q.IOPriceUSD = req.Currency, market.IOPriceUSD
	q.Reference, q.Saving = Reference{}, 0
	// A GPU priced from its score has no name, and so no reference.
	if ref, ok := m.refs.Cheapest(in.Model.Name); ok {
		change, err := ChangeOf(ref.HourlyPerGPU, hourly)
		if err != nil {
			return fmt.Errorf("quote: saving against %s: %w", ref.Provider, err)
		}
		q.Reference, q.Saving = ref, -change
	}
	q.PerTFLOPSReference, q.SavingPerTFLOPS = Reference{}, 0
	if ref, refGFLOPS, ok := m.refs.CheapestPerTFLOPS(); ok {
		saving, err := SavingPerTFLOPS(hourly, in.Score.FP16GFLOPS, ref.HourlyPerGPU, refGFLOPS)
		if err != nil {
			return fmt.Errorf("quote: saving per TFLOPS against %s: %w", ref.Provider, err)
		}
		q.PerTFLOPSReference, q.SavingPerTFLOPS = ref, saving
	}
	return nil
}

// ToPayment converts a USD amount into a payment currency: into IO at
// ioPriceUSD (USD per IO), into USDC and IOSD one for one. Results are
// rounded half-even to the currency's base unit.
func ToPayment(usd iog.Amount, c iog.Currency, ioPriceUSD iog.Rate) (iog.Amount, error) {
	if usd.Currency() != iog.USD {
		return iog.Amount{}, fmt.Errorf("convert %v: want an amount of USD: %w", usd, iog.ErrInvalid)
	}
	if err := CheckPayment(c); err != nil {
		return iog.Amount{}, err
	}
	if c != iog.IO {
		return usd.Convert(c, one, iog.RoundHalfEven)
	}
	perUSD, err := iog.NewRate(ioPriceUSD.Den(), ioPriceUSD.Num())
	if err != nil {
		return iog.Amount{}, fmt.Errorf("convert %v to IO: IO price is zero: %w", usd, iog.ErrInvalid)
	}
	return usd.Convert(iog.IO, perUSD, iog.RoundHalfEven)
}
