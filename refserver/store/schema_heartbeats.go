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
}}
