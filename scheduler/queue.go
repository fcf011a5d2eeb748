package scheduler

import (
	"container/heap"
	"time"
)

// PriorityAging is the default QueueSort: higher priority first, and
// waiting counts as priority, one level per Step, so low priority is not
// starved. Because every job ages at the same rate the order never
// changes while jobs wait: a runs before b when Priority(a) − Priority(b)
// exceeds (Submitted(a) − Submitted(b)) / Step. Ties go to the job
// submitted first.
type PriorityAging struct {
	// Step is the wait worth one priority level; zero disables ageing.
	Step time.Duration
}

// Name returns "priority-aging".
func (PriorityAging) Name() string { return "priority-aging" }

// Less reports whether a runs before b.
func (p PriorityAging) Less(a, b *Job) bool {
	d := int64(a.Requirements.Priority) - int64(b.Requirements.Priority)
	if p.Step <= 0 {
		if d != 0 {
			return d > 0
		}
		return a.Submitted.Before(b.Submitted)
	}
	diff := a.Submitted.Sub(b.Submitted) // saturates far apart
	q := int64(diff / p.Step)
	if diff%p.Step < 0 {
		q-- // floor division
	}
	// a.P·Step − a.T > b.P·Step − b.T  ⟺  d > floor(diff/Step)
	return d > q
}

// jobQueue is a heap of waiting jobs in QueueSort order, ties by
// submission sequence.
type jobQueue struct {
	items []*jobEntry
	less  func(a, b *Job) bool
}

func (q *jobQueue) Len() int { return len(q.items) }
func (q *jobQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if q.less(&a.job, &b.job) {
		return true
	}
	if q.less(&b.job, &a.job) {
		return false
	}
	return a.seq < b.seq
}
func (q *jobQueue) Swap(i, j int) {
	q.items[i], q.items[j] = q.items[j], q.items[i]
	q.items[i].heapIdx, q.items[j].heapIdx = i, j
}
func (q *jobQueue) Push(x any) {
	e := x.(*jobEntry)
	e.heapIdx = len(q.items)
	q.items = append(q.items, e)
}
func (q *jobQueue) Pop() any {
	last := len(q.items) - 1
	e := q.items[last]
	q.items[last] = nil
	q.items = q.items[:last]
	e.heapIdx = -1
	return e
}

func (q *jobQueue) push(e *jobEntry) {
	e.state = queued
	heap.Push(q, e)
}

func (q *jobQueue) pop() *jobEntry { return heap.Pop(q).(*jobEntry) }

func (q *jobQueue) remove(e *jobEntry) {
	if e.heapIdx >= 0 && e.heapIdx < len(q.items) && q.items[e.heapIdx] == e {
		heap.Remove(q, e.heapIdx)
	}
}
