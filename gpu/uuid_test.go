package gpu_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// mi300xHost returns a host with one AMD MI300X of the given UUID.
func mi300xHost(n *net, uuid string) gpu.Inventory {
	inv := h100Host(n.rng, 1)
	g := &inv.GPUs[0].GPU
	g.UUID, g.Vendor, g.Model = uuid, iog.VendorAMD, "AMD Instinct MI300X"
	g.MemoryBytes, g.ComputeCapability = 192<<30, iog.ComputeCapability{}
	specs := gpu.PublishedSpecs(mustVariant("MI300X"))
	inv.GPUs[0].Specs = specs
	inv.GPUs[0].Telemetry.SMClockMHz, inv.GPUs[0].Telemetry.MemoryClockMHz = specs.MaxSMClockMHz, specs.MaxMemoryClockMHz
	return inv
}

// Other vendors' tools print a GPU's ID in either case: the same GPU in
// another case is still the same GPU.
func TestVerifierUUIDsIgnoreCase(t *testing.T) {
	n := newNet(24)
	keyA, _ := n.supplier(t, "rig-a", 1)
	keyB, _ := n.supplier(t, "rig-b", 1)
	r, err := n.v.Verify(n.signed(t, keyA, "rig-a", mi300xHost(n, "0xabcdef0123456789")))
	require.NoError(t, err)
	require.Equal(t, "0xabcdef0123456789", r.Inventory.GPUs[0].GPU.UUID)

	_, err = n.v.Verify(n.signed(t, keyB, "rig-b", mi300xHost(n, "0xABCDEF0123456789")))
	require.Equal(t, gpu.CheckDuplicate, gpu.FailedCheck(err), "%v", err)
	require.ErrorIs(t, err, iog.ErrConflict)

	r, err = n.v.Verify(n.signed(t, keyA, "rig-a", mi300xHost(n, "0xABCDEF0123456789")))
	require.NoError(t, err, "the device's own GPU, in upper case")
	require.Equal(t, "0xabcdef0123456789", r.Inventory.GPUs[0].GPU.UUID, "kept in its canonical form")
	_, err = n.v.ProofTask("rig-a", "0xAbCdEf0123456789")
	require.NoError(t, err)
	require.Equal(t, "0xabcdef0123456789", gpu.CanonicalUUID(iog.VendorAMD, "0xABCDEF0123456789"))

	twice := mi300xHost(n, "0xfedcba9876543210")
	twice.GPUs = append(twice.GPUs, mi300xHost(n, "0xFEDCBA9876543210").GPUs...)
	_, err = n.v.Verify(n.signed(t, keyB, "rig-b", twice))
	require.Equal(t, gpu.CheckUUID, gpu.FailedCheck(err), "one GPU listed twice: %v", err)
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// Records written before UUIDs were canonical restore with them in
// canonical form, so that a GPU in another case is still refused.
func TestVerifierRestoreCanonicalizesUUIDs(t *testing.T) {
	n := newNet(25)
	keyA, _ := n.supplier(t, "rig-a", 1)
	keyB, _ := n.supplier(t, "rig-b", 1)
	_, err := n.v.Verify(n.signed(t, keyA, "rig-a", mi300xHost(n, "0xabcdef0123456789")))
	require.NoError(t, err)
	records := n.v.Records()
	records[0].Known[0].UUID = "0xABCDEF0123456789"
	records[0].GPUs[0].GPU.UUID = "0xABCDEF0123456789"

	v := gpu.NewVerifier(gpu.VerifierConfig{Clock: n.clock, Random: seeded(26)})
	require.NoError(t, v.Restore(records))
	rec, ok := v.Record("rig-a")
	require.True(t, ok)
	require.Equal(t, "0xabcdef0123456789", rec.Known[0].UUID)
	require.Equal(t, "0xabcdef0123456789", rec.GPUs[0].GPU.UUID)
	ch, err := v.Challenge("rig-b")
	require.NoError(t, err)
	s, err := keyB.SignReport(gpu.Report{Device: "rig-b", Nonce: ch.Nonce, Inventory: mi300xHost(n, "0xabcdef0123456789")})
	require.NoError(t, err)
	_, err = v.Verify(s)
	require.Equal(t, gpu.CheckDuplicate, gpu.FailedCheck(err), "%v", err)

	records[1].Known, records[1].GPUs = slices.Clone(records[0].Known), slices.Clone(records[0].GPUs)
	records[1].Known[0].UUID, records[1].GPUs[0].GPU.UUID = "0xabcdef0123456789", "0xabcdef0123456789"
	require.ErrorIs(t, gpu.NewVerifier(gpu.VerifierConfig{}).Restore(records), iog.ErrInvalid, "one GPU on two devices, in two cases")
}
