import type { ResultRow } from "./results.js";

const WIDTH = 820;
const LABEL_WIDTH = 300;
const TRACK_WIDTH = 400;
const ROW_HEIGHT = 46;
const TOP = 56;
const MET = "#2e7d32";
const MISSED = "#c62828";

/**
 * Renders the results as a hand-written SVG: one track per row, a bar for the ratio (or,
 * for rows without a baseline, the figure itself), and a tick where the goal lies.
 */
export function renderChart(rows: readonly ResultRow[], title: string): string {
  const height = TOP + rows.length * ROW_HEIGHT + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="600">${escapeXml(title)}</text>`,
    `<text x="16" y="44" fill="#555">Bar: subject ÷ baseline (RSS: MB). Tick: the goal. Green: met; red: missed.</text>`,
  ];
  for (const [index, row] of rows.entries()) parts.push(renderRow(row, TOP + index * ROW_HEIGHT));
  parts.push(
    `<text x="16" y="${height - 10}" fill="#777" font-size="11">2 shared cores: ratios matter, absolute numbers don't.</text>`,
  );
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function renderRow(row: ResultRow, y: number): string {
  const value = row.ratio ?? row.subject.value;
  const unit = row.ratio === null ? ` ${row.subject.unit}` : "×";
  const scaleMax = Math.max(value, row.goal.value) * 1.25 || 1;
  const x0 = LABEL_WIDTH;
  const barWidth = Math.max(1, (value / scaleMax) * TRACK_WIDTH);
  const goalX = x0 + (row.goal.value / scaleMax) * TRACK_WIDTH;
  const color = row.met ? MET : MISSED;
  return [
    `<g>`,
    `<text x="16" y="${y + 20}">${escapeXml(row.scenario)}</text>`,
    `<rect x="${x0}" y="${y + 6}" width="${TRACK_WIDTH}" height="20" fill="#f1f1f1"/>`,
    `<rect x="${x0}" y="${y + 6}" width="${barWidth.toFixed(1)}" height="20" fill="${color}"/>`,
    `<line x1="${goalX.toFixed(1)}" y1="${y + 1}" x2="${goalX.toFixed(1)}" y2="${y + 31}" stroke="#111" stroke-width="2"/>`,
    `<text x="${goalX.toFixed(1)}" y="${y + 42}" text-anchor="middle" fill="#333" font-size="11">goal ${escapeXml(row.goal.text)}</text>`,
    `<text x="${x0 + TRACK_WIDTH + 10}" y="${y + 21}" font-weight="600" fill="${color}">${formatValue(value)}${escapeXml(unit)}</text>`,
    `</g>`,
  ].join("\n");
}

function formatValue(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
