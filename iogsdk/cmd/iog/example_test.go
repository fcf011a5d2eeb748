package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/internetofgpus/iog"
)

// Example imports a Solana CLI keypair file as the wallet, as `iog wallet
// import` does, and tells the exit status of a command the server at
// --server cannot answer (nothing listens on port 1): 5, with what to do.
func Example() {
	dir, err := os.MkdirTemp("", "iog-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	solana := filepath.Join(dir, "solana.json")
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	if err := os.WriteFile(solana, iog.MarshalSolanaKeypair(key), 0o600); err != nil {
		fmt.Println(err)
		return
	}
	var out bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &out,
		getenv:   func(k string) string { return map[string]string{"XDG_CONFIG_HOME": dir}[k] },
		terminal: func(io.Writer) bool { return false }}
	code := run(context.Background(), []string{"wallet", "import", solana}, e)
	fmt.Print(strings.ReplaceAll(out.String(), dir, "$XDG_CONFIG_HOME"))
	fmt.Println("exit", code)

	out.Reset()
	code = run(context.Background(), []string{"--server", "http://127.0.0.1:1", "--retries", "0", "wallet", "show"}, e)
	fmt.Println("exit", code)
	// Output:
	// address:  AKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9
	// keypair:  $XDG_CONFIG_HOME/iog/id.json
	// exit 0
	// exit 5
}
