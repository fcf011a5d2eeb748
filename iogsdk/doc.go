// Package iogsdk is the client side of the network: Client, a typed client
// of the reference server's API that signs requests with a wallet's key,
// retries what is safe to retry and gives every mutating request an
// idempotency key so a retry applies once; and Worker, the supplier's
// agent. The wire format both sides speak is package iogsdk/api.
package iogsdk
