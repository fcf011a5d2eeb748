package sim

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
	"github.com/internetofgpus/iog/scheduler"
)

// The iog workload format, for anyone's trace, in CSV or JSON.
//
// CSV is two files. Nodes, one device a row:
//
//	id,gpu_model,gpus,cpu_milli,memory_mib,bandwidth,location
//	dev-1,A100-80GB,8,64000,524288,high,US/California/San Jose@37.34,-121.89
//
// bandwidth is a tier name (unrated, low, medium, high, ultra; empty is unrated)
// and location the text form of iog.ParseLocation (empty is unknown).
// Tasks, one job a row:
//
//	id,user,arrival_s,duration_s,gpus,gpu_share,gpu_model,cpu_milli,memory_mib,priority,gang,placement,max_rtt_ms
//	job-1,alice,0,3600,1,0.46,A100|H100,4000,16384,0,false,any,0
//
// arrival_s is seconds from the start of the trace, duration_s how long
// the task runs once placed (0: until the end). gpu_share is a fraction
// of a GPU (empty is a whole GPU); gpu_model may list alternatives with
// '|'. For a gang (gang true) gpus are whole GPUs spread over devices and
// cpu_milli and memory_mib are per GPU; placement is any, co-located or
// geo-distributed, and max_rtt_ms bounds the round trip between its
// devices (0: none).
//
// JSON is one object {"nodes": [...], "tasks": [...]} whose members have
// the CSV's column names as keys, numbers as numbers and gang as a
// boolean.

var (
	nodeHeader = []string{"id", "gpu_model", "gpus", "cpu_milli", "memory_mib", "bandwidth", "location"}
	taskHeader = []string{"id", "user", "arrival_s", "duration_s", "gpus", "gpu_share", "gpu_model", "cpu_milli", "memory_mib", "priority", "gang", "placement", "max_rtt_ms"}
	// Every column of the iog CSV format is required.
	nodeSchema = csvSchema{columns: nodeHeader, required: len(nodeHeader)}
	taskSchema = csvSchema{columns: taskHeader, required: len(taskHeader)}
)

// nodeRecord is a node in the iog format.
type nodeRecord struct {
	ID        string `json:"id"`
	GPUModel  string `json:"gpu_model,omitempty"`
	GPUs      int    `json:"gpus"`
	CPUMilli  uint64 `json:"cpu_milli"`
	MemoryMiB uint64 `json:"memory_mib"`
	Bandwidth string `json:"bandwidth,omitempty"`
	Location  string `json:"location,omitempty"`
}

// taskRecord is a task in the iog format.
type taskRecord struct {
	ID        string `json:"id"`
	User      string `json:"user,omitempty"`
	ArrivalS  uint64 `json:"arrival_s"`
	DurationS uint64 `json:"duration_s"`
	GPUs      int    `json:"gpus"`
	GPUShare  string `json:"gpu_share,omitempty"`
	GPUModel  string `json:"gpu_model,omitempty"`
	CPUMilli  uint64 `json:"cpu_milli"`
	MemoryMiB uint64 `json:"memory_mib"`
	Priority  int32  `json:"priority,omitempty"`
	Gang      bool   `json:"gang,omitempty"`
	Placement string `json:"placement,omitempty"`
	MaxRTTMs  uint64 `json:"max_rtt_ms,omitempty"`
}

func (r nodeRecord) node() (scheduler.Node, error) {
	n := scheduler.Node{ID: iog.DeviceID(r.ID), GPUModel: r.GPUModel, GPUs: r.GPUs, CPUMilli: r.CPUMilli}
	var err error
	if n.MemoryBytes, err = mulMiB(r.MemoryMiB); err != nil {
		return n, err
	}
	if r.Bandwidth != "" {
		if n.Bandwidth, err = iog.ParseBandwidthTier(r.Bandwidth); err != nil {
			return n, err
		}
	}
	if r.Location != "" {
		if n.Location, err = iog.ParseLocation(r.Location); err != nil {
			return n, err
		}
	}
	return n, n.Validate()
}

func recordOfNode(n scheduler.Node) nodeRecord {
	return nodeRecord{ID: string(n.ID), GPUModel: n.GPUModel, GPUs: n.GPUs, CPUMilli: n.CPUMilli,
		MemoryMiB: n.MemoryBytes / mib, Bandwidth: n.Bandwidth.String(), Location: n.Location.String()}
}

