package gpu

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// VerifierConfig configures a Verifier. The zero value means the defaults
// documented on each field.
type VerifierConfig struct {
	// Clock times nonces, proofs and the trust history; nil means
	// iog.SystemClock.
	Clock iog.Clock
	// Random is the source of nonces, proof seeds and the proof checker's
	// vectors; nil means crypto/rand.Reader. Tests pass a seeded source.
	Random io.Reader
	// NonceTTL is how long a report nonce is valid; 0 means
	// DefaultNonceTTL.
	NonceTTL time.Duration
	// Limits bounds plausible hardware.
	Limits Limits
	// StaleAfter is how many consecutive reports with identical telemetry
	// make the telemetry stale: 0 means 3. A live GPU's power draw alone
	// changes between any two readings.
	StaleAfter int
	// Proof sizes proof-of-compute tasks.
	Proof ProofConfig
	// ProofInterval is how often a device must pass a proof to stay
	// eligible for block rewards; 0 means an hour.
	ProofInterval time.Duration
	// MinTrust is the trust score below which a device is not eligible for
	// block rewards; 0 means 700.
	MinTrust TrustScore
	// Logger receives a warning for each rejected report and failed proof;
	// nil means no logging.
	Logger *slog.Logger
}

// Verifier is the server's side of attestation. It keeps which owner key
// each device is registered to, issues nonces and proof-of-compute tasks,
// accepts a device report only when the registered owner signed it over a
// live nonce and its hardware passes every check, and scores each device's
// trust from its history. It is safe for concurrent use.
type Verifier struct {
	cfg    VerifierConfig
	nonces *NonceBook

	mu      sync.Mutex
	rng     *mrand.Rand // proof seeds and Freivalds vectors
	devices map[iog.DeviceID]*deviceState
	owners  map[string]iog.DeviceID // GPU UUID → the device that holds it
	tasks   map[Nonce]ProofTask

	catalogMu sync.RWMutex
	catalog   map[catalogKey]catalogEntry // IdentifyGPU's answers, memoized
}

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

type deviceState struct {
	owner     iog.WalletAddress
	gpus      []GPUReading // as last accepted
	models    []iog.GPUModel
	sameCount int // consecutive reports with telemetry equal to gpus'
	history   TrustHistory
	openTasks []Nonce // proof tasks issued and not answered, oldest first
	// load is the proof work issued to each GPU (by UUID) in the current
	// clock hour.
	load map[string]hourLoad
	// proven is when each GPU (by UUID) last passed a proof.
	proven map[string]time.Time
	// credited is when an accepted report last counted toward trust.
	credited time.Time
	// known maps the UUIDs of the device's first accepted report with GPUs
	// to their catalog model: later reports may drop GPUs, not add or
	// change them.
	known map[string]string
}

// NewVerifier returns a Verifier with cfg.
func NewVerifier(cfg VerifierConfig) *Verifier {
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 3
	}
	if cfg.ProofInterval <= 0 {
		cfg.ProofInterval = time.Hour
	}
	if cfg.MinTrust == 0 {
		cfg.MinTrust = 700
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Limits = cfg.Limits.withDefaults()
	cfg.Proof = cfg.Proof.withDefaults()
	var seed [32]byte
	_, err := io.ReadFull(cfg.Random, seed[:])
	if err != nil {
		// Without randomness the checker's vectors would be predictable;
		// fall back on the system's, which never fails on supported OSes.
		_, _ = rand.Read(seed[:])
	}
	return &Verifier{
		cfg:     cfg,
		nonces:  NewNonceBook(cfg.Clock, cfg.Random, cfg.NonceTTL),
		rng:     mrand.New(mrand.NewChaCha8(seed)),
		devices: map[iog.DeviceID]*deviceState{},
		owners:  map[string]iog.DeviceID{},
		tasks:   map[Nonce]ProofTask{},
		catalog: map[catalogKey]catalogEntry{},
	}
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
	v.devices[device] = &deviceState{owner: owner}
	return nil
}

