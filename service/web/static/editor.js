/* The knowledge editor: list, open, edit and save with If-Match; 412 and 422 shown; the publish gate's preview
   (and a 409 PreviewNotClean on save); history, diff, restore. */
"use strict";
(() => {
  const { t, el, call, problems } = window.Kefu;
  const $ = (id) => document.getElementById(id);
  let shop = "";
  let docs = [];
  let open = null; // { docId, version, saved } — version 0: a new document
  let previewing = false; // a preview is running (it takes seconds): its button stays disabled

  const docPath = (docId) => `/v1/shops/${encodeURIComponent(shop)}/docs/${encodeURIComponent(docId)}`;

  function message(kind, ...children) {
    $("messages").replaceChildren(el("div", { class: `banner ${kind}` }, ...children));
  }

  function problemsBox(title, found) {
    return el("div", { class: "banner problems-box" }, el("strong", {}, title), el("div", {}, found.message),
      found.items.length ? el("ul", { class: "problems" }, found.items.map((p) => el("li", {}, p))) : null);
  }

  async function fail(response, box) {
    const found = await problems(response);
    (box || $("messages")).replaceChildren(el("div", { class: "banner problems-box" }, found.message,
      found.items.length ? el("ul", { class: "problems" }, found.items.map((p) => el("li", {}, p))) : null));
  }

  async function loadList() {
    const response = await call("GET", `/v1/shops/${encodeURIComponent(shop)}/docs`);
    if (!response.ok) {
      await fail(response, $("list-status"));
      return;
    }
    docs = (await response.json()).docs;
    renderList();
  }

  function renderList() {
    const words = $("filter").value.trim().toLowerCase();
    const shown = docs.filter((d) => !words || `${d.doc_id} ${d.title} ${d.type}`.toLowerCase().includes(words));
    $("doc-list").replaceChildren(...shown.map((d) => el("li", {
      class: open && open.docId === d.doc_id ? "open" : "", "data-doc": d.doc_id, onclick: () => openDoc(d.doc_id),
    }, el("div", {}, d.title), el("div", { class: "type" }, `${d.doc_id} · ${d.type} · v${d.version}`))));
  }

  function dirty() {
    return open && !$("text").readOnly && $("text").value !== open.saved;
  }

  async function openDoc(docId) {
    if (dirty() && !confirm(t("dirty"))) return;
    const response = await call("GET", docPath(docId));
    if (!response.ok) {
      await fail(response);
      return;
    }
    const text = await response.text();
    open = { docId, version: Number((response.headers.get("ETag") || '"0"').replace(/\D/g, "")), saved: text };
    show(text, false);
    $("messages").replaceChildren();
    closePreview();
    history.replaceState(null, "", `/editor?shop=${encodeURIComponent(shop)}&doc=${encodeURIComponent(docId)}`);
    renderList();
    await loadHistory();
  }

  function show(text, readOnly) {
    $("doc-title").textContent = `${open.docId} · ${t("version")} ${open.version || "—"}`;
    $("text").value = text;
    $("text").disabled = false;
    $("text").readOnly = readOnly;
    $("save").disabled = readOnly;
    $("preview").disabled = readOnly || previewing;
    $("reload").disabled = false;
  }

  function newDoc() {
    const docId = $("new-id").value.trim();
    if (!docId) return;
    if (dirty() && !confirm(t("dirty"))) return;
    open = { docId, version: 0, saved: "" };
    show(`---\nid: ${docId}\ntype: faq\ntitle: \n---\n# \n\n`, false);
    $("messages").replaceChildren();
    closePreview();
    $("history-list").replaceChildren();
    $("diff").replaceChildren();
  }

  async function save() {
    if (!open) return;
    const mine = $("text").value;
    const note = $("note").value.trim();
    $("save").disabled = true; // a shop requiring clean previews runs one before saving: seconds
    message("pending", t("saving"));
    let response;
    try {
      response = await call("PUT", `${docPath(open.docId)}?note=${encodeURIComponent(note)}`,
        { text: mine, headers: { "If-Match": `"${open.version}"` } });
    } finally {
      $("save").disabled = $("text").readOnly;
    }
    if (response.status === 412) {
      conflict(mine, await problems(response));
      return;
    }
    if (!response.ok) {
      const found = await problems(response);
      if (response.status === 409 && found.body && found.body.error === "PreviewNotClean" && found.body.preview) {
        $("messages").replaceChildren(el("div", { class: "banner problems-box not-clean" },
          el("strong", {}, t("pv.not_clean")), el("div", {}, found.message)));
        showPreview(found.body.preview, el("div", { class: "banner problems-box not-clean" }, t("pv.not_clean.short")));
        return;
      }
      $("messages").replaceChildren(problemsBox(t("problems"), found));
      return;
    }
    const result = await response.json();
    open.version = result.version;
    open.saved = mine;
    $("note").value = "";
    $("doc-title").textContent = `${open.docId} · ${t("version")} ${open.version}`;
    message("ok", result.changed ? `${t("saved")} ${result.version} (${result.chunks} chunks)` : t("unchanged"));
    await loadList();
    await loadHistory();
  }

  function closePreview() {
    if (previewing) return;
    $("preview-panel").hidden = true;
    document.querySelector("main.editor").classList.remove("previewing");
  }

  function openPanel() {
    $("preview-panel").hidden = false;
    document.querySelector("main.editor").classList.add("previewing");
    $("preview-panel").scrollIntoView({ block: "start" });
  }

  /** The report of the text in the editor (from the preview button, or a refused save) in the panel. */
  function showPreview(report, banner) {
    openPanel();
    $("preview-banner").replaceChildren(...(banner ? [banner] : []));
    $("preview-status").textContent = t("pv.of", { time: new Date().toLocaleTimeString() });
    window.PreviewReport.render($("preview-body"), report);
  }

  async function previewEdit() {
    if (!open || previewing) return;
    previewing = true;
    const started = Date.now();
    const label = () => `${t("pv.running")} ${Math.round((Date.now() - started) / 1000)} ${t("seconds")}`;
    openPanel();
    $("preview").disabled = true;
    $("preview").textContent = t("pv.button.running");
    $("preview-banner").replaceChildren();
    $("preview-body").replaceChildren();
    $("preview-status").textContent = label();
    $("preview-status").classList.add("running");
    const ticker = setInterval(() => { $("preview-status").textContent = label(); }, 1000);
    try {
      const response = await call("POST", `${docPath(open.docId)}/preview`, { text: $("text").value });
      clearInterval(ticker);
      if (!response.ok) {
        $("preview-status").textContent = "";
        $("preview-body").replaceChildren(problemsBox(t("pv.invalid"), await problems(response)));
        return;
      }
      const report = await response.json();
      showPreview(report, null);
      $("preview-status").textContent += ` · ${t("pv.took", { s: ((Date.now() - started) / 1000).toFixed(1) })}`;
    } catch (error) {
      $("preview-status").textContent = "";
      $("preview-body").replaceChildren(el("div", { class: "banner problems-box" }, error.message));
    } finally {
      clearInterval(ticker);
      previewing = false;
      $("preview-status").classList.remove("running");
      $("preview").textContent = t("pv.button");
      $("preview").disabled = $("text").readOnly;
    }
  }

  function conflict(mine, found) {
    message("conflict", el("strong", {}, t("conflict")), el("div", { class: "meta" }, found.message),
      el("div", { class: "row" },
        el("button", { onclick: async () => {
          const latest = await call("GET", docPath(open.docId));
          const box = $("diff");
          box.replaceChildren(el("div", { class: "meta" }, t("conflict.diff")),
            window.renderDiff(window.lineDiff(await latest.text(), mine)));
        } }, t("conflict.diff")),
        el("button", { onclick: () => { open.saved = $("text").value; openDoc(open.docId); } }, t("conflict.load"))));
  }

  async function loadHistory() {
    const response = await call("GET", `${docPath(open.docId)}/history`);
    if (!response.ok) {
      await fail(response, $("history-list"));
      return;
    }
    const versions = (await response.json()).versions.slice().reverse();
    $("history-list").replaceChildren(...versions.map((v) => el("li", { "data-version": String(v.version) },
      el("strong", {}, `v${v.version}`), v.version === open.version ? ` (${t("current")})` : "",
      v.deleted ? ` ${t("deleted")}` : "", ` · ${v.author} · ${new Date(v.created_at).toLocaleString()}`,
      v.note ? el("div", { class: "meta" }, v.note) : null,
      el("div", { class: "row" },
        v.deleted ? null : el("button", { class: "view", onclick: () => viewVersion(v.version) }, t("view")),
        v.deleted ? null : el("button", { class: "diff-prev", onclick: () => diffVersions(v.version - 1, v.version),
          disabled: v.version === 1 }, t("diff")),
        v.version === open.version || v.deleted ? null
          : el("button", { class: "restore", onclick: () => restore(v.version) }, t("restore"))))));
    const live = versions.filter((v) => !v.deleted).map((v) => v.version);
    for (const id of ["diff-from", "diff-to"]) {
      $(id).replaceChildren(...live.map((n) => el("option", { value: String(n) }, `v${n}`)));
    }
    if (live.length > 1) $("diff-from").value = String(live[1]);
  }

  async function versionText(version) {
    const response = await call("GET", `${docPath(open.docId)}?version=${version}`);
    if (!response.ok) throw new Error((await problems(response)).message);
    return response.text();
  }

  async function viewVersion(version) {
    if (dirty() && !confirm(t("dirty"))) return;
    try {
      const text = await versionText(version);
      show(text, version !== open.version);
      $("doc-title").textContent = `${open.docId} · ${t("version")} ${version}`;
      if (version !== open.version) {
        message("conflict", t("viewing"), " ", el("button", { onclick: () => openDoc(open.docId) }, t("back")));
      }
    } catch (error) {
      message("problems-box", error.message);
    }
  }

  async function diffVersions(from, to) {
    try {
      const [before, after] = await Promise.all([versionText(from), versionText(to)]);
      $("diff").replaceChildren(el("div", { class: "meta" }, `v${from} → v${to}`),
        window.renderDiff(window.lineDiff(before, after)));
    } catch (error) {
      $("diff").replaceChildren(el("div", { class: "error" }, error.message));
    }
  }

  async function restore(version) {
    if (!confirm(t("restore.confirm", { v: version }))) return;
    const response = await call("POST", `${docPath(open.docId)}/restore`,
      { json: { version, note: $("note").value.trim() }, headers: { "If-Match": `"${open.version}"` } });
    if (response.status === 412) {
      conflict($("text").value, await problems(response));
      return;
    }
    if (!response.ok) {
      await fail(response);
      return;
    }
    const result = await response.json();
    open.saved = $("text").value; // not dirty: the restored text replaces it
    await openDoc(open.docId);
    message("ok", `${t("restored")} ${result.version}`);
  }

  $("filter").addEventListener("input", renderList);
  $("new-doc").addEventListener("click", newDoc);
  $("save").addEventListener("click", save);
  $("preview").addEventListener("click", previewEdit);
  $("preview-close").addEventListener("click", closePreview);
  $("reload").addEventListener("click", () => open && openDoc(open.docId));
  $("diff-show").addEventListener("click", () => diffVersions(Number($("diff-from").value), Number($("diff-to").value)));
  $("text").addEventListener("keydown", (e) => { if (e.key === "s" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); save(); } });
  window.addEventListener("beforeunload", (e) => { if (dirty()) e.preventDefault(); });
  window.Kefu.setupHeader(async (picked) => {
    shop = picked;
    open = null;
    $("to-console").href = `/console?shop=${encodeURIComponent(picked)}`;
    await loadList();
    const wanted = new URLSearchParams(location.search).get("doc");
    if (wanted && docs.some((d) => d.doc_id === wanted)) await openDoc(wanted);
  });
})();
