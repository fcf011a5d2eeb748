package solana

import (
	"cmp"
	"encoding/binary"
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
// plan keeps what its transaction adds in a chain of its own, merged into
// the ledger's once the transaction has landed: a copy of the ledger's
// thousands of accounts a transaction cost more than the rest of its
// planning.
type chain struct {
	created   map[iog.WalletAddress]iog.WalletAddress
	withdrawn map[iog.WalletAddress]uint64
}

func newChain() chain {
	return chain{created: map[iog.WalletAddress]iog.WalletAddress{}, withdrawn: map[iog.WalletAddress]uint64{}}
}

func (c chain) clone() chain {
	d := newChain()
	d.merge(c)
	return d
}

// merge adds what d holds to c.
func (c chain) merge(d chain) {
	maps.Copy(c.created, d.created)
	for m, units := range d.withdrawn {
		c.withdrawn[m] += units
	}
}

// plan turns entries into the instructions of one transaction, one op
// after another, each followed by its memo.
type plan struct {
	l     *Ledger
	chain chain
	ixs   []instruction
	// err is the first instruction that could not be encoded.
	err error
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
	p := &plan{l: l, chain: newChain(), keys: map[solana.PublicKey]struct{}{l.payer: {}, l.authority: {}}}
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
			p.append(tokenInstruction(tokenMintToChecked, units, mi.decimals, writable(mi.address), writable(to), p.signer()))
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
			p.append(tokenInstruction(tokenBurnChecked, units, mi.decimals, writable(from), writable(mi.address), p.signer()))
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
	at := [2]iog.WalletAddress{wallet, mi.address}
	a, ok := p.l.accounts[at]
	if !ok {
		a = AccountAddress(p.l.authorityWallet, wallet, mi.address)
		p.l.accounts[at] = a
	}
	return p.ensure(a, func() string { return accountSeed(wallet, mi.address) }, mi, wallet)
}

// escrow returns mi's escrow account, created in the plan when the chain
// has none yet.
func (p *plan) escrow(mi *mintInfo) iog.WalletAddress {
	return p.ensure(EscrowAddress(p.l.authorityWallet, mi.address), func() string { return escrowSeed(mi.address) }, mi, iog.WalletAddress{})
}

// ensure returns the token account a of mi, whose address seed gives,
// creating it, held by the authority, when the chain has none yet.
// InitializeAccount, not InitializeAccount3, initializes it: it names
// the authority among its accounts rather than in its data, 30 bytes
// shorter for a sysvar's 32 once in a transaction.
func (p *plan) ensure(a iog.WalletAddress, seed func() string, mi *mintInfo, wallet iog.WalletAddress) iog.WalletAddress {
	if _, ok := p.l.chain.created[a]; ok {
		return a
	}
	if _, ok := p.chain.created[a]; ok {
		return a
	}
	p.push(system.NewCreateAccountWithSeedInstruction(p.l.authority, seed(), p.l.rent, tokenAccountSize, solana.TokenProgramID, p.l.payer, pub(a), p.l.authority).Build())
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
	p.append(tokenInstruction(tokenTransferChecked, units, mi.decimals, writable(from), solana.AccountMeta{PublicKey: pub(mi.address)}, writable(to), p.signer()))
}

// signer is the authority, which signs every instruction of the ledger.
func (p *plan) signer() solana.AccountMeta {
	return solana.AccountMeta{PublicKey: p.l.authority, IsSigner: true}
}

func writable(a iog.WalletAddress) solana.AccountMeta {
	return solana.AccountMeta{PublicKey: pub(a), IsWritable: true}
}

// tokenInstruction is an SPL Token TransferChecked, MintToChecked or
// BurnChecked: the instruction, the amount and the decimals, encoded by
// hand as the token program reads them (solana-go's builders encode by
// reflection, most of the cost of planning a payout).
func tokenInstruction(kind byte, units uint64, decimals uint8, accounts ...solana.AccountMeta) instruction {
	data := make([]byte, 10)
	data[0] = kind
	binary.LittleEndian.PutUint64(data[1:], units)
	data[9] = decimals
	return instruction{program: solana.TokenProgramID, accounts: accounts, data: data}
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
	var accounts []solana.AccountMeta
	if p.last == nil {
		accounts = []solana.AccountMeta{p.signer()}
	}
	p.last = &m
	p.append(instruction{program: solana.MemoProgramID, accounts: accounts, data: data})
	return nil
}

// push appends an instruction solana-go built.
func (p *plan) push(built solana.Instruction) {
	ix, err := compiled(built)
	if err != nil {
		p.err = cmp.Or(p.err, err)
		return
	}
	p.append(ix)
}

// append appends an instruction and counts its size and units.
func (p *plan) append(ix instruction) {
	p.ixs = append(p.ixs, ix)
	p.units += unitsOf(ix.program, ix.data).units
	p.keys[ix.program] = struct{}{}
	for _, a := range ix.accounts {
		p.keys[a.PublicKey] = struct{}{}
	}
	p.ixBytes += instructionSize(len(ix.accounts), len(ix.data))
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
func (p *plan) transaction(blockhash solana.Hash) (signed, error) {
	if p.err != nil {
		return signed{}, p.err
	}
	ixs := p.ixs
	if price := p.l.cfg.ComputeUnitPrice; price > 0 {
		limit, err := compiled(computebudget.NewSetComputeUnitLimitInstruction(min(p.units+2*cuComputeBudget, maxTransactionUnits)).Build())
		if err != nil {
			return signed{}, err
		}
		offer, err := compiled(computebudget.NewSetComputeUnitPriceInstruction(price).Build())
		if err != nil {
			return signed{}, err
		}
		ixs = append([]instruction{limit, offer}, ixs...)
	}
	return sign(p.l.payer, blockhash, ixs, p.l.key)
}

// fits says whether the plan's transaction is within a transaction's
// size and compute limits, and if not, by what.
func (p *plan) fits() error {
	switch size := p.size(); {
	case p.err != nil:
		return p.err
	case size > maxTransactionSize:
		return fmt.Errorf("the transaction would be %d bytes, more than Solana's %d: %w", size, maxTransactionSize, iog.ErrInvalid)
	case p.units > maxTransactionUnits:
		return fmt.Errorf("the transaction would need %d compute units, more than Solana's %d: %w", p.units, maxTransactionUnits, iog.ErrInvalid)
	}
	return nil
}
