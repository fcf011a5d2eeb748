package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// BookDevices records that a cluster was placed on devices at at: a
// device it was placed on before keeps its first booking.
func (t *Tx) BookDevices(cluster iog.ClusterID, devices []iog.DeviceID, at time.Time) error {
	for _, d := range devices {
		if err := t.exec("INSERT INTO device_bookings (device, cluster, placed) VALUES ($1, $2, $3) ON CONFLICT (device, cluster) DO NOTHING",
			string(d), string(cluster), unix(at)); err != nil {
			return fmt.Errorf("book device %s for cluster %s: %w", d, cluster, err)
		}
	}
	return nil
}

// deviceClusters lists the clusters f.Device hosted, the latest booked
// first, after the booking of f.After on it: the listing Clusters answers
// for a filter with a device.
func (t *Tx) deviceClusters(f ClusterFilter) ([]Cluster, error) {
	args := []any{string(f.Device)}
	mark := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := []string{"b.device = $1"}
	if f.After != "" {
		var placed int64
		err := t.tx.QueryRowContext(t.ctx, "SELECT placed FROM device_bookings WHERE device = $1 AND cluster = $2", string(f.Device), string(f.After)).Scan(&placed)
		if noRows(err) {
			return nil, fmt.Errorf("after %s: not a cluster device %s hosted: %w", f.After, f.Device, iog.ErrInvalid)
		}
		if err != nil {
			return nil, fmt.Errorf("bookings of device %s: %w", f.Device, err)
		}
		p, c := mark(placed), mark(string(f.After))
		where = append(where, "(b.placed < "+p+" OR (b.placed = "+p+" AND b.cluster < "+c+"))")
	}
	where = append(where, f.conditions("clusters", mark)...)
	q := "SELECT " + qualified("clusters", clusterColumns) + " FROM device_bookings b JOIN clusters ON clusters.id = b.cluster WHERE " +
		strings.Join(where, " AND ") + " ORDER BY b.placed DESC, b.cluster DESC"
	if f.Limit > 0 {
		q += " LIMIT " + mark(f.Limit)
	}
	return queryAll(t, "bookings", q, args, scanCluster)
}

// qualified returns columns, a list of them, each of table.
func qualified(table, columns string) string {
	list := strings.Split(columns, ", ")
	for i, c := range list {
		list[i] = table + "." + c
	}
	return strings.Join(list, ", ")
}
