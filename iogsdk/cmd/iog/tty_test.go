package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tmux drives a terminal session: a shell in a tmux server of its own.
type tmux struct {
	t      *testing.T
	socket string
}

func (m tmux) cmd(args ...string) string {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "tmux", append([]string{"-S", m.socket}, args...)...).CombinedOutput()
	require.NoError(m.t, err, "tmux %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// screen is what the pane shows, with its escapes when escapes.
func (m tmux) screen(escapes bool) string {
	args := []string{"capture-pane", "-p", "-t", "iog", "-S", "-100"}
	if escapes {
		args = append(args, "-e")
	}
	return m.cmd(args...)
}

// until captures the pane until it matches want, within a minute, and
// returns the last screen.
func (m tmux) until(want string) string {
	m.t.Helper()
	re := regexp.MustCompile(want)
	deadline := time.Now().Add(time.Minute)
	for {
		s := m.screen(false)
		if re.MatchString(s) {
			return s
		}
		require.True(m.t, time.Now().Before(deadline), "the terminal never showed %q:\n%s", want, s)
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTTY deploys a cluster interactively in a terminal that tmux drives
// (send-keys, capture-pane): the progress display is drawn while the
// cluster waits for a device, and completes once a supplier comes; then
// the cluster's table, its status painted; the list is an aligned table. It
// runs with IOG_TTY=1 (make cli-tty installs tmux and sets it).
func TestTTY(t *testing.T) {
	if os.Getenv("IOG_TTY") == "" {
		t.Skip("set IOG_TTY=1 to drive a terminal through tmux (make cli-tty)")
	}
	_, err := exec.LookPath("tmux")
	require.NoError(t, err, "tmux is needed: apt-get install tmux (make cli-tty does)")
	n := startNetwork(t)
	renter := newUser(t, n.url).funded()

	m := tmux{t: t, socket: filepath.Join(t.TempDir(), "tmux")}
	shell := "env -i " + strings.Join(append(renter.environ(), "TERM=xterm-256color", "PS1=$"), " ") + " sh"
	m.cmd("new-session", "-d", "-s", "iog", "-x", "160", "-y", "50", shell)
	t.Cleanup(func() { exec.Command("tmux", "-S", m.socket, "kill-server").Run() })
	m.cmd("send-keys", "-t", "iog", "alias iog="+iogBinary, "Enter")

	// No device fits yet: the progress display tells the cluster waits,
	// until a supplier comes.
	m.cmd("send-keys", "-t", "iog", "iog cluster deploy --gpu RTX-4090 --hours 1 --name tty; echo EXIT=$?", "Enter")
	waiting := m.until(`deploying \S+ +\[[-=> ]+\] pending`)
	t.Logf("the terminal while the cluster waits:\n%s", strings.TrimRight(waiting, "\n"))
	require.NotContains(t, waiting, "status:")
	supplier(t, n, "RTX-4090", 1)
	final := m.until(`EXIT=\d`)
	t.Logf("the terminal after the deploy:\n%s", strings.TrimRight(final, "\n"))
	require.Contains(t, final, "EXIT=0", final)
	require.Regexp(t, `deploying \S+ +\[=+\] running`, final, "the progress display, complete")
	require.Regexp(t, `status: +running`, final)
	require.Contains(t, m.screen(true), "\x1b[32mrunning", "the status painted green")

	m.cmd("send-keys", "-t", "iog", "clear; iog cluster list; echo EXIT=$?", "Enter")
	final = m.until(`EXIT=\d`)
	t.Logf("the terminal after the list:\n%s", strings.TrimRight(final, "\n"))
	require.Regexp(t, `(?m)^ID +NAME +STATUS +GPUS +HOURS +EXPIRES +COST *$`, final)
	require.Regexp(t, `(?m)^\S+ +tty +running +1× RTX-4090 +1 `, final)
}
