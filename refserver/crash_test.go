package refserver_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/refserver/store"
)

// The crash test runs the server as a child process (this test binary,
// re-executed), drives it over HTTP from many clients, kills it with
// SIGKILL at random points and starts it again on the same store; at the
// end it checks that nothing acknowledged was lost or applied twice and
// that the ledger verifies and conserves every currency.
const (
	crashStoreEnv  = "IOG_CRASH_STORE"  // the child's data directory or DSN
	crashRoundsEnv = "IOG_CRASH_ROUNDS" // kills per dialect; default 20
	// The child's API and relay addresses, when they must stay the same
	// across restarts (a worker's server and relay); empty means ports
	// the system picks.
	crashAPIEnv   = "IOG_CRASH_API"
	crashRelayEnv = "IOG_CRASH_RELAY"
	// crashChainEnv, when set, is the ledger file the child settles its
	// ledger onto (TestCrashSettlement).
	crashChainEnv = "IOG_CRASH_CHAIN"
	// crashSolanaEnv, when set, is the URL of the validator whose
	// network crashSolanaNetwork the child settles onto
	// (TestCrashSettlementSolana).
	crashSolanaEnv = "IOG_CRASH_SOLANA"
)

// crashSolanaNetwork names TestCrashSettlementSolana's network on Solana.
const crashSolanaNetwork = "crash settlement"

// crashAddrs are where a child listens: see crashAPIEnv.
type crashAddrs struct{ api, relay string }

// The child's periods.
const (
	crashEpoch      = 3 * time.Second
	crashCooldown   = time.Second
	crashLeaderPoll = 200 * time.Millisecond
)

// crashAuthority is the network's key in the crash test, parent and child.
var crashAuthority = ed25519.NewKeyFromSeed([]byte("iog crash test authority key 32b"))

// TestCrashChild is the server the crash test kills.
func TestCrashChild(t *testing.T) {
	where := os.Getenv(crashStoreEnv)
	if where == "" {
		t.Skip("runs only as the child of TestCrash")
	}
	// Every client is on loopback, one address: no rate limit that a real
	// network would set is what this test is about.
	unlimited := refserver.Limits{PerIP: 1e9, PerWallet: 1e9, PerKey: 1e9, Burst: 1 << 30}
	// Epochs, placements, settlements and cooldowns run on short periods
	// of the real clock, so that they happen between the kills.
	cfg := refserver.Config{
		Authority: crashAuthority, Faucet: true, Limits: unlimited, Logger: slog.New(slog.DiscardHandler),
		EpochLength: crashEpoch, ScheduleEvery: 100 * time.Millisecond, StakeCooldown: crashCooldown, LeaderPoll: crashLeaderPoll,
		RelayAddr: os.Getenv(crashRelayEnv), RelayRefresh: 200 * time.Millisecond,
	}
	if strings.Contains(where, "host=") || strings.HasPrefix(where, "postgres") {
		cfg.PostgresDSN = where
	} else {
		cfg.DataDir = where
	}
	if path := os.Getenv(crashChainEnv); path != "" {
		cfg.Settlement = refserver.Settlement{Chain: openChain(t, path, crashChainFit), Interval: 50 * time.Millisecond}
	}
	if url := os.Getenv(crashSolanaEnv); url != "" {
		cfg.Settlement = refserver.Settlement{Chain: openSolana(t, solanaConfig(url, crashSolanaNetwork)), Interval: 50 * time.Millisecond}
	}
	s, err := refserver.New(context.Background(), cfg)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	addr := os.Getenv(crashAPIEnv)
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("listening", l.Addr().String())
	go s.Run(context.Background())
	// The parent learns which child leads from this line: on PostgreSQL
	// the failover test kills the leader.
	go func() {
		for !s.Leading() {
			time.Sleep(10 * time.Millisecond)
		}
		fmt.Println("leading")
	}()
	s.Serve(context.Background(), l, time.Second)
}

// crashChild is a running child server.
type crashChild struct {
	cmd *exec.Cmd
	url string
	// leads is closed when the child says it leads the loops.
	leads chan struct{}
}

// leading reports whether the child said it leads.
func (c *crashChild) leading() bool {
	select {
	case <-c.leads:
		return true
	default:
		return false
	}
}

func startCrashChild(t *testing.T, where string, at crashAddrs) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashStoreEnv+"="+where, crashAPIEnv+"="+at.api, crashRelayEnv+"="+at.relay)
	cmd.Stderr = os.Stderr
	endWithParent(cmd)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	// A test that fails halfway leaves no server behind.
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		line := lines.Text()
		require.False(t, strings.HasPrefix(line, "error"), line)
		if addr, ok := strings.CutPrefix(line, "listening "); ok {
			child := &crashChild{cmd: cmd, url: "http://" + addr, leads: make(chan struct{})}
			go func() {
				for lines.Scan() {
					switch line := lines.Text(); {
					case line == "leading":
						close(child.leads)
					case strings.HasPrefix(line, "error") || strings.Contains(line, "panic"):
						fmt.Fprintln(os.Stderr, "crash child:", line)
					}
				}
			}()
			return child
		}
	}
	t.Fatalf("the child server never listened: %v", lines.Err())
	return nil
}

