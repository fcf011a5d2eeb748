package scheduler

import (
	"encoding/binary"
	"slices"
)

// stateMemo remembers a fragmentation by node state: a tag and a model
// name (what else the value depends on), free CPU and memory, and the
// free GPU shares in ascending order, since the fragmentation measures
// depend on the shares only through integer sums and counts. Nodes alike,
// the many idle nodes of a model first, share one computation.
type stateMemo struct {
	memo   map[string]float64
	key    []byte
	sorted []uint16
}

// fragMemoLimit bounds the states remembered.
const fragMemoLimit = 1 << 16

// find returns the value remembered for the state, and whether there is
// one; keep, called next, remembers the value of that state.
func (m *stateMemo) find(tag uint64, model string, cpu, mem uint64, free []uint16) (float64, bool) {
	m.sorted = append(m.sorted[:0], free...)
	slices.Sort(m.sorted)
	k := binary.AppendUvarint(m.key[:0], tag)
	k = binary.AppendUvarint(k, uint64(len(model)))
	k = append(k, model...)
	k = binary.AppendUvarint(k, cpu)
	k = binary.AppendUvarint(k, mem)
	for _, f := range m.sorted {
		k = binary.BigEndian.AppendUint16(k, f)
	}
	m.key = k
	v, ok := m.memo[string(k)]
	return v, ok
}

// keep remembers v for the state last looked up.
func (m *stateMemo) keep(v float64) {
	if m.memo == nil || len(m.memo) >= fragMemoLimit {
		m.memo = make(map[string]float64)
	}
	m.memo[string(m.key)] = v
}

// reset forgets every state.
func (m *stateMemo) reset() { clear(m.memo) }
