package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
)

// The ledger file format:
//
//	header:  "IOGLEDG1" (8 bytes) | authority ed25519 public key (32 bytes)
//	record:  body length L (4 bytes, big-endian) | CRC-32C of those 4 bytes
//	         | body (L bytes of JSON) | hash (32) | signature (64)
//
// hash = SHA-256(previous hash || body), the previous hash of the first
// record being SHA-256(header); signature = ed25519(authority, hash). The
// length's own checksum tells a torn tail (a record cut short at the end
// of the file) from a corrupted length in the middle.
const (
	magic        = "IOGLEDG1"
	headerLen    = len(magic) + ed25519.PublicKeySize
	frameLen     = 8
	trailerLen   = sha256.Size + ed25519.SignatureSize
	maxBodyLen   = 64 << 10
	maxRecordLen = frameLen + maxBodyLen + trailerLen
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func encodeHeader(pub ed25519.PublicKey) []byte {
	return append([]byte(magic), pub...)
}

// recordJSON is the body of a record.
type recordJSON struct {
	Seq      uint64        `json:"seq"`
	Time     time.Time     `json:"time"`
	Kind     string        `json:"kind"`
	Key      string        `json:"key"`
	Reason   string        `json:"reason"`
	From     string        `json:"from,omitempty"`
	To       string        `json:"to,omitempty"`
	Amount   string        `json:"amount,omitempty"`
	HoldKey  string        `json:"hold,omitempty"`
	Balances []balanceJSON `json:"balances"`
	// More marks a record of an atomic batch that is not its last: a
	// file that ends after one lost the rest of its batch to a crash.
	More bool `json:"more,omitempty"`
}

type balanceJSON struct {
	Account   string `json:"account"`
	Available string `json:"available"`
	Held      string `json:"held"`
}

// encodeRecord returns the framed record of e, computing its hash from
// prev and signing it; it sets e's Prev, Hash and Signature. more marks a
// record that a later one of the same atomic batch follows.
func encodeRecord(e *Entry, prev [32]byte, key ed25519.PrivateKey, more bool) ([]byte, error) {
	body, err := encodeBody(e, more, iog.WalletAddress.String)
	if err != nil {
		return nil, err
	}
	seal(e, prev, body, key)
	out := make([]byte, frameLen, frameLen+len(body)+trailerLen)
	binary.BigEndian.PutUint32(out, uint32(len(body)))
	binary.BigEndian.PutUint32(out[4:], crc32.Checksum(out[:4], castagnoli))
	out = append(out, body...)
	out = append(out, e.Hash[:]...)
	return append(out, e.Signature...), nil
}

// encodeBody returns the JSON body that records e, the wallets in it
// written as text returns them (iog.WalletAddress.String, or a memo of
// it).
func encodeBody(e *Entry, more bool, text func(iog.WalletAddress) string) ([]byte, error) {
	optional := func(w iog.WalletAddress) string {
		if w.IsZero() {
			return ""
		}
		return text(w)
	}
	r := recordJSON{
		Seq: e.Seq, Time: e.Time, Kind: e.Op.Kind.String(), Key: e.Op.Key, Reason: e.Op.Reason,
		From: optional(e.Op.From), To: optional(e.Op.To), HoldKey: e.Op.HoldKey, More: more,
	}
	if e.Op.Amount.Currency() != 0 {
		r.Amount = e.Op.Amount.String()
	}
	for _, b := range e.Balances {
		r.Balances = append(r.Balances, balanceJSON{Account: text(b.Account), Available: b.Available.String(), Held: b.Held.String()})
	}
	body, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode entry %d: %w", e.Seq, err)
	}
	if len(body) > maxBodyLen {
		return nil, fmt.Errorf("encode entry %d: %d bytes, more than %d: %w", e.Seq, len(body), maxBodyLen, iog.ErrInvalid)
	}
	return body, nil
}

// seal chains e, recorded as body, to the entry before it (whose hash is
// prev) and signs it: it sets e's Prev, Hash and Signature.
func seal(e *Entry, prev [32]byte, body []byte, key ed25519.PrivateKey) {
	e.Prev = prev
	e.Hash = chainHash(prev, body)
	e.Signature = ed25519.Sign(key, e.Hash[:])
}

// sealBatch chains the entries of an atomic batch, recorded as bodies
// (each but the last marked as continuing it), to the entry before them,
// whose hash is prev, and signs the last: it sets their Prev and Hash,
// and the last one's Signature. The chain makes that one signature cover
// every entry of the batch, as a signature of each would: changing an
// entry changes its hash and so every later one's up to the signed. It
// returns the last hash.
func sealBatch(entries []Entry, bodies [][]byte, prev [32]byte, key ed25519.PrivateKey) [32]byte {
	for i := range entries {
		e := &entries[i]
		e.Prev, e.Hash = prev, chainHash(prev, bodies[i])
		prev = e.Hash
	}
	if n := len(entries); n > 0 {
		entries[n-1].Signature = ed25519.Sign(key, prev[:])
	}
	return prev
}

