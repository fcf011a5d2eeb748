package iog_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Hour, "0 m"},
		{0, "0 m"},
		{59 * time.Second, "0 m"},
		{time.Minute, "1 m"},
		{3*time.Hour + 12*time.Minute + 59*time.Second, "3 h 12 m"},
		{5 * time.Hour, "5 h"},
		{21 * 24 * time.Hour, "21 d"},
		{26*time.Hour + time.Minute, "1 d 2 h 1 m"},
		{24*time.Hour + 5*time.Minute, "1 d 5 m"},
	} {
		require.Equal(t, tc.want, iog.FormatDuration(tc.d), "%v", tc.d)
	}
}
