package refserver

import (
	"fmt"
	"strconv"

	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

func (s *Server) rewardRoutes() []route {
	return []route{
		{method: "POST", pattern: "/v1/rewards/claim", access: signedOnly, mutates: true, handle: s.claimRewards, summary: "Claim the signing wallet's block rewards: every share the epochs allotted it and it has not claimed"},
	}
}

// claimRewards pays the signing wallet every block reward share the
// epochs allotted it and it has not claimed, in one transfer from the
// network's rewards account into its account (open: it paid its stake).
// Nothing to claim is iog.ErrNotFound and changes nothing.
func (s *Server) claimRewards(c *call) (any, error) {
	w := c.who.wallet
	claim, err := c.tx.ClaimRewards(w, c.now)
	if err != nil {
		return nil, err
	}
	_, err = c.tx.Apply(ledger.Op{
		Kind: ledger.Transfer, Key: claim.Key(), From: s.accounts.Rewards, To: w, Amount: claim.Amount,
		Reason: fmt.Sprintf("claim %d: %d block reward shares of epochs %d to %d", claim.ID, claim.Shares, claim.FirstEpoch, claim.LastEpoch),
	})
	if err != nil {
		return nil, err
	}
	c.audit("rewards.claim", strconv.FormatInt(claim.ID, 10), claim.Amount.String())
	out := api.RewardClaim{
		ID: claim.ID, Wallet: w, Amount: claim.Amount, Shares: claim.Shares,
		FirstEpoch: claim.FirstEpoch, LastEpoch: claim.LastEpoch, Claimed: claim.Claimed,
	}
	if out.Account, err = account(c.r.Context(), c.tx, w); err != nil {
		return nil, err
	}
	return out, nil
}
