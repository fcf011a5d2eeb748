package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
	"github.com/internetofgpus/iog/scheduler"
)

// The openb trace (Alibaba cluster-trace-gpu-v2023, as used by the FGD
// paper) comes as two CSV files; testdata/openb holds them with their
// attribution. The pod lists of the multi-GPU variants carry only the
// first five task columns.
var (
	openbNodeSchema = csvSchema{columns: []string{"sn", "cpu_milli", "memory_mib", "gpu", "model"}, required: 5}
	openbTaskSchema = csvSchema{columns: []string{"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec", "qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time"}, required: 5}
)

const mib = 1 << 20

// LoadOpenB reads the openb node list and pod list. Each pod becomes a
// task: num_gpu GPUs of gpu_milli thousandths each (a fractional share
// when below 1000), the optional gpu_spec as the GPU model ("V100M16|V100M32"
// allows either), its QoS class as the user, created at creation_time and
// running until deletion_time counted from when it was scheduled (from its
// creation if it never was).
//
// Columns are found by their header name, in any order. The node list
// needs all five of its columns; the pod list needs name, cpu_milli,
// memory_mib, num_gpu and gpu_milli, and a missing later column reads as
// empty in every row. Empty means: no gpu_spec, any GPU model; no qos, no
// user; no creation_time, created at the start of the trace; no
// deletion_time, running until the end of the replay; no scheduled_time,
// scheduled when created. pod_phase is not used. An unknown, repeated or
// missing required column, like any other problem, is iog.ErrInvalid,
// naming the file and the column or line.
func LoadOpenB(nodes, tasks io.Reader) (Workload, error) {
	return readWorkloadCSV(nodes, tasks, "openb", openbNodeSchema, openbTaskSchema, openbNode, openbTask)
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
	if t.Arrival, err = parseSecondsOr(rec[8], "creation_time", 0); err != nil {
		return t, err
	}
	start, err := parseSecondsOr(rec[10], "scheduled_time", t.Arrival)
	if err != nil {
		return t, err
	}
	if rec[9] != "" {
		deleted, err := parseSeconds(rec[9], "deletion_time")
		if err != nil {
			return t, err
		}
		t.Duration = max(deleted-start, time.Second)
	}
	return t, nil
}

// readWorkloadCSV reads a node file and a task file, each a CSV file with
// its header, row by row, up to maxNodes and maxTasks, and validates the
// workload.
func readWorkloadCSV(nodes, tasks io.Reader, what string, nodeSchema, taskSchema csvSchema,
	node func([]string) (scheduler.Node, error), task func([]string) (Task, error)) (Workload, error) {
	var w Workload
	err := readCSV(nodes, what+" nodes", nodeSchema, func(rec []string) error {
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
	err = readCSV(tasks, what+" tasks", taskSchema, func(rec []string) error {
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

// readCSV reads a CSV file whose header names the columns of schema,
// calling row for each record with its fields in the schema's order;
// errors name the line.
func readCSV(r io.Reader, what string, schema csvSchema, row func(rec []string) error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %v: %w", what, err, iog.ErrInvalid)
	}
	at, err := schema.positions(header)
	if err != nil {
		return fmt.Errorf("%s: header: %w", what, err)
	}
	cr.FieldsPerRecord = len(header)
	fields := make([]string, len(at))
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return fmt.Errorf("%s: %v: %w", what, err, iog.ErrInvalid)
		}
		for i, p := range at {
			fields[i] = ""
			if p >= 0 {
				fields[i] = rec[p]
			}
		}
		if err := row(fields); err != nil {
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

// parseSecondsOr is parseSeconds, or def for an empty field.
func parseSecondsOr(s, field string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	return parseSeconds(s, field)
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
