package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionOut is what `iog version` tells.
type versionOut struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Go       string `json:"go"`
}

func buildVersion() versionOut {
	v := versionOut{Version: "(devel)"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Go = info.GoVersion
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			v.Revision = s.Value
		}
	}
	return v
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Show the version of iog",
		Example: `  iog version`,
		Args:    args(0, 0),
		RunE: func(*cobra.Command, []string) error {
			v := buildVersion()
			return a.show(v, func(w io.Writer, _ bool) error {
				rev := ""
				if v.Revision != "" {
					rev = " (" + v.Revision + ")"
				}
				_, err := fmt.Fprintf(w, "iog %s%s, %s\n", v.Version, rev, v.Go)
				return err
			})
		},
	}
}
