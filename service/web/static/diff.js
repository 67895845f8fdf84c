/* A line diff (longest common subsequence) for documents of a few hundred lines; unchanged runs are folded. */
"use strict";
window.lineDiff = function lineDiff(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lcs = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * cols + j] = a[i] === b[j] ? lcs[(i + 1) * cols + j + 1] + 1
        : Math.max(lcs[(i + 1) * cols + j], lcs[i * cols + j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { out.push({ op: " ", text: a[i] }); i++; j++; }
    else if (i < a.length && (j === b.length || lcs[(i + 1) * cols + j] >= lcs[i * cols + j + 1])) { out.push({ op: "-", text: a[i] }); i++; }
    else { out.push({ op: "+", text: b[j] }); j++; }
  }
  return out;
};

/** The diff as DOM lines; runs of more than 2*context unchanged lines are folded. */
window.renderDiff = function renderDiff(lines, context) {
  const keep = context === undefined ? 2 : context;
  const box = document.createElement("div");
  const near = lines.map((_, k) => lines.slice(Math.max(0, k - keep), k + keep + 1).some((l) => l.op !== " "));
  let folded = 0;
  const flush = () => {
    if (folded) {
      const gap = document.createElement("div");
      gap.className = "gap";
      gap.textContent = `… ${folded} …`;
      box.append(gap);
      folded = 0;
    }
  };
  lines.forEach((line, k) => {
    if (line.op === " " && !near[k]) { folded++; return; }
    flush();
    const row = document.createElement("div");
    row.className = line.op === "+" ? "add" : line.op === "-" ? "del" : "same";
    row.textContent = `${line.op} ${line.text}`;
    box.append(row);
  });
  flush();
  if (!lines.some((l) => l.op !== " ")) box.textContent = "=";
  return box;
};
