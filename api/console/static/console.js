// Dealix operator console: send a request, read its turn as server-sent events, render it.
// Everything from the server is put on the page with textContent, never as HTML: a lead's name,
// a draft's body or a ticket's text can hold "<script>" and it stays text.
(function () {
  "use strict";

  var root = document.querySelector("[data-chat]");
  if (!root) return;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var labels = JSON.parse(root.getAttribute("data-labels") || "{}");
  var threadId = root.getAttribute("data-thread") || "";
  var log = root.querySelector("[data-log]");
  var form = root.querySelector("form[data-ask]");
  var input = form.querySelector("textarea");
  var busy = false;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function headers(accept) {
    return {"Content-Type": "application/json", "Accept": accept, "X-CSRF-Token": csrf};
  }

  function problemText(body) {
    if (body && typeof body === "object") return body.message_ar || body.detail || labels.error_generic;
    return labels.error_generic;
  }

  function message(role) {
    var empty = log.querySelector("[data-empty]");
    if (empty) empty.remove();
    var box = el("div", "msg " + role);
    box.appendChild(el("span", "who-label", role === "user" ? labels.you : labels.assistant));
    var text = el("p", "text");
    box.appendChild(text);
    var extras = el("div", "extras");
    box.appendChild(extras);
    log.appendChild(box);
    return {box: box, text: text, extras: extras};
  }

  function scroll() { log.scrollTop = log.scrollHeight; }

  function ensureThread() {
    if (threadId) return Promise.resolve(threadId);
    return fetch("/api/v1/threads", {method: "POST", credentials: "same-origin", headers: headers("application/json"),
                                     body: "{}"})
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw b; return b; }); })
      .then(function (thread) {
        threadId = thread.thread_id;
        root.setAttribute("data-thread", threadId);
        history.replaceState(null, "", "/console?thread=" + encodeURIComponent(threadId));
        return threadId;
      });
  }

  function decide(approvalId, body, status, card) {
    status.textContent = labels.working;
    return fetch("/api/v1/approvals/" + encodeURIComponent(approvalId), {
      method: "POST", credentials: "same-origin", headers: headers("application/json"), body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (res) {
        status.textContent = res.ok ? res.body.message_ar : problemText(res.body);
        if (res.ok) {
          card.classList.add("decided");
          card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        }
      });
  }

  function field(card, label, value, className) {
    if (value === undefined || value === null || value === "") return;
    var row = el("p", className || "arg");
    row.appendChild(el("span", "key", label));
    row.appendChild(document.createTextNode(" "));
    var v = el("span", "value", value);
    v.setAttribute("dir", "auto");
    row.appendChild(v);
    card.appendChild(row);
  }

  // An approval request as a card with at most three buttons: approve, edit (in the inbox), reject.
  // With the cards module present, its decision card gives the title, the why-now and the labels.
  function approvalCard(a, c) {
    var card = el("article", "card approval");
    card.setAttribute("data-approval", a.approval_id);
    var arabic = document.documentElement.lang === "ar";
    card.appendChild(el("h3", null, (c && c.title_ar) || (arabic ? a.label_ar : a.label_en || a.label_ar)));
    if (c && c.why_now_ar) card.appendChild(el("p", "why", c.why_now_ar));
    var args = a.args || {};
    field(card, labels.to, args.to);
    field(card, labels.subject, args.subject);
    if (args.body) {
      var body = el("p", "body", args.body);
      body.setAttribute("dir", "auto");
      card.appendChild(body);
    }
    var status = el("p", "status");
    status.setAttribute("role", "status");
    if (!a.can_decide) {
      status.textContent = labels.inbox_not_yours;
      card.appendChild(status);
      return card;
    }
    var wanted = [{decision: "approve", label_ar: labels.approve}, {decision: "edit", label_ar: labels.edit},
                  {decision: "reject", label_ar: labels.reject}];
    if (c && c.buttons && c.buttons.length) {
      wanted = c.buttons.filter(function (b) { return ["approve", "edit", "reject"].indexOf(b.decision) >= 0; });
    }
    var actions = el("div", "actions");
    wanted.slice(0, 3).forEach(function (b) {
      var label = document.documentElement.lang === "ar" ? (b.label_ar || labels[b.decision]) : labels[b.decision];
      if (b.decision === "edit") {
        var edit = el("a", "button", label);
        edit.href = "/console/approvals#" + encodeURIComponent(a.approval_id);
        edit.setAttribute("data-action", "edit");
        actions.appendChild(edit);
        return;
      }
      var button = el("button", b.decision === "approve" ? "primary" : "danger", label);
      button.type = "button";
      button.setAttribute("data-action", b.decision);
      if (b.decision === "approve") {
        button.addEventListener("click", function () { decide(a.approval_id, {decision: "approve"}, status, card); });
      } else {
        button.addEventListener("click", function () { askReason(a.approval_id, actions, status, card); });
      }
      actions.appendChild(button);
    });
    card.appendChild(actions);
    card.appendChild(status);
    return card;
  }

  function askReason(approvalId, actions, status, card) {
    if (card.querySelector(".reason")) return;
    var reason = el("input", "reason");
    reason.setAttribute("aria-label", labels.reject_reason);
    reason.placeholder = labels.reject_reason;
    reason.maxLength = 500;
    var confirm = el("button", "danger", labels.reject_confirm);
    confirm.type = "button";
    confirm.addEventListener("click", function () {
      if (!reason.value.trim()) { reason.focus(); return; }
      decide(approvalId, {decision: "reject", reason: reason.value.trim()}, status, card);
    });
    actions.appendChild(reason);
    actions.appendChild(confirm);
    reason.focus();
  }

  // A decision card from the cards module: title, why now, and at most three buttons (links).
  function decisionCard(c) {
    var card = el("article", "card decision");
    card.appendChild(el("h3", null, c.title_ar || c.title || ""));
    if (c.why_now_ar) card.appendChild(el("p", "why", c.why_now_ar));
    if (c.recommended_action_ar) card.appendChild(el("p", "next", c.recommended_action_ar));
    var buttons = (c.buttons || []).slice(0, 3);
    if (buttons.length) {
      var actions = el("div", "actions");
      buttons.forEach(function (b) {
        var label = typeof b === "string" ? b : (b.label_ar || b.label || "");
        var button = el("span", "button", label);
        actions.appendChild(button);
      });
      card.appendChild(actions);
    }
    return card;
  }

  function handle(event, reply) {
    switch (event.type) {
      case "route": reply.box.setAttribute("data-intent", event.intent); break;
      case "text": reply.text.textContent += event.text; break;
      case "tool_call": {
        var ar = document.documentElement.lang === "ar";
        var chip = el("p", "tool " + (event.allowed ? "ok" : "blocked"),
                      (ar ? event.label_ar : event.label_en || event.label_ar) + " · " + (ar ? event.mode_ar : event.mode_en || event.mode_ar));
        chip.setAttribute("data-action", event.action);
        chip.title = event.reason_ar;
        reply.extras.appendChild(chip);
        break;
      }
      case "approval_request": reply.extras.appendChild(approvalCard(event.approval, event.card)); break;
      case "card": reply.extras.appendChild(decisionCard(event.card || {})); break;
      case "error": reply.extras.appendChild(el("p", "error", event.message_ar)); break;
      case "done": reply.box.classList.remove("pending"); reply.box.setAttribute("data-done", "1"); break;
      default: break;
    }
    scroll();
  }

  function readStream(response, reply) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, {stream: true}).replace(/\r\n/g, "\n");
        var end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          var raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          var data = raw.split("\n").filter(function (l) { return l.indexOf("data:") === 0; })
            .map(function (l) { return l.slice(5).replace(/^ /, ""); }).join("\n");
          if (data) handle(JSON.parse(data), reply);
        }
        return pump();
      });
    }
    return pump();
  }

  function send(text) {
    if (busy || !text.trim()) return;
    busy = true;
    message("user").text.textContent = text;
    var reply = message("assistant");
    reply.box.classList.add("pending");
    reply.text.textContent = "";
    scroll();
    ensureThread().then(function (id) {
      return fetch("/api/v1/threads/" + encodeURIComponent(id) + "/messages", {
        method: "POST", credentials: "same-origin", headers: headers("text/event-stream"),
        body: JSON.stringify({text: text})
      });
    }).then(function (response) {
      if (!response.ok) return response.json().then(function (b) { throw b; });
      return readStream(response, reply);
    }).catch(function (problem) {
      reply.extras.appendChild(el("p", "error", problemText(problem)));
    }).then(function () {
      busy = false;
      reply.box.classList.remove("pending");
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  root.querySelectorAll("[data-suggestion]").forEach(function (button) {
    button.addEventListener("click", function () { send(button.getAttribute("data-suggestion")); });
  });
})();
