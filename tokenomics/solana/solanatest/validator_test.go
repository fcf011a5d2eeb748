package solanatest_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/solana/solanatest"
)

// deadline bounds every wait on the validator in these tests.
const deadline = 30 * time.Second

// confirm polls the signature's status until it is final, as a client
// without websockets does.
func confirm(ctx context.Context, t *testing.T, client *rpc.Client, sig solana.Signature) *rpc.SignatureStatusesResult {
	t.Helper()
	for {
		out, err := client.GetSignatureStatuses(ctx, true, sig)
		require.NoError(t, err)
		require.Len(t, out.Value, 1)
		if st := out.Value[0]; st != nil && st.ConfirmationStatus == rpc.ConfirmationStatusFinalized {
			return st
		}
		select {
		case <-ctx.Done():
			t.Fatalf("signature %s not final: %v", sig, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func transfer(ctx context.Context, t *testing.T, client *rpc.Client, from *solana.Wallet, to solana.PublicKey, lamports uint64) *solana.Transaction {
	t.Helper()
	bh, err := client.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	require.NoError(t, err)
	tx, err := solana.NewTransaction([]solana.Instruction{
		system.NewTransferInstruction(lamports, from.PublicKey(), to).Build(),
	}, bh.Value.Blockhash, solana.TransactionPayer(from.PublicKey()))
	require.NoError(t, err)
	_, err = tx.Sign(func(key solana.PublicKey) *solana.PrivateKey {
		if key.Equals(from.PublicKey()) {
			return &from.PrivateKey
		}
		return nil
	})
	require.NoError(t, err)
	return tx
}

func TestValidatorWithSolanaGo(t *testing.T) {
	v := solanatest.Start(t, solanatest.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	client := rpc.New(v.URL())

	bh, err := client.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.NotEqual(t, solana.Hash{}, bh.Value.Blockhash)
	require.Greater(t, bh.Value.LastValidBlockHeight, uint64(150))

	payer := solana.NewWallet()
	to := solana.NewWallet().PublicKey()
	airdrop, err := client.RequestAirdrop(ctx, payer.PublicKey(), 2*solana.LAMPORTS_PER_SOL, rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.Nil(t, confirm(ctx, t, client, airdrop).Err)
	bal, err := client.GetBalance(ctx, payer.PublicKey(), rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.Equal(t, 2*solana.LAMPORTS_PER_SOL, bal.Value)

	tx := transfer(ctx, t, client, payer, to, solana.LAMPORTS_PER_SOL/2)
	sig, err := client.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentFinalized})
	require.NoError(t, err)
	require.Equal(t, tx.Signatures[0], sig)
	st := confirm(ctx, t, client, sig)
	require.Nil(t, st.Err)

	zero := uint64(0)
	got, err := client.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentFinalized, MaxSupportedTransactionVersion: &zero})
	require.NoError(t, err)
	require.Equal(t, st.Slot, got.Slot)
	require.NotNil(t, got.BlockTime)
	require.Equal(t, rpc.LegacyTransactionVersion, got.Version)
	require.Equal(t, uint64(5000), got.Meta.Fee)
	decoded, err := got.Transaction.GetTransaction()
	require.NoError(t, err)
	require.Equal(t, sig, decoded.Signatures[0])
	require.Equal(t, []uint64{2*solana.LAMPORTS_PER_SOL - solana.LAMPORTS_PER_SOL/2 - 5000, solana.LAMPORTS_PER_SOL / 2, 1}, got.Meta.PostBalances)

	// The default encoding, json, decodes into a transaction too.
	asJSON, err := client.GetTransaction(ctx, sig, nil)
	require.NoError(t, err)
	parsed, err := asJSON.Transaction.GetTransaction()
	require.NoError(t, err)
	require.Equal(t, decoded.Message.AccountKeys, parsed.Message.AccountKeys)
	require.Equal(t, decoded.Message.RecentBlockhash, parsed.Message.RecentBlockhash)

	sim, err := client.SimulateTransaction(ctx, transfer(ctx, t, client, payer, to, 1))
	require.NoError(t, err)
	require.Nil(t, sim.Value.Err)
	require.NotEmpty(t, sim.Value.Logs)
	require.NotNil(t, sim.Value.UnitsConsumed)

	acct, err := client.GetAccountInfoWithOpts(ctx, to, &rpc.GetAccountInfoOpts{Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentFinalized})
	require.NoError(t, err)
	require.Equal(t, solana.LAMPORTS_PER_SOL/2, acct.Value.Lamports)
	require.Equal(t, "18446744073709551615", acct.Value.RentEpoch.String())
	require.Equal(t, solana.SystemProgramID, acct.Value.Owner)

	sigs, err := client.GetSignaturesForAddress(ctx, payer.PublicKey())
	require.NoError(t, err)
	require.Len(t, sigs, 2)
	require.Equal(t, sig, sigs[0].Signature, "newest first")
	require.Equal(t, airdrop, sigs[1].Signature)

	// The validator's refusals come back as solana-go's JSON-RPC errors.
	for _, tc := range []struct {
		name string
		tx   *solana.Transaction
		err  any
	}{
		{"already processed", tx, "AlreadyProcessed"},
		{"insufficient lamports", transfer(ctx, t, client, payer, to, 10*solana.LAMPORTS_PER_SOL), map[string]any{"InstructionError": []any{json.Number("0"), map[string]any{"Custom": json.Number("1")}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.SendTransactionWithOpts(ctx, tc.tx, rpc.TransactionOpts{})
			var rpcErr *jsonrpc.RPCError
			require.True(t, errors.As(err, &rpcErr), "%v", err)
			require.Equal(t, -32002, rpcErr.Code)
			require.Equal(t, tc.err, rpcErr.Data.(map[string]any)["err"])
		})
	}

	// A kill loses nothing acknowledged; the restart keeps the port.
	url := v.URL()
	v.Kill()
	_, err = client.GetSlot(ctx, rpc.CommitmentFinalized)
	require.Error(t, err, "the killed validator answers nothing")
	v.Restart(t)
	require.Equal(t, url, v.URL())
	for _, want := range []struct {
		key      solana.PublicKey
		lamports uint64
	}{
		{payer.PublicKey(), 2*solana.LAMPORTS_PER_SOL - solana.LAMPORTS_PER_SOL/2 - 5000},
		{to, solana.LAMPORTS_PER_SOL / 2},
	} {
		bal, err := client.GetBalance(ctx, want.key, rpc.CommitmentFinalized)
		require.NoError(t, err)
		require.Equal(t, want.lamports, bal.Value, want.key.String())
	}
	statuses, err := client.GetSignatureStatuses(ctx, true, airdrop, sig)
	require.NoError(t, err)
	for i, st := range statuses.Value {
		require.NotNil(t, st, i)
		require.Nil(t, st.Err, i)
		require.Equal(t, rpc.ConfirmationStatusFinalized, st.ConfirmationStatus)
	}
	_, err = client.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Encoding: solana.EncodingBase64})
	require.NoError(t, err)
	// The blockhash handed out before the kill is still valid after it.
	valid, err := client.IsBlockhashValid(ctx, bh.Value.Blockhash, rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.True(t, valid.Value)
}

func TestRunRejectsABadConfig(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	for _, cfg := range []solanatest.Config{
		{SlotTime: time.Microsecond},
		{BlockhashValidity: -1},
		{Port: 70000},
	} {
		_, err := solanatest.Run(ctx, cfg)
		require.ErrorIs(t, err, iog.ErrInvalid, "%+v", cfg)
	}
}

func TestStopIsIdempotent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	v, err := solanatest.Run(ctx, solanatest.Config{})
	require.NoError(t, err)
	dir := v.StateDir()
	v.Stop()
	v.Stop()
	v.Kill()
	require.NoDirExists(t, dir, "Run's own state directory is removed")
}

func TestRunWithoutNodeSaysWhatToInstall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	require.NoError(t, solanatest.Install(ctx))
	t.Setenv("PATH", t.TempDir())
	_, err := solanatest.Run(ctx, solanatest.Config{})
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.ErrorContains(t, err, "install Node.js")
}
