package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/internetofgpus/iog"
)

// defaultServer is the reference network iogd runs by default.
const defaultServer = "http://127.0.0.1:8420"

// fileConfig is the configuration file: what `iog config set` writes.
type fileConfig struct {
	Server  string `yaml:"server,omitempty"`
	Keypair string `yaml:"keypair,omitempty"`
}

// configKeys are the keys of the file, in the order `iog config get`
// lists them.
var configKeys = []string{"server", "keypair"}

func (c *fileConfig) field(key string) (*string, error) {
	switch key {
	case "server":
		return &c.Server, nil
	case "keypair":
		return &c.Keypair, nil
	}
	return nil, usageError{fmt.Errorf("unknown key %q: want one of %v", key, configKeys)}
}

// configDir is $XDG_CONFIG_HOME/iog, or ~/.config/iog.
func configDir(getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "iog")
	}
	return filepath.Join(getenv("HOME"), ".config", "iog")
}

// loadConfig reads the file at path; a missing file is an empty one.
func loadConfig(path string) (fileConfig, error) {
	var c fileConfig
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("config %s: %v: %w", path, err, iog.ErrInvalid)
	}
	return c, nil
}

// saveConfig writes c to path, atomically, creating its directory.
func saveConfig(path string, c fileConfig) error {
	data, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data, 0o600)
}

// writeFileAtomic writes data to a new file beside path and renames it
// over path, so that an interrupted write leaves the old file whole.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// settings are the resolved settings: flag, environment, file, default.
type settings struct {
	Server     string `json:"server"`
	Keypair    string `json:"keypair"`
	ConfigFile string `json:"config_file"`
	// From says where each came from: flag, env, file or default.
	From map[string]string `json:"from"`
}

// resolve resolves a setting from its flag's value (when given), its
// environment variable, the file's value and the default.
func resolve(flagValue string, flagSet bool, envValue, fileValue, def string) (string, string) {
	switch {
	case flagSet:
		return flagValue, "flag"
	case envValue != "":
		return envValue, "env"
	case fileValue != "":
		return fileValue, "file"
	}
	return def, "default"
}

func isConfigKey(k string) bool { return slices.Contains(configKeys, k) }
