package solana

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"

	"github.com/internetofgpus/iog"
)

// blockhashAge is how long a fetched blockhash is used for new
// transactions: far less than the minute or so it stays valid, so that a
// transaction signed on it has most of that time to land.
const blockhashAge = time.Second

// recentBlockhash is a blockhash and the last block height at which a
// transaction signed on it can land.
type recentBlockhash struct {
	hash      solana.Hash
	lastValid uint64
	fetched   time.Time
}

// inflight is a transaction whose fate is not known yet: it may land
// until the block height passes lastValid.
type inflight struct {
	sig       solana.Signature
	lastValid uint64
}

// errExpired reports a transaction that provably did not land: its
// blockhash expired with no status for it, or preflight refused the
// blockhash. It may be signed again on a fresh one.
var errExpired = errors.New("transaction expired unprocessed")

// sender sends transactions and follows them until they land.
type sender struct {
	cfg    Config
	rpc    *rpc.Client
	recent recentBlockhash
	// suspects are the transactions whose fate the last submit left
	// unknown.
	suspects []inflight
}

// submit sends the transaction build signs and waits until it lands at
// the ledger's commitment: submitWindow with one transaction.
func (l *sender) submit(ctx context.Context, build func(solana.Hash) (signed, error)) (solana.Signature, error) {
	out := l.submitWindow(ctx, []func(solana.Hash) (signed, error){build})[0]
	return out.sig, out.err
}

// sent is the fate of one transaction of a window: landed when err is
// nil.
type sent struct {
	sig solana.Signature
	err error
}

// submitWindow sends the transactions builds sign, all in one JSON-RPC
// batch with a status request for each, and waits until each has landed
// at the ledger's commitment. A transaction that provably did not land is
// signed again on a fresh blockhash; one Solana refused returns its
// rejection; one whose fate is unknown when ctx ends returns an error
// matching iog.ErrUnavailable and is left in l.suspects for the next call
// to settle. The transactions may land in any order.
func (l *sender) submitWindow(ctx context.Context, builds []func(solana.Hash) (signed, error)) []sent {
	out := make([]sent, len(builds))
	todo := make([]int, len(builds))
	for i := range todo {
		todo[i] = i
	}
	fresh := false
	for len(todo) > 0 {
		bh, err := l.blockhash(ctx, fresh)
		if err != nil {
			for _, i := range todo {
				out[i].err = err
			}
			return out
		}
		var (
			txs   []signed
			which []int
		)
		for _, i := range todo {
			tx, err := builds[i](bh.hash)
			if err != nil {
				out[i].err = err
				continue
			}
			out[i].sig = tx.sig
			txs, which = append(txs, tx), append(which, i)
		}
		errs := l.sendAndConfirm(ctx, txs, bh.lastValid)
		todo = todo[:0]
		for k, err := range errs {
			i := which[k]
			switch {
			case errors.Is(err, errExpired):
				todo = append(todo, i)
				continue
			case errors.Is(err, iog.ErrUnavailable):
				l.suspects = append(l.suspects, inflight{sig: txs[k].sig, lastValid: bh.lastValid})
			}
			out[i].err = err
		}
		fresh = true
	}
	return out
}

// sendAndConfirm sends txs and polls their statuses until each lands,
// fails, or provably expires. It sends one again now and then while it
// waits, as validators drop what they cannot forward; Solana applies a
// signature once. The first send asks for the statuses in the same
// request (a JSON-RPC batch), which a validator that processed the
// transactions at once answers: one round trip.
func (l *sender) sendAndConfirm(ctx context.Context, txs []signed, lastValid uint64) []error {
	opts := rpc.TransactionOpts{PreflightCommitment: l.cfg.Commitment}
	encoded := make([]string, len(txs))
	sigs := make([]solana.Signature, len(txs))
	reqs := make(jsonrpc.RPCRequests, 0, len(txs)+1)
	for k, tx := range txs {
		encoded[k], sigs[k] = base64.StdEncoding.EncodeToString(tx.raw), tx.sig
		reqs = append(reqs, jsonrpc.NewRequest("sendTransaction", encoded[k], opts.ToMap()))
	}
	reqs = append(reqs, jsonrpc.NewRequest("getSignatureStatuses", sigs, rpc.M{"searchTransactionHistory": true}))
	// refused reads a send's answer: nil when it was accepted, or when its
	// fate is unknown and the status tells.
	refused := func(k int, re *jsonrpc.RPCError) error {
		te, logs, answered := preflightError(re)
		switch {
		case !answered, te.name == "AlreadyProcessed":
			return nil
		case te.name == "BlockhashNotFound":
			return errExpired
		}
		return rejection(te, programOf(txs[k].programs, te.instruction), logs)
	}
	errs := make([]error, len(txs))
	done := make([]bool, len(txs))
	answers, err := l.rpc.RPCCallBatch(ctx, reqs)
	if err == nil {
		var st rpc.GetSignatureStatusesResult
		status := answerTo(answers, len(txs))
		known := status != nil && status.Error == nil && status.GetObject(&st) == nil && len(st.Value) == len(txs)
		for k := range txs {
			if send := answerTo(answers, k); send != nil && send.Error != nil {
				if errs[k] = refused(k, send.Error); errs[k] != nil {
					done[k] = true
					continue
				}
			}
			switch {
			case !known || st.Value[k] == nil:
			case st.Value[k].Err != nil:
				te, _ := parseTxError(st.Value[k].Err)
				errs[k], done[k] = rejection(te, programOf(txs[k].programs, te.instruction), nil), true
			case final(st.Value[k].ConfirmationStatus, l.cfg.Commitment):
				done[k] = true
			}
		}
	}
	for k := range txs {
		if done[k] {
			continue
		}
		resend := func() error {
			_, err := l.rpc.SendEncodedTransactionWithOpts(ctx, encoded[k], opts)
			var re *jsonrpc.RPCError
			if errors.As(err, &re) {
				return refused(k, re)
			}
			return nil
		}
		errs[k] = l.confirm(ctx, inflight{sig: sigs[k], lastValid: lastValid}, txs[k].programs, resend)
	}
	return errs
}

