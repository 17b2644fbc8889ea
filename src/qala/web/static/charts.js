// Draw the charts whose data sit in <script type="application/json"> elements (the pages read without it).
// Axis titles as {text: ...} (the form Plotly.js reads), names not codes, the toolbar reduced to "download"
// and spoken in the page's language (a locale registered here), numbers with the locale's separators.
window.QalaCharts = (function () {
  var colours = {"bau": "#a40000", "low-carbon": "#1d6b1d", "custom": "#0b5394"};
  var lang = document.documentElement.lang || "kk";
  var words = {
    kk: {png: "Суретті PNG ретінде жүктеу", svg: "Суретті SVG ретінде жүктеу"},
    ru: {png: "Скачать изображение (PNG)", svg: "Скачать изображение (SVG)"},
    en: {png: "Download plot as a PNG", svg: "Download plot as an SVG"}
  }[lang] || {png: "PNG", svg: "SVG"};
  var registered = false;
  function register() {
    if (registered || !window.Plotly) return;
    registered = true;
    if (lang === "en") return;
    Plotly.register({moduleType: "locale", name: lang,
      dictionary: {"Download plot as a png": words.png, "Download plot as a PNG": words.png,
                   "Download plot": words.png, "Double-click to zoom back out": ""},
      format: {decimal: ",", thousands: "\u00a0"}});
  }
  function config(name) {
    register();
    return {displaylogo: false, responsive: true, locale: lang,
            modeBarButtonsToRemove: ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d",
                                     "autoScale2d", "resetScale2d", "hoverClosestCartesian",
                                     "hoverCompareCartesian", "toggleSpikelines"],
            modeBarButtonsToAdd: [{name: "svg", title: words.svg, icon: Plotly.Icons.camera,
                                   click: function (gd) { Plotly.downloadImage(gd, {format: "svg", filename: name}); }}],
            toImageButtonOptions: {format: "png", filename: name}};
  }
  // a year axis passes {separatethousands: false}: a year is not a quantity (2015, not 2 015)
  function axis(title, extra) {
    var a = {title: {text: title}, automargin: true, separatethousands: true, exponentformat: "none"};
    for (var k in (extra || {})) a[k] = extra[k];
    return a;
  }
  function labels() {
    var el = document.getElementById("chart-labels");
    return el ? JSON.parse(el.textContent) : {unit: "t CO2e", names: {}, year: "", band: "p05–p95"};
  }
  // On a narrow screen (a phone) the legend goes above the plot (paper-anchored: a legend placed by the
  // container squeezes the plot away), clear of the year axis's title, and a name
  // longer than the chart's width is wrapped at spaces (Plotly cuts a legend entry off, it never wraps one).
  function narrow(id) {
    var el = document.getElementById(id);
    return el && el.clientWidth < 600 ? el.clientWidth : 0;
  }
  function wrap(text, width) {
    if (!width) return text;
    var max = Math.max(16, Math.floor((width - 140) / 7.5)), lines = [], line = "";
    String(text).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > max) { lines.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) lines.push(line);
    return lines.join("<br>");
  }
  function legend(width) {
    return width ? {orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom"} : {orientation: "h", y: -0.25};
  }
  // the height that leaves the plot its room under a legend of these entries (Plotly scrolls a legend that
  // takes more than about half the chart); undefined on a wide screen (the chart's own height)
  function height(width, entries) {
    if (!width) return undefined;
    var lines = entries.filter(function (t) { return t.showlegend !== false; })
      .reduce(function (n, t) { return n + String(t.name).split("<br>").length; }, 0);
    return 340 + 22 * lines;
  }
  function traces(data, width) {
    var l = labels(), names = l.names;
    var out = [];
    Object.keys(data).forEach(function (name) {
      var s = data[name], c = colours[name] || "#6a3d9a", label = names[name] || name;
      out.push({x: s.years, y: s.total.p95, mode: "lines", line: {width: 0}, showlegend: false, hoverinfo: "skip", name: label});
      out.push({x: s.years, y: s.total.p05, mode: "lines", line: {width: 0}, fill: "tonexty", fillcolor: c + "33", name: wrap(label + ": " + l.band, width)});
      out.push({x: s.years, y: s.total.p50, mode: "lines", line: {color: c, width: 3}, name: wrap(label, width)});
    });
    return out;
  }
  function draw() {
    var el = document.getElementById("trend-data");
    if (!el || !window.Plotly) return;
    var data = JSON.parse(el.textContent), l = labels();
    var custom = document.getElementById("custom-data");
    if (custom) data["custom"] = JSON.parse(custom.textContent);
    var width = narrow("trend-chart"), lines = traces(data, width);
    Plotly.react("trend-chart", lines, {margin: {t: 20}, height: height(width, lines), xaxis: axis(l.year, {separatethousands: false}), yaxis: axis(l.unit),
                 legend: legend(width), separators: lang === "en" ? ".," : ",\u00a0"}, config("qala-scenarios"));
  }
  function drawHistory() {
    var el = document.getElementById("history-data");
    if (!el || !window.Plotly) return;
    var d = JSON.parse(el.textContent), palette = ["#0b5394", "#a40000", "#1d6b1d", "#b45f06", "#6a3d9a", "#444444"];
    var width = narrow("history-chart");
    var bars = Object.keys(d.values).map(function (code, i) {
      return {type: "bar", x: d.years, y: d.values[code], name: wrap(d.names[code], width), marker: {color: palette[i % palette.length]}};
    }).filter(function (t) { return t.y.some(function (v) { return v !== null; }); });
    Plotly.react("history-chart", bars, {barmode: "stack", margin: {t: 20}, height: height(width, bars), yaxis: axis(d.unit),
                 xaxis: axis(d.year || "", {dtick: 1, separatethousands: false}), legend: legend(width),
                 separators: lang === "en" ? ".," : ",\u00a0"}, config("qala-emissions-by-sector"));
  }
  // Plotly loads "async" (it does not hold the page back); each chart is drawn once both the page and Plotly are there
  function whenPlotly(fn) {
    if (window.Plotly) { fn(); return; }
    var el = document.getElementById("plotly-js");
    if (el) el.addEventListener("load", fn);
  }
  function later(fn) { return function () { setTimeout(function () { whenPlotly(fn); }, 0); }; }
  document.addEventListener("DOMContentLoaded", later(draw));
  document.addEventListener("DOMContentLoaded", later(drawHistory));
  document.addEventListener("htmx:afterSwap", draw);
  return {config: config, axis: axis, whenPlotly: whenPlotly};
})();
