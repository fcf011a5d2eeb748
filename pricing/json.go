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

// termsJSON is the wire form of a Request's commercial terms. The wire
// form of a Request, as an HTTP API receives it for a quote and for a
// deploy alike, is one object: the fields of its iog.Requirements' wire
// form (see iog.Requirements.MarshalJSON) and these beside them:
//
//	{"gpu_model": "H100-SXM", "gpu_count": 8, "hours": 24,
//	 "locations": ["US/Virginia"], "bandwidth": "high",
//	 "commitment": "reserved", "currency": "USDC", "payout": "IO"}
//
// An unknown GPU is given by "score" instead of "gpu_model".
type termsJSON struct {
	Score      *scoreJSON    `json:"score,omitempty"`
	Hours      int           `json:"hours"`
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

var termsSchema = strictjson.New("request", iog.ErrInvalid, reflect.TypeFor[termsJSON](), reflect.TypeFor[scoreJSON]())

// termNames are the top-level names of termsJSON: the request's members
// that are not its requirements'.
var termNames = []string{"score", "hours", "commitment", "currency", "payout"}

// DecodeRequest reads one request as JSON (see UnmarshalJSON), refusing a
// body over MaxRequestBytes with iog.ErrInvalid.
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
	return req, nil
}

// MarshalJSON writes r in its wire form (see termsJSON): its
// Requirements' members, then its terms'.
func (r Request) MarshalJSON() ([]byte, error) {
	needs, err := r.Requirements.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	w := termsJSON{Hours: r.Hours, Commitment: r.Commitment, Currency: r.Currency}
	if !r.Score.IsZero() {
		s := scoreJSON(r.Score)
		w.Score = &s
	}
	if r.Payout != 0 {
		w.Payout = &r.Payout
	}
	terms, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	return strictjson.Join(needs, terms), nil
}

// UnmarshalJSON reads the wire form MarshalJSON writes and validates the
// request (see Validate). Unknown fields, names not spelled exactly as in
// the wire form or given twice, trailing data and every problem Validate
// finds are iog.ErrInvalid; on error r is unchanged.
func (r *Request) UnmarshalJSON(data []byte) error {
	terms, needs, err := termsSchema.Split(data, termNames)
	if err != nil {
		return err
	}
	var w termsJSON
	if err := termsSchema.Decode(terms, &w); err != nil {
		return err
	}
	req := Request{Hours: w.Hours, Commitment: w.Commitment, Currency: w.Currency}
	if w.Score != nil {
		req.Score = Score(*w.Score)
		if req.Score.IsZero() {
			return invalidf("benchmark score is empty")
		}
	}
	if w.Payout != nil {
		req.Payout = *w.Payout
	}
	if err := req.Requirements.UnmarshalJSON(needs); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if err := req.Validate(); err != nil {
		return err
	}
	*r = req
	return nil
}
