package store

import "github.com/internetofgpus/iog/internal/sqldb"

// settlementMigrations are the outbox's tables: how far the server's
// ledger is settled on the chain, and what became of each entry settled.
// The outbox itself is the ledger's entries (ledger_entries, in the order
// of their seq): these tables only say how far along it the settler is.
var settlementMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "the settlement of the ledger on the chain: the entries settled and the cursor",
	Statements: []string{
		// One row per ledger entry the settler answered for: settled
		// (with the chain's signature of its transaction) or failed (with
		// the chain's refusal, in error). A failed entry stops the
		// settler: an operator looks, puts the chain right and deletes the
		// row, and the settler tries the entry again.
		`CREATE TABLE settlements (
			seq BIGINT PRIMARY KEY,
			key TEXT NOT NULL,
			signature BYTEA NOT NULL,
			status TEXT NOT NULL,
			error TEXT NOT NULL,
			at BIGINT NOT NULL
		)`,
		// One row (id 1): the seq of the last entry settled; every entry
		// up to it is settled, none after it.
		`CREATE TABLE settlement_cursor (
			id BIGINT PRIMARY KEY,
			seq BIGINT NOT NULL,
			updated BIGINT NOT NULL
		)`,
	},
}}
