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
}}