// signatureOf is a copy of a stored signature, nil for none.
func signatureOf(sig []byte) []byte {
	if len(sig) == 0 {
		return nil
	}
	return append([]byte(nil), sig...)
}

func chainHash(prev [32]byte, body []byte) [32]byte {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(body)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// decodeBody parses a record body into an entry (without its hashes),
// and reports whether it continues an atomic batch.
func decodeBody(body []byte) (Entry, bool, error) {
	var r recordJSON
	if err := json.Unmarshal(body, &r); err != nil {
		return Entry{}, false, fmt.Errorf("body is not a ledger record: %w", err)
	}
	e, err := r.entry()
	return e, r.More, err
}

func (r *recordJSON) entry() (Entry, error) {
	kind, err := ParseKind(r.Kind)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Seq: r.Seq, Time: r.Time, Op: Op{Kind: kind, Key: r.Key, Reason: r.Reason, HoldKey: r.HoldKey}}
	if e.Op.From, err = optionalWallet(r.From); err != nil {
		return Entry{}, err
	}
	if e.Op.To, err = optionalWallet(r.To); err != nil {
		return Entry{}, err
	}
	if r.Amount != "" {
		if e.Op.Amount, err = iog.ParseAmount(r.Amount); err != nil {
			return Entry{}, err
		}
	}
	for _, b := range r.Balances {
		var bal Balance
		if bal.Account, err = iog.ParseWalletAddress(b.Account); err != nil {
			return Entry{}, err
		}
		if bal.Available, err = iog.ParseAmount(b.Available); err != nil {
			return Entry{}, err
		}
		if bal.Held, err = iog.ParseAmount(b.Held); err != nil {
			return Entry{}, err
		}
		bal.Currency = bal.Available.Currency()
		e.Balances = append(e.Balances, bal)
	}
	return e, nil
}

func optionalWallet(s string) (iog.WalletAddress, error) {
	if s == "" {
		return iog.WalletAddress{}, nil
	}
	return iog.ParseWalletAddress(s)
}

// scanResult is what a scan of a ledger file found.
type scanResult struct {
	pub     ed25519.PublicKey
	book    *book
	last    [32]byte // hash of the last good record (or of the header)
	good    int64    // bytes of header and complete, verified records
	entries uint64
	list    []Entry // the entries, when scan is asked to keep them
	// torn is set when the file ends in an incomplete record, or in an
	// atomic batch whose last record is missing, at offset good.
	torn bool
	// pending is how many bytes of complete records of that unfinished
	// batch follow good.
	pending int64
}

// scan reads a whole ledger file: it checks the header, then every
// record's framing, hash chain and signature, decodes it, replays it on a
// fresh book and compares the recorded balances with the replayed ones.
// want, when not nil, is the authority the header must name. A record
// that fails is ErrTampered naming the entry; an incomplete last record, or
// an atomic batch cut short by the end of the file, is reported in torn,
// not as an error, and so is an end of the file that is all zeros from a
// record boundary on. scan never panics on any input.
func scan(data []byte, want ed25519.PublicKey, keep bool) (scanResult, error) {
	res := scanResult{book: newBook()}
	if len(data) < headerLen {
		if len(data) == 0 || string(data) == magic[:min(len(data), len(magic))] {
			res.torn = true
			return res, nil
		}
		return res, fmt.Errorf("ledger header: %w", ErrTampered)
	}
	if string(data[:len(magic)]) != magic {
		return res, fmt.Errorf("not a ledger file (no %q header): %w", magic, ErrTampered)
	}
	res.pub = ed25519.PublicKey(append([]byte(nil), data[len(magic):headerLen]...))
	if want != nil && !want.Equal(res.pub) {
		return res, fmt.Errorf("ledger is signed by authority %x, not the key given (%x): %w", []byte(res.pub[:8]), []byte(want[:8]), iog.ErrUnauthorized)
	}
	res.last = genesisHash(res.pub)
	res.good = int64(headerLen)
	off := headerLen
	batchStart := -1 // offset of the unfinished batch's first record
	for off < len(data) {
		seq := res.entries + 1
		rest := data[off:]
		fail := func(format string, args ...any) (scanResult, error) {
			if allZero(rest) {
				return res.zeroTail(data, batchStart, off, want, keep)
			}
			return res, fmt.Errorf("entry %d (offset %d): %s: %w", seq, off, fmt.Sprintf(format, args...), ErrTampered)
		}
		if len(rest) < frameLen {
			return res.cutBatch(data, batchStart, off, want, keep)
		}
		n := binary.BigEndian.Uint32(rest)
		if crc32.Checksum(rest[:4], castagnoli) != binary.BigEndian.Uint32(rest[4:]) {
			return fail("record length is corrupt")
		}
		if n == 0 || n > maxBodyLen {
			return fail("record length %d is out of range", n)
		}
		if len(rest) < frameLen+int(n)+trailerLen {
			return res.cutBatch(data, batchStart, off, want, keep)
		}
		body := rest[frameLen : frameLen+int(n)]
		var hash [32]byte
		copy(hash[:], rest[frameLen+int(n):])
		sig := rest[frameLen+int(n)+sha256.Size : frameLen+int(n)+trailerLen]
		e, more, err := replayRecord(res.book, res.pub, seq, res.last, body, hash, sig)
		if err != nil {
			return fail("%v", err)
		}
		if keep {
			res.list = append(res.list, e)
		}
		if more && batchStart < 0 {
			batchStart = off
		}
		res.last = hash
		res.entries = seq
		off += frameLen + int(n) + trailerLen
		if !more {
			batchStart = -1
			res.good = int64(off)
		}
	}
	return res.cutBatch(data, batchStart, off, want, keep)
}

