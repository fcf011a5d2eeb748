package store

import "github.com/internetofgpus/iog/internal/sqldb"

// stakeMigrations are the stake book's tables: its records (the JSON of
// tokenomics' DeviceRecord, Cooldown and SlashRecord), each keyed and
// indexed by what the server looks them up by, and its ID counter.
var stakeMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "stake book records",
	Statements: []string{
		`CREATE TABLE stake_devices (
			device TEXT PRIMARY KEY,
			record BYTEA NOT NULL
		)`,
		// Who has a position on which device: the listing of a staker's
		// stakes, and the devices a withdrawal must restore.
		`CREATE TABLE stake_positions (
			device TEXT NOT NULL,
			staker TEXT NOT NULL,
			PRIMARY KEY (staker, device)
		)`,
		`CREATE TABLE stake_cooldowns (
			id BIGINT PRIMARY KEY,
			device TEXT NOT NULL,
			staker TEXT NOT NULL,
			ready BIGINT NOT NULL,
			record BYTEA NOT NULL
		)`,
		`CREATE INDEX stake_cooldowns_device ON stake_cooldowns (device)`,
		`CREATE INDEX stake_cooldowns_staker ON stake_cooldowns (staker)`,
		`CREATE TABLE stake_slashes (
			id BIGINT PRIMARY KEY,
			device TEXT NOT NULL,
			state TEXT NOT NULL,
			record BYTEA NOT NULL
		)`,
		`CREATE INDEX stake_slashes_device ON stake_slashes (device)`,
		`CREATE TABLE stake_counter (
			id BIGINT PRIMARY KEY,
			last_id BIGINT NOT NULL
		)`,
		`INSERT INTO stake_counter (id, last_id) VALUES (1, 0)`,
	},
}, {
	Version: 2,
	Name:    "the ledger holds of staked IO, withdrawals off the network",
	Statements: []string{
		// Staked IO stays in its staker's account, held: one ledger hold
		// a stake, keyed by the row's ID. remaining is what the hold has
		// left; a staker's holds on a device add up to its active,
		// cooling and slashed-but-undecided stake there. A hold spent to
		// nothing is deleted.
		`CREATE TABLE stake_holds (
			id SERIAL_ID,
			device TEXT NOT NULL,
			staker TEXT NOT NULL,
			remaining BIGINT NOT NULL
		)`,
		`CREATE INDEX stake_holds_position ON stake_holds (staker, device, id)`,
		// A wallet's withdrawal of funds off the network to a Solana
		// address: the amount moved to the network's withdrawals account
		// when it was asked for, paid out (or refunded) later.
		`CREATE TABLE withdrawals (
			id SERIAL_ID,
			wallet TEXT NOT NULL,
			currency BIGINT NOT NULL,
			units BIGINT NOT NULL,
			to_address TEXT NOT NULL,
			status TEXT NOT NULL,
			created BIGINT NOT NULL,
			updated BIGINT NOT NULL
		)`,
		`CREATE INDEX withdrawals_wallet ON withdrawals (wallet, id)`,
		`CREATE INDEX withdrawals_status ON withdrawals (status, id)`,
		`CREATE INDEX stake_slashes_state ON stake_slashes (state, id)`,
	},
}}
