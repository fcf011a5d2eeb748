package refserver

import (
	"crypto/hmac"
	"crypto/sha256"

	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/refserver/store"
)

// verifier returns a gpu.Verifier holding the records of devices, for one
// request: the database holds every device's record, and a request
// restores only those it touches, so that any server process can answer
// it. Nonces are keyed by the authority, so a challenge issued by one
// process is good at another, and after a restart.
func (s *Server) verifier(devices ...store.Device) (*gpu.Verifier, error) {
	v := gpu.NewVerifier(gpu.VerifierConfig{
		Clock: s.cfg.Clock, Random: s.cfg.Random, NonceKey: s.nonceKey, Logger: s.log,
		ProofInterval: s.cfg.ProofInterval, NonceTTL: s.cfg.ReportNonceTTL, Proof: gpu.ProofConfig{N: s.cfg.ProofN, Slack: s.cfg.ProofSlack},
	})
	records := make([]gpu.DeviceRecord, 0, len(devices))
	for _, d := range devices {
		if d.Verifier.Device != "" {
			records = append(records, d.Verifier)
		}
	}
	if err := v.Restore(records); err != nil {
		return nil, err
	}
	return v, nil
}

// deriveKey derives a key for one purpose from the authority's.
func deriveKey(authority []byte, purpose string) [32]byte {
	m := hmac.New(sha256.New, authority)
	m.Write([]byte("iog refserver key: " + purpose))
	return [32]byte(m.Sum(nil))
}
