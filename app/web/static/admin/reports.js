// 支部概览: draws each chart of /admin/reports/data with ECharts; a click opens its records.
(function () {
  "use strict";
  var holder = document.getElementById("report-charts");
  if (!holder || !window.echarts) { return; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function monthRange(year, month) {
    var last = new Date(year, month, 0).getDate();
    return { start: year + "-" + pad(month) + "-01", end: year + "-" + pad(month) + "-" + pad(last) };
  }

  function card(chart) {
    var col = document.createElement("div");
    col.className = "col-lg-6";
    var box = document.createElement("div");
    box.className = "card card-body";
    var title = document.createElement("a");
    title.href = chart.link;
    title.textContent = chart.title;
    title.className = "fw-semibold mb-2";
    var area = document.createElement("div");
    area.style.height = "280px";
    area.setAttribute("data-chart", chart.id);
    box.appendChild(title);
    box.appendChild(area);
    col.appendChild(box);
    holder.appendChild(col);
    return area;
  }

  function draw(data, chart) {
    var area = card(chart);
    var plot = window.echarts.init(area);
    var option;
    if (chart.kind === "pipeline") {
      option = {
        tooltip: {},
        xAxis: { type: "category", data: data.pipeline.map(function (p) { return p.label; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", name: "人数", data: data.pipeline.map(function (p) { return p.count; }) }]
      };
    } else {
      var series = chart.series.map(function (s) {
        return { type: "bar", name: s[1], key: s[0], data: data.series[s[0]] };
      });
      var axes = [{ type: "value", minInterval: 1 }];
      if (chart.line) {
        series.push({ type: "line", name: chart.line[1], key: chart.line[0], yAxisIndex: 1, data: data.series[chart.line[0]] });
        axes.push({ type: "value" });
      }
      option = {
        tooltip: { trigger: "axis" },
        legend: {},
        xAxis: { type: "category", data: data.months },
        yAxis: axes,
        series: series
      };
    }
    plot.setOption(option);
    plot.on("click", function (event) {
      // A link may name the clicked month: {month}, or its first and last day {start} {end}.
      var url = chart.link;
      var picked = option.series[event.seriesIndex];
      if (chart.kind === "pipeline") {
        url = chart.bar_link + data.pipeline[event.dataIndex].stage;
      } else if (chart.series_links && picked && chart.series_links[picked.key]) {
        url = chart.series_links[picked.key];
      } else if (chart.month_link) {
        url = chart.month_link;
      }
      if (chart.kind !== "pipeline" && event.dataIndex !== undefined) {
        var range = monthRange(data.year, event.dataIndex + 1);
        url = url.replace("{start}", range.start).replace("{end}", range.end)
          .replace("{month}", String(event.dataIndex + 1));
      }
      window.location.href = url;
    });
    window.addEventListener("resize", function () { plot.resize(); });
  }

  fetch(holder.getAttribute("data-source"), { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var summary = document.getElementById("report-summary");
      summary.textContent = "";
      data.summary.forEach(function (line) {
        var p = document.createElement("p");
        p.className = "mb-1";
        p.textContent = line;
        summary.appendChild(p);
      });
      data.charts.forEach(function (chart) { draw(data, chart); });
    });
})();
