package store

import "github.com/internetofgpus/iog/internal/sqldb"

// sessionMigrations are the web sessions' tables: the challenges a wallet
// signs to sign in, and the sessions it signed in to. In the database,
// not in a server's memory, so that a browser signed in through one
// server is signed in to all that share it.
var sessionMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "sign-in challenges and web sessions",
	Statements: []string{
		// A challenge lives until it is used (deleted then) or expires
		// (pruned). message is the exact text handed out, checked
		// against the signature as it was.
		`CREATE TABLE session_challenges (
			nonce TEXT PRIMARY KEY,
			wallet TEXT NOT NULL,
			message TEXT NOT NULL,
			expires BIGINT NOT NULL
		)`,
		`CREATE INDEX session_challenges_expires ON session_challenges (expires)`,
		// A session's token only hashed, as an API key's is; its ID is
		// the hash's first 8 bytes.
		`CREATE TABLE sessions (
			id TEXT PRIMARY KEY,
			wallet TEXT NOT NULL,
			hash BYTEA NOT NULL,
			csrf TEXT NOT NULL,
			created BIGINT NOT NULL,
			expires BIGINT NOT NULL,
			revoked BIGINT
		)`,
		`CREATE INDEX sessions_expires ON sessions (expires)`,
	},
}}
