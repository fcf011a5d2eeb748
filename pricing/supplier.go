package pricing

import (
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// DeviceRequest returns the request that prices a supplier's device: all
// its GPUs, for hours, where it is, at the tier of its measured bandwidth
// (iog.Bandwidth.Tier), paid and paid out in payout (IO or USDC). Quoted,
// its Fees.SupplierReceives is what the device earns.
//
// The GPUs are identified with iog.IdentifyGPU and must all be of one
// model. A GPU the catalog does not know is priced from score, which may
// be nil when every GPU is known. A device with no GPU, GPUs of several
// models, or an unknown GPU without a score is iog.ErrInvalid.
func DeviceRequest(d iog.Device, hours int, payout iog.Currency, score Scorer) (Request, error) {
	if len(d.GPUs) == 0 {
		return Request{}, fmt.Errorf("device %s: no GPU to price: %w", d.ID, iog.ErrInvalid)
	}
	if err := CheckPayout(payout); err != nil {
		return Request{}, fmt.Errorf("device %s: %w", d.ID, err)
	}
	req := Request{
		Requirements: iog.Requirements{GPUCount: len(d.GPUs), Bandwidth: d.Bandwidth.Tier()},
		Hours:        hours, Currency: payout, Payout: payout,
	}
	if d.Location != (iog.Location{}) {
		req.Locations = []iog.Location{d.Location}
	}
	first, known := iog.IdentifyGPU(d.GPUs[0])
	for _, g := range d.GPUs[1:] {
		m, ok := iog.IdentifyGPU(g)
		if ok != known || m.Name != first.Name || (!ok && g.Model != d.GPUs[0].Model) {
			return Request{}, fmt.Errorf("device %s: GPUs %q and %q are of different models; price each model on its own: %w",
				d.ID, errtext.Clip(d.GPUs[0].Model), errtext.Clip(g.Model), iog.ErrInvalid)
		}
	}
	switch {
	case known:
		req.GPUModel = first.Name
	case score == nil:
		return Request{}, fmt.Errorf("device %s: GPU %q is not in the catalog; price it from a benchmark score: %w",
			d.ID, errtext.Clip(d.GPUs[0].Model), iog.ErrInvalid)
	default:
		req.Score = score.HardwareScore()
	}
	if err := req.Validate(); err != nil {
		return Request{}, fmt.Errorf("device %s: %w", d.ID, err)
	}
	return req, nil
}
