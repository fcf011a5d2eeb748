package store

import "github.com/internetofgpus/iog/internal/sqldb"

// epochsMigrations are the tables of the hourly epoch: when the network's
// epochs began, each settled epoch (an hourly block), what became of
// each device nominated in it, and the block rewards its stakers earned
// and claim.
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
}, {
	Version: 3,
	Name:    "block rewards a staker claims: each share an epoch allotted, and each claim",
	Statements: []string{
		// A staker's share of one device's reward in an epoch, in IO
		// base units: minted with the epoch's other shares into the
		// network's rewards account, and paid from there by the claim
		// whose ID is in claim (NULL while unclaimed).
		`CREATE TABLE reward_shares (
			epoch BIGINT NOT NULL,
			device TEXT NOT NULL,
			wallet TEXT NOT NULL,
			amount BIGINT NOT NULL,
			claim BIGINT,
			PRIMARY KEY (epoch, device, wallet)
		)`,
		`CREATE INDEX reward_shares_unclaimed ON reward_shares (wallet) WHERE claim IS NULL`,
		// A wallet's claim: the shares it paid (how many, their epochs'
		// range, their sum in IO base units) and when.
		`CREATE TABLE reward_claims (
			id SERIAL_ID,
			wallet TEXT NOT NULL,
			amount BIGINT NOT NULL,
			shares BIGINT NOT NULL,
			first_epoch BIGINT NOT NULL,
			last_epoch BIGINT NOT NULL,
			claimed BIGINT NOT NULL
		)`,
		`CREATE INDEX reward_claims_wallet ON reward_claims (wallet, id)`,
	},
}}
