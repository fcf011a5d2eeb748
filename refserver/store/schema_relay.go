package store

import "github.com/internetofgpus/iog/internal/sqldb"

// relayMigrations are the relay's table: where the leader's relay
// listens, so that every server process tells workers the same address.
var relayMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "the relay's address",
	Statements: []string{
		// One row (id 1), written by the leader when its relay starts.
		`CREATE TABLE relay_endpoint (
			id BIGINT PRIMARY KEY,
			addr TEXT NOT NULL,
			updated BIGINT NOT NULL
		)`,
	},
}}
