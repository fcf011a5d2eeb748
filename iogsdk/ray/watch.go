package ray

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	typedrayv1 "github.com/ray-project/kuberay/ray-operator/pkg/client/clientset/versioned/typed/ray/v1"

	"github.com/internetofgpus/iog"
)

type rayClusters = typedrayv1.RayClusterInterface

// await watches the RayCluster name until done says so (given nil once
// it is gone) or fails, or ctx ends.
func (r *Runtime) await(ctx context.Context, name string, done func(*rayv1.RayCluster) (bool, error)) error {
	for {
		w, err := r.clusters().Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()})
		if err != nil {
			return fmt.Errorf("watch ray cluster %s: %w: %w", name, iog.ErrUnavailable, err)
		}
		ok, err := r.watch(ctx, w, name, done)
		w.Stop()
		if ok || err != nil {
			return err
		}
	}
}

// watch reads one watch of a RayCluster, after its state when the watch
// began; false without an error is a watch the server ended, to begin
// again.
func (r *Runtime) watch(ctx context.Context, w watch.Interface, name string, done func(*rayv1.RayCluster) (bool, error)) (bool, error) {
	// What changed before the watch began is not among its events.
	rc, err := r.clusters().Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		rc = nil
	case err != nil:
		return false, fmt.Errorf("read ray cluster %s: %w: %w", name, iog.ErrUnavailable, err)
	}
	if ok, err := done(rc); ok || err != nil {
		return ok, err
	}
	for {
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("wait for ray cluster %s: %w", name, ctx.Err())
		case ev, open := <-w.ResultChan():
			if !open {
				return false, nil
			}
			var ok bool
			switch ev.Type {
			case watch.Error:
				return false, fmt.Errorf("watch ray cluster %s: %w: %v", name, iog.ErrUnavailable, apierrors.FromObject(ev.Object))
			case watch.Deleted:
				ok, err = done(nil)
			case watch.Added, watch.Modified:
				if rc, isCluster := ev.Object.(*rayv1.RayCluster); isCluster && rc.Name == name {
					ok, err = done(rc)
				}
			}
			if ok || err != nil {
				return ok, err
			}
		}
	}
}
