package ray

import "strings"

// WorkloadJob is the job that runs a workload's entrypoint (its argv, as
// api.Workload gives it) on its cluster, each word quoted for the shell;
// ok is false for a workload without one, which runs nothing but the
// cluster.
func WorkloadJob(entrypoint []string) (spec JobSpec, ok bool) {
	if len(entrypoint) == 0 {
		return JobSpec{}, false
	}
	words := make([]string, len(entrypoint))
	for i, w := range entrypoint {
		words[i] = shellQuote(w)
	}
	return JobSpec{Entrypoint: strings.Join(words, " ")}, true
}

// shellQuote returns w as one word of a POSIX shell: as it is when no
// character of it is special, else in single quotes.
func shellQuote(w string) string {
	plain := w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == ""
	if plain {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
