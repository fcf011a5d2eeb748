package gpu

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// DeviceRecord is everything a Verifier keeps of one device, enough to
// rebuild it exactly: the server saves a device's record (Verifier.Record)
// in the transaction of each action on it, and restores them all at
// start (Verifier.Restore).
//
// What a record leaves out is not state: the Verifier's random streams,
// and the NonceBook's key, which is configuration (VerifierConfig.NonceKey).
type DeviceRecord struct {
	Device iog.DeviceID      `json:"device"`
	Owner  iog.WalletAddress `json:"owner"`
	// Registered is when the device was registered; reports over nonces
	// issued before it are refused.
	Registered time.Time `json:"registered"`
	// GPUs are the GPUs of the last accepted report, with its telemetry;
	// each is one of Known, and no other device's.
	GPUs []GPUReading `json:"gpus,omitempty"`
	// RecentTelemetry are the fingerprints of the telemetry of the last
	// TelemetryWindow accepted reports with GPUs, oldest first: reports
	// that keep repeating them are played back, not read. Records written
	// before they were kept have none, and restore with the fingerprint of
	// GPUs alone.
	RecentTelemetry []uint32 `json:"recent_telemetry,omitempty"`
	// SameCount counts the accepted reports in a row whose telemetry
	// repeated one of RecentTelemetry (in records written before it was
	// kept, the reports in a row whose telemetry was that of the one
	// before, which is one such case).
	SameCount int `json:"same_count,omitempty"`
	// Known are the GPUs of the device's first accepted report with GPUs,
	// by UUID, with their proof history.
	Known []KnownGPU `json:"known,omitempty"`
	// History is the trust history, oldest first.
	History []Outcome `json:"history,omitempty"`
	// Credited is when an accepted report last counted toward trust.
	Credited time.Time `json:"credited"`
	// OpenTasks are the proof tasks issued to the device and not
	// answered, oldest first.
	OpenTasks []ProofTask `json:"open_tasks,omitempty"`
	// UsedNonces are the nonces of the device's reports still remembered
	// (a TTL past their expiry), in byte order: a report replayed after a
	// restore is refused by them.
	UsedNonces []Nonce `json:"used_nonces,omitempty"`
	// NoncesForgotten is the newest expiry of a used nonce no longer
	// listed: every nonce expiring at or before it counts as used, so that
	// a clock set back does not make a forgotten one live again. Zero
	// when none was forgotten, and in records written before it was kept.
	NoncesForgotten time.Time `json:"nonces_forgotten,omitzero"`
}

// KnownGPU is one GPU a device may report, with its proofs.
type KnownGPU struct {
	UUID string `json:"uuid"`
	// Model is the catalog model the GPU was first reported as.
	Model string `json:"model"`
	// Proven is when the GPU last passed a proof of compute; zero if never.
	Proven time.Time `json:"proven"`
	// Credited is when a passed proof of the GPU last counted toward
	// trust; zero if none did since records kept it.
	Credited time.Time `json:"credited,omitzero"`
	// LoadHour is the clock hour of LoadWork, the proof work issued to the
	// GPU in it; zero if the GPU was given no task.
	LoadHour time.Time     `json:"load_hour"`
	LoadWork time.Duration `json:"load_work,omitempty"`
}

// Trust is the record's trust score at now, as a Verifier holding the
// record computes it (Verifier.Trust), and the instant from which it may
// differ without a new outcome (TrustHistory.ScoreUntil): what a copy of
// the score kept beside the record needs to know when it is stale.
func (r DeviceRecord) Trust(now time.Time) (TrustScore, time.Time) {
	var h TrustHistory
	for _, o := range r.History {
		h.Record(o)
	}
	return h.ScoreUntil(now)
}

// Record returns device's current record, and false for a device not
// registered.
func (v *Verifier) Record(device iog.DeviceID) (DeviceRecord, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return DeviceRecord{}, false
	}
	return v.recordLocked(device, d), true
}

// Records returns the record of every registered device, by device ID.
func (v *Verifier) Records() []DeviceRecord {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]DeviceRecord, 0, len(v.devices))
	for _, id := range slices.Sorted(maps.Keys(v.devices)) {
		out = append(out, v.recordLocked(id, v.devices[id]))
	}
	return out
}

