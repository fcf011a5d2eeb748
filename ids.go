package iog

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/mr-tron/base58"

	"github.com/internetofgpus/iog/internal/errtext"
)

// DeviceID identifies a device: one machine a supplier lends, with its GPUs.
type DeviceID string

// WorkerID identifies a worker agent, the process that serves a supplier's
// devices to the network.
type WorkerID string

// ClusterID identifies a cluster an engineer rents: a set of devices
// deployed together, such as a Ray cluster.
type ClusterID string

// JobID identifies a unit of work placed by the scheduler.
type JobID string

// maxIDLen bounds an identifier, so that an ID from outside input cannot
// grow a key or a log line without limit.
const maxIDLen = 128

// ParseDeviceID checks that s is a well-formed DeviceID (see the rules of
// parseID).
func ParseDeviceID(s string) (DeviceID, error) { return parseID[DeviceID]("device", s) }

// ParseWorkerID checks that s is a well-formed WorkerID.
func ParseWorkerID(s string) (WorkerID, error) { return parseID[WorkerID]("worker", s) }

// ParseClusterID checks that s is a well-formed ClusterID.
func ParseClusterID(s string) (ClusterID, error) { return parseID[ClusterID]("cluster", s) }

// ParseJobID checks that s is a well-formed JobID.
func ParseJobID(s string) (JobID, error) { return parseID[JobID]("job", s) }

// parseID accepts identifiers that are safe as URL path segments, file
// names, log fields and database keys alike: 1 to 128 bytes of ASCII
// letters, digits, '-', '_', '.' and ':', starting with a letter or a digit.
// That admits UUIDs and the identifiers other networks use for their
// devices, and refuses whitespace, slashes and control characters.
func parseID[T ~string](kind, s string) (T, error) {
	switch {
	case s == "":
		return "", invalidf("%s ID is empty", kind)
	case len(s) > maxIDLen:
		return "", invalidf("%s ID is %d bytes long, more than %d", kind, len(s), maxIDLen)
	case !isAlnum(s[0]):
		return "", invalidf("%s ID %q must start with a letter or a digit", kind, s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' && c != ':' {
			return "", invalidf("%s ID %q has %q at byte %d; allowed are letters, digits, '-', '_', '.' and ':'", kind, s, c, i)
		}
	}
	return T(s), nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// NewDeviceID returns a random DeviceID in UUID form, drawing its bits from
// random (crypto/rand.Reader in production, a seeded source in simulation).
func NewDeviceID(random io.Reader) (DeviceID, error) { return newID[DeviceID]("device", random) }

// NewWorkerID returns a random WorkerID; see NewDeviceID.
func NewWorkerID(random io.Reader) (WorkerID, error) { return newID[WorkerID]("worker", random) }

// NewClusterID returns a random ClusterID; see NewDeviceID.
func NewClusterID(random io.Reader) (ClusterID, error) { return newID[ClusterID]("cluster", random) }

// NewJobID returns a random JobID; see NewDeviceID.
func NewJobID(random io.Reader) (JobID, error) { return newID[JobID]("job", random) }

// newID formats 16 bytes from random as an RFC 9562 version 4 UUID.
func newID[T ~string](kind string, random io.Reader) (T, error) {
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("new %s ID: read random bits: %w", kind, err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	hex.Encode(s[9:13], b[4:6])
	hex.Encode(s[14:18], b[6:8])
	hex.Encode(s[19:23], b[8:10])
	hex.Encode(s[24:], b[10:])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return T(s[:]), nil
}

// WalletAddress is a Solana account address: a 32-byte ed25519 public key,
// written in base58. Suppliers, engineers and the ledger's own accounts are
// all named by wallet addresses. The zero value is the all-zero key, which
// no keypair produces; IsZero reports it.
type WalletAddress [32]byte

// ParseWalletAddress decodes a base58 Solana address. Anything that does
// not decode to exactly 32 bytes is ErrInvalid.
func ParseWalletAddress(s string) (WalletAddress, error) {
	// A 32-byte key is at most 44 base58 characters; the bound also keeps
	// the decoder's quadratic work small on hostile input.
	if s == "" || len(s) > 44 {
		return WalletAddress{}, invalidf("wallet address %q: want 32 to 44 base58 characters, as in a Solana public key", errtext.Clip(s))
	}
	raw, err := base58.Decode(s)
	if err != nil {
		return WalletAddress{}, invalidf("wallet address %q: not base58 (letters and digits without 0, O, I and l)", s)
	}
	if len(raw) != len(WalletAddress{}) {
		return WalletAddress{}, invalidf("wallet address %q decodes to %d bytes, a Solana public key has 32", s, len(raw))
	}
	return WalletAddress(raw), nil
}

// WalletAddressOf returns the address of an ed25519 public key. A key that
// is not 32 bytes long is ErrInvalid.
func WalletAddressOf(key ed25519.PublicKey) (WalletAddress, error) {
	if len(key) != ed25519.PublicKeySize {
		return WalletAddress{}, invalidf("public key is %d bytes, ed25519 keys have %d", len(key), ed25519.PublicKeySize)
	}
	return WalletAddress(key), nil
}

// PublicKey returns the address as an ed25519 public key, for verifying the
// owner's signatures.
func (w WalletAddress) PublicKey() ed25519.PublicKey { return append(ed25519.PublicKey(nil), w[:]...) }

// IsZero reports whether w is the zero address.
func (w WalletAddress) IsZero() bool { return w == WalletAddress{} }

// String returns the base58 form of w.
func (w WalletAddress) String() string { return base58.Encode(w[:]) }

// MarshalText implements encoding.TextMarshaler with the base58 form.
func (w WalletAddress) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseWalletAddress.
// On error w is left unchanged.
func (w *WalletAddress) UnmarshalText(text []byte) error {
	return unmarshalWith(w, text, ParseWalletAddress)
}
