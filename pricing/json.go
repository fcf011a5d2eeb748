package pricing

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/strictjson"
)

// MaxRequestBytes bounds the JSON of one request.
const MaxRequestBytes = 64 << 10

// requestJSON is the wire form of a Request, as an HTTP API receives it:
//
//	{"gpu_model": "H100-SXM", "gpu_count": 8, "hours": 24,
//	 "locations": ["US/Virginia"], "bandwidth": "high",
//	 "commitment": "reserved", "currency": "USDC", "payout": "IO"}
//
// An unknown GPU is given by "score" instead of "gpu_model".
type requestJSON struct {
	GPUModel   string        `json:"gpu_model,omitempty"`
	GPUClass   string        `json:"gpu_class,omitempty"`
	Score      *scoreJSON    `json:"score,omitempty"`
	GPUCount   int           `json:"gpu_count"`
	Hours      int           `json:"hours"`
	Locations  []string      `json:"locations,omitempty"`
	Bandwidth  string        `json:"bandwidth,omitempty"`
	Commitment Commitment    `json:"commitment"`
	Currency   iog.Currency  `json:"currency"`
	Payout     *iog.Currency `json:"payout,omitempty"`
}

// scoreJSON is the wire form of a Score: the same fields, so that the two
// convert into each other, with their JSON names.
type scoreJSON struct {
	FP16GFLOPS          uint32 `json:"fp16_gflops"`
	FP32GFLOPS          uint32 `json:"fp32_gflops,omitempty"`
	MemoryBytes         uint64 `json:"memory_bytes"`
	MemoryBandwidthGBps uint32 `json:"memory_bandwidth_gbps,omitempty"`
}

var requestSchema = strictjson.New("request", iog.ErrInvalid, reflect.TypeFor[requestJSON](), reflect.TypeFor[scoreJSON]())

// DecodeRequest reads one request as JSON (see MarshalJSON for the form)
// and validates it. Unknown fields, names not spelled exactly as in the
// wire form or given twice, trailing data, bodies over MaxRequestBytes and
// every problem Validate finds are iog.ErrInvalid.
func DecodeRequest(r io.Reader) (Request, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRequestBytes+1))
	if err != nil {
		return Request{}, fmt.Errorf("request: read: %w", err)
	}
	if len(data) > MaxRequestBytes {
		return Request{}, invalidf("body is larger than %d bytes", MaxRequestBytes)
	}
	var req Request
	if err := req.UnmarshalJSON(data); err != nil {
		return Request{}, err
	}
	if err := req.Validate(); err != nil {
		return Request{}, err
	}
	return req, nil
}

// MarshalJSON writes r in the wire form DecodeRequest reads.
func (r Request) MarshalJSON() ([]byte, error) {
	w := requestJSON{
		GPUModel: r.GPUModel, GPUCount: r.GPUCount, Hours: r.Hours,
		Commitment: r.Commitment, Currency: r.Currency,
	}
	if r.GPUClass != iog.AnyGPUClass {
		w.GPUClass = r.GPUClass.String()
	}
	if !r.Score.IsZero() {
		s := scoreJSON(r.Score)
		w.Score = &s
	}
	for _, l := range r.Locations {
		w.Locations = append(w.Locations, l.String())
	}
	if r.Bandwidth != iog.UnratedBandwidth {
		w.Bandwidth = r.Bandwidth.String()
	}
	if r.Payout != 0 {
		w.Payout = &r.Payout
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the wire form of a request, refusing unknown fields,
// names not spelled exactly or given twice, and trailing data. It checks
// the syntax of each field but not the request as a whole; DecodeRequest
// does both. On error r is unchanged.
func (r *Request) UnmarshalJSON(data []byte) error {
	var w requestJSON
	if err := requestSchema.Decode(data, &w); err != nil {
		return err
	}
	req := Request{
		GPUModel: w.GPUModel, GPUCount: w.GPUCount, Hours: w.Hours,
		Commitment: w.Commitment, Currency: w.Currency,
	}
	var err error
	if w.GPUClass != "" {
		if req.GPUClass, err = iog.ParseGPUClass(w.GPUClass); err != nil {
			return fmt.Errorf("request: %w", err)
		}
	}
	if w.Score != nil {
		req.Score = Score(*w.Score)
		if req.Score.IsZero() {
			return invalidf("benchmark score is empty")
		}
	}
	if len(w.Locations) > MaxLocations {
		return invalidf("%d locations: at most %d per request", len(w.Locations), MaxLocations)
	}
	for i, s := range w.Locations {
		l, err := iog.ParseLocation(s)
		if err != nil {
			return fmt.Errorf("request: location %d: %w", i+1, err)
		}
		req.Locations = append(req.Locations, l)
	}
	if w.Bandwidth != "" {
		if req.Bandwidth, err = iog.ParseBandwidthTier(w.Bandwidth); err != nil {
			return fmt.Errorf("request: %w", err)
		}
	}
	if w.Payout != nil {
		req.Payout = *w.Payout
		if err := CheckPayout(req.Payout); err != nil {
			return fmt.Errorf("request: %w", err)
		}
	}
	*r = req
	return nil
}