// maxSeconds bounds times, so that they fit a time.Duration.
const maxSeconds = uint64(1<<62) / uint64(time.Second)

func (r taskRecord) task() (Task, error) {
	var t Task
	req := &t.Job.Requirements
	t.Job.ID, t.Job.User, t.Job.Gang = iog.JobID(r.ID), r.User, r.Gang
	if r.ArrivalS > maxSeconds || r.DurationS > maxSeconds || r.MaxRTTMs > maxSeconds {
		return t, fmt.Errorf("task %s: a time is too large: %w", r.ID, iog.ErrInvalid)
	}
	t.Arrival, t.Duration = time.Duration(r.ArrivalS)*time.Second, time.Duration(r.DurationS)*time.Second
	req.GPUCount, req.GPUModel, req.CPUMilli, req.Priority = r.GPUs, r.GPUModel, r.CPUMilli, r.Priority
	req.MaxRTT = time.Duration(r.MaxRTTMs) * time.Millisecond
	var err error
	if req.MemoryBytes, err = mulMiB(r.MemoryMiB); err != nil {
		return t, err
	}
	if r.GPUShare != "" {
		if req.GPUShare, err = iog.ParseGPUShare(r.GPUShare); err != nil {
			return t, err
		}
		if req.GPUShare == iog.FullGPU {
			req.GPUShare = 0
		}
	}
	if r.Placement != "" {
		if req.Placement, err = iog.ParsePlacement(r.Placement); err != nil {
			return t, fmt.Errorf("task %s: %w", r.ID, err)
		}
	}
	return t, t.Job.Validate()
}

func recordOfTask(t Task) taskRecord {
	r := t.Job.Requirements
	rec := taskRecord{ID: string(t.Job.ID), User: t.Job.User, ArrivalS: uint64(t.Arrival / time.Second), DurationS: uint64(t.Duration / time.Second),
		GPUs: r.GPUCount, GPUModel: r.GPUModel, CPUMilli: r.CPUMilli, MemoryMiB: r.MemoryBytes / mib, Priority: r.Priority,
		Gang: t.Job.Gang, Placement: r.Placement.String(), MaxRTTMs: uint64(r.MaxRTT / time.Millisecond)}
	if r.GPUShare != 0 && r.GPUShare != iog.FullGPU {
		rec.GPUShare = r.GPUShare.String()
	}
	return rec
}

// ReadCSV reads a workload in the iog CSV format from its nodes and tasks
// files. Problems are iog.ErrInvalid, naming the line.
func ReadCSV(nodes, tasks io.Reader) (Workload, error) {
	return readWorkloadCSV(nodes, tasks, "iog CSV", nodeSchema, taskSchema, csvNode, csvTask)
}

// csvNode reads one row of an iog CSV node file.
func csvNode(f []string) (scheduler.Node, error) {
	gpus, err := strconv.Atoi(f[2])
	if err != nil {
		return scheduler.Node{}, fmt.Errorf("gpus %q is not a whole number", errtext.Clip(f[2]))
	}
	rec := nodeRecord{ID: f[0], GPUModel: f[1], GPUs: gpus, Bandwidth: f[5], Location: f[6]}
	if rec.CPUMilli, err = parseUint(f[3], "cpu_milli"); err != nil {
		return scheduler.Node{}, err
	}
	if rec.MemoryMiB, err = parseUint(f[4], "memory_mib"); err != nil {
		return scheduler.Node{}, err
	}
	return rec.node()
}

// csvTask reads one row of an iog CSV task file.
func csvTask(f []string) (Task, error) {
	rec := taskRecord{ID: f[0], User: f[1], GPUShare: f[5], GPUModel: f[6], Placement: f[11]}
	var err error
	nums := []struct {
		dst   *uint64
		field int
	}{{&rec.ArrivalS, 2}, {&rec.DurationS, 3}, {&rec.CPUMilli, 7}, {&rec.MemoryMiB, 8}, {&rec.MaxRTTMs, 12}}
	for _, n := range nums {
		if *n.dst, err = parseUint(f[n.field], taskHeader[n.field]); err != nil {
			return Task{}, err
		}
	}
	if rec.GPUs, err = strconv.Atoi(f[4]); err != nil {
		return Task{}, fmt.Errorf("gpus %q is not a whole number", errtext.Clip(f[4]))
	}
	p, err := strconv.ParseInt(f[9], 10, 32)
	if err != nil {
		return Task{}, fmt.Errorf("priority %q is not a whole number", errtext.Clip(f[9]))
	}
	rec.Priority = int32(p)
	if rec.Gang, err = strconv.ParseBool(f[10]); err != nil {
		return Task{}, fmt.Errorf("gang %q: want true or false", errtext.Clip(f[10]))
	}
	return rec.task()
}

