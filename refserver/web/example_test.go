package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"

	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/refserver/web"
)

// Example serves the web interface over a reference server's API, as
// refserver does by default, and reads the explorer's home page.
func Example() {
	dir, err := os.MkdirTemp("", "iog-web-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	logger := slog.New(slog.DiscardHandler)
	s, err := refserver.New(context.Background(), refserver.Config{DataDir: dir, NoWeb: true, Logger: logger})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	pages, err := web.New(web.Config{API: s.Handler(), Logger: logger})
	if err != nil {
		fmt.Println(err)
		return
	}
	hs := httptest.NewServer(pages)
	defer hs.Close()

	res, err := http.Get(hs.URL + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Header.Get("Content-Type"))
	if title := regexp.MustCompile(`<title>([^<]*)</title>`).FindSubmatch(body); title != nil {
		fmt.Printf("%s\n", title[1])
	}
	// Output:
	// 200 OK text/html; charset=utf-8
	// Explorer · iog
}
