package store

import "github.com/internetofgpus/iog/internal/sqldb"

// explorerMigrations are the records the explorer's pages read beyond the
// rest: devices' telemetry, the clusters each device hosted, devices' up
// stretches, and the indexes of a wallet's earnings.
var explorerMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "devices' telemetry samples",
	Statements: []string{
		// One sample of a device's heartbeats at most each telemetry
		// interval: its GPUs' mean utilization (percent, rounded down),
		// hottest temperature (°C) and summed power (milliwatts).
		`CREATE TABLE device_telemetry (
			device TEXT NOT NULL,
			at BIGINT NOT NULL,
			utilization BIGINT NOT NULL,
			temperature BIGINT NOT NULL,
			power_mw BIGINT NOT NULL,
			PRIMARY KEY (device, at)
		) WITHOUT_ROWID`,
		// The prune loop deletes the samples older than it keeps.
		`CREATE INDEX device_telemetry_at ON device_telemetry (at)`,
		// When the device's last sample was taken, beside the health a
		// heartbeat reads and writes anyway: a heartbeat learns whether
		// a sample is due without another query. 0 is never.
		`ALTER TABLE device_health ADD COLUMN telemetry_at BIGINT NOT NULL DEFAULT 0`,
	},
}, {
	Version: 2,
	Name:    "the clusters each device hosted",
	Statements: []string{
		// A device's booking: a cluster placed on it, from when it was
		// first placed there. cluster_devices holds only the placements
		// of now, and forgets a device a cluster moves off.
		`CREATE TABLE device_bookings (
			device TEXT NOT NULL,
			cluster TEXT NOT NULL,
			placed BIGINT NOT NULL,
			PRIMARY KEY (device, cluster)
		) WITHOUT_ROWID`,
		// A device's bookings, the latest first.
		`CREATE INDEX device_bookings_placed ON device_bookings (device, placed, cluster)`,
		// The placements before, from their clusters' first placement.
		`INSERT INTO device_bookings (device, cluster, placed)
			SELECT cluster_devices.device, cluster_devices.cluster, clusters.placed FROM cluster_devices JOIN clusters ON clusters.id = cluster_devices.cluster`,
	},
}, {
	Version: 3,
	Name:    "a wallet's block reward shares by epoch",
	Statements: []string{
		// A wallet's earnings over time read its shares of the epochs
		// since a day; reward_shares_unclaimed holds the unclaimed alone.
		`CREATE INDEX reward_shares_wallet ON reward_shares (wallet, epoch)`,
	},
}, {
	Version: 4,
	Name:    "devices' up stretches",
	Statements: []string{
		// A stretch a device was up, as its health counts up time: from
		// the first heartbeat of the stretch (started) to its last
		// (ended), 0 while it lasts. One is written as a device goes up
		// and as it goes down, not at each heartbeat.
		`CREATE TABLE device_uptime (
			device TEXT NOT NULL,
			started BIGINT NOT NULL,
			ended BIGINT NOT NULL,
			PRIMARY KEY (device, started)
		) WITHOUT_ROWID`,
		// The prune loop deletes the stretches that ended longer ago than
		// the longest window read.
		`CREATE INDEX device_uptime_ended ON device_uptime (ended)`,
		// A device up now is up from its last heartbeat as far as the
		// stretches know: the time before is not recorded.
		`INSERT INTO device_uptime (device, started, ended) SELECT device, last_seen, 0 FROM device_health WHERE health_up = 1`,
	},
}}
