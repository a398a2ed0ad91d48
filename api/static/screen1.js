// Screen 1: fill 업종명 from 업종코드 as the reviewer types (the server fills it too).
(function () {
  "use strict";
  var code = document.getElementById("ksic_code");
  var name = document.getElementById("industry_name");
  var hint = document.getElementById("ksic_code-hint");
  // "1" while 업종명 is what the lookup filled in (not the reviewer's words); sent with the form
  var auto = document.getElementById("industry_name_auto");
  if (!code || !name) { return; }
  var filledByScript = !!(auto && auto.value === "1");
  function markAuto(on) { filledByScript = on; if (auto) { auto.value = on ? "1" : ""; } }
  name.addEventListener("input", function () { markAuto(false); });

  function lookup() {
    var value = code.value.trim();
    if (!/^\d{5}$/.test(value)) { return; }
    fetch("/v1/lookup/ksic/" + encodeURIComponent(value), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      if (hint) {
        hint.textContent = data.name ? (data.message || ("KSIC-11: " + data.name)) : data.message;
        hint.className = "hint " + (data.name ? "ok" : "bad");
      }
      if (data.name && (name.value.trim() === "" || filledByScript)) {
        name.value = data.name;
        markAuto(true);
      }
    }).catch(function () { /* the server fills 업종명 on submit */ });
  }
  code.addEventListener("change", lookup);
  code.addEventListener("keyup", lookup);
  if (code.value && !name.value) { lookup(); }
})();
