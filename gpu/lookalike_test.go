package gpu_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// lookalikes are the pairs of catalog models that a GPU's vendor,
// compute capability and memory cannot tell apart with the default
// limits: a memory exists that passes the memory check as either.
func lookalikes() [][2]iog.GPUModel {
	var out [][2]iog.GPUModel
	models := iog.GPUModels()
	for i, a := range models {
		for _, b := range models[i+1:] {
			if a.Vendor != b.Vendor || a.ComputeCapability != b.ComputeCapability {
				continue
			}
			if low, high := sharedMemory(a, b); low <= high {
				out = append(out, [2]iog.GPUModel{a, b})
			}
		}
	}
	return out
}

// sharedMemory is the range of memory sizes that pass the default memory
// check (10% below to 2% above nominal) as both a and b.
func sharedMemory(a, b iog.GPUModel) (low, high uint64) {
	low = max(a.MemoryBytes/1000*900, b.MemoryBytes/1000*900)
	high = min(a.MemoryBytes/1000*1020, b.MemoryBytes/1000*1020)
	return low, high
}

// reading is a GPU named name with memory bytes, whose figures are those
// of the first board of model of, its power limit that board's TDP.
// GeForce-style figures leave out the boost clock, as GeForce cards do,
// and give the top of the clock table a quarter above it.
func reading(name string, memory uint64, of iog.GPUModel, geforce bool) gpu.GPUReading {
	v := of.Variants()[0]
	s := gpu.PublishedSpecs(v)
	if geforce {
		s.BoostClockMHz, s.MaxSMClockMHz = 0, v.BoostClockMHz*5/4
	}
	return gpu.GPUReading{
		GPU: iog.GPU{
			UUID: "GPU-5e1f0000-0000-4000-8000-000000000001", Vendor: of.Vendor, Model: name,
			MemoryBytes: memory, ComputeCapability: of.ComputeCapability,
		},
		Specs:     s,
		Telemetry: gpu.Telemetry{TemperatureC: 45, PowerMilliwatts: v.PowerWatts * 500, PowerLimitMilliwatts: v.PowerWatts * 1000},
	}
}

// withoutFigures is r as a GPU that reports none of its figures, nor its
// power limit, reports itself.
func withoutFigures(r gpu.GPUReading) gpu.GPUReading {
	r.Specs, r.Telemetry = gpu.Specs{}, gpu.Telemetry{TemperatureC: 45, Missing: []string{"power"}}
	return r
}

// check runs CheckHardware on a host of r alone.
func check(r gpu.GPUReading) (iog.GPUModel, error) {
	models, err := gpu.CheckHardware("rig-1", gpu.Inventory{GPUs: []gpu.GPUReading{r}}, gpu.Limits{})
	if err != nil {
		return iog.GPUModel{}, err
	}
	return models[0], nil
}

// figureWords are the words a refusal names a figure by.
var figureWords = []string{"CUDA cores", "memory bus", "boost clock", "SM clock", "memory bandwidth", "power limit"}

// TestLookalikesAreToldApart: of every pair of catalog models that share
// vendor, architecture and memory, a GPU with the figures of either is
// accepted as itself and refused as the other, by a Rejection of
// CheckSpec that names the figure; and one without figures is not taken
// for the stronger.
func TestLookalikesAreToldApart(t *testing.T) {
	pairs := lookalikes()
	require.Len(t, pairs, 15, "the issue counted 15 pairs")
	for _, p := range pairs {
		low, high := sharedMemory(p[0], p[1])
		memory := low + (high-low)/2
		for _, dir := range [][2]iog.GPUModel{{p[0], p[1]}, {p[1], p[0]}} {
			is, claims := dir[0], dir[1]
			for _, geforce := range []bool{false, true} {
				if geforce && is.Class != iog.ConsumerGPU {
					continue
				}
				t.Run(fmt.Sprintf("%s as %s, GeForce figures %t", is.Name, claims.Name, geforce), func(t *testing.T) {
					m, err := check(reading("NVIDIA "+is.Name, memory, is, geforce))
					require.NoError(t, err)
					require.Equal(t, is.Name, m.Name)

					_, err = check(reading("NVIDIA "+claims.Name, memory, is, geforce))
					require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err), "%v", err)
					require.ErrorIs(t, err, iog.ErrInvalid)
					named := false
					for _, w := range figureWords {
						named = named || strings.Contains(err.Error(), w)
					}
					require.True(t, named, "the refusal names the figure: %v", err)
				})
			}
		}
		t.Run(fmt.Sprintf("%s and %s without figures", p[0].Name, p[1].Name), func(t *testing.T) {
			weak, strong := p[0], p[1]
			if iog.CompareGPUModels(weak, strong) > 0 {
				weak, strong = strong, weak
			}
			bare := func(name string) gpu.GPUReading {
				return withoutFigures(reading(name, memory, strong, false))
			}
			// The weaker is taken for itself, unless it too has a weaker
			// lookalike (the L40S has the L40).
			m, err := check(bare("NVIDIA " + weak.Name))
			if err == nil {
				require.Equal(t, weak.Name, m.Name)
			} else {
				require.ErrorContains(t, err, "do not tell a "+weak.Name+" from the weaker")
			}
			_, err = check(bare("NVIDIA " + strong.Name))
			require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err), "%v", err)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, "do not tell a "+strong.Name+" from the weaker")
		})
	}
}

