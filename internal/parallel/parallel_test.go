package parallel_test

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/internal/parallel"
)

// Do calls every item once, and returns the error of the lowest that
// failed, however the items are split.
func TestDo(t *testing.T) {
	for _, n := range []int{0, 1, parallel.MinPerWorker - 1, 10 * parallel.MinPerWorker, 100_003} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			calls := make([]atomic.Int32, n)
			require.NoError(t, parallel.Do(n, func(i int) error {
				calls[i].Add(1)
				return nil
			}))
			for i := range calls {
				require.Equal(t, int32(1), calls[i].Load(), "item %d", i)
			}
			if n == 0 {
				return
			}
			for _, failing := range [][]int{{n - 1}, {0, n - 1}, {n / 2, n - 1}} {
				err := parallel.Do(n, func(i int) error {
					for _, f := range failing {
						if i == f {
							return errors.New(fmt.Sprint(i))
						}
					}
					return nil
				})
				require.EqualError(t, err, fmt.Sprint(failing[0]), "items %v fail", failing)
			}
		})
	}
}
