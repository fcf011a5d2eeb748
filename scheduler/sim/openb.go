package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
	"github.com/internetofgpus/iog/scheduler"
)

// The openb trace (Alibaba cluster-trace-gpu-v2023, as used by the FGD
// paper) comes as two CSV files; testdata/openb holds them with their
// attribution.
var (
	openbNodeHeader = []string{"sn", "cpu_milli", "memory_mib", "gpu", "model"}
	openbTaskHeader = []string{"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec", "qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time"}
)

const mib = 1 << 20

// LoadOpenB reads the openb node list and pod list. Each pod becomes a
// task: num_gpu GPUs of gpu_milli thousandths each (a fractional share
// when below 1000), the optional gpu_spec as the GPU model ("V100M16|V100M32"
// allows either), its QoS class as the user, created at creation_time and
// running until deletion_time counted from when it was scheduled (from its
// creation if it never was). Problems are iog.ErrInvalid, naming the line.
func LoadOpenB(nodes, tasks io.Reader) (Workload, error) {
	return readWorkloadCSV(nodes, tasks, "openb", openbNodeHeader, openbTaskHeader, openbNode, openbTask)
}

// openbNode reads one row of the openb node list.
func openbNode(rec []string) (scheduler.Node, error) {
	var n scheduler.Node
	var err error
	n.ID = iog.DeviceID(rec[0])
	if n.CPUMilli, err = parseUint(rec[1], "cpu_milli"); err != nil {
		return n, err
	}
	if n.MemoryBytes, err = parseMiB(rec[2], "memory_mib"); err != nil {
		return n, err
	}
	g, err := parseUint(rec[3], "gpu")
	if err != nil {
		return n, err
	}
	n.GPUs, n.GPUModel = int(min(g, 1<<20)), rec[4]
	return n, nil
}

// openbTask reads one row of the openb pod list.
func openbTask(rec []string) (Task, error) {
	var t Task
	r := &t.Job.Requirements
	t.Job.ID, t.Job.User, r.GPUModel = iog.JobID(rec[0]), rec[6], rec[5]
	var err error
	if r.CPUMilli, err = parseUint(rec[1], "cpu_milli"); err != nil {
		return t, err
	}
	if r.MemoryBytes, err = parseMiB(rec[2], "memory_mib"); err != nil {
		return t, err
	}
	count, err := parseUint(rec[3], "num_gpu")
	if err != nil {
		return t, err
	}
	share, err := parseUint(rec[4], "gpu_milli")
	if err != nil {
		return t, err
	}
	r.GPUCount = int(min(count, 1<<20))
	if count > 0 && share > 0 && share < uint64(iog.FullGPU) {
		r.GPUShare = iog.GPUShare(share)
	}
	if count == 0 {
		r.GPUModel = ""
	}
	created, err := parseSeconds(rec[8], "creation_time")
	if err != nil {
		return t, err
	}
	deleted, err := parseSeconds(rec[9], "deletion_time")
	if err != nil {
		return t, err
	}
	start := created
	if rec[10] != "" {
		if start, err = parseSeconds(rec[10], "scheduled_time"); err != nil {
			return t, err
		}
	}
	t.Arrival, t.Duration = created, max(deleted-start, time.Second)
	return t, nil
}

// readWorkloadCSV reads a node file and a task file, each a CSV file with
// its header, row by row, up to maxNodes and maxTasks, and validates the
// workload.
func readWorkloadCSV(nodes, tasks io.Reader, what string, nodeHeader, taskHeader []string,
	node func([]string) (scheduler.Node, error), task func([]string) (Task, error)) (Workload, error) {
	var w Workload
	err := readCSV(nodes, what+" nodes", nodeHeader, func(rec []string) error {
		n, err := node(rec)
		if err != nil {
			return err
		}
		if len(w.Nodes) >= maxNodes {
			return fmt.Errorf("more than %d nodes", maxNodes)
		}
		w.Nodes = append(w.Nodes, n)
		return nil
	})
	if err != nil {
		return Workload{}, err
	}
	err = readCSV(tasks, what+" tasks", taskHeader, func(rec []string) error {
		t, err := task(rec)
		if err != nil {
			return err
		}
		if len(w.Tasks) >= maxTasks {
			return fmt.Errorf("more than %d tasks", maxTasks)
		}
		w.Tasks = append(w.Tasks, t)
		return nil
	})
	if err != nil {
		return Workload{}, err
	}
	if err := w.validate(); err != nil {
		return Workload{}, fmt.Errorf("%s: %w", what, err)
	}
	return w, nil
}

// readCSV reads a CSV file with the given header, calling row for each
// record; errors name the line.
func readCSV(r io.Reader, what string, header []string, row func(rec []string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	cr.ReuseRecord = true
	got, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %v: %w", what, err, iog.ErrInvalid)
	}
	if !slices.Equal(got, header) {
		return fmt.Errorf("%s: header %q; want %q: %w", what, got, header, iog.ErrInvalid)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return fmt.Errorf("%s: %v: %w", what, err, iog.ErrInvalid)
		}
		if err := row(rec); err != nil {
			if errors.Is(err, iog.ErrInvalid) {
				return fmt.Errorf("%s: line %d: %w", what, line, err)
			}
			return fmt.Errorf("%s: line %d: %v: %w", what, line, err, iog.ErrInvalid)
		}
	}
}

func parseUint(s, field string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a whole number", field, errtext.Clip(s))
	}
	return v, nil
}

// parseSeconds parses a whole number of seconds, at most about 290 years.
func parseSeconds(s, field string) (time.Duration, error) {
	v, err := parseUint(s, field)
	if err != nil {
		return 0, err
	}
	if v > maxSeconds {
		return 0, fmt.Errorf("%s %d seconds is too long", field, v)
	}
	return time.Duration(v) * time.Second, nil
}

// parseMiB parses a whole number of MiB and returns it in bytes.
func parseMiB(s, field string) (uint64, error) {
	v, err := parseUint(s, field)
	if err != nil {
		return 0, err
	}
	return mulMiB(v)
}

func mulMiB(v uint64) (uint64, error) {
	if v > (1<<64-1)/mib {
		return 0, fmt.Errorf("memory of %d MiB is too large", v)
	}
	return v * mib, nil
}
