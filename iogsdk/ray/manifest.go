package ray

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"

	"github.com/internetofgpus/iog/iogsdk/api"
)

// Manifest writes a RayCluster and the RayJobs submitted to it as YAML
// documents that `kubectl apply -f` takes: the cluster first, then its
// jobs in order, without the status and the creation time that only the
// API server sets.
// Its output is the same for the same objects.
func Manifest(rc *rayv1.RayCluster, jobs ...*rayv1.RayJob) ([]byte, error) {
	var out bytes.Buffer
	objects := []any{rc}
	for _, j := range jobs {
		objects = append(objects, j)
	}
	for i, o := range objects {
		doc, err := manifestYAML(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(doc)
	}
	return out.Bytes(), nil
}

// manifestYAML writes one object as YAML, through its JSON form, whose
// field names Kubernetes reads.
func manifestYAML(o any) ([]byte, error) {
	raw, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	delete(m, "status")
	dropUnset(m)
	doc, err := yaml.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return doc, nil
}

// dropUnset removes the creation times Go's zero time.Time writes as
// null, in the object's metadata and its pod templates'.
func dropUnset(v any) {
	switch v := v.(type) {
	case map[string]any:
		if t, ok := v["creationTimestamp"]; ok && t == nil {
			delete(v, "creationTimestamp")
		}
		for _, e := range v {
			dropUnset(e)
		}
	case []any:
		for _, e := range v {
			dropUnset(e)
		}
	}
}

// ClusterManifest is what `iog cluster manifest` prints: the YAML of a
// placed or running cluster's RayCluster (from its view and its devices',
// as iogsdk.Client's Cluster and ClusterDevices read them, built with
// cfg) and of a RayJob for each of jobs. With no jobs given, a workload with an entrypoint gets the job
// that runs it (WorkloadJob). Problems are iog.ErrInvalid.
func ClusterManifest(c api.Cluster, devices []api.Device, cfg Config, jobs ...JobSpec) ([]byte, error) {
	p, err := PlacementOf(c, devices)
	if err != nil {
		return nil, err
	}
	rc, err := Cluster(p, cfg)
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		if spec, ok := WorkloadJob(c.Workload.Entrypoint); ok {
			jobs = append(jobs, spec)
		}
	}
	var rjs []*rayv1.RayJob
	for _, spec := range jobs {
		rj, err := Job(rc, spec)
		if err != nil {
			return nil, err
		}
		rjs = append(rjs, rj)
	}
	return Manifest(rc, rjs...)
}
