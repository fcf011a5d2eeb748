package gpu

import (
	"encoding/binary"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

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
// the configured ProofConfig.MaxLoad, is ErrConflict.
func (v *Verifier) ProofTask(device iog.DeviceID, gpuUUID string) (ProofTask, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return ProofTask{}, fmt.Errorf("proof task for device %s: not registered: %w", device, iog.ErrNotFound)
	}
	i := slices.IndexFunc(d.gpus, func(g GPUReading) bool { return g.GPU.UUID == CanonicalUUID(g.GPU.Vendor, gpuUUID) })
	if i < 0 {
		return ProofTask{}, fmt.Errorf("proof task for device %s: no accepted report lists GPU %q: %w", device, errtext.Clip(gpuUUID), iog.ErrNotFound)
	}
	gpuUUID = d.gpus[i].GPU.UUID
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
	if load.work+work > v.cfg.Proof.MaxLoad {
		return ProofTask{}, fmt.Errorf("proof task for device %s: GPU %q has had %s of proofs this hour, and %s more would pass %s: %w", device, errtext.Clip(gpuUUID), load.work, work, v.cfg.Proof.MaxLoad, iog.ErrConflict)
	}
	if d.load == nil {
		d.load = map[string]hourLoad{}
	}
	load.work += work
	d.load[gpuUUID] = load
	var id Nonce
	if _, err := io.ReadFull(v.random, id[:]); err != nil {
		return ProofTask{}, fmt.Errorf("proof task for device %s: read a task ID: %w: %w", device, err, iog.ErrUnavailable)
	}
	t := ProofTask{ID: id, Device: device, GPU: gpuUUID, Model: model.Name, N: v.cfg.Proof.N, Steps: v.cfg.Proof.Steps, Issued: now, Deadline: now.Add(allowed)}
	v.tasks[id] = t
	d.openTasks = append(d.openTasks, id)
	return t, nil
}

// SubmitProof checks an answer to a task this Verifier issued and records
// the outcome in the device's trust history: a failure always, a pass at
// most once a quarter hour for each GPU. Each task is answered once;
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
	d := v.devices[task.Device]
	switch {
	case d == nil: // removed meanwhile
	case err != nil:
		d.history.Record(Outcome{At: now, Check: CheckProof, Passed: false})
	default:
		if d.proven == nil {
			d.proven = map[string]time.Time{}
		}
		if d.proofCredited == nil {
			d.proofCredited = map[string]time.Time{}
		}
		d.proven[task.GPU] = now
		d.proofCredited[task.GPU] = credit(&d.history, d.proofCredited[task.GPU], now, creditInterval, CheckProof)
	}
	return err
}
