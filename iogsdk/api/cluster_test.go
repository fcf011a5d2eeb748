package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

const deployJSON = `{"gpu_model": "H100-SXM", "gpu_count": 8, "hours": 24, "currency": "USDC", "name": "train",
	"workload": {"entrypoint": ["python3", "train.py"], "env": [{"name": "EPOCHS", "value": "3"}], "ports": [8265]}}`

// TestDeployRequestJSON: one body holds the pricing request and the
// cluster's own members; it round-trips, and a quote's body alone is a
// deploy without a workload.
func TestDeployRequestJSON(t *testing.T) {
	var d api.DeployRequest
	require.NoError(t, json.Unmarshal([]byte(deployJSON), &d))
	require.Equal(t, "H100-SXM", d.Request.GPUModel)
	require.Equal(t, 24, d.Request.Hours)
	require.Equal(t, "train", d.Name)
	require.Equal(t, []uint16{8265}, d.Workload.Ports)
	out, err := json.Marshal(d)
	require.NoError(t, err)
	var again api.DeployRequest
	require.NoError(t, json.Unmarshal(out, &again))
	require.Equal(t, d, again)

	var quote api.DeployRequest
	require.NoError(t, json.Unmarshal([]byte(`{"gpu_model": "A100", "gpu_count": 1, "hours": 2, "currency": "IO"}`), &quote))
	require.Equal(t, api.Workload{}, quote.Workload)
}

// TestDeployRequestRefused: bad bodies are iog.ErrInvalid and leave the
// value as it was.
func TestDeployRequestRefused(t *testing.T) {
	for name, body := range map[string]string{
		"unknown field":      `{"hours": 1, "currency": "IO", "gpu_model": "A100", "image": "x"}`,
		"name twice":         `{"hours": 1, "currency": "IO", "gpu_model": "A100", "name": "a", "name": "b"}`,
		"name in caps":       `{"hours": 1, "currency": "IO", "gpu_model": "A100", "Name": "a"}`,
		"control in name":    `{"hours": 1, "currency": "IO", "gpu_model": "A100", "name": "a\u0007"}`,
		"long name":          `{"hours": 1, "currency": "IO", "gpu_model": "A100", "name": "` + strings.Repeat("n", 65) + `"}`,
		"bad request":        `{"hours": 0, "currency": "IO", "gpu_model": "A100"}`,
		"empty program":      `{"hours": 1, "currency": "IO", "gpu_model": "A100", "workload": {"entrypoint": [""]}}`,
		"bad variable":       `{"hours": 1, "currency": "IO", "gpu_model": "A100", "workload": {"env": [{"name": "1X", "value": ""}]}}`,
		"variable twice":     `{"hours": 1, "currency": "IO", "gpu_model": "A100", "workload": {"env": [{"name": "X", "value": ""}, {"name": "X", "value": ""}]}}`,
		"port zero":          `{"hours": 1, "currency": "IO", "gpu_model": "A100", "workload": {"ports": [0]}}`,
		"port twice":         `{"hours": 1, "currency": "IO", "gpu_model": "A100", "workload": {"ports": [80, 80]}}`,
		"port out of range":  `{"hours": 1, "currency": "IO", "gpu_model": "A100", "workload": {"ports": [70000]}}`,
		"unknown in nested":  `{"hours": 1, "currency": "IO", "gpu_model": "A100", "workload": {"cmd": []}}`,
		"not an object":      `[1]`,
		"trailing data":      `{"hours": 1, "currency": "IO", "gpu_model": "A100"} {}`,
		"NUL in an argument": `{"hours": 1, "currency": "IO", "gpu_model": "A100", "workload": {"entrypoint": ["a\u0000"]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			d := api.DeployRequest{Name: "kept"}
			err := d.UnmarshalJSON([]byte(body))
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.Equal(t, api.DeployRequest{Name: "kept"}, d)
		})
	}
}

// FuzzDeployRequest: any body decodes or is refused as invalid, never
// panics; what decodes writes a body that decodes to the same value.
func FuzzDeployRequest(f *testing.F) {
	f.Add([]byte(deployJSON))
	f.Add([]byte(`{"gpu_class": "consumer", "gpu_count": 1, "hours": 1, "currency": "IOSD", "workload": {}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d api.DeployRequest
		if err := d.UnmarshalJSON(data); err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		out, err := json.Marshal(d)
		require.NoError(t, err)
		var again api.DeployRequest
		require.NoError(t, again.UnmarshalJSON(out), "%s", out)
		require.Equal(t, d, again)
	})
}
