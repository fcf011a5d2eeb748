package solana

import (
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// The compute units the ledger budgets for each instruction it sends:
// it sums them to tell whether a batch fits a transaction's 1,400,000
// units, and, with a priority fee, to set its transactions' compute unit
// limit. TestComputeUnits runs every kind on the Solana runtime and fails
// when one uses more. Measured on LiteSVM 1.5.0: TransferChecked 105, a
// memo of 60, 120 and 250 bytes 287, 320 and 450, creating an associated
// token account 13,525 (its token program is the lean one). The table
// leaves room for a token program costlier than that one: a transaction's
// size, not its units, bounds a batch (12 payouts use about 100,000
// budgeted units).
const (
	cuComputeBudget     = 150
	cuSystem            = 150
	cuInitializeAccount = 4_500
	cuInitializeMint    = 3_000
	cuTransfer          = 6_300
	cuMintTo            = 4_600
	cuBurn              = 4_800
	cuCreateAssociated  = 25_000
	// A memo costs a base and a share per byte: the Memo program checks
	// that its data is UTF-8, and logs it.
	cuMemoBase    = 1_500
	cuMemoPerByte = 30
)

// The SPL Token instructions the ledger sends that move no tokens, by
// their first byte.
const (
	tokenInitializeAccount = 1
	tokenInitializeMint2   = 20
)

var tokenUnits = map[byte]uint32{
	tokenTransferChecked: cuTransfer, tokenMintToChecked: cuMintTo, tokenBurnChecked: cuBurn,
	tokenInitializeAccount: cuInitializeAccount, tokenInitializeMint2: cuInitializeMint,
}

// instructionUnits is what one instruction is budgeted, and whether the
// runtime logs what it consumed (programs do, built-ins do not).
type instructionUnits struct {
	units  uint32
	logged bool
}

// unitsOf returns an instruction's budget from its program and data;
// units is zero for an instruction the ledger does not send.
func unitsOf(program solana.PublicKey, data []byte) instructionUnits {
	switch program {
	case solana.ComputeBudget:
		return instructionUnits{cuComputeBudget, false}
	case solana.SystemProgramID:
		return instructionUnits{cuSystem, false}
	case solana.MemoProgramID:
		return instructionUnits{cuMemoBase + cuMemoPerByte*uint32(len(data)), true}
	case solana.SPLAssociatedTokenAccountProgramID:
		return instructionUnits{cuCreateAssociated, true}
	case solana.TokenProgramID:
		if len(data) == 0 {
			return instructionUnits{}
		}
		return instructionUnits{tokenUnits[data[0]], true}
	}
	return instructionUnits{}
}

// budget is a transaction's compute units as the ledger budgets them:
// in all, and for each instruction whose consumption the runtime logs, in
// order.
type budget struct {
	Total  uint32
	Logged []uint32
}

// computeUnits budgets a transaction's instructions.
func computeUnits(tx *solana.Transaction) (budget, error) {
	var b budget
	for i, ix := range tx.Message.Instructions {
		program, err := tx.ResolveProgramIDIndex(ix.ProgramIDIndex)
		if err != nil {
			return b, err
		}
		u := unitsOf(program, ix.Data)
		if u.units == 0 {
			return b, fmt.Errorf("instruction %d, for %v, is not one the ledger sends", i, program)
		}
		b.Total += u.units
		if u.logged {
			b.Logged = append(b.Logged, u.units)
		}
	}
	return b, nil
}
