package store

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/tokenomics"
)

// Epoch is a settled epoch's row: an hourly block of the explorer.
type Epoch struct {
	Number uint64
	// Started and Ended bound the epoch; Settled is when it was settled.
	Started, Ended, Settled time.Time
	// Emission is what the epoch minted: Paid to stakers plus Unpaid to
	// the network's unpaid account.
	Emission, Paid, Unpaid iog.Amount
	// Nominated devices were considered; Rewarded and Failed add up to it.
	Nominated, Rewarded, Failed int
	// RevenueIO and RevenueUSDC are the fee revenue the buy-back spent,
	// at Price (USD per IO), and Burned the IO it burned.
	RevenueIO, RevenueUSDC, Burned iog.Amount
	Price                          iog.Rate
}

// EpochDevice is what became of one device nominated in an epoch.
type EpochDevice struct {
	Epoch    uint64
	Device   iog.DeviceID
	Owner    iog.WalletAddress
	Rewarded bool
	// Pool, Weight and Reward are a rewarded device's; Reason says why a
	// failed one earned nothing. Pool is a tokenomics.Pool's name
	// ("Enterprise", "Community"); rows written before the pools were
	// io.net's two name the pool by processor, and read as the pool that
	// took its share: "GPU", the 95% pool, as Enterprise, and "CPU", the
	// 5% pool, as Community (legacyPools).
	Pool   string
	Weight uint64
	Reward iog.Amount
	Reason string
}

const epochColumns = "number, started, ended, settled, emission, paid, unpaid, nominated, rewarded, failed, revenue_io, revenue_usdc, burned, price"

// EpochGenesis returns when epoch 1 began, storing proposed as that time
// if the database has none yet, and locks it until the transaction ends:
// the lock serializes settlements, so that of two servers running the
// epoch step at once the second sees what the first settled.
func (t *Tx) EpochGenesis(proposed time.Time) (time.Time, error) {
	if err := t.exec("INSERT INTO epoch_genesis (id, genesis) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", unix(proposed)); err != nil {
		return time.Time{}, fmt.Errorf("epoch genesis: %w", err)
	}
	var g int64
	if err := t.tx.QueryRowContext(t.ctx, "UPDATE epoch_genesis SET genesis = genesis WHERE id = 1 RETURNING genesis").Scan(&g); err != nil {
		return time.Time{}, fmt.Errorf("epoch genesis: %w", err)
	}
	return time.Unix(0, g).UTC(), nil
}

// LastEpoch returns the latest settled epoch, and false when none is.
func (t *Tx) LastEpoch() (Epoch, bool, error) {
	list, err := t.Epochs(0, 1)
	if err != nil || len(list) == 0 {
		return Epoch{}, false, err
	}
	return list[0], true, nil
}

// LastEpochEnd returns when the latest settled epoch ended, and the zero
// time when none is: every heartbeat asks it, to roll its device's health
// window (and in a group commit's batch, every step is one). On SQLite
// the transaction is the database's only writer, so it reads it once,
// and again only after it settles an epoch itself (InsertEpoch) or a
// step of its batch is rolled back; on PostgreSQL another server may
// settle one meanwhile, and each call reads it.
func (t *Tx) LastEpochEnd() (time.Time, error) {
	if t.lastEnd != nil {
		return *t.lastEnd, nil
	}
	var ended int64
	var end time.Time
	err := t.tx.QueryRowContext(t.ctx, "SELECT ended FROM epochs ORDER BY number DESC LIMIT 1").Scan(&ended)
	switch {
	case noRows(err):
	case err != nil:
		return time.Time{}, fmt.Errorf("last epoch: %w", err)
	default:
		end = time.Unix(0, ended).UTC()
	}
	if t.s.dialect == sqldb.SQLite {
		t.lastEnd = &end
	}
	return end, nil
}

// Epoch returns a settled epoch; one not settled is iog.ErrNotFound.
func (t *Tx) Epoch(n uint64) (Epoch, error) {
	list, err := t.epochs("WHERE number = $1", int64(n))
	if err != nil {
		return Epoch{}, err
	}
	if len(list) == 0 {
		return Epoch{}, fmt.Errorf("epoch %d is not settled: %w", n, iog.ErrNotFound)
	}
	return list[0], nil
}

