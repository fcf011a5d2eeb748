package scheduler

import "github.com/internetofgpus/iog"

// PriceFunc returns what an hour of gpuMilli thousandths of a GPU (with
// the host share that goes with them) costs on a node; an error makes the
// node unusable for the job. QuotedPrice makes one of a
// pricing.PriceModel.
type PriceFunc func(n *NodeInfo, gpuMilli uint64) (iog.Amount, error)

// budgeted reports whether the framework must check job's budget.
func (f *Framework) budgeted(job *Job) bool {
	return f.cfg.Price != nil && job.Requirements.BudgetPerHour != (iog.Amount{})
}

// withinBudget reports whether n may take job under its budget (see
// Config.Price): for a single-node job, the price of the whole request on
// n; for a gang, n's price of one GPU times the gang's GPUs, so that any
// mix of such nodes keeps within budget when prices are linear (the
// plan's exact total is checked by planWithinBudget).
func (f *Framework) withinBudget(job *Job, n *NodeInfo) bool {
	if !f.budgeted(job) {
		return true
	}
	r := &job.Requirements
	if !job.Gang {
		p, err := f.cfg.Price(n, r.GPUMilli())
		return err == nil && notAbove(p, r.BudgetPerHour)
	}
	p, err := f.cfg.Price(n, uint64(iog.FullGPU))
	if err != nil {
		return false
	}
	p, err = p.Mul(int64(r.GPUCount))
	return err == nil && notAbove(p, r.BudgetPerHour)
}

// planWithinBudget reports whether the assignments of a plan for job,
// together with those it already holds on kept (a gang member's
// re-placement), cost no more than the job's budget.
func (f *Framework) planWithinBudget(job *Job, nodes []*NodeInfo, as []Assignment) bool {
	if !f.budgeted(job) {
		return true
	}
	total := iog.Zero(job.Requirements.BudgetPerHour.Currency())
	for i, n := range nodes {
		p, err := f.cfg.Price(n, uint64(len(as[i].GPUs))*uint64(as[i].Share))
		if err != nil {
			return false
		}
		if total, err = total.Add(p); err != nil {
			return false
		}
	}
	return notAbove(total, job.Requirements.BudgetPerHour)
}

// notAbove reports whether a is at most b, in the same currency.
func notAbove(a, b iog.Amount) bool {
	c, err := a.Cmp(b)
	return err == nil && c <= 0
}

// CostAware places work on the cheapest node within the job's budget per
// hour. As a filter it rejects nodes whose price for the whole request is
// over budget (or in another currency); as a score it prefers the lowest
// price.
type CostAware struct {
	// Price prices a node for a job; required.
	Price PriceFunc
}

// Name returns "cost-aware".
func (*CostAware) Name() string { return "cost-aware" }

// price prices the whole request on n.
func (c *CostAware) price(job *Job, n *NodeInfo) (iog.Amount, bool) {
	milli := job.Requirements.GPUMilli()
	a, err := c.Price(n, milli)
	return a, err == nil
}

// Filter rejects nodes that cannot be priced or are over budget.
func (c *CostAware) Filter(_ *CycleState, job *Job, n *NodeInfo) bool {
	a, ok := c.price(job, n)
	if !ok {
		return false
	}
	budget := job.Requirements.BudgetPerHour
	return budget == (iog.Amount{}) || notAbove(a, budget)
}

// FilterReason says why Filter rejected n.
func (c *CostAware) FilterReason(_ *CycleState, job *Job, n *NodeInfo) string {
	if _, ok := c.price(job, n); !ok {
		return "cannot be priced"
	}
	return "are over its budget"
}

// Score is minus the price in base units (the currency's smallest unit):
// a ranking, not money.
func (c *CostAware) Score(_ *CycleState, job *Job, o Option) float64 {
	a, ok := c.price(job, o.Node)
	if !ok {
		return -1e300
	}
	return -float64(a.Units()) + tieGPU(o)
}
