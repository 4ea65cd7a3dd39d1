// Progressive enhancement for the complaint form; every feature also works without it.
(function () {
  "use strict";

  // Filter the category list while typing (the Search button does the same on the server).
  var search = document.getElementById("f-q");
  var category = document.getElementById("f-category");
  if (search && category) {
    search.addEventListener("input", function () {
      var needle = search.value.trim().toLowerCase();
      Array.prototype.forEach.call(category.querySelectorAll("option[data-search]"), function (option) {
        var show = !needle || option.getAttribute("data-search").indexOf(needle) !== -1 || option.selected;
        option.hidden = !show;
        option.disabled = !show;
      });
      Array.prototype.forEach.call(category.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
    });
  }

  // Offer only the streets of the chosen district.
  var district = document.getElementById("f-district");
  var street = document.getElementById("f-street");
  function syncStreets() {
    if (!district || !street) { return; }
    Array.prototype.forEach.call(street.querySelectorAll("optgroup"), function (group) {
      var show = !district.value || group.getAttribute("data-district") === district.value;
      group.hidden = !show;
      group.disabled = !show;
    });
    var chosen = street.options[street.selectedIndex];
    if (chosen && chosen.parentNode.disabled) { street.value = ""; }
  }
  if (district && street) {
    district.addEventListener("change", syncStreets);
    syncStreets();
  }

  // Fill the map point from the device's location, only when the person asks.
  var locate = document.getElementById("use-location");
  var lat = document.getElementById("f-lat");
  var long = document.getElementById("f-long");
  if (locate && lat && long && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        long.value = position.coords.longitude.toFixed(6);
      });
    });
  }

  // Move focus to the error summary so screen readers announce the problems.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
