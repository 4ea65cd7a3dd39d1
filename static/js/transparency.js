// Draws the transparency charts from the JSON in the page; the tables carry the same numbers.
(function () {
  var node = document.getElementById("transparency-data");
  if (!node || !window.echarts) return;
  var data = JSON.parse(node.textContent);
  var volumes = document.getElementById("chart-volumes");
  if (volumes) {
    echarts.init(volumes).setOption({
      tooltip: {}, xAxis: { type: "category", data: data.months }, yAxis: { type: "value" },
      series: [{ type: "bar", data: data.volumes }]
    });
  }
  var rates = document.getElementById("chart-rates");
  if (rates) {
    echarts.init(rates).setOption({
      tooltip: { trigger: "axis" }, legend: {},
      xAxis: { type: "category", data: data.rate_months }, yAxis: { type: "value", max: 100 },
      series: [
        { name: data.labels.response, type: "line", data: data.response },
        { name: data.labels.resolution, type: "line", data: data.resolution },
        { name: data.labels.satisfaction, type: "line", data: data.satisfaction }
      ]
    });
  }
})();
