package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// workloadArg runs iogd as the demonstration's cluster workload: a small
// HTTP server on the port IOG_PORT names, answering who it is, until it
// is stopped. The demo's renters deploy it, and reach it through the
// relay.
const workloadArg = "-serve-workload"

func serveWorkload(ctx context.Context, getenv func(string) string, stderr io.Writer) int {
	port := getenv("IOG_PORT")
	if port == "" {
		fmt.Fprintln(stderr, "iogd "+workloadArg+": no IOG_PORT")
		return 2
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		fmt.Fprintln(stderr, "iogd "+workloadArg+":", err)
		return 1
	}
	greeting := fmt.Sprintf("hello from cluster %s", getenv("IOG_CLUSTER"))
	hs := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, greeting)
	})}
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "iogd "+workloadArg+":", err)
		return 1
	}
	return 0
}