func (v *Verifier) recordLocked(id iog.DeviceID, d *deviceState) DeviceRecord {
	r := DeviceRecord{
		Device: id, Owner: d.owner, Registered: d.registered,
		GPUs: slices.Clone(d.gpus), RecentTelemetry: slices.Clone(d.recent), SameCount: d.sameCount,
		History: d.history.Outcomes(), Credited: d.credited,
		UsedNonces:      slices.SortedFunc(maps.Keys(d.used.set), func(a, b Nonce) int { return cmp.Compare(string(a[:]), string(b[:])) }),
		NoncesForgotten: d.used.forgotten,
	}
	for _, uuid := range slices.Sorted(maps.Keys(d.known)) {
		load := d.load[uuid]
		r.Known = append(r.Known, KnownGPU{UUID: uuid, Model: d.known[uuid], Proven: d.proven[uuid], Credited: d.proofCredited[uuid], LoadHour: load.hour, LoadWork: load.work})
	}
	for _, id := range d.openTasks {
		r.OpenTasks = append(r.OpenTasks, v.tasks[id])
	}
	return r
}

// Restore rebuilds the devices of records into a Verifier that has none,
// as NewVerifier returns it. It checks every record first and restores
// all or none: a Verifier with devices is ErrConflict; a malformed record,
// two records of one device, a GPU held by two devices or not among its
// device's Known, a model not in the catalog, or a task not the device's
// is ErrInvalid. GPU UUIDs are restored in CanonicalUUID form, which
// records written before it may not have used: two of them that differ
// only in the case of a non-NVIDIA UUID are one GPU.
func (v *Verifier) Restore(records []DeviceRecord) error {
	devices := make(map[iog.DeviceID]*deviceState, len(records))
	owners := map[string]iog.DeviceID{}
	tasks := map[Nonce]ProofTask{}
	for i, r := range records {
		d, open, err := restoreDevice(r)
		if err == nil {
			err = claim(r.Device, d, open, devices, owners, tasks)
		}
		if err != nil {
			return fmt.Errorf("restore verifier: record %d (device %s): %w", i, errtext.Clip(string(r.Device)), err)
		}
		devices[r.Device] = d
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.devices) > 0 {
		return fmt.Errorf("restore verifier: it already holds %d devices: %w", len(v.devices), iog.ErrConflict)
	}
	v.devices, v.owners, v.tasks = devices, owners, tasks
	return nil
}

// claim checks that the GPUs of device's state d and its open tasks are
// no other record's, and takes them.
func claim(device iog.DeviceID, d *deviceState, open []ProofTask, devices map[iog.DeviceID]*deviceState, owners map[string]iog.DeviceID, tasks map[Nonce]ProofTask) error {
	if _, dup := devices[device]; dup {
		return fmt.Errorf("a second record of the device: %w", iog.ErrInvalid)
	}
	for _, g := range d.gpus {
		if holder, dup := owners[g.GPU.UUID]; dup {
			return fmt.Errorf("GPU %s is also device %s's: %w", errtext.Clip(g.GPU.UUID), holder, iog.ErrInvalid)
		}
	}
	for _, t := range open {
		if _, dup := tasks[t.ID]; dup {
			return fmt.Errorf("proof task %.16s… is also another device's: %w", t.ID, iog.ErrInvalid)
		}
	}
	for _, g := range d.gpus {
		owners[g.GPU.UUID] = device
	}
	for _, t := range open {
		tasks[t.ID] = t
	}
	return nil
}