// A name that only names a family is taken for the model its figures
// fit, and without figures that decide, for the weaker: never for the
// H100-SXM on a name alone.
func TestFamilyNamesResolveByFigures(t *testing.T) {
	sxm, _ := iog.LookupGPUModel("H100-SXM")
	pcie, _ := iog.LookupGPUModel("H100-PCIe")
	a100, _ := iog.LookupGPUModel("A100-80GB")
	for _, name := range []string{"NVIDIA H100", "NVIDIA H100 totally fake", "H100"} {
		t.Run(name, func(t *testing.T) {
			memory := uint64(79 << 30)
			m, err := check(reading(name, memory, sxm, false))
			require.NoError(t, err)
			require.Equal(t, "H100-SXM", m.Name, "an SXM's figures decide")

			m, err = check(reading(name, memory, pcie, false))
			require.NoError(t, err)
			require.Equal(t, "H100-PCIe", m.Name, "a PCIe card's figures decide")

			m, err = check(withoutFigures(reading(name, memory, sxm, false)))
			require.NoError(t, err)
			require.Equal(t, "H100-PCIe", m.Name, "no figures: the weaker")

			wrong := reading(name, memory, a100, false)
			wrong.GPU.ComputeCapability = sxm.ComputeCapability
			_, err = check(wrong)
			require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err), "%v", err)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, "fits none of the models it may be")
			require.ErrorContains(t, err, "6912 CUDA cores")
		})
	}
}

// The Verifier keeps a family-named GPU as the model its figures decide,
// and refuses an H100-PCIe that names itself an H100-SXM.
func TestVerifierRefusesWeakerCardClaimingStronger(t *testing.T) {
	pcie := gpu.PublishedSpecs(mustVariant("H100-PCIe"))
	n := newNet(31)
	key, inv := n.supplier(t, "rig-1", 2)
	for i := range inv.GPUs {
		inv.GPUs[i].Specs = pcie
		inv.GPUs[i].Telemetry.PowerLimitMilliwatts, inv.GPUs[i].Telemetry.PowerMilliwatts = 350_000, 200_000
		inv.GPUs[i].Telemetry.SMClockMHz, inv.GPUs[i].Telemetry.MemoryClockMHz = pcie.MaxSMClockMHz, pcie.MaxMemoryClockMHz
	}
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err), "%v", err)
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.ErrorContains(t, err, "14592 CUDA cores, a H100-SXM has 16896")

	for i := range inv.GPUs {
		inv.GPUs[i].GPU.Model = "NVIDIA H100"
	}
	r, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	require.Equal(t, "H100-PCIe", r.Inventory.GPUs[0].GPU.Model)
	require.Equal(t, pcie, r.Inventory.GPUs[0].Specs, "the figures are kept with the report")
}

// DerivedSpec, which scores a GPU, reads its figures as the Verifier
// does: a family's name is the model they fit, and a card named for a
// model its figures contradict is no specification.
func TestDerivedSpecReadsFigures(t *testing.T) {
	sxm, _ := iog.LookupGPUModel("H100-SXM")
	l4, _ := iog.LookupGPUModel("L4")
	d, err := gpu.DerivedSpec(reading("NVIDIA H100", 79<<30, sxm, false))
	require.NoError(t, err)
	require.Equal(t, sxm, d)

	bare := reading("NVIDIA H100", 79<<30, sxm, false)
	bare.Specs, bare.Telemetry = gpu.Specs{}, gpu.Telemetry{}
	d, err = gpu.DerivedSpec(bare)
	require.NoError(t, err)
	require.Equal(t, "H100-PCIe", d.Name, "no figures: the weaker")

	_, err = gpu.DerivedSpec(reading("NVIDIA GeForce RTX 4090", 23<<30, l4, false))
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.ErrorContains(t, err, "7424 CUDA cores, a RTX-4090 has 16384")
}
