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
}, {
	Version: 3,
	Name:    "each device's health in a narrow table of its own",
	Statements: []string{
		// A heartbeat reads and writes a device's health alone, thousands
		// a second. In the device's row the health followed the verifier
		// record (kilobytes of JSON, overflow pages at 4 and 8 GPUs), so
		// that each heartbeat read the row's pages through to it and
		// rewrote them. Here it takes some 300 bytes a device, beside its
		// copies health_up and last_seen, which the heartbeat timeout's
		// query needs (indexed), and the device's updated time, which
		// every write of the device sets. devices.up stays, for the
		// scheduler's and the statistics' indexes, and is written only
		// when it changes.
		`CREATE TABLE device_health (
			device TEXT PRIMARY KEY REFERENCES devices (id),
			health BYTEA NOT NULL,
			health_up BIGINT NOT NULL,
			last_seen BIGINT NOT NULL,
			updated BIGINT NOT NULL
		) WITHOUT_ROWID`,
		`INSERT INTO device_health (device, health, health_up, last_seen, updated) SELECT id, health, up, last_seen, updated FROM devices`,
		`CREATE INDEX device_health_silent ON device_health (health_up, last_seen)`,
		`DROP INDEX devices_up`,
		`ALTER TABLE devices DROP COLUMN health`,
		`ALTER TABLE devices DROP COLUMN last_seen`,
		`ALTER TABLE devices DROP COLUMN updated`,
		// What else a heartbeat reads of the device (Tx.DeviceBeat), from
		// an index instead of the row: its proof columns follow the
		// verifier record too. They change once a proof interval.
		`CREATE INDEX devices_beat ON devices (id, owner, state, open_tasks, oldest_proof)`,
	},
}, {
	Version: 4,
	Name:    "a counter of the devices' changes the scheduler sees",
	Statements: []string{
		// The scheduling round read every device each second (a quarter
		// of a core at 100,000): node_changed is the value of a counter
		// (nextNodeChange) at the last change of a device's columns the
		// scheduler reads, so that a round reads the devices changed
		// since the last it saw (Store.NodesChangedAfter). 0, in the
		// rows before, is older than any change.
		`ALTER TABLE devices ADD COLUMN node_changed BIGINT NOT NULL DEFAULT 0`,
		`CREATE INDEX devices_node_changed ON devices (node_changed)`,
	},
}}
