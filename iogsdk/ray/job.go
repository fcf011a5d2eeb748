package ray

import (
	"cmp"
	"fmt"
	"math"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"

	"github.com/internetofgpus/iog"
)

// JobSpec is a Ray program to run on a rental's Ray cluster.
type JobSpec struct {
	// Name is the RayJob's: a DNS-1035 label of at most 47 characters;
	// "" means the cluster's name (a RayJob and a RayCluster may share
	// one).
	Name string
	// Entrypoint is the shell command the head runs as the job's driver,
	// through `ray job submit`, such as "python train.py". The submitter
	// pod's shell reads it first, and Ray quotes its words for the head's.
	Entrypoint string
	// RuntimeEnv is what Ray installs for the job before it starts.
	RuntimeEnv RuntimeEnv
	// Deadline bounds the job's run; zero means none.
	Deadline time.Duration
	// Retries is how many times the submitter tries again after a
	// failed submission.
	Retries int32
}

// RuntimeEnv is a job's runtime environment, as Ray's runtime_env names
// its members.
type RuntimeEnv struct {
	// Pip are the Python packages Ray installs for the job.
	Pip []string `json:"pip,omitempty"`
	// WorkingDir is a URI of the job's files (a zip archive), unpacked
	// as the driver's and workers' working directory.
	WorkingDir string `json:"working_dir,omitempty"`
	// EnvVars are the job's environment variables.
	EnvVars map[string]string `json:"env_vars,omitempty"`
}

// Job makes a RayJob that submits spec to the RayCluster rc (as Cluster
// returned it), found by its name: its submitter pod runs the head's
// image on the head's device, and the job leaves the cluster running when
// it ends, the rental owning the cluster. The result passed KubeRay's
// validation. An empty entrypoint or a bad name, deadline or retry count
// is iog.ErrInvalid.
func Job(rc *rayv1.RayCluster, spec JobSpec) (*rayv1.RayJob, error) {
	if strings.TrimSpace(spec.Entrypoint) == "" {
		return nil, fmt.Errorf("ray job of %s: empty entrypoint: %w", rc.Name, iog.ErrInvalid)
	}
	if spec.Deadline < 0 || spec.Deadline.Seconds() > float64(1<<31-1) || spec.Retries < 0 {
		return nil, fmt.Errorf("ray job of %s: a deadline of 0 (none) or more, not %s, and 0 or more retries, not %d: %w", rc.Name, spec.Deadline, spec.Retries, iog.ErrInvalid)
	}
	env, err := yaml.Marshal(spec.RuntimeEnv)
	if err != nil {
		return nil, fmt.Errorf("ray job of %s: runtime environment: %w", rc.Name, err)
	}
	if spec.RuntimeEnv.Pip == nil && spec.RuntimeEnv.WorkingDir == "" && spec.RuntimeEnv.EnvVars == nil {
		env = nil
	}
	head := rc.Spec.HeadGroupSpec.Template.Spec
	job := &rayv1.RayJob{
		TypeMeta: metav1.TypeMeta{APIVersion: rayv1.GroupVersion.String(), Kind: "RayJob"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        cmp.Or(spec.Name, rc.Name),
			Namespace:   rc.Namespace,
			Labels:      rc.Labels,
			Annotations: rc.Annotations,
		},
		Spec: rayv1.RayJobSpec{
			Entrypoint:      spec.Entrypoint,
			RuntimeEnvYAML:  string(env),
			ClusterSelector: map[string]string{utils.RayClusterLabelKey: rc.Name},
			SubmissionMode:  rayv1.K8sJobMode,
			SubmitterPodTemplate: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: rc.Labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  "ray-job-submitter",
						Image: head.Containers[utils.RayContainerIndex].Image,
						Resources: guaranteed(corev1.ResourceList{
							corev1.ResourceCPU:    resource.MustParse("500m"),
							corev1.ResourceMemory: resource.MustParse("1Gi"),
						}),
					}},
					RestartPolicy: corev1.RestartPolicyNever,
					NodeSelector:  head.NodeSelector,
					Affinity:      head.Affinity,
					Tolerations:   head.Tolerations,
				},
			},
			SubmitterConfig: &rayv1.SubmitterConfig{BackoffLimit: ptr.To(spec.Retries)},
		},
	}
	job = job.DeepCopy() // shares no map or pointer with rc
	if spec.Deadline > 0 {
		job.Spec.ActiveDeadlineSeconds = ptr.To(int32(math.Ceil(spec.Deadline.Seconds())))
	}
	if err := validateJob(job); err != nil {
		return nil, err
	}
	return job, nil
}

// validateJob runs KubeRay's own validation of a RayJob.
func validateJob(job *rayv1.RayJob) error {
	if err := utils.ValidateRayJobMetadata(job.ObjectMeta); err != nil {
		return fmt.Errorf("ray job %s: %w: %w", job.Name, iog.ErrInvalid, err)
	}
	if err := utils.ValidateRayJobSpec(job); err != nil {
		return fmt.Errorf("ray job %s: %w: %w", job.Name, iog.ErrInvalid, err)
	}
	return nil
}
