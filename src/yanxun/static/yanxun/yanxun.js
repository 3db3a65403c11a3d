// Yanxun's small behaviours (the CSP forbids inline scripts and on* attributes).
(function () {
  "use strict";

  // Lists: a changed filter select, date or page size submits the toolbar form at once.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLSelectElement || field.type === "date")) return;
    var form = field.form;
    if (form && (form.hasAttribute("data-autosubmit") || field.hasAttribute("data-autosubmit"))) {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });

  // Buttons and forms with data-confirm ask before they act; list forms leave empty
  // fields out of the address, so links stay short (?stage=junior, not ?q=&stage=junior&...).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-autosubmit")) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && field.value === "" && !field.disabled) field.disabled = true;
      });
      window.setTimeout(function () {
        Array.prototype.forEach.call(form.elements, function (field) { field.disabled = false; });
      }, 0);
    }
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
