package solana

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

func TestMemoRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 123e6, time.UTC)
	for _, m := range []memo{
		{Seq: 1, Time: at, Kind: ledger.Open, Key: "open:x", Reason: "new account", Extra: "11111111111111111111111111111112"},
		{Seq: 42, Time: at, Kind: ledger.Transfer, Key: `epoch-7:reward "a"`, Reason: "épargne <&> 100%"},
		{Seq: 7, Time: at, Kind: ledger.Release, Key: "r", Reason: "pay", Extra: "hold:1"},
		{Seq: 9, Time: at, Kind: ledger.Burn, Key: "w", Reason: "withdrawal", Extra: "11111111111111111111111111111112", Withdraw: true},
	} {
		data, err := m.encode(nil)
		require.NoError(t, err)
		require.True(t, isOurs(data), "%s", data)
		got, err := decodeMemo(data, nil)
		require.NoError(t, err)
		require.Equal(t, m, got)
		next := m
		next.Seq++
		data, err = next.encode(&m)
		require.NoError(t, err)
		require.False(t, isOurs(data), "%s", data)
		got, err = decodeMemo(data, &m)
		require.NoError(t, err)
		require.Equal(t, next, got)
	}
	first := memo{Seq: 3, Time: at, Kind: ledger.Mint, Key: "m", Reason: "r"}
	data, err := first.encode(nil)
	require.NoError(t, err)
	require.Equal(t, `["iog1",3,1796299200123,"mint","m","r"]`, string(data), "what an explorer shows")
	release := memo{Seq: 4, Time: at, Kind: ledger.Release, Key: "pay", Reason: "payment", Extra: "hold-1"}
	data, err = release.encode(&first)
	require.NoError(t, err)
	require.Equal(t, `["release","pay","payment","hold-1"]`, string(data), "and the next entry's")
	payout := memo{Seq: 4, Time: at, Kind: ledger.Mint, Key: "m2", Reason: "r"}
	data, err = payout.encode(&first)
	require.NoError(t, err)
	require.Equal(t, `["m2"]`, string(data), "an entry of the same kind and reason as the one before: its key")
	got, err := decodeMemo(data, &first)
	require.NoError(t, err)
	require.Equal(t, payout, got)
	_, err = decodeMemo([]byte(`["k"]`), &release)
	require.ErrorIs(t, err, iog.ErrInvalid, "a key alone does not follow a memo with extra")
}

func TestDecodeMemoRefuses(t *testing.T) {
	for _, bad := range []string{
		``, `[]`, `{}`, `["iog1"]`, `["iog2",1,0,"mint","k","r"]`, `["iog1",-1,0,"mint","k","r"]`,
		`["iog1",1,0,"steal","k","r"]`, `["iog1",1,0,"open","k","r"]`, `["iog1",1,0,"mint","k","r","extra"]`,
		`["iog1",1,0,"release","k","r"]`, `["iog1",1,"soon","mint","k","r"]`, `["iog1",1,0,"mint","k","r"] x`,
		`["iog1",1,0,"mint",7,"r"]`,
	} {
		_, err := decodeMemo([]byte(bad), nil)
		require.ErrorIs(t, err, iog.ErrInvalid, "%s", bad)
	}
	prev := &memo{Seq: 1, Kind: ledger.Mint, Key: "m", Reason: "r"}
	for _, bad := range []string{`["iog1",2,0,"mint","k","r"]`, `["mint","k"]`, `["release","k","r"]`, `["open","k","r",""]`, `["mint","k","r","x"]`} {
		_, err := decodeMemo([]byte(bad), prev)
		require.ErrorIs(t, err, iog.ErrInvalid, "after a first memo: %s", bad)
	}
}

func FuzzDecodeMemo(f *testing.F) {
	f.Add([]byte(`["iog1",3,1796299200123,"mint","m","r"]`))
	f.Add([]byte(`["iog1",1,0,"withdraw","k","r","11111111111111111111111111111112"]`))
	f.Add([]byte(`["release","k","r","h"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, prev := range []*memo{nil, {Seq: 1, Time: time.UnixMilli(5).UTC()}} {
			m, err := decodeMemo(data, prev)
			if err != nil {
				continue
			}
			again, err := m.encode(prev)
			require.NoError(t, err)
			m2, err := decodeMemo(again, prev)
			require.NoError(t, err)
			require.Equal(t, m, m2)
		}
	})
}
