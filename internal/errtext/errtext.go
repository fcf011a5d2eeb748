// Package errtext shapes outside input for error messages.
package errtext

import "unicode/utf8"

// limit is the most bytes of outside input an error message repeats.
const limit = 64

// Clip returns s cut to at most 64 bytes, at a character boundary, with
// "…" after the cut when it was longer: enough to recognise outside input
// in an error message, and never the whole of a hostile one.
func Clip(s string) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
