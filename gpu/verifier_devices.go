package gpu

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// deviceState is what a Verifier keeps of one device.
type deviceState struct {
	owner iog.WalletAddress
	// registered is when Register added the device: nonces issued before
	// it were issued to an earlier registration of the same ID.
	registered time.Time
	gpus       []GPUReading // as last accepted
	models     []iog.GPUModel
	// recent are the telemetry prints of the last TelemetryWindow accepted
	// reports with GPUs, oldest first; sameCount counts the accepted
	// reports in a row whose print was already among them.
	recent    []uint32
	sameCount int
	history   TrustHistory
	openTasks []Nonce // proof tasks issued and not answered, oldest first
	// used are the nonces of the device's reports that passed the
	// signature check.
	used usedNonces
	// load is the proof work issued to each GPU (by UUID) in the current
	// clock hour.
	load map[string]hourLoad
	// proven is when each GPU (by UUID) last passed a proof.
	proven map[string]time.Time
	// credited is when an accepted report last counted toward trust.
	credited time.Time
	// proofCredited is when each GPU (by UUID) last had a passed proof
	// count toward trust.
	proofCredited map[string]time.Time
	// known maps the UUIDs of the device's first accepted report with GPUs
	// to their catalog model: later reports may drop GPUs, not add or
	// change them.
	known map[string]string
}

// Register records that device belongs to owner, whose key alone may sign
// its reports. Registering a device again to the same owner does nothing;
// to another owner is ErrConflict. A malformed device ID or a zero owner is
// ErrInvalid.
func (v *Verifier) Register(device iog.DeviceID, owner iog.WalletAddress) error {
	if _, err := iog.ParseDeviceID(string(device)); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if owner.IsZero() {
		return fmt.Errorf("register device %s: no owner wallet: %w", device, iog.ErrInvalid)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if d, ok := v.devices[device]; ok {
		if d.owner != owner {
			return fmt.Errorf("register device %s: already registered to another owner: %w", device, iog.ErrConflict)
		}
		return nil
	}
	v.devices[device] = &deviceState{owner: owner, registered: v.cfg.Clock.Now()}
	return nil
}

// Remove undoes Register: it forgets device with everything known of it
// (its hardware, trust history, proofs and used nonces) and releases its
// GPU UUIDs, so that the same hardware may report again as another device,
// or as this one registered anew, starting from no history. Its open
// proof tasks are withdrawn: answers to them are ErrNotFound. A report
// that was being verified meanwhile is refused, and so is any report over
// a nonce issued before a later registration of the same ID. An unknown
// device is ErrNotFound.
func (v *Verifier) Remove(device iog.DeviceID) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return fmt.Errorf("remove device %s: %w", device, iog.ErrNotFound)
	}
	for _, g := range d.gpus {
		delete(v.owners, g.GPU.UUID)
	}
	for _, id := range d.openTasks {
		delete(v.tasks, id)
	}
	delete(v.devices, device)
	return nil
}

// Challenge issues a nonce for device's next report. An unregistered
// device is ErrNotFound; see NonceBook.Issue for the other errors.
// Challenge does not authenticate who asks, and need not: a nonce is
// worth nothing without the owner's signature over it, and issuing one
// neither costs memory nor withdraws another.
func (v *Verifier) Challenge(device iog.DeviceID) (Challenge, error) {
	v.mu.Lock()
	_, ok := v.devices[device]
	v.mu.Unlock()
	if !ok {
		return Challenge{}, fmt.Errorf("challenge device %s: not registered: %w", device, iog.ErrNotFound)
	}
	return v.nonces.Issue(device)
}
