// Package leakcheck checks that a test leaves no goroutine of its own
// running, with go.uber.org/goleak.
//
// It repairs one fault of goleak v1.3.0, its latest release: goleak panics
// when any goroutine of the process has a stack deeper than the runtime
// prints in full (a line "...N frames elided..." in place of the middle of
// a stack over 100 frames deep, as a large regular expression's compilation
// has), because its parser learnt that line only after the release. Such a
// stack is nearly always a moment of another goroutine's work, a request a
// server is still finishing, so leakcheck takes the stacks again until it
// reads a whole set, a bounded number of times, and fails naming the cause
// when it never does.
package leakcheck

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// unreadable is how goleak's panic on a stack it cannot parse begins.
const unreadable = "Failed to parse stack trace"

// patience bounds the attempts to read every goroutine's stack: attempts
// tries, a pause apart.
type patience struct {
	attempts int
	pause    time.Duration
}

// wait is the patience of the package's functions: two seconds for a
// deep stack to unwind, beyond goleak's own wait for leaked goroutines to
// end.
var wait = patience{attempts: 100, pause: 20 * time.Millisecond}

// Snapshot returns the option that ignores every goroutine running now:
// take it at the start of a test, and give it to Verify at the end.
func Snapshot(t testing.TB) goleak.Option {
	t.Helper()
	var current goleak.Option
	if err := wait.read(func() { current = goleak.IgnoreCurrent() }); err != nil {
		t.Fatalf("leakcheck: the goroutines running before the test: %v", err)
	}
	return current
}

// Verify fails t if a goroutine not excluded by options is still running
// once goleak has waited for it to end, as goleak.VerifyNone does.
func Verify(t testing.TB, options ...goleak.Option) {
	t.Helper()
	if err := find(wait, options...); err != nil {
		t.Errorf("leakcheck: %v", err)
	}
}

// Check ignores the goroutines running now and checks, after every other
// cleanup of t, that none was left running by the test.
func Check(t testing.TB) {
	t.Helper()
	before := Snapshot(t)
	t.Cleanup(func() { Verify(t, before) })
}

// Main runs a package's tests, then, if they passed, fails the package
// when a goroutine is still running, as goleak.VerifyTestMain does; call
// it from TestMain.
func Main(m *testing.M, options ...goleak.Option) {
	code := m.Run()
	if code == 0 {
		if err := find(wait, options...); err != nil {
			fmt.Fprintf(os.Stderr, "leakcheck: errors on a successful test run: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// find is goleak.Find read with patience.
func find(p patience, options ...goleak.Option) error {
	var leaked error
	if err := p.read(func() { leaked = goleak.Find(options...) }); err != nil {
		return err
	}
	return leaked
}

// read calls goleak's do until it reads every goroutine's stack, and
// returns the last stack it could not read when it never does.
func (p patience) read(do func()) error {
	var last string
	for range p.attempts {
		ok, problem := attempt(do)
		if ok {
			return nil
		}
		last = problem
		time.Sleep(p.pause)
	}
	return fmt.Errorf("a goroutine's stack stayed unreadable through %d attempts: %s", p.attempts, last)
}

// attempt calls do, and reports whether it returned, or goleak's
// complaint when it panicked on a stack it could not parse; any other
// panic goes on.
func attempt(do func()) (ok bool, problem string) {
	defer func() {
		if r := recover(); r != nil {
			s, isString := r.(string)
			if !isString || !strings.HasPrefix(s, unreadable) {
				panic(r)
			}
			problem = firstLine(s)
		}
	}()
	do()
	return true, ""
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
