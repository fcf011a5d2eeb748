package solana

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/internetofgpus/iog"
)

// newClient returns the RPC client of cfg: over go-retryablehttp unless
// cfg brings its own HTTP client.
func newClient(cfg Config) *rpc.Client {
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		rc := retryablehttp.NewClient()
		rc.Logger = retryLogger{cfg.Logger}
		httpClient = rc.StandardClient()
	}
	return rpc.NewWithCustomRPCClient(jsonrpc.NewClientWithOpts(cfg.Endpoint, &jsonrpc.RPCClientOpts{HTTPClient: httpClient}))
}

// retryLogger logs go-retryablehttp's retries at debug level: a retry is
// routine; its outcome is what the ledger reports.
type retryLogger struct{ l *slog.Logger }

func (r retryLogger) Error(msg string, kv ...any) { r.l.Debug("solana rpc: "+msg, kv...) }
func (r retryLogger) Info(msg string, kv ...any)  { r.l.Debug("solana rpc: "+msg, kv...) }
func (r retryLogger) Debug(msg string, kv ...any) { r.l.Debug("solana rpc: "+msg, kv...) }
func (r retryLogger) Warn(msg string, kv ...any)  { r.l.Debug("solana rpc: "+msg, kv...) }

var _ retryablehttp.LeveledLogger = retryLogger{}

// unavailable wraps an RPC failure: the server could not be reached or
// did not answer, and the outcome of what was asked is unknown.
func unavailable(what string, err error) error {
	return fmt.Errorf("solana rpc %s: %w (%w)", what, err, iog.ErrUnavailable)
}

// ErrRejected reports a transaction Solana refused for a reason the
// ledger's own checks did not foresee: the chain and the ledger disagree
// (an account changed by someone else), or the fee payer cannot pay. It
// names the instruction and the program's error. It matches
// iog.ErrConflict; a refusal for lack of tokens or SOL matches
// iog.ErrInsufficientFunds as well, and for a missing account
// iog.ErrNotFound.
var ErrRejected = fmt.Errorf("transaction rejected by Solana: %w", iog.ErrConflict)

// txError is a transaction's error as the RPC reports it: a string such
// as "BlockhashNotFound", or an object such as
// {"InstructionError":[2,{"Custom":1}]}.
type txError struct {
	name        string
	instruction int
	detail      string
	custom      int64
	hasCustom   bool
}

// parseTxError reads the err of a status or of a failed preflight.
func parseTxError(v any) (txError, bool) {
	switch e := v.(type) {
	case nil:
		return txError{}, false
	case string:
		return txError{name: e, instruction: -1}, true
	case map[string]any:
		for name, body := range e {
			te := txError{name: name, instruction: -1}
			if name == "InstructionError" {
				if parts, ok := body.([]any); ok && len(parts) == 2 {
					if i, ok := parts[0].(json.Number); ok {
						n, _ := i.Int64()
						te.instruction = int(n)
					} else if f, ok := parts[0].(float64); ok {
						te.instruction = int(f)
					}
					te.detail, te.custom, te.hasCustom = instructionDetail(parts[1])
				}
			}
			return te, true
		}
	}
	return txError{name: fmt.Sprint(v), instruction: -1}, true
}

func instructionDetail(v any) (string, int64, bool) {
	switch d := v.(type) {
	case string:
		return d, 0, false
	case map[string]any:
		if c, ok := d["Custom"]; ok {
			switch n := c.(type) {
			case float64:
				return "Custom", int64(n), true
			case json.Number:
				i, _ := n.Int64()
				return "Custom", i, true
			}
		}
		for k := range d {
			return k, 0, false
		}
	}
	return fmt.Sprint(v), 0, false
}

// The token program's and the system program's error numbers the ledger
// names.
const (
	tokenInsufficientFunds = 1
	systemAccountInUse     = 0
	systemShortOfLamports  = 1
)

// rejection turns a transaction error into the ledger's error, naming the
// program of the instruction that failed.
func rejection(te txError, program string, logs []string) error {
	what := te.name
	if te.instruction >= 0 {
		what = fmt.Sprintf("instruction %d (%s): %s", te.instruction, program, te.detail)
		if te.hasCustom {
			what += fmt.Sprintf(" %d", te.custom)
		}
	}
	if last := lastProgramLog(logs); last != "" {
		what += ": " + last
	}
	kind := ErrRejected
	switch {
	case te.name == "InsufficientFundsForFee" || te.name == "InsufficientFundsForRent":
		return fmt.Errorf("%s: the fee payer has too little SOL: %w (%w)", what, kind, iog.ErrInsufficientFunds)
	case te.hasCustom && program == "token" && te.custom == tokenInsufficientFunds,
		te.hasCustom && program == "system" && te.custom == systemShortOfLamports:
		return fmt.Errorf("%s: %w (%w)", what, kind, iog.ErrInsufficientFunds)
	case te.name == "AccountNotFound" || te.detail == "UninitializedAccount" || te.detail == "InvalidAccountData":
		return fmt.Errorf("%s: a token account is missing: %w (%w)", what, kind, iog.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, kind)
}

// lastProgramLog returns the last log line that says why a program
// failed, if any.
func lastProgramLog(logs []string) string {
	for i := len(logs) - 1; i >= 0; i-- {
		if strings.HasPrefix(logs[i], "Program log: Error") || strings.Contains(logs[i], "failed:") {
			return strings.TrimPrefix(logs[i], "Program log: ")
		}
	}
	return ""
}

// preflightError is what sendTransaction answers for a transaction it
// did not forward: its TransactionError and its logs. ok is false for an
// error that is not a preflight answer (the transaction's fate unknown).
func preflightError(re *jsonrpc.RPCError) (te txError, logs []string, ok bool) {
	data, _ := re.Data.(map[string]any)
	if data == nil {
		return txError{}, nil, false
	}
	te, ok = parseTxError(data["err"])
	if raw, isList := data["logs"].([]any); isList {
		for _, l := range raw {
			if s, isString := l.(string); isString {
				logs = append(logs, s)
			}
		}
	}
	return te, logs, ok
}
