package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// Withdrawal is a wallet's withdrawal of funds off the network.
type Withdrawal struct {
	ID     int64
	Wallet iog.WalletAddress
	Amount iog.Amount
	// To is the Solana address to pay.
	To iog.WalletAddress
	// Status is "pending" until the withdrawal is paid out on Solana,
	// then "paid".
	Status           string
	Created, Updated time.Time
}

// Key is the idempotency key of the withdrawal's ledger transfer.
func (w Withdrawal) Key() string { return fmt.Sprintf("withdrawal:%d", w.ID) }

// payoutPrefix starts the key of a withdrawal's payout.
const payoutPrefix = "withdrawal-payout:"

// PayoutKey is the idempotency key of the withdrawal's payout: the Burn
// that takes its amount off the network's withdrawals account as the
// chain pays it out to To.
func (w Withdrawal) PayoutKey() string { return payoutPrefix + strconv.FormatInt(w.ID, 10) }

// PayoutID returns the withdrawal a payout key names.
func PayoutID(key string) (int64, bool) {
	n, ok := strings.CutPrefix(key, payoutPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(n, 10, 64)
	return id, err == nil && id > 0
}

// Withdrawal returns the withdrawal numbered id.
func (t *Tx) Withdrawal(id int64) (Withdrawal, error) {
	w := Withdrawal{ID: id}
	var wallet, to string
	var c, units, created, updated int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT wallet, currency, units, to_address, status, created, updated FROM withdrawals WHERE id = $1`, id).
		Scan(&wallet, &c, &units, &to, &w.Status, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("withdrawal %d: %w", id, iog.ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("withdrawal %d: %w", id, err)
	}
	return w, decodeWithdrawal(&w, wallet, to, c, units, created, updated)
}

// MarkWithdrawalPaid records that withdrawal id was paid out at.
func (t *Tx) MarkWithdrawalPaid(id int64, at time.Time) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE withdrawals SET status = $1, updated = $2 WHERE id = $3`, "paid", unix(at), id)
	if err != nil {
		return fmt.Errorf("withdrawal %d paid: %w", id, err)
	}
	return nil
}

// decodeWithdrawal fills w in from a stored row's columns.
func decodeWithdrawal(w *Withdrawal, wallet, to string, c, units, created, updated int64) error {
	var err1, err2 error
	w.Wallet, err1 = iog.ParseWalletAddress(wallet)
	w.To, err2 = iog.ParseWalletAddress(to)
	if err1 != nil || err2 != nil || !iog.Currency(c).Valid() {
		return fmt.Errorf("withdrawal %d: a stored row does not decode: %w", w.ID, iog.ErrInvalid)
	}
	w.Amount = iog.NewAmount(units, iog.Currency(c))
	w.Created, w.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return nil
}

// InsertWithdrawal records a withdrawal and returns it with its ID.
func (t *Tx) InsertWithdrawal(w Withdrawal) (Withdrawal, error) {
	err := t.tx.QueryRowContext(t.ctx, `INSERT INTO withdrawals (wallet, currency, units, to_address, status, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		w.Wallet.String(), int64(w.Amount.Currency()), w.Amount.Units(), w.To.String(), w.Status, unix(w.Created), unix(w.Updated)).Scan(&w.ID)
	if err != nil {
		return w, fmt.Errorf("store withdrawal: %w", err)
	}
	return w, nil
}

// Withdrawals returns a wallet's withdrawals, newest first, up to limit,
// from the one before the ID before (0 for the newest).
func (t *Tx) Withdrawals(wallet iog.WalletAddress, before int64, limit int) ([]Withdrawal, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, currency, units, to_address, status, created, updated FROM withdrawals
		WHERE wallet = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, wallet.String(), before, limit)
	if err != nil {
		return nil, fmt.Errorf("withdrawals: %w", err)
	}
	defer rows.Close()
	var out []Withdrawal
	for rows.Next() {
		var w Withdrawal
		var c, units, created, updated int64
		var to string
		if err := rows.Scan(&w.ID, &c, &units, &to, &w.Status, &created, &updated); err != nil {
			return nil, fmt.Errorf("withdrawals: %w", err)
		}
		if err := decodeWithdrawal(&w, wallet.String(), to, c, units, created, updated); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
