module github.com/internetofgpus/iog

go 1.26

require (
	github.com/NVIDIA/go-nvml v0.13.0-1
	github.com/mr-tron/base58 v1.2.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/google/uuid v1.6.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
