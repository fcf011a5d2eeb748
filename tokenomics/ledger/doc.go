// Package ledger records every movement of the network's tokens: accounts
// named by wallet addresses, balances per currency, transfers, escrow
// holds and releases, mint and burn. Each movement is an [Op] with a
// reason and an idempotency key, applied atomically by a [Ledger] and
// recorded as an [Entry].
//
// Four implementations are here. [Memory] keeps everything in memory, for
// tests and the simulator. [File] is the embedded, durable ledger: an
// append-only file in which each entry is hash-chained to the one before
// and signed by the ledger's ed25519 authority key (a Solana keypair,
// [iog.ParseSolanaKeypair]), and synced to disk before Apply returns, so a crash
// loses nothing that was acknowledged. Reopening the file replays and
// verifies it: an incomplete last record (a torn tail) is detected and
// refused ([ErrTornTail]) unless the caller asks to cut it off, and a
// tampered entry is refused and named ([ErrTampered]). [File.Verify] does
// the same check at any time, and compares the replay with the live
// balances.
//
// A torn tail is at most the one write a crash interrupted: a record cut
// short, or the complete records of a batch whose last record is missing,
// none of them acknowledged. A crash can also leave the end of the file
// zero-filled (the file grew, the data never reached the disk), and zeros
// cannot say what they replace: as many as an entry's record may stand
// where synced, acknowledged entries were, lost by the disk. The ledger
// chooses not to guess. Zeros shorter than the shortest record it writes
// are a torn tail like any other; zeros that could hold a record are
// refused as [ErrTampered], with their offset and length, whatever
// [FileConfig.RepairTornTail] says, and the file is left untouched for an
// operator, who may restore it from a replica or a backup or, knowing
// that nothing acknowledged is lost, truncate it at the offset named.
//
// [SQL] keeps the same entries, hash-chained alike, in a SQL database
// (SQLite or PostgreSQL through database/sql; the driver is the
// caller's), beside tables of balances, holds and supply. Its
// [SQL.ApplyTx] applies a batch inside the caller's transaction, so that a
// server's own rows and the entries that pay for them commit as one.
// It signs one entry of each batch, the last: every entry before it is
// marked in its body as continuing the batch and left unsigned, and the
// chain of hashes makes the last one's signature cover them all (an edit
// of any changes every hash after it up to the signed one), as a
// signature of each would, at one signature's cost: an epoch's batch of
// 100,000 rewards spent 4 s of CPU signing them one by one. A ledger that
// ends inside a batch, or holds an unsigned entry that continues none, is
// tampered with.
//
// [Recorded] keeps its state in memory and its record elsewhere, through
// a [Recorder]: every batch is recorded before it is acknowledged, and
// [Recorded.Replay] rebuilds the state from the record. Package
// tokenomics/solana records on Solana with it.
//
// [Ledger.ApplyAll] applies a batch of ops atomically: all of them, as
// consecutive entries, or none. Package [ledgertest] is the behaviour
// every Ledger must have, as a test suite that all four pass.
//
// The file format is documented in record.go: a header naming the
// authority, then length-framed JSON records, each followed by its
// SHA-256 chain hash and signature.
package ledger
