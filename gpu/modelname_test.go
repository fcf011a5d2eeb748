package gpu_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// A model name is matched to the catalog as printable ASCII words: a name
// that only resolves once invisible characters, or vendor words inside
// other words, are dropped is refused, and so is one whose vendor words
// name another maker.
func TestVerifierRefusesDisguisedModelNames(t *testing.T) {
	for name, model := range map[string]string{
		"zero-width space":               "H\u200b100 80GB HBM3",
		"trailing NUL":                   "NVIDIA H100 80GB HBM3\x00",
		"no-break space":                 "NVIDIA H100\u00a080GB HBM3",
		"tab":                            "NVIDIA\tH100 80GB HBM3",
		"vendor word inside the model":   "H1NVIDIA00 80GB HBM3",
		"vendor word split across words": "H100 NVI DIA 80GB HBM3",
		"another vendor's word":          "AMD H100 80GB HBM3",
		"another vendor's word, later":   "NVIDIA H100 80GB HBM3 Radeon",
	} {
		t.Run(name, func(t *testing.T) {
			n := newNet(22)
			key, inv := n.supplier(t, "rig-1", 2)
			inv.GPUs[1].GPU.Model = model
			_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
			require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err), "%v", err)
			require.ErrorIs(t, err, iog.ErrInvalid)
			_, err = gpu.CheckHardware("rig-1", inv, gpu.Limits{})
			require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err), "%v", err)
		})
	}
}

// What the Verifier keeps and returns of a GPU is its catalog model's
// name, whatever the driver called it.
func TestVerifierKeepsCatalogNames(t *testing.T) {
	n := newNet(23)
	key, inv := n.supplier(t, "rig-1", 2)
	inv.GPUs[0].GPU.Model = "NVIDIA H100 80GB HBM3"
	inv.GPUs[1].GPU.Model = "h100-sxm5-80gb"
	r, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	rec, ok := n.v.Record("rig-1")
	require.True(t, ok)
	for i := range inv.GPUs {
		require.Equal(t, "H100-SXM", r.Inventory.GPUs[i].GPU.Model)
		require.Equal(t, "H100-SXM", rec.GPUs[i].GPU.Model)
	}
	require.Equal(t, "NVIDIA H100 80GB HBM3", inv.GPUs[0].GPU.Model, "the caller's inventory is not changed")
}
