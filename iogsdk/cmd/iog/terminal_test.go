package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// lockedBuffer is a buffer the progress display's goroutine writes while
// the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// inProcess runs iog in the test's process, its streams taken for
// terminals (or not), with the user's environment and vars.
func (u *user) inProcess(terminal bool, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	var out, errs lockedBuffer
	env := map[string]string{"HOME": u.home, "XDG_CONFIG_HOME": filepath.Join(u.home, ".config"), "IOG_SERVER": u.server}
	for k, v := range vars {
		env[k] = v
	}
	code = run(context.Background(), args, testEnv(env, &out, &errs, terminal))
	return out.String(), errs.String(), code
}

func testEnv(vars map[string]string, stdout, stderr io.Writer, terminal bool) env {
	return env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr,
		getenv: func(k string) string { return vars[k] }, terminal: func(io.Writer) bool { return terminal }}
}

// TestTerminal: on a terminal a deploy draws its progress on stderr and
// paints the status; NO_COLOR keeps the progress and drops the colors;
// off a terminal there is neither.
func TestTerminal(t *testing.T) {
	n := startNetwork(t)
	supplier(t, n, "A100-80GB", 4)
	renter := newUser(t, n.url).funded()
	for _, c := range []struct {
		name             string
		terminal         bool
		vars             map[string]string
		progress, colors bool
	}{
		{"terminal", true, nil, true, true},
		{"NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, true, false},
		{"pipe", false, nil, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := renter.inProcess(c.terminal, c.vars, "cluster", "deploy", "--gpu", "A100-80GB", "--count", "1")
			require.Equal(t, 0, code, stderr)
			require.Equal(t, c.progress, strings.Contains(stderr, "deploying "), stderr)
			require.Equal(t, c.progress, strings.Contains(stderr, "running"), stderr)
			require.Equal(t, c.colors, strings.Contains(stdout, "\x1b[32mrunning"), stdout)
			require.Contains(t, stdout, "status:")
		})
	}
	// With --json too, the progress goes to stderr and stdout is JSON.
	stdout, stderr, code := renter.inProcess(true, nil, "--json", "cluster", "deploy", "--gpu", "A100-80GB", "--count", "1")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "deploying ")
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &v), stdout)
}

// TestConfig: a setting comes from its flag, else its environment
// variable, else the file iog config set wrote, else the default.
func TestConfig(t *testing.T) {
	u := newUser(t, "")
	get := func(vars map[string]string, args ...string) settings {
		stdout, stderr, code := u.inProcess(false, vars, append([]string{"--json", "config", "get"}, args...)...)
		require.Equal(t, 0, code, stderr)
		var s settings
		require.NoError(t, json.Unmarshal([]byte(stdout), &s), stdout)
		return s
	}
	s := get(nil)
	require.Equal(t, defaultServer, s.Server)
	require.Equal(t, "default", s.From["server"])
	require.Equal(t, filepath.Join(u.home, ".config", "iog", "id.json"), s.Keypair)

	_, stderr, code := u.inProcess(false, nil, "config", "set", "server", "http://file:1")
	require.Equal(t, 0, code, stderr)
	_, _, code = u.inProcess(false, nil, "config", "set", "keypair", "/k.json")
	require.Equal(t, 0, code)
	s = get(nil)
	require.Equal(t, "http://file:1", s.Server)
	require.Equal(t, "file", s.From["server"])
	require.Equal(t, "/k.json", s.Keypair)

	s = get(map[string]string{"IOG_SERVER": "http://env:1", "IOG_KEYPAIR": "/env.json"})
	require.Equal(t, "http://env:1", s.Server)
	require.Equal(t, "env", s.From["server"])
	require.Equal(t, "/env.json", s.Keypair)

	s = get(map[string]string{"IOG_SERVER": "http://env:1"}, "--server", "http://flag:1")
	require.Equal(t, "http://flag:1", s.Server)
	require.Equal(t, "flag", s.From["server"])

	other := filepath.Join(u.home, "other.yml")
	s = get(map[string]string{"IOG_CLI_CONFIG": other})
	require.Equal(t, defaultServer, s.Server, "another file, without settings")

	_, stderr, code = u.inProcess(false, nil, "config", "set", "colour", "blue")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `unknown key "colour"`)
}