// Unregister forgets a device and frees its GPU UUIDs for another device.
// An unknown device is ErrNotFound.
func (v *Verifier) Unregister(device iog.DeviceID) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return fmt.Errorf("unregister device %s: %w", device, iog.ErrNotFound)
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
	d, ok := v.devices[r.Device]
	var owner iog.WalletAddress
	if ok {
		owner = d.owner
	}
	v.mu.Unlock()
	switch {
	case !ok:
		return Report{}, reject(r.Device, CheckOwner, fmt.Errorf("the device is not registered: %w", iog.ErrNotFound))
	case r.Owner != owner:
		return Report{}, reject(r.Device, CheckOwner, fmt.Errorf("the report names owner %s, the device is registered to %s: %w", r.Owner, owner, iog.ErrForbidden))
	}
	if err := v.nonces.Check(r.Device, r.Nonce); err != nil {
		return Report{}, reject(r.Device, CheckNonce, err)
	}
	if !ed25519.Verify(owner[:], payload, sig) {
		return Report{}, reject(r.Device, CheckSignature, fmt.Errorf("the signature is not the registered owner's: %w", iog.ErrUnauthorized))
	}
	if err := v.nonces.Use(r.Device, r.Nonce); err != nil {
		return Report{}, reject(r.Device, CheckNonce, err) // lost a race with a replay
	}
	models, err := checkHardware(r.Device, r.Inventory, v.cfg.Limits, v.identify)

	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.cfg.Clock.Now()
	d, ok = v.devices[r.Device]
	if !ok || d.owner != owner {
		return Report{}, reject(r.Device, CheckOwner, fmt.Errorf("the device was unregistered meanwhile: %w", iog.ErrNotFound))
	}
	// same is whether the telemetry is the last accepted report's, which
	// both the staleness check and the count it keeps need.
	same := len(r.Inventory.GPUs) > 0 && sameTelemetry(d.gpus, r.Inventory.GPUs)
	if err == nil {
		err = v.checkStateLocked(r, d, models, same)
	}
	if err != nil {
		d.history.Record(Outcome{At: now, Check: FailedCheck(err), Passed: false})
		return Report{}, err
	}
	v.acceptLocked(r, d, models, same)
	if d.credited.IsZero() || now.Sub(d.credited) >= reportCreditInterval {
		d.history.Record(Outcome{At: now, Check: CheckFormat, Passed: true})
		d.credited = now
	}
	return r, nil
}

// reportCreditInterval is how often an accepted report counts toward
// trust. A report costs its device only a signature: were each one a
// pass, a device could push its failures out of its TrustHistory with a
// burst of reports. Failures always count.
const reportCreditInterval = 15 * time.Minute

