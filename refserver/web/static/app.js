// app.js draws the pages' charts with uPlot and refreshes their live
// fragments while the tab is visible. No inline script: the page's
// Content-Security-Policy forbids it, so the data comes in data-*
// attributes the server wrote.
"use strict";

function drawChart(el) {
  const d = JSON.parse(el.dataset.chart);
  const colors = ["#0a58ca", "#d63384", "#198754", "#fd7e14"];
  const series = [{}].concat(d.labels.map((label, i) => ({ label, stroke: colors[i % colors.length], width: 2 })));
  const opts = {
    width: el.clientWidth || 320, height: 240, series,
    scales: { x: { time: !!d.time } },
    axes: [{}, { size: 70 }],
  };
  const plot = new uPlot(opts, [d.x].concat(d.series), el);
  new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 240 })).observe(el);
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
