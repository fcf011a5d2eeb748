package scheduler

import "github.com/internetofgpus/iog"

// PriceFunc returns what an hour of gpuMilli thousandths of a GPU (with
// the host share that goes with them) costs on a node. A
// pricing.PriceModel adapts to it in a few lines; an error makes the node
// unusable for the job.
type PriceFunc func(n *NodeInfo, gpuMilli uint64) (iog.Amount, error)

// CostAware places work on the cheapest node within the job's budget per
// hour. As a filter it rejects nodes whose price for the whole request is
// over budget (or in another currency); as a score it prefers the lowest
// price.
type CostAware struct {
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
	if budget == (iog.Amount{}) {
		return true
	}
	cmp, err := a.Cmp(budget)
	return err == nil && cmp <= 0
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
