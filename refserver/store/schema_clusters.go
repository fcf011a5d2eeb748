package store

import "github.com/internetofgpus/iog/internal/sqldb"

// clusterMigrations are the renters' tables: clusters, the devices each
// is placed on, and the rentals the relay's authorizer is restored from.
var clusterMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "clusters, their devices, rentals",
	Statements: []string{
		// A cluster as its renter deployed it. request is its
		// pricing.Request (JSON), workload its api.Workload (JSON), terms
		// the paid terms, each with its escrow hold (JSON). hours is the
		// paid time, settled the hours already paid out; paid and
		// refunded are amounts as text. placed is the first placement,
		// expires the end of the paid time (0 before placement), ended 0
		// while it lives.
		`CREATE TABLE clusters (
			id TEXT PRIMARY KEY,
			renter TEXT NOT NULL,
			name TEXT NOT NULL,
			status TEXT NOT NULL,
			reason TEXT NOT NULL,
			request BYTEA NOT NULL,
			workload BYTEA NOT NULL,
			terms BYTEA NOT NULL,
			hours BIGINT NOT NULL,
			settled BIGINT NOT NULL,
			paid TEXT NOT NULL,
			refunded TEXT NOT NULL,
			created BIGINT NOT NULL,
			deadline BIGINT NOT NULL,
			placed BIGINT NOT NULL,
			expires BIGINT NOT NULL,
			ended BIGINT NOT NULL,
			updated BIGINT NOT NULL
		)`,
		`CREATE INDEX clusters_renter ON clusters (renter, id)`,
		`CREATE INDEX clusters_status ON clusters (status, id)`,
		// The devices a cluster is placed on now: which GPUs (JSON list of
		// indices), the share of each, and when its worker started it (0
		// before).
		`CREATE TABLE cluster_devices (
			cluster TEXT NOT NULL,
			device TEXT NOT NULL,
			gpus TEXT NOT NULL,
			share BIGINT NOT NULL,
			started BIGINT NOT NULL,
			PRIMARY KEY (cluster, device)
		)`,
		`CREATE INDEX cluster_devices_device ON cluster_devices (device)`,
		// A rental the relay authorizes: the renter may reach the ports
		// (JSON list) of the devices (JSON list) until expires.
		`CREATE TABLE rentals (
			cluster TEXT PRIMARY KEY,
			renter TEXT NOT NULL,
			devices TEXT NOT NULL,
			ports TEXT NOT NULL,
			expires BIGINT NOT NULL
		)`,
	},
}, {
	Version: 2,
	Name:    "refunds returned as credits",
	Statements: []string{
		// The IOSD credits a cluster's refunds were returned as (refunded
		// is the same refunds in the payment currency), as text. A
		// cluster stored before refunded nothing in credits.
		`ALTER TABLE clusters ADD COLUMN refunded_credits TEXT NOT NULL DEFAULT '0 IOSD'`,
	},
}}
