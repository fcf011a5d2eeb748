package iog_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

// TestEvaluateReadiness: each state, by the precedence Blocked > Down >
// Hired > Pending > Ready (a hired device skips the proof of work), with the reasons a supplier reads, around
// io.net's 12-hour pending limit.
func TestEvaluateReadiness(t *testing.T) {
	registered := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return registered.Add(d) }
	ready := iog.ReadinessInput{Registered: registered, Attested: true, Proven: true, Up: true, LastSeen: at(2 * time.Hour), GPUs: 8}
	with := func(change func(*iog.ReadinessInput)) iog.ReadinessInput {
		in := ready
		change(&in)
		return in
	}
	fresh := iog.ReadinessInput{Registered: registered}
	attested := with(func(in *iog.ReadinessInput) { in.Proven = false })
	const (
		proofWithin  = "the proof of work has not passed yet; keep the worker agent running to answer its proof tasks"
		proofOverdue = "the proof of work has not passed within 12 h; check that the worker agent runs and answers its proof tasks"
		noBeat       = "no heartbeat yet: start the worker agent, whose heartbeats bring the proof of work"
		removed      = "removed by its owner; its GPUs may register again as a new device"
	)
	for _, tc := range []struct {
		name  string
		in    iog.ReadinessInput
		now   time.Duration // after registered
		rules iog.ReadinessRules
		want  iog.Readiness
	}{
		{"ready", ready, 2 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessReady, Schedulable: true}},
		{"ready with the zero rules", ready, 2 * time.Hour, iog.ReadinessRules{},
			iog.Readiness{State: iog.ReadinessReady, Schedulable: true}},
		{"ready without a GPU", with(func(in *iog.ReadinessInput) { in.GPUs = 0 }), 2 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessReady, Reasons: []string{"no GPU in its accepted hardware report: clusters are placed on GPUs"}}},
		{"attested without a GPU to prove", with(func(in *iog.ReadinessInput) { in.GPUs = 0; in.Proven = false }), 2 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessReady, Reasons: []string{"no GPU in its accepted hardware report: clusters are placed on GPUs"}}},
		{"hired", with(func(in *iog.ReadinessInput) { in.Hired = true }), 2 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessHired, Reasons: []string{"hired: a cluster runs on it, and it takes no other until that one ends"}}},
		{"fresh, never heard from", fresh, 0, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{
				"pending 0 m of up to 12 h: its hardware report has not been accepted yet; the worker agent sends it when it starts", noBeat}}},
		{"report refused for 12 h", fresh, 12 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{
				"pending 12 h: its hardware report has not been accepted within 12 h; check the worker agent's log for a refused report", noBeat}}},
		{"attested, proof due, up", with(func(in *iog.ReadinessInput) { in.Proven = false; in.LastSeen = at(3 * time.Hour) }), 3*time.Hour + 12*time.Minute, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{"pending 3 h 12 m of up to 12 h: " + proofWithin}}},
		{"attested, never heard from", with(func(in *iog.ReadinessInput) { in.Proven = false; in.Up = false; in.LastSeen = time.Time{} }), time.Minute, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{"pending 1 m of up to 12 h: " + proofWithin, noBeat}}},
		{"a minute before the limit", attested, 12*time.Hour - time.Minute, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{"pending 11 h 59 m of up to 12 h: " + proofWithin}}},
		{"a second before the limit", attested, 12*time.Hour - time.Second, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{"pending 11 h 59 m of up to 12 h: " + proofWithin}}},
		{"exactly 12 h", attested, 12 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{"pending 12 h: " + proofOverdue}}},
		{"past the limit", attested, 12*time.Hour + 5*time.Minute, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{"pending 12 h 5 m: " + proofOverdue}}},
		{"a configured limit of 6 h", attested, 6 * time.Hour, iog.ReadinessRules{PendingLimit: 6 * time.Hour},
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{
				"pending 6 h: the proof of work has not passed within 6 h; check that the worker agent runs and answers its proof tasks"}}},
		{"a hired device skips the proof of work", with(func(in *iog.ReadinessInput) { in.Proven = false; in.Hired = true }), time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessHired, Reasons: []string{"hired: a cluster runs on it, and it takes no other until that one ends"}}},
		{"an unaccepted report stays pending, hired or not", with(func(in *iog.ReadinessInput) { in.Attested = false; in.Hired = true }), time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessPending, Reasons: []string{"pending 1 h of up to 12 h: its hardware report has not been accepted yet; the worker agent sends it when it starts"}}},
		{"down", with(func(in *iog.ReadinessInput) { in.Up = false }), 2*time.Hour + 25*time.Minute, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessDown, Reasons: []string{"down: no heartbeat for 25 m; check that the worker agent runs and reaches the server"}}},
		{"down beats hired", with(func(in *iog.ReadinessInput) { in.Up = false; in.Hired = true }), 3 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessDown, Reasons: []string{"down: no heartbeat for 1 h; check that the worker agent runs and reaches the server"}}},
		{"down while pending", with(func(in *iog.ReadinessInput) { in.Up = false; in.Proven = false }), 14 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessDown, Reasons: []string{
				"down: no heartbeat for 12 h; check that the worker agent runs and reaches the server", "pending 14 h: " + proofOverdue}}},
		{"proven, never heard from", with(func(in *iog.ReadinessInput) { in.Up = false; in.LastSeen = time.Time{} }), 3 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessDown, Reasons: []string{"down: no heartbeat in the 3 h since it registered; start the worker agent"}}},
		{"blocked", with(func(in *iog.ReadinessInput) { in.Blocked = "idle GPU use 35% above the 20% cap of a consumer card" }), 2 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessBlocked, Reasons: []string{"blocked: idle GPU use 35% above the 20% cap of a consumer card"}}},
		{"blocked beats down and pending", with(func(in *iog.ReadinessInput) { in.Blocked = "its hardware changed"; in.Up = false; in.Proven = false }), 13 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessBlocked, Reasons: []string{"blocked: its hardware changed"}}},
		{"removed", with(func(in *iog.ReadinessInput) { in.Removed = true; in.Up = false }), 5 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessBlocked, Reasons: []string{removed}}},
		{"removed and blocked", with(func(in *iog.ReadinessInput) { in.Removed = true; in.Blocked = "its hardware changed" }), 5 * time.Hour, iog.DefaultReadinessRules(),
			iog.Readiness{State: iog.ReadinessBlocked, Reasons: []string{removed, "blocked: its hardware changed"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, iog.EvaluateReadiness(tc.in, at(tc.now), tc.rules))
		})
	}
	require.Equal(t, iog.ReadinessRules{PendingLimit: 12 * time.Hour}, iog.DefaultReadinessRules())
}

// TestReadinessStateText: the states' names, in JSON as text.
func TestReadinessStateText(t *testing.T) {
	for s, name := range map[iog.ReadinessState]string{
		iog.ReadinessPending: "pending", iog.ReadinessReady: "ready", iog.ReadinessHired: "hired",
		iog.ReadinessBlocked: "blocked", iog.ReadinessDown: "down",
	} {
		require.Equal(t, name, s.String())
		data, err := json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, `"`+name+`"`, string(data))
		var back iog.ReadinessState
		require.NoError(t, json.Unmarshal(data, &back))
		require.Equal(t, s, back)
	}
	require.Equal(t, "ReadinessState(9)", iog.ReadinessState(9).String())
	_, err := json.Marshal(iog.ReadinessState(9))
	require.ErrorIs(t, err, iog.ErrInvalid)
	back := iog.ReadinessDown
	require.ErrorIs(t, json.Unmarshal([]byte(`"eligible"`), &back), iog.ErrInvalid)
	require.Equal(t, iog.ReadinessDown, back, "a bad name changes nothing")
}