// Epochs lists up to limit settled epochs before the epoch numbered
// before (all of them for 0), the latest first.
func (t *Tx) Epochs(before uint64, limit int) ([]Epoch, error) {
	if before == 0 {
		return t.epochs("ORDER BY number DESC LIMIT $1", limit)
	}
	return t.epochs("WHERE number < $1 ORDER BY number DESC LIMIT $2", int64(before), limit)
}

func (t *Tx) epochs(clause string, args ...any) ([]Epoch, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT "+epochColumns+" FROM epochs "+clause, args...)
	if err != nil {
		return nil, fmt.Errorf("list epochs: %w", err)
	}
	defer rows.Close()
	var out []Epoch
	for rows.Next() {
		var e Epoch
		var n, started, ended, settled, emission, paid, unpaid, revIO, revUSDC, burned int64
		var price string
		if err := rows.Scan(&n, &started, &ended, &settled, &emission, &paid, &unpaid, &e.Nominated, &e.Rewarded, &e.Failed, &revIO, &revUSDC, &burned, &price); err != nil {
			return nil, fmt.Errorf("read epoch: %w", err)
		}
		if err := e.Price.UnmarshalText([]byte(price)); err != nil {
			return nil, fmt.Errorf("epoch %d: stored price %q is corrupt: %w", n, price, iog.ErrInvalid)
		}
		e.Number = uint64(n)
		e.Started, e.Ended, e.Settled = time.Unix(0, started).UTC(), time.Unix(0, ended).UTC(), time.Unix(0, settled).UTC()
		e.Emission, e.Paid, e.Unpaid = iog.NewAmount(emission, iog.IO), iog.NewAmount(paid, iog.IO), iog.NewAmount(unpaid, iog.IO)
		e.RevenueIO, e.RevenueUSDC, e.Burned = iog.NewAmount(revIO, iog.IO), iog.NewAmount(revUSDC, iog.USDC), iog.NewAmount(burned, iog.IO)
		out = append(out, e)
	}
	return out, rows.Err()
}

// InsertEpoch records a settled epoch and its devices. An epoch settled
// before fails on the primary key, and its transaction with it.
func (t *Tx) InsertEpoch(e Epoch, devices []EpochDevice) error {
	price, err := e.Price.MarshalText()
	if err != nil {
		return fmt.Errorf("store epoch %d: %w", e.Number, err)
	}
	t.lastEnd = nil
	err = t.exec("INSERT INTO epochs ("+epochColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
		int64(e.Number), unix(e.Started), unix(e.Ended), unix(e.Settled), e.Emission.Units(), e.Paid.Units(), e.Unpaid.Units(),
		e.Nominated, e.Rewarded, e.Failed, e.RevenueIO.Units(), e.RevenueUSDC.Units(), e.Burned.Units(), string(price))
	if err != nil {
		return fmt.Errorf("store epoch %d: %w", e.Number, err)
	}
	columns := []string{"epoch", "device", "owner", "rewarded", "pool", "weight", "reward", "reason"}
	err = t.insertRows("epoch_devices", columns, len(devices), func(args []any, i int) []any {
		d := devices[i]
		rewarded := 0
		if d.Rewarded {
			rewarded = 1
		}
		return append(args, int64(e.Number), string(d.Device), d.Owner.String(), rewarded, d.Pool, int64(d.Weight), d.Reward.Units(), d.Reason)
	})
	if err != nil {
		return fmt.Errorf("store the devices of epoch %d: %w", e.Number, err)
	}
	return nil
}

