package solana

// ComputeUnits budgets a transaction as the ledger does, for the tests.
var ComputeUnits = computeUnits
