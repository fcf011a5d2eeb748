package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/internetofgpus/iog"
)

// Ledger records every movement of tokens: accounts, balances per
// currency, transfers, escrow holds and releases, mint and burn. Each
// movement is an Op applied atomically: it happens entirely or not at all.
//
// Every Op carries an idempotency key. Applying an Op whose key was used
// before changes nothing: if the Op is the same, Apply returns the entry
// it first made and an error matching ErrReplayed (a retry after a lost
// reply is safe and applies once); if it differs, the error is
// iog.ErrConflict.
//
// Errors name their kind: malformed ops are iog.ErrInvalid, unknown
// accounts and holds iog.ErrNotFound, an account opened twice
// iog.ErrConflict, a debit beyond the balance or hold
// iog.ErrInsufficientFunds, a credit beyond what an amount holds
// iog.ErrOverflow. An Op that fails changes nothing.
//
// Implementations are safe for concurrent use.
type Ledger interface {
	// Apply validates op, applies it and returns the entry that records it.
	Apply(ctx context.Context, op Op) (Entry, error)
	// ApplyAll applies ops atomically, in order, each seeing the state the
	// ones before it left (a Release may draw on a Hold of the same batch):
	// either every op is applied, recorded as consecutive entries, or none
	// is. Ops must have distinct keys. A batch whose every op was applied
	// before returns their entries and ErrReplayed; a batch some of whose
	// keys were used and some not is iog.ErrConflict. An op that fails
	// fails the batch with its error, naming its place in the batch.
	ApplyAll(ctx context.Context, ops []Op) ([]Entry, error)
	// Balance returns an account's balance in a currency. An account
	// never credited in a currency has a zero balance in it; an account
	// never opened is iog.ErrNotFound.
	Balance(ctx context.Context, account iog.WalletAddress, c iog.Currency) (Balance, error)
	// Supply returns what has been minted and not burned of a currency:
	// the sum of every account's available and held balance in it.
	Supply(ctx context.Context, c iog.Currency) (iog.Amount, error)
	// Entry returns the entry applied under an idempotency key, so a
	// caller can tell whether a step of an interrupted sequence was made.
	// A key never applied is iog.ErrNotFound.
	Entry(ctx context.Context, key string) (Entry, error)
}

// ErrReplayed reports an Op whose idempotency key was already applied to
// the same Op: the ledger returns the original entry and changes
// nothing. It also matches iog.ErrConflict.
var ErrReplayed = fmt.Errorf("operation already applied (idempotency key replayed): %w", iog.ErrConflict)

// ErrTornTail reports a ledger file whose last record is incomplete, as a
// crash in the middle of a write leaves it. The incomplete record was
// never acknowledged; OpenFile refuses the file unless told to cut it off
// (FileConfig.RepairTornTail).
var ErrTornTail = errors.New("ledger file ends in an incomplete record (torn tail)")

// ErrTampered reports a ledger file whose content does not check out: a
// broken hash chain, a bad signature, a record that does not decode or
// does not replay, a recorded balance that differs from the replayed one.
// The error names the entry.
var ErrTampered = errors.New("ledger file does not verify (tampered or corrupt)")

// Kind is what an Op does.
type Kind uint8

// The kinds of operation.
const (
	// Open creates the account To.
	Open Kind = iota + 1
	// Mint creates Amount in account To, raising the supply.
	Mint
	// Burn destroys Amount from account From, lowering the supply.
	Burn
	// Transfer moves Amount from From to To.
	Transfer
	// Hold moves Amount of From's available balance into escrow, as a hold
	// named by the Op's Key.
	Hold
	// Release pays Amount out of the hold named by HoldKey to To: to a
	// payee, or back to the holder to refund it. A hold may be released
	// in parts; it ends when nothing remains.
	Release
)

var kindNames = [...]string{"", "open", "mint", "burn", "transfer", "hold", "release"}

// String returns the kind's name, such as "transfer".
func (k Kind) String() string {
	if !k.valid() {
		return fmt.Sprintf("Kind(%d)", uint8(k))
	}
	return kindNames[k]
}

func (k Kind) valid() bool { return k != 0 && int(k) < len(kindNames) }

