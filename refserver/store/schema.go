package store

import (
	"strconv"

	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// components are the server's areas, each with its own tables and its own
// versioned migrations (in schema_*.go), beside the ledger's (ledger_*).
// In every table times are Unix nanoseconds, amounts base units of their
// currency, wallets base58.
var components = []struct {
	name  string
	steps []sqldb.Migration
}{
	{"refserver", migrations},
	{"refserver-stake", stakeMigrations},
	{"refserver-epochs", epochsMigrations},
	{"refserver-clusters", clusterMigrations},
	{"refserver-relay", relayMigrations},
	{"refserver-heartbeats", heartbeatMigrations},
	{"refserver-reads", readsMigrations},
	{"refserver-settlement", settlementMigrations},
	{"refserver-sessions", sessionMigrations},
	{"refserver-explorer", explorerMigrations},
}

// migrations are the tables of requests, API keys and devices.
var migrations = []sqldb.Migration{{
	Version: 1,
	Name:    "request nonces, API keys, idempotency records, audit log",
	Statements: []string{
		// A signed request's nonce, kept until its timestamp is too old
		// for the request to be accepted anyway.
		`CREATE TABLE request_nonces (
			wallet TEXT NOT NULL,
			nonce TEXT NOT NULL,
			expires BIGINT NOT NULL,
			PRIMARY KEY (wallet, nonce)
		)`,
		`CREATE INDEX request_nonces_expires ON request_nonces (expires)`,
		`CREATE TABLE api_keys (
			id TEXT PRIMARY KEY,
			wallet TEXT NOT NULL,
			name TEXT NOT NULL,
			hash BYTEA NOT NULL,
			scopes TEXT NOT NULL,
			created BIGINT NOT NULL,
			expires BIGINT NOT NULL,
			revoked BIGINT
		)`,
		`CREATE INDEX api_keys_wallet ON api_keys (wallet)`,
		// The response to a mutating request, under the key its client
		// gave, so that a retry is answered without acting again.
		`CREATE TABLE idempotency (
			principal TEXT NOT NULL,
			key TEXT NOT NULL,
			request BYTEA NOT NULL,
			status BIGINT NOT NULL,
			response BYTEA NOT NULL,
			created BIGINT NOT NULL,
			PRIMARY KEY (principal, key)
		)`,
		`CREATE INDEX idempotency_created ON idempotency (created)`,
		`CREATE TABLE audit_log (
			id SERIAL_ID,
			at BIGINT NOT NULL,
			wallet TEXT NOT NULL,
			via TEXT NOT NULL,
			action TEXT NOT NULL,
			target TEXT NOT NULL,
			detail TEXT NOT NULL
		)`,
		`CREATE INDEX audit_log_wallet ON audit_log (wallet, id)`,
	},
}, {
	Version: 2,
	Name:    "devices and the GPUs they hold",
	Statements: []string{
		// A device as the network knows it. verifier is its gpu.Verifier
		// record (JSON); health its iog.Health; model and gpu_count are
		// copied from its last accepted report for the explorer's
		// queries.
		`CREATE TABLE devices (
			id TEXT PRIMARY KEY,
			owner TEXT NOT NULL,
			name TEXT NOT NULL,
			state TEXT NOT NULL,
			tunnel_key BYTEA NOT NULL,
			location TEXT NOT NULL,
			down_bps BIGINT NOT NULL,
			up_bps BIGINT NOT NULL,
			registered BIGINT NOT NULL,
			updated BIGINT NOT NULL,
			model TEXT NOT NULL,
			gpu_count BIGINT NOT NULL,
			verifier BYTEA NOT NULL,
			health BYTEA NOT NULL,
			up BIGINT NOT NULL,
			last_seen BIGINT NOT NULL
		)`,
		// The heartbeat timeout's query: devices up whose last heartbeat
		// is old (up and last_seen copy the health record).
		`CREATE INDEX devices_up ON devices (up, last_seen)`,
		`CREATE INDEX devices_owner ON devices (owner)`,
		`CREATE INDEX devices_state ON devices (state, model)`,
		// Which device holds each GPU: a GPU counts for one device only.
		`CREATE TABLE gpu_uuids (
			uuid TEXT PRIMARY KEY,
			device TEXT NOT NULL REFERENCES devices (id)
		)`,
		`CREATE INDEX gpu_uuids_device ON gpu_uuids (device)`,
	},
}, {
	Version:    3,
	Name:       "GPU UUIDs in canonical form",
	Statements: []string{canonicalUUIDs},
}, {
	Version: 4,
	Name:    "request nonces in the order of their timestamps",
	Statements: []string{
		// Every signed request records its nonce: keyed by wallet and
		// nonce (random), each went to a random page of the key's index
		// and of the table besides, two pages written a heartbeat. Keyed
		// by the signed timestamp first, a nonce is appended where the
		// last ones went, and the prune deletes from the front. A replay
		// repeats the timestamp (the signature covers it) and so the
		// key. The rows before held the time the nonce expires, the
		// timestamp plus the clock skew allowed: api.MaxClockSkew, the
		// default, is taken off.
		`CREATE TABLE request_nonces_by_time (
			signed BIGINT NOT NULL,
			wallet TEXT NOT NULL,
			nonce TEXT NOT NULL,
			PRIMARY KEY (signed, wallet, nonce)
		) WITHOUT_ROWID`,
		`INSERT INTO request_nonces_by_time (signed, wallet, nonce) SELECT expires - ` + strconv.FormatInt(int64(api.MaxClockSkew), 10) + `, wallet, nonce FROM request_nonces`,
		`DROP TABLE request_nonces`,
		`ALTER TABLE request_nonces_by_time RENAME TO request_nonces`,
	},
}, {
	Version: 5,
	Name:    "a blocked device's reason and time",
	Statements: []string{
		// A device that broke one of the network's rules for workers
		// (the minimums, the idle-use caps, a change of hardware) is in
		// state blocked: the rule, in words its owner can act on, and
		// when. '' and 0 in the rows before, none of them blocked.
		`ALTER TABLE devices ADD COLUMN blocked_reason TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE devices ADD COLUMN blocked_at BIGINT NOT NULL DEFAULT 0`,
	},
}}

// canonicalUUIDs puts the GPU UUIDs of gpu_uuids written before the
// verifier kept them in canonical form (gpu.CanonicalUUID) in that form:
// another vendor's than NVIDIA's (whose all start "GPU-", in lower-case
// hex) lower-cased, so that a GPU reported in the other case finds its
// holder. A UUID whose lower-case form another row holds already (two
// devices took one GPU in two cases) is left for an operator: which
// device holds it is not the migration's to say.
const canonicalUUIDs = `UPDATE gpu_uuids SET uuid = LOWER(uuid)
	WHERE substr(uuid, 1, 4) <> 'GPU-' AND uuid <> LOWER(uuid)
	AND NOT EXISTS (SELECT 1 FROM gpu_uuids other WHERE other.uuid = LOWER(gpu_uuids.uuid))`
