package gpu

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
)

// Verify accepts a signed report or says why not, as a *Rejection naming
// the failed Check and wrapping an iog sentinel: ErrInvalid for a
// malformed report or impossible hardware, ErrNotFound for an unregistered
// device, ErrForbidden for a report naming another owner, ErrUnauthorized
// for a bad signature or an unknown nonce, ErrConflict for a replayed
// nonce or a GPU UUID another device holds, ErrExpired for a late nonce.
//
// A report that passes the signature check uses up its nonce whatever
// happens next, and its outcome enters the device's trust history (a
// failure always, an acceptance at most once a quarter hour); one that
// does not pass changes nothing, so a forger cannot spend an honest
// worker's nonce or trust.
//
// The report returned, and kept, is the one signed with each GPU's model
// its catalog name and its UUIDs in CanonicalUUID form.
func (v *Verifier) Verify(s SignedReport) (Report, error) {
	r, err := v.verify(s)
	if err != nil {
		v.logRejection("device report rejected", err)
	}
	return r, err
}

// logRejection logs a failed check with its device and kind.
func (v *Verifier) logRejection(msg string, err error) {
	var rej *Rejection
	if errors.As(err, &rej) {
		v.cfg.Logger.Warn(msg, "device", string(rej.Device), "check", string(rej.Check), "error", rej.Err)
		return
	}
	v.cfg.Logger.Warn(msg, "error", err)
}

