package ledger_test

import (
	"bufio"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// writeSample writes a small ledger of n transfers after two opens and a
// mint, closes it, and returns its path and the file offsets where each
// entry's record ends.
func writeSample(t *testing.T, n int) (string, []int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger")
	l := openFile(t, path)
	var ends []int64
	size := func() int64 {
		st, err := os.Stat(path)
		require.NoError(t, err)
		return st.Size()
	}
	open(t, l, wallet(1))
	ends = append(ends, size())
	open(t, l, wallet(2))
	ends = append(ends, size())
	apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "mint", Reason: "genesis", To: wallet(1), Amount: io("1000")})
	ends = append(ends, size())
	for i := range n {
		apply(t, l, transferOp(i))
		ends = append(ends, size())
	}
	require.NoError(t, l.Verify(ctx))
	require.NoError(t, l.Close())
	return path, ends
}

// transferOp is the i-th transfer of the sample and crash ledgers: 1 IO
// back and forth between wallets 1 and 2.
func transferOp(i int) ledger.Op {
	from, to := wallet(1), wallet(2)
	if i%2 == 1 {
		from, to = to, from
	}
	return ledger.Op{Kind: ledger.Transfer, Key: "t-" + strconv.Itoa(i), Reason: "test transfer", From: from, To: to, Amount: io("1")}
}

func TestFileReopens(t *testing.T) {
	path, _ := writeSample(t, 5)
	l := openFile(t, path)
	require.Equal(t, io("999"), available(t, l, wallet(1), iog.IO))
	require.Equal(t, io("1"), available(t, l, wallet(2), iog.IO))
	// A retry of an op from before the restart is still recognized.
	replayed, err := l.Apply(ctx, transferOp(4))
	require.ErrorIs(t, err, ledger.ErrReplayed)
	found, err := l.Entry(ctx, transferOp(4).Key)
	require.NoError(t, err)
	require.Equal(t, replayed, found)
	require.Equal(t, transferOp(4), found.Op, "the entry read back is the op applied")
	e := apply(t, l, transferOp(5))
	require.Equal(t, uint64(9), e.Seq)
	require.True(t, ed25519.Verify(authority.Public().(ed25519.PublicKey), e.Hash[:], e.Signature))
	require.NoError(t, l.Verify(ctx))
	n, err := ledger.VerifyFile(path, authority.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	require.Equal(t, uint64(9), n)
}

func TestFileRefusesOtherAuthorityAndSecondOpen(t *testing.T) {
	path, _ := writeSample(t, 1)
	other := ed25519.NewKeyFromSeed([]byte("another authority key, 32 bytes!"))
	_, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: other, Clock: iog.NewManualClock(t0)})
	require.ErrorIs(t, err, iog.ErrUnauthorized)

	l := openFile(t, path)
	_, err = ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
	require.ErrorIs(t, err, iog.ErrConflict, "one process at a time")
	require.NoError(t, l.Close())
	_, err = l.Apply(ctx, transferOp(9))
	require.ErrorIs(t, err, iog.ErrUnavailable)

	_, err = ledger.OpenFile(ctx, path, ledger.FileConfig{Clock: iog.NewManualClock(t0)})
	require.ErrorIs(t, err, iog.ErrInvalid)
	// Without a clock, the system's stamps the entries.
	l, err = ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority})
	require.NoError(t, err)
	require.NoError(t, l.Close())
}

// TestFileTamper edits one byte inside each entry in turn: Verify and
// OpenFile refuse the file and name that entry.
func TestFileTamper(t *testing.T) {
	path, ends := writeSample(t, 6)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	pub := authority.Public().(ed25519.PublicKey)
	start := int64(40) // the header
	for i, end := range ends {
		seq := i + 1
		for _, off := range []int64{start, start + 5, start + 12, (start + end) / 2, end - 70, end - 1} {
			data := append([]byte(nil), orig...)
			data[off] ^= 0x20
			require.NoError(t, os.WriteFile(path, data, 0o600))
			_, err := ledger.VerifyFile(path, pub)
			require.ErrorIs(t, err, ledger.ErrTampered, "byte %d of entry %d", off, seq)
			require.Contains(t, err.Error(), fmt.Sprintf("entry %d ", seq), "byte %d", off)
			_, err = ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0), RepairTornTail: true})
			require.ErrorIs(t, err, ledger.ErrTampered)
		}
		start = end
	}
	// The header too.
	data := append([]byte(nil), orig...)
	data[3] ^= 1
	require.NoError(t, os.WriteFile(path, data, 0o600))
	_, err = ledger.VerifyFile(path, pub)
	require.ErrorIs(t, err, ledger.ErrTampered)
	data = append([]byte(nil), orig...)
	data[20] ^= 1
	require.NoError(t, os.WriteFile(path, data, 0o600))
	_, err = ledger.VerifyFile(path, pub)
	require.ErrorIs(t, err, iog.ErrUnauthorized)
}

