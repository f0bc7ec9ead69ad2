import type { ScenarioName } from './scenarios';

/**
 * bench/results.svg: throughput and p99 latency by scenario, one bar per
 * concurrency, as two side-by-side panels. Plain SVG text, no dependencies.
 */

export interface ChartRow {
  readonly scenario: ScenarioName;
  readonly concurrency: number;
  readonly throughputPerSec: number;
  readonly p99Ms: number;
}

const COLOURS = ['#9ecae1', '#4292c6', '#08306b'];
const PANEL = { width: 520, height: 330, left: 64, right: 16, top: 44, bottom: 86 };

export function renderChart(rows: readonly ChartRow[], subtitle: string): string {
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  const concurrencies = [...new Set(rows.map((row) => row.concurrency))].sort((a, b) => a - b);
  // Log scale for throughput: a warm-cache replay answers ~30x faster than anything that reaches DynamoDB.
  const panels = [
    panel('Throughput (requests/s, log scale, higher is better)', (row) => row.throughputPerSec, 0, 'log'),
    panel('p99 latency (ms, lower is better)', (row) => row.p99Ms, PANEL.width, 'linear'),
  ];
  const legend = concurrencies
    .map(
      (concurrency, index) =>
        `<rect x="${PANEL.width * 2 - 300 + index * 96}" y="10" width="12" height="12" fill="${COLOURS[index % COLOURS.length]}"/>` +
        `<text x="${PANEL.width * 2 - 284 + index * 96}" y="21" class="small">concurrency ${concurrency}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL.width * 2}" height="${PANEL.height + 24}" viewBox="0 0 ${PANEL.width * 2} ${PANEL.height + 24}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>text{fill:#222}.small{font-size:11px}.title{font-size:14px;font-weight:bold}.value{font-size:9px;fill:#444}.axis{stroke:#888;stroke-width:1}.grid{stroke:#e5e5e5;stroke-width:1}</style>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" class="title">npm run bench: exactly-once transfer vs the bare store (DynamoDB Local)</text>`,
    `<text x="12" y="36" class="small">${escape(subtitle)}</text>`,
    legend,
    ...panels,
    '</svg>',
    '',
  ].join('\n');

  function panel(title: string, value: (row: ChartRow) => number, offsetX: number, scale: 'log' | 'linear'): string {
    const plotWidth = PANEL.width - PANEL.left - PANEL.right;
    const plotHeight = PANEL.height - PANEL.top - PANEL.bottom;
    const top = PANEL.top + 24;
    const values = rows.map(value).filter((entry) => Number.isFinite(entry) && entry > 0);
    const ticks = scale === 'log' ? logTicks(Math.min(...values) / 10, Math.max(...values, 10)) : linearTicks(Math.max(...values, 1));
    const low = ticks[0] as number;
    const high = ticks[ticks.length - 1] as number;
    // The top eighth stays free for the value labels.
    const position = (entry: number) =>
      0.88 *
      (scale === 'log'
        ? (Math.log10(Math.max(entry, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))
        : (entry - low) / (high - low));
    const groupWidth = plotWidth / scenarios.length;
    const barWidth = (groupWidth * 0.8) / concurrencies.length;
    const parts: string[] = [`<g transform="translate(${offsetX},0)">`, `<text x="${PANEL.left}" y="${top - 10}" class="title">${escape(title)}</text>`];
    for (const tick of ticks) {
      const y = top + plotHeight - plotHeight * position(tick);
      parts.push(`<line x1="${PANEL.left}" x2="${PANEL.left + plotWidth}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"/>`);
      parts.push(`<text x="${PANEL.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" class="small">${format(tick)}</text>`);
    }
    scenarios.forEach((scenario, group) => {
      const groupX = PANEL.left + group * groupWidth + groupWidth * 0.1;
      concurrencies.forEach((concurrency, index) => {
        const row = rows.find((candidate) => candidate.scenario === scenario && candidate.concurrency === concurrency);
        if (row === undefined) return;
        const height = Math.max(0, position(value(row)) * plotHeight);
        const x = groupX + index * barWidth;
        const barTop = top + plotHeight - height;
        parts.push(
          `<rect x="${x.toFixed(1)}" y="${barTop.toFixed(1)}" width="${(barWidth - 1).toFixed(1)}" height="${height.toFixed(1)}" fill="${COLOURS[index % COLOURS.length]}"><title>${scenario}, concurrency ${concurrency}: ${format(value(row))}</title></rect>`,
        );
        const labelX = x + barWidth / 2 + 3;
        parts.push(
          `<text x="${labelX.toFixed(1)}" y="${(barTop - 3).toFixed(1)}" transform="rotate(-90 ${labelX.toFixed(1)} ${(barTop - 3).toFixed(1)})" class="value">${format(value(row))}</text>`,
        );
      });
      const labelX = groupX + (barWidth * concurrencies.length) / 2;
      parts.push(
        `<text x="${labelX.toFixed(1)}" y="${top + plotHeight + 14}" text-anchor="end" transform="rotate(-30 ${labelX.toFixed(1)} ${top + plotHeight + 14})" class="small">${scenario}</text>`,
      );
    });
    parts.push(`<line x1="${PANEL.left}" x2="${PANEL.left}" y1="${top}" y2="${top + plotHeight}" class="axis"/>`);
    parts.push(`<line x1="${PANEL.left}" x2="${PANEL.left + plotWidth}" y1="${top + plotHeight}" y2="${top + plotHeight}" class="axis"/>`);
    parts.push('</g>');
    return parts.join('\n');
  }
}

/** 0 and four or five round steps up to at least `max`. */
function linearTicks(max: number): number[] {
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((candidate) => candidate * magnitude >= rough) ?? 10) * magnitude;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, index) => index * step);
}

/** Powers of ten around [min, max]. */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)); exponent <= Math.ceil(Math.log10(max)); exponent++) ticks.push(10 ** exponent);
  return ticks;
}

function format(value: number): string {
  if (value === 0) return '0';
  if (value >= 100) return String(Math.round(value));
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
