package store

import (
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

// StakeHold is one ledger hold of staked IO: what a stake put in escrow
// in its staker's account, and what is left of it.
type StakeHold struct {
	ID        int64
	Device    iog.DeviceID
	Staker    iog.WalletAddress
	Remaining iog.Amount
}

// Key is the hold's idempotency key on the ledger.
func (h StakeHold) Key() string { return fmt.Sprintf("stake-hold:%d", h.ID) }

// InsertStakeHold records a new hold of staked IO and returns it, its key
// now naming the ledger hold to make.
func (t *Tx) InsertStakeHold(device iog.DeviceID, staker iog.WalletAddress, amount iog.Amount) (StakeHold, error) {
	h := StakeHold{Device: device, Staker: staker, Remaining: amount}
	err := t.tx.QueryRowContext(t.ctx, "INSERT INTO stake_holds (device, staker, remaining) VALUES ($1, $2, $3) RETURNING id",
		string(device), staker.String(), amount.Units()).Scan(&h.ID)
	if err != nil {
		return h, fmt.Errorf("store stake hold: %w", err)
	}
	return h, nil
}

// StakeHolds returns a staker's holds on a device, oldest first, locked
// for the transaction.
func (t *Tx) StakeHolds(device iog.DeviceID, staker iog.WalletAddress) ([]StakeHold, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT id, remaining FROM stake_holds WHERE staker = $1 AND device = $2 ORDER BY id"+t.forUpdate(),
		staker.String(), string(device))
	if err != nil {
		return nil, fmt.Errorf("stake holds: %w", err)
	}
	defer rows.Close()
	var out []StakeHold
	for rows.Next() {
		h := StakeHold{Device: device, Staker: staker}
		var units int64
		if err := rows.Scan(&h.ID, &units); err != nil {
			return nil, fmt.Errorf("stake holds: %w", err)
		}
		h.Remaining = iog.NewAmount(units, iog.IO)
		out = append(out, h)
	}
	return out, rows.Err()
}

// SpendStakeHold records what is left of a hold; a hold with nothing left
// is deleted.
func (t *Tx) SpendStakeHold(h StakeHold) error {
	var err error
	if h.Remaining.IsZero() {
		err = t.exec("DELETE FROM stake_holds WHERE id = $1", h.ID)
	} else {
		err = t.exec("UPDATE stake_holds SET remaining = $2 WHERE id = $1", h.ID, h.Remaining.Units())
	}
	if err != nil {
		return fmt.Errorf("update stake hold %d: %w", h.ID, err)
	}
	return nil
}

// SlashFilter selects slashes for a listing; zero fields select all.
type SlashFilter struct {
	Device iog.DeviceID
	// State is a tokenomics.SlashState's name.
	State string
	// After continues a listing after this slash ID; Limit bounds it.
	After tokenomics.SlashID
	Limit int
}

// Slashes lists the slashes a filter selects, by ID.
func (t *Tx) Slashes(f SlashFilter) ([]tokenomics.SlashRecord, error) {
	q := "SELECT record FROM stake_slashes WHERE id > $1"
	args := []any{int64(f.After)}
	if f.Device != "" {
		args = append(args, string(f.Device))
		q += fmt.Sprintf(" AND device = $%d", len(args))
	}
	if f.State != "" {
		args = append(args, f.State)
		q += fmt.Sprintf(" AND state = $%d", len(args))
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	out, err := records[tokenomics.SlashRecord](t, q, args)
	if err != nil {
		return nil, fmt.Errorf("slashes: %w", err)
	}
	return out, nil
}