func (c *crashChild) kill(t *testing.T) {
	require.NoError(t, c.cmd.Process.Kill())
	err := c.cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "the child was killed: %v", err)
}

// acked records what the server acknowledged, by whom.
type acked struct {
	mu      sync.Mutex
	faucets map[iog.WalletAddress]int
	devices map[iog.DeviceID]api.DeviceState
	// reports are accepted reports, which must stay refused as replays.
	reports map[iog.DeviceID]reportBy
	// stakes and clusters are each wallet's stake on its own device and
	// its one cluster: asked for, and what of it was acknowledged.
	stakes   map[iog.WalletAddress]*stakeAck
	clusters map[iog.WalletAddress]*clusterAck
}

func newAcked() *acked {
	return &acked{faucets: map[iog.WalletAddress]int{}, devices: map[iog.DeviceID]api.DeviceState{}, reports: map[iog.DeviceID]reportBy{},
		stakes: map[iog.WalletAddress]*stakeAck{}, clusters: map[iog.WalletAddress]*clusterAck{}}
}

// stakeAck is a wallet's stake of crashStake on its device and its
// unstake of crashUnstake: each asked for, and acknowledged or not.
type stakeAck struct {
	device                   iog.DeviceID
	staked, unstaking        bool // asked
	stakeAcked, unstakeAcked bool
}

// clusterAck is a wallet's deploy: asked for, acknowledged with its ID,
// its placement seen, its termination acknowledged.
type clusterAck struct {
	key                      ed25519.PrivateKey
	id                       iog.ClusterID
	acked, placed, terminate bool
}

// The stake each wallet puts on its own device and what it unstakes.
var (
	crashStake   = iog.MustParseAmount("1000 IO")
	crashUnstake = iog.MustParseAmount("100 IO")
)

// count is how many acknowledgements were recorded.
func (a *acked) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.faucets) + len(a.devices) + len(a.reports)
	for _, s := range a.stakes {
		n += btoi(s.stakeAcked) + btoi(s.unstakeAcked)
	}
	for _, c := range a.clusters {
		n += btoi(c.acked) + btoi(c.terminate)
	}
	return n
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// reported is how many accepted reports were recorded.
func (a *acked) reported() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.reports)
}

// staked, unstaked and terminated are how many stakes, unstakes, and
// terminations of placed clusters were acknowledged.
func (a *acked) staked() int { return a.stakesWhere(func(s *stakeAck) bool { return s.stakeAcked }) }
func (a *acked) unstaked() int {
	return a.stakesWhere(func(s *stakeAck) bool { return s.unstakeAcked })
}
func (a *acked) terminated() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, c := range a.clusters {
		n += btoi(c.placed && c.terminate)
	}
	return n
}

func (a *acked) stakesWhere(f func(*stakeAck) bool) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, s := range a.stakes {
		n += btoi(f(s))
	}
	return n
}

// note records under the lock.
func (a *acked) note(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
}

type reportBy struct {
	key    ed25519.PrivateKey
	signed gpu.SignedReport
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child servers")
	}
	rounds := 20
	if n, err := strconv.Atoi(os.Getenv(crashRoundsEnv)); err == nil && n > 0 {
		rounds = n
	}
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			crashRounds(t, d, crashStore(t, d), rounds)
		})
	}
}

// crashStore returns where a crash test's child keeps its store: a new
// PostgreSQL database's DSN, or a new data directory for SQLite.
func crashStore(t *testing.T, d sqldb.Dialect) string {
	if d == sqldb.Postgres {
		_, dsn := sqltest.OpenDSN(t, d)
		return dsn
	}
	return t.TempDir()
}

