package ray_test

import (
	"os"
	"testing"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

func TestMain(m *testing.M) {
	// controller-runtime, which KubeRay's pod builders log through,
	// prints a stack trace 30 s after first use unless a logger is set.
	ctrllog.SetLogger(logr.Discard())
	os.Exit(m.Run())
}
