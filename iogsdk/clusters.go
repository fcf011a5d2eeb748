package iogsdk

import (
	"context"
	"net/url"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// Quote prices a deploy body without deploying it.
func (c *Client) Quote(ctx context.Context, req api.DeployRequest) (api.Quote, error) {
	var out api.Quote
	err := c.do(ctx, "POST", "/v1/quotes", req, &out)
	return out, err
}

// Deploy asks for a cluster: its payment plus fees is held at once, and
// the cluster answered pending; watch it with Cluster until it is placed.
func (c *Client) Deploy(ctx context.Context, req api.DeployRequest) (api.Cluster, error) {
	var out api.Cluster
	err := c.do(ctx, "POST", "/v1/clusters", req, &out)
	return out, err
}

// Cluster returns one of the wallet's clusters.
func (c *Client) Cluster(ctx context.Context, id iog.ClusterID) (api.Cluster, error) {
	var out api.Cluster
	err := c.do(ctx, "GET", clusterPath(id, ""), nil, &out)
	return out, err
}

// ClusterManifest returns one of the wallet's clusters, placed, as the
// YAML manifests of KubeRay the server writes for it; a server that
// exports none answers iog.ErrNotFound.
func (c *Client) ClusterManifest(ctx context.Context, id iog.ClusterID) (api.ClusterManifest, error) {
	var out api.ClusterManifest
	err := c.do(ctx, "GET", clusterPath(id, "manifest"), nil, &out)
	return out, err
}

// Clusters returns a page of the wallet's clusters, by ID; after
// continues from a page's Next.
func (c *Client) Clusters(ctx context.Context, after string) (api.ClusterList, error) {
	path := "/v1/clusters"
	if after != "" {
		path += "?" + url.Values{"after": {after}}.Encode()
	}
	var out api.ClusterList
	err := c.do(ctx, "GET", path, nil, &out)
	return out, err
}

// ExtendCluster buys hours more for one of the wallet's clusters.
func (c *Client) ExtendCluster(ctx context.Context, id iog.ClusterID, hours int) (api.Cluster, error) {
	var out api.Cluster
	err := c.do(ctx, "POST", clusterPath(id, "extend"), api.ExtendRequest{Hours: hours}, &out)
	return out, err
}

// TerminateCluster ends one of the wallet's clusters: what ran is paid,
// the rest refunded.
func (c *Client) TerminateCluster(ctx context.Context, id iog.ClusterID) (api.Cluster, error) {
	var out api.Cluster
	err := c.do(ctx, "POST", clusterPath(id, "terminate"), nil, &out)
	return out, err
}

// PublicCluster returns a cluster's public details, as the explorer shows
// them.
func (c *Client) PublicCluster(ctx context.Context, id iog.ClusterID) (api.PublicCluster, error) {
	var out api.PublicCluster
	err := c.do(ctx, "GET", "/v1/explorer/clusters/"+url.PathEscape(string(id)), nil, &out)
	return out, err
}

// PublicClusters returns a page of clusters' public details, by ID, of
// one status when status is not empty.
func (c *Client) PublicClusters(ctx context.Context, status api.ClusterStatus, after string) (api.PublicClusterList, error) {
	return c.publicClusters(ctx, url.Values{}, status, after)
}

// DeviceBookings returns a page of the clusters a device hosted, the
// latest placed on it first, of one status when status is not empty: its
// booking history.
func (c *Client) DeviceBookings(ctx context.Context, device iog.DeviceID, status api.ClusterStatus, after string) (api.PublicClusterList, error) {
	return c.publicClusters(ctx, url.Values{"device": {string(device)}}, status, after)
}

func (c *Client) publicClusters(ctx context.Context, v url.Values, status api.ClusterStatus, after string) (api.PublicClusterList, error) {
	if status != "" {
		v.Set("status", string(status))
	}
	if after != "" {
		v.Set("after", after)
	}
	var out api.PublicClusterList
	err := c.do(ctx, "GET", withQuery("/v1/explorer/clusters", v), nil, &out)
	return out, err
}

// DeviceRentals returns the rentals one of the wallet's devices must run
// (a worker polls it).
func (c *Client) DeviceRentals(ctx context.Context, device iog.DeviceID) (api.DeviceRentals, error) {
	var out api.DeviceRentals
	err := c.do(ctx, "GET", devicePath(device, "rentals"), nil, &out)
	return out, err
}

// RentalStarted says the device's worker started the cluster's workload.
func (c *Client) RentalStarted(ctx context.Context, device iog.DeviceID, cluster iog.ClusterID) (api.DeviceRental, error) {
	var out api.DeviceRental
	err := c.do(ctx, "POST", devicePath(device, "rentals/"+url.PathEscape(string(cluster))+"/started"), nil, &out)
	return out, err
}

func clusterPath(id iog.ClusterID, sub string) string {
	p := "/v1/clusters/" + url.PathEscape(string(id))
	if sub != "" {
		p += "/" + sub
	}
	return p
}
