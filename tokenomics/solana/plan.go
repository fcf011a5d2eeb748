package solana

import (
	"fmt"
	"maps"

	"github.com/gagliardetto/solana-go"
	computebudget "github.com/gagliardetto/solana-go/programs/compute-budget"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// A transaction's limits, which a batch must fit: the size of a packet,
// and the compute units one transaction may use.
const (
	maxTransactionSize  = 1232
	maxTransactionUnits = 1_400_000
)

// tokenAccountSize is the size of an SPL token account, which the
// ledger's accounts and escrows are.
const tokenAccountSize = 165

// mintInfo is one configured mint, as read from the chain.
type mintInfo struct {
	currency iog.Currency
	address  iog.WalletAddress
	decimals uint8
	issued   bool
	// treasury is the authority's associated token account, which a mint
	// the ledger does not issue pays out of and burns into.
	treasury iog.WalletAddress
}

// chain is what the ledger knows to exist on the chain: the token
// accounts it created, each with the wallet it is kept for (the zero
// wallet for an escrow), and the base units withdrawals paid out of the
// ledger, by mint: gone from the ledger's supply, still in the mint's. A
// plan works on a copy of it, which replaces it once the plan's
// transaction has landed.
type chain struct {
	created   map[iog.WalletAddress]iog.WalletAddress
	withdrawn map[iog.WalletAddress]uint64
}

func (c chain) clone() chain {
	withdrawn := make(map[iog.WalletAddress]uint64, len(c.withdrawn))
	maps.Copy(withdrawn, c.withdrawn)
	return chain{created: maps.Clone(c.created), withdrawn: withdrawn}
}

// plan turns entries into the instructions of one transaction, one op
// after another, each followed by its memo.
type plan struct {
	l     *Ledger
	chain chain
	ixs   []solana.Instruction
	// units are the compute units the instructions are measured to need.
	units uint32
	// last is the memo before the next one, nil for the first.
	last *memo
	// keys are the accounts the transaction names, and ixBytes the size of
	// its instructions as a message encodes them: what its size follows
	// from (see size).
	keys    map[solana.PublicKey]struct{}
	ixBytes int
}

func (l *Ledger) newPlan() *plan {
	p := &plan{l: l, chain: l.chain.clone(), keys: map[solana.PublicKey]struct{}{l.payer: {}, l.authority: {}}}
	if l.cfg.ComputeUnitPrice > 0 {
		// SetComputeUnitLimit (a u32) and SetComputeUnitPrice (a u64).
		p.keys[solana.ComputeBudget] = struct{}{}
		p.ixBytes += instructionSize(0, 1+4) + instructionSize(0, 1+8)
	}
	return p
}

// add appends the instructions of one entry. withdrawTo, for a Burn, pays
// the tokens out to that owner's associated token account instead.
func (p *plan) add(m memo, op ledger.Op, withdrawTo iog.WalletAddress) error {
	if op.Kind == ledger.Open {
		m.Extra = op.To.String()
		return p.memo(m)
	}
	mi, err := p.l.mint(op.Amount.Currency())
	if err != nil {
		return fmt.Errorf("%v %q: %w", op.Kind, op.Key, err)
	}
	units := uint64(max(op.Amount.Units(), 0))
	switch op.Kind {
	case ledger.Mint:
		to := p.account(op.To, mi)
		if mi.issued {
			p.push(token.NewMintToCheckedInstruction(units, mi.decimals, pub(mi.address), pub(to), p.l.authority, nil).Build())
		} else {
			p.transfer(mi, mi.treasury, to, units)
		}
	case ledger.Burn:
		from := p.account(op.From, mi)
		switch {
		case !withdrawTo.IsZero():
			to, err := p.recipient(withdrawTo, mi)
			if err != nil {
				return fmt.Errorf("%v %q: %w", op.Kind, op.Key, err)
			}
			m.Withdraw, m.Extra = true, withdrawTo.String()
			p.transfer(mi, from, to, units)
			p.chain.withdrawn[mi.address] += units
		case mi.issued:
			p.push(token.NewBurnCheckedInstruction(units, mi.decimals, pub(from), pub(mi.address), p.l.authority, nil).Build())
		default:
			p.transfer(mi, from, mi.treasury, units)
		}
	case ledger.Transfer:
		p.transfer(mi, p.account(op.From, mi), p.account(op.To, mi), units)
	case ledger.Hold:
		p.transfer(mi, p.account(op.From, mi), p.escrow(mi), units)
	case ledger.Release:
		p.transfer(mi, p.escrow(mi), p.account(op.To, mi), units)
		m.Extra = op.HoldKey
	default:
		return fmt.Errorf("%v %q: not an operation: %w", op.Kind, op.Key, iog.ErrInvalid)
	}
	return p.memo(m)
}

// account returns wallet's token account for mi, created in the plan
// when the chain has none yet.
func (p *plan) account(wallet iog.WalletAddress, mi *mintInfo) iog.WalletAddress {
	return p.ensure(AccountAddress(p.l.authorityWallet, wallet, mi.address), accountSeed(wallet, mi.address), mi, wallet)
}

// escrow returns mi's escrow account, created in the plan when the chain
// has none yet.
func (p *plan) escrow(mi *mintInfo) iog.WalletAddress {
	return p.ensure(EscrowAddress(p.l.authorityWallet, mi.address), escrowSeed(mi.address), mi, iog.WalletAddress{})
}

// ensure returns the token account a of mi, at the address seed gives,
// creating it, held by the authority, when the chain has none yet.
// InitializeAccount, not InitializeAccount3, initializes it: it names
// the authority among its accounts rather than in its data, 30 bytes
// shorter for a sysvar's 32 once in a transaction.
func (p *plan) ensure(a iog.WalletAddress, seed string, mi *mintInfo, wallet iog.WalletAddress) iog.WalletAddress {
	if _, ok := p.chain.created[a]; ok {
		return a
	}
	p.push(system.NewCreateAccountWithSeedInstruction(p.l.authority, seed, p.l.rent, tokenAccountSize, solana.TokenProgramID, p.l.payer, pub(a), p.l.authority).Build())
	p.push(token.NewInitializeAccountInstruction(pub(a), pub(mi.address), p.l.authority, solana.SysVarRentPubkey).Build())
	p.chain.created[a] = wallet
	return a
}

// recipient returns owner's associated token account for mi, created
// (idempotently) when the ledger's policy allows.
func (p *plan) recipient(owner iog.WalletAddress, mi *mintInfo) (iog.WalletAddress, error) {
	a, err := AssociatedAddress(owner, mi.address)
	if err != nil {
		return a, err
	}
	if p.l.cfg.CreateRecipientAccounts {
		p.push(solana.NewInstruction(solana.SPLAssociatedTokenAccountProgramID, solana.AccountMetaSlice{
			solana.Meta(p.l.payer).WRITE().SIGNER(),
			solana.Meta(pub(a)).WRITE(),
			solana.Meta(pub(owner)),
			solana.Meta(pub(mi.address)),
			solana.Meta(solana.SystemProgramID),
			solana.Meta(solana.TokenProgramID),
		}, []byte{associatedCreateIdempotent}))
	}
	return a, nil
}

// associatedCreateIdempotent is the Associated Token Account program's
// CreateIdempotent instruction: create unless it exists.
const associatedCreateIdempotent = 1

func (p *plan) transfer(mi *mintInfo, from, to iog.WalletAddress, units uint64) {
	p.push(token.NewTransferCheckedInstruction(units, mi.decimals, pub(from), pub(mi.address), pub(to), p.l.authority, nil).Build())
}

// memo appends m as a Memo instruction, built by hand: its data is the
// memo's bytes, nothing more. The first memo of a transaction carries
// the sequence number and time, and names the authority as its signer,
// so that every transaction of the ledger, an Open's alone too, is signed
// by the authority and found among its transactions; the others continue
// it and name no account.
func (p *plan) memo(m memo) error {
	data, err := m.encode(p.last)
	if err != nil {
		return err
	}
	var accounts solana.AccountMetaSlice
	if p.last == nil {
		accounts = solana.AccountMetaSlice{solana.Meta(p.l.authority).SIGNER()}
	}
	p.last = &m
	p.push(solana.NewInstruction(solana.MemoProgramID, accounts, data))
	return nil
}

func (p *plan) push(ix solana.Instruction) {
	p.ixs = append(p.ixs, ix)
	data, _ := ix.Data()
	p.units += unitsOf(ix.ProgramID(), data).units
	p.keys[ix.ProgramID()] = struct{}{}
	for _, a := range ix.Accounts() {
		p.keys[a.PublicKey] = struct{}{}
	}
	p.ixBytes += instructionSize(len(ix.Accounts()), len(data))
}

// size returns the size of the plan's transaction, as a legacy
// transaction encodes it: the signatures, the message's header, account
// keys, blockhash and instructions, lengths in compact-u16.
func (p *plan) size() int {
	signers := len(p.l.keys)
	return compactLen(signers) + signers*solana.SignatureLength +
		3 + compactLen(len(p.keys)) + len(p.keys)*solana.PublicKeyLength + len(solana.Hash{}) +
		compactLen(len(p.ixs)+p.budgetInstructions()) + p.ixBytes
}

func (p *plan) budgetInstructions() int {
	if p.l.cfg.ComputeUnitPrice > 0 {
		return 2
	}
	return 0
}

// instructionSize is the size of a compiled instruction: its program's
// index, its accounts' indexes and its data, each list led by its length.
func instructionSize(accounts, data int) int {
	return 1 + compactLen(accounts) + accounts + compactLen(data) + data
}

// compactLen is the size of n in Solana's compact-u16 encoding.
func compactLen(n int) int {
	switch {
	case n < 1<<7:
		return 1
	case n < 1<<14:
		return 2
	}
	return 3
}

// transaction builds and signs the plan's transaction on blockhash. With
// a compute unit price, it sets the limit to the units measured and
// offers the price.
func (p *plan) transaction(blockhash solana.Hash) (*solana.Transaction, error) {
	ixs := p.ixs
	if price := p.l.cfg.ComputeUnitPrice; price > 0 {
		budget := []solana.Instruction{
			computebudget.NewSetComputeUnitLimitInstruction(min(p.units+2*cuComputeBudget, maxTransactionUnits)).Build(),
			computebudget.NewSetComputeUnitPriceInstruction(price).Build(),
		}
		ixs = append(budget, ixs...)
	}
	tx, err := solana.NewTransaction(ixs, blockhash, solana.TransactionPayer(p.l.payer))
	if err != nil {
		return nil, fmt.Errorf("build transaction: %w", err)
	}
	if _, err := tx.Sign(p.l.key); err != nil {
		return nil, fmt.Errorf("sign transaction: %w", err)
	}
	return tx, nil
}

// fits says whether the plan's transaction is within a transaction's
// size and compute limits, and if not, by what.
func (p *plan) fits() error {
	switch size := p.size(); {
	case size > maxTransactionSize:
		return fmt.Errorf("the transaction would be %d bytes, more than Solana's %d: %w", size, maxTransactionSize, iog.ErrInvalid)
	case p.units > maxTransactionUnits:
		return fmt.Errorf("the transaction would need %d compute units, more than Solana's %d: %w", p.units, maxTransactionUnits, iog.ErrInvalid)
	}
	return nil
}
