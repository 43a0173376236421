/* Draws every chart on the page from its JSON (<script type="application/json">), with no
 * inline script, so a strict Content-Security-Policy can allow only our own origin. Map outlines
 * come from our static files (data-topojson-url), never from Plotly's CDN. */
(function () {
  "use strict";

  var RADIUS_KM = 6371.0088;
  var toRad = Math.PI / 180;

  function round2(x) {
    return Math.round(x * 100) / 100;
  }

  // The great circle from a to b ([lat, lon] in degrees), as flights/geo.py draws the
  // single-flight map: its central angle, and the point a fraction f along it.
  function greatCircle(a, b) {
    var p1 = a[0] * toRad, l1 = a[1] * toRad, p2 = b[0] * toRad, l2 = b[1] * toRad;
    var h = Math.pow(Math.sin((p2 - p1) / 2), 2) +
      Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin((l2 - l1) / 2), 2);
    var d = 2 * Math.asin(Math.min(1, Math.sqrt(h)));
    var u = [Math.cos(p1) * Math.cos(l1), Math.cos(p1) * Math.sin(l1), Math.sin(p1)];
    var v = [Math.cos(p2) * Math.cos(l2), Math.cos(p2) * Math.sin(l2), Math.sin(p2)];
    return {
      km: d * RADIUS_KM,
      at: function (f) {
        if (d === 0) {
          return [a[0], a[1]];
        }
        var s = Math.sin((1 - f) * d) / Math.sin(d), t = Math.sin(f * d) / Math.sin(d);
        var x = s * u[0] + t * v[0], y = s * u[1] + t * v[1], z = s * u[2] + t * v[2];
        return [round2(Math.atan2(z, Math.hypot(x, y)) / toRad), round2(Math.atan2(y, x) / toRad)];
      },
    };
  }

  // Points enough for the curve to show: a 1,000 km hop is straight at map scale, an ocean
  // crossing needs 16.
  function arcSteps(km) {
    return Math.min(16, Math.max(4, Math.floor(km / 400)));
  }

  // The route map's routes (flights/charts.py, _route_spec) as Plotly traces: one line trace
  // per (kind, weight), rarer routes fainter and thinner, an arrow three quarters along each
  // arc pointing the way it was flown; then an invisible marker at each route's middle that
  // carries its hover text and its departure airport's link.
  function routeTraces(spec) {
    var groups = {}, order = [];
    var mid = {lat: [], lon: [], text: [], url: []};
    spec.routes.forEach(function (route) {
      var a = spec.points[route[0]], b = spec.points[route[1]];
      var kind = spec.kinds[route[3]], key = route[3] * 4 + route[4];
      var circle = greatCircle(a, b), steps = arcSteps(circle.km);
      var group = groups[key];
      if (!group) {
        group = groups[key] = {kind: route[3], weight: route[4], lat: [], lon: [], size: []};
        order.push(key);
      }
      var arrow = Math.floor(((steps + 1) * 3) / 4);
      for (var i = 0; i <= steps; i += 1) {
        var point = circle.at(i / steps);
        group.lat.push(point[0]);
        group.lon.push(point[1]);
        group.size.push(i === arrow ? 9 : 0);
      }
      group.lat.push(null);
      group.lon.push(null);
      group.size.push(0);
      var middle = circle.at(0.5);
      mid.lat.push(middle[0]);
      mid.lon.push(middle[1]);
      mid.text.push(spec.codes[route[0]] + " \u2192 " + spec.codes[route[1]] + ": " +
        route[2].toLocaleString("en-US") + " " + spec.legs + " (" + kind.hover + ")");
      mid.url.push(spec.urls[route[0]]);
    });
    order.sort(function (x, y) { return x - y; });
    var shown = {};
    var traces = order.map(function (key) {
      var group = groups[key], kind = spec.kinds[group.kind];
      var trace = {
        type: "scattergeo",
        lat: group.lat,
        lon: group.lon,
        mode: "lines+markers",
        line: {width: 1 + 1.1 * group.weight, color: kind.colour},
        marker: {size: group.size, symbol: "triangle-up", angleref: "previous", color: kind.colour},
        opacity: 0.3 + 0.23 * group.weight,
        hoverinfo: "skip",
        name: kind.name,
        legendgroup: kind.name,
        showlegend: !shown[group.kind],
      };
      shown[group.kind] = true;
      return trace;
    });
    traces.push({
      type: "scattergeo",
      lat: mid.lat,
      lon: mid.lon,
      mode: "markers",
      marker: {size: 10, color: "rgba(0,0,0,0)"},
      text: mid.text,
      customdata: mid.url,
      hoverinfo: "text",
      showlegend: false,
      name: spec.name,
    });
    return traces;
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || !window.Plotly) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    var data = figure.routes ? routeTraces(figure.routes).concat(figure.data) : figure.data;
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
    window.Plotly.newPlot(el, data, layout, config).then(function () {
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
