package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/tunnel"
)

// forward is a local listener forwarding to a port of a cluster's device
// through the relay.
type forward struct {
	tc     *tunnel.Client
	ln     net.Listener
	device iog.DeviceID
	port   uint16
}

// forwardOut is what port-forward tells with --json.
type forwardOut struct {
	Local  string       `json:"local"`
	Device iog.DeviceID `json:"device"`
	Port   uint16       `json:"port"`
}

// openForward finds the cluster's device (device, or its first), dials the
// relay with the wallet's key, and listens on listen.
func (a *app) openForward(ctx context.Context, cluster, device, listen string, port uint16) (*forward, error) {
	id, err := parseCluster(cluster)
	if err != nil {
		return nil, err
	}
	key, err := a.wallet()
	if err != nil {
		return nil, err
	}
	c, err := a.client(true)
	if err != nil {
		return nil, err
	}
	cl, err := c.Cluster(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", id, err)
	}
	if len(cl.Devices) == 0 {
		return nil, fmt.Errorf("cluster %s is %s, on no device yet: wait with `iog cluster watch %s --until running`: %w", id, describe(cl), id, iog.ErrConflict)
	}
	dev := cl.Devices[0].Device
	if device != "" {
		dev = iog.DeviceID(device)
		if !slices.ContainsFunc(cl.Devices, func(d api.ClusterDevice) bool { return d.Device == dev }) {
			return nil, fmt.Errorf("device %s is not one of cluster %s's (`iog cluster show %s` lists them): %w", dev, id, id, iog.ErrNotFound)
		}
	}
	relay, err := c.Relay(ctx)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	pin, err := tunnel.ParsePin(relay.Pin)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	tc, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: relay.Addr, RelayPin: pin, Key: key, ConnConfig: tunnel.ConnConfig{Logger: a.logger()}})
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		tc.Close()
		return nil, usageError{fmt.Errorf("listen on %s: %w", listen, err)}
	}
	return &forward{tc: tc, ln: ln, device: dev, port: port}, nil
}

// serve forwards until ctx ends, then closes the forward.
func (f *forward) serve(ctx context.Context) error {
	defer f.tc.Close()
	err := f.tc.Forward(ctx, f.ln, f.device, f.port)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (a *app) portForwardCmd() *cobra.Command {
	var device, address string
	c := &cobra.Command{
		Use:   "port-forward CLUSTER [LOCAL:]REMOTE",
		Short: "Forward a local port to a port of a cluster's device, through the relay",
		Long: `port-forward listens on a local port and forwards each connection to a
port of one of the cluster's devices (the first, or --device), through the
network's relay, which lets only the cluster's renter through. LOCAL 0, or
none, picks a free port. It runs until interrupted.`,
		Example: `  iog port-forward c-0123 8265            # the Ray dashboard on localhost:8265
  iog port-forward c-0123 0:8888 --device d-0456
  iog port-forward c-0123 8888 --json      # {"local": "127.0.0.1:...", ...}`,
		Args: args(2, 2),
		RunE: func(cmd *cobra.Command, argv []string) error {
			local, remote, err := parsePorts(argv[1])
			if err != nil {
				return err
			}
			f, err := a.openForward(cmd.Context(), argv[0], device, net.JoinHostPort(address, strconv.Itoa(int(local))), remote)
			if err != nil {
				return err
			}
			out := forwardOut{Local: f.ln.Addr().String(), Device: f.device, Port: f.port}
			if err := a.show(out, func(w io.Writer, _ bool) error {
				_, err := fmt.Fprintf(w, "forwarding %s to port %d of %s; Ctrl-C stops\n", out.Local, out.Port, out.Device)
				return err
			}); err != nil {
				return err
			}
			return f.serve(cmd.Context())
		},
	}
	c.Flags().StringVar(&device, "device", "", "the cluster's device to reach (default its first)")
	c.Flags().StringVar(&address, "address", "127.0.0.1", "the local address to listen on")
	return c
}

// parsePorts reads [LOCAL:]REMOTE; LOCAL defaults to REMOTE.
func parsePorts(s string) (local, remote uint16, err error) {
	l, r, ok := strings.Cut(s, ":")
	if !ok {
		l, r = s, s
	}
	lp, err1 := strconv.ParseUint(l, 10, 16)
	rp, err2 := strconv.ParseUint(r, 10, 16)
	if err1 != nil || err2 != nil || rp == 0 {
		return 0, 0, usageError{fmt.Errorf("ports %q: want [LOCAL:]REMOTE, such as 8265 or 0:8888", s)}
	}
	return uint16(lp), uint16(rp), nil
}

func (a *app) sshCmd() *cobra.Command {
	var device, user, program string
	var port uint16
	c := &cobra.Command{
		Use:   "ssh CLUSTER [-- SSH-ARGS...]",
		Short: "Open an SSH session on a cluster's device, through the relay",
		Long: `ssh forwards a free local port to the SSH port of one of the cluster's
devices (the first, or --device) through the relay, and runs ssh on it;
what follows -- goes to ssh (a command to run, say). The device's host key
is remembered under its device ID. iog exits with ssh's status.`,
		Example: `  iog ssh c-0123
  iog ssh c-0123 --device d-0456 --user ray -- nvidia-smi`,
		Args: args(1, -1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			ctx, stop := context.WithCancel(cmd.Context())
			defer stop()
			f, err := a.openForward(ctx, argv[0], device, "127.0.0.1:0", port)
			if err != nil {
				return err
			}
			served := make(chan error, 1)
			go func() { served <- f.serve(ctx) }()
			_, localPort, _ := net.SplitHostPort(f.ln.Addr().String())
			sshArgs := append([]string{"-p", localPort, "-o", "HostKeyAlias=" + string(f.device), user + "@127.0.0.1"}, argv[1:]...)
			ssh := exec.CommandContext(ctx, program, sshArgs...)
			ssh.Stdin, ssh.Stdout, ssh.Stderr = a.stdin, a.stdout, a.stderr
			err = ssh.Run()
			stop()
			<-served
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return sshExit{exit.ExitCode()}
			}
			if err != nil {
				return fmt.Errorf("ssh: %w", err)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&device, "device", "", "the cluster's device to reach (default its first)")
	f.StringVar(&user, "user", "root", "the user to log in as")
	f.Uint16Var(&port, "port", 22, "the device's SSH port")
	f.StringVar(&program, "ssh", "ssh", "the ssh program to run")
	return c
}

// sshExit is ssh's own exit status, which iog exits with.
type sshExit struct{ code int }

func (e sshExit) Error() string { return fmt.Sprintf("ssh exited with status %d", e.code) }
