package nvml

import (
	"fmt"
	"strconv"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// nvmlError is a failed NVML call, with the call's name and the device.
type nvmlError struct {
	device int // -1 for calls that are not about one device
	call   string
	ret    gonvml.Return
}

func (e *nvmlError) Error() string {
	where := "nvml"
	if e.device >= 0 {
		where = "nvml: GPU " + strconv.Itoa(e.device)
	}
	return fmt.Sprintf("%s: %s: %s", where, e.call, returnString(e.ret))
}

// Unwrap makes every NVML failure an iog.ErrUnavailable: the hardware could
// not be read now, and may be read later. A library or driver that is not
// there at all is gpu.ErrNotPresent too.
func (e *nvmlError) Unwrap() error {
	if e.call == "init" && (e.ret == gonvml.ERROR_LIBRARY_NOT_FOUND || e.ret == gonvml.ERROR_DRIVER_NOT_LOADED || e.ret == gonvml.ERROR_FUNCTION_NOT_FOUND) {
		return gpu.ErrNotPresent
	}
	return iog.ErrUnavailable
}

// returnString names an NVML return code without calling into the library,
// which may not be loaded.
func returnString(r gonvml.Return) string {
	switch r {
	case gonvml.ERROR_UNINITIALIZED:
		return "NVML is not initialized"
	case gonvml.ERROR_NOT_SUPPORTED:
		return "not supported by this GPU"
	case gonvml.ERROR_NO_PERMISSION:
		return "no permission"
	case gonvml.ERROR_NOT_FOUND:
		return "not found"
	case gonvml.ERROR_DRIVER_NOT_LOADED:
		return "the NVIDIA driver is not loaded"
	case gonvml.ERROR_LIBRARY_NOT_FOUND:
		return "the NVML library (libnvidia-ml.so.1) was not found; is an NVIDIA driver installed?"
	case gonvml.ERROR_FUNCTION_NOT_FOUND:
		return "the NVML library lacks this function"
	case gonvml.ERROR_GPU_IS_LOST:
		return "the GPU has fallen off the bus or is otherwise inaccessible"
	case gonvml.ERROR_TIMEOUT:
		return "timed out"
	case gonvml.ERROR_UNKNOWN:
		return "unknown error"
	}
	return "NVML error " + strconv.Itoa(int(r))
}

// absent reports whether r means that the GPU or driver simply does not
// offer a field, which leaves it unknown rather than failing the probe.
func absent(r gonvml.Return) bool {
	return r == gonvml.ERROR_NOT_SUPPORTED || r == gonvml.ERROR_FUNCTION_NOT_FOUND || r == gonvml.ERROR_NOT_FOUND
}

// guard calls f and turns a panic inside it into ERROR_FUNCTION_NOT_FOUND:
// a mock without the function, or a binding that cannot reach it, then
// reads as a missing field instead of crashing the worker.
func guard[T any](f func() (T, gonvml.Return)) (v T, r gonvml.Return) {
	defer func() {
		if recover() != nil {
			var zero T
			v, r = zero, gonvml.ERROR_FUNCTION_NOT_FOUND
		}
	}()
	return f()
}

// guardCall is guard for calls that return only a status.
func guardCall(f func() gonvml.Return) gonvml.Return {
	_, r := guard(func() (struct{}, gonvml.Return) { return struct{}{}, f() })
	return r
}
