package api

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// The headers of a signed request.
const (
	// WalletHeader is the signer's wallet address (base58).
	WalletHeader = "IOG-Wallet"
	// TimestampHeader is when the request was signed, in Unix seconds.
	TimestampHeader = "IOG-Timestamp"
	// NonceHeader is a value the signer never uses twice: 16 to 64
	// letters, digits, '-' or '_'.
	NonceHeader = "IOG-Nonce"
	// SignatureHeader is the ed25519 signature of the request's
	// canonical form (see Canonical), in standard base64.
	SignatureHeader = "IOG-Signature"
	// IdempotencyHeader names a mutating request, so that a retry of it
	// is answered with the first response instead of acting again.
	IdempotencyHeader = "Idempotency-Key"
)

// MaxClockSkew is how far a signed request's timestamp may be from the
// server's clock, either way. A request older than that is refused as
// stale, which bounds how long the server must remember its nonce.
const MaxClockSkew = 5 * time.Minute

// Signed is what a valid signature establishes about a request.
type Signed struct {
	Wallet iog.WalletAddress
	Nonce  string
	Time   time.Time
}

// Canonical returns the text a request's signature covers: a version tag,
// the method, the escaped path and query exactly as sent, the SHA-256 of
// the body in hex, the timestamp and the nonce, one per line.
func Canonical(method, target string, body []byte, unix int64, nonce string) []byte {
	sum := sha256.Sum256(body)
	return []byte("IOG-SIG-1\n" + method + "\n" + target + "\n" + hex.EncodeToString(sum[:]) + "\n" + strconv.FormatInt(unix, 10) + "\n" + nonce)
}

// Target returns a request's path and query as they are signed.
func Target(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return r.URL.EscapedPath()
	}
	return r.URL.EscapedPath() + "?" + r.URL.RawQuery
}

// Sign signs r, whose body is body, by key at now with nonce: it sets the
// four signature headers.
func Sign(r *http.Request, body []byte, key ed25519.PrivateKey, now time.Time, nonce string) error {
	w, err := iog.WalletAddressOf(key.Public().(ed25519.PublicKey))
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	if err := checkNonce(nonce); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	unix := now.Unix()
	sig := ed25519.Sign(key, Canonical(r.Method, Target(r), body, unix, nonce))
	r.Header.Set(WalletHeader, w.String())
	r.Header.Set(TimestampHeader, strconv.FormatInt(unix, 10))
	r.Header.Set(NonceHeader, nonce)
	r.Header.Set(SignatureHeader, base64.StdEncoding.EncodeToString(sig))
	return nil
}

// IsSigned reports whether r carries a signature (valid or not).
func IsSigned(r *http.Request) bool { return r.Header.Get(SignatureHeader) != "" }

// Verify checks r's signature over body at now: the headers are well
// formed, the timestamp within MaxClockSkew of now, and the signature the
// wallet's. It does not know which nonces were used: the server refuses a
// nonce seen before. Every failure is iog.ErrUnauthorized, a stale or
// future timestamp also iog.ErrExpired.
func Verify(r *http.Request, body []byte, now time.Time) (Signed, error) {
	return VerifyWithin(r, body, now, MaxClockSkew)
}

// VerifyWithin is Verify with another bound on the clock skew, for a
// network whose clock runs faster than the real one (a demonstration),
// where a request's round trip is minutes of its time.
func VerifyWithin(r *http.Request, body []byte, now time.Time, skew time.Duration) (Signed, error) {
	fail := func(format string, args ...any) (Signed, error) {
		return Signed{}, fmt.Errorf("signature: "+format+": %w", append(args, iog.ErrUnauthorized)...)
	}
	w, err := iog.ParseWalletAddress(r.Header.Get(WalletHeader))
	if err != nil {
		return fail("%s header: %v", WalletHeader, err)
	}
	unix, err := strconv.ParseInt(r.Header.Get(TimestampHeader), 10, 64)
	if err != nil {
		return fail("%s header %q is not Unix seconds", TimestampHeader, errtext.Clip(r.Header.Get(TimestampHeader)))
	}
	nonce := r.Header.Get(NonceHeader)
	if err := checkNonce(nonce); err != nil {
		return fail("%v", err)
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(SignatureHeader))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fail("%s header is not a base64 ed25519 signature", SignatureHeader)
	}
	at := time.Unix(unix, 0).UTC()
	if d := now.Sub(at); d > skew || d < -skew {
		return Signed{}, fmt.Errorf("signature: signed at %v, %v from the server's clock, more than %v: %w (%w)", at, d.Round(time.Second), skew, iog.ErrExpired, iog.ErrUnauthorized)
	}
	if !ed25519.Verify(w.PublicKey(), Canonical(r.Method, Target(r), body, unix, nonce), sig) {
		return fail("not %v's signature of this request", w)
	}
	return Signed{Wallet: w, Nonce: nonce, Time: at}, nil
}

func checkNonce(nonce string) error {
	if len(nonce) < 16 || len(nonce) > 64 || strings.IndexFunc(nonce, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		return fmt.Errorf("nonce %q: want 16 to 64 letters, digits, '-' or '_'", errtext.Clip(nonce))
	}
	return nil
}
