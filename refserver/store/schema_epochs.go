package store

import "github.com/internetofgpus/iog/internal/sqldb"

// epochsMigrations are the tables of the hourly epoch: when the network's
// epochs began, each settled epoch (an hourly block) and what became of
// each device nominated in it.
var epochsMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "epoch genesis, settled epochs and their devices",
	Statements: []string{
		// The one row saying when epoch 1 began; its update also
		// serializes epoch settlements across server processes.
		`CREATE TABLE epoch_genesis (
			id BIGINT PRIMARY KEY,
			genesis BIGINT NOT NULL
		)`,
		// A settled epoch. Amounts are IO base units but for revenue_usdc
		// (USDC base units); price is the USD price of one IO the
		// buy-back used, as an exact fraction "num/den".
		`CREATE TABLE epochs (
			number BIGINT PRIMARY KEY,
			started BIGINT NOT NULL,
			ended BIGINT NOT NULL,
			settled BIGINT NOT NULL,
			emission BIGINT NOT NULL,
			paid BIGINT NOT NULL,
			unpaid BIGINT NOT NULL,
			nominated BIGINT NOT NULL,
			rewarded BIGINT NOT NULL,
			failed BIGINT NOT NULL,
			revenue_io BIGINT NOT NULL,
			revenue_usdc BIGINT NOT NULL,
			burned BIGINT NOT NULL,
			price TEXT NOT NULL
		)`,
		// Each device nominated in an epoch: rewarded (1) with its pool,
		// weight and reward, or failed (0) with the reason.
		`CREATE TABLE epoch_devices (
			epoch BIGINT NOT NULL,
			device TEXT NOT NULL,
			owner TEXT NOT NULL,
			rewarded BIGINT NOT NULL,
			pool TEXT NOT NULL,
			weight BIGINT NOT NULL,
			reward BIGINT NOT NULL,
			reason TEXT NOT NULL,
			PRIMARY KEY (epoch, device)
		)`,
	},
}, {
	Version: 2,
	Name:    "each device's oldest proof of its reported GPUs beside its verifier record",
	Statements: []string{
		// An epoch judges every device by its trust score and the
		// oldest last proof of the GPUs of its last accepted report: the
		// copies beside the verifier record (copyColumns) spare it
		// decoding each record. NULL in a row written before: that row's
		// record is decoded until it is next written.
		`ALTER TABLE devices ADD COLUMN proven_since BIGINT`,
	},
}}
