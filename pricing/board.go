package pricing

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// Board is the price board: the current price of one GPU-hour per model
// and region, as the explorer shows it.
type Board struct {
	// At is the moment the board was priced for.
	At time.Time
	// Rows are the prices, model by model in the order asked, each model
	// region by region.
	Rows []BoardRow
}

// BoardRow is the price of one GPU model in one region.
type BoardRow struct {
	// Model is the catalog name of the model.
	Model string
	// Region is the location priced.
	Region iog.Location
	// HourlyUSD is the price of one GPU for one hour, in USD.
	HourlyUSD iog.Amount
	// Hourly is the same price as the renter pays it in the board's
	// currency, fees included.
	Hourly iog.Amount
	// Reference is the cheapest cloud price of the model, if any.
	Reference Reference
	// Saving is how much cheaper than Reference the price is, in ppm.
	Saving PPM
	// SavingPerTFLOPS is how much cheaper per FP16 TFLOPS the price is
	// than the clouds' best deal on raw compute (Quote.SavingPerTFLOPS).
	SavingPerTFLOPS PPM
}

// BuildBoard quotes one GPU of each of models for one hour in each of
// regions, on demand, in currency, at the moment at, with template giving
// the rest of the request (its bandwidth tier, for one; its model, count,
// hours, locations and currency are replaced). Model names are resolved
// as Request.GPUModel is. Any quote's error stops the board.
func BuildBoard(m PriceModel, at time.Time, models []string, regions []iog.Location, currency iog.Currency, template Request) (Board, error) {
	b := Board{At: at, Rows: make([]BoardRow, 0, len(models)*len(regions))}
	req := template
	req.GPUCount, req.Hours, req.Currency, req.Commitment = 1, 1, currency, OnDemand
	req.GPUClass, req.Score = iog.AnyGPUClass, Score{}
	var where [1]iog.Location
	for _, name := range models {
		for _, region := range regions {
			where[0] = region
			req.GPUModel, req.Locations = name, where[:]
			q, err := m.Quote(req, at)
			if err != nil {
				return Board{}, fmt.Errorf("price board: %s in %q: %w", errtext.Clip(name), region.String(), err)
			}
			b.Rows = append(b.Rows, BoardRow{
				Model: q.Model, Region: region, HourlyUSD: q.HourlyPerGPU, Hourly: q.Fees.RenterPays,
				Reference: q.Reference, Saving: q.Saving, SavingPerTFLOPS: q.SavingPerTFLOPS,
			})
		}
	}
	return b, nil
}

// WriteText writes the board as an aligned text table.
func (b Board) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tregion\tUSD/GPU-h\tpaid/GPU-h\tcloud USD/GPU-h\tcheaper\tcheaper per TFLOPS")
	for _, r := range b.Rows {
		region := r.Region.String()
		if region == "" {
			region = "anywhere"
		}
		cloud, saving := "-", "-"
		if r.Reference.Provider != "" {
			cloud = r.Reference.HourlyPerGPU.RoundedDecimal(2, iog.RoundHalfUp) + " " + r.Reference.Provider
			saving = r.Saving.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %v\t%s\t%s\t%v\n", r.Model, region,
			r.HourlyUSD.RoundedDecimal(4, iog.RoundHalfUp), r.Hourly.RoundedDecimal(4, iog.RoundHalfUp),
			r.Hourly.Currency(), cloud, saving, r.SavingPerTFLOPS)
	}
	return tw.Flush()
}