func crashRounds(t *testing.T, d sqldb.Dialect, where string, rounds int) {
	rng := rand.New(rand.NewPCG(uint64(d), 42))
	got := newAcked()
	at := crashAddrs{api: freeAddr(t), relay: freeAddr(t)}
	tn := startTunnel(t, at)
	const workers = 20
	for round := range rounds {
		before, reportsBefore, unstakedBefore, terminatedBefore := got.count(), got.reported(), got.unstaked(), got.terminated()
		started := time.Now()
		child := startCrashChild(t, where, at)
		load, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() { crashLoad(load, child.url, byte(1+w), round, got) })
		}
		wg.Go(func() { tn.rent(load, round, got) })
		// Kill at a random point once the round's work is under way: on a
		// loaded machine (the race detector, other tests) a fixed delay
		// could end a round before its first answer.
		// Some rounds run until a report is accepted, so that the replay
		// check after the crashes has reports to replay; some until an
		// unstake, some until a placed cluster is terminated, so that the
		// checks have stakes and settled escrows to check. A placement
		// takes longest: one round in eight.
		progress := func() bool { return got.count() > before }
		switch round % 8 {
		case 0, 4:
			progress = func() bool { return got.reported() > reportsBefore }
		case 1, 5:
			progress = func() bool { return got.unstaked() > unstakedBefore }
		case 2:
			progress = func() bool { return got.terminated() > terminatedBefore }
		}
		// A bound on a hang only: on a loaded machine under the race
		// detector an unstake or a placement, six or seven requests of
		// a client among twenty, has taken more than a minute on
		// PostgreSQL.
		for !progress() {
			require.Less(t, time.Since(started), 5*time.Minute, "round %d: the server acknowledged nothing in five minutes; the tunnel's renter saw last: %s", round, tn.lastSeen())
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		t.Logf("round %d: killed after %v", round, time.Since(started).Round(time.Millisecond))
		child.kill(t)
		stop()
		wg.Wait()
	}
	active := 0
	for _, state := range got.devices {
		if state == api.DeviceActive {
			active++
		}
	}
	t.Logf("%d rounds: %d faucet grants, %d devices (%d attested) acknowledged", rounds, len(got.faucets), len(got.devices), active)
	require.NotZero(t, active, "the load acknowledged nothing to check")
	// The last start replays nothing and finds everything.
	child := startCrashChild(t, where, at)
	e := &env{t: t, url: child.url}
	caughtUp(t, e)
	// The rounds' renters reached the worker through the tunnel when a
	// round lasted long enough; after the kills one more does, bounded
	// by a hang only.
	during := tn.reachedCount()
	rent, cancel := context.WithTimeout(ctx, 2*time.Minute)
	tn.rent(rent, rounds, got)
	cancel()
	require.Greater(t, tn.reachedCount(), during, "a rental answered through the tunnel after the kills; the renter saw last: %s", tn.lastSeen())
	for w := range got.faucets {
		_, err := e.realClient(nil).Account(ctx, w)
		require.NoError(t, err, "wallet %v's acknowledged faucet grant", w)
	}
	checkAcked(t, e, got)
	for id, state := range got.devices {
		dev, err := e.realClient(nil).Device(ctx, id)
		require.NoError(t, err, "acknowledged device %s", id)
		if state == api.DeviceActive {
			require.Equal(t, api.DeviceActive, dev.State, "device %s's accepted report", id)
		}
	}
	for id, r := range got.reports {
		_, err := e.realClient(r.key).SubmitReport(ctx, id, r.signed)
		require.ErrorIs(t, err, iog.ErrConflict, "a report of %s accepted before a crash, replayed after", id)
	}
	child.kill(t)
	checkStore(t, where)
	n := checkNetwork(t, where, got)
	t.Logf("%d stakes, %d unstakes acknowledged; %d clusters (%d placed and terminated), %d rentals answered through the tunnel, %v of fees; %d epochs settled",
		got.staked(), got.unstaked(), n.clusters, got.terminated(), tn.reachedCount(), n.fees, n.epochs)
	require.NotZero(t, n.epochs, "no epoch settled between the kills")
	require.NotZero(t, got.terminated(), "no cluster placed and terminated")
}

