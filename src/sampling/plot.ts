/**
 * A plain SVG bar chart of a token distribution before and after filtering (for `logitkit sample
 * --plot`): for the `count` most likely tokens, a light bar for softmax(processed / T) and a dark bar
 * for the final renormalised probability (0 for removed tokens).
 */

/** One bar pair. */
export interface PlotBar {
  id: number;
  label: string;
  before: number;
  after: number;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/gu, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders the bars as a standalone SVG document. */
export function distributionSvg(bars: readonly PlotBar[], title: string): string {
  const width = 960;
  const height = 420;
  const left = 50;
  const bottom = 110;
  const top = 40;
  const plotHeight = height - bottom - top;
  const max = Math.max(1e-12, ...bars.map((b) => Math.max(b.before, b.after)));
  const slot = (width - left - 20) / Math.max(1, bars.length);
  const barWidth = Math.max(1, slot * 0.4);
  const y = (p: number) => top + plotHeight * (1 - p / max);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14">${escapeXml(title)}</text>`,
    `<rect x="${width - 260}" y="10" width="10" height="10" fill="#9ecae1"/><text x="${width - 245}" y="19">before filtering</text>`,
    `<rect x="${width - 140}" y="10" width="10" height="10" fill="#08519c"/><text x="${width - 125}" y="19">after filtering</text>`,
    `<line x1="${left}" y1="${top + plotHeight}" x2="${width - 10}" y2="${top + plotHeight}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotHeight}" stroke="black"/>`,
  ];
  for (let t = 0; t <= 4; t++) {
    const p = (max * t) / 4;
    parts.push(`<text x="${left - 4}" y="${y(p) + 4}" text-anchor="end">${p.toFixed(3)}</text>`);
  }
  bars.forEach((bar, i) => {
    const x = left + i * slot + slot * 0.1;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(bar.before).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(top + plotHeight - y(bar.before)).toFixed(1)}" fill="#9ecae1"><title>${bar.id}: ${bar.before}</title></rect>`,
      `<rect x="${(x + barWidth).toFixed(1)}" y="${y(bar.after).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(top + plotHeight - y(bar.after)).toFixed(1)}" fill="#08519c"><title>${bar.id}: ${bar.after}</title></rect>`,
      `<text transform="translate(${(x + barWidth).toFixed(1)},${top + plotHeight + 8}) rotate(60)">${escapeXml(bar.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
