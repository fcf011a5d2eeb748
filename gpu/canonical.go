package gpu

import (
	"slices"
	"strings"

	"github.com/internetofgpus/iog"
)

// CanonicalUUID returns the form of a GPU UUID that the Verifier compares,
// keeps and returns. NVIDIA's UUIDs are kept as written, their one valid
// form being lower-case hex; other vendors' tools print the same ID in
// either case ("0xABCDEF0123456789" and "0xabcdef0123456789" are one
// GPU), so theirs are lower-cased. A server that looks up which device
// holds a reported GPU looks up this form.
func CanonicalUUID(vendor iog.Vendor, uuid string) string {
	if vendor == iog.VendorNVIDIA {
		return uuid
	}
	return strings.ToLower(uuid)
}

// canonical returns a copy of inv, whose GPUs checkHardware found to be
// models, as the Verifier keeps it: each GPU's model is its catalog name,
// never the name it was reported with, and its UUID and its NVLink
// peers' are in CanonicalUUID form.
func canonical(inv Inventory, models []iog.GPUModel) Inventory {
	inv.GPUs = slices.Clone(inv.GPUs)
	for i := range inv.GPUs {
		g := &inv.GPUs[i].GPU
		g.Model = models[i].Name
		canonicalUUIDs(g)
	}
	return inv
}

// canonicalUUIDs puts g's UUID and its NVLink peers' in CanonicalUUID
// form, the peers in a slice of their own.
func canonicalUUIDs(g *iog.GPU) {
	g.UUID = CanonicalUUID(g.Vendor, g.UUID)
	if len(g.NVLinkPeers) > 0 {
		peers := make([]string, len(g.NVLinkPeers))
		for j, p := range g.NVLinkPeers {
			peers[j] = CanonicalUUID(g.Vendor, p)
		}
		g.NVLinkPeers = peers
	}
}