// WriteCSV writes w in the iog CSV format.
func WriteCSV(nodes, tasks io.Writer, w Workload) error {
	nw := csv.NewWriter(nodes)
	if err := nw.Write(nodeHeader); err != nil {
		return fmt.Errorf("write nodes: %w", err)
	}
	for _, n := range w.Nodes {
		r := recordOfNode(n)
		_ = nw.Write([]string{r.ID, r.GPUModel, strconv.Itoa(r.GPUs), fmt.Sprint(r.CPUMilli), fmt.Sprint(r.MemoryMiB), r.Bandwidth, r.Location})
	}
	nw.Flush()
	if err := nw.Error(); err != nil {
		return fmt.Errorf("write nodes: %w", err)
	}
	tw := csv.NewWriter(tasks)
	_ = tw.Write(taskHeader)
	for _, t := range w.Tasks {
		r := recordOfTask(t)
		_ = tw.Write([]string{r.ID, r.User, fmt.Sprint(r.ArrivalS), fmt.Sprint(r.DurationS), strconv.Itoa(r.GPUs), r.GPUShare, r.GPUModel,
			fmt.Sprint(r.CPUMilli), fmt.Sprint(r.MemoryMiB), fmt.Sprint(r.Priority), strconv.FormatBool(r.Gang), r.Placement, fmt.Sprint(r.MaxRTTMs)})
	}
	tw.Flush()
	if err := tw.Error(); err != nil {
		return fmt.Errorf("write tasks: %w", err)
	}
	return nil
}

// jsonWorkload is the JSON form of a workload.
type jsonWorkload struct {
	Nodes []nodeRecord `json:"nodes"`
	Tasks []taskRecord `json:"tasks"`
}

// ReadJSON reads a workload in the iog JSON format. Problems are
// iog.ErrInvalid.
func ReadJSON(r io.Reader) (Workload, error) {
	var jw jsonWorkload
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jw); err != nil {
		return Workload{}, fmt.Errorf("workload JSON: %v: %w", err, iog.ErrInvalid)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Workload{}, fmt.Errorf("workload JSON: data after the workload object: %w", iog.ErrInvalid)
	}
	if len(jw.Nodes) > maxNodes || len(jw.Tasks) > maxTasks {
		return Workload{}, fmt.Errorf("workload JSON: more than %d nodes or %d tasks: %w", maxNodes, maxTasks, iog.ErrInvalid)
	}
	var w Workload
	for i, rec := range jw.Nodes {
		n, err := rec.node()
		if err != nil {
			return Workload{}, fmt.Errorf("workload JSON: node %d: %w", i+1, asInvalid(err))
		}
		w.Nodes = append(w.Nodes, n)
	}
	for i, rec := range jw.Tasks {
		t, err := rec.task()
		if err != nil {
			return Workload{}, fmt.Errorf("workload JSON: task %d: %w", i+1, asInvalid(err))
		}
		w.Tasks = append(w.Tasks, t)
	}
	if err := w.validate(); err != nil {
		return Workload{}, fmt.Errorf("workload JSON: %w", err)
	}
	return w, nil
}

// WriteJSON writes w in the iog JSON format.
func WriteJSON(out io.Writer, w Workload) error {
	jw := jsonWorkload{Nodes: make([]nodeRecord, 0, len(w.Nodes)), Tasks: make([]taskRecord, 0, len(w.Tasks))}
	for _, n := range w.Nodes {
		jw.Nodes = append(jw.Nodes, recordOfNode(n))
	}
	for _, t := range w.Tasks {
		jw.Tasks = append(jw.Tasks, recordOfTask(t))
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jw); err != nil {
		return fmt.Errorf("write workload JSON: %w", err)
	}
	return nil
}

// asInvalid makes sure err matches iog.ErrInvalid.
func asInvalid(err error) error {
	if errors.Is(err, iog.ErrInvalid) {
		return err
	}
	return fmt.Errorf("%v: %w", err, iog.ErrInvalid)
}
