/**
 * The web client's script: plain browser JavaScript, no framework and no
 * build step (see `index_html.ts` for why assets are modules). It builds
 * every element with the DOM API and sets text with `textContent`, never
 * `innerHTML`, so no file name can inject markup. Written without template
 * literals, as it lives inside one.
 */

/** `/app.js`. */
export const APP_JS = String.raw`"use strict";
(function () {
  var state = { user: null, admin: false, csrf: "", cwd: "/", entries: [], sort: { key: "name", dir: 1 }, usage: null };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (key) {
      if (key === "text") node.textContent = props[key];
      else if (key === "class") node.className = props[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), props[key]);
      else node.setAttribute(key, props[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function formatSize(bytes) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"];
    var value = bytes, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return (unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0)) + " " + units[unit];
  }

  function formatDate(ms) {
    if (!ms) return "";
    var d = new Date(ms);
    return d.toLocaleDateString() + " " + d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function joinPath(dir, name) { return (dir === "/" ? "" : dir) + "/" + name; }

  function say(text, isError) {
    var box = $("message");
    box.textContent = text || "";
    box.className = isError ? "error" : "";
  }

  function ApiError(message, status, kind) { this.message = message; this.status = status; this.kind = kind; }

  function api(method, path, body) {
    var headers = {};
    if (method !== "GET") headers["x-ftpx-csrf"] = state.csrf;
    if (body !== undefined) headers["content-type"] = "application/json";
    return fetch(path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          if (response.status === 401 && path !== "/api/login") showLogin(data.error);
          throw new ApiError(data.error || ("HTTP " + response.status), response.status, data.kind);
        }
        return data;
      });
    });
  }

  function fail(error) { say(error && error.message ? error.message : String(error), true); }

  function showQuota(usage) {
    if (!usage) return;
    state.usage = usage;
    var box = $("quota");
    var text = "Used " + formatSize(usage.used);
    text += usage.quota ? " of " + formatSize(usage.quota) : " (no quota)";
    box.textContent = text;
    box.className = usage.quota && usage.used >= usage.quota ? "over" : "";
  }

  function show(view) {
    ["login-view", "files-view", "admin-view"].forEach(function (id) { $(id).hidden = id !== view; });
    $("top").hidden = view === "login-view";
  }

  function showLogin(reason) {
    state.user = null;
    show("login-view");
    say(reason && reason !== "Not logged in" ? reason : "", Boolean(reason && reason !== "Not logged in"));
    $("login-user").focus();
  }

  function enter(me) {
    state.user = me.user; state.admin = me.admin; state.csrf = me.csrf;
    $("who").textContent = me.user + (me.admin ? " (admin)" : "");
    $("nav-admin").hidden = !me.admin;
    showQuota(me.usage);
    show("files-view");
    return load(state.cwd);
  }

  // --- files ---------------------------------------------------------------

  function load(path) {
    return api("GET", "/api/list?path=" + encodeURIComponent(path)).then(function (data) {
      state.cwd = data.path; state.entries = data.entries;
      showQuota(data.usage);
      render();
    });
  }

  function renderCrumbs() {
    var nav = $("crumbs");
    nav.textContent = "";
    var parts = state.cwd.split("/").filter(Boolean);
    var at = "/";
    nav.appendChild(el("button", { type: "button", text: "Home", onclick: function () { load("/").catch(fail); } }));
    parts.forEach(function (part, index) {
      at = joinPath(at, part);
      var target = at;
      nav.appendChild(el("span", { class: "sep", text: "/", "aria-hidden": "true" }));
      var last = index === parts.length - 1;
      nav.appendChild(el("button", last
        ? { type: "button", text: part, "aria-current": "location", onclick: function () { load(target).catch(fail); } }
        : { type: "button", text: part, onclick: function () { load(target).catch(fail); } }));
    });
  }

  function sorted() {
    var key = state.sort.key, dir = state.sort.dir;
    return state.entries.slice().sort(function (a, b) {
      if ((a.type === "dir") !== (b.type === "dir")) return a.type === "dir" ? -1 : 1;
      var x = a[key], y = b[key];
      var order = key === "name" ? String(x).localeCompare(String(y)) : x - y;
      return order * dir || a.name.localeCompare(b.name);
    });
  }

  function render() {
    renderCrumbs();
    document.querySelectorAll("th .sort").forEach(function (button) {
      var active = button.getAttribute("data-key") === state.sort.key;
      var th = button.parentNode;
      if (active) {
        th.setAttribute("aria-sort", state.sort.dir > 0 ? "ascending" : "descending");
        button.setAttribute("aria-sort", "true");
        button.setAttribute("data-arrow", state.sort.dir > 0 ? " \u25b2" : " \u25bc");
      } else {
        th.removeAttribute("aria-sort");
        button.removeAttribute("aria-sort");
      }
    });
    var body = document.querySelector("#listing tbody");
    body.textContent = "";
    if (state.entries.length === 0) {
      body.appendChild(el("tr", null, [el("td", { colspan: "4", class: "hint", text: "This folder is empty." })]));
    }
    sorted().forEach(function (entry) {
      var path = joinPath(state.cwd, entry.name);
      var link = entry.type === "dir"
        ? el("button", { type: "button", class: "entry dir", text: entry.name + "/", onclick: function () { load(path).catch(fail); } })
        : el("a", { class: "entry", href: "/api/download?path=" + encodeURIComponent(path), download: entry.name, text: entry.name });
      body.appendChild(el("tr", { "data-name": entry.name }, [
        el("td", null, [link]),
        el("td", { class: "num", text: entry.type === "dir" ? "" : formatSize(entry.size) }),
        el("td", { class: "date", text: formatDate(entry.mtime) }),
        el("td", { class: "row-actions" }, [
          el("button", { type: "button", text: "Rename", "aria-label": "Rename " + entry.name, onclick: function () { rename(entry); } }),
          el("button", { type: "button", text: "Delete", "aria-label": "Delete " + entry.name, onclick: function () { remove(entry); } }),
        ]),
      ]));
    });
  }

  function rename(entry) {
    ask("Rename " + entry.name, [{ name: "to", label: "New name", value: entry.name }], "Rename").then(function (values) {
      if (!values || !values.to || values.to === entry.name) return;
      return api("POST", "/api/rename", { from: joinPath(state.cwd, entry.name), to: joinPath(state.cwd, values.to) })
        .then(function (data) { say(data.message); return load(state.cwd); });
    }).catch(fail);
  }

  function remove(entry) {
    var what = entry.type === "dir" ? "the folder " + entry.name + " and everything in it" : entry.name;
    ask("Delete " + what + "?", [], "Delete").then(function (values) {
      if (!values) return;
      return api("POST", "/api/delete", { path: joinPath(state.cwd, entry.name), recursive: entry.type === "dir" })
        .then(function (data) { say(data.message); return load(state.cwd); });
    }).catch(fail);
  }

  function mkdir() {
    ask("New folder", [{ name: "name", label: "Folder name" }], "Create").then(function (values) {
      if (!values || !values.name) return;
      return api("POST", "/api/mkdir", { path: joinPath(state.cwd, values.name) })
        .then(function (data) { say(data.message); return load(state.cwd); });
    }).catch(fail);
  }

  // --- uploads -------------------------------------------------------------

  var MAX_ATTEMPTS = 5;

  function uploadAll(files) {
    var dir = state.cwd;
    var chain = Promise.resolve();
    Array.prototype.forEach.call(files, function (file) {
      var row = uploadRow(file);
      chain = chain.then(function () { return uploadOne(file, dir, row); });
    });
    return chain.then(function () { if (state.cwd === dir) return load(dir); }).catch(fail);
  }

  function uploadRow(file) {
    var bar = el("progress", { max: String(Math.max(file.size, 1)), value: "0", "aria-label": "Upload of " + file.name });
    var status = el("span", { class: "status", text: "Waiting" });
    var row = el("li", { "data-name": file.name }, [el("span", { text: file.name }), bar, status]);
    $("uploads").appendChild(row);
    return { row: row, bar: bar, status: status };
  }

  function uploadOne(file, dir, view) {
    var path = joinPath(dir, file.name);
    var source = file.name + ":" + file.size + ":" + file.lastModified;
    var query = "path=" + encodeURIComponent(path) + "&size=" + file.size + "&source=" + encodeURIComponent(source);
    var attempt = 0;
    function step() {
      attempt++;
      return api("GET", "/api/upload?" + query).then(function (where) {
        if (where.offset > 0) view.status.textContent = "Resuming at " + formatSize(where.offset);
        else view.status.textContent = "Uploading";
        return send(file, where.offset, query, view);
      }).then(function (done) {
        view.bar.value = Math.max(file.size, 1);
        view.status.textContent = "Done: " + formatSize(done.size);
        view.row.className = "done";
        if (state.usage) showQuota(state.usage);
      }, function (error) {
        // The server may still be ending this file's previous upload (a page reloaded, a cut
        // connection): that one is worth waiting for, like a lost connection.
        var busy = error instanceof ApiError && error.kind === "exists" &&
          /in progress/.test(error.message);
        if ((error instanceof ApiError && !busy) || attempt >= MAX_ATTEMPTS) {
          view.row.className = "failed";
          view.status.textContent = "Failed: " + error.message;
          say(file.name + ": " + error.message, true);
          return;
        }
        view.status.textContent = busy
          ? "Waiting for the previous upload of this file to end"
          : "Connection lost; resuming (attempt " + (attempt + 1) + ")";
        return new Promise(function (resolve) { setTimeout(resolve, 500 * attempt); }).then(step);
      });
    }
    return step();
  }

  function send(file, offset, query, view) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", "/api/upload?" + query + "&offset=" + offset);
      xhr.setRequestHeader("x-ftpx-csrf", state.csrf);
      xhr.setRequestHeader("content-type", "application/octet-stream");
      xhr.upload.onprogress = function (event) {
        view.bar.value = offset + event.loaded;
        view.status.textContent = "Uploading: " + formatSize(offset + event.loaded) + " of " + formatSize(file.size);
      };
      xhr.onload = function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data);
        else reject(new ApiError(data.error || ("HTTP " + xhr.status), xhr.status, data.kind));
      };
      xhr.onerror = function () { reject(new Error("network error")); };
      xhr.onabort = function () { reject(new Error("aborted")); };
      xhr.send(file.slice(offset));
    });
  }

  function setUpDrop() {
    var zone = $("files-view");
    var drop = $("drop");
    zone.addEventListener("dragover", function (event) { event.preventDefault(); drop.className = "over"; });
    zone.addEventListener("dragleave", function (event) { if (event.target === zone || event.target === drop) drop.className = ""; });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      drop.className = "";
      if (event.dataTransfer && event.dataTransfer.files.length) uploadAll(event.dataTransfer.files);
    });
  }

  // --- dialogs -------------------------------------------------------------

  function ask(title, fields, okLabel) {
    var dialog = $("dialog");
    $("dialog-title").textContent = title;
    var box = $("dialog-fields");
    box.textContent = "";
    var inputs = fields.map(function (field) {
      var input = el("input", { name: field.name, type: field.type || "text", "data-field": field.name });
      if (field.value !== undefined) input.value = field.value;
      if (field.autocomplete) input.setAttribute("autocomplete", field.autocomplete);
      if (field.type === "checkbox") {
        box.appendChild(el("label", { class: "check" }, [input, document.createTextNode(" " + field.label)]));
      } else {
        box.appendChild(el("label", null, [document.createTextNode(field.label + " "), input]));
      }
      return input;
    });
    $("dialog-ok").textContent = okLabel || "OK";
    return new Promise(function (resolve) {
      function done(ok) {
        $("dialog-form").onsubmit = null; $("dialog-cancel").onclick = null; dialog.onclose = null;
        if (dialog.open) dialog.close();
        if (!ok) return resolve(null);
        var values = {};
        inputs.forEach(function (input) { values[input.name] = input.type === "checkbox" ? input.checked : input.value; });
        resolve(values);
      }
      $("dialog-form").onsubmit = function (event) { event.preventDefault(); done(true); };
      $("dialog-cancel").onclick = function () { done(false); };
      dialog.onclose = function () { done(false); };
      dialog.showModal();
      (inputs[0] || $("dialog-ok")).focus();
    });
  }

  function changePassword() {
    ask("Change your password", [
      { name: "current", label: "Current password", type: "password", autocomplete: "current-password" },
      { name: "password", label: "New password", type: "password", autocomplete: "new-password" },
      { name: "again", label: "New password again", type: "password", autocomplete: "new-password" },
    ], "Change").then(function (values) {
      if (!values) return;
      if (values.password !== values.again) throw new Error("The new passwords differ");
      var user = state.user;
      return api("POST", "/api/passwd", { current: values.current, password: values.password }).then(function (data) {
        // The change ends every session of the account, this one too: log in again with the new one.
        return api("POST", "/api/login", { user: user, password: values.password }).then(function (me) {
          return enter(me).then(function () { say(data.message.replace(": log in with the new one", "")); });
        });
      });
    }).catch(fail);
  }

  // --- admin ---------------------------------------------------------------

  function loadAdmin() {
    show("admin-view");
    return Promise.all([api("GET", "/api/admin/users"), api("GET", "/api/admin/sessions"), api("GET", "/api/admin/actions")])
      .then(function (all) { renderUsers(all[0].users); renderSessions(all[1].sessions); renderActions(all[2].actions); });
  }

  function adminDo(path, body) {
    return api("POST", path, body).then(function (data) { say(data.message); return loadAdmin(); }).catch(fail);
  }

  function renderUsers(users) {
    var body = document.querySelector("#users tbody");
    body.textContent = "";
    users.forEach(function (user) {
      var own = user.name === state.user;
      var actions = el("td", { class: "row-actions" });
      if (!own) {
        actions.appendChild(el("button", { type: "button", text: user.disabled ? "Enable" : "Disable", "aria-label": (user.disabled ? "Enable " : "Disable ") + user.name,
          onclick: function () { adminDo("/api/admin/users/disable", { name: user.name, disabled: !user.disabled }); } }));
      }
      actions.appendChild(el("button", { type: "button", text: "Quota", "aria-label": "Set quota of " + user.name, onclick: function () {
        ask("Quota of " + user.name, [{ name: "quota", label: "Quota (e.g. 500M; 0 = unlimited)", value: String(user.quota) }], "Set")
          .then(function (values) { if (values) return adminDo("/api/admin/users/quota", { name: user.name, quota: values.quota }); });
      } }));
      if (!own) {
        actions.appendChild(el("button", { type: "button", text: "Reset password", "aria-label": "Reset password of " + user.name, onclick: function () {
          ask("New password for " + user.name, [{ name: "password", label: "Password", type: "password", autocomplete: "new-password" }], "Set")
            .then(function (values) { if (values) return adminDo("/api/admin/users/password", { name: user.name, password: values.password }); });
        } }));
        actions.appendChild(el("button", { type: "button", text: "Delete", "aria-label": "Delete " + user.name, onclick: function () {
          ask("Delete the account " + user.name + "?", [{ name: "purge", label: "Also delete their files (otherwise kept on the server)", type: "checkbox" }], "Delete")
            .then(function (values) { if (values) return adminDo("/api/admin/users/delete", { name: user.name, purge: values.purge }); });
        } }));
      }
      body.appendChild(el("tr", { "data-user": user.name }, [
        el("td", { text: user.name + (user.admin ? " (admin)" : "") }),
        el("td", { class: "state", text: user.disabled ? "disabled" : "active" }),
        el("td", { class: "num", text: formatSize(user.used) }),
        el("td", { class: "num", text: user.quota ? formatSize(user.quota) : "unlimited" }),
        el("td", { class: "date", text: user.lastLogin ? formatDate(Date.parse(user.lastLogin)) : "never" }),
        actions,
      ]));
    });
  }

  function renderSessions(sessions) {
    var body = document.querySelector("#sessions tbody");
    body.textContent = "";
    sessions.forEach(function (session) {
      var actions = el("td", { class: "row-actions" });
      if (!session.own) {
        actions.appendChild(el("button", { type: "button", text: "End", "aria-label": "End session " + session.id, onclick: function () {
          adminDo("/api/admin/sessions/end", { id: session.id });
        } }));
      }
      body.appendChild(el("tr", { "data-session": String(session.id) }, [
        el("td", { text: (session.user || "(not logged in)") + (session.own ? " (you)" : "") }),
        el("td", { text: session.protocol }),
        el("td", { text: session.address + ":" + session.port }),
        el("td", { class: "date", text: formatDate(Date.parse(session.since)) }),
        el("td", { text: session.activity || "" }),
        actions,
      ]));
    });
  }

  function renderActions(actions) {
    var body = document.querySelector("#actions tbody");
    body.textContent = "";
    actions.forEach(function (action) {
      body.appendChild(el("tr", null, [
        el("td", { class: "date", text: formatDate(Date.parse(action.at)) }),
        el("td", { text: action.by }), el("td", { text: action.action }),
        el("td", { text: action.target }), el("td", { text: action.detail }),
      ]));
    });
  }

  // --- start ---------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var button = $("login-submit");
      button.disabled = true;
      say("");
      api("POST", "/api/login", { user: $("login-user").value, password: $("login-password").value })
        .then(function (me) { $("login-password").value = ""; state.cwd = "/"; return enter(me); })
        .catch(function (error) { fail(error); $("login-password").focus(); })
        .then(function () { button.disabled = false; });
    });
    $("logout").addEventListener("click", function () {
      api("POST", "/api/logout", {}).catch(function () {}).then(function () { showLogin(); say("Logged out"); });
    });
    $("picker").addEventListener("change", function (event) {
      var files = event.target.files;
      if (files && files.length) uploadAll(files).then(function () { event.target.value = ""; });
    });
    $("mkdir").addEventListener("click", mkdir);
    $("refresh").addEventListener("click", function () { load(state.cwd).catch(fail); });
    $("passwd").addEventListener("click", changePassword);
    $("nav-files").addEventListener("click", function () { show("files-view"); load(state.cwd).catch(fail); });
    $("nav-admin").addEventListener("click", function () { loadAdmin().catch(fail); });
    $("adduser-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { name: $("new-name").value, password: $("new-password").value, admin: $("new-admin").checked };
      if ($("new-quota").value.trim() !== "") body.quota = $("new-quota").value.trim();
      api("POST", "/api/admin/users", body).then(function (data) {
        say(data.message);
        $("adduser-form").reset();
        return loadAdmin();
      }).catch(fail);
    });
    document.querySelectorAll("th .sort").forEach(function (button) {
      button.addEventListener("click", function () {
        var key = button.getAttribute("data-key");
        state.sort = { key: key, dir: state.sort.key === key ? -state.sort.dir : 1 };
        render();
      });
    });
    setUpDrop();
    api("GET", "/api/me").then(enter).catch(function (error) {
      if (!(error instanceof ApiError) || error.status !== 401) fail(error);
    });
  });
})();
`;
