// The report pages' charts: each element with data-chart="KEY" is drawn by ECharts with the SVG
// renderer from the entry KEY of the page's <script type="application/json" id="chart-data"> block
// (the Content-Security-Policy forbids inline script). Text in the charts uses the page's own font,
// and each chart's SVG scales to the width of the paper when the page is printed.
"use strict";
(function () {
  var INK = "#1d2733";
  var BAR = "#8b1a1a";

  function option(spec, family) {
    var values = spec.values.map(function (v) { return v === null ? null : Number(v); });
    var many = spec.categories.length > 8;
    return {
      animation: false,
      textStyle: { fontFamily: family, color: INK },
      title: { text: spec.title, left: "center", top: 4, textStyle: { fontFamily: family, fontSize: 14, color: INK } },
      grid: { left: 12, right: 24, top: 48, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText", textStyle: { fontFamily: family },
        formatter: function (points) {
          var p = points[0];
          return p.name + "  " + (spec.labels[p.dataIndex] || "—");
        } },
      xAxis: { type: "category", data: spec.categories,
        axisLabel: { interval: 0, rotate: many ? 35 : 0, fontFamily: family, color: INK } },
      yAxis: { type: "value", name: spec.unit, nameTextStyle: { fontFamily: family },
        axisLabel: { fontFamily: family, color: INK, formatter: spec.percent ? "{value}%" : compact } },
      series: [{
        type: spec.kind,
        data: values,
        itemStyle: { color: BAR },
        lineStyle: { color: BAR },
        barMaxWidth: 36,
        label: { show: spec.kind === "bar", position: "top", fontFamily: family, color: INK,
          formatter: function (p) { return spec.labels[p.dataIndex] || ""; } }
      }]
    };
  }

  // Axis ticks as amounts are read: 120000000 → 1.2亿 on a Chinese page, 120M on an English one.
  var SCALES = document.documentElement.lang === "zh-CN"
    ? [[1e8, "亿"], [1e4, "万"]]
    : [[1e9, "bn"], [1e6, "M"], [1e3, "k"]];

  function compact(value) {
    for (var i = 0; i < SCALES.length; i++) {
      if (Math.abs(value) >= SCALES[i][0]) { return trim(value / SCALES[i][0]) + SCALES[i][1]; }
    }
    return String(value);
  }

  function trim(n) { return String(Math.round(n * 100) / 100); }

  // A viewBox lets the SVG scale with its box: on paper the box is the page's width.
  function scalable(element) {
    var svg = element.querySelector("svg");
    if (svg) {
      svg.setAttribute("viewBox", "0 0 " + svg.getAttribute("width") + " " + svg.getAttribute("height"));
      svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    var block = document.getElementById("chart-data");
    if (!block || !window.echarts) { return; }
    var specs = JSON.parse(block.textContent);
    var family = window.getComputedStyle(document.body).fontFamily;
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var spec = specs[element.dataset.chart];
      if (!spec) { return; }
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(option(spec, family));
      scalable(element);
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); scalable(chart.getDom()); });
    });
  });
})();
