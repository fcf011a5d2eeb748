package ledger

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

// FuzzDecodeBody feeds arbitrary record bodies to the decoder: it must
// not panic, and what it accepts must be a well-formed entry or be
// refused by validation.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte(`{"seq":3,"time":"2026-01-01T00:00:00Z","kind":"transfer","key":"t-1","reason":"rent",` +
		`"from":"4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi","to":"8qbHbw2BbbTHBW1sbeqakYXVKRQM8Ne7pLK7m6CVfeR",` +
		`"amount":"1 IO","balances":[{"account":"4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi","available":"9 IO","held":"0 IO"}]}`))
	f.Add([]byte(`{"seq":1,"kind":"open","key":"k","reason":"r","to":"11111111111111111111111111111112","balances":[]}`))
	f.Add([]byte(`{"kind":"release","hold":"h","amount":"-1 USDC"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, _, err := decodeBody(body)
		if err != nil {
			return
		}
		if e.Op.validate() == nil {
			require.True(t, e.Op.Kind.valid())
			require.NotEmpty(t, e.Op.Key)
		}
	})
}

// emptyBody, which the zeros at a file's end are measured against, is
// the body of a record of zero values, and shorter than that of any entry
// encodeBody writes.
func TestEmptyBodyIsTheShortest(t *testing.T) {
	body, err := json.Marshal(recordJSON{})
	require.NoError(t, err)
	require.Equal(t, emptyBody, string(body))
	for k := Kind(1); k.valid(); k++ {
		body, err := encodeBody(&Entry{Op: Op{Kind: k}}, false, iog.WalletAddress.String)
		require.NoError(t, err)
		require.Greater(t, len(body), len(emptyBody), "kind %v", k)
	}
}
