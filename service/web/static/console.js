/* The agent console: conversation in, drafts (streamed) out, verdicts highlighted, copy records feedback. */
"use strict";
(() => {
  const { t, el, call, problems, copyText } = window.Kefu;
  const $ = (id) => document.getElementById(id);
  const CUSTOMER = /^\s*(买家|客户|顾客|buyer|customer|c)\s*[:：]\s*/i;
  const AGENT = /^\s*(客服|卖家|商家|agent|seller|a)\s*[:：]\s*/i;
  let shop = "";
  let run = null; // the request on screen: { requestId, cards: Map(index -> card) }
  let ownFrom = null; // the stream index of the draft the agent is editing in "my reply", or null
  window.kefuTiming = {};

  /** Turns from "买家: …" / "客服: …" lines (a line without a prefix continues the turn before it), or a JSON request. */
  function parseInput(text) {
    const trimmed = text.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      const data = JSON.parse(trimmed);
      return Array.isArray(data) ? { conversation: data } : data;
    }
    const turns = [];
    for (const line of trimmed.split(/\r?\n/)) {
      if (!line.trim()) continue;
      const role = CUSTOMER.test(line) ? "customer" : AGENT.test(line) ? "agent" : null;
      const body = line.replace(role === "customer" ? CUSTOMER : AGENT, "").trim();
      if (role) turns.push({ role, text: body });
      else if (turns.length) turns[turns.length - 1].text += "\n" + line.trim();
      else turns.push({ role: "customer", text: line.trim() });
    }
    return { conversation: turns };
  }

  function requestBody() {
    const parsed = parseInput($("conversation").value);
    const body = { shop_id: shop, ...parsed };
    const order = $("order").value.trim();
    if (order && !parsed.order) body.order = JSON.parse(order);
    const now = $("now").value.trim();
    if (now && !parsed.now) body.now = now;
    return body;
  }

  function setStatus(text, kind) {
    const box = $("status");
    box.textContent = text;
    box.className = `status ${kind || ""}`;
  }

  function showProblems(box, found) {
    box.replaceChildren(el("div", { class: "error" }, found.message),
      found.items.length ? el("ul", { class: "problems" }, found.items.map((p) => el("li", {}, p))) : null);
  }

  async function draft() {
    let body;
    try {
      body = requestBody();
    } catch (error) {
      setStatus(`${t("error")}: ${error.message}`, "bad");
      return;
    }
    if (!body.conversation || !body.conversation.length) {
      setStatus(`${t("error")}: ${t("conv.hint")}`, "bad");
      return;
    }
    body.use_llm = $("use-llm").checked;
    body.stream = true;
    let finish;
    run = { requestId: null, cards: new Map(), finished: new Promise((resolve) => { finish = resolve; }) };
    ownFrom = null;
    const mine = run;
    $("drafts").replaceChildren();
    $("meta").replaceChildren();
    setStatus(t("status.drafting"));
    window.kefuTiming = { start: performance.now() };
    $("draft").disabled = true;
    try {
      const response = await call("POST", "/v1/drafts", { json: body });
      if (!response.ok) {
        showProblems($("status"), await problems(response));
        $("status").className = "status bad";
        return;
      }
      await window.readEvents(response, (event) => { if (run === mine) onEvent(event); });
    } catch (error) {
      setStatus(`${t("error")}: ${error.message}`, "bad");
    } finally {
      finish();
      $("draft").disabled = false;
    }
  }

  function onEvent(event) {
    if (event.type === "meta") {
      run.requestId = event.request_id;
      $("meta").textContent = `${event.intent} → ${event.decision}`;
    } else if (event.type === "draft") {
      finalCard(event);
      if (window.kefuTiming.firstDraft === undefined) {
        window.kefuTiming.firstDraft = performance.now() - window.kefuTiming.start;
        setStatus(`${t("status.first")}: ${Math.round(window.kefuTiming.firstDraft)} ${t("ms")}`);
      }
    } else if (event.type === "delta") {
      const card = streamingCard(event.index);
      card.text += event.choices[0].delta.content;
      card.body.textContent = card.text;
    } else if (event.type === "discard") {
      const card = run.cards.get(event.index);
      if (card && !card.final) {
        card.node.classList.add("discarded");
        card.state.textContent = `${t("discarded")}: ${event.reason}`;
      }
    } else if (event.type === "degraded") {
      $("meta").append(el("div", { class: "warn" }, `${t("degraded")}: ${event.reason}`));
    } else if (event.type === "done") {
      window.kefuTiming.done = performance.now() - window.kefuTiming.start;
      setStatus(`${t("status.done")} · ${Math.round(window.kefuTiming.done)} ${t("ms")} · ${t("model")} ${event.model}`, "good");
    }
  }

  function placeCard(index, node) {
    const after = [...$("drafts").children].find((c) => Number(c.dataset.index) > index);
    $("drafts").insertBefore(node, after || null);
  }

  function streamingCard(index) {
    let card = run.cards.get(index);
    if (card) return card;
    const state = el("span", { class: "state" }, t("writing"));
    const body = el("div", { class: "reply-text streaming" });
    const node = el("article", { class: "draft writing", "data-index": String(index) },
      el("header", {}, el("span", { class: "badge llm" }, t("src.llm")), state), body);
    card = { index, node, body, state, text: "", final: false };
    run.cards.set(index, card);
    placeCard(index, node);
    return card;
  }

  function finalCard(event) {
    const { index, draft, blocked } = event;
    const old = run.cards.get(index);
    const verdict = window.Verdicts.render(draft.text, draft.guard);
    const copy = el("button", { class: "copy primary", disabled: blocked, onclick: () => useDraft(index, draft.text) }, t("copy"));
    const edit = el("button", { class: "edit", onclick: () => editDraft(index, draft.text) }, t("edit"));
    const cites = el("div", { class: "cites" }, `${t("cites")}: `,
      draft.citations.map((c) => el("button", { class: "cite", onclick: () => showSource(c.chunk_id, c.version) }, c.chunk_id)));
    const state = el("span", { class: `state ${blocked ? "bad" : "good"}` },
      blocked ? t("blocked") : draft.guard.passed ? t("pass") : t("fail"));
    const node = el("article", { class: `draft ${blocked ? "blocked" : "passed"}`, "data-index": String(index),
      "data-source": draft.source },
    el("header", {}, el("span", { class: `badge ${draft.source}` }, t(`src.${draft.source}`)), state,
      draft.repaired ? el("span", { class: "repaired" }, t("repaired")) : null),
    verdict, draft.citations.length ? cites : null,
    el("footer", {}, copy, edit, el("span", { class: "feedback-status" })));
    if (old) old.node.replaceWith(node);
    else placeCard(index, node);
    run.cards.set(index, { index, node, text: draft.text, final: true, blocked });
  }

  /** The index a finished draft was streamed under: the server records the stream's drafts by that index. */
  function feedbackIndex(owner, index) {
    if (index === null) return null;
    const card = owner.cards.get(index);
    return card && card.final ? index : null;
  }

  /** POST /v1/feedback once the stream has ended (the server records a streamed request after its last event). */
  async function record(index, text, statusBox) {
    const mine = run;
    if (!mine) return;
    await mine.finished;
    if (!mine.requestId) return;
    const body = { request_id: mine.requestId, draft_index: feedbackIndex(mine, index), sent_text: text };
    let response;
    let found;
    for (const wait of [0, 300, 1000, 2000]) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      response = await call("POST", "/v1/feedback", { json: body });
      if (response.ok) {
        let entry = {};
        try { entry = await response.json(); } catch (_) { /* recorded all the same */ }
        statusBox.textContent = `${t("copied")} · ${t("recorded")}${entry.outcome ? ` (${t("outcome." + entry.outcome)})` : ""}`;
        statusBox.className = "feedback-status good";
        return;
      }
      found = await problems(response);
      const notYet = response.status === 404 && found.body && found.body.error !== "HTTPError";
      if (!notYet) break; // only "not recorded yet" is worth another try
    }
    const missing = response.status === 404 && (!found.body || found.body.error === "HTTPError");
    statusBox.textContent = missing ? t("feedback.missing") : `${t("feedback.failed")}${found.message}`;
    statusBox.className = "feedback-status warn";
  }

  async function useDraft(index, text) {
    const card = run.cards.get(index);
    const box = card.node.querySelector(".feedback-status");
    if (!(await copyText(text))) {
      box.textContent = t("copy.failed");
      return;
    }
    box.textContent = t("copied");
    await record(index, text, box);
  }

  function editDraft(index, text) {
    ownFrom = index;
    $("own").value = text;
    $("own").focus();
    checkOwn();
  }

  async function checkOwn() {
    const reply = $("own").value.trim();
    if (!reply) return;
    let context = {};
    try {
      context = requestBody();
    } catch (_) { /* the reply can be checked without the conversation */ }
    const body = { shop_id: shop, reply };
    if (context.conversation && context.conversation.length) body.conversation = context.conversation;
    if (context.order) body.order = context.order;
    if (context.now) body.now = context.now;
    const response = await call("POST", "/v1/guard", { json: body });
    if (!response.ok) {
      showProblems($("own-result"), await problems(response));
      return;
    }
    const guard = await response.json();
    $("own-result").replaceChildren(el("div", { class: `state ${guard.passed ? "good" : "bad"}` },
      guard.passed ? t("pass") : t("fail")), window.Verdicts.render(reply, guard));
  }

  async function sendOwn() {
    const text = $("own").value.trim();
    if (!text) return;
    const box = $("own-status");
    if (!(await copyText(text))) {
      box.textContent = t("copy.failed");
      return;
    }
    box.textContent = t("copied");
    await record(ownFrom, text, box);
  }

  /** The cited chunk as indexed now, and the document at the version the draft cited (an edit since is said). */
  async function showSource(chunkId, citedVersion) {
    const box = $("source");
    const response = await call("GET", `/v1/shops/${encodeURIComponent(shop)}/chunks/${encodeURIComponent(chunkId)}`);
    if (!response.ok) {
      showProblems(box, await problems(response));
      return;
    }
    const chunk = await response.json();
    const version = citedVersion || chunk.doc_version;
    const docUrl = `/v1/shops/${encodeURIComponent(shop)}/docs/${encodeURIComponent(chunk.doc_id)}?version=${version}`;
    box.replaceChildren(
      el("h4", {}, chunk.title),
      el("div", { class: "meta" }, el("code", {}, chunk.chunk_id), " · ", el("a", { href: docUrl, target: "_blank" },
        `${chunk.doc_id} ${t("version")} ${version}`), chunk.heading ? ` · ${chunk.heading}` : ""),
      version !== chunk.doc_version ? el("div", { class: "warn" }, t("source.stale", { v: chunk.doc_version })) : null,
      el("pre", { class: "chunk" }, chunk.text),
      el("a", { href: `/editor?shop=${encodeURIComponent(shop)}&doc=${encodeURIComponent(chunk.doc_id)}` }, t("source.open")));
  }

  function sampleOrder() {
    const day = 86400000;
    const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
    const now = Date.now();
    const order = { order_id: "S1", status: "delivered", paid_at: iso(now - 6 * day), shipped_at: iso(now - 5 * day),
      delivered_at: iso(now - 3 * day), items: shop === "demo"
        ? [{ sku: "AB3", title: "AirBeat 3 真无线蓝牙耳机", category: "耳机", price: 299, qty: 1 }] : [] };
    $("order").value = JSON.stringify(order, null, 2);
  }

  $("draft").addEventListener("click", draft);
  $("conversation").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) draft(); });
  $("own-check").addEventListener("click", checkOwn);
  $("own-send").addEventListener("click", sendOwn);
  $("own").addEventListener("input", () => { if (!$("own").value.trim()) ownFrom = null; });
  $("sample-order").addEventListener("click", sampleOrder);
  $("clear-order").addEventListener("click", () => { $("order").value = ""; });
  window.Kefu.setupHeader((picked) => { shop = picked; $("to-editor").href = `/editor?shop=${encodeURIComponent(picked)}`; });
})();
