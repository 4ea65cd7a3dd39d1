// Hotline console helpers; the console works without this file (look-up buttons re-render).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-category]");
    if (!button) return;
    var field = document.getElementById("f-category_code");
    field.value = button.getAttribute("data-category");
    field.focus();
  });
  // Only the streets of the chosen district are offered.
  var district = document.getElementById("f-district_code");
  var street = document.getElementById("f-street_code");
  function filterStreets() {
    if (!district || !street) return;
    var chosen = district.value;
    Array.prototype.forEach.call(street.options, function (option) {
      var parent = option.getAttribute("data-district");
      option.hidden = Boolean(chosen && parent && parent !== chosen);
    });
    var selected = street.options[street.selectedIndex];
    if (selected && selected.hidden) street.value = "";
  }
  if (district) district.addEventListener("change", filterStreets);
  filterStreets();
})();
