package solana

// The compute units each instruction the ledger sends uses, as measured
// on the Solana runtime (TestComputeUnits simulates each and fails when
// one needs more than this table says): the ledger sums them to tell
// whether a batch fits a transaction's 1,400,000 units, and, with a
// priority fee, to set its transactions' compute unit limit.
const (
	cuComputeBudget     = 150
	cuCreateWithSeed    = 150
	cuInitializeAccount = 4_500
	cuTransfer          = 6_300
	cuMintTo            = 4_600
	cuBurn              = 4_800
	cuClose             = 3_000
	cuCreateAssociated  = 25_000
	// A memo costs a base and a share per byte: the Memo program checks
	// that its data is UTF-8, and logs it.
	cuMemoBase    = 1_500
	cuMemoPerByte = 30
)

func memoUnits(n int) uint32 { return cuMemoBase + cuMemoPerByte*uint32(n) }
