package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	tests := []struct {
		upheld bool
		want   []string
	}{
		{false, []string{
			"must stake 800 IO",
			"epoch 4: 4566.02 IO emitted, rig earns nothing: uptime 4 h of the 5 h needed",
			// The only consumer card: the whole Community pool, 5%.
			"epoch 5: rig earns 228.29782038 IO: supplier 171.22336529 IO, co-staker 57.07445509 IO",
			"400 IO held, supplier 300 IO, co-staker 100 IO; appeal until 2026-02-01",
			"slash returned; stake now 800 IO, eligible = true",
			"2026-01-17 08:00  co-staker unstakes 200 IO: withdrawable from 2026-02-07",
			"2026-01-30 08:00  a day early, withdraws 0 IO",
			"2026-01-31 08:00  withdraws 600 IO",
			"IO on the ledger: 2413.1722595 IO",
		}},
		{true, []string{
			"slash burned; stake now 400 IO, eligible = false",
			"withdraws 300 IO",
			"vault     holds 100 IO",
			"IO on the ledger: 2013.1722595 IO", // 400 IO burned
		}},
	}
	for _, tt := range tests {
		var out strings.Builder
		require.NoError(t, run(&out, tt.upheld))
		for _, w := range tt.want {
			require.Contains(t, out.String(), w, "upheld=%v", tt.upheld)
		}
	}
}