// crashLoad is one client's work against a server until it dies: faucet
// grants (one a round: the faucet's key is the day, so the child's clock
// is told apart by round through fresh wallets), device registrations and
// reports. Each acknowledged answer is recorded.
func crashLoad(ctx context.Context, url string, n byte, round int, got *acked) {
	key := ed25519.NewKeyFromSeed([]byte(fmt.Sprintf("crash wallet %3d round %4d   xx", n, round)))
	e := &env{url: url}
	c := e.realClient(key)
	if _, err := c.Faucet(ctx); err == nil {
		got.mu.Lock()
		got.faucets[walletOf(key)]++
		got.mu.Unlock()
	}
	pair, err := gpu.KeypairFromSeed(key.Seed())
	if err != nil {
		return
	}
	probe, err := gpu.NewSimulatedProbe("RTX-4090", 1, uint64(round)<<8|uint64(n))
	if err != nil {
		return
	}
	s := &supplier{key: key, pair: pair, probe: probe, c: c}
	reg, err := c.RegisterDevice(ctx, api.RegisterDeviceRequest{Name: "crash", TunnelKey: key.Public().(ed25519.PublicKey), Location: "US", Bandwidth: api.Bandwidth{DownBytesPerSec: 100 << 20, UpBytesPerSec: 50 << 20}})
	if err != nil {
		return
	}
	got.mu.Lock()
	got.devices[reg.Device.ID] = api.DevicePending
	got.mu.Unlock()
	signed, err := s.signedReport(reg.Challenge)
	if err != nil {
		return
	}
	d, err := c.SubmitReport(ctx, reg.Device.ID, signed)
	if err != nil {
		return
	}
	got.mu.Lock()
	got.devices[d.ID] = d.State
	got.reports[d.ID] = reportBy{key: key, signed: signed}
	got.mu.Unlock()
	if _, err := c.Heartbeat(ctx, d.ID, api.Heartbeat{}); err != nil {
		return
	}
	// Half the wallets stake and a quarter deploy: enough of each to
	// check, and few enough writes beside the heartbeats that a round on
	// a loaded machine gets that far before its kill.
	if n%2 == 1 && !crashStakes(ctx, c, walletOf(key), d.ID, got) {
		return
	}
	if n%4 == 0 && !crashDeploy(ctx, c, key, d.ID, got) {
		return
	}
	// Heartbeats at a few hundred a second from the twenty clients keep
	// the store busy when the kill comes, and leave the single writer of
	// SQLite to the deployments, stakes and epochs too.
	for ctx.Err() == nil {
		if _, err := c.Heartbeat(ctx, d.ID, api.Heartbeat{}); err != nil || sleepCtx(ctx, 20*time.Millisecond) != nil {
			return
		}
	}
}

// crashStakes stakes crashStake on the wallet's device and unstakes
// crashUnstake of it, recording each before it is asked for and when it
// is acknowledged. It reports whether both were.
func crashStakes(ctx context.Context, c *iogsdk.Client, w iog.WalletAddress, dev iog.DeviceID, got *acked) bool {
	st := &stakeAck{device: dev, staked: true}
	got.note(func() { got.stakes[w] = st })
	if _, err := c.Stake(ctx, dev, crashStake); err != nil {
		return false
	}
	got.note(func() { st.stakeAcked, st.unstaking = true, true })
	if _, err := c.Unstake(ctx, dev, crashUnstake); err != nil {
		return false
	}
	got.note(func() { st.unstakeAcked = true })
	return true
}

// crashDeploy deploys a one-GPU cluster for an hour, waits (heartbeating)
// until the scheduling loop places it, and terminates it, recording what
// was acknowledged. It reports whether it got that far.
func crashDeploy(ctx context.Context, c *iogsdk.Client, key ed25519.PrivateKey, dev iog.DeviceID, got *acked) bool {
	var r pricing.Request
	if err := json.Unmarshal([]byte(`{"gpu_model": "RTX-4090", "gpu_count": 1, "hours": 1, "currency": "USDC"}`), &r); err != nil {
		panic(err)
	}
	body := api.DeployRequest{Request: r, Name: "crash"}
	q, err := c.Quote(ctx, body)
	if err != nil {
		return false
	}
	ca := &clusterAck{key: key}
	got.note(func() { got.clusters[walletOf(key)] = ca })
	cl, err := c.Deploy(ctx, body)
	if err != nil {
		return false
	}
	got.note(func() { ca.id, ca.acked = cl.ID, true })
	if cl.Held != q.RenterPays {
		panic(fmt.Sprintf("cluster %s holds %v, quoted %v", cl.ID, cl.Held, q.RenterPays))
	}
	for cl.Status == api.ClusterPending {
		if _, err := c.Heartbeat(ctx, dev, api.Heartbeat{}); err != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
		if cl, err = c.Cluster(ctx, cl.ID); err != nil {
			return false
		}
	}
	got.note(func() { ca.placed = cl.Status != api.ClusterEnded })
	if _, err := c.TerminateCluster(ctx, cl.ID); err != nil {
		return false
	}
	got.note(func() { ca.terminate = true })
	return true
}

// checkStore opens the store the crash test used, with no server running,
// and checks its ledger: every entry chains and verifies, the balances
// replay, and every currency's balances add up to its supply.
func checkStore(t *testing.T, where string) {
	st, err := store.Open(ctx, crashStoreConfig(where))
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.Ledger().Verify(ctx))
	for _, c := range iog.Currencies() {
		supply, err := st.Ledger().Supply(ctx, c)
		require.NoError(t, err)
		var sum int64
		require.NoError(t, st.DB().QueryRowContext(ctx, "SELECT COALESCE(SUM(available + held), 0) FROM ledger_balances WHERE currency = $1", int64(c)).Scan(&sum))
		require.Equal(t, supply.Units(), sum, "%v: balances add up to the supply", c)
	}
}
