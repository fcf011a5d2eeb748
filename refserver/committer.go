package refserver

import (
	"context"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
)

// maxBatch bounds how many requests one transaction commits.
const maxBatch = 256

// committer commits mutating requests in batches (group commit): requests
// that arrive while a transaction is being written wait for the next one,
// which takes them all, each in a savepoint of its own. A request is
// answered only after its batch is durable, so nothing acknowledged is
// lost; a batch costs one sync however many requests it carries.
type committer struct {
	store   *store.Store
	observe func(requests int, took time.Duration) // each batch, as it commits
	queue   chan *pending
	stop    context.CancelFunc
	done    chan struct{}
}

// pending is a request waiting for its batch.
type pending struct {
	step store.Step
	done chan error
}

func newCommitter(st *store.Store, workers int, observe func(requests int, took time.Duration)) *committer {
	ctx, stop := context.WithCancel(context.Background())
	c := &committer{store: st, observe: observe, queue: make(chan *pending, maxBatch*workers), stop: stop, done: make(chan struct{})}
	finished := make(chan struct{}, workers)
	for range workers {
		go func() {
			defer func() { finished <- struct{}{} }()
			c.run(ctx)
		}()
	}
	go func() {
		for range workers {
			<-finished
		}
		close(c.done)
	}()
	return c
}

// commit runs step in the next batch and returns its outcome once the
// batch has committed (or failed).
func (c *committer) commit(ctx context.Context, step store.Step) error {
	p := &pending{step: step, done: make(chan error, 1)}
	select {
	case c.queue <- p:
	case <-c.done:
		return fmt.Errorf("the server is shutting down: %w", iog.ErrUnavailable)
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the request is answered by its batch, whatever its own
	// context says: it may already be written.
	select {
	case err := <-p.done:
		return err
	case <-c.done:
		return fmt.Errorf("the server is shutting down: %w", iog.ErrUnavailable)
	}
}

func (c *committer) run(ctx context.Context) {
	for {
		var batch []*pending
		select {
		case <-ctx.Done():
			return
		case p := <-c.queue:
			batch = append(batch, p)
		}
	more:
		for len(batch) < maxBatch {
			select {
			case p := <-c.queue:
				batch = append(batch, p)
			default:
				break more
			}
		}
		steps := make([]store.Step, len(batch))
		for i, p := range batch {
			steps[i] = p.step
		}
		started := time.Now()
		results, err := c.store.Batch(context.WithoutCancel(ctx), steps)
		c.observe(len(batch), time.Since(started))
		for i, p := range batch {
			if err != nil {
				p.done <- fmt.Errorf("commit: %w", err)
				continue
			}
			p.done <- results[i]
		}
	}
}

// close stops the committer after the batch in progress.
func (c *committer) close() {
	c.stop()
	<-c.done
}
