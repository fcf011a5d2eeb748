package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"
	"unicode/utf8"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
	"github.com/internetofgpus/iog/internal/strictjson"
	"github.com/internetofgpus/iog/pricing"
)

// ClusterStatus is where a cluster is in its life, as a Kubernetes
// object's phase: the API records a deploy as pending and answers at once;
// the scheduling loop places it; its devices' workers start it.
type ClusterStatus string

// The statuses, in the order a cluster goes through them. A placed or
// running cluster whose device goes down is pending again until it is
// placed elsewhere.
const (
	// ClusterPending waits to be placed: Reason says why.
	ClusterPending ClusterStatus = "pending"
	// ClusterPlaced has its devices, whose workers are starting it.
	ClusterPlaced ClusterStatus = "placed"
	// ClusterRunning runs: every device's worker said it started.
	ClusterRunning ClusterStatus = "running"
	// ClusterEnded is over (terminated, its paid time ran out, or never
	// placed by its deadline): Reason says which. What ran is paid, the
	// rest refunded.
	ClusterEnded ClusterStatus = "ended"
)

// Limits on a workload, so that what a worker is asked to run is bounded.
const (
	MaxEntrypointArgs = 64
	MaxEnvVars        = 128
	MaxPorts          = 16
	// MaxWorkloadText bounds the image, each argument, and each variable's
	// name and value, in bytes.
	MaxWorkloadText = 4096
)

// EnvVar is one environment variable of a workload.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Workload is what a cluster runs on each of its devices, as its renter
// gave it at deploy. A worker's runtime starts it when the cluster is
// placed on its device and stops it when the rental ends:
//
//   - Entrypoint is the command and its arguments (argv; Entrypoint[0] is
//     the program), run by a process runtime as a child process;
//   - Image names a container image, for runtimes that run images
//     (KubeRay); a process runtime ignores it;
//   - Env is the environment the workload gets, beside what the runtime
//     sets itself;
//   - Ports are the TCP ports the workload listens on, which the renter
//     reaches through the relay (and which the worker exposes there).
//
// A workload with neither an entrypoint nor an image runs nothing: the
// renter reaches the devices' exposed ports only.
type Workload struct {
	Image      string   `json:"image,omitempty"`
	Entrypoint []string `json:"entrypoint,omitempty"`
	Env        []EnvVar `json:"env,omitempty"`
	Ports      []uint16 `json:"ports,omitempty"`
}

