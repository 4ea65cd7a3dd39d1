// Draws the vulnerable groups' trend (per 10,000 residents) with each group's target as a
// dashed line; the tables beside it carry the same numbers.
(function () {
  var node = document.getElementById("vulnerable-data");
  var box = document.getElementById("chart-vulnerable");
  if (!node || !box || !window.echarts) return;
  var data = JSON.parse(node.textContent);
  var series = data.series.map(function (s) {
    var line = { name: s.name, type: "line", data: s.values };
    if (s.target !== null && s.target !== undefined) {
      line.markLine = {
        symbol: "none", lineStyle: { type: "dashed" },
        label: { formatter: data.target_label + " " + s.target },
        data: [{ yAxis: s.target }]
      };
    }
    return line;
  });
  echarts.init(box).setOption({
    tooltip: { trigger: "axis" }, legend: {},
    xAxis: { type: "category", data: data.months }, yAxis: { type: "value" },
    series: series
  });
})();
