package store

import (
	"context"
	"fmt"
)

// StateCount is how many devices are in one state, up or down.
type StateCount struct {
	State string
	Up    bool
	Count int
}

// ClusterCount is how many clusters have one status.
type ClusterCount struct {
	Status string
	Count  int
}

// StateCounts counts the devices by state and health, outside any
// transaction, through the reading database: a snapshot for metrics that
// takes no write lock (Tx's DeviceCounts is the explorer's, by model and
// location too).
func (s *Store) StateCounts(ctx context.Context) ([]StateCount, error) {
	return queryRows(ctx, s.reader, "device counts", "SELECT state, up, COUNT(*) FROM devices GROUP BY state, up ORDER BY state, up", nil,
		func(row scanner) (StateCount, error) {
			var c StateCount
			var up int64
			if err := row.Scan(&c.State, &up, &c.Count); err != nil {
				return c, fmt.Errorf("count devices: %w", err)
			}
			c.Up = up != 0
			return c, nil
		})
}

// ClusterCounts counts the clusters by status, as StateCounts does the
// devices.
func (s *Store) ClusterCounts(ctx context.Context) ([]ClusterCount, error) {
	return queryRows(ctx, s.reader, "cluster counts", "SELECT status, COUNT(*) FROM clusters GROUP BY status ORDER BY status", nil,
		func(row scanner) (ClusterCount, error) {
			var c ClusterCount
			if err := row.Scan(&c.Status, &c.Count); err != nil {
				return c, fmt.Errorf("count clusters: %w", err)
			}
			return c, nil
		})
}
