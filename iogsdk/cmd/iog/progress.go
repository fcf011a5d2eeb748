package main

import (
	"context"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress is the display of something the command waits for: on a
// terminal (stderr), a bar of its steps and its latest status; elsewhere
// nothing, so that what a script reads holds only the result. A nil
// progress draws nothing.
type progress struct {
	p   *mpb.Progress
	bar *mpb.Bar

	mu     sync.Mutex
	status string
}

// progress starts a display titled title, of total steps, when stderr is
// a terminal; it returns nil otherwise.
func (a *app) progress(ctx context.Context, title string, total int64) *progress {
	if !a.terminal(a.stderr) {
		return nil
	}
	pr := &progress{p: mpb.NewWithContext(ctx, mpb.WithOutput(a.stderr),
		// We decided stderr is a terminal; mpb would not draw on one it
		// cannot measure (the tests' buffers), and would cut its lines
		// at 80 columns.
		mpb.WithAutoRefresh(), mpb.WithWidth(120))}
	pr.bar = pr.p.New(total, mpb.BarStyle().Lbound("[").Rbound("]"), mpb.BarWidth(22),
		mpb.PrependDecorators(decor.Name(title, decor.WC{C: decor.DSyncSpaceR})),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			pr.mu.Lock()
			defer pr.mu.Unlock()
			return pr.status
		})))
	return pr
}

// update sets the steps done and the status shown.
func (pr *progress) update(done int64, status string) {
	if pr == nil {
		return
	}
	pr.mu.Lock()
	pr.status = status
	pr.mu.Unlock()
	pr.bar.SetCurrent(done)
}

// finish completes the bar with a last status (ok), or leaves it where it
// stopped (not ok), and waits until it is drawn.
func (pr *progress) finish(ok bool, status string) {
	if pr == nil {
		return
	}
	pr.mu.Lock()
	pr.status = status
	pr.mu.Unlock()
	if ok {
		pr.bar.SetTotal(-1, true)
	} else {
		pr.bar.Abort(false)
	}
	pr.p.Wait()
}