// EpochDevices lists up to limit of an epoch's devices after the device
// after, by ID.
func (t *Tx) EpochDevices(n uint64, after iog.DeviceID, limit int) ([]EpochDevice, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT device, owner, rewarded, pool, weight, reward, reason FROM epoch_devices WHERE epoch = $1 AND device > $2 ORDER BY device LIMIT $3",
		int64(n), string(after), limit)
	if err != nil {
		return nil, fmt.Errorf("devices of epoch %d: %w", n, err)
	}
	defer rows.Close()
	var out []EpochDevice
	for rows.Next() {
		d := EpochDevice{Epoch: n}
		var device, owner string
		var rewarded, weight, reward int64
		if err := rows.Scan(&device, &owner, &rewarded, &d.Pool, &weight, &reward, &d.Reason); err != nil {
			return nil, fmt.Errorf("devices of epoch %d: %w", n, err)
		}
		if d.Owner, err = iog.ParseWalletAddress(owner); err != nil {
			return nil, fmt.Errorf("epoch %d, device %s: stored owner is corrupt: %w", n, device, err)
		}
		d.Device, d.Rewarded, d.Weight, d.Reward = iog.DeviceID(device), rewarded == 1, uint64(weight), iog.NewAmount(reward, iog.IO)
		if p, ok := legacyPools[d.Pool]; ok {
			d.Pool = p.String()
		} else if _, err := tokenomics.ParsePool(d.Pool); d.Pool != "" && err != nil {
			return nil, fmt.Errorf("epoch %d, device %s: stored pool is corrupt: %w", n, device, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// legacyPools maps the pool names written before the Enterprise and
// Community pools to the pool that took their share of the emission.
var legacyPools = map[string]tokenomics.Pool{"GPU": tokenomics.EnterprisePool, "CPU": tokenomics.CommunityPool}

// HiredDevices returns the devices a cluster is placed on now: the
// devices nomination spares the proof of work.
func (t *Tx) HiredDevices() (map[iog.DeviceID]bool, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT DISTINCT device FROM cluster_devices")
	if err != nil {
		return nil, fmt.Errorf("hired devices: %w", err)
	}
	defer rows.Close()
	out := map[iog.DeviceID]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("hired devices: %w", err)
		}
		out[iog.DeviceID(id)] = true
	}
	return out, rows.Err()
}

// BurnedByEpochs returns the IO every settled epoch's buy-back burned.
func (t *Tx) BurnedByEpochs() (iog.Amount, error) {
	var units int64
	if err := t.tx.QueryRowContext(t.ctx, "SELECT CAST(COALESCE(SUM(burned), 0) AS BIGINT) FROM epochs").Scan(&units); err != nil {
		return iog.Amount{}, fmt.Errorf("burned IO: %w", err)
	}
	return iog.NewAmount(units, iog.IO), nil
}

// DeviceCount is how many devices, and GPUs, share a model, a location,
// a state and being up.
type DeviceCount struct {
	Model    string
	Location iog.Location
	State    string
	Up       bool
	Devices  int
	GPUs     int
}

// DeviceCounts counts the devices by model, location, state and being up.
func (t *Tx) DeviceCounts() ([]DeviceCount, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT model, location, state, up, COUNT(*), CAST(COALESCE(SUM(gpu_count), 0) AS BIGINT) FROM devices GROUP BY model, location, state, up ORDER BY model, location, state, up")
	if err != nil {
		return nil, fmt.Errorf("count devices: %w", err)
	}
	defer rows.Close()
	var out []DeviceCount
	for rows.Next() {
		var c DeviceCount
		var location string
		var up int64
		if err := rows.Scan(&c.Model, &location, &c.State, &up, &c.Devices, &c.GPUs); err != nil {
			return nil, fmt.Errorf("count devices: %w", err)
		}
		if c.Location, err = iog.ParseLocation(location); err != nil {
			return nil, fmt.Errorf("count devices: stored location %q is corrupt: %w", location, err)
		}
		c.Up = up == 1
		out = append(out, c)
	}
	return out, rows.Err()
}

// Supplier is a wallet with active devices, and how many.
type Supplier struct {
	Wallet  iog.WalletAddress
	Devices int
	GPUs    int
}

// Suppliers lists up to limit wallets with active devices after the
// wallet after (all for the zero wallet), by address.
func (t *Tx) Suppliers(after iog.WalletAddress, limit int) ([]Supplier, error) {
	from := ""
	if !after.IsZero() {
		from = after.String()
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT owner, COUNT(*), CAST(COALESCE(SUM(gpu_count), 0) AS BIGINT) FROM devices
		WHERE state = 'active' AND owner > $1 GROUP BY owner ORDER BY owner LIMIT $2`, from, limit)
	if err != nil {
		return nil, fmt.Errorf("list suppliers: %w", err)
	}
	defer rows.Close()
	var out []Supplier
	for rows.Next() {
		var s Supplier
		var owner string
		if err := rows.Scan(&owner, &s.Devices, &s.GPUs); err != nil {
			return nil, fmt.Errorf("list suppliers: %w", err)
		}
		if s.Wallet, err = iog.ParseWalletAddress(owner); err != nil {
			return nil, fmt.Errorf("list suppliers: stored owner %q is corrupt: %w", owner, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SupplierCount returns how many wallets have active devices.
func (t *Tx) SupplierCount() (int, error) {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT COUNT(DISTINCT owner) FROM devices WHERE state = 'active'").Scan(&n); err != nil {
		return 0, fmt.Errorf("count suppliers: %w", err)
	}
	return n, nil
}
