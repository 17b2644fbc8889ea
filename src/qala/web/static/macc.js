// The MACC as the familiar chart: bar width = abatement, height = cost per tonne, in cost order.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("macc-data");
  if (!el || !window.Plotly) return;
  var data = JSON.parse(el.textContent), labels = JSON.parse(document.getElementById("macc-labels").textContent);
  var steps = data.steps.filter(function (s) { return s.cost_per_tco2e !== null && s.abatement_tco2e > 0; });
  var x = [], w = [], y = [], text = [], left = 0;
  steps.forEach(function (s) { x.push(left + s.abatement_tco2e / 2); w.push(s.abatement_tco2e); y.push(s.cost_per_tco2e); text.push(s.code); left += s.abatement_tco2e; });
  Plotly.newPlot("macc-chart", [{type: "bar", x: x, y: y, width: w, text: text, hovertemplate: "%{text}: %{y:,.0f}<extra></extra>", marker: {color: "#0b5394", line: {color: "#ffffff", width: 1}}}],
                 {margin: {t: 20}, xaxis: {title: labels.x}, yaxis: {title: labels.y, type: "log"}}, {displaylogo: false, responsive: true});
});
