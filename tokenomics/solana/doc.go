// Package solana keeps the network's ledger on Solana: a ledger.Ledger
// whose balances are SPL token accounts and whose every entry is a
// transaction that says what it is, through
// github.com/gagliardetto/solana-go.
//
// # The accounts
//
// The ledger is custodial, as a network's book is: one key, the
// authority, signs every transaction and holds every account. A wallet's
// balance of a currency is a token account of that currency's mint,
// created by the authority with a seed derived from the wallet and the
// mint ([AccountAddress]), when it is first credited. A hold is an escrow
// token account at an address derived from the hold's key
// ([HoldAddress]), created by its Hold and closed by the Release that
// empties it, its rent returned to the fee payer. Nothing needs to be
// kept to find an account again.
//
// Mints are configured per currency ([Mint]): IO and IOSD with 8
// decimals, USDC with 6, checked on the chain when the ledger starts. A
// mint the authority issues (a network's own, or a test one made with
// [CreateMint]) is minted and burned with SPL Token's MintToChecked and
// BurnChecked; any other (USDC, or IO on mainnet, where burns follow
// buy-backs) is paid out of and back into the authority's associated
// token account for it, its treasury. [Ledger.Withdraw] pays tokens out
// of the ledger to a wallet's own associated token account, created when
// the configuration allows.
//
// # The entries
//
// Each op is its instructions (TransferChecked, MintToChecked,
// BurnChecked, and the account creations and closings it needs) followed
// by a Memo instruction: a JSON array ["iog1", seq, unix ms, kind, key,
// reason, extra], so that every transfer on the chain says why it
// happened and under which idempotency key. An atomic batch
// (Ledger.ApplyAll) is one transaction, refused with iog.ErrInvalid when
// it would exceed a transaction's 1,232 bytes or 1,400,000 compute units
// ([Ledger.Fit] says how many ops fit; the compute units of each
// instruction are measured on the Solana runtime by this package's
// tests).
//
// The chain is the record. [New] reads the authority's transactions back,
// oldest first, rebuilds every entry from its memo and the instructions
// that moved its tokens, checks that they are exactly what the ledger
// writes for them, and replays them (ledger.Recorded): so an op whose
// key already landed, before a crash or in another process, is found and
// answered with its entry, never sent twice. Before it reads, New waits
// until every transaction a previous process could have sent has landed
// or expired: the life of a blockhash, about a minute on Solana's
// clusters.
//
// # Sending
//
// A transaction is sent with preflight and confirmed by polling its
// signature's status until it reaches the configured commitment. It is
// signed again, on a fresh blockhash, only when it provably did not
// land: its blockhash expired with no status for it, or preflight did not
// know the blockhash. RPC requests go through go-retryablehttp, retrying
// with backoff; a retried send carries the same signed transaction, which
// Solana applies at most once. When the outcome cannot be known before
// the caller's context ends, the call fails with iog.ErrUnavailable and
// the ledger settles that transaction before its next one, reading it
// back if it landed. Refusals name their cause: iog.ErrInsufficientFunds
// (tokens, or the fee payer's SOL), iog.ErrNotFound (a missing token
// account), [ErrRejected] otherwise.
//
// # Windows
//
// [Ledger.ApplyEach] sends up to Config.Window batches at once, each its
// own transaction, all in one JSON-RPC batch, when none depends on an
// earlier one (ledger.Recorded.ApplyEach says when one does; a batch
// that would create an account an earlier one creates ends the window
// too): an epoch's payouts from one treasury, packed by Fit, go out eight
// transactions to a round trip. They may land in any order. When one
// fails and later ones land, ApplyEach returns the batches before it and
// its error, and the ledger reads back the ones that landed before it
// sends anything else: their entries are numbered on without the failed
// batch's numbers, and the memos' sequence numbers, which only ever grow,
// run ahead of the entries' by as many. A ledger opened afresh numbers
// them alike.
//
// Entries carry the transaction's signature as their Signature
// ([SignatureString] gives its base58 form). One process at a time may
// write with an authority.
package solana
