package demo

import (
	"context"
	"time"

	"github.com/internetofgpus/iog/iogsdk"
)

// chronicle tells each epoch as it settles: what it minted, to how many
// devices, and what it burned.
func (d *demo) chronicle(ctx context.Context) {
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: d.cfg.Server, Clock: d.cfg.Clock, Logger: d.cfg.Logger})
	if err != nil {
		d.say("chronicle: %v", err)
		return
	}
	var told uint64
	first := true
	for d.pause(ctx, 20*time.Minute) {
		blocks, err := c.Blocks(ctx, iogsdk.Page{Limit: 5})
		if err != nil {
			continue
		}
		if first && len(blocks.Blocks) > 0 {
			// A network started again tells what is new from here on.
			told = blocks.Blocks[0].Number
			d.say("the network continues after epoch %d", told)
		}
		first = false
		for j := len(blocks.Blocks) - 1; j >= 0; j-- {
			b := blocks.Blocks[j]
			if b.Number <= told {
				continue
			}
			told = b.Number
			d.say("epoch %d settled: %v minted, %v to %d of %d devices (the others: %d not yet eligible), %v burned",
				b.Number, b.Emission, b.Paid, b.Rewarded, b.Nominated, b.Failed, b.Burned)
		}
	}
}
