// The local page of `edgealign serve`: chat (streamed), the profile with its evidence, and
// controls to lock, override or clear a dimension and to set the steering strength.
// Everything is same-origin; text from the server is only ever set as textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { token: null, model: null, user: null, history: [] };

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function status(text) { $("status").textContent = text; }

async function api(method, path, body) {
  const headers = { "Authorization": "Bearer " + state.token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) {
    let message = res.status + " " + res.statusText;
    try { message = (await res.json()).error.message; } catch (e) { /* not JSON */ }
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return res;
}

// -- sign-in ---------------------------------------------------------------------------------
async function signIn() {
  const code = new URLSearchParams(location.hash.slice(1)).get("code");
  if (code) {
    history.replaceState(null, "", location.pathname);  // the code is used once; drop it from the URL
    const res = await fetch("/v1/session", { method: "POST", headers: { "Content-Type": "application/json" },
                                             body: JSON.stringify({ code }) });
    if (res.ok) {
      state.token = (await res.json()).token;
      sessionStorage.setItem("edgealign-token", state.token);
    } else {
      status("this sign-in link was used already; paste a token");
    }
  }
  state.token = state.token || sessionStorage.getItem("edgealign-token");
  if (state.token) await start();
}

$("signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  state.token = $("token-input").value.trim();
  $("token-input").value = "";
  sessionStorage.setItem("edgealign-token", state.token);
  await start();
});

async function start() {
  let users, health;
  try {
    state.model = (await (await api("GET", "/v1/models")).json()).data[0].id;
    health = await (await api("GET", "/v1/health")).json();
    users = (await (await api("GET", "/v1/users")).json()).users;
  } catch (e) {
    sessionStorage.removeItem("edgealign-token");
    state.token = null;
    status("sign-in failed: " + e.message);
    return;
  }
  // Signed in from here on: one person whose profile does not load (a name an older store
  // allowed, that no URL can hold) must not stop the page for everyone else.
  fillSelect($("conditioning"), health.conditionings.map((c) => [c, c]), health.default_conditioning);
  fillSelect($("user-select"), users.map((u) => [u, u]), users[0]);
  $("signin").hidden = true;
  $("app").hidden = false;
  status("signed in; model " + state.model);
  if (!users.length) status("signed in; no people yet (edgealign user add NAME)");
  for (const user of users) {
    if (await selectUser(user)) break;  // the first person whose profile loads
  }
}

function fillSelect(select, pairs, chosen) {
  select.replaceChildren(...pairs.map(([value, text]) => {
    const o = el("option", text);
    o.value = value;
    o.selected = value === chosen;
    return o;
  }));
}

$("user-select").addEventListener("change", () => selectUser($("user-select").value));

async function selectUser(user) {
  state.user = user;
  state.history = [];
  $("user-select").value = user;
  $("messages").replaceChildren();
  $("who").textContent = user;
  try {
    await loadProfile();
    return true;
  } catch (e) {
    $("profile-text").textContent = "";
    $("profile").tBodies[0].replaceChildren();
    status(user + ": " + e.message);
    return false;
  }
}

// -- chat ------------------------------------------------------------------------------------
$("chat-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const text = $("chat-input").value.trim();
  if (!text || !state.user) return;
  $("chat-input").value = "";
  $("send").disabled = true;
  $("messages").append(el("div", text, "msg user"));
  const out = el("div", "", "msg assistant");
  out.dataset.state = "streaming";
  $("messages").append(out);
  state.history.push({ role: "user", content: text });
  try {
    const res = await api("POST", "/v1/chat/completions", {
      model: state.model, user: state.user, messages: state.history, stream: true,
      edgealign: { conditioning: $("conditioning").value, record: $("record").checked } });
    await readStream(res, (delta) => { out.textContent += delta; scrollDown(); });
    state.history.push({ role: "assistant", content: out.textContent });
    out.dataset.state = "done";
    if ($("record").checked) await loadProfile();
  } catch (e) {
    state.history.pop();
    out.className = "msg error";
    out.textContent = e.message;
    out.dataset.state = "error";
  } finally {
    $("send").disabled = false;
  }
});

