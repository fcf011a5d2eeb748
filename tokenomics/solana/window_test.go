package solana_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/solana"
)

// packs packs ops into batches by Fit.
func packs(t testing.TB, l *solana.Ledger, ops []ledger.Op) [][]ledger.Op {
	t.Helper()
	var batches [][]ledger.Op
	for len(ops) > 0 {
		n := l.Fit(ops)
		require.Positive(t, n)
		batches, ops = append(batches, ops[:n]), ops[n:]
	}
	return batches
}

// TestWindowedPayout: an epoch's payouts, several transactions at once,
// land completely, numbered in order, as a ledger opened afresh reads
// them.
func TestWindowedPayout(t *testing.T) {
	v := testValidator(t)
	n := newNetwork(t, v, t.Name())
	l := n.open(t)
	fundSuppliers(t, l, faultSuppliers)
	first := l.Seq() + 1
	batches := packs(t, l, payouts(t, l, faultSuppliers, 1))
	got, err := l.ApplyEach(ctx, batches)
	require.NoError(t, err)
	require.Len(t, got, len(batches))
	seq := first
	for _, entries := range got {
		for _, e := range entries {
			require.Equal(t, seq, e.Seq)
			seq++
		}
	}
	require.NoError(t, l.Verify(ctx))
	checkPaidOnce(t, n, 1)
}

// refusingProxy forwards JSON-RPC to the validator. In the next batch
// that sends more than three transactions it makes the third pay more
// than the treasury holds, signed again with the authority's key, which
// the validator's preflight refuses; when reversing, it sends the next
// such batch's transactions last first, so that they land in that order.
// A batch the validator turns away for its expired blockhash, which a
// loaded machine can take long enough to send, does not count: the
// ledger signs it again on a fresh one, and the proxy waits for that.
type refusingProxy struct {
	t         *testing.T
	to        string
	key       solanago.PrivateKey
	armed     atomic.Bool
	reversing atomic.Bool
}

