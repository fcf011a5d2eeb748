package scheduler

import "github.com/internetofgpus/iog"

// The index files every node that is up under its GPU model and, within the
// model, in a bucket by free capacity: how many GPUs are wholly free
// (capped at maxWholeBucket) and how large its largest partly free GPU is,
// in tenths of a GPU. A request only visits the buckets that can hold it,
// tightest first, so placing a single GPU on 100,000 devices does not scan
// them all.
const (
	maxWholeBucket = 16
	partialBuckets = 11
	numBuckets     = (maxWholeBucket + 1) * partialBuckets
)

// bucketOf returns the bucket a node's free GPUs put it in.
func bucketOf(free []uint16) int16 {
	whole, partial := 0, uint16(0)
	for _, f := range free {
		if f == uint16(iog.FullGPU) {
			whole++
		} else if f > partial {
			partial = f
		}
	}
	return int16(min(whole, maxWholeBucket)*partialBuckets + int((partial+99)/100))
}

// index is the pool of up nodes by model group and bucket.
type index struct {
	groups  []*modelGroup // in the order their first node was added
	byModel map[string]*modelGroup
	nextID  int
	bounded bool // the buckets keep trees of bounds (see ScoreBounder)
}

func newIndex() index { return index{byModel: map[string]*modelGroup{}} }

// group returns the group of a model name, creating it.
func (x *index) group(model string, gpus int) *modelGroup {
	key := ""
	var cat iog.GPUModel
	known := false
	if gpus > 0 {
		if m, ok := iog.LookupGPUModel(model); ok {
			cat, known, key = m, true, normalizeModel(m.Name)
		} else {
			key = normalizeModel(model)
		}
	}
	if g, ok := x.byModel[key]; ok {
		return g
	}
	g := &modelGroup{id: x.nextID, key: key, model: cat, known: known, matches: map[string]bool{}}
	x.nextID++
	x.groups = append(x.groups, g)
	x.byModel[key] = g
	return g
}

// regroup orders the groups by their first node among nodes (in the
// order they were added) and drops those left without nodes, as a pool
// built from these nodes alone would have them.
func (x *index) regroup(nodes []*NodeInfo) {
	seen := make(map[*modelGroup]bool, len(x.groups))
	groups := x.groups[:0:0]
	for _, n := range nodes {
		if !seen[n.group] {
			seen[n.group] = true
			groups = append(groups, n.group)
		}
	}
	for _, g := range x.groups {
		if !seen[g] {
			delete(x.byModel, g.key)
		}
	}
	x.groups = groups
}

// insert files n in its bucket.
func (x *index) insert(n *NodeInfo) {
	b := bucketOf(n.free)
	list := &n.group.buckets[b]
	n.bucket, n.pos = b, int32(len(*list))
	*list = append(*list, n)
	if x.bounded {
		n.group.trees[b].set(int(n.pos), boundsOf(n))
	}
}

// remove takes n out of its bucket.
func (x *index) remove(n *NodeInfo) {
	if n.bucket < 0 {
		return
	}
	list := &n.group.buckets[n.bucket]
	last := len(*list) - 1
	moved := (*list)[last]
	(*list)[n.pos] = moved
	moved.pos = n.pos
	*list = (*list)[:last]
	if x.bounded {
		bt := &n.group.trees[n.bucket]
		bt.set(int(moved.pos), boundsOf(moved))
		bt.clear(last)
	}
	n.bucket, n.pos = -1, 0
}

// update moves n to the bucket its free GPUs now call for.
func (x *index) update(n *NodeInfo) {
	if n.bucket < 0 {
		return
	}
	if b := bucketOf(n.free); b != n.bucket {
		x.remove(n)
		x.insert(n)
	} else if x.bounded {
		n.group.trees[b].set(int(n.pos), boundsOf(n))
	}
}

// bucketsFor calls visit with each non-empty bucket that may hold a
// single-node request of count GPUs of share, tightest first, until visit
// returns false.
func bucketsFor(g *modelGroup, count int, share uint16, visit func(b int) bool) bool {
	minWhole, minPartial := 0, 0
	switch {
	case count == 0:
	case share >= uint16(iog.FullGPU):
		minWhole = min(count, maxWholeBucket)
	default:
		minPartial = int((share + 99) / 100)
	}
	for w := minWhole; w <= maxWholeBucket; w++ {
		p0 := 0
		if w == 0 {
			p0 = minPartial
		}
		for p := p0; p < partialBuckets; p++ {
			if b := w*partialBuckets + p; len(g.buckets[b]) > 0 && !visit(b) {
				return false
			}
		}
	}
	return true
}