async function readStream(res, onDelta) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        const delta = chunk.choices.length ? chunk.choices[0].delta.content : null;
        if (delta) onDelta(delta);
      }
    }
  }
}

function scrollDown() { $("messages").scrollTop = $("messages").scrollHeight; }

// -- profile ---------------------------------------------------------------------------------
async function loadProfile() {
  const doc = await (await api("GET", "/v1/users/" + encodeURIComponent(state.user) + "/profile")).json();
  const chosen = $("dim-select").value;
  fillSelect($("dim-select"), doc.dimensions.map((d) => [String(d.index), d.index + " " + d.name]), chosen || "0");
  if (doc.strength !== null && doc.strength !== undefined) {
    $("strength").value = doc.strength;
    $("strength-value").textContent = Number(doc.strength).toFixed(1);
  }
  const set = doc.dimensions.filter((d) => d.source !== "inferred");
  const inferred = doc.dimensions.filter((d) => d.source === "inferred" && d.value !== 0.5)
    .sort((a, b) => b.confidence - a.confidence);
  const shown = $("show-all").checked ? inferred : inferred.slice(0, TOP);
  $("profile-text").textContent = (set.length + inferred.length) + " of " + doc.dimensions.length +
    " dimensions are not neutral" + (set.length ? " (" + set.length + " set by you)" : "") +
    (inferred.length > shown.length ? "; showing the " + TOP + " most confident inferred ones" : "");
  $("profile").tBodies[0].replaceChildren(...set.concat(shown).map(profileRow));
}

const TOP = 10;
$("show-all").addEventListener("change", () => guarded(async () => {}));

function profileRow(d) {
  const tr = el("tr");
  tr.dataset.index = d.index;
  tr.dataset.source = d.source;
  tr.append(el("td", d.index + " " + d.name), el("td", d.label), el("td", d.confidence.toFixed(2)),
            el("td", d.source, "src-" + d.source));
  const why = el("td");
  if (d.evidence.length) {
    const details = el("details");
    details.append(el("summary", d.evidence.length + " item(s)"));
    for (const e of d.evidence) details.append(el("div", describe(e.item) + " (" + e.weight.toFixed(2) + ")", "muted"));
    why.append(details);
  } else {
    why.textContent = d.source === "inferred" ? "" : "set by you";
  }
  tr.append(why);
  return tr;
}

function describe(item) {
  if (item.type === "comment") return "wrote: " + item.comment;
  if (item.type === "choice") return "preferred: " + item.chosen;
  return "described: " + item.text;
}

async function setDimension(locked) {
  const dim = $("dim-select").value;
  await guarded(() => api("PUT", dimPath(dim), { value: Number($("dim-value").value), locked }));
}

function dimPath(dim) { return "/v1/users/" + encodeURIComponent(state.user) + "/dimensions/" + dim; }

async function guarded(action) {
  try {
    await action();
    await loadProfile();
  } catch (e) {
    status(e.message);
  }
}

$("lock").addEventListener("click", () => setDimension(true));
$("override").addEventListener("click", () => setDimension(false));
$("clear").addEventListener("click", () => guarded(() => api("DELETE", dimPath($("dim-select").value))));
$("strength").addEventListener("input", () => { $("strength-value").textContent = Number($("strength").value).toFixed(1); });
$("strength").addEventListener("change", () => guarded(() =>
  api("PUT", "/v1/users/" + encodeURIComponent(state.user) + "/strength", { strength: Number($("strength").value) })));
$("forget").addEventListener("click", async () => {
  if (!confirm("Erase " + state.user + " and everything about them from this device?")) return;
  await guarded(async () => {
    await api("DELETE", "/v1/users/" + encodeURIComponent(state.user));
    location.reload();
  });
});

signIn();
