package iogsdk

import (
	"context"
	"errors"
	"log/slog"
)

// retryLogger is what go-retryablehttp logs to: a failed attempt is a
// warning (the caller gets the final error anyway), and one that failed
// because its context ended, as every request in flight does at shutdown,
// is only a debug line.
type retryLogger struct{ l *slog.Logger }

func (r retryLogger) Error(msg string, kv ...any) {
	for _, v := range kv {
		if err, ok := v.(error); ok && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			r.l.Debug(msg, kv...)
			return
		}
	}
	r.l.Warn(msg, kv...)
}

func (r retryLogger) Warn(msg string, kv ...any)  { r.l.Warn(msg, kv...) }
func (r retryLogger) Info(msg string, kv ...any)  { r.l.Debug(msg, kv...) }
func (r retryLogger) Debug(msg string, kv ...any) { r.l.Debug(msg, kv...) }
