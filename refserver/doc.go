// Package refserver is the reference server of the network: it wires the
// domain packages into one running network behind an HTTP API (v1, in the
// wire format of package iogsdk/api), on one SQL store (package
// refserver/store) that holds every piece of state and the ledger.
//
// Every acknowledged mutating request is one database transaction over
// its state rows, its ledger entries, its audit row and its idempotency
// record. Requests are signed by a wallet's ed25519 key, or carry an API
// key the wallet minted; a wallet acts only on what is its own.
package refserver
