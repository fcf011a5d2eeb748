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
}}
