package iogsdk

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// Server is the server's base URL, such as "http://127.0.0.1:8420".
	// Required.
	Server string
	// Key is the wallet key that signs requests (a Solana keypair; see
	// iog.ParseSolanaKeypair). Nil, with no APIKey, allows public calls
	// only.
	Key ed25519.PrivateKey
	// APIKey, instead of Key, authenticates with a key the wallet minted;
	// it reaches only the routes of its scopes.
	APIKey string
	// HTTPClient sends the requests. Nil means one with a 30-second
	// timeout per attempt.
	HTTPClient *http.Client
	// RetryMax is how many times a request is retried after a connection
	// error, a 429 or a 5xx; never after another 4xx. Zero means 4; a
	// negative value, none.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// retries (a 429's or 503's Retry-After is honoured). Zero means 100 ms
	// and 5 s.
	RetryWaitMin, RetryWaitMax time.Duration
	// Clock stamps signatures. Nil means iog.SystemClock.
	Clock iog.Clock
	// Random makes nonces and idempotency keys. Nil means crypto/rand.
	Random io.Reader
	// Logger receives the retries. Nil means slog.Default().
	Logger *slog.Logger
}

// Client is a client of the server's v1 API. It is safe for concurrent
// use. Create one with NewClient.
type Client struct {
	cfg    ClientConfig
	base   *url.URL
	wallet iog.WalletAddress
	http   *retryablehttp.Client
	mu     sync.Mutex // guards reads of cfg.Random
}

// bodyKey carries a request's body in its context, so that PrepareRetry
// can sign a retry anew.
type bodyKey struct{}

// NewClient returns a client of the server cfg names.
func NewClient(cfg ClientConfig) (*Client, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.Server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("client: server %q is not an http or https URL: %w", cfg.Server, iog.ErrInvalid)
	}
	if cfg.Key != nil && len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("client: the wallet key is not an ed25519 key: %w", iog.ErrInvalid)
	}
	if cfg.Key != nil && cfg.APIKey != "" {
		return nil, fmt.Errorf("client: a wallet key or an API key, not both: %w", iog.ErrInvalid)
	}
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	switch {
	case cfg.RetryMax == 0:
		cfg.RetryMax = 4
	case cfg.RetryMax < 0:
		cfg.RetryMax = 0
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = 100 * time.Millisecond
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 5 * time.Second
	}
	c := &Client{cfg: cfg, base: base}
	if cfg.Key != nil {
		c.wallet, _ = iog.WalletAddressOf(cfg.Key.Public().(ed25519.PublicKey))
	}
	c.http = &retryablehttp.Client{
		HTTPClient:   cfg.HTTPClient,
		Logger:       retryLogger{cfg.Logger},
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.RetryMax,
		CheckRetry:   retryablehttp.DefaultRetryPolicy,
		Backoff:      retryablehttp.DefaultBackoff,
		// The last response is decoded into an api.Error, not dropped.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		PrepareRetry: c.sign,
	}
	return c, nil
}

// Wallet returns the address of the client's wallet key, zero without one.
func (c *Client) Wallet() iog.WalletAddress { return c.wallet }

// token returns n random bytes in URL-safe base64.
func (c *Client) token(n int) (string, error) {
	b := make([]byte, n)
	c.mu.Lock()
	_, err := io.ReadFull(c.cfg.Random, b)
	c.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("client: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sign signs a request (each attempt anew, with a fresh nonce: the server
// may have consumed the last one) or sets its API key.
func (c *Client) sign(r *http.Request) error {
	switch {
	case c.cfg.APIKey != "":
		r.Header.Set(api.APIKeyHeader, c.cfg.APIKey)
		return nil
	case c.cfg.Key == nil:
		return nil
	}
	nonce, err := c.token(18)
	if err != nil {
		return err
	}
	body, _ := r.Context().Value(bodyKey{}).([]byte)
	return api.Sign(r, body, c.cfg.Key, c.cfg.Clock.Now(), nonce)
}

// do sends one call: in, when not nil, as its JSON body; the answer
// decoded into out. A POST, PUT or DELETE carries an idempotency key that
// stays the same across its retries.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.doWith(ctx, method, path, nil, in, out)
}

// doWith is do with headers of the call's own (a session's CSRF token).
func (c *Client) doWith(ctx context.Context, method, path string, header http.Header, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
	}
	u := c.base.JoinPath(path)
	if i := strings.IndexByte(path, '?'); i >= 0 {
		u = c.base.JoinPath(path[:i])
		u.RawQuery = path[i+1:]
	}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, bodyKey{}, body), method, u.String(), body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range header {
		req.Header[http.CanonicalHeaderKey(k)] = v
	}
	if method != http.MethodGet {
		key, err := c.token(18)
		if err != nil {
			return err
		}
		req.Header.Set(api.IdempotencyHeader, key)
	}
	if err := c.sign(req.Request); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		}
		return fmt.Errorf("%s %s: the server at %s does not answer (%v): %w", method, path, c.base.Host, err, iog.ErrUnavailable)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("%s %s: read response: %v: %w", method, path, err, iog.ErrUnavailable)
	}
	if resp.StatusCode >= 300 {
		return decodeError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: the server's answer does not decode: %v: %w", method, path, err, iog.ErrUnavailable)
	}
	return nil
}

// maxResponse bounds a response body the client reads.
const maxResponse = 64 << 20

// decodeError returns the api.Error of an error response, or one made of
// its status when the body is not one.
func decodeError(status int, data []byte) error {
	var body api.ErrorBody
	if err := json.Unmarshal(data, &body); err != nil || body.Error.Kind == "" {
		kind := api.KindInternal
		switch {
		case status == http.StatusTooManyRequests:
			kind = api.KindRateLimited
		case status >= 500:
			kind = api.KindUnavailable
		case status == http.StatusNotFound:
			kind = api.KindNotFound
		case status >= 400:
			kind = api.KindInvalid
		}
		return &api.Error{Status: status, Kind: kind, Message: strings.TrimSpace(string(data[:min(len(data), 200)]))}
	}
	body.Error.Status = status
	return &body.Error
}

// ErrorKind returns the API error kind of err, or "" when err did not
// come from the server.
func ErrorKind(err error) api.Kind {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}