// cutBatch finishes a scan that stopped at off: complete when no batch is
// unfinished and nothing follows off; torn otherwise, at the start of the
// unfinished batch (whose records the state must not keep) or at off.
func (res scanResult) cutBatch(data []byte, batchStart, off int, want ed25519.PublicKey, keep bool) (scanResult, error) {
	if batchStart < 0 {
		res.torn = off < len(data)
		res.good = int64(off)
		return res, nil
	}
	// Scan again up to the batch: rare (only after a crash), and the
	// simplest way to drop the batch's effects from the state.
	before, err := scan(data[:batchStart], want, keep)
	if err != nil {
		return before, err
	}
	before.torn = true
	before.pending = int64(off - batchStart)
	return before, nil
}

// zeroTail finishes a scan that found only zeros from off to the end of
// the file. A crash can leave the end of a file zero-filled: the file grew
// but the write never reached the disk. Zeros too short to hold a record
// are that, a torn tail. Zeros that could hold a complete record may just
// as well stand where synced, acknowledged entries were (a disk or a
// filesystem that lost them): that is lost data, not a torn write, and is
// refused as ErrTampered, naming what was found, so that an operator
// decides (see the package doc).
func (res scanResult) zeroTail(data []byte, batchStart, off int, want ed25519.PublicKey, keep bool) (scanResult, error) {
	if zeros := len(data) - off; zeros >= minRecordLen {
		return res, fmt.Errorf("after entry %d (offset %d): the file ends in %d zero bytes, room for at least one complete record of %d bytes or more: "+
			"acknowledged entries may have been lost, which a torn write cannot explain; the file is left as it is: %w",
			res.entries, off, zeros, minRecordLen, ErrTampered)
	}
	return res.cutBatch(data, batchStart, off, want, keep)
}

// emptyBody is the body of a record with every field at its zero value,
// as encodeBody writes it: the body of every real entry is at least as
// long.
const emptyBody = `{"seq":0,"time":"0001-01-01T00:00:00Z","kind":"","key":"","reason":"","balances":null}`

// minRecordLen is the length of the shortest record the ledger writes.
const minRecordLen = frameLen + len(emptyBody) + trailerLen

// genesisHash is the hash the first entry chains to: that of the header
// naming the authority.
func genesisHash(pub ed25519.PublicKey) [32]byte {
	return sha256.Sum256(encodeHeader(pub))
}

// replayRecord checks one record and applies it to b: its hash chains its
// body to prev, the authority signed it (or it continues an atomic batch
// and is unsigned, sealed by the batch's last record: see sealBatch), the
// body decodes to entry seq under an unused key, the op replays on b and
// leaves the balances the record says. It returns the entry, with its
// hashes, and whether it continues an atomic batch. On error b is
// unchanged.
func replayRecord(b *book, pub ed25519.PublicKey, seq uint64, prev [32]byte, body []byte, hash [32]byte, sig []byte) (Entry, bool, error) {
	if chainHash(prev, body) != hash {
		return Entry{}, false, errors.New("hash does not match the content and the previous entry")
	}
	e, more, err := decodeBody(body)
	if err != nil {
		return Entry{}, false, err
	}
	if !(more && len(sig) == 0) && !ed25519.Verify(pub, hash[:], sig) {
		return Entry{}, false, errors.New("signature is not the authority's")
	}
	if e.Seq != seq {
		return Entry{}, false, fmt.Errorf("numbered %d", e.Seq)
	}
	if _, used := b.keys[e.Op.Key]; used {
		return Entry{}, false, fmt.Errorf("idempotency key %q used twice", e.Op.Key)
	}
	if err := b.check(e.Op); err != nil {
		return Entry{}, false, fmt.Errorf("does not replay: %v", err)
	}
	e.Prev, e.Hash, e.Signature = prev, hash, signatureOf(sig)
	replayed := b.apply(e.Op)
	if !slices.Equal(replayed, e.Balances) {
		b.undo(e.Op)
		return Entry{}, false, fmt.Errorf("recorded balances %v differ from the replayed %v", e.Balances, replayed)
	}
	b.commit(e)
	return e, more, nil
}

// allZero reports whether every byte of b is zero.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
