package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/internetofgpus/iog"
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

type scoreJSON struct {
	FP16GFLOPS          uint32 `json:"fp16_gflops"`
	FP32GFLOPS          uint32 `json:"fp32_gflops,omitempty"`
	MemoryBytes         uint64 `json:"memory_bytes"`
	MemoryBandwidthGBps uint32 `json:"memory_bandwidth_gbps,omitempty"`
}

// DecodeRequest reads one request as JSON (see MarshalJSON for the form)
// and validates it. Unknown fields, trailing data, bodies over
// MaxRequestBytes and every problem Validate finds are iog.ErrInvalid.
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
		w.Score = &scoreJSON{r.Score.FP16GFLOPS, r.Score.FP32GFLOPS, r.Score.MemoryBytes, r.Score.MemoryBandwidthGBps}
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

// UnmarshalJSON reads the wire form of a request, refusing unknown fields
// and trailing data. It checks the syntax of each field but not the
// request as a whole; DecodeRequest does both. On error r is unchanged.
func (r *Request) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w requestJSON
	if err := dec.Decode(&w); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalidf("unexpected data after the JSON object")
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
		req.Score = Score{w.Score.FP16GFLOPS, w.Score.FP32GFLOPS, w.Score.MemoryBytes, w.Score.MemoryBandwidthGBps}
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

// jsonError turns a decoding error into an iog.ErrInvalid error a user can
// act on, keeping errors that are already of that kind.
func jsonError(err error) error {
	if errors.Is(err, iog.ErrInvalid) {
		return fmt.Errorf("request: %w", err)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return invalidf("field %q: want a JSON %s", typeErr.Field, typeErr.Type)
	}
	return invalidf("not a JSON request object (%v)", err)
}
