package sqlopen

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPositional(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE id = $1", "SELECT a FROM t WHERE id = ?"},
		{"INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)", "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"},
		{"UPDATE t SET a = $2 WHERE id = $1", "UPDATE t SET a = $2 WHERE id = $1"},
		{"SELECT $1, $1", "SELECT $1, $1"},
		{"SELECT $1, $3", "SELECT $1, $3"},
		{"SELECT $10", "SELECT $10"},
		{"SELECT '$1', $1", "SELECT '$1', ?"},
		{"SELECT 'it''s $2', $1", "SELECT 'it''s $2', ?"},
		{`SELECT "$1" FROM t WHERE a = $1`, `SELECT "$1" FROM t WHERE a = ?`},
		{"SELECT [$1] FROM t WHERE a = $1", "SELECT [$1] FROM t WHERE a = ?"},
		{"SELECT $1 -- $2\n, $2", "SELECT ? -- $2\n, ?"},
		{"SELECT $1 /* $5 */, $2", "SELECT ? /* $5 */, ?"},
		{"SELECT $1, ?", "SELECT $1, ?"},
		{"SELECT $1, :a", "SELECT $1, :a"},
		{"SELECT $", "SELECT $"},
		{"SELECT '$1", "SELECT '$1"},
		{"SELECT $1 /* open", "SELECT $1 /* open"},
	} {
		require.Equal(t, tc.want, positional(tc.query), "%q", tc.query)
	}
}

func TestPositionalManyParameters(t *testing.T) {
	var q, want strings.Builder
	q.WriteString("INSERT INTO t (a) VALUES ")
	want.WriteString("INSERT INTO t (a) VALUES ")
	for i := 1; i <= 1000; i++ {
		if i > 1 {
			q.WriteString(", ")
			want.WriteString(", ")
		}
		q.WriteString("($" + strconv.Itoa(i) + ")")
		want.WriteString("(?)")
	}
	require.Equal(t, want.String(), positional(q.String()))
}

// FuzzPositional checks that a rewrite only turns some $n into as many
// ?, and leaves every other byte of the query as it was.
func FuzzPositional(f *testing.F) {
	for _, q := range []string{"SELECT $1, $2", "SELECT '$1', $1", "UPDATE t SET a = $2 WHERE id = $1", "SELECT $1 -- x\n", "SELECT $1, '?'"} {
		f.Add(q)
	}
	parameters := regexp.MustCompile(`\$[0-9]+|\?`)
	f.Fuzz(func(t *testing.T, q string) {
		got := positional(q)
		if got == q {
			return
		}
		n := strings.Count(got, "?") - strings.Count(q, "?")
		require.Positive(t, n)
		require.Equal(t, n, strings.Count(q, "$")-strings.Count(got, "$"))
		require.Equal(t, parameters.ReplaceAllString(q, ""), parameters.ReplaceAllString(got, ""))
	})
}
