package refserver_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk"
)

// failoverKillsEnv sets how many leaders TestFailover kills; default 3.
const failoverKillsEnv = "IOG_FAILOVER_KILLS"

// TestFailover runs two servers (the crash test's children) on one
// PostgreSQL database under the crash test's load, spread over both:
// faucet, registrations, stakes, deployments that the leader's loops
// place and settle, and epochs a second long. It kills the leader with
// SIGKILL while epochs and placements are going, checks that the other
// takes over and goes on settling epochs, restarts the killed one, and
// does it again; at the end no epoch is lost or settled twice, no cluster
// is placed twice, every acknowledged action is there once, the escrows
// and the fee account add up, and the ledger verifies and conserves.
func TestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child servers")
	}
	_, dsn := sqltest.OpenDSN(t, sqldb.Postgres)
	kills := 3
	if n, err := strconv.Atoi(os.Getenv(failoverKillsEnv)); err == nil && n > 0 {
		kills = n
	}
	servers := [2]*crashChild{startCrashChild(t, dsn, crashAddrs{}), startCrashChild(t, dsn, crashAddrs{})}
	var mu sync.Mutex // guards servers against the load's reads
	live := func() string {
		mu.Lock()
		defer mu.Unlock()
		return servers[rand.IntN(len(servers))].url
	}
	got := newAcked()
	load, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	const workers = 8
	for w := range workers {
		// Each worker takes a fresh wallet every round, on either server,
		// and gives it a couple of seconds: the load never ends by itself
		// on a server that lives, so deployments go on throughout.
		wg.Go(func() {
			for round := 0; load.Err() == nil; round++ {
				one, cancel := context.WithTimeout(load, 2*time.Second)
				crashLoad(one, live(), byte(1+w), 5000+round, got)
				cancel()
			}
		})
	}
	defer wg.Wait()

	lastEpoch := func() uint64 {
		e := &env{url: live()}
		list, err := e.realClient(nil).Blocks(ctx, iogsdk.Page{Limit: 1})
		if err != nil || len(list.Blocks) == 0 {
			return 0 // none yet, or the server asked just died
		}
		return list.Blocks[0].Number
	}
	waitFor := func(what string, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			// A bound on a hang, not on speed: the loops run every tenth
			// of a second.
			require.Less(t, time.Since(start), time.Minute, what)
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	leader := func() int {
		var i int
		waitFor("a server leads", func() bool {
			mu.Lock()
			defer mu.Unlock()
			a, b := servers[0].leading(), servers[1].leading()
			require.False(t, a && b, "two servers lead at once")
			i = btoi(b)
			return a || b
		})
		return i
	}
	for kill := range kills {
		i := leader()
		// Kill it while epochs settle and clusters are placed.
		epoch, placed := lastEpoch(), got.terminated()
		waitFor("the leader settles an epoch", func() bool { return lastEpoch() > epoch })
		waitFor("the leader places a cluster", func() bool { return got.terminated() > placed })
		time.Sleep(time.Duration(rand.IntN(int(crashEpoch/time.Millisecond))) * time.Millisecond)
		other := servers[1-i]
		mu.Lock()
		servers[i].kill(t)
		servers[i] = other // the load goes to the one left
		mu.Unlock()
		took := waitFor("the other server takes over", other.leading)
		t.Logf("kill %d: the other server took over %v after the leader died (LeaderPoll %v)", kill+1, took, crashLeaderPoll)
		epoch = lastEpoch()
		waitFor("the new leader settles the next epoch", func() bool { return lastEpoch() > epoch })
		restarted := startCrashChild(t, dsn, crashAddrs{})
		mu.Lock()
		servers[i] = restarted
		mu.Unlock()
	}
	// The last pair settles another epoch; then everything stops.
	epoch := lastEpoch()
	waitFor("an epoch after the last kill", func() bool { return lastEpoch() > epoch })
	stop()
	wg.Wait()
	e := &env{t: t, url: servers[0].url}
	caughtUp(t, e)
	checkAcked(t, e, got)
	for _, s := range servers {
		s.kill(t)
	}
	checkStore(t, dsn)
	n := checkNetwork(t, dsn, got)
	t.Logf("%d kills: %d stakes, %d unstakes acknowledged; %d clusters (%d placed and terminated), %v of fees; %d epochs settled",
		kills, got.staked(), got.unstaked(), n.clusters, got.terminated(), n.fees, n.epochs)
	require.Greater(t, n.epochs, kills, "epochs settled across the kills")
}
