/* Guard verdicts on a reply: the text with each violation's span highlighted, and the list of violations. */
"use strict";
window.Verdicts = (() => {
  const { el, t } = window.Kefu;
  const RANK = { error: 3, warning: 2, info: 1 };

  function label(v) {
    return `${t("sev." + v.severity)} · ${v.category} · ${v.message}`;
  }

  /** The reply with <mark> over each violation's [start, end) span (offsets in code points, as the server counts). */
  function highlighted(text, violations, owner) {
    const chars = Array.from(text);
    const cover = chars.map(() => []);
    violations.forEach((v, i) => {
      const [start, end] = v.span;
      for (let c = Math.max(0, start); c < Math.min(end, chars.length); c++) cover[c].push(i);
    });
    const box = el("div", { class: "reply-text" });
    let c = 0;
    while (c < chars.length) {
      const ids = cover[c].join(",");
      let end = c + 1;
      while (end < chars.length && cover[end].join(",") === ids) end++;
      const piece = chars.slice(c, end).join("");
      if (!ids) {
        box.append(piece);
      } else {
        const found = cover[c].map((i) => violations[i]);
        const worst = found.reduce((a, b) => (RANK[b.severity] > RANK[a.severity] ? b : a));
        box.append(el("mark", {
          class: `sev-${worst.severity}`, title: found.map(label).join("\n"), "data-v": ids,
          onclick: () => focusItem(owner, cover[c][0]),
        }, piece));
      }
      c = end;
    }
    return box;
  }

  function focusItem(owner, index) {
    const item = owner && owner.querySelector(`li[data-v="${index}"]`);
    if (item) {
      item.classList.add("flash");
      item.scrollIntoView({ block: "nearest" });
      setTimeout(() => item.classList.remove("flash"), 1200);
    }
  }

  /** One list item per violation: severity, category, rule, message, and the suggested fix if there is one. */
  function list(violations) {
    const items = violations.map((v, i) => el("li", { class: `sev-${v.severity}`, "data-v": String(i) },
      el("span", { class: "sev" }, t("sev." + v.severity)), " ",
      el("code", {}, v.rule), " ", v.message,
      v.suggestion ? el("div", { class: "suggestion" }, `${t("suggest")}: `, el("q", {}, v.suggestion)) : null));
    return el("ul", { class: "violations" }, items);
  }

  /** The whole verdict: highlighted text, then the list (or "no problems"). */
  function render(text, guard) {
    const owner = el("div", { class: "verdict" });
    owner.append(highlighted(text, guard.violations, owner));
    if (guard.violations.length) owner.append(list(guard.violations));
    else owner.append(el("div", { class: "ok" }, t("no.violations")));
    if (guard.degraded) owner.append(el("div", { class: "warn" }, `${t("guard.degraded")}: ${guard.degraded_reason || ""}`));
    return owner;
  }

  return { highlighted, list, render };
})();
