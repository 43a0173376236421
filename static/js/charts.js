/* Draws every chart on the page from its JSON (<script type="application/json">), with no
 * inline script, so a strict Content-Security-Policy can allow only our own origin. Map outlines
 * come from our static files (data-topojson-url), never from Plotly's CDN. */
(function () {
  "use strict";

  function draw(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || !window.Plotly) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    var narrow = window.matchMedia("(max-width: 600px)").matches;
    // Maps keep their shape at every width: height follows the container's width, so a phone
    // shows the map across the screen without blank bands above and below.
    if (el.dataset.aspect) {
      var height = Math.round(el.clientWidth * parseFloat(el.dataset.aspect));
      layout.height = Math.max(240, Math.min(height, 820));
      // On a phone the legend would take a third of the map; the page's own legend (lines in
      // the kinds' colours) stands above it.
      if (narrow) {
        layout.showlegend = false;
      }
    }
    var config = {
      responsive: true,
      displaylogo: false,
      topojsonURL: el.dataset.topojsonUrl,
      modeBarButtonsToRemove: ["select2d", "lasso2d"],
      // On a phone the toolbar would sit on the labels: hidden there, on hover elsewhere.
      displayModeBar: narrow ? false : "hover",
    };
    el.textContent = "";
    window.Plotly.newPlot(el, figure.data, layout, config).then(function () {
      el.classList.add("chart-ready");
    });
    // Points that carry a same-site link (airports) open it when clicked.
    el.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      var target = point && point.customdata;
      if (typeof target === "string" && target.charAt(0) === "/" && target.charAt(1) !== "/") {
        window.location.assign(target);
      }
    });
  }

  function drawAll() {
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i += 1) {
      draw(charts[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
