package ray

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/internetofgpus/iog"
)

// ClusterAnnotation is the annotation of a RayCluster or RayJob naming
// the rental it serves: its iog.ClusterID, which Kubernetes names cannot
// always hold.
const ClusterAnnotation = "iog.network/cluster"

// maxNameLen is the longest RayCluster name KubeRay accepts (its
// MaxRayClusterNameLength, which leaves room for the pods' suffixes),
// less the "-NNNNN" of a job's name.
const maxNameLen = 53 - 6

// Name returns the Kubernetes name of a rental's RayCluster: "iog-" and
// the cluster's ID, which server-made IDs (lower-case UUIDs) keep whole;
// an ID a Kubernetes name cannot hold (upper case, ':', '_', '.', or too
// long) is replaced by a digest of it, so that two IDs never share a name.
func Name(id iog.ClusterID) string {
	s := string(id)
	if lowerDNS(s) == s && len("iog-")+len(s) <= maxNameLen && !strings.HasSuffix(s, "-") {
		return "iog-" + s
	}
	sum := sha256.Sum256([]byte(s))
	return "iog-" + hex.EncodeToString(sum[:10])
}

// lowerDNS writes s with lower-case letters, digits and '-' only, as
// Kubernetes names are.
func lowerDNS(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, s)
}
