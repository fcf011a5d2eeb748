// Package api is the wire format of the reference server's HTTP API, v1:
// the JSON resources both sides exchange, the error body, and how a request
// is signed. The server (package refserver) and the client (iogsdk.Client)
// both speak it through this package, so the two cannot drift apart.
//
// Every mutating request is signed by a wallet's ed25519 key (a Solana
// keypair) over its method, path and query, a hash of its body, a
// timestamp and a nonce ([Sign], [Verify]); or it carries an API key that
// the wallet minted, scoped and expiring ([APIKeyHeader]); or, from a
// browser, the cookie of a web session the wallet signed in to by signing
// a challenge's [SignInMessage] ([SessionCookie], with the session's CSRF
// token in [CSRFHeader] on a mutation). Errors are a
// JSON [Error] whose kind maps to the module's sentinel errors, so that
// errors.Is(err, iog.ErrNotFound) holds on the client for a 404.
package api
