package errtext

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClip(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"short", "H100", "H100"},
		{"exactly the limit", strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"one past the limit", strings.Repeat("a", 65), strings.Repeat("a", 64) + "…"},
		{"a character across the cut", strings.Repeat("a", 63) + "é" + "b", strings.Repeat("a", 63) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Clip(tt.in))
		})
	}
}
