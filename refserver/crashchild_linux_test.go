package refserver_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// endWithParent makes the kernel kill cmd's process when this one ends,
// however it ends: a crash test killed or timed out, its cleanups never
// run, leaves no child server serving on.
func endWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// orphanParentEnv makes TestCrashChildEndsWithParent the parent it kills.
const orphanParentEnv = "IOG_ORPHAN_PARENT"

// TestCrashChildEndsWithParent: a process that started a child as the
// crash test starts its servers, killed, takes the child with it.
func TestCrashChildEndsWithParent(t *testing.T) {
	if os.Getenv(orphanParentEnv) != "" {
		child := exec.Command("sleep", "600")
		endWithParent(child)
		require.NoError(t, child.Start())
		fmt.Println("child", child.Process.Pid)
		time.Sleep(10 * time.Minute) // until killed
		return
	}
	parent := exec.Command(os.Args[0], "-test.run=^TestCrashChildEndsWithParent$", "-test.count=1")
	parent.Env = append(os.Environ(), orphanParentEnv+"=1")
	out, err := parent.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, parent.Start())
	t.Cleanup(func() {
		if parent.ProcessState == nil {
			parent.Process.Kill()
			parent.Wait()
		}
	})
	var pid int
	lines := bufio.NewScanner(out)
	for pid == 0 && lines.Scan() {
		if n, ok := strings.CutPrefix(lines.Text(), "child "); ok {
			pid, err = strconv.Atoi(n)
			require.NoError(t, err)
		}
	}
	require.NotZero(t, pid, "the parent never started its child: %v", lines.Err())
	require.NoError(t, parent.Process.Kill())
	parent.Wait()
	// A bound on a hang only: the kernel signals the child as the parent
	// exits, and init reaps it.
	for start := time.Now(); !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > time.Minute {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("child %d outlived its killed parent by a minute", pid)
		}
	}
}
