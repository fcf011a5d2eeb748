// Package parallel runs the items of a batch on every core: the decoding
// and encoding a server does for each row of a large batch (an epoch's
// 100,000 devices), which the single goroutine of its transaction would
// otherwise do one by one.
package parallel

import (
	"runtime"
	"sync"
)

// MinPerWorker is the fewest items each goroutine of Do takes: below it
// a goroutine costs more than it saves.
const MinPerWorker = 64

// Do calls do(i) for every i below n, split in contiguous stripes among
// as many goroutines as the process may run at once (one, for a small
// n), and returns the error of the lowest i that failed, so that the
// answer does not depend on the schedule. A stripe stops at its first
// error.
func Do(n int, do func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n/MinPerWorker)
	if workers <= 1 {
		for i := range n {
			if err := do(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w * n / workers; i < (w+1)*n/workers; i++ {
				if errs[w] = do(i); errs[w] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
