module github.com/internetofgpus/iog

go 1.26.0

require (
	github.com/NVIDIA/go-nvml v0.13.0-1
	github.com/hashicorp/yamux v0.1.2
	github.com/mr-tron/base58 v1.2.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	golang.org/x/sys v0.49.0
	golang.org/x/time v0.16.0
)

require (
	github.com/google/uuid v1.6.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