// answerTo finds the answer to the request numbered id in a batch.
func answerTo(answers jsonrpc.RPCResponses, id int) *jsonrpc.RPCResponse {
	for _, a := range answers {
		if fmt.Sprint(a.ID) == fmt.Sprint(id) {
			return a
		}
	}
	return nil
}

// confirm polls sent's status until it is final enough, failed, or
// provably expired, resending now and then with resend.
func (l *sender) confirm(ctx context.Context, sent inflight, programs []string, resend func() error) error {
	wait := max(l.cfg.PollInterval/50, time.Millisecond)
	lastSend := time.Now()
	for {
		st, err := l.status(ctx, sent.sig)
		switch {
		case err != nil && ctx.Err() != nil:
			return fmt.Errorf("transaction %v: %w (%w)", sent.sig, ctx.Err(), iog.ErrUnavailable)
		case err != nil:
			// The RPC server is away: its client has retried; wait and ask again.
		case st != nil && st.Err != nil:
			te, _ := parseTxError(st.Err)
			return rejection(te, programOf(programs, te.instruction), nil)
		case st != nil && final(st.ConfirmationStatus, l.cfg.Commitment):
			return nil
		case st == nil:
			height, herr := l.rpc.GetBlockHeight(ctx, l.cfg.Commitment)
			if herr == nil && height > sent.lastValid {
				// The blockhash has expired; a status looked up now is
				// final: none means it never landed.
				if st, err := l.status(ctx, sent.sig); err == nil && st == nil {
					return fmt.Errorf("transaction %v: %w", sent.sig, errExpired)
				}
			} else if time.Since(lastSend) > 2*time.Second && resend != nil {
				if err := resend(); err != nil {
					return err
				}
				lastSend = time.Now()
			}
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("transaction %v: %w (%w)", sent.sig, err, iog.ErrUnavailable)
		}
		wait = min(2*wait, l.cfg.PollInterval)
	}
}

// status returns sig's status, or nil when the RPC server has none.
func (l *sender) status(ctx context.Context, sig solana.Signature) (*rpc.SignatureStatusesResult, error) {
	out, err := l.rpc.GetSignatureStatuses(ctx, true, sig)
	if errors.Is(err, rpc.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("getSignatureStatuses", err)
	}
	if len(out.Value) != 1 {
		return nil, unavailable("getSignatureStatuses", fmt.Errorf("%d statuses for one signature", len(out.Value)))
	}
	return out.Value[0], nil
}

// final says whether a status has reached the commitment asked for.
func final(got rpc.ConfirmationStatusType, want rpc.CommitmentType) bool {
	rank := map[string]int{"processed": 1, "confirmed": 2, "finalized": 3}
	return rank[string(got)] >= rank[string(want)]
}

// blockhash returns a recent blockhash: the cached one while it is young,
// a fetched one when fresh is asked or it is not.
func (l *sender) blockhash(ctx context.Context, fresh bool) (recentBlockhash, error) {
	if !fresh && l.recent.fetched.After(time.Now().Add(-blockhashAge)) {
		return l.recent, nil
	}
	out, err := l.rpc.GetLatestBlockhash(ctx, l.cfg.Commitment)
	if err != nil {
		return recentBlockhash{}, unavailable("getLatestBlockhash", err)
	}
	if out == nil || out.Value == nil {
		return recentBlockhash{}, unavailable("getLatestBlockhash", errors.New("no blockhash in the answer"))
	}
	l.recent = recentBlockhash{hash: out.Value.Blockhash, lastValid: out.Value.LastValidBlockHeight, fetched: time.Now()}
	return l.recent, nil
}

// settle waits until each transaction whose fate the last calls left
// unknown has landed or provably expired, and says whether any landed.
func (l *sender) settle(ctx context.Context) (landed bool, err error) {
	for len(l.suspects) > 0 {
		err = l.confirm(ctx, l.suspects[0], nil, nil)
		switch {
		case err == nil:
			landed = true
		case errors.Is(err, errExpired):
		case errors.Is(err, ErrRejected):
			// It landed and failed: it moved nothing.
		default:
			return landed, err
		}
		l.suspects = l.suspects[1:]
	}
	return landed, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func programOf(programs []string, i int) string {
	if i < 0 || i >= len(programs) {
		return ""
	}
	return programs[i]
}

func programName(id solana.PublicKey) string {
	switch id {
	case solana.TokenProgramID:
		return "token"
	case solana.SystemProgramID:
		return "system"
	case solana.MemoProgramID:
		return "memo"
	case solana.SPLAssociatedTokenAccountProgramID:
		return "associated token account"
	case solana.ComputeBudget:
		return "compute budget"
	}
	return id.String()
}
