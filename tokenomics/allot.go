package tokenomics

import (
	"errors"
	"fmt"

	"github.com/internetofgpus/iog"
)

// Allotment is an epoch's distribution shared among the stakers: what
// each earned of which device's payout, and what no one earned. Settle
// mints it; a network whose rewards are claimed, as io.net's are, records
// it instead, mints its Paid total once into a reward pool, and pays each
// staker's shares when the staker claims them.
type Allotment struct {
	Epoch uint64
	// Shares lists every staker's reward, device by device in the order
	// of the payouts; no share is zero.
	Shares []DeviceShare
	// Paid is the sum of the shares.
	Paid iog.Amount
	// Unpaid is the distribution's Unpaid plus the payouts of devices with
	// no active stake left: Paid plus Unpaid is the epoch's emission.
	Unpaid iog.Amount
}

// DeviceShare is a staker's share of one device's payout.
type DeviceShare struct {
	Device iog.DeviceID
	Share
}

// Allot shares each of d's payouts among the device's stakers pro rata
// (RewardSharer.ShareReward). The payout of a device with no one to pay
// (iog.ErrConflict or iog.ErrNotFound from ShareReward) is unpaid; any
// other error of the sharer is returned.
func Allot(book RewardSharer, d Distribution) (Allotment, error) {
	what := fmt.Sprintf("allot epoch %d", d.Epoch)
	a := Allotment{Epoch: d.Epoch, Paid: iog.Zero(iog.IO), Unpaid: d.Unpaid}
	for _, p := range d.Payouts {
		shares, err := book.ShareReward(p.Device, p.Amount)
		if errors.Is(err, iog.ErrConflict) || errors.Is(err, iog.ErrNotFound) {
			if a.Unpaid, err = a.Unpaid.Add(p.Amount); err != nil {
				return Allotment{}, fmt.Errorf("%s: %w", what, err)
			}
			continue
		}
		if err != nil {
			return Allotment{}, fmt.Errorf("%s: %w", what, err)
		}
		for _, sh := range shares {
			if sh.Amount.IsZero() {
				continue
			}
			if a.Paid, err = a.Paid.Add(sh.Amount); err != nil {
				return Allotment{}, fmt.Errorf("%s: %w", what, err)
			}
			a.Shares = append(a.Shares, DeviceShare{Device: p.Device, Share: sh})
		}
	}
	return a, nil
}
