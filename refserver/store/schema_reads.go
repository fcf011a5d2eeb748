package store

import "github.com/internetofgpus/iog/internal/sqldb"

// readsMigrations are what only public reads need: indexes, and copies of
// what a read would otherwise compute.
var readsMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "the device counts' covering index",
	Statements: []string{
		// Tx.DeviceCounts (GET /v1/explorer/devices) groups every device
		// by these columns: with all of them in one index it reads the
		// index alone, some 50 bytes a device, instead of each device's
		// row of about 9 KB (0.6 s a request at 100,000 devices).
		`CREATE INDEX devices_counts ON devices (model, location, state, up, gpu_count)`,
	},
}, {
	Version: 2,
	Name:    "each device's trust score beside its verifier record",
	Statements: []string{
		// A public read of a device shows its trust score, computed from
		// the trust history in its verifier record: the copy here, and
		// the interval [trust_from, trust_until) of times it holds at,
		// spare the read decoding the record (copyColumns). A row
		// written before has the empty interval: its reads compute the
		// score until its record is next written (by its next proof, on
		// a live network within the proof interval).
		`ALTER TABLE devices ADD COLUMN trust BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE devices ADD COLUMN trust_from BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE devices ADD COLUMN trust_until BIGINT NOT NULL DEFAULT 0`,
	},
}, {
	Version: 3,
	Name:    "each device's verifier record in a table of its own",
	Statements: []string{
		// A device's verifier record is kilobytes of JSON (its GPUs, their
		// proofs, its trust history): in the device's row it took
		// overflow pages, and on SQLite a read of any column stored
		// after it (the copies beside it, up) paged through them, as
		// did every rewrite of the row. Public reads, the scheduler's
		// rounds and the epoch read those columns of every device they
		// touch, and the record only where the copies do not hold; its
		// writes come with a proof, once a proof interval. The covering
		// indexes that kept the scheduler and the heartbeats out of the
		// row have nothing left to spare them, and cost a write each.
		`CREATE TABLE device_verifiers (
			device TEXT PRIMARY KEY REFERENCES devices (id),
			verifier BYTEA NOT NULL
		)`,
		`INSERT INTO device_verifiers (device, verifier) SELECT id, verifier FROM devices`,
		`ALTER TABLE devices DROP COLUMN verifier`,
		`DROP INDEX devices_nodes`,
		`DROP INDEX devices_beat`,
	},
}}
