// The MACC in its standard form: bar width = abatement (t CO2e), height = cost per tonne (KZT), in cost order,
// on linear axes, each bar named; the toolbar and numbers as charts.js sets them for the page's language.
// When the page gives an axis (#macc-axis: a few very dear steps), the cost axis stops there and the steps
// above are drawn up to the edge, hatched, with their true cost in the hover (the page lists them too).
document.addEventListener("DOMContentLoaded", function () {
  setTimeout(function () { if (window.QalaCharts) QalaCharts.whenPlotly(drawMacc); }, 0);
});
function drawMacc() {
  var el = document.getElementById("macc-data");
  if (!el || !window.Plotly || !window.QalaCharts) return;
  var data = JSON.parse(el.textContent), labels = JSON.parse(document.getElementById("macc-labels").textContent);
  var steps = data.steps.filter(function (s) { return s.cost_per_tco2e !== null && s.abatement_tco2e > 0; });
  var axisEl = document.getElementById("macc-axis"), axis = axisEl ? JSON.parse(axisEl.textContent) : null;
  var x = [], w = [], y = [], cost = [], text = [], cut = [], left = 0;
  steps.forEach(function (s) {
    var over = axis !== null && s.cost_per_tco2e > axis.top;
    x.push(left + s.abatement_tco2e / 2); w.push(s.abatement_tco2e); cost.push(s.cost_per_tco2e);
    y.push(over ? axis.top : s.cost_per_tco2e); cut.push(over ? "/" : "");
    text.push((labels.names || {})[s.code] || s.code); left += s.abatement_tco2e;
  });
  var low = Math.min.apply(null, y.concat([0]));
  var yOptions = {zeroline: true};
  if (axis !== null) yOptions.range = [low < 0 ? low * 1.15 : 0, axis.top];
  var lang = document.documentElement.lang || "kk";
  Plotly.newPlot("macc-chart", [{type: "bar", x: x, y: y, width: w, text: text, textposition: "none", name: labels.y,
                  customdata: cost, hovertemplate: "%{text}<br>%{customdata:,.0f} " + labels.y + "<extra></extra>",
                  marker: {color: y.map(function (v) { return v < 0 ? "#1d6b1d" : "#0b5394"; }), line: {color: "#ffffff", width: 1},
                           pattern: {shape: cut, fgcolor: "#ffffff", size: 6}}}],
                 {margin: {t: 20}, showlegend: false, separators: lang === "en" ? ".," : ",\u00a0",
                  xaxis: QalaCharts.axis(labels.x, {rangemode: "tozero"}), yaxis: QalaCharts.axis(labels.y, yOptions)},
                 QalaCharts.config("qala-macc"));
}
