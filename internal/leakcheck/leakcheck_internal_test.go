package leakcheck

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// deep holds a goroutine 300 frames deep until release is closed, so that
// the runtime elides the middle of its stack.
func deep(frames int, release <-chan struct{}) int {
	if frames == 0 {
		<-release
		return 0
	}
	return deep(frames-1, release) + 1
}

// startDeep starts a deep goroutine, returning what releases it and
// waits for it to end.
func startDeep(t *testing.T) (release func()) {
	held, ended := make(chan struct{}), make(chan struct{})
	go func() { defer close(ended); deep(300, held) }()
	// The goroutine is deep once goleak cannot read the stacks.
	readable := true
	for i := 0; readable && i < 5000; i++ {
		if readable, _ = attempt(func() { goleak.IgnoreCurrent() }); readable {
			time.Sleep(time.Millisecond)
		}
	}
	require.False(t, readable, "the goroutine never got deep")
	var done bool
	release = func() {
		if !done {
			done = true
			close(held)
			<-ended
		}
	}
	t.Cleanup(release)
	return release
}

// goleak itself panics on an elided stack: the fault this package repairs.
// Were a release of goleak to read it, this test would say so, and the
// package could go.
func TestGoleakPanicsOnElidedFrames(t *testing.T) {
	startDeep(t)
	ok, problem := attempt(func() { goleak.IgnoreCurrent() })
	require.False(t, ok)
	require.Contains(t, problem, "frames elided")
}

// A stack deep for a moment is waited out: the read goes on until the
// goroutine has unwound.
func TestDeepStackIsWaitedOut(t *testing.T) {
	release := startDeep(t)
	calls := 0
	err := patience{attempts: 10, pause: time.Millisecond}.read(func() {
		calls++
		if calls == 3 {
			release()
		}
		goleak.IgnoreCurrent()
	})
	require.NoError(t, err)
	require.Equal(t, 3, calls)
}

// A stack that stays deep fails the check, naming it, after the attempts.
func TestDeepStackThatStays(t *testing.T) {
	startDeep(t)
	err := find(patience{attempts: 3, pause: time.Millisecond})
	require.ErrorContains(t, err, "through 3 attempts")
	require.ErrorContains(t, err, "frames elided")
}

// A goroutine started after the snapshot and still running is a leak;
// once it ends there is none.
func TestFindsLeak(t *testing.T) {
	before := Snapshot(t)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() { defer close(stopped); <-stop }()
	err := find(wait, before)
	require.ErrorContains(t, err, "TestFindsLeak")
	close(stop)
	<-stopped
	require.NoError(t, find(wait, before))
}

// A panic that is not goleak's complaint about a stack goes on.
func TestOtherPanicsGoOn(t *testing.T) {
	require.PanicsWithValue(t, "another", func() { attempt(func() { panic("another") }) })
}
