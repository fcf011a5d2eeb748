package solana

import (
	"crypto/ed25519"
	"fmt"
	"slices"

	"github.com/gagliardetto/solana-go"

	"github.com/internetofgpus/iog"
)

// instruction is an instruction with its data encoded once: the ledger
// counts, signs and compares what it plans from these bytes.
type instruction struct {
	program  solana.PublicKey
	accounts []solana.AccountMeta
	data     []byte
}

// compiled encodes a solana-go instruction.
func compiled(ix solana.Instruction) (instruction, error) {
	data, err := ix.Data()
	if err != nil {
		return instruction{}, fmt.Errorf("encode a %s instruction: %w", programName(ix.ProgramID()), err)
	}
	metas := ix.Accounts()
	accounts := make([]solana.AccountMeta, len(metas))
	for i, m := range metas {
		accounts[i] = *m
	}
	return instruction{program: ix.ProgramID(), accounts: accounts, data: data}, nil
}

// signed is a signed transaction as it goes on the wire, with the
// program of each of its instructions named for errors.
type signed struct {
	raw      []byte
	sig      solana.Signature
	programs []string
}

// sign encodes ixs as a legacy transaction paid by payer on blockhash
// and signs it with the keys key gives. The accounts are in the order
// solana-go's NewTransaction gives them (the payer, then signers before
// the others and writable before read-only, each class in the order the
// instructions name them), so the bytes are those it would sign; it is
// not used because it indexes the accounts by their base58 strings,
// which cost more than the rest of the ledger's planning.
func sign(payer solana.PublicKey, blockhash solana.Hash, ixs []instruction, key func(solana.PublicKey) *solana.PrivateKey) (signed, error) {
	if len(ixs) == 0 {
		return signed{}, fmt.Errorf("build transaction: no instruction: %w", iog.ErrInvalid)
	}
	keys, header := messageKeys(payer, ixs)
	if len(keys) > 256 {
		return signed{}, fmt.Errorf("build transaction: %d accounts, more than a message can index: %w", len(keys), iog.ErrInvalid)
	}
	index := make(map[solana.PublicKey]uint8, len(keys))
	for i, k := range keys {
		index[k] = uint8(i)
	}
	nsig := int(header[0])
	size := compactLen(nsig) + nsig*solana.SignatureLength + 3 + compactLen(len(keys)) + len(keys)*solana.PublicKeyLength + len(blockhash) + compactLen(len(ixs))
	for _, ix := range ixs {
		size += instructionSize(len(ix.accounts), len(ix.data))
	}
	raw := make([]byte, 0, size)
	raw = appendCompact(raw, nsig)
	raw = append(raw, make([]byte, nsig*solana.SignatureLength)...)
	msgStart := len(raw)
	raw = append(raw, header[:]...)
	raw = appendCompact(raw, len(keys))
	for _, k := range keys {
		raw = append(raw, k[:]...)
	}
	raw = append(raw, blockhash[:]...)
	raw = appendCompact(raw, len(ixs))
	for _, ix := range ixs {
		raw = append(raw, index[ix.program])
		raw = appendCompact(raw, len(ix.accounts))
		for _, a := range ix.accounts {
			raw = append(raw, index[a.PublicKey])
		}
		raw = appendCompact(raw, len(ix.data))
		raw = append(raw, ix.data...)
	}
	message := raw[msgStart:]
	for i, k := range keys[:nsig] {
		pk := key(k)
		if pk == nil {
			return signed{}, fmt.Errorf("sign transaction: no key for signer %v: %w", k, iog.ErrInvalid)
		}
		copy(raw[compactLen(nsig)+i*solana.SignatureLength:], ed25519.Sign(ed25519.PrivateKey(*pk), message))
	}
	out := signed{raw: raw, programs: make([]string, len(ixs))}
	copy(out.sig[:], raw[compactLen(nsig):])
	for i, ix := range ixs {
		out.programs[i] = programName(ix.program)
	}
	return out, nil
}

// messageKeys orders the accounts ixs name, with their programs after
// them, as a legacy message lists them, and returns the message header:
// signatures required, read-only signers, read-only others.
func messageKeys(payer solana.PublicKey, ixs []instruction) ([]solana.PublicKey, [3]byte) {
	type account struct {
		key              solana.PublicKey
		signer, writable bool
		// first is where the account was first named in each class
		// (class), -1 where it never was: it sorts within its class by
		// the first time it was named so, or by the first time it was
		// named at all when never so.
		first [4]int
		any   int
	}
	at := make(map[solana.PublicKey]int, 32)
	var accounts []account
	n := 0
	name := func(k solana.PublicKey, signer, writable bool) {
		i, ok := at[k]
		if !ok {
			i = len(accounts)
			at[k] = i
			accounts = append(accounts, account{key: k, first: [4]int{-1, -1, -1, -1}, any: n})
		}
		a := &accounts[i]
		a.signer, a.writable = a.signer || signer, a.writable || writable
		if c := class(signer, writable); a.first[c] < 0 {
			a.first[c] = n
		}
		n++
	}
	for _, ix := range ixs {
		for _, m := range ix.accounts {
			name(m.PublicKey, m.IsSigner, m.IsWritable)
		}
	}
	for _, ix := range ixs {
		name(ix.program, false, false)
	}
	name(payer, true, true)
	position := func(a *account) (int, int) {
		c := class(a.signer, a.writable)
		if a.key == payer {
			return -1, 0
		}
		if a.first[c] >= 0 {
			return c, a.first[c]
		}
		return c, a.any
	}
	slices.SortStableFunc(accounts, func(x, y account) int {
		cx, px := position(&x)
		cy, py := position(&y)
		if cx != cy {
			return cx - cy
		}
		return px - py
	})
	keys := make([]solana.PublicKey, len(accounts))
	var header [3]byte
	for i, a := range accounts {
		keys[i] = a.key
		switch {
		case a.signer && !a.writable:
			header[0]++
			header[1]++
		case a.signer:
			header[0]++
		case !a.writable:
			header[2]++
		}
	}
	return keys, header
}

// class ranks an account as a message orders them: writable signers,
// read-only signers, writable others, read-only others.
func class(signer, writable bool) int {
	switch {
	case signer && writable:
		return 0
	case signer:
		return 1
	case writable:
		return 2
	}
	return 3
}

// appendCompact appends n in Solana's compact-u16 encoding.
func appendCompact(b []byte, n int) []byte {
	for {
		if n < 0x80 {
			return append(b, byte(n))
		}
		b = append(b, byte(n&0x7f)|0x80)
		n >>= 7
	}
}
