package gpu

import "github.com/internetofgpus/iog"

// catalogKey is what iog.GPUCandidates looks at.
type catalogKey struct {
	model  string
	memory uint64
}

// maxCatalogMemo bounds the memo of GPUCandidates, which outside input
// could otherwise grow with made-up model names.
const maxCatalogMemo = 4096

// candidates is iog.GPUCandidates, memoized: a fleet reports few
// distinct models, and listing one's candidates costs more than looking
// them up. The lists are shared; callers do not change them.
func (v *Verifier) candidates(g iog.GPU) []iog.GPUModel {
	k := catalogKey{g.Model, g.MemoryBytes}
	v.catalogMu.RLock()
	c, hit := v.catalog[k]
	v.catalogMu.RUnlock()
	if hit {
		return c
	}
	c = iog.GPUCandidates(g)
	v.catalogMu.Lock()
	if len(v.catalog) < maxCatalogMemo {
		v.catalog[k] = c
	}
	v.catalogMu.Unlock()
	return c
}
