package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func (a *app) configCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Show or change the settings: the server and the wallet's keypair file",
		Long: `config reads and writes the configuration file (--config, IOG_CLI_CONFIG, by
default $XDG_CONFIG_HOME/iog/config.yml). A setting is taken from its
flag, then its environment variable, then the file, then the default:

  server   --server    IOG_SERVER    default ` + defaultServer + `
  keypair  --keypair   IOG_KEYPAIR   default $XDG_CONFIG_HOME/iog/id.json`,
		Example: `  iog config get
  iog config set server http://127.0.0.1:8420
  iog config set keypair ~/.config/solana/id.json`,
	}
	c.AddCommand(a.configGetCmd(), a.configSetCmd())
	return c
}

func (a *app) configGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get [KEY]",
		Short: "Show the settings in effect and where each comes from",
		Example: `  iog config get
  iog config get server`,
		Args:      args(0, 1),
		ValidArgs: configKeys,
		RunE: func(_ *cobra.Command, argv []string) error {
			values := map[string]string{"server": a.set.Server, "keypair": a.set.Keypair}
			if len(argv) == 1 {
				if !isConfigKey(argv[0]) {
					return usageError{fmt.Errorf("unknown key %q: want one of %v", argv[0], configKeys)}
				}
				return a.show(map[string]string{argv[0]: values[argv[0]]}, func(w io.Writer, _ bool) error {
					_, err := fmt.Fprintln(w, values[argv[0]])
					return err
				})
			}
			return a.show(a.set, func(w io.Writer, color bool) error {
				t := newTable("KEY", "VALUE", "FROM")
				for _, k := range configKeys {
					t.row(k, values[k], a.set.From[k])
				}
				t.row("config file", a.set.ConfigFile, a.set.From["config_file"])
				return t.write(w, color)
			})
		},
	}
}

func (a *app) configSetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Write a setting to the configuration file",
		Example: `  iog config set server http://127.0.0.1:8420
  iog config set keypair ~/.config/solana/id.json`,
		Args:      args(2, 2),
		ValidArgs: configKeys,
		RunE: func(_ *cobra.Command, argv []string) error {
			file, err := loadConfig(a.set.ConfigFile)
			if err != nil {
				return err
			}
			f, err := file.field(argv[0])
			if err != nil {
				return err
			}
			*f = argv[1]
			if err := saveConfig(a.set.ConfigFile, file); err != nil {
				return fmt.Errorf("config: %w", err)
			}
			return a.show(file, func(w io.Writer, _ bool) error {
				_, err := fmt.Fprintf(w, "%s = %s (in %s)\n", argv[0], argv[1], a.set.ConfigFile)
				return err
			})
		},
	}
}
