// A live chart of CPU and memory from `stats` events: two small SVG line charts, no library.
import type { StatsEvent } from "./api";

const SVG = "http://www.w3.org/2000/svg";
const W = 320;
const H = 70;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

class Series {
  readonly root: SVGSVGElement;
  private line: SVGPolylineElement;
  private limitLine: SVGLineElement;
  private label: SVGTextElement;
  private maxLabel: SVGTextElement;

  constructor(
    private title: string,
    private unit: string,
    cssClass: string,
  ) {
    this.root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: `chart ${cssClass}`, role: "img" });
    this.root.append(svg("rect", { x: 0, y: 0, width: W, height: H, class: "chart-bg" }));
    this.limitLine = svg("line", { x1: 0, x2: W, y1: 12, y2: 12, class: "chart-limit" });
    this.line = svg("polyline", { points: "", class: "chart-line", fill: "none" });
    this.label = svg("text", { x: 4, y: 10, class: "chart-label" });
    this.maxLabel = svg("text", { x: W - 4, y: 10, class: "chart-label chart-label-limit", "text-anchor": "end" });
    this.root.append(this.limitLine, this.line, this.label, this.maxLabel);
    this.draw([], 1, undefined);
  }

  draw(points: Array<[number, number]>, yMax: number, limit: number | undefined) {
    const tMax = Math.max(1, ...points.map(([t]) => t));
    const top = 14;
    const y = (v: number) => H - 2 - (Math.min(v, yMax) / yMax) * (H - 2 - top);
    this.line.setAttribute(
      "points",
      points.map(([t, v]) => `${((t / tMax) * W).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
    );
    this.limitLine.style.display = limit === undefined ? "none" : "";
    if (limit !== undefined) {
      this.limitLine.setAttribute("y1", String(y(limit)));
      this.limitLine.setAttribute("y2", String(y(limit)));
    }
    const last = points.length ? points[points.length - 1][1] : undefined;
    const lastText = last === undefined ? "no samples yet" : `${last.toFixed(1)} ${this.unit}`;
    this.label.textContent = `${this.title}: ${lastText}`;
    this.maxLabel.textContent = limit === undefined ? "" : `limit ${limit.toFixed(0)} ${this.unit}`;
    this.root.setAttribute("aria-label", `${this.title} over time, latest ${lastText}`);
  }
}

export class StatsChart {
  readonly root: HTMLElement;
  private samples: StatsEvent[] = [];
  private cpu = new Series("CPU", "%", "chart-cpu");
  private mem = new Series("Memory", "MB", "chart-mem");

  constructor(root: HTMLElement) {
    this.root = root;
    root.replaceChildren(this.cpu.root, this.mem.root);
  }

  reset() {
    this.samples = [];
    this.redraw();
  }

  push(sample: StatsEvent) {
    this.samples.push(sample);
    this.redraw();
  }

  get count(): number {
    return this.samples.length;
  }

  private redraw() {
    const cpuPts = this.samples.map((s): [number, number] => [s.t, s.cpu_percent]);
    const memPts = this.samples.map((s): [number, number] => [s.t, s.memory_mb]);
    const cpuMax = Math.max(100, ...cpuPts.map(([, v]) => v));
    const limit = this.samples.length ? this.samples[this.samples.length - 1].memory_limit_mb : undefined;
    const memMax = Math.max(1, limit ?? 0, ...memPts.map(([, v]) => v));
    this.cpu.draw(cpuPts, cpuMax, undefined);
    this.mem.draw(memPts, memMax * 1.05, limit);
  }
}
