/* Fills the filter form's suggestion lists (countries, departure airports) the first time a
 * reader focuses one of its inputs, from the form's data-options URL. Pages do not carry the
 * lists themselves: every cold page paid three queries and 11 KB for them (docs/dashboard.md,
 * "What a cold page costs"). Without this script the inputs still take codes and names. */
(function () {
  "use strict";

  function fill(list, pairs) {
    if (!list || list.options.length) {
      return;
    }
    var fragment = document.createDocumentFragment();
    pairs.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      fragment.appendChild(option);
    });
    list.appendChild(fragment);
  }

  function load(form) {
    if (form.dataset.optionsLoaded) {
      return;
    }
    form.dataset.optionsLoaded = "loading";
    fetch(form.dataset.options, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (options) {
        fill(document.getElementById("country-names"), options.countries);
        fill(document.getElementById("airport-codes"), options.airports);
        form.dataset.optionsLoaded = "yes";
      })
      .catch(function () {
        delete form.dataset.optionsLoaded; // try again on the next focus
      });
  }

  document.querySelectorAll("form[data-options]").forEach(function (form) {
    form.addEventListener("focusin", function (event) {
      if (event.target.getAttribute("list")) {
        load(form);
      }
    });
  });
})();
