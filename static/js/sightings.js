// Airport suggestions for the sighting and moderation forms: fills <datalist id="airport-suggestions">
// from the JSON search endpoint as the volunteer types a code, a name or a city.
(function () {
  "use strict";
  var script = document.getElementById("sightings-js");
  var list = document.getElementById("airport-suggestions");
  if (!script || !list) {
    return;
  }
  var url = script.getAttribute("data-airport-url");
  var timer = null;
  var lastQuery = "";

  function fill(results) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    results.forEach(function (airport) {
      var option = document.createElement("option");
      option.value = airport.label;
      list.appendChild(option);
    });
  }

  function search(query) {
    if (query.length < 2 || query === lastQuery) {
      return;
    }
    lastQuery = query;
    fetch(url + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        fill(data.results || []);
      })
      .catch(function () {
        // Suggestions are a convenience: typing a code still works without them.
      });
  }

  document.querySelectorAll("[data-airport-search]").forEach(function (input) {
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var query = input.value.trim();
      timer = window.setTimeout(function () {
        search(query);
      }, 200);
    });
  });
})();
