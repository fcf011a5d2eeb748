package ledger

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/internetofgpus/iog"
)

// FileConfig configures a File ledger.
type FileConfig struct {
	// Authority is the ledger's ed25519 key (a Solana keypair; see
	// iog.ParseSolanaKeypair): it signs every entry, and a file signed by another
	// key is refused. Required.
	Authority ed25519.PrivateKey
	// Clock stamps the entries. Nil means iog.SystemClock.
	Clock iog.Clock
	// RepairTornTail, when set, lets OpenFile cut off an incomplete last
	// record (a write a crash interrupted, never acknowledged) instead of
	// refusing the file. The cut is logged. A tail of zeros long enough to
	// hold a complete record is never cut: it may stand where acknowledged
	// entries were, and OpenFile refuses it as ErrTampered whatever this
	// says.
	RepairTornTail bool
	// Logger receives the ledger's warnings. Nil means slog.Default().
	Logger *slog.Logger
}

// File is the embedded, durable Ledger: an append-only file of
// hash-chained entries, each signed by the authority key and synced to
// disk (fsync) before Apply returns, so a crash loses nothing that was
// acknowledged. Opening the file replays and verifies every entry; a
// torn tail is detected and refused (or cut off, if configured), and a
// tampered entry is refused and named. Only one File may have a path open
// at a time. Create one with OpenFile; Close it when done.
type File struct {
	state
	path   string
	f      *os.File
	cfg    FileConfig
	last   [32]byte
	size   int64
	broken error // set when the file could not be restored after a failed write
}

var _ Ledger = (*File)(nil)

