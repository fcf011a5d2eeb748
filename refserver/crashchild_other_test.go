//go:build !linux

package refserver_test

import "os/exec"

// endWithParent does nothing here: only Linux kills a child when its
// parent ends; a crash test's cleanups kill the child servers it started.
func endWithParent(*exec.Cmd) {}
