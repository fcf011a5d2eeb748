package tunnel

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/internetofgpus/iog"
)

// Pin is the SHA-256 hash of a certificate's SubjectPublicKeyInfo. Clients
// trust the relay, and mesh nodes each other, by pinning the key rather
// than through a certificate authority: a relay that changes its key is a
// different relay.
type Pin [sha256.Size]byte

// PinOf returns the pin of cert's leaf (its first certificate).
func PinOf(cert tls.Certificate) (Pin, error) {
	if len(cert.Certificate) == 0 {
		return Pin{}, fmt.Errorf("pin of certificate: %w: certificate has no leaf", iog.ErrInvalid)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return Pin{}, fmt.Errorf("pin of certificate: %w: %w", iog.ErrInvalid, err)
	}
	return sha256.Sum256(leaf.RawSubjectPublicKeyInfo), nil
}

// PinOfKey returns the pin of an ed25519 public key, the same a
// certificate made by NewCertificate for that key has.
func PinOfKey(pub ed25519.PublicKey) (Pin, error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return Pin{}, fmt.Errorf("pin of key: %w: %w", iog.ErrInvalid, err)
	}
	return sha256.Sum256(spki), nil
}

// String returns the pin in hex.
func (p Pin) String() string { return hex.EncodeToString(p[:]) }

// ParsePin decodes a pin written by String.
func ParsePin(s string) (Pin, error) {
	var p Pin
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(p) {
		return Pin{}, fmt.Errorf("pin %q: %w: want %d hex characters", s, iog.ErrInvalid, 2*len(p))
	}
	copy(p[:], b)
	return p, nil
}

// NewCertificate returns a self-signed TLS certificate for an ed25519 key.
// Nothing checks its dates or issuer, since peers pin its key; signing with
// ed25519 is deterministic, so the same key always gives the same
// certificate.
func NewCertificate(key ed25519.PrivateKey) (tls.Certificate, error) {
	if len(key) != ed25519.PrivateKeySize {
		return tls.Certificate{}, fmt.Errorf("new certificate: %w: private key is %d bytes, ed25519 keys have %d", iog.ErrInvalid, len(key), ed25519.PrivateKeySize)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "iog tunnel"},
		DNSNames:     []string{tlsServerName},
		NotBefore:    time.Unix(0, 0).UTC(),
		NotAfter:     time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("new certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// tlsServerName is the name clients send; nothing resolves it.
const tlsServerName = "iog-relay"

var errPinMismatch = errors.New("peer certificate does not match the pinned key")

// verifyPin checks that the peer's leaf certificate has the pinned key.
func verifyPin(pin Pin) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("%w: %w: no certificate", iog.ErrUnauthorized, errPinMismatch)
		}
		got := sha256.Sum256(cs.PeerCertificates[0].RawSubjectPublicKeyInfo)
		if subtle.ConstantTimeCompare(got[:], pin[:]) != 1 {
			return fmt.Errorf("%w: %w: got %x, pinned %x", iog.ErrUnauthorized, errPinMismatch, got[:8], pin[:8])
		}
		return nil
	}
}

// clientTLS is the TLS 1.3 configuration of a peer dialing a pinned key.
// Certificate chains are not verified: the pin replaces them. Records are
// always full-size: tunnels carry bulk data, and the small records that
// speed up a browser's first bytes cost CPU per byte here.
func clientTLS(pin Pin, cert *tls.Certificate) *tls.Config {
	c := &tls.Config{
		MinVersion:                  tls.VersionTLS13,
		DynamicRecordSizingDisabled: true,
		ServerName:                  tlsServerName,
		InsecureSkipVerify:          true, // the pin below is the verification
		VerifyConnection:            verifyPin(pin),
	}
	if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	return c
}

// serverTLS is the TLS 1.3 configuration of a relay or a mesh node
// accepting links, with full-size records as in clientTLS.
func serverTLS(cert tls.Certificate) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, DynamicRecordSizingDisabled: true}
}
