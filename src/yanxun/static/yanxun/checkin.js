// 签到 pages: read the phone's position for a geofenced session (the CSP forbids inline
// scripts). Browsers give a position only on HTTPS pages (a "secure context"); on plain HTTP
// the page says so instead of waiting. The form's data-msg-* attributes hold the texts.
(function () {
  "use strict";
  var form = document.querySelector("form[data-geolocate]");
  if (!form) return;
  var status = form.querySelector("[data-geo-status]");
  var submit = form.querySelector("button[type=submit]");
  var retry = form.querySelector("[data-geo-retry]");

  function say(name, tone, value) {
    var text = form.getAttribute("data-msg-" + name) || "";
    status.textContent = value === undefined ? text : text.replace("{m}", value);
    status.className = "alert alert-" + tone;
  }

  function locate() {
    if (!window.isSecureContext) { say("insecure", "warning"); return; }
    if (!navigator.geolocation) { say("unsupported", "warning"); return; }
    status.textContent = "正在获取位置…";
    status.className = "alert alert-info";
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude;
      form.elements.lng.value = position.coords.longitude;
      form.elements.accuracy.value = position.coords.accuracy;
      say("ok", "success", Math.round(position.coords.accuracy));
      if (submit) submit.disabled = false;
      if (form.hasAttribute("data-geo-autosubmit")) form.submit();
    }, function (error) {
      say(error.code === 1 ? "denied" : "unavailable", "warning");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  }

  if (retry) retry.addEventListener("click", locate);
  locate();
})();