// ParseKind returns the kind named s, as String names it; an unknown
// name is iog.ErrInvalid.
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if k != 0 && s == name {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown operation %q: %w", s, iog.ErrInvalid)
}

// Op is one movement to apply. Which fields it uses depends on Kind; the
// others must be zero.
type Op struct {
	Kind Kind
	// Key is the idempotency key: 1 to 128 bytes of printable text, unique
	// per intended movement (such as "epoch-42:reward:device-7").
	Key string
	// Reason says why, for people reading the ledger: 1 to 256 bytes.
	Reason string
	// From is the account debited (Burn, Transfer, Hold).
	From iog.WalletAddress
	// To is the account credited (Mint, Transfer, Release) or opened (Open).
	To iog.WalletAddress
	// Amount is what moves; positive for every kind but Open.
	Amount iog.Amount
	// HoldKey names the hold a Release draws on: the Key of its Hold op.
	HoldKey string
}

// Balance is an account's holdings of one currency.
type Balance struct {
	Account  iog.WalletAddress
	Currency iog.Currency
	// Available can be spent; Held is in escrow holds.
	Available, Held iog.Amount
}

// Entry is the ledger's record of an applied Op.
type Entry struct {
	// Seq numbers the entries from 1, without gaps.
	Seq  uint64
	Time time.Time
	Op   Op
	// Balances are the balances of the accounts the Op touched, after it.
	Balances []Balance
	// Prev is the hash of the entry before (of the file header for the
	// first), Hash this entry's, and Signature the authority's ed25519
	// signature of Hash. File signs every entry; SQL signs the last entry
	// of each atomic batch, whose hash chains every entry of the batch,
	// and leaves Signature nil on the others (the package doc). The
	// in-memory ledger leaves them zero.
	Prev, Hash [32]byte
	Signature  []byte
}

const (
	maxKeyLen    = 128
	maxReasonLen = 256
)

// validate checks an Op's form, without looking at any state.
func (op Op) validate() error {
	if !op.Kind.valid() {
		return fmt.Errorf("%v is not an operation: %w", op.Kind, iog.ErrInvalid)
	}
	if err := checkText("idempotency key", op.Key, maxKeyLen); err != nil {
		return err
	}
	if err := checkText("reason", op.Reason, maxReasonLen); err != nil {
		return err
	}
	needFrom := op.Kind == Burn || op.Kind == Transfer || op.Kind == Hold
	needTo := op.Kind == Open || op.Kind == Mint || op.Kind == Transfer || op.Kind == Release
	switch {
	case needFrom == op.From.IsZero():
		return fieldError(op, "from account", needFrom)
	case needTo == op.To.IsZero():
		return fieldError(op, "to account", needTo)
	case (op.Kind == Release) == (op.HoldKey == ""):
		return fieldError(op, "hold key", op.Kind == Release)
	case op.Kind == Transfer && op.From == op.To:
		return fmt.Errorf("transfer from %v to itself: %w", op.From, iog.ErrInvalid)
	}
	if op.Kind == Open {
		if op.Amount != (iog.Amount{}) {
			return fieldError(op, "amount", false)
		}
		return nil
	}
	if err := op.Amount.CheckNonNegative(op.Kind.String() + " amount"); err != nil {
		return err
	}
	if op.Amount.IsZero() {
		return fmt.Errorf("%v of zero: amount must be positive: %w", op.Kind, iog.ErrInvalid)
	}
	return nil
}

func fieldError(op Op, field string, needed bool) error {
	if needed {
		return fmt.Errorf("%v needs a %s: %w", op.Kind, field, iog.ErrInvalid)
	}
	return fmt.Errorf("%v takes no %s: %w", op.Kind, field, iog.ErrInvalid)
}

// checkText accepts 1 to max bytes of valid UTF-8 without control
// characters.
func checkText(what, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("%s is empty: %w", what, iog.ErrInvalid)
	case len(s) > max:
		return fmt.Errorf("%s is %d bytes, more than %d: %w", what, len(s), max, iog.ErrInvalid)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8: %w", what, iog.ErrInvalid)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s %q has a control character: %w", what, s, iog.ErrInvalid)
		}
	}
	return nil
}