// TestFileVerifyNamesTamperedEntry: one byte edited on disk under an open
// ledger is caught by its Verify, which names the entry; with the byte
// put back, the ledger verifies again.
func TestFileVerifyNamesTamperedEntry(t *testing.T) {
	path, ends := writeSample(t, 4)
	l := openFile(t, path)
	defer l.Close()
	disk, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer disk.Close()
	start := int64(40) // the header
	for i, end := range ends {
		off := (start + end) / 2
		b := make([]byte, 1)
		_, err := disk.ReadAt(b, off)
		require.NoError(t, err)
		_, err = disk.WriteAt([]byte{b[0] ^ 0x04}, off)
		require.NoError(t, err)
		err = l.Verify(ctx)
		require.ErrorIs(t, err, ledger.ErrTampered, "byte %d", off)
		require.Contains(t, err.Error(), fmt.Sprintf("entry %d ", i+1))
		_, err = disk.WriteAt(b, off)
		require.NoError(t, err)
		require.NoError(t, l.Verify(ctx))
		start = end
	}
}

// TestFileEveryByteEdit: no single-byte edit anywhere in the file goes
// unnoticed.
func TestFileEveryByteEdit(t *testing.T) {
	path, _ := writeSample(t, 1)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	pub := authority.Public().(ed25519.PublicKey)
	for off := range orig {
		data := append([]byte(nil), orig...)
		data[off] ^= 0x01
		require.NoError(t, os.WriteFile(path, data, 0o600))
		_, err := ledger.VerifyFile(path, pub)
		require.Error(t, err, "byte %d", off)
	}
}

func TestFileTornTail(t *testing.T) {
	path, ends := writeSample(t, 3)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	last := ends[len(ends)-2]
	for _, cut := range []int64{last + 1, last + 7, last + 8, last + 50, ends[len(ends)-1] - 1} {
		require.NoError(t, os.WriteFile(path, orig[:cut], 0o600))
		_, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
		require.ErrorIs(t, err, ledger.ErrTornTail, "cut at %d", cut)
		_, err = ledger.VerifyFile(path, authority.Public().(ed25519.PublicKey))
		require.ErrorIs(t, err, ledger.ErrTornTail)

		l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0), RepairTornTail: true})
		require.NoError(t, err)
		require.Equal(t, io("1000"), available(t, l, wallet(1), iog.IO), "the torn transfer is not applied")
		require.NoError(t, l.Verify(ctx))
		apply(t, l, transferOp(2)) // the lost op, retried, applies now
		require.NoError(t, l.Verify(ctx))
		require.NoError(t, l.Close())
	}
}

