// dagwell ui: live updates by polling, the memory chart (uPlot), log follow, actions.
// Everything shown comes from the server already escaped, or is set with textContent.
"use strict";

const MB = 1e6;

function fmtBytes(v) {
  if (v == null) return "";
  return v >= 1e9 ? (v / 1e9).toFixed(2) + " GB" : Math.round(v / MB) + " MB";
}

function memoryChart(el, data) {
  el.textContent = "";
  const kills = document.getElementById("kills");
  if (kills) {
    kills.textContent = "";
    for (const k of data.kills) {
      const li = document.createElement("li");
      li.className = "kill-item";
      li.textContent = `✕ ${k.label} OOM-killed at ${k.t.toFixed(1)} s`;
      kills.appendChild(li);
    }
  }
  if (!data.series.length && !data.node.t.length) {
    el.textContent = data.kills.length ? "" : "no samples";
    if (!data.kills.length) return null;
  }
  // One shared x axis: the union of every sample time and kill moment.
  const xs = new Set(data.node.t);
  for (const s of data.series) for (const t of s.t) xs.add(t);
  for (const k of data.kills) xs.add(k.t);
  const x = Array.from(xs).sort((a, b) => a - b);
  const at = (ts, vs) => {
    const m = new Map(ts.map((t, i) => [t, vs[i]]));
    return x.map((t) => (m.has(t) ? m.get(t) : null));
  };
  const cols = [x];
  const series = [{ label: "seconds" }];
  cols.push(x.map(() => data.capacity ?? null));
  series.push({ label: "node capacity", stroke: "#b00020", width: 2, dash: [8, 4], value: (u, v) => fmtBytes(v) });
  cols.push(at(data.node.t, data.node.v));
  series.push({ label: "node usage", stroke: "#333", width: 2, spanGaps: true, value: (u, v) => fmtBytes(v) });
  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];
  data.series.forEach((s, i) => {
    cols.push(at(s.t, s.v));
    series.push({ label: s.label, stroke: palette[i % palette.length], spanGaps: true, value: (u, v) => fmtBytes(v) });
  });
  const limits = new Set(data.series.map((s) => s.limit).filter((v) => v));
  for (const lim of limits) {
    cols.push(x.map(() => lim));
    series.push({ label: `limit ${fmtBytes(lim)}`, stroke: "#999", dash: [2, 4], value: (u, v) => fmtBytes(v) });
  }
  const opts = {
    width: Math.min(1000, el.clientWidth || 900),
    height: 320,
    scales: { x: { time: false } },
    axes: [{ label: "seconds since the run started" }, { values: (u, vals) => vals.map(fmtBytes), size: 70 }],
    series,
    hooks: {
      draw: [
        (u) => {
          // Kill markers: a red line at each kill moment, and a DOM marker for each.
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#d00";
          ctx.lineWidth = 2;
          for (const k of data.kills) {
            const px = u.valToPos(k.t, "x", true);
            ctx.beginPath();
            ctx.moveTo(px, u.bbox.top);
            ctx.lineTo(px, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
          u.over.querySelectorAll(".kill-marker").forEach((m) => m.remove());
          for (const k of data.kills) {
            const m = document.createElement("div");
            m.className = "kill-marker";
            m.title = `${k.label} OOM-killed at ${k.t.toFixed(1)} s`;
            m.textContent = "✕";
            m.style.left = u.valToPos(k.t, "x") - 6 + "px";
            u.over.appendChild(m);
          }
        },
      ],
    },
  };
  return new uPlot(opts, cols, el);
}

function post(url) {
  return fetch(url, { method: "POST", headers: { "X-Requested-With": "dagwell" }, credentials: "same-origin" });
}

function setupRun() {
  const root = document.getElementById("run");
  if (!root) return;
  const id = root.dataset.run;
  const chartEl = document.getElementById("memory-chart");
  let data = JSON.parse(document.getElementById("memory-data").textContent);
  memoryChart(chartEl, data);
  let running = root.dataset.running === "yes";
  let lastMemory = JSON.stringify(data);
  async function poll() {
    try {
      const r = await fetch(`/runs/${id}/live`, { credentials: "same-origin" });
      if (r.ok) {
        const live = await r.json();
        for (const [name, html] of Object.entries(live.fragments)) {
          const el = document.getElementById(name);
          if (el) el.innerHTML = html; // rendered and escaped by the server
        }
        const m = JSON.stringify(live.memory);
        if (m !== lastMemory) { lastMemory = m; memoryChart(chartEl, live.memory); }
        running = live.running;
        root.dataset.running = running ? "yes" : "no";
        root.dataset.polls = String(Number(root.dataset.polls || 0) + 1);
        if (!running) document.getElementById("stop")?.remove();
      }
    } catch (e) { /* the server restarts: try again */ }
    if (running) setTimeout(poll, 1000);
  }
  if (running) setTimeout(poll, 1000);
  for (const button of document.querySelectorAll("[data-action]")) {
    button.addEventListener("click", async () => {
      const action = button.dataset.action;
      if (!confirm(`${action === "stop" ? "Stop" : "Resume"} run ${id}?`)) return;
      const r = await post(`/runs/${id}/${action}`);
      const out = document.getElementById("action-result");
      out.textContent = r.ok ? `${action}: ${(await r.json()).status}` : `${action} refused: ${await r.text()}`;
      if (r.ok && !running) { running = true; setTimeout(poll, 500); }
    });
  }
}

function setupLogs() {
  for (const pre of document.querySelectorAll("pre[data-log]")) {
    let offset = null;
    let first = true;
    async function follow() {
      const sep = pre.dataset.log.includes("?") ? "&" : "?"; // (a step id in the query)
      const url = pre.dataset.log + (offset == null ? "" : `${sep}offset=${offset}`);
      const r = await fetch(url, { credentials: "same-origin" });
      if (!r.ok) { pre.textContent = await r.text(); return; }
      const d = await r.json();
      if (first) { pre.textContent = d.text || "(empty log)"; first = false; }
      else if (d.text) pre.textContent += d.text; // text, never HTML
      offset = d.offset;
      pre.dataset.loaded = "yes";
      if (d.running) setTimeout(follow, 1000);
    }
    follow();
  }
}

setupRun();
setupLogs();
