// Package solanatest runs a Solana JSON-RPC test validator for tests: a
// small Node server (litesvm/rpc.mjs beside this file) around LiteSVM, the
// native Solana runtime with SPL Token, Associated Token Account and Memo
// loaded. There is no solana-test-validator on the machines the tests run
// on, and no network past loopback; LiteSVM ships as an npm package.
//
// [Start] runs one for a test on a free port of 127.0.0.1 and stops it when
// the test ends; [Run] does the same for a program, such as a demo or a
// benchmark. Both install the server's node_modules from its committed
// package-lock.json (npm ci) the first time, under a file lock, since go
// test runs packages in parallel. Node.js 20 or later and npm must be on
// the PATH.
//
// The validator answers what github.com/gagliardetto/solana-go's rpc.Client
// sends (getLatestBlockhash, sendTransaction, getSignatureStatuses,
// getBalance, getAccountInfo, getTransaction, getSignaturesForAddress,
// requestAirdrop and more; litesvm/README.md lists them). Every block is
// final at once; blockhashes expire after Config.BlockhashValidity blocks
// of Config.SlotTime each. Everything it acknowledged survives
// [Validator.Kill], a SIGKILL, and [Validator.Restart] on the same state
// directory and port: the fault tests of a settler rely on it.
package solanatest