// restoreDevice checks one record on its own and returns its state and
// its open tasks, their GPUs in CanonicalUUID form.
func restoreDevice(r DeviceRecord) (*deviceState, []ProofTask, error) {
	if _, err := iog.ParseDeviceID(string(r.Device)); err != nil {
		return nil, nil, err
	}
	d := &deviceState{owner: r.Owner, registered: r.Registered, sameCount: r.SameCount, credited: r.Credited}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if r.Owner.IsZero() {
		bad("no owner wallet")
	}
	if r.SameCount < 0 {
		bad("a negative count of same telemetry, %d", r.SameCount)
	}
	restoreKnown(d, r.Known, bad)
	if len(r.GPUs) > MaxGPUsPerReport {
		bad("%d GPUs, more than %d", len(r.GPUs), MaxGPUsPerReport)
	}
	for _, g := range r.GPUs {
		canonicalUUIDs(&g.GPU)
		name, ok := d.known[g.GPU.UUID]
		if !ok || slices.ContainsFunc(d.gpus, func(o GPUReading) bool { return o.GPU.UUID == g.GPU.UUID }) {
			bad("GPU %q is not one known GPU", errtext.Clip(g.GPU.UUID))
			continue
		}
		m, _ := iog.LookupGPUModel(name)
		d.gpus = append(d.gpus, g)
		d.models = append(d.models, m)
	}
	switch {
	case len(r.RecentTelemetry) > TelemetryWindow:
		bad("%d telemetry fingerprints, more than the %d a window keeps", len(r.RecentTelemetry), TelemetryWindow)
	case len(r.RecentTelemetry) > 0:
		d.recent = slices.Clone(r.RecentTelemetry)
	case len(d.gpus) > 0:
		// A record written before the window was kept: its last reading
		// is all it knows.
		d.recent = []uint32{telemetryPrint(d.gpus)}
	}
	if len(r.History) > trustDepth {
		bad("%d outcomes, more than the %d a history keeps", len(r.History), trustDepth)
	}
	for _, o := range r.History {
		if !knownCheck(o.Check) {
			bad("an outcome of an unknown check %q", errtext.Clip(string(o.Check)))
		}
		d.history.Record(o)
	}
	if len(r.OpenTasks) > maxOpenProofs {
		bad("%d open proof tasks, more than %d", len(r.OpenTasks), maxOpenProofs)
	}
	open := make([]ProofTask, 0, len(r.OpenTasks))
	for _, t := range r.OpenTasks {
		m, _ := iog.LookupGPUModel(t.Model)
		t.GPU = CanonicalUUID(m.Vendor, t.GPU)
		model, known := d.known[t.GPU]
		switch {
		case t.Device != r.Device || !known || t.Model != model:
			bad("proof task %.16s… is not for one of the device's GPUs", t.ID)
		case t.N <= 0 || t.N > MaxProofN || t.Steps <= 0 || t.Steps > MaxProofSteps || t.Deadline.Before(t.Issued):
			bad("proof task %.16s… is malformed", t.ID)
		case slices.Contains(d.openTasks, t.ID):
			bad("proof task %.16s… is listed twice", t.ID)
		}
		d.openTasks = append(d.openTasks, t.ID)
		open = append(open, t)
	}
	for _, n := range r.UsedNonces {
		if d.used.set == nil {
			d.used.set = make(map[Nonce]struct{}, len(r.UsedNonces))
		}
		d.used.set[n] = struct{}{}
	}
	if len(d.used.set) != len(r.UsedNonces) {
		bad("a used nonce is listed twice")
	}
	d.used.forgotten = r.NoncesForgotten
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", err, iog.ErrInvalid)
	}
	return d, open, nil
}

// restoreKnown fills d's known GPUs, their proofs and loads from known.
func restoreKnown(d *deviceState, known []KnownGPU, bad func(string, ...any)) {
	if len(known) > MaxGPUsPerReport {
		bad("%d known GPUs, more than %d", len(known), MaxGPUsPerReport)
		return
	}
	for _, k := range known {
		m, ok := iog.LookupGPUModel(k.Model)
		k.UUID = CanonicalUUID(m.Vendor, k.UUID)
		_, dup := d.known[k.UUID]
		switch {
		case k.UUID == "" || dup:
			bad("known GPU %q is empty or listed twice", errtext.Clip(k.UUID))
			continue
		case !ok || m.Name != k.Model:
			bad("known GPU %q is a %q, not a catalog model", errtext.Clip(k.UUID), errtext.Clip(k.Model))
			continue
		case k.LoadWork < 0 || (k.LoadWork > 0 && k.LoadHour.IsZero()):
			bad("known GPU %q has a load of %s in hour %s", errtext.Clip(k.UUID), k.LoadWork, k.LoadHour)
			continue
		}
		if d.known == nil {
			d.known = make(map[string]string, len(known))
		}
		d.known[k.UUID] = k.Model
		if !k.Proven.IsZero() {
			if d.proven == nil {
				d.proven = map[string]time.Time{}
			}
			d.proven[k.UUID] = k.Proven
		}
		if !k.Credited.IsZero() {
			if d.proofCredited == nil {
				d.proofCredited = map[string]time.Time{}
			}
			d.proofCredited[k.UUID] = k.Credited
		}
		if !k.LoadHour.IsZero() {
			if d.load == nil {
				d.load = map[string]hourLoad{}
			}
			d.load[k.UUID] = hourLoad{hour: k.LoadHour, work: k.LoadWork}
		}
	}
}

// knownCheck reports whether c is one of the package's checks.
func knownCheck(c Check) bool {
	switch c {
	case CheckFormat, CheckOwner, CheckSignature, CheckNonce, CheckUUID, CheckSpec,
		CheckCapacity, CheckDuplicate, CheckTelemetry, CheckProof:
		return true
	}
	return false
}
