package store

import "github.com/internetofgpus/iog/internal/sqldb"

// heartbeatMigrations are the indexes that let the leader's loops read
// the devices beside a stream of heartbeats without reading their rows.
var heartbeatMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "the scheduler's columns of the devices, by ID",
	Statements: []string{
		// Tx.Nodes reads these of every device each scheduling round; in
		// the row they follow its records (kilobytes of JSON), so a
		// read of the row pages through them. The index holds them
		// alone, and changes only when they do, not at each heartbeat.
		`CREATE INDEX devices_nodes ON devices (id, state, model, gpu_count, location, down_bps, up_bps, up)`,
	},
}, {
	Version: 2,
	Name:    "each device's open proof tasks and oldest proof beside its verifier record",
	Statements: []string{
		// A heartbeat asks whether the device owes or is due a proof:
		// these copies of its verifier record's answer (copyColumns)
		// spare it decoding the record. -1 open tasks, as in a row
		// written before, is unknown: its heartbeats read the record
		// until the record is next written.
		`ALTER TABLE devices ADD COLUMN open_tasks BIGINT NOT NULL DEFAULT -1`,
		`ALTER TABLE devices ADD COLUMN oldest_proof BIGINT NOT NULL DEFAULT 0`,
	},
}}
