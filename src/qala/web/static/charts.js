// Draw the charts whose data sit in <script type="application/json"> elements (the page reads without it).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("trend-data");
  if (!el || !window.Plotly) return;
  var data = JSON.parse(el.textContent);
  var traces = [];
  var colours = {"bau": "#a40000", "low-carbon": "#1d6b1d"};
  Object.keys(data).forEach(function (name) {
    var s = data[name], c = colours[name] || "#0b5394";
    traces.push({x: s.years, y: s.total.p95, mode: "lines", line: {width: 0}, showlegend: false, hoverinfo: "skip", name: name + " p95"});
    traces.push({x: s.years, y: s.total.p05, mode: "lines", line: {width: 0}, fill: "tonexty", fillcolor: c + "33", name: name + " p05–p95"});
    traces.push({x: s.years, y: s.total.p50, mode: "lines", line: {color: c, width: 3}, name: name});
  });
  Plotly.newPlot("trend-chart", traces, {margin: {t: 20}, yaxis: {title: "t CO2e"}, legend: {orientation: "h"}},
                 {displaylogo: false, responsive: true});
});
