package gpu

import "github.com/internetofgpus/iog"

// catalogKey is what iog.IdentifyGPU looks at.
type catalogKey struct {
	model  string
	memory uint64
}

type catalogEntry struct {
	model iog.GPUModel
	ok    bool
}

// maxCatalogMemo bounds the memo of IdentifyGPU, which outside input
// could otherwise grow with made-up model names.
const maxCatalogMemo = 4096

// identify is iog.IdentifyGPU, memoized: a fleet reports few distinct
// models, and identifying one costs more than looking it up.
func (v *Verifier) identify(g iog.GPU) (iog.GPUModel, bool) {
	k := catalogKey{g.Model, g.MemoryBytes}
	v.catalogMu.RLock()
	e, hit := v.catalog[k]
	v.catalogMu.RUnlock()
	if hit {
		return e.model, e.ok
	}
	e.model, e.ok = iog.IdentifyGPU(g)
	v.catalogMu.Lock()
	if len(v.catalog) < maxCatalogMemo {
		v.catalog[k] = e
	}
	v.catalogMu.Unlock()
	return e.model, e.ok
}