func (p *refusingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var reqs []map[string]any
	window := json.Unmarshal(body, &reqs) == nil && len(reqs) > 3 && reqs[2]["method"] == "sendTransaction"
	reversed := window && p.reversing.CompareAndSwap(true, false)
	if reversed {
		sends := reqs[:len(reqs)-1] // the last asks for the statuses
		slices.Reverse(sends)
		var err error
		body, err = json.Marshal(reqs)
		require.NoError(p.t, err)
	}
	refused := window && p.armed.CompareAndSwap(true, false)
	if refused {
		params := reqs[2]["params"].([]any)
		tx, err := solanago.TransactionFromBase64(params[0].(string))
		require.NoError(p.t, err)
		for i, ix := range tx.Message.Instructions {
			if program, _ := tx.ResolveProgramIDIndex(ix.ProgramIDIndex); program == solanago.TokenProgramID {
				binary.LittleEndian.PutUint64(tx.Message.Instructions[i].Data[1:], 1<<62)
				break
			}
		}
		tx.Signatures = nil
		_, err = tx.Sign(func(solanago.PublicKey) *solanago.PrivateKey { return &p.key })
		require.NoError(p.t, err)
		params[0] = tx.MustToBase64()
		body, err = json.Marshal(reqs)
		require.NoError(p.t, err)
	}
	res, err := http.Post(p.to, "application/json", bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	answers, err := io.ReadAll(res.Body)
	require.NoError(p.t, err)
	if (reversed || refused) && blockhashExpired(answers) {
		p.reversing.CompareAndSwap(false, reversed)
		p.armed.CompareAndSwap(false, refused)
	}
	w.WriteHeader(res.StatusCode)
	w.Write(answers)
}

// blockhashExpired says whether the validator turned away a batch's
// transactions because their blockhash was not found.
func blockhashExpired(answers []byte) bool {
	var batch []struct {
		Error *struct {
			Data struct {
				Err any `json:"err"`
			} `json:"data"`
		} `json:"error"`
	}
	if json.Unmarshal(answers, &batch) != nil {
		return false
	}
	for _, a := range batch {
		if a.Error != nil && a.Error.Data.Err == "BlockhashNotFound" {
			return true
		}
	}
	return false
}

// proxiedPayout is a network whose ledger reaches the validator through a
// refusingProxy, with faultSuppliers funded, and epoch 1's payouts to
// them packed by Fit.
func proxiedPayout(t *testing.T) (network, *refusingProxy, *solana.Ledger, [][]ledger.Op) {
	v := testValidator(t)
	n := newNetwork(t, v, t.Name())
	proxy := &refusingProxy{t: t, to: v.URL(), key: solanago.PrivateKey(n.cfg.Authority)}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	n.cfg.Endpoint = srv.URL
	l := n.open(t)
	fundSuppliers(t, l, faultSuppliers)
	return n, proxy, l, packs(t, l, payouts(t, l, faultSuppliers, 1))
}

// TestWindowMiddleRefused: the third transaction of a window is refused
// and the ones after it land. ApplyEach returns the first two batches
// and the third's rejection; the next call reads back the ones that
// landed, numbered on from the second without a gap; the third applies
// when sent again; and a ledger opened afresh numbers every entry alike.
func TestWindowMiddleRefused(t *testing.T) {
	n, proxy, l, batches := proxiedPayout(t)
	require.Greater(t, len(batches), 8)

	proxy.armed.Store(true)
	got, err := l.ApplyEach(ctx, batches)
	require.ErrorIs(t, err, solana.ErrRejected)
	require.ErrorContains(t, err, "batch 3 of")
	require.Len(t, got, 2)

	// Sending the third again reads back the five after it first.
	again, err := l.ApplyEach(ctx, batches[2:3])
	require.NoError(t, err)
	var rest [][]ledger.Op
	for _, b := range batches[3:] {
		if _, err := l.Entry(ctx, b[0].Key); err != nil {
			rest = append(rest, b)
		}
	}
	require.Len(t, rest, len(batches)-8, "the window's five after the third landed")
	_, err = l.ApplyEach(ctx, rest)
	require.NoError(t, err)

	seqs := map[string]uint64{}
	all := map[uint64]bool{}
	for _, b := range batches {
		for _, op := range b {
			e, err := l.Entry(ctx, op.Key)
			require.NoError(t, err)
			seqs[op.Key] = e.Seq
			all[e.Seq] = true
		}
	}
	first := got[0][0].Seq
	for s := first; s < first+uint64(len(seqs)); s++ {
		require.True(t, all[s], "entry %d: the entries are numbered without a gap", s)
	}
	require.Equal(t, got[1][len(got[1])-1].Seq+1, seqs[batches[3][0].Key], "the fourth batch numbered on from the second")
	require.Greater(t, again[0][0].Seq, seqs[batches[7][0].Key], "the third, sent again, after the five")
	require.NoError(t, l.Verify(ctx))

	fresh := n.open(t)
	for key, seq := range seqs {
		e, err := fresh.Entry(ctx, key)
		require.NoError(t, err)
		require.Equal(t, seq, e.Seq, "%s, read afresh from the chain", key)
	}
	require.Equal(t, l.Seq(), fresh.Seq())
	require.Equal(t, ledgerIO(t, l), ledgerIO(t, fresh))
	checkPaidOnce(t, n, 1)
}

// ledgerIO is the IO supply a ledger shows.
func ledgerIO(t *testing.T, l *solana.Ledger) iog.Amount {
	s, err := l.Supply(ctx, iog.IO)
	require.NoError(t, err)
	return s
}

// TestWindowUnknownFate: a window sent while the RPC server is gone
// fails with iog.ErrUnavailable when its context ends, and changes
// nothing the ledger shows; the next call settles every transaction of
// it first, and the batches' retry applies each once.
func TestWindowUnknownFate(t *testing.T) {
	v := testValidator(t)
	n := newNetwork(t, v, t.Name())
	l := n.open(t)
	fundSuppliers(t, l, 40)
	batches := packs(t, l, payouts(t, l, 40, 1))
	require.Greater(t, len(batches), 2)
	seq := l.Seq()
	v.Kill()
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err := l.ApplyEach(short, batches)
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.Equal(t, seq, l.Seq())
	v.Restart(t)
	got, err := l.ApplyEach(ctx, batches)
	require.NoError(t, err)
	require.Len(t, got, len(batches))
	require.Equal(t, seq+40, l.Seq())
	require.NoError(t, l.Verify(ctx))
	fresh := n.open(t)
	require.Equal(t, l.Seq(), fresh.Seq())
	require.NoError(t, fresh.Verify(ctx))
}

// TestWindowLandsInAnyOrder: a window's transactions land last first, so
// the one the ledger takes for the newest is the oldest on the chain; a
// failure in the next window makes the ledger read back from there, and
// it skips what it applied.
func TestWindowLandsInAnyOrder(t *testing.T) {
	n, proxy, l, batches := proxiedPayout(t)
	require.Greater(t, len(batches), 16)

	proxy.reversing.Store(true)
	_, err := l.ApplyEach(ctx, batches[:8])
	require.NoError(t, err)
	proxy.armed.Store(true)
	got, err := l.ApplyEach(ctx, batches[8:16])
	require.ErrorIs(t, err, solana.ErrRejected)
	require.Len(t, got, 2)
	var rest [][]ledger.Op
	for _, b := range batches[10:] {
		if _, err := l.Entry(ctx, b[0].Key); err != nil {
			rest = append(rest, b)
		}
	}
	// The first call reads back; the batches of the window that landed are
	// found by their keys.
	_, err = l.ApplyEach(ctx, rest[:1])
	require.NoError(t, err)
	rest = rest[1:]
	var left [][]ledger.Op
	for _, b := range rest {
		if _, err := l.Entry(ctx, b[0].Key); err != nil {
			left = append(left, b)
		}
	}
	require.Len(t, left, len(batches)-16, "the window's five after the refused one landed")
	_, err = l.ApplyEach(ctx, left)
	require.NoError(t, err)
	require.NoError(t, l.Verify(ctx))
	fresh := n.open(t)
	require.Equal(t, l.Seq(), fresh.Seq())
	checkPaidOnce(t, n, 1)
}
