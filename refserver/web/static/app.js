// app.js draws the pages' charts with uPlot and refreshes their live
// fragments while the tab is visible. No inline script: the page's
// Content-Security-Policy forbids it, so the data comes in data-*
// attributes the server wrote.
"use strict";

function drawChart(el) {
  const d = JSON.parse(el.dataset.chart);
  const colors = ["#0a58ca", "#d63384", "#198754", "#fd7e14"];
  // Each series has its own scale: a year's emission is a sliver of the
  // supply.
  const series = [{}].concat(d.labels.map((label, i) => ({ label, scale: "s" + i, stroke: colors[i % colors.length], width: 2 })));
  const axes = [{}].concat(d.labels.map((label, i) => ({ scale: "s" + i, side: i % 2 ? 1 : 3, size: 60, stroke: colors[i % colors.length], values: (u, vals) => vals.map(compact) })));
  const opts = {
    width: el.clientWidth || 320, height: 240, series, axes,
    scales: { x: { time: !!d.time } },
  };
  const plot = new uPlot(opts, [d.x].concat(d.series), el);
  new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 240 })).observe(el);
}

// compact writes a large number in thousands, millions or billions.
function compact(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return +(v / 1e9).toFixed(2) + "B";
  if (a >= 1e6) return +(v / 1e6).toFixed(2) + "M";
  if (a >= 1e3) return +(v / 1e3).toFixed(2) + "k";
  return +v.toFixed(2) + "";
}

// poll refreshes every [data-live] element from its fragment URL every
// few seconds, only while the page is visible, so that a hidden tab costs
// the server nothing.
const every = 5000;
async function poll() {
  if (document.visibilityState !== "visible") return;
  for (const el of document.querySelectorAll("[data-live]")) {
    try {
      const resp = await fetch(el.dataset.live, { headers: { Accept: "text/html" } });
      if (resp.ok) el.innerHTML = await resp.text();
    } catch (e) {
      // The next tick tries again.
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-chart]").forEach(drawChart);
  if (document.querySelector("[data-live]")) setInterval(poll, every);
  document.addEventListener("visibilitychange", poll);
});
