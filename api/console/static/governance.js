// Dealix governance view: the dead-letter queue's retry / discard buttons and the connectors' on / off
// switches. Each calls the governance API with the session's CSRF token; the server decides (roles,
// tenant, the gateway) and the answer's Arabic message is shown as text, never as HTML.
(function () {
  "use strict";

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var queue = document.querySelector("[data-dead-letters]");
  var labels = JSON.parse((queue && queue.getAttribute("data-labels")) || "{}");

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); });
  }

  function say(status, res) {
    var body = res.body || {};
    status.textContent = body.message_ar || (body.letter && body.letter.status) || body.status ||
      labels.error_generic || "";
  }

  document.querySelectorAll("[data-dlq-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var row = button.closest("[data-letter]");
      var id = encodeURIComponent(row.getAttribute("data-letter"));
      var status = row.querySelector(".status");
      var body = {};
      if (button.getAttribute("data-dlq-action") === "discard") {
        var reason = row.querySelector("input.reason");
        if (!reason || !reason.value.trim()) { if (reason) reason.focus(); return; }
        body = {reason: reason.value.trim()};
      } else if (button.getAttribute("data-force") === "true") {
        body = {force: true};
      }
      status.textContent = labels.working || "";
      row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      post("/api/v1/governance/dead-letters/" + id + "/" + button.getAttribute("data-dlq-action"), body)
        .then(function (res) {
          say(status, res);
          if (res.ok && res.body.letter) row.setAttribute("data-status", res.body.letter.status);
          if (!res.ok) row.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        });
    });
  });

  document.querySelectorAll("[data-switch-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var cell = button.parentNode;
      var status = cell.querySelector(".status");
      button.disabled = true;
      post("/api/v1/governance/connectors/" + encodeURIComponent(button.getAttribute("data-integration")) + "/" +
           button.getAttribute("data-switch-action"), {})
        .then(function (res) {
          say(status, res);
          if (!res.ok) button.disabled = false;
        });
    });
  });
})();
