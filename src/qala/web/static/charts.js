// Draw the charts whose data sit in <script type="application/json"> elements (the pages read without it).
(function () {
  var colours = {"bau": "#a40000", "low-carbon": "#1d6b1d", "custom": "#0b5394"};
  function labels() {
    var el = document.getElementById("chart-labels");
    return el ? JSON.parse(el.textContent) : {unit: "t CO2e", names: {}};
  }
  function traces(data) {
    var names = labels().names;
    var out = [];
    Object.keys(data).forEach(function (name) {
      var s = data[name], c = colours[name] || "#6a3d9a", label = names[name] || name;
      out.push({x: s.years, y: s.total.p95, mode: "lines", line: {width: 0}, showlegend: false, hoverinfo: "skip", name: label + " p95"});
      out.push({x: s.years, y: s.total.p05, mode: "lines", line: {width: 0}, fill: "tonexty", fillcolor: c + "33", name: label + " p05–p95"});
      out.push({x: s.years, y: s.total.p50, mode: "lines", line: {color: c, width: 3}, name: label});
    });
    return out;
  }
  function draw() {
    var el = document.getElementById("trend-data");
    if (!el || !window.Plotly) return;
    var data = JSON.parse(el.textContent);
    var custom = document.getElementById("custom-data");
    if (custom) data["custom"] = JSON.parse(custom.textContent);
    Plotly.react("trend-chart", traces(data), {margin: {t: 20}, yaxis: {title: labels().unit}, legend: {orientation: "h"}},
                 {displaylogo: false, responsive: true});
  }
  function drawHistory() {
    var el = document.getElementById("history-data");
    if (!el || !window.Plotly) return;
    var d = JSON.parse(el.textContent), palette = ["#0b5394", "#a40000", "#1d6b1d", "#b45f06", "#6a3d9a", "#444444"];
    var bars = Object.keys(d.values).map(function (code, i) {
      return {type: "bar", x: d.years, y: d.values[code], name: d.names[code], marker: {color: palette[i % palette.length]}};
    }).filter(function (t) { return t.y.some(function (v) { return v !== null; }); });
    Plotly.react("history-chart", bars, {barmode: "stack", margin: {t: 20}, yaxis: {title: {text: d.unit}},
                 xaxis: {dtick: 1}, legend: {orientation: "h"}}, {displaylogo: false, responsive: true});
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("DOMContentLoaded", drawHistory);
  document.addEventListener("htmx:afterSwap", draw);
})();
