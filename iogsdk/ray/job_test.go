package ray_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ray-project/kuberay/ray-operator/controllers/ray/common"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

func TestSampleJobs(t *testing.T) {
	rc, err := ray.Cluster(placement(fleet{"H100-SXM", 2, 8}), ray.Config{})
	require.NoError(t, err)
	for _, kind := range ray.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			spec, err := ray.SampleJob(kind)
			require.NoError(t, err)
			program := strings.TrimSuffix(strings.TrimPrefix(spec.Entrypoint, "python -c '"), "'")
			require.NotEqual(t, spec.Entrypoint, program)
			// The submitter's shell reads the program in single quotes,
			// and the head's in the double quotes Ray puts around it.
			require.False(t, strings.ContainsAny(program, "'$`\\"), "the program needs no quoting")
			require.Contains(t, program, "import ray")

			job, err := ray.Job(rc, spec)
			require.NoError(t, err)
			require.Equal(t, string(kind), job.Name)
			require.Equal(t, rc.Namespace, job.Namespace)
			require.Equal(t, string(testCluster), job.Annotations[ray.ClusterAnnotation])
			require.Equal(t, map[string]string{utils.RayClusterLabelKey: rc.Name}, job.Spec.ClusterSelector)
			require.False(t, job.Spec.ShutdownAfterJobFinishes, "the rental owns the cluster")
			env, err := utils.UnmarshalRuntimeEnvYAML(job.Spec.RuntimeEnvYAML)
			require.NoError(t, err)
			if kind == ray.Serving {
				require.Empty(t, env)
			} else {
				require.Equal(t, []any{"torch"}, env["pip"])
			}
			submitter := job.Spec.SubmitterPodTemplate.Spec
			require.Equal(t, rc.Spec.HeadGroupSpec.Template.Spec.Affinity, submitter.Affinity, "the submitter runs beside the head")
			require.Equal(t, ray.DefaultImage, submitter.Containers[0].Image)
			cmd, err := common.GetK8sJobCommand(job)
			require.NoError(t, err)
			submit := strings.Join(cmd, " ")
			require.Contains(t, submit, "-- "+spec.Entrypoint+" ; fi")
			require.Equal(t, kind != ray.Serving, strings.Contains(submit, "ray job submit --address http:// --no-wait --runtime-env-json"))
		})
	}
}

func TestJob(t *testing.T) {
	rc, err := ray.Cluster(placement(fleet{"L4", 1, 1}), ray.Config{Labels: map[string]string{"team": "vision"}})
	require.NoError(t, err)
	job, err := ray.Job(rc, ray.JobSpec{
		Entrypoint: "python tune.py",
		RuntimeEnv: ray.RuntimeEnv{WorkingDir: "https://example.com/job.zip", EnvVars: map[string]string{"EPOCHS": "3"}},
		Deadline:   90*time.Minute + time.Millisecond,
		Retries:    2,
	})
	require.NoError(t, err)
	require.Equal(t, rc.Name, job.Name, "a job is named after its cluster by default")
	require.Equal(t, "vision", job.Labels["team"])
	require.Equal(t, "env_vars:\n  EPOCHS: \"3\"\nworking_dir: https://example.com/job.zip\n", job.Spec.RuntimeEnvYAML)
	require.Equal(t, int32(5401), *job.Spec.ActiveDeadlineSeconds)
	require.Equal(t, int32(2), *job.Spec.SubmitterConfig.BackoffLimit)
	job.Labels["team"] = "audio"
	require.Equal(t, "vision", rc.Labels["team"], "the job shares no map with its cluster")

	tests := []struct {
		name string
		spec ray.JobSpec
		want string
	}{
		{"an empty entrypoint", ray.JobSpec{Entrypoint: " \n"}, "empty entrypoint"},
		{"a bad name", ray.JobSpec{Name: "Tune_1", Entrypoint: "python t.py"}, "DNS1035"},
		{"a long name", ray.JobSpec{Name: strings.Repeat("t", 48), Entrypoint: "python t.py"}, "no more than 47"},
		{"a negative deadline", ray.JobSpec{Entrypoint: "python t.py", Deadline: -time.Second}, "deadline"},
		{"negative retries", ray.JobSpec{Entrypoint: "python t.py", Retries: -1}, "retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ray.Job(rc, tt.spec)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}
	_, err = ray.SampleJob("chess")
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestWorkloadJob(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"python3", "train.py", "--lr=0.1"}, "python3 train.py --lr=0.1"},
		{[]string{"bash", "-c", "echo $HOME; ls"}, "bash -c 'echo $HOME; ls'"},
		{[]string{"echo", "it's", ""}, `echo 'it'\''s' ''`},
	}
	for _, tt := range tests {
		spec, ok := ray.WorkloadJob(tt.argv)
		require.True(t, ok)
		require.Equal(t, tt.want, spec.Entrypoint)
	}
	_, ok := ray.WorkloadJob(nil)
	require.False(t, ok)
}
