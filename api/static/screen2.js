// Screen 2: choosing an item in "다른 품목" selects that option.
(function () {
  "use strict";
  var select = document.getElementById("other_item");
  var radio = document.getElementById("choice-other");
  if (select && radio) {
    select.addEventListener("change", function () { if (select.value) { radio.checked = true; } });
  }
})();
