/* Shared by the console and the editor: API calls with the user's key, labels, small DOM helpers. */
"use strict";
window.Kefu = (() => {
  const KEY = "kefu.apiKey";
  const LANG = "kefu.lang";

  function lang() {
    const saved = localStorage.getItem(LANG);
    if (saved === "zh" || saved === "en") return saved;
    return (navigator.language || "zh").toLowerCase().startsWith("zh") ? "zh" : "en";
  }

  function t(key, vars) {
    const labels = window.KEFU_LABELS[lang()] || window.KEFU_LABELS.zh;
    let text = labels[key] !== undefined ? labels[key] : key;
    for (const [name, value] of Object.entries(vars || {})) text = text.replace(`{${name}}`, String(value));
    return text;
  }

  function applyLabels(root) {
    document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
    for (const node of (root || document).querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of (root || document).querySelectorAll("[data-i18n-ph]")) node.placeholder = t(node.dataset.i18nPh);
    for (const node of (root || document).querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  }

  function headers(extra) {
    const result = Object.assign({}, extra || {});
    const key = localStorage.getItem(KEY);
    if (key) result.Authorization = `Bearer ${key}`;
    return result;
  }

  /** fetch with the key; `json` or `text` (Markdown) as the body. */
  function call(method, path, options) {
    const opts = options || {};
    const init = { method, headers: headers(opts.headers) };
    if (opts.json !== undefined) {
      init.body = JSON.stringify(opts.json);
      init.headers["Content-Type"] = "application/json";
    } else if (opts.text !== undefined) {
      init.body = opts.text;
      init.headers["Content-Type"] = "text/markdown; charset=utf-8";
    }
    return fetch(path, init);
  }

  /** The problem an error answer names: message, where, and each listed problem. */
  async function problems(response) {
    let body = null;
    try { body = await response.json(); } catch (_) { /* not JSON */ }
    if (!body) return { message: `HTTP ${response.status}`, items: [] };
    const items = (body.errors || []).map((e) => `${e.where ? e.where + ": " : ""}${e.message}`);
    return { message: `${response.status} ${body.error || ""}: ${body.message || ""}`, items, body };
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) {
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    }
    return node;
  }

  /** The header's shop picker, key box and language switch; calls onShop(shop) when the shop changes. */
  async function setupHeader(onShop) {
    const keyBox = document.getElementById("api-key");
    keyBox.value = localStorage.getItem(KEY) || "";
    document.getElementById("key-save").addEventListener("click", () => {
      localStorage.setItem(KEY, keyBox.value.trim());
      location.reload();
    });
    document.getElementById("lang").addEventListener("click", () => {
      localStorage.setItem(LANG, lang() === "zh" ? "en" : "zh");
      location.reload();
    });
    applyLabels();
    const picker = document.getElementById("shop");
    const health = await (await fetch("/healthz")).json();
    document.getElementById("key-area").hidden = health.auth !== "keys";
    const wanted = new URLSearchParams(location.search).get("shop") || localStorage.getItem("kefu.shop");
    for (const shop of health.shops) picker.append(el("option", { value: shop, text: shop }));
    if (wanted && health.shops.includes(wanted)) picker.value = wanted;
    picker.addEventListener("change", () => {
      localStorage.setItem("kefu.shop", picker.value);
      onShop(picker.value);
    });
    onShop(picker.value);
    return health;
  }

  /** Copy text: the Clipboard API where allowed, else a selected textarea. */
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      const area = el("textarea", { style: "position:fixed;left:-9999px" });
      area.value = text;
      document.body.append(area);
      area.select();
      const done = document.execCommand("copy");
      area.remove();
      return done;
    }
  }

  return { t, lang, applyLabels, call, problems, el, setupHeader, copyText };
})();
