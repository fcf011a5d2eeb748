package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// Settlement is what became of one ledger entry settled on the chain.
type Settlement struct {
	// Seq and Key are the entry's.
	Seq uint64
	Key string
	// Signature is the chain's signature of the transaction that carries
	// the entry, for a settled one.
	Signature []byte
	// Status is api.SettlementSettled or api.SettlementFailed; Error is
	// the chain's refusal of a failed entry.
	Status string
	Error  string
	At     time.Time
}

// SettlementCursor returns the seq of the last ledger entry settled, 0
// before the first, and locks it until the transaction ends, so that two
// settlers (a leader and one that just lost the lead) never both advance
// it.
func (t *Tx) SettlementCursor() (uint64, error) {
	var seq int64
	err := t.tx.QueryRowContext(t.ctx, "SELECT seq FROM settlement_cursor WHERE id = 1"+t.forUpdate()).Scan(&seq)
	if noRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("the settlement cursor: %w", err)
	}
	return uint64(seq), nil
}

// RecordSettled records entries settled, the next ones after the cursor
// in order, and moves the cursor to the last. Entries that do not follow
// the cursor are iog.ErrConflict: another settler moved it.
func (t *Tx) RecordSettled(settled []Settlement) error {
	if len(settled) == 0 {
		return nil
	}
	cursor, err := t.SettlementCursor()
	if err != nil {
		return err
	}
	for i, s := range settled {
		if s.Seq != cursor+uint64(i)+1 || s.Status != api.SettlementSettled {
			return fmt.Errorf("record settlements from entry %d: entry %d (%s) does not follow the cursor at %d: %w", settled[0].Seq, s.Seq, s.Status, cursor, iog.ErrConflict)
		}
	}
	err = t.insertRows("settlements", []string{"seq", "key", "signature", "status", "error", "at"}, len(settled), func(args []any, i int) []any {
		s := settled[i]
		return append(args, int64(s.Seq), s.Key, append([]byte{}, s.Signature...), s.Status, s.Error, unix(s.At))
	})
	if err != nil {
		return fmt.Errorf("record %d settlements from entry %d: %w", len(settled), settled[0].Seq, err)
	}
	last := settled[len(settled)-1]
	err = t.exec("INSERT INTO settlement_cursor (id, seq, updated) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET seq = $1, updated = $2", int64(last.Seq), unix(last.At))
	if err != nil {
		return fmt.Errorf("move the settlement cursor to %d: %w", last.Seq, err)
	}
	return nil
}

// RecordSettlementFailure records the chain's refusal of the entry after
// the cursor; the cursor stays. An entry not next is iog.ErrConflict.
func (t *Tx) RecordSettlementFailure(s Settlement) error {
	cursor, err := t.SettlementCursor()
	if err != nil {
		return err
	}
	if s.Seq != cursor+1 || s.Status != api.SettlementFailed {
		return fmt.Errorf("record the failure of entry %d (%s): the cursor is at %d: %w", s.Seq, s.Status, cursor, iog.ErrConflict)
	}
	err = t.exec(`INSERT INTO settlements (seq, key, signature, status, error, at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (seq) DO UPDATE SET error = $5, at = $6`, int64(s.Seq), s.Key, []byte{}, s.Status, s.Error, unix(s.At))
	if err != nil {
		return fmt.Errorf("record the failure of entry %d: %w", s.Seq, err)
	}
	return nil
}

// SettlementFailure returns the failed entry that stops the settler, and
// whether there is one: a failure recorded after the cursor.
func (t *Tx) SettlementFailure() (Settlement, bool, error) {
	found, err := t.settlementsWhere("seq > COALESCE((SELECT seq FROM settlement_cursor WHERE id = 1), 0) AND status = $1", api.SettlementFailed)
	if err != nil || len(found) == 0 {
		return Settlement{}, false, err
	}
	return found[0], true, nil
}

// Settlements returns what the store knows of the settlement of the
// entries numbered seqs, by seq: an entry absent is pending. It reads them
// a few hundred a query.
func (t *Tx) Settlements(seqs []uint64) (map[uint64]Settlement, error) {
	out := make(map[uint64]Settlement, len(seqs))
	for start := 0; start < len(seqs); start += settlementChunk {
		chunk := seqs[start:min(start+settlementChunk, len(seqs))]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, seq := range chunk {
			marks[i], args[i] = fmt.Sprintf("$%d", i+1), int64(min(seq, 1<<63-1))
		}
		found, err := t.settlementsWhere("seq IN ("+strings.Join(marks, ", ")+")", args...)
		if err != nil {
			return nil, err
		}
		for _, s := range found {
			out[s.Seq] = s
		}
	}
	return out, nil
}

// settlementChunk is how many seqs one query of Settlements asks for.
const settlementChunk = 500

func (t *Tx) settlementsWhere(where string, args ...any) ([]Settlement, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT seq, key, signature, status, error, at FROM settlements WHERE "+where+" ORDER BY seq", args...)
	if err != nil {
		return nil, fmt.Errorf("read settlements: %w", err)
	}
	defer rows.Close()
	var out []Settlement
	for rows.Next() {
		var s Settlement
		var seq, at int64
		if err := rows.Scan(&seq, &s.Key, &s.Signature, &s.Status, &s.Error, &at); err != nil {
			return nil, fmt.Errorf("read settlements: %w", err)
		}
		s.Seq, s.At = uint64(seq), time.Unix(0, at).UTC()
		if len(s.Signature) == 0 {
			s.Signature = nil // a failed entry has none
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read settlements: %w", err)
	}
	return out, nil
}
