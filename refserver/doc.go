// Package refserver is the reference server of the network: it wires the
// domain packages into one running network behind an HTTP API (v1, in the
// wire format of package iogsdk/api), on one SQL store (package
// refserver/store) that holds every piece of state and the ledger.
//
// Every acknowledged mutating request is one database transaction over
// its state rows, its ledger entries, its audit row and its idempotency
// record; but a heartbeat, a liveness signal whose record is the
// device's health, has neither, and one sent again is applied again. The leader forgets a request's nonce once its
// timestamp is too old to be accepted, and its idempotency record after
// Config.IdempotencyTTL. Requests are signed by a wallet's ed25519 key,
// or carry an API key the wallet minted; a wallet acts only on what is
// its own.
//
// # Web sessions
//
// A browser signs in without handing the wallet's key to the server or
// keeping it: POST /v1/sessions/challenge hands out a challenge (stored,
// single use, Config.SessionChallengeTTL), whose message
// (api.SignInMessage) the page signs with the key, in the page; POST
// /v1/sessions trades the signature for a session of Config.SessionTTL in
// the api.SessionCookie (HttpOnly, SameSite=Strict, its token stored
// hashed) and answers its CSRF token. The cookie, alone, is the wallet on
// every route its signature may call; beside a signature or an API key it
// is ignored. A mutating request by a session carries the CSRF token in
// api.CSRFHeader, or is refused. Its audit rows say "session:" and its
// ID. A wrong signature spends no challenge; a right one spends it.
//
// # Block rewards
//
// Block rewards are claimed, as io.net's are. Each hourly epoch
// nominates the active devices by io.net's documented rules
// (tokenomics.Nominate: 5 hours of uptime, the full stake, a wallet, a
// multiplier and a connectivity tier above 0, the proof of work unless
// the device is hired), splits its emission between the Enterprise and
// the Community pool (tokenomics.Distribute), and the explorer's block
// gives every device not rewarded the rules it missed. It shares the
// emission among the stakers of the rewarded devices
// (tokenomics.Allot), records every staker's share of every device's
// reward in the store, and mints the epoch's emission in two ledger
// entries: the shares' sum into the network's rewards account and what no
// device earned into the unpaid account. A wallet's account shows its
// unclaimed rewards beside its balances (api.Account.Unclaimed); POST
// /v1/rewards/claim pays all of them in one transfer from the rewards
// account. An epoch over 100,000 devices thus writes a row a share rather
// than a ledger entry, an account row and a balance a staker. The rewards
// account always holds exactly what is allotted and unclaimed.
//
// # Settlement on Solana
//
// With Config.Settlement's Chain set (tokenomics/solana's Ledger), the
// leader settles the ledger onto it through an outbox: the ledger's own
// entries, read in the order of their seq after the settlement cursor
// (store.Tx.SettlementCursor), every one of them, so that every account's
// balances on the chain are the database's. Consecutive entries go in one
// chain transaction as far as Chain.Fit and Settlement.Batch let them;
// each settled entry's signature is recorded and the cursor moved in one
// store transaction. After a restart, or a round that failed, the next
// entries are first looked up on the chain (Chain.Entry, by their memo):
// what landed before the crash is recorded, not sent again. A chain that
// does not answer delays the settlement, the rounds backing off; a chain
// that refuses an entry (insufficient funds, a conflict, an invalid op)
// has it recorded as failed and stops the settlement there, entries being
// in order per account: the log says so loudly, /readyz says halted, and
// iog_settlement_halted is 1 until an operator has put the chain right
// and deleted the failed entry's row from the settlements table. The
// earnings' entries and the explorer's transactions show each entry's
// settlement: pending, settled with its transaction's signature, or
// failed with the chain's refusal.
//
// # What the explorer's pages read
//
// Beyond the rest, the server keeps what a device's and a wallet's pages
// show over time, each read by an index:
//
//   - telemetry (GET /v1/devices/{id}/telemetry): a sample of a device's
//     heartbeats' GPU readings at most each Config.TelemetryInterval, kept
//     Config.TelemetryKeep. A heartbeat learns whether one is due from the
//     health row it reads and writes anyway, so most write nothing more;
//   - bookings (GET /v1/explorer/clusters?device=): each cluster a device
//     hosted, from its first placement there, ended ones too;
//   - up stretches (GET /v1/devices/{id}/health, its owner's alone): each
//     stretch a device was up, from the first heartbeat of it to its last,
//     as its health counts up time, written as it goes up and as it goes
//     down, and kept a week: the uptime of the last day and week is
//     exactly their overlap with the window, one still open counted to
//     now;
//   - a wallet's ledger entries (GET /v1/explorer/transactions?wallet=)
//     and earnings a UTC day at a time (GET
//     /v1/accounts/{wallet}/earnings): its block reward shares by their
//     epochs' ends, and from its entries its devices' payouts of cluster
//     hours and the fees its clusters paid, exact amounts.
//
// # Metrics
//
// GET /metrics serves, besides the Go runtime's and the process's:
//
//   - iog_api_request_duration_seconds{route,status}: each API request;
//   - iog_epoch_duration_seconds, iog_epoch_last_settled: the epochs;
//   - iog_devices{state,up}, iog_clusters{status}: the network, counted in
//     the store at each scrape (every server on a database reports the
//     same), and iog_scheduler_queue_depth, the clusters waiting to be
//     placed;
//   - iog_commit_queue_depth: this server's requests waiting for a group
//     commit; iog_commit_batch_requests and
//     iog_commit_batch_duration_seconds: the requests each of its
//     transactions carried, and the time it took to write and commit;
//   - iog_leader: 1 on the server that runs the loops;
//   - iog_tunnel_bytes_total{direction}, iog_tunnel_streams_total,
//     iog_tunnel_refused_total: what the relay this process ran moved;
//   - iog_metrics_store_errors: 1 when a scrape could not count in the store;
//   - when the server settles, on the leader: iog_settlement_entries_total,
//     the entries it settled; iog_settlement_lag_entries, those not settled
//     yet; iog_settlement_batch_entries, the entries of each chain
//     transaction; iog_settlement_failures_total{kind}, the rounds the chain
//     failed (unavailable) or refused an entry (refused);
//     iog_settlement_halted, 1 while a refusal stops the settlement.
package refserver