// TestFileZeroedTail: a crash can leave the file longer than what was
// written, the end filled with zeros (the size reached the disk, the data
// did not). Zeros too short to hold a record are a torn tail, not
// tampering: refused as such, and cut off on request like any other.
// Zeros that could hold a record are refused, repair or not, and left.
func TestFileZeroedTail(t *testing.T) {
	path, _ := writeSample(t, 2)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, tt := range []struct {
		zeros int
		torn  bool
	}{{1, true}, {8, true}, {100, true}, {300, false}, {4096, false}} {
		zeroed := append(append([]byte(nil), orig...), make([]byte, tt.zeros)...)
		require.NoError(t, os.WriteFile(path, zeroed, 0o600))
		_, err := ledger.VerifyFile(path, authority.Public().(ed25519.PublicKey))
		want := ledger.ErrTornTail
		if !tt.torn {
			want = ledger.ErrTampered
		}
		require.ErrorIs(t, err, want, "%d zeros", tt.zeros)
		_, err = ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
		require.ErrorIs(t, err, want, "%d zeros", tt.zeros)
		l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0), RepairTornTail: true})
		got, rerr := os.ReadFile(path)
		require.NoError(t, rerr)
		if !tt.torn {
			require.ErrorIs(t, err, ledger.ErrTampered, "%d zeros", tt.zeros)
			require.Equal(t, zeroed, got, "%d zeros are left for an operator", tt.zeros)
			continue
		}
		require.NoError(t, err, "%d zeros", tt.zeros)
		require.NoError(t, l.Verify(ctx))
		require.NoError(t, l.Close())
		require.Equal(t, orig, got, "the zeros are cut off")
	}
	// A new ledger, its header alone on disk, then zeros.
	empty := filepath.Join(t.TempDir(), "empty")
	require.NoError(t, openFile(t, empty).Close())
	header, err := os.ReadFile(empty)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(empty, append(header, make([]byte, 100)...), 0o600))
	l, err := ledger.OpenFile(ctx, empty, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0), RepairTornTail: true})
	require.NoError(t, err)
	require.NoError(t, l.Verify(ctx))
	require.NoError(t, l.Close())

	// Zeros in place of a record that is not the last are tampering.
	data := append([]byte(nil), orig...)
	copy(data[40:48], make([]byte, 8))
	require.NoError(t, os.WriteFile(path, data, 0o600))
	_, err = ledger.VerifyFile(path, authority.Public().(ed25519.PublicKey))
	require.ErrorIs(t, err, ledger.ErrTampered)
}

// The crash test: a child process (this test binary, re-executed) applies
// transfers to a durable ledger and reports each acknowledged one on
// stdout; the parent kills it mid-stream, reopens the ledger, verifies it,
// and checks that every acknowledged transfer is there.
const crashEnv = "IOG_LEDGER_CRASH_CHILD"

func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("runs only as the child of TestFileCrash")
	}
	l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	for _, op := range []ledger.Op{
		{Kind: ledger.Open, Key: "open-1", Reason: "r", To: wallet(1)},
		{Kind: ledger.Open, Key: "open-2", Reason: "r", To: wallet(2)},
		{Kind: ledger.Mint, Key: "mint", Reason: "genesis", To: wallet(1), Amount: io("1000")},
	} {
		if _, err := l.Apply(ctx, op); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
	}
	for i := range 100_000 {
		if _, err := l.Apply(ctx, transferOp(i)); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("ack", i)
	}
	os.Exit(0)
}

func TestFileCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for round := range 3 {
		path := filepath.Join(t.TempDir(), "ledger")
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		acked := -1
		scanner := bufio.NewScanner(stdout)
		want := 40 + 30*round
		for scanner.Scan() {
			line := scanner.Text()
			require.False(t, strings.HasPrefix(line, "error"), line)
			if n, ok := strings.CutPrefix(line, "ack "); ok {
				acked, err = strconv.Atoi(n)
				require.NoError(t, err)
				if acked >= want {
					require.NoError(t, cmd.Process.Kill())
					break
				}
			}
		}
		err = cmd.Wait()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "the child was killed: %v", err)
		require.GreaterOrEqual(t, acked, want)

		l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
		if errors.Is(err, ledger.ErrTornTail) {
			// A write cut short by the kill: never acknowledged, so it may go.
			l, err = ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0), RepairTornTail: true})
		}
		require.NoError(t, err)
		require.NoError(t, l.Verify(ctx))
		for i := 0; i <= acked; i++ {
			_, err := l.Apply(ctx, transferOp(i))
			require.ErrorIs(t, err, ledger.ErrReplayed, "acknowledged transfer %d is in the ledger", i)
		}
		a, b := available(t, l, wallet(1), iog.IO), available(t, l, wallet(2), iog.IO)
		sum, err := a.Add(b)
		require.NoError(t, err)
		require.Equal(t, io("1000"), sum, "nothing created or lost")
		require.NoError(t, l.Close())
	}
}

