package iog

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/internetofgpus/iog/internal/errtext"
	"github.com/internetofgpus/iog/internal/strictjson"
)

// requirementsJSON is the wire form of Requirements, the one an HTTP API
// receives for "quote this" and "deploy this" alike:
//
//	{"gpu_model": "H100", "gpu_count": 8, "locations": ["US"],
//	 "bandwidth": "high", "placement": "co-located", "max_rtt": "5ms",
//	 "budget_per_hour": "20 USDC"}
//
// Zero fields are left out. Durations are Go duration strings
// (time.ParseDuration: "90s", "5ms", "24h"), exact to the nanosecond and
// readable, where a count of seconds would need a fraction for a round
// trip time; shares, capabilities, locations and amounts are their text
// forms.
type requirementsJSON struct {
	GPUModel             string        `json:"gpu_model,omitempty"`
	GPUClass             GPUClass      `json:"gpu_class,omitempty"`
	GPUCount             int           `json:"gpu_count,omitempty"`
	GPUShare             string        `json:"gpu_share,omitempty"`
	GPUMemoryBytes       uint64        `json:"gpu_memory_bytes,omitempty"`
	MinComputeCapability string        `json:"min_compute_capability,omitempty"`
	CPUMilli             uint64        `json:"cpu_milli,omitempty"`
	MemoryBytes          uint64        `json:"memory_bytes,omitempty"`
	Bandwidth            BandwidthTier `json:"bandwidth,omitempty"`
	Locations            []string      `json:"locations,omitempty"`
	Placement            Placement     `json:"placement,omitempty"`
	MaxRTT               string        `json:"max_rtt,omitempty"`
	MaxDuration          string        `json:"max_duration,omitempty"`
	BudgetPerHour        *Amount       `json:"budget_per_hour,omitempty"`
	Priority             int32         `json:"priority,omitempty"`
}

var requirementsSchema = strictjson.New("requirements", ErrInvalid, reflect.TypeFor[requirementsJSON]())

// MarshalJSON writes r in its wire form, the one UnmarshalJSON reads:
// lower_snake_case names, zero fields left out, durations as Go duration
// strings ("5ms", "24h"), locations, shares, compute capabilities and
// amounts in their text forms ("US/Virginia", "0.5", "8.0", "20 USDC").
func (r Requirements) MarshalJSON() ([]byte, error) {
	w := requirementsJSON{
		GPUModel: r.GPUModel, GPUClass: r.GPUClass, GPUCount: r.GPUCount,
		GPUMemoryBytes: r.GPUMemoryBytes, MinComputeCapability: r.MinComputeCapability.String(),
		CPUMilli: r.CPUMilli, MemoryBytes: r.MemoryBytes, Bandwidth: r.Bandwidth,
		Placement: r.Placement, Priority: r.Priority,
	}
	if r.GPUShare != 0 {
		w.GPUShare = r.GPUShare.String()
	}
	for _, l := range r.Locations {
		w.Locations = append(w.Locations, l.String())
	}
	if r.MaxRTT != 0 {
		w.MaxRTT = r.MaxRTT.String()
	}
	if r.MaxDuration != 0 {
		w.MaxDuration = r.MaxDuration.String()
	}
	if r.BudgetPerHour != (Amount{}) {
		w.BudgetPerHour = &r.BudgetPerHour
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the wire form MarshalJSON writes and validates the
// result (see Validate). Unknown fields, names not spelled exactly or
// given twice, trailing data, and every problem Validate finds are
// ErrInvalid; on error r is unchanged.
func (r *Requirements) UnmarshalJSON(data []byte) error {
	var w requirementsJSON
	if err := requirementsSchema.Decode(data, &w); err != nil {
		return err
	}
	v := Requirements{
		GPUModel: w.GPUModel, GPUClass: w.GPUClass, GPUCount: w.GPUCount,
		GPUMemoryBytes: w.GPUMemoryBytes, CPUMilli: w.CPUMilli, MemoryBytes: w.MemoryBytes,
		Bandwidth: w.Bandwidth, Placement: w.Placement, Priority: w.Priority,
	}
	var err error
	if w.GPUShare != "" {
		if v.GPUShare, err = ParseGPUShare(w.GPUShare); err != nil {
			return fmt.Errorf("requirements: %w", err)
		}
	}
	if w.MinComputeCapability != "" {
		if v.MinComputeCapability, err = ParseComputeCapability(w.MinComputeCapability); err != nil {
			return fmt.Errorf("requirements: %w", err)
		}
	}
	for i, s := range w.Locations {
		l, err := ParseLocation(s)
		if err != nil {
			return fmt.Errorf("requirements: allowed location %d: %w", i+1, err)
		}
		v.Locations = append(v.Locations, l)
	}
	if v.MaxRTT, err = parseJSONDuration("max_rtt", w.MaxRTT); err != nil {
		return err
	}
	if v.MaxDuration, err = parseJSONDuration("max_duration", w.MaxDuration); err != nil {
		return err
	}
	if w.BudgetPerHour != nil {
		v.BudgetPerHour = *w.BudgetPerHour
	}
	if err := v.Validate(); err != nil {
		return err
	}
	*r = v
	return nil
}

// parseJSONDuration parses the duration of a wire field, "" being zero.
func parseJSONDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, invalidf("requirements: %s %q: want a non-negative Go duration, as in 5ms or 24h", field, errtext.Clip(s))
	}
	return d, nil
}
