/* The publish gate's preview report (POST …/docs/{id}/preview, or the `preview` of a 409 PreviewNotClean):
   totals, then every changed golden conversation and guard case, the ones that got worse first. */
"use strict";
window.PreviewReport = (() => {
  const { el, t } = window.Kefu;

  const arrow = (before, after) => `${before} → ${after}`;
  const count = (flags) => `${flags.filter(Boolean).length}/${flags.length}`;
  const list = (items) => (items.length ? items.join(", ") : t("pv.none"));

  /** What changed in a conversation's top draft, as label/value rows (only the parts that changed). */
  function conversationRows(c) {
    const { before, after } = c;
    const rows = [];
    if (before.decision !== after.decision) {
      rows.push([t("pv.decision"), `${arrow(before.decision, after.decision)} (${t("pv.expected")} ${c.expected_decision})`]);
    }
    if (before.must_state.some((s, i) => s !== after.must_state[i])) {
      const lost = before.must_state.map((s, i) => (s && !after.must_state[i] ? `#${i + 1}` : null)).filter(Boolean);
      const gained = after.must_state.map((s, i) => (s && !before.must_state[i] ? `#${i + 1}` : null)).filter(Boolean);
      rows.push([t("pv.facts"), `${arrow(count(before.must_state), count(after.must_state))}`
        + (lost.length ? ` · ${t("pv.lost")} ${lost.join(" ")}` : "")
        + (gained.length ? ` · ${t("pv.gained")} ${gained.join(" ")}` : "")]);
    }
    const added = after.never_say.filter((p) => !before.never_say.includes(p));
    const dropped = before.never_say.filter((p) => !after.never_say.includes(p));
    if (added.length) rows.push([t("pv.forbidden.added"), added.join(", ")]);
    if (dropped.length) rows.push([t("pv.forbidden.dropped"), dropped.join(", ")]);
    if (before.guard_passed !== after.guard_passed) {
      rows.push([t("pv.guard"), arrow(t(before.guard_passed ? "pass" : "fail"), t(after.guard_passed ? "pass" : "fail"))]);
    }
    if (!rows.length) rows.push([t("pv.text"), t("pv.text.only")]);
    return rows;
  }

  function guardRows(g) {
    const added = g.after.filter((c) => !g.before.includes(c));
    const dropped = g.before.filter((c) => !g.after.includes(c));
    const rows = [[t("pv.flagged"), arrow(list(g.before), list(g.after))], [t("pv.expect"), list(g.expect)]];
    if (added.length) rows.push([t("pv.flagged.added"), added.join(", ")]);
    if (dropped.length) rows.push([t("pv.flagged.dropped"), dropped.join(", ")]);
    return rows;
  }

  function item(kind, id, problems, rows, details) {
    const worse = problems.length > 0;
    return el("li", { class: `pv-case ${worse ? "worse" : "changed"}`, "data-case": id, "data-kind": kind },
      el("div", { class: "pv-head" },
        el("span", { class: `pv-flag ${worse ? "bad" : ""}` }, worse ? t("pv.worse") : t("pv.changed")),
        el("code", {}, id), el("span", { class: "badge" }, t(`pv.kind.${kind}`))),
      worse ? el("ul", { class: "problems" }, problems.map((p) => el("li", {}, p))) : null,
      el("dl", { class: "pv-rows" }, rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      el("details", {}, el("summary", {}, t(kind === "conversation" ? "pv.drafts" : "pv.reply")), details));
  }

  function conversation(c) {
    return item("conversation", c.case_id, c.problems, conversationRows(c), [
      el("div", { class: "meta" }, t("pv.before")), el("div", { class: "pv-text del" }, c.before.text || "—"),
      el("div", { class: "meta" }, t("pv.after")), el("div", { class: "pv-text add" }, c.after.text || "—")]);
  }

  function guardCase(g) {
    return item("guard", g.case_id, g.problems, guardRows(g), el("div", { class: "pv-text" }, g.reply));
  }

  /** The report in `box`: totals, then the cases that got worse, then the other changes. */
  function render(box, report) {
    const cases = [
      ...report.changed_conversations.map((c) => ({ worse: c.problems.length > 0, node: () => conversation(c) })),
      ...report.changed_guard_cases.map((g) => ({ worse: g.problems.length > 0, node: () => guardCase(g) })),
    ];
    const worse = cases.filter((c) => c.worse);
    const other = cases.filter((c) => !c.worse);
    box.replaceChildren(
      el("div", { class: `pv-totals ${report.clean ? "clean" : "dirty"}` },
        el("strong", {}, report.clean ? t("pv.clean") : t("pv.dirty", { n: report.problems })),
        el("table", {}, el("tbody", {},
          el("tr", {}, el("th", {}), el("th", {}, t("pv.run")), el("th", {}, t("pv.changed.n")), el("th", {}, t("pv.worse.n"))),
          el("tr", { class: "pv-conv" }, el("th", {}, t("pv.conversations")), el("td", {}, report.conversations),
            el("td", {}, report.changed_conversations.length),
            el("td", {}, report.changed_conversations.filter((c) => c.problems.length).length)),
          el("tr", { class: "pv-guard" }, el("th", {}, t("pv.guard_cases")), el("td", {}, report.guard_cases),
            el("td", {}, report.changed_guard_cases.length),
            el("td", {}, report.changed_guard_cases.filter((g) => g.problems.length).length)))),
        el("div", { class: "meta" }, t("pv.base", { doc: report.doc_id, v: report.base_version }))),
      worse.length ? el("h4", { class: "bad" }, `${t("pv.worse.title")} (${worse.length})`) : null,
      worse.length ? el("ul", { class: "pv-list" }, worse.map((c) => c.node())) : null,
      other.length ? el("h4", {}, `${t("pv.other.title")} (${other.length})`) : null,
      other.length ? el("ul", { class: "pv-list" }, other.map((c) => c.node())) : null,
      cases.length ? null : el("div", { class: "empty" }, t("pv.nothing")));
  }

  return { render };
})();
