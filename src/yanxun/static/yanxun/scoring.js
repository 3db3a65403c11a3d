// The judge's scoring page: the total follows the item inputs as they are typed.
(function () {
  "use strict";
  var form = document.querySelector("form[data-score-form]");
  if (!form) return;
  var shown = form.querySelector("[data-score-total]");
  var inputs = form.querySelectorAll("[data-score-item]");
  function update() {
    var total = 0, filled = 0;
    Array.prototype.forEach.call(inputs, function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) { total += value; filled += 1; }
      var max = parseFloat(input.getAttribute("max"));
      input.classList.toggle("is-invalid", !isNaN(value) && (value < 0 || value > max));
    });
    shown.textContent = filled ? String(Math.round(total * 10) / 10) : "—";
  }
  form.addEventListener("input", update);
  update();
})();
