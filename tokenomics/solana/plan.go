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
// wallet for an escrow). A plan works on a copy of it, which replaces it
// once the plan's transaction has landed.
type chain struct {
	created map[iog.WalletAddress]iog.WalletAddress
}

func (c chain) clone() chain { return chain{created: maps.Clone(c.created)} }

// plan turns entries into the instructions of one transaction, one op
// after another, each followed by its memo.
type plan struct {
	l     *Ledger
	chain chain
	ixs   []solana.Instruction
	// units are the compute units the instructions are measured to need.
	units uint32
	memos int
}

func (l *Ledger) newPlan() *plan {
	return &plan{l: l, chain: l.chain.clone()}
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
// memo's bytes, nothing more, and it names no account (a Memo's accounts
// must all sign, and the ledger's signers are the transaction's). The
// first memo of a transaction carries the sequence number and time; the
// others continue it.
func (p *plan) memo(m memo) error {
	data, err := m.encode(p.memos == 0)
	p.memos++
	if err != nil {
		return err
	}
	p.push(solana.NewInstruction(solana.MemoProgramID, nil, data))
	return nil
}

func (p *plan) push(ix solana.Instruction) {
	p.ixs = append(p.ixs, ix)
	data, _ := ix.Data()
	p.units += unitsOf(ix.ProgramID(), data).units
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
	tx, err := p.transaction(solana.Hash{})
	if err != nil {
		return err
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return fmt.Errorf("encode transaction: %w", err)
	}
	switch {
	case len(raw) > maxTransactionSize:
		return fmt.Errorf("the transaction would be %d bytes, more than Solana's %d: %w", len(raw), maxTransactionSize, iog.ErrInvalid)
	case p.units > maxTransactionUnits:
		return fmt.Errorf("the transaction would need %d compute units, more than Solana's %d: %w", p.units, maxTransactionUnits, iog.ErrInvalid)
	}
	return nil
}
