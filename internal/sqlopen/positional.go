package sqlopen

import (
	"strconv"
	"strings"
)

// positional returns query with its parameters $1, $2, … $N written as
// SQLite's anonymous ?, when they appear in that order, each once, outside
// literals, quoted names and comments; otherwise query as it is.
//
// The module writes its queries with PostgreSQL's numbered parameters,
// which SQLite reads as named ones, and for every run modernc.org/sqlite
// asks SQLite the name of each parameter, a walk of the statement's list
// of names: a multi-row INSERT of a thousand parameters spent more time
// in that walk (quadratic in the parameters) than in the insert
// (BENCHMARKS.md). An anonymous parameter has no name to look up, and
// binds by its position, as the numbered one did.
func positional(query string) string {
	var out strings.Builder
	next, copied := 1, 0
	for i := 0; i < len(query); {
		switch c := query[i]; {
		case c == '\'' || c == '"' || c == '`':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				return query
			}
			// A doubled quote inside is two quoted runs back to back.
			i += end + 2
		case c == '[':
			end := strings.IndexByte(query[i:], ']')
			if end < 0 {
				return query
			}
			i += end + 1
		case strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			i += end
		case strings.HasPrefix(query[i:], "/*"):
			end := strings.Index(query[i+2:], "*/")
			if end < 0 {
				return query
			}
			i += end + 4
		case c == '?' || c == ':' || c == '@':
			// Another kind of parameter: left as written.
			return query
		case c == '$':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			if j == i+1 || query[i+1:j] != strconv.Itoa(next) {
				return query
			}
			out.WriteString(query[copied:i])
			out.WriteByte('?')
			next, copied, i = next+1, j, j
		default:
			i++
		}
	}
	if next == 1 {
		return query
	}
	out.WriteString(query[copied:])
	return out.String()
}