func (v *Verifier) verify(s SignedReport) (Report, error) {
	payload, sig, err := s.Split()
	if err != nil {
		return Report{}, reject("", CheckFormat, err)
	}
	r, err := DecodeReport(payload)
	if err != nil {
		return Report{}, reject("", CheckFormat, err)
	}
	v.mu.Lock()
	seen, ok := v.devices[r.Device]
	var owner iog.WalletAddress
	var used error
	stale := false
	if ok {
		owner = seen.owner
		used = seen.used.refuse(r.Nonce, v.cfg.Clock.Now(), v.nonces.ttl)
		stale = v.issuedAt(r.Nonce).Before(seen.registered)
	}
	v.mu.Unlock()
	switch {
	case !ok:
		return Report{}, reject(r.Device, CheckOwner, fmt.Errorf("the device is not registered: %w", iog.ErrNotFound))
	case r.Owner != owner:
		return Report{}, reject(r.Device, CheckOwner, fmt.Errorf("the report names owner %s, the device is registered to %s: %w", r.Owner, owner, iog.ErrForbidden))
	}
	if err := v.nonces.authentic(r.Device, r.Nonce, used); err != nil {
		return Report{}, reject(r.Device, CheckNonce, err)
	}
	if stale {
		return Report{}, reject(r.Device, CheckNonce, fmt.Errorf("nonce %.16s…: issued before the device was registered: %w", r.Nonce, iog.ErrUnauthorized))
	}
	if !ed25519.Verify(owner[:], payload, sig) {
		return Report{}, reject(r.Device, CheckSignature, fmt.Errorf("the signature is not the registered owner's: %w", iog.ErrUnauthorized))
	}
	models, err := checkHardware(r.Device, r.Inventory, v.cfg.Limits, v.candidates)
	var fp uint32
	if err == nil {
		// From here on the report is what the Verifier keeps and returns.
		r.Inventory = canonical(r.Inventory, models)
		fp = telemetryPrint(r.Inventory.GPUs)
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.cfg.Clock.Now()
	d, ok := v.devices[r.Device]
	if !ok || d != seen {
		return Report{}, reject(r.Device, CheckOwner, fmt.Errorf("the device was removed meanwhile: %w", iog.ErrNotFound))
	}
	if !v.useNonceLocked(d, r.Nonce, now) {
		return Report{}, reject(r.Device, CheckNonce, fmt.Errorf("nonce %.16s…: already used; a report cannot be replayed: %w", r.Nonce, iog.ErrConflict)) // lost a race with a replay
	}
	// repeat is whether the telemetry is one of the device's recent
	// readings, which both the staleness check and the count it keeps need.
	repeat := len(r.Inventory.GPUs) > 0 && slices.Contains(d.recent, fp)
	if err == nil {
		err = v.checkStateLocked(r, d, models, repeat)
	}
	if err != nil {
		d.history.Record(Outcome{At: now, Check: FailedCheck(err), Passed: false})
		return Report{}, err
	}
	v.acceptLocked(r, d, models, fp, repeat)
	d.credited = credit(&d.history, d.credited, now, creditInterval, CheckFormat)
	return r, nil
}

// issuedAt is when n was issued, by a NonceBook with the Verifier's TTL.
func (v *Verifier) issuedAt(n Nonce) time.Time { return expiryOf(n).Add(-v.nonces.ttl) }

// useNonceLocked marks n as used by d, and reports false when it was
// already. It forgets the nonces a TTL past their expiry, which the
// NonceBook refuses as expired, so that d keeps those of two TTLs of
// reports at most.
func (v *Verifier) useNonceLocked(d *deviceState, n Nonce, now time.Time) bool {
	d.used.forget(now, v.nonces.ttl)
	return d.used.add(n)
}

// checkStateLocked runs the checks that compare a report with what the
// Verifier has seen: UUIDs held by other devices, telemetry that repeats
// itself (repeat says whether r's telemetry is one of d's recent
// readings), counters that go back.
func (v *Verifier) checkStateLocked(r Report, d *deviceState, models []iog.GPUModel, repeat bool) error {
	if d.known != nil {
		for i, g := range r.Inventory.GPUs {
			was, ok := d.known[g.GPU.UUID]
			switch {
			case !ok:
				return reject(r.Device, CheckUUID, fmt.Errorf("GPU %s is unknown: it was not in the device's first report (remove and register the device again to add GPUs): %w", g.GPU.UUID, iog.ErrConflict))
			case was != models[i].Name:
				return reject(r.Device, CheckUUID, fmt.Errorf("GPU %s was a %s and now claims to be a %s: %w", g.GPU.UUID, was, models[i].Name, iog.ErrConflict))
			}
		}
	}
	for _, g := range r.Inventory.GPUs {
		if holder, ok := v.owners[g.GPU.UUID]; ok && holder != r.Device {
			return reject(r.Device, CheckDuplicate, fmt.Errorf("GPU %s is already registered with another device: %w", g.GPU.UUID, iog.ErrConflict))
		}
	}
	if repeat && d.sameCount+2 >= v.cfg.StaleAfter {
		return reject(r.Device, CheckTelemetry, fmt.Errorf("the telemetry of %d reports in a row repeats readings of the device's last %d; a live GPU's moves: %w", d.sameCount+1, TelemetryWindow, iog.ErrInvalid))
	}
	if err := checkCounters(d.gpus, r.Inventory.GPUs); err != nil {
		return reject(r.Device, CheckTelemetry, err)
	}
	return nil
}

// acceptLocked makes r, whose telemetry has the print fp, d's last
// accepted report. A report without GPUs has no telemetry: it neither
// enters the window nor ends a run of repeats.
func (v *Verifier) acceptLocked(r Report, d *deviceState, models []iog.GPUModel, fp uint32, repeat bool) {
	if len(r.Inventory.GPUs) > 0 {
		if repeat {
			d.sameCount++
		} else {
			d.sameCount = 0
		}
		d.recent = remember(d.recent, fp)
	}
	for _, g := range d.gpus {
		delete(v.owners, g.GPU.UUID)
	}
	for _, g := range r.Inventory.GPUs {
		v.owners[g.GPU.UUID] = r.Device
	}
	d.gpus = r.Inventory.GPUs
	d.models = models
	if d.known == nil && len(models) > 0 {
		d.known = make(map[string]string, len(models))
		for i, g := range r.Inventory.GPUs {
			d.known[g.GPU.UUID] = models[i].Name
		}
	}
}