// TestFileRepairKeepsAcknowledgedEntries: entries synced to disk and
// then zeroed (by a disk or filesystem that lost them) are not a torn
// tail: a crash tears at most the one record being written. The file is
// refused, repair or not, with what was found, and left untouched; a last
// record that is really torn is still cut off.
func TestFileRepairKeepsAcknowledgedEntries(t *testing.T) {
	path, ends := writeSample(t, 100)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, int64(len(orig)), ends[len(ends)-1])
	for _, lost := range []int{1, 2, 10, 100} {
		from := ends[len(ends)-1-lost]
		t.Run(fmt.Sprintf("%d entries, %d bytes, zeroed", lost, int64(len(orig))-from), func(t *testing.T) {
			zeroed := append([]byte(nil), orig...)
			clear(zeroed[from:])
			require.NoError(t, os.WriteFile(path, zeroed, 0o600))
			_, err := ledger.VerifyFile(path, authority.Public().(ed25519.PublicKey))
			require.ErrorIs(t, err, ledger.ErrTampered)
			for _, repair := range []bool{false, true} {
				_, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0), RepairTornTail: repair})
				require.ErrorIs(t, err, ledger.ErrTampered, "repair %v", repair)
				require.NotErrorIs(t, err, ledger.ErrTornTail, "repair %v", repair)
				require.ErrorContains(t, err, fmt.Sprintf("after entry %d (offset %d): the file ends in %d zero bytes", len(ends)-lost, from, int64(len(orig))-from))
				got, err := os.ReadFile(path)
				require.NoError(t, err)
				require.Equal(t, zeroed, got, "the file is left for an operator")
			}
		})
	}
	t.Run("the last record torn", func(t *testing.T) {
		last := ends[len(ends)-2]
		for _, cut := range []int64{last + 1, last + (ends[len(ends)-1]-last)/2, ends[len(ends)-1] - 1} {
			require.NoError(t, os.WriteFile(path, orig[:cut], 0o600))
			_, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
			require.ErrorIs(t, err, ledger.ErrTornTail, "cut at %d", cut)
			l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0), RepairTornTail: true})
			require.NoError(t, err, "cut at %d", cut)
			require.NoError(t, l.Verify(ctx))
			_, err = l.Entry(ctx, transferOp(99).Key)
			require.ErrorIs(t, err, iog.ErrNotFound, "the torn entry is gone")
			_, err = l.Entry(ctx, transferOp(98).Key)
			require.NoError(t, err, "the one before it is kept")
			require.NoError(t, l.Close())
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, orig[:last], got)
		}
	})
}

// TestFileTornBatch: a crash in the middle of writing a batch leaves some
// of its records on disk, complete and signed. The file is torn at the
// batch's start: the whole batch is lost (it was never acknowledged),
// never a part of it.
func TestFileTornBatch(t *testing.T) {
	path, ends := writeSample(t, 2)
	batch := []ledger.Op{transferOp(2), transferOp(3), transferOp(4)}
	l := openFile(t, path)
	_, err := l.ApplyAll(ctx, batch)
	require.NoError(t, err)
	require.NoError(t, l.Close())
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	start := ends[len(ends)-1]
	require.NoError(t, os.WriteFile(path, orig, 0o600))
	n, err := ledger.VerifyFile(path, authority.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	require.Equal(t, uint64(8), n)

	recordLen := (int64(len(orig)) - start) / 3
	for _, cut := range []int64{start + 10, start + recordLen, start + recordLen + 1, start + 2*recordLen, int64(len(orig)) - 1} {
		require.NoError(t, os.WriteFile(path, orig[:cut], 0o600))
		_, err := ledger.VerifyFile(path, authority.Public().(ed25519.PublicKey))
		require.ErrorIs(t, err, ledger.ErrTornTail, "cut at %d", cut)
		_, err = ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
		require.ErrorIs(t, err, ledger.ErrTornTail, "cut at %d", cut)

		l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0), RepairTornTail: true})
		require.NoError(t, err, "cut at %d", cut)
		require.NoError(t, l.Verify(ctx))
		require.Equal(t, io("1000"), available(t, l, wallet(1), iog.IO), "no transfer of the torn batch is applied")
		for _, op := range batch {
			_, err := l.Entry(ctx, op.Key)
			require.ErrorIs(t, err, iog.ErrNotFound)
		}
		entries, err := l.ApplyAll(ctx, batch) // the lost batch, retried, applies whole
		require.NoError(t, err)
		require.Equal(t, uint64(6), entries[0].Seq)
		require.NoError(t, l.Verify(ctx))
		require.NoError(t, l.Close())
	}
}
