package ray

import (
	"embed"
	"fmt"
	"slices"

	"github.com/internetofgpus/iog"
)

// Kind is a kind of Ray workload.
type Kind string

// The kinds SampleJob has a program of.
const (
	BatchInference        Kind = "batch-inference"
	Serving               Kind = "serving"
	Training              Kind = "training"
	Tuning                Kind = "tuning"
	ReinforcementLearning Kind = "reinforcement-learning"
)

// Kinds lists the kinds of workload, in the order above.
func Kinds() []Kind {
	return []Kind{BatchInference, Serving, Training, Tuning, ReinforcementLearning}
}

//go:embed jobs/*.py
var samples embed.FS

// SampleJob returns a job of a kind, a small program that uses all the
// GPUs of whichever cluster it runs on: Ray Data scoring a dataset,
// Ray Serve answering HTTP on the head's port 8000, Ray Train training
// with a worker a GPU, Ray Tune searching hyper-parameters with a trial
// a GPU, or RLlib's PPO learning CartPole. Its entrypoint runs the
// program with `python -c`; PyTorch comes through the runtime
// environment. An unknown kind is iog.ErrInvalid.
func SampleJob(kind Kind) (JobSpec, error) {
	if !slices.Contains(Kinds(), kind) {
		return JobSpec{}, fmt.Errorf("sample job: unknown kind %q, want one of %v: %w", kind, Kinds(), iog.ErrInvalid)
	}
	program, err := samples.ReadFile("jobs/" + string(kind) + ".py")
	if err != nil {
		return JobSpec{}, fmt.Errorf("sample job %s: %w", kind, err)
	}
	spec := JobSpec{Name: string(kind), Entrypoint: "python -c '" + string(program) + "'"}
	if kind != Serving {
		spec.RuntimeEnv.Pip = []string{"torch"}
	}
	return spec, nil
}
