package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

//go:embed templates
var templateFS embed.FS

// pageNames are the pages, a template file each beside the layout and the
// partials every page shares.
var pageNames = []string{"home", "devices", "device", "clusters", "cluster", "block", "signin", "worker", "account", "rent", "error"}

// view is what the layout renders: the page's title and its data.
type view struct {
	Title string
	Data  any
}

// parsePages parses every page with the layout and the partials.
func parsePages(as assets) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"asset":  as.url,
		"amount": formatAmount,
		"when":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"short":  func(v any) string { return short(fmt.Sprint(v)) },
		"wallet": func(w iog.WalletAddress) string {
			if w.IsZero() {
				return "—"
			}
			return short(w.String())
		},
		"ppm": func(p int64) string { return strconv.FormatFloat(float64(p)/1e4, 'f', 1, 64) + "%" },
		"rate": func(r iog.Rate) string {
			return strconv.FormatFloat(float64(r.Num())*100/float64(r.Den()), 'f', 1, 64) + "%"
		},
		"counts": func(caption, name string, c []api.Count) countsView { return countsView{caption, name, c} },
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parsing page %s: %w", name, err)
		}
		pages[name] = t
	}
	partials, err := template.New("partials").Funcs(funcs).ParseFS(templateFS, "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: parsing the partials: %w", err)
	}
	pages[""] = partials
	return pages, nil
}

// countsView is a table of counts by name.
type countsView struct {
	Caption, Name string
	Counts        []api.Count
}

// formatAmount writes an amount with two decimals and its currency.
func formatAmount(a iog.Amount) string {
	return a.RoundedDecimal(2, iog.RoundHalfEven) + " " + a.Currency().String()
}

// short abbreviates a long identifier, as explorers do; the page links or
// titles the whole.
func short(s string) string {
	if len(s) <= 14 {
		return s
	}
	return s[:6] + "…" + s[len(s)-6:]
}

// chartData is a chart's series as app.js draws them with uPlot: the x
// values, then each series' values and its label.
type chartData struct {
	// Time says X is Unix seconds.
	Time   bool        `json:"time,omitempty"`
	X      []float64   `json:"x"`
	Series [][]float64 `json:"series"`
	Labels []string    `json:"labels"`
}

// curveChart is the emission curve's chart: each year's end supply and
// emission, in whole IO (a chart's precision).
func curveChart(curve []api.EmissionYear) (string, error) {
	d := chartData{Series: [][]float64{{}, {}}, Labels: []string{"Supply (IO)", "Emitted (IO)"}}
	for _, y := range curve {
		d.X = append(d.X, float64(y.Year))
		d.Series[0] = append(d.Series[0], whole(y.Supply))
		d.Series[1] = append(d.Series[1], whole(y.Emitted))
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// telemetryChart is a device's utilization and temperature over time.
func telemetryChart(samples []api.TelemetrySample) (string, error) {
	d := chartData{Time: true, Series: [][]float64{{}, {}}, Labels: []string{"Utilization (%)", "Temperature (°C)"}}
	for _, s := range samples {
		d.X = append(d.X, float64(s.Time.Unix()))
		d.Series[0] = append(d.Series[0], float64(s.UtilizationPercent))
		d.Series[1] = append(d.Series[1], float64(s.TemperatureC))
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// earningsChart is a wallet's block rewards a day.
func earningsChart(days []api.EarningsDay) (string, error) {
	d := chartData{Time: true, Series: [][]float64{{}}, Labels: []string{"Rewards (IO)"}}
	for _, day := range days {
		d.X = append(d.X, float64(day.Day.Unix()))
		d.Series[0] = append(d.Series[0], whole(day.Rewards))
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// whole is an amount in whole units, as a chart plots it.
func whole(a iog.Amount) float64 {
	f, _ := strconv.ParseFloat(a.Decimal(), 64)
	return f
}