// OpenFile opens the ledger at path, creating it when it does not exist.
// It verifies the whole file first (see Verify). A file that ends in a
// torn record is ErrTornTail unless cfg.RepairTornTail; a file that does
// not verify, or that ends in zeros that could hold a record, is
// ErrTampered and left as it is; a file signed by another authority is
// iog.ErrUnauthorized; a file another process has open is
// iog.ErrConflict.
func OpenFile(ctx context.Context, path string, cfg FileConfig) (*File, error) {
	if len(cfg.Authority) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("open ledger %s: no ed25519 authority key: %w", path, iog.ErrInvalid)
	}
	cfg.Clock = clockOr(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	l, err := load(f, path, cfg)
	if err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

func load(f *os.File, path string, cfg FileConfig) (*File, error) {
	if err := lockFile(f); err != nil {
		return nil, fmt.Errorf("open ledger %s: in use by another process: %w (%w)", path, err, iog.ErrConflict)
	}
	data, err := readAll(f)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	pub := cfg.Authority.Public().(ed25519.PublicKey)
	if len(data) == 0 {
		if err := create(f, path, pub); err != nil {
			return nil, err
		}
		data = encodeHeader(pub)
	}
	res, err := scan(data, pub, false)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	if res.torn {
		// scan has already refused zeros that could hold a record: what
		// is torn here is at most the one write a crash interrupted.
		if !cfg.RepairTornTail || res.good == 0 {
			return nil, fmt.Errorf("open ledger %s: %d bytes at offset %d after entry %d: %w", path, int64(len(data))-res.good, res.good, res.entries, ErrTornTail)
		}
		if err := f.Truncate(res.good); err != nil {
			return nil, fmt.Errorf("open ledger %s: cut torn tail: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("open ledger %s: cut torn tail: %w", path, err)
		}
		cfg.Logger.Warn("ledger: cut off a torn tail", "path", path, "offset", res.good, "bytes", int64(len(data))-res.good, "entries", res.entries)
	}
	return &File{state: state{book: res.book}, path: path, f: f, cfg: cfg, last: res.last, size: res.good}, nil
}

// readAll reads the whole of f. The ledger reads the file it opened and
// locked, not its path again, which another process may have pointed at
// another file in between.
func readAll(f *os.File) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data := make([]byte, fi.Size())
	n, err := f.ReadAt(data, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return data[:n], nil
}

// create writes the header of a new ledger and makes it durable, the
// directory entry included.
func create(f *os.File, path string, pub ed25519.PublicKey) error {
	if _, err := f.WriteAt(encodeHeader(pub), 0); err != nil {
		return fmt.Errorf("create ledger %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("create ledger %s: %w", path, err)
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("create ledger %s: %w", path, err)
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("create ledger %s: sync directory: %w", path, err)
	}
	return nil
}

// Apply implements Ledger. The entry is on disk, synced, when it returns
// without error.
func (l *File) Apply(ctx context.Context, op Op) (Entry, error) {
	entries, err := l.ApplyAll(ctx, []Op{op})
	return first(entries), err
}

// ApplyAll implements Ledger. The batch is written with one write and one
// sync, its records marked so that a crash in the middle of the write
// leaves a torn tail that loses the whole batch, never a part of it.
func (l *File) ApplyAll(ctx context.Context, ops []Op) ([]Entry, error) {
	if err := startBatch(ctx, ops); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return nil, err
	}
	if entries, found, err := replayedBatch(ops, l.book.prior); found {
		return entries, err
	}
	entries, err := l.book.applyBatch(ops, l.cfg.Clock.Now().UTC())
	if err != nil {
		return nil, err
	}
	var records []byte
	last := l.last
	for i := range entries {
		var rec []byte
		rec, err = encodeRecord(&entries[i], last, l.cfg.Authority, i < len(entries)-1)
		if err != nil {
			break
		}
		records = append(records, rec...)
		last = entries[i].Hash
	}
	if err == nil {
		err = l.append(records)
	}
	if err != nil {
		l.book.undoBatch(ops)
		return nil, fmt.Errorf("apply %v %q: %w", ops[0].Kind, ops[0].Key, err)
	}
	l.book.commitBatch(entries)
	l.last = last
	return clones(entries), nil
}

// append writes a record at the end and syncs it. On failure it cuts the
// file back to its previous size; if even that fails, the ledger refuses
// further writes.
func (l *File) append(rec []byte) error {
	_, err := l.f.WriteAt(rec, l.size)
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		if terr := l.f.Truncate(l.size); terr != nil {
			l.broken = fmt.Errorf("ledger %s: a failed write could not be undone (%v): %w", l.path, terr, iog.ErrUnavailable)
		}
		return fmt.Errorf("write ledger %s: %w (%w)", l.path, err, iog.ErrUnavailable)
	}
	l.size += int64(len(rec))
	return nil
}

func (l *File) usable() error {
	if l.f == nil {
		return fmt.Errorf("ledger %s is closed: %w", l.path, iog.ErrUnavailable)
	}
	return l.broken
}

// Authority returns the wallet address of the ledger's authority key.
func (l *File) Authority() iog.WalletAddress {
	w, _ := iog.WalletAddressOf(l.cfg.Authority.Public().(ed25519.PublicKey))
	return w
}

// Verify reads the file back from disk and replays it: the header, every
// entry's framing, hash chain and signature, every operation against the
// balances before it, every recorded balance against the replayed one;
// then it compares the replayed balances, holds and supply with the
// ledger's own. A failure is ErrTampered and names the entry.
func (l *File) Verify(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := os.ReadFile(l.path)
	if err != nil {
		return fmt.Errorf("verify ledger: %w", err)
	}
	res, err := scan(data, l.cfg.Authority.Public().(ed25519.PublicKey), false)
	if err != nil {
		return fmt.Errorf("verify ledger %s: %w", l.path, err)
	}
	switch {
	case res.torn || res.good != l.size:
		return fmt.Errorf("verify ledger %s: %d bytes on disk, %d written: %w", l.path, len(data), l.size, ErrTampered)
	case res.entries != l.book.seq:
		return fmt.Errorf("verify ledger %s: %d entries on disk, %d applied: %w", l.path, res.entries, l.book.seq, ErrTampered)
	}
	if d := l.book.diff(res.book); d != "" {
		return fmt.Errorf("verify ledger %s: %s: %w", l.path, d, ErrTampered)
	}
	return nil
}

// VerifyFile verifies a ledger file that is not open, as Verify does,
// against the authority's public key, and returns its number of entries.
// A torn tail is ErrTornTail.
func VerifyFile(path string, authority ed25519.PublicKey) (uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("verify ledger: %w", err)
	}
	res, err := verify(data, authority, false)
	if err != nil {
		return res.entries, fmt.Errorf("verify ledger %s: %w", path, err)
	}
	return res.entries, nil
}

// Decode returns the entries of a ledger file's content, verified as
// VerifyFile verifies them, for readers such as an explorer. Content
// that does not verify is ErrTampered (or ErrTornTail, or
// iog.ErrUnauthorized for another authority's ledger).
func Decode(data []byte, authority ed25519.PublicKey) ([]Entry, error) {
	res, err := verify(data, authority, true)
	if err != nil {
		return nil, fmt.Errorf("decode ledger: %w", err)
	}
	return res.list, nil
}

func verify(data []byte, authority ed25519.PublicKey, keep bool) (scanResult, error) {
	if len(authority) != ed25519.PublicKeySize {
		return scanResult{}, fmt.Errorf("authority key is %d bytes, not %d: %w", len(authority), ed25519.PublicKeySize, iog.ErrInvalid)
	}
	res, err := scan(data, authority, keep)
	if err != nil {
		return res, err
	}
	if res.torn {
		return res, fmt.Errorf("incomplete record at offset %d after entry %d: %w", res.good, res.entries, ErrTornTail)
	}
	return res, nil
}

// Close closes the file. Apply and Verify fail after it; Balance and
// Supply still answer from the state at closing.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := errors.Join(unlockFile(l.f), l.f.Close())
	l.f = nil
	if err != nil {
		return fmt.Errorf("close ledger %s: %w", l.path, err)
	}
	return nil
}
