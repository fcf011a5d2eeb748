package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	require.NoError(t, run("1.85", "US=0.90,SE=0.55", "US/Virginia,SE/Stockholm", "2026-11-22T14:00:00Z"))
	require.Error(t, run("x", "US=0.9", "US", "2026-11-22T14:00:00Z"))
	require.Error(t, run("1.85", "US=1.5", "US", "2026-11-22T14:00:00Z"))
	require.Error(t, run("1.85", "US", "US", "2026-11-22T14:00:00Z"))
	require.Error(t, run("1.85", "US=0.9", "QQ", "2026-11-22T14:00:00Z"))
	require.Error(t, run("1.85", "US=0.9", "US", "yesterday"))
}

// The example's output for its default flags, checked line by line: the
// prices, the fee lines and the saving against the (approximate, dated)
// cloud reference price. The saving for US/Virginia in IO is 11.06 USD ×
// 192 GPU-hours = 2123.52 USD less 270.54663352 IO × 1.85 USD = 500.51 USD.
func Example_run() {
	if err := run("1.85", "US=0.90,SE=0.55", "US/Virginia,SE/Stockholm", "2026-11-22T14:00:00Z"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 8×H100-SXM for 24 h, reserved, high bandwidth, quoted at 2026-11-22T14:00:00Z (IO at 1.85 USD)
	//
	// US/Virginia, paid in IO
	//   price         2.6003 USD per GPU-hour, 499.26 USD in all
	//     hardware: performance of the catalog model: 0.0000 → 1.9569 USD
	//     connectivity: bandwidth tier high → +10.00%: 1.9569 → 2.1526 USD
	//     demand: utilization 90.00% → +20.00%: 2.1526 → 2.5831 USD
	//     peak hours: local start hour 09:00 → +0.67%: 2.5831 → 2.6003 USD
	//   rental        269.87195364 IO
	//   renter reservation fee   0.67467988 IO (0.0025)
	//   supplier reservation fee 0.67467988 IO (0.0025)
	//   renter pays   270.54663352 IO
	//   supplier gets 269.19727376 IO
	//   Google Cloud on demand: 2123.52 USD (11.06 USD per GPU-hour, a3-highgpu-8g (8×H100), approximate list price as of 2025-01-15)
	//   saving        1623.01 USD: the renter pays 76.43% less, fees included
	//   per TFLOPS    48.83% cheaper (before fees) than the clouds' best deal on compute, AWS L40S g6e.xlarge (1×L40S) at 1.86 USD/GPU-hour
	//
	// US/Virginia, paid in USDC
	//   price         2.6003 USD per GPU-hour, 499.26 USD in all
	//     hardware: performance of the catalog model: 0.0000 → 1.9569 USD
	//     connectivity: bandwidth tier high → +10.00%: 1.9569 → 2.1526 USD
	//     demand: utilization 90.00% → +20.00%: 2.1526 → 2.5831 USD
	//     peak hours: local start hour 09:00 → +0.67%: 2.5831 → 2.6003 USD
	//   rental        499.263114 USDC
	//   renter reservation fee   1.248158 USDC (0.0025)
	//   renter currency fee      9.985262 USDC (0.02)
	//   supplier reservation fee 1.248158 USDC (0.0025)
	//   supplier currency fee    9.985262 USDC (0.02)
	//   renter pays   510.496534 USDC
	//   supplier gets 488.029694 USDC
	//   Google Cloud on demand: 2123.52 USD (11.06 USD per GPU-hour, a3-highgpu-8g (8×H100), approximate list price as of 2025-01-15)
	//   saving        1613.02 USD: the renter pays 75.96% less, fees included
	//   per TFLOPS    48.83% cheaper (before fees) than the clouds' best deal on compute, AWS L40S g6e.xlarge (1×L40S) at 1.86 USD/GPU-hour
	//
	// SE/Stockholm, paid in IO
	//   price         1.7498 USD per GPU-hour, 335.96 USD in all
	//     hardware: performance of the catalog model: 0.0000 → 1.9569 USD
	//     connectivity: bandwidth tier high → +10.00%: 1.9569 → 2.1526 USD
	//     location: SE → -5.00%: 2.1526 → 2.0450 USD
	//     demand: utilization 55.00% → -15.00%: 2.0450 → 1.7382 USD
	//     peak hours: local start hour 15:00 → +0.67%: 1.7382 → 1.7498 USD
	//   rental        181.60133501 IO
	//   renter reservation fee   0.45400334 IO (0.0025)
	//   supplier reservation fee 0.45400334 IO (0.0025)
	//   renter pays   182.05533835 IO
	//   supplier gets 181.14733167 IO
	//   Google Cloud on demand: 2123.52 USD (11.06 USD per GPU-hour, a3-highgpu-8g (8×H100), approximate list price as of 2025-01-15)
	//   saving        1786.72 USD: the renter pays 84.14% less, fees included
	//   per TFLOPS    65.57% cheaper (before fees) than the clouds' best deal on compute, AWS L40S g6e.xlarge (1×L40S) at 1.86 USD/GPU-hour
	//
	// SE/Stockholm, paid in USDC
	//   price         1.7498 USD per GPU-hour, 335.96 USD in all
	//     hardware: performance of the catalog model: 0.0000 → 1.9569 USD
	//     connectivity: bandwidth tier high → +10.00%: 1.9569 → 2.1526 USD
	//     location: SE → -5.00%: 2.1526 → 2.0450 USD
	//     demand: utilization 55.00% → -15.00%: 2.0450 → 1.7382 USD
	//     peak hours: local start hour 15:00 → +0.67%: 1.7382 → 1.7498 USD
	//   rental        335.96247 USDC
	//   renter reservation fee   0.839906 USDC (0.0025)
	//   renter currency fee      6.719249 USDC (0.02)
	//   supplier reservation fee 0.839906 USDC (0.0025)
	//   supplier currency fee    6.719249 USDC (0.02)
	//   renter pays   343.521625 USDC
	//   supplier gets 328.403315 USDC
	//   Google Cloud on demand: 2123.52 USD (11.06 USD per GPU-hour, a3-highgpu-8g (8×H100), approximate list price as of 2025-01-15)
	//   saving        1780.00 USD: the renter pays 83.82% less, fees included
	//   per TFLOPS    65.57% cheaper (before fees) than the clouds' best deal on compute, AWS L40S g6e.xlarge (1×L40S) at 1.86 USD/GPU-hour
}
