package api

import (
	"time"

	"github.com/internetofgpus/iog"
)

// DeviceState is a device's place in its lifecycle, one lifecycle across
// attestation, staking, scheduling and the relay.
type DeviceState string

// The states.
const (
	// DevicePending is registered, its hardware not yet attested by an
	// accepted report.
	DevicePending DeviceState = "pending"
	// DeviceActive has an accepted report: it is scheduled when it is up
	// and has the stake its hardware needs.
	DeviceActive DeviceState = "active"
	// DeviceRemoved was removed by its owner: its GPUs are free to
	// register again, its stake cools down, nothing is scheduled on it.
	DeviceRemoved DeviceState = "removed"
	// DeviceBlocked broke one of the network's rules for workers: it was
	// below the worker minimums, used above the idle caps while not
	// hired, or its hardware changed (Device.BlockedReason says which).
	// Nothing is scheduled on it and it earns no block rewards; its owner
	// removes it, and registers the machine again once it meets the rules.
	DeviceBlocked DeviceState = "blocked"
)

// Bandwidth is a device's measured network speed, bytes a second.
type Bandwidth struct {
	DownBytesPerSec uint64 `json:"down_bytes_per_sec"`
	UpBytesPerSec   uint64 `json:"up_bytes_per_sec"`
}

// RegisterDeviceRequest registers a device of the signing wallet.
type RegisterDeviceRequest struct {
	// Name is the owner's name for it: 1 to 64 bytes of text.
	Name string `json:"name"`
	// TunnelKey is the ed25519 public key (32 bytes, base64) the device's
	// agent opens its relay tunnel with.
	TunnelKey []byte `json:"tunnel_key"`
	// Location is where it is, as iog.ParseLocation reads it
	// ("US/Virginia").
	Location  string    `json:"location"`
	Bandwidth Bandwidth `json:"bandwidth"`
}

// Challenge is a nonce for a device's next signed report, in hex.
type Challenge struct {
	Device  iog.DeviceID `json:"device"`
	Nonce   string       `json:"nonce"`
	Expires time.Time    `json:"expires"`
}

// RegisterDeviceResponse is a registered device and the challenge its
// first report answers.
type RegisterDeviceResponse struct {
	Device    Device    `json:"device"`
	Challenge Challenge `json:"challenge"`
}

// ReportRequest carries a device report signed by its owner
// (gpu.SignedReport), base64.
type ReportRequest struct {
	Report []byte `json:"report"`
}

// Device is what anyone may see of a device: never its tunnel key, its
// address or anything its owner did not publish.
type Device struct {
	ID         iog.DeviceID      `json:"id"`
	Owner      iog.WalletAddress `json:"owner"`
	Name       string            `json:"name"`
	State      DeviceState       `json:"state"`
	Model      string            `json:"model,omitempty"`
	GPUCount   int               `json:"gpu_count"`
	Location   string            `json:"location"`
	Bandwidth  Bandwidth         `json:"bandwidth"`
	Registered time.Time         `json:"registered"`
	// Trust is its attestation trust score, 0 to 1000.
	Trust uint16 `json:"trust"`
	// Up reports a live heartbeat; LastSeen is the last one's time.
	Up       bool       `json:"up"`
	LastSeen *time.Time `json:"last_seen,omitempty"`
	// BlockedReason, for a blocked device, is the rule it broke, in words
	// its owner can act on; BlockedAt is when it was blocked.
	BlockedReason string     `json:"blocked_reason,omitempty"`
	BlockedAt     *time.Time `json:"blocked_at,omitempty"`
	// Readiness is where it stands for the network's work and what stops
	// it (iog.EvaluateReadiness).
	Readiness Readiness `json:"readiness"`
}

// Readiness is a device's readiness state, whether a cluster may be placed
// on it now, and, when not, each rule that stops it in words its supplier
// can act on ("pending 3 h 12 m of up to 12 h: the proof of work has not
// passed yet; ...").
type Readiness struct {
	State       iog.ReadinessState `json:"state"`
	Schedulable bool               `json:"schedulable"`
	Reasons     []string           `json:"reasons,omitempty"`
}

// DeviceList is a page of devices; Next, when set, continues it.
type DeviceList struct {
	Devices []Device `json:"devices"`
	Next    string   `json:"next,omitempty"`
}

// RenameDeviceRequest renames a device.
type RenameDeviceRequest struct {
	Name string `json:"name"`
}

// Heartbeat says a device is alive, with its GPUs' telemetry and its
// host's CPU use, which the idle-use caps check while it is not hired.
type Heartbeat struct {
	GPUs []GPUTelemetry `json:"gpus,omitempty"`
	// CPUPercent is the host's CPU use since the last heartbeat, 0 to 100
	// (gpu.CPUMeter).
	CPUPercent uint32 `json:"cpu_percent,omitempty"`
}

// GPUTelemetry is one GPU's live readings in a heartbeat.
type GPUTelemetry struct {
	UUID               string `json:"uuid"`
	TemperatureC       uint32 `json:"temperature_c"`
	UtilizationPercent uint32 `json:"utilization_percent"`
	PowerMilliwatts    uint32 `json:"power_milliwatts"`
}

// HeartbeatResponse answers a heartbeat with the proof-of-compute tasks
// the device must answer now.
type HeartbeatResponse struct {
	Tasks []ProofTask `json:"tasks"`
}

// ProofTask is a proof-of-compute task for one GPU of a device: the
// product of Steps random matrices of order N seeded by ID (hex), to be
// answered by Deadline (see gpu.Solve).
type ProofTask struct {
	ID       string    `json:"id"`
	GPU      string    `json:"gpu"`
	Model    string    `json:"model"`
	N        int       `json:"n"`
	Steps    int       `json:"steps"`
	Issued   time.Time `json:"issued"`
	Deadline time.Time `json:"deadline"`
}

// ProofAnswers answers tasks: each answer is a gpu.ProofAnswer in its
// binary form, base64.
type ProofAnswers struct {
	Answers [][]byte `json:"answers"`
}

// ProofResults says, for each answer in order, whether it was accepted,
// and why not.
type ProofResults struct {
	Results []ProofResult `json:"results"`
}

// ProofResult is the outcome of one answer.
type ProofResult struct {
	Task     string `json:"task"`
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason,omitempty"`
}