// checkStateLocked runs the checks that compare a report with what the
// Verifier has seen: UUIDs held by other devices, telemetry that does not
// move (same says whether r's telemetry is that of d's last report).
func (v *Verifier) checkStateLocked(r Report, d *deviceState, models []iog.GPUModel, same bool) error {
	if d.known != nil {
		for i, g := range r.Inventory.GPUs {
			was, ok := d.known[g.GPU.UUID]
			switch {
			case !ok:
				return reject(r.Device, CheckUUID, fmt.Errorf("GPU %s is unknown: it was not in the device's first report (unregister and register the device again to add GPUs): %w", g.GPU.UUID, iog.ErrConflict))
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
	if same && d.sameCount+2 >= v.cfg.StaleAfter {
		return reject(r.Device, CheckTelemetry, fmt.Errorf("the telemetry has not changed in %d reports; a live GPU's does: %w", d.sameCount+2, iog.ErrInvalid))
	}
	return nil
}

func (v *Verifier) acceptLocked(r Report, d *deviceState, models []iog.GPUModel, same bool) {
	if same {
		d.sameCount++
	} else {
		d.sameCount = 0
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

// sameTelemetry reports whether two readings of the same GPUs have equal
// telemetry throughout.
func sameTelemetry(a, b []GPUReading) bool {
	return slices.EqualFunc(a, b, func(x, y GPUReading) bool {
		return x.GPU.UUID == y.GPU.UUID && telemetryEqual(x.Telemetry, y.Telemetry)
	})
}

func telemetryEqual(a, b Telemetry) bool {
	type counters struct {
		temp, power, limit, util, memUtil, sm, memClock uint32
		used, free, eccC, eccU, throttle                uint64
	}
	of := func(t Telemetry) counters {
		return counters{t.TemperatureC, t.PowerMilliwatts, t.PowerLimitMilliwatts, t.UtilizationPercent,
			t.MemoryUtilizationPercent, t.SMClockMHz, t.MemoryClockMHz,
			t.MemoryUsedBytes, t.MemoryFreeBytes, t.ECCCorrected, t.ECCUncorrected, t.ThrottleReasons}
	}
	return of(a) == of(b) && slices.Equal(a.Missing, b.Missing)
}

// maxOpenProofs bounds the unanswered proof tasks of one device.
const maxOpenProofs = 16

// hourLoad is the proof work issued to one GPU in one clock hour.
type hourLoad struct {
	hour time.Time
	work time.Duration
}

// ProofTask issues a proof-of-compute task for one GPU of device, timed by
// the model its last accepted report claims. Nothing ties the answer to
// the GPU named: to keep one real GPU from answering for several, issue
// the tasks of all a device's GPUs at once, with work long against the
// slack (see ProofConfig), so that there is no time to run them one after
// another. Tasks of the device whose
// deadline has passed unanswered are closed first, each as a failed proof.
// A device without an accepted report, or a GPU it did not report, is
// ErrNotFound; a device with maxOpenProofs unanswered tasks still in time,
// or a task that would take the GPU's proof work in this clock hour past
// MaxSupplierLoad, is ErrConflict.
func (v *Verifier) ProofTask(device iog.DeviceID, gpuUUID string) (ProofTask, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return ProofTask{}, fmt.Errorf("proof task for device %s: not registered: %w", device, iog.ErrNotFound)
	}
	i := slices.IndexFunc(d.gpus, func(g GPUReading) bool { return g.GPU.UUID == gpuUUID })
	if i < 0 {
		return ProofTask{}, fmt.Errorf("proof task for device %s: no accepted report lists GPU %q: %w", device, errtext.Clip(gpuUUID), iog.ErrNotFound)
	}
	now := v.cfg.Clock.Now()
	open := d.openTasks[:0]
	for _, id := range d.openTasks {
		if t, ok := v.tasks[id]; ok && now.After(t.Deadline) {
			delete(v.tasks, id)
			d.history.Record(Outcome{At: now, Check: CheckProof, Passed: false})
			continue
		}
		open = append(open, id)
	}
	d.openTasks = open
	if len(d.openTasks) >= maxOpenProofs {
		return ProofTask{}, fmt.Errorf("proof task for device %s: %d tasks are unanswered: %w", device, len(d.openTasks), iog.ErrConflict)
	}
	model := d.models[i]
	allowed, err := v.cfg.Proof.Allowed(model, v.cfg.Proof.N)
	if err != nil {
		return ProofTask{}, fmt.Errorf("proof task for device %s: %w", device, err)
	}
	hour, work := now.Truncate(time.Hour), allowed-v.cfg.Proof.Slack
	load := d.load[gpuUUID]
	if !load.hour.Equal(hour) {
		load = hourLoad{hour: hour}
	}
	if load.work+work > MaxSupplierLoad {
		return ProofTask{}, fmt.Errorf("proof task for device %s: GPU %q has had %s of proofs this hour, and %s more would pass %s: %w", device, errtext.Clip(gpuUUID), load.work, work, MaxSupplierLoad, iog.ErrConflict)
	}
	if d.load == nil {
		d.load = map[string]hourLoad{}
	}
	load.work += work
	d.load[gpuUUID] = load
	var id Nonce
	for k := 0; k < len(id); k += 8 {
		binary.LittleEndian.PutUint64(id[k:], v.rng.Uint64())
	}
	t := ProofTask{ID: id, Device: device, GPU: gpuUUID, Model: model.Name, N: v.cfg.Proof.N, Steps: v.cfg.Proof.Steps, Issued: now, Deadline: now.Add(allowed)}
	v.tasks[id] = t
	d.openTasks = append(d.openTasks, id)
	return t, nil
}

// SubmitProof checks an answer to a task this Verifier issued and records
// the outcome in the device's trust history. Each task is answered once;
// an unknown or already answered task is ErrNotFound. A wrong or late
// answer is a *Rejection of CheckProof.
func (v *Verifier) SubmitProof(answer ProofAnswer) error {
	v.mu.Lock()
	task, ok := v.tasks[answer.ID]
	if ok {
		delete(v.tasks, answer.ID)
		if d := v.devices[task.Device]; d != nil {
			d.openTasks = slices.DeleteFunc(d.openTasks, func(id Nonce) bool { return id == answer.ID })
		}
	}
	seed := [32]byte{}
	binary.LittleEndian.PutUint64(seed[:], v.rng.Uint64())
	binary.LittleEndian.PutUint64(seed[8:], v.rng.Uint64())
	now := v.cfg.Clock.Now()
	v.mu.Unlock()
	if !ok {
		return fmt.Errorf("proof answer: no open task with this ID: %w", iog.ErrNotFound)
	}
	err := VerifyProof(task, answer, now, v.cfg.Proof.Rounds, mrand.New(mrand.NewChaCha8(seed)))
	if err != nil {
		v.logRejection("proof of compute failed", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if d := v.devices[task.Device]; d != nil {
		d.history.Record(Outcome{At: now, Check: CheckProof, Passed: err == nil})
		if err == nil {
			if d.proven == nil {
				d.proven = map[string]time.Time{}
			}
			d.proven[task.GPU] = now
		}
	}
	return err
}

// Trust returns device's trust score now. An unknown device is
// ErrNotFound.
func (v *Verifier) Trust(device iog.DeviceID) (TrustScore, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return 0, fmt.Errorf("trust of device %s: %w", device, iog.ErrNotFound)
	}
	return d.history.Score(v.cfg.Clock.Now()), nil
}

// Eligible reports whether device may share this epoch's block reward: its
// trust is at least MinTrust, its last accepted report lists a GPU, and
// every GPU it lists passed a proof of compute within the last
// ProofInterval (plus a quarter of it, for the task's own run time), so
// that no GPU earns on another's proof.
func (v *Verifier) Eligible(device iog.DeviceID) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return false
	}
	now := v.cfg.Clock.Now()
	if len(d.gpus) == 0 || d.history.Score(now) < v.cfg.MinTrust {
		return false
	}
	for _, g := range d.gpus {
		at, ok := d.proven[g.GPU.UUID]
		if !ok || now.Sub(at) > v.cfg.ProofInterval+v.cfg.ProofInterval/4 {
			return false
		}
	}
	return true
}
