package solana

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// memoTag starts every memo the ledger writes, and names its version.
const memoTag = "iog1"

// maxMemo bounds the memo of one entry: its key and reason are at most
// 128 and 256 bytes, escaped by JSON at most six times over, beside an
// address or a hold key. A longer memo is none of ours.
const maxMemo = 4096

// memo is what an entry's Memo instruction says, beside the instructions
// that move its tokens: enough to rebuild the entry from the chain. It is
// written as a JSON array, readable in any explorer: ["iog1", seq, unix
// ms, kind, key, reason, extra] for the first entry of a transaction, and
// [kind, key, reason, extra] for the ones after it, which number on from
// it at the same time; [key] alone for one of the same kind and reason as
// the one before it, and no extra (the bulk of an epoch's payouts). Extra
// is the wallet an Open opens, the hold a Release draws on, or the owner
// a withdrawal pays; other kinds have none.
type memo struct {
	Seq    uint64
	Time   time.Time
	Kind   ledger.Kind
	Key    string
	Reason string
	Extra  string
	// Withdraw marks a Burn that pays the tokens out to the owner named by
	// Extra rather than destroying them.
	Withdraw bool
}

// withdrawKind is the memo's name for a withdrawal: a Burn of the ledger
// paid out to a wallet of its owner.
const withdrawKind = "withdraw"

// encode writes m, in full when it is the first of its transaction (prev
// is nil), else after prev.
func (m memo) encode(prev *memo) ([]byte, error) {
	kind := m.Kind.String()
	if m.Withdraw {
		kind = withdrawKind
	}
	fields := []any{kind, m.Key, m.Reason}
	switch {
	case prev == nil:
		fields = append([]any{memoTag, m.Seq, m.Time.UnixMilli()}, fields...)
	case m.continues(*prev):
		fields = []any{m.Key}
	}
	if m.Extra != "" {
		fields = append(fields, m.Extra)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil {
		return nil, fmt.Errorf("encode memo of %q: %w", m.Key, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// continues says whether m may be written as its key alone after prev:
// the same kind and reason, and nothing extra.
func (m memo) continues(prev memo) bool {
	return m.Kind == prev.Kind && m.Withdraw == prev.Withdraw && m.Reason == prev.Reason && m.Extra == "" && prev.Extra == ""
}

// isOurs tells the first memo of a transaction the ledger wrote from
// anyone else's.
func isOurs(data []byte) bool {
	return bytes.HasPrefix(data, []byte(`["`+memoTag+`",`))
}

// decodeMemo reads a memo the ledger wrote: the first of its transaction
// when prev is nil, else the one after prev. Anything else, or a memo that
// does not decode, is iog.ErrInvalid.
func decodeMemo(data []byte, prev *memo) (memo, error) {
	if len(data) > maxMemo {
		return memo{}, fmt.Errorf("memo of %d bytes, more than %d: %w", len(data), maxMemo, iog.ErrInvalid)
	}
	var fields []json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return memo{}, fmt.Errorf("memo %q: %v: %w", data, err, iog.ErrInvalid)
	}
	if prev != nil && len(fields) == 1 {
		m := memo{Seq: prev.Seq + 1, Time: prev.Time, Kind: prev.Kind, Withdraw: prev.Withdraw, Reason: prev.Reason}
		if err := json.Unmarshal(fields[0], &m.Key); err != nil || !m.continues(*prev) {
			return memo{}, fmt.Errorf("memo %q: a key alone after a %v memo with extra: %w", data, prev.Kind, iog.ErrInvalid)
		}
		return m, nil
	}
	var (
		m          memo
		tag, kind  string
		unixMillis int64
	)
	targets := []any{&kind, &m.Key, &m.Reason, &m.Extra}
	if prev == nil {
		targets = append([]any{&tag, &m.Seq, &unixMillis}, targets...)
	}
	if len(fields) != len(targets) && len(fields) != len(targets)-1 {
		return memo{}, fmt.Errorf("memo %q: %d fields, want %d or %d: %w", data, len(fields), len(targets)-1, len(targets), iog.ErrInvalid)
	}
	for i, f := range fields {
		if err := json.Unmarshal(f, targets[i]); err != nil {
			return memo{}, fmt.Errorf("memo %q: field %d: %v: %w", data, i+1, err, iog.ErrInvalid)
		}
	}
	if prev == nil {
		if tag != memoTag {
			return memo{}, fmt.Errorf("memo %q: tag %q, want %q: %w", data, tag, memoTag, iog.ErrInvalid)
		}
		m.Time = time.UnixMilli(unixMillis).UTC()
	} else {
		m.Seq, m.Time = prev.Seq+1, prev.Time
	}
	if kind == withdrawKind {
		m.Kind, m.Withdraw = ledger.Burn, true
	} else if m.Kind, _ = ledger.ParseKind(kind); m.Kind == 0 {
		return memo{}, fmt.Errorf("memo %q: unknown kind %q: %w", data, kind, iog.ErrInvalid)
	}
	needExtra := m.Kind == ledger.Open || m.Kind == ledger.Release || m.Withdraw
	if needExtra != (len(fields) == len(targets)) || (needExtra && m.Extra == "") {
		return memo{}, fmt.Errorf("memo %q: a %s memo with %d fields: %w", data, kind, len(fields), iog.ErrInvalid)
	}
	return m, nil
}
