/**
 * Charts for BENCHMARKS.md: a small SVG builder (pure, tested) and its rendering to PNG with
 * resvg, whose native part comes as an npm platform package (nothing is downloaded at
 * install time). Two kinds: lines over a numeric x axis, and grouped bars over categories;
 * either axis may be logarithmic, which ratios of 0.005 against 1 need.
 */
import { formatNumber } from './format';

export interface LineChart {
  kind: 'line';
  file: string;
  title: string;
  x: Axis;
  y: Axis;
  series: { label: string; points: [number, number][] }[];
}

export interface BarChart {
  kind: 'bar';
  file: string;
  title: string;
  y: Axis;
  categories: string[];
  /** One value per category (NaN or a missing value: no bar). */
  series: { label: string; values: number[] }[];
  /** A dashed horizontal line, such as a target ratio. */
  rule?: { value: number; label: string };
}

export type Chart = LineChart | BarChart;

export interface Axis {
  label: string;
  log?: boolean;
}

const W = 760;
const H = 420;
const M = { left: 80, right: 40, top: 48, bottom: 92 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const FONT = 'DejaVu Sans, sans-serif';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Maps data values to pixels along one axis and answers its tick values. */
export interface Scale {
  at(v: number): number;
  ticks: number[];
}

/** A linear scale from 0 (or the data's minimum when negative) with 1-2-5 ticks. */
export function linearScale(values: number[], from: number, to: number): Scale {
  const finite = values.filter(Number.isFinite);
  const hi = Math.max(...finite, 0);
  const lo = Math.min(...finite, 0);
  const span = hi - lo || 1;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const top = Math.ceil(hi / step) * step || step;
  const bottom = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = bottom; v <= top + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { at: (v) => from + ((v - bottom) / (top - bottom)) * (to - from), ticks };
}

/** A log10 scale over whole decades around the positive data. */
export function logScale(values: number[], from: number, to: number): Scale {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  let lo = Math.floor(Math.log10(Math.min(...positive, 1)));
  let hi = Math.ceil(Math.log10(Math.max(...positive, 1)));
  if (hi === lo) hi = lo + 1;
  if (!positive.length) [lo, hi] = [0, 1];
  const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  return {
    at: (v) => from + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (to - from),
    ticks,
  };
}

const scale = (axis: Axis, values: number[], from: number, to: number) =>
  axis.log ? logScale(values, from, to) : linearScale(values, from, to);

function frame(title: string, yAxis: Axis, y: Scale): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
  ];
  for (const t of y.ticks) {
    const py = y.at(t).toFixed(1);
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py}" y2="${py}" stroke="#e0e0e0"/>`,
      `<text x="${M.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${esc(formatNumber(t))}</text>`,
    );
  }
  const midY = (M.top + H - M.bottom) / 2;
  out.push(
    `<text transform="translate(18 ${midY}) rotate(-90)" text-anchor="middle">${esc(yAxis.label)}</text>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`,
  );
  return out;
}

function legend(labels: string[]): string[] {
  const out: string[] = [];
  let x = M.left;
  for (const [i, label] of labels.entries()) {
    out.push(
      `<rect x="${x}" y="${H - 22}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${x + 16}" y="${H - 12}">${esc(label)}</text>`,
    );
    x += 32 + label.length * 7;
  }
  return out;
}

function lineSvg(c: LineChart): string {
  const points = c.series.flatMap((s) => s.points);
  const x = scale(
    c.x,
    points.map((p) => p[0]),
    M.left,
    W - M.right,
  );
  const y = scale(
    c.y,
    points.map((p) => p[1]),
    H - M.bottom,
    M.top,
  );
  const out = frame(c.title, c.y, y);
  for (const t of x.ticks) {
    const px = x.at(t).toFixed(1);
    out.push(
      `<line x1="${px}" x2="${px}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}" stroke="#333"/>`,
      `<text x="${px}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(formatNumber(t))}</text>`,
    );
  }
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 40}" text-anchor="middle">${esc(c.x.label)}</text>`,
  );
  for (const [i, s] of c.series.entries()) {
    const color = COLORS[i % COLORS.length];
    const ok = s.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py));
    const d = ok.map(([px, py]) => `${x.at(px).toFixed(1)},${y.at(py).toFixed(1)}`).join(' ');
    if (ok.length > 1)
      out.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [px, py] of ok)
      out.push(
        `<circle cx="${x.at(px).toFixed(1)}" cy="${y.at(py).toFixed(1)}" r="3.5" fill="${color}"/>`,
      );
  }
  out.push(...legend(c.series.map((s) => s.label)), '</svg>');
  return out.join('\n');
}

function barSvg(c: BarChart): string {
  const values = c.series.flatMap((s) => s.values);
  if (c.rule) values.push(c.rule.value);
  const y = scale(c.y, values, H - M.bottom, M.top);
  const out = frame(c.title, c.y, y);
  const band = (W - M.left - M.right) / Math.max(1, c.categories.length);
  const bar = (band * 0.8) / Math.max(1, c.series.length);
  const base = H - M.bottom;
  for (const [k, category] of c.categories.entries()) {
    const cx = M.left + band * (k + 0.5);
    out.push(
      `<text x="${cx.toFixed(1)}" y="${base + 18}" text-anchor="middle">${esc(category)}</text>`,
    );
    for (const [i, s] of c.series.entries()) {
      const v = s.values[k];
      if (v === undefined || !Number.isFinite(v)) continue;
      const x0 = M.left + band * k + band * 0.1 + bar * i;
      const top = Math.min(base, y.at(v));
      out.push(
        `<rect x="${x0.toFixed(1)}" y="${top.toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${(base - top).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`,
        `<text x="${(x0 + bar / 2 - 1).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10">${esc(formatNumber(v))}</text>`,
      );
    }
  }
  if (c.rule) {
    const py = y.at(c.rule.value).toFixed(1);
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py}" y2="${py}" stroke="#000" stroke-dasharray="6 4"/>`,
      `<text x="${W - M.right - 4}" y="${Number(py) - 5}" text-anchor="end">${esc(c.rule.label)}</text>`,
    );
  }
  out.push(...legend(c.series.map((s) => s.label)), '</svg>');
  return out.join('\n');
}

export function chartSvg(c: Chart): string {
  return c.kind === 'line' ? lineSvg(c) : barSvg(c);
}

/** Renders an SVG to PNG (resvg, with the system's fonts for the labels). */
export function svgToPng(svg: string): Buffer {
  // Loaded here so that the pure builder above needs no native module (unit tests).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}
