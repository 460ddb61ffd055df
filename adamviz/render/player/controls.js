// The runs panel: a row per run (show it, its swatch with its dash, its live label, a status
// badge saying why, reset, remove) and under it a control per hyperparameter its optimizer
// declares: a slider on the declared scale (stretched to reach the run's value) and a box for
// the exact number, or a switch. Every change goes through the player's own API (`act`), so a
// click, a key, a link and a script all take one road.
"use strict";

const Controls = (function () {
  const POSITIONS = 1000;  // a slider's steps

  // The declared range, stretched to reach the run's value (it only ever grows, so a slider
  // never shifts under the hand that drags it)
  function sliderRange(c, value, was = c.slider) {
    let {min, max} = was;
    if (Number.isFinite(value)) {
      if (c.slider.scale === "log") {
        if (value > 0) { min = Math.min(min, value); max = Math.max(max, value); }
      } else { min = Math.min(min, value); max = Math.max(max, value); }
    }
    return {min, max, scale: c.slider.scale};
  }
  const toValue = ({min, max, scale}, pos) => (scale === "log"
    ? Math.exp(Math.log(min) + (Math.log(max) - Math.log(min)) * pos / POSITIONS)
    : min + (max - min) * pos / POSITIONS);
  const toPosition = ({min, max, scale}, v) => Math.round(POSITIONS * (scale === "log"
    ? (Math.log(Math.max(v, min)) - Math.log(min)) / (Math.log(max) - Math.log(min))
    : (v - min) / ((max - min) || 1)));
  // what a slider's position reads as: three significant digits, like the labels
  const spoken = (c, v) => `${c.name} ${typeof v === "boolean" ? v : Model.g3(v)}`;

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k.startsWith("aria") || k.startsWith("data")) node.setAttribute(k.replace(
        /[A-Z]/g, (m) => "-" + m.toLowerCase()), v);
      else node[k] = v;
    }
    node.append(...children);
    return node;
  }

  function swatch(color, dash) {  // the run's line as the view draws it: colour and dash
    const c = document.createElement("canvas"), ratio = window.devicePixelRatio || 1;
    c.width = 34 * ratio; c.height = 12 * ratio; c.className = "swatch";
    c.style.width = "34px"; c.style.height = "12px"; c.setAttribute("aria-hidden", "true");
    const ctx = c.getContext("2d");
    ctx.scale(ratio, ratio); ctx.setLineDash(dash); ctx.strokeStyle = color; ctx.lineWidth = 3;
    ctx.beginPath(); ctx.moveTo(2, 6); ctx.lineTo(32, 6); ctx.stroke();
    return c;
  }

  function knob(run, i, c, act) {
    const id = `knob-${i}-${c.name}`, value = run.hyperparameters[c.name];
    const name = c.kind === "switch" || c.symbol === c.name
      ? el("label", {htmlFor: id, title: c.about || c.name}, c.name)
      : el("label", {htmlFor: id, title: c.about || c.name},
           el("span", {className: "symbol"}, c.symbol), " ", c.name);
    const row = el("div", {className: "knob", dataName: c.name});
    if (c.kind === "switch") {
      const box = el("input", {type: "checkbox", id, checked: value === true,
                               disabled: !run.live});
      box.dataset.name = c.name;
      box.addEventListener("change", () => act(() => window.adamvizPlayer.set(
        runIndex(run), c.name, box.checked)));
      row.append(box, name);
      return row;
    }
    const range = sliderRange(c, value);
    const slider = el("input", {type: "range", id, min: 0, max: POSITIONS, step: 1,
                                value: toPosition(range, value), disabled: !run.live,
                                ariaValuetext: spoken(c, value)});
    slider.dataset.name = c.name;
    slider.range = range;
    const exact = el("input", {type: "number", step: "any", value: String(value),
                               disabled: !run.live, className: "exact",
                               ariaLabel: `${c.name} of run ${i + 1}, exact value`});
    slider.addEventListener("input", () => act(() => window.adamvizPlayer.set(
      runIndex(run), c.name, Number(toValue(slider.range, Number(slider.value))
        .toPrecision(6)))));
    exact.addEventListener("change", () => act(() => {
      try {  // a refused value: the notice says why, the box shows the value in effect
        window.adamvizPlayer.set(runIndex(run), c.name,
                                 exact.value.trim() === "" ? NaN : Number(exact.value));
      } catch (e) { exact.value = String(run.hyperparameters[c.name]); throw e; }
    }));
    row.append(name, slider, exact);
    return row;
  }

  let runsOf = () => [];
  const runIndex = (run) => runsOf().indexOf(run);

  // The whole panel, made again when runs come or go; `refresh` keeps it current otherwise
  function build(box, runs, data, act) {
    runsOf = () => runs;
    box.replaceChildren();
    runs.forEach((run, i) => {
      const show = el("input", {type: "checkbox", id: `show-${i}`, checked: run.visible});
      show.addEventListener("change", () => act(() => window.adamvizPlayer.show(
        runIndex(run), show.checked)));
      const head = el("div", {className: "head"}, show,
                      el("label", {htmlFor: `show-${i}`, className: "name"},
                         el("span", {className: "sw"}), el("span", {className: "label"})),
                      el("span", {className: "badge", role: "note"}));
      const tools = el("span", {className: "tools"});
      const reset = el("button", {type: "button", className: "reset", textContent: "reset",
                                  hidden: !run.live});
      reset.addEventListener("click", () => act(() => window.adamvizPlayer.reset(runIndex(run))));
      const remove = el("button", {type: "button", className: "remove", textContent: "✕"});
      remove.addEventListener("click", () => act(() => {
        const at = runIndex(run);
        window.adamvizPlayer.remove(at);
        // the focus stays in the list: the next run's ✕, else the last one's, else "add"
        const left = box.querySelectorAll("section.run .remove");
        (left[Math.min(at, left.length - 1)] || document.getElementById("add")).focus();
      }));
      tools.append(reset, remove);
      head.append(tools);
      const section = el("section", {className: "run", ariaLabel: `run ${i + 1}`}, head,
                         el("p", {className: "why"}));
      if (run.live) {
        const knobs = el("div", {className: "knobs"},
                         ...Model.controlsOf(data, run.optimizer).map((c) => knob(run, i, c, act)));
        section.append(el("details", {className: "settings", open: runs.length <= 3},
                          el("summary", {textContent: "hyperparameters"}), knobs));
      } else if (run.reason !== data.reason || data.live) {  // (the page says it once)
        section.append(el("p", {className: "recorded",
                                textContent: `Recorded, not live: ${run.reason}.`}));
      }
      section.run = run;
      box.append(section);
    });
    refresh(box, runs, data, 0);
  }

  // Labels, swatches, badges and control values from the runs as they are now. Called every
  // frame: it writes only what changed (a screen reader hears nothing new while playing).
  function refresh(box, runs, data, k, colors) {
    for (const section of box.querySelectorAll("section.run")) {
      const run = section.run, i = runs.indexOf(run);
      if (i < 0) continue;
      const set = (sel, text) => { const n = section.querySelector(sel);
                                   if (n.textContent !== text) n.textContent = text; };
      const b = Model.badge(run, k, data);
      set(".badge", b.word);
      section.querySelector(".badge").dataset.word = b.word;
      set(".why", b.why);
      if (colors) swatchOf(section, run, colors, data);
      section.querySelector(`#show-${i}`).checked = run.visible;
      if (section.dataset.label === run.label + "/" + run.version) continue;
      section.dataset.label = run.label + "/" + run.version;  // (the values changed)
      set(".label", run.label);
      section.querySelector(".remove").setAttribute("aria-label", `remove ${run.label}`);
      section.querySelector(".reset").setAttribute("aria-label",
                                                   `reset ${run.label} to the file's values`);
      for (const row of section.querySelectorAll(".knob")) values(row, run, data);
    }
  }

  function swatchOf(section, run, colors, data) {
    const key = run.colorIndex + "/" + run.dash + "/" + (run.color || colors.runs[run.colorIndex]);
    const sw = section.querySelector(".sw");
    if (sw.dataset.key === key) return;
    sw.replaceChildren(swatch((run.color || colors.runs[run.colorIndex]),
                              data.dashes[run.dash % data.dashes.length]));
    sw.dataset.key = key;
  }

  function values(row, run, data) {
    const name = row.dataset.name, v = run.hyperparameters[name];
    const c = Model.controlsOf(data, run.optimizer).find((x) => x.name === name);
    const input = row.querySelector("input");
    if (c.kind === "switch") { input.checked = v === true; return; }
    const exact = row.querySelector(".exact");
    input.range = sliderRange(c, v, input.range);
    if (document.activeElement !== input) input.value = toPosition(input.range, v);
    input.setAttribute("aria-valuetext", spoken(c, v));
    if (document.activeElement !== exact && exact.value !== String(v)) exact.value = String(v);
  }

  return {build, refresh, sliderRange, toValue, toPosition, el};
})();

if (typeof module !== "undefined") module.exports = {Controls};