// Validate checks the workload's limits: texts of at most MaxWorkloadText
// bytes of UTF-8 without NUL, variable names as POSIX shells take them
// ([A-Za-z_][A-Za-z0-9_]*) and each once, ports 1 to 65535 and each
// once. Problems are iog.ErrInvalid.
func (w Workload) Validate() error {
	text := func(what, s string, empty bool) error {
		switch {
		case s == "" && !empty:
			return fmt.Errorf("workload: %s is empty: %w", what, iog.ErrInvalid)
		case len(s) > MaxWorkloadText || !utf8.ValidString(s):
			return fmt.Errorf("workload: %s: at most %d bytes of UTF-8: %w", what, MaxWorkloadText, iog.ErrInvalid)
		}
		for _, r := range s {
			if r == 0 {
				return fmt.Errorf("workload: %s has a NUL byte: %w", what, iog.ErrInvalid)
			}
		}
		return nil
	}
	if err := text("image", w.Image, true); err != nil {
		return err
	}
	if len(w.Entrypoint) > MaxEntrypointArgs || len(w.Env) > MaxEnvVars || len(w.Ports) > MaxPorts {
		return fmt.Errorf("workload: at most %d entrypoint arguments, %d variables and %d ports: %w", MaxEntrypointArgs, MaxEnvVars, MaxPorts, iog.ErrInvalid)
	}
	for i, a := range w.Entrypoint {
		if err := text(fmt.Sprintf("entrypoint argument %d", i), a, i > 0); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i, v := range w.Env {
		if !envName(v.Name) || seen[v.Name] {
			return fmt.Errorf("workload: variable %d: name %q: want [A-Za-z_][A-Za-z0-9_]*, each once: %w", i, errtext.Clip(v.Name), iog.ErrInvalid)
		}
		seen[v.Name] = true
		if err := text("variable "+v.Name, v.Value, true); err != nil {
			return err
		}
	}
	ports := map[uint16]bool{}
	for _, p := range w.Ports {
		if p == 0 || ports[p] {
			return fmt.Errorf("workload: port %d: want 1 to 65535, each once: %w", p, iog.ErrInvalid)
		}
		ports[p] = true
	}
	return nil
}

func envName(s string) bool {
	if s == "" || len(s) > MaxWorkloadText {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// DeployRequest is the body of a deploy (POST /v1/clusters), and of a
// quote (POST /v1/quotes), which prices the same body: one JSON object
// holding a pricing.Request's members (its requirements' and its terms',
// see pricing.Request.MarshalJSON) and, beside them, the cluster's name
// and workload, which a quote ignores:
//
//	{"gpu_model": "H100-SXM", "gpu_count": 8, "hours": 24,
//	 "currency": "USDC", "name": "train",
//	 "workload": {"entrypoint": ["python3", "train.py"],
//	              "env": [{"name": "EPOCHS", "value": "3"}], "ports": [8265]}}
type DeployRequest struct {
	// Request is what is asked of the devices and the terms paid.
	Request pricing.Request
	// Name is the renter's name for the cluster: up to 64 bytes of text.
	Name string
	// Workload is what runs on the devices.
	Workload Workload
}

// deployJSON is the wire form of a DeployRequest's own members.
type deployJSON struct {
	Name     string    `json:"name,omitempty"`
	Workload *Workload `json:"workload,omitempty"`
}

var deploySchema = strictjson.New("deploy", iog.ErrInvalid, reflect.TypeFor[deployJSON](), reflect.TypeFor[Workload](), reflect.TypeFor[EnvVar]())

var deployNames = []string{"name", "workload"}

// MarshalJSON writes d in its wire form.
func (d DeployRequest) MarshalJSON() ([]byte, error) {
	req, err := d.Request.MarshalJSON()
	if err != nil {
		return nil, err
	}
	w := deployJSON{Name: d.Name}
	if !reflect.DeepEqual(d.Workload, Workload{}) {
		w.Workload = &d.Workload
	}
	own, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	return strictjson.Join(req, own), nil
}

// UnmarshalJSON reads the wire form and validates it: the request as
// pricing.Request.UnmarshalJSON does, the name and the workload by their
// limits. Problems are iog.ErrInvalid; on error d is unchanged.
func (d *DeployRequest) UnmarshalJSON(data []byte) error {
	own, req, err := deploySchema.Split(data, deployNames)
	if err != nil {
		return err
	}
	var w deployJSON
	if err := deploySchema.Decode(own, &w); err != nil {
		return err
	}
	out := DeployRequest{Name: w.Name}
	if w.Workload != nil {
		// Empty lists read as none, so that a body has one value.
		out.Workload = *w.Workload
		if len(out.Workload.Entrypoint) == 0 {
			out.Workload.Entrypoint = nil
		}
		if len(out.Workload.Env) == 0 {
			out.Workload.Env = nil
		}
		if len(out.Workload.Ports) == 0 {
			out.Workload.Ports = nil
		}
	}
	if len(out.Name) > 64 || !utf8.ValidString(out.Name) {
		return fmt.Errorf("deploy: name %q: at most 64 bytes of text: %w", errtext.Clip(out.Name), iog.ErrInvalid)
	}
	for _, r := range out.Name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("deploy: name %q has a control character: %w", errtext.Clip(out.Name), iog.ErrInvalid)
		}
	}
	if err := out.Workload.Validate(); err != nil {
		return err
	}
	if err := out.Request.UnmarshalJSON(req); err != nil {
		return err
	}
	*d = out
	return nil
}

// Quote is the price of a deploy body: what an hour of one GPU costs, the
// total, the fee lines, and the big clouds' price it compares with.
type Quote struct {
	// Model is the catalog GPU model priced ("" for a GPU priced by its
	// benchmark score); GPUCount and Hours repeat the request's.
	Model    string `json:"model"`
	GPUCount int    `json:"gpu_count"`
	Hours    int    `json:"hours"`
	// Location is the allowed location priced (the cheapest), or "" for
	// anywhere.
	Location string    `json:"location,omitempty"`
	At       time.Time `json:"at"`
	// HourlyPerGPUUSD and TotalUSD are the price before fees, in USD.
	HourlyPerGPUUSD iog.Amount `json:"hourly_per_gpu_usd"`
	TotalUSD        iog.Amount `json:"total_usd"`
	// IOPriceUSD is the USD price of one IO the quote converted with.
	IOPriceUSD string `json:"io_price_usd"`
	// Price is the total in the payment currency, before fees; RenterPays
	// is what a deploy holds in escrow (Price plus the renter's fees);
	// SupplierReceives is what the suppliers are paid of it; FeesTotal is
	// what the network keeps: RenterPays = SupplierReceives + FeesTotal.
	Price            iog.Amount `json:"price"`
	RenterPays       iog.Amount `json:"renter_pays"`
	SupplierReceives iog.Amount `json:"supplier_receives"`
	FeesTotal        iog.Amount `json:"fees_total"`
	// Fees are the four fee lines of pricing's FeeSchedule.
	Fees []FeeLine `json:"fees"`
	// Reference is the cheapest big-cloud price of the model, if any,
	// and SavingPPM how much cheaper the hourly price is than it, in
	// parts per million (negative if dearer).
	Reference *CloudPrice `json:"reference,omitempty"`
	SavingPPM int64       `json:"saving_ppm"`
	// Factors explain the price, one line a factor that moved it.
	Factors []string `json:"factors"`
}

// FeeLine is one fee of a rental: its name ("renter reservation fee"),
// its rate ("1/400") and the amount taken.
type FeeLine struct {
	Kind   string     `json:"kind"`
	Rate   string     `json:"rate"`
	Amount iog.Amount `json:"amount"`
}

// CloudPrice is a big cloud's on-demand price of one GPU-hour.
type CloudPrice struct {
	Provider     string     `json:"provider"`
	Offering     string     `json:"offering"`
	HourlyPerGPU iog.Amount `json:"hourly_per_gpu"`
	AsOf         time.Time  `json:"as_of"`
}

// ClusterDevice is one device of a placed cluster: which of its GPUs the
// cluster holds, and whether its worker started the workload.
type ClusterDevice struct {
	Device iog.DeviceID `json:"device"`
	// GPUs are the indices of the device's GPUs the cluster uses; Share
	// is the part of each, in thousandths (1000 is the whole GPU).
	GPUs    []int `json:"gpus"`
	Share   int   `json:"share"`
	Started bool  `json:"started"`
}

// ClusterManifest is a placed cluster as the YAML manifests its renter
// applies to Kubernetes (GET /v1/clusters/{id}/manifest): KubeRay's
// RayCluster, and a RayJob of its workload's entrypoint when it has one.
type ClusterManifest struct {
	Cluster iog.ClusterID `json:"cluster"`
	YAML    string        `json:"yaml"`
}

// Endpoint is a port of a cluster's device that its renter reaches
// through the relay (GET /v1/relay says where the relay is): the relay
// dials Port on Device for the renter's wallet. No device's address is
// ever shown.
type Endpoint struct {
	Device iog.DeviceID `json:"device"`
	Port   uint16       `json:"port"`
}

// Cluster is a cluster as its renter sees it.
type Cluster struct {
	ID     iog.ClusterID     `json:"id"`
	Renter iog.WalletAddress `json:"renter"`
	Name   string            `json:"name"`
	Status ClusterStatus     `json:"status"`
	// Reason says why a pending cluster waits, or why an ended one ended.
	Reason string `json:"reason,omitempty"`
	// Request is the deploy's request (pricing.Request's wire form) and
	// Workload what runs.
	Request  json.RawMessage `json:"request"`
	Workload Workload        `json:"workload"`
	// Hours is the paid time, extensions included; HoursSettled how many
	// of them are settled.
	Hours        int       `json:"hours"`
	HoursSettled int       `json:"hours_settled"`
	Created      time.Time `json:"created"`
	// Deadline is when a cluster never placed ends, its hold refunded.
	Deadline time.Time `json:"deadline"`
	// Placed is the first placement, from which the paid time runs;
	// Expires is the end of the paid time; Ended is when it ended.
	Placed  *time.Time `json:"placed,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
	Ended   *time.Time `json:"ended,omitempty"`
	// Held is everything held in escrow for it (deploy and extensions);
	// Cost is what it has paid so far (to suppliers and fees); Refunded
	// what it did not use, in the payment currency: Held = Cost +
	// Refunded. Refunds go back to the renter as IOSD credits, at 1 credit
	// = 1 USD by default: RefundedCredits is what the renter received.
	Held            iog.Amount `json:"held"`
	Cost            iog.Amount `json:"cost"`
	Refunded        iog.Amount `json:"refunded"`
	RefundedCredits iog.Amount `json:"refunded_credits"`
	// Devices and Endpoints are set while it is placed or running.
	Devices   []ClusterDevice `json:"devices"`
	Endpoints []Endpoint      `json:"endpoints"`
}

// ClusterList is a page of clusters; Next, when set, continues it.
type ClusterList struct {
	Clusters []Cluster `json:"clusters"`
	Next     string    `json:"next,omitempty"`
}

// ExtendRequest buys more hours for a cluster: another hold, at the price
// of a quote for those hours now.
type ExtendRequest struct {
	Hours int `json:"hours"`
}

// PublicCluster is what anyone may see of a cluster in the explorer: its
// renter's public address, what it asked for and where it runs; never its
// workload (its environment may hold secrets), its name, or any address.
type PublicCluster struct {
	ID       iog.ClusterID     `json:"id"`
	Renter   iog.WalletAddress `json:"renter"`
	Status   ClusterStatus     `json:"status"`
	GPUModel string            `json:"gpu_model,omitempty"`
	GPUCount int               `json:"gpu_count"`
	Hours    int               `json:"hours"`
	Created  time.Time         `json:"created"`
	Placed   *time.Time        `json:"placed,omitempty"`
	Ended    *time.Time        `json:"ended,omitempty"`
	Devices  []iog.DeviceID    `json:"devices"`
}

// PublicClusterList is a page of the explorer's clusters.
type PublicClusterList struct {
	Clusters []PublicCluster `json:"clusters"`
	Next     string          `json:"next,omitempty"`
}

// DeviceRental is one rental a device's worker must run, as it polls
// them (GET /v1/devices/{id}/rentals): the cluster, its renter (the
// wallet the relay lets through to the ports), the GPUs of the device it
// holds, the workload to start, and when the rental ends. Once started,
// the worker says so (POST /v1/devices/{id}/rentals/{cluster}/started);
// a rental no longer listed has ended, and its workload must be stopped.
type DeviceRental struct {
	Cluster iog.ClusterID     `json:"cluster"`
	Renter  iog.WalletAddress `json:"renter"`
	// GPUs are the indices of the device's GPUs given to the rental, and
	// Share the part of each, in thousandths.
	GPUs     []int     `json:"gpus"`
	Share    int       `json:"share"`
	Workload Workload  `json:"workload"`
	Expires  time.Time `json:"expires"`
	// Started reports that the worker already said it started.
	Started bool `json:"started"`
}

// DeviceRentals are the rentals a device runs now.
type DeviceRentals struct {
	Rentals []DeviceRental `json:"rentals"`
}
