// @ts-check
/** Aggregation and the MaskBench table (percentiles as in MaskBench: element floor(len·p/100) of the sorted list). */

/** A growable list of float samples. */
export class Samples {
  constructor() {
    this.data = new Float64Array(1024);
    this.length = 0;
  }

  /** @param {number} x */
  push(x) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  /** Average and percentiles (p25 … p100). */
  summary() {
    const sorted = this.data.slice(0, this.length).sort();
    const n = sorted.length;
    /** @param {number} p */
    const pct = (p) =>
      n === 0 ? Number.NaN : /** @type {number} */ (sorted[Math.min(n - 1, Math.floor((n * p) / 100))]);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += /** @type {number} */ (sorted[i]);
    return {
      count: n,
      avg: n === 0 ? Number.NaN : sum / n,
      p25: pct(25),
      p50: pct(50),
      p75: pct(75),
      p90: pct(90),
      p95: pct(95),
      p99: pct(99),
      p100: pct(100),
    };
  }
}

export const STATUSES = [
  'pass',
  'compile_error',
  'timeout',
  'validation_error',
  'invalidation_error',
  'crash',
  'harness_error',
];

/** Per-engine totals. */
export class EngineTotals {
  constructor() {
    this.tbm = new Samples();
    this.ttfm = new Samples();
    /** CPU time of each compile (successful ones), and the total CPU time of all masks. */
    this.ttfmCpu = new Samples();
    this.tbmCpuTotal = 0;
    /** @type {Record<string, number>} */
    this.counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    this.tokens = 0;
    /** Invalidation errors where the grammar could not have ended the output after the last token. */
    this.invalidIncomplete = 0;
    this.files = 0;
  }

  /**
   * @param {{status: string, ttfmUs: number, ttfmCpuUs?: number, tbmCpuUs?: number, tbmUs: number[], tests: any[]}} r
   * @param {number} timeoutUs
   */
  add(r, timeoutUs) {
    this.files++;
    this.counts[r.status] = (this.counts[r.status] ?? 0) + 1;
    if (r.status === 'timeout') this.ttfm.push(r.ttfmUs > 0 ? r.ttfmUs : timeoutUs);
    else if (r.status !== 'compile_error' && r.status !== 'crash' && r.status !== 'harness_error')
      this.ttfm.push(r.ttfmUs);
    if (r.status !== 'compile_error' && r.ttfmCpuUs !== undefined && r.status !== 'timeout')
      this.ttfmCpu.push(r.ttfmCpuUs);
    this.tbmCpuTotal += r.tbmCpuUs ?? 0;
    for (const t of r.tbmUs) this.tbm.push(t);
    this.tokens += r.tbmUs.length;
    if (
      r.status === 'invalidation_error' &&
      r.tests.some((t) => !t.valid && t.acceptedTokens === t.tokens && !t.complete)
    ) {
      this.invalidIncomplete++;
    }
  }
}

/** `a / b` as `1.23×` (two significant digits below 0.1). */
const ratio = (/** @type {number} */ a, /** @type {number} */ b) => {
  const r = a / b;
  return Number.isFinite(r) ? `${r < 0.1 ? r.toPrecision(2) : r.toFixed(2)}×` : '-';
};

/** @param {number} x */
const fmt = (x) =>
  Number.isNaN(x)
    ? '-'
    : x >= 100
      ? Math.round(x).toLocaleString('en-US')
      : x >= 10
        ? x.toFixed(1)
        : x.toFixed(2);

/**
 * The MaskBench table (times in µs) with one column per engine and a ratio column per further engine.
 * @param {string[]} engines
 * @param {Map<string, EngineTotals>} totals
 */
export function formatTable(engines, totals) {
  const base = engines[0];
  const header = ['metric', ...engines, ...engines.slice(1).map((e) => `${e} / ${base}`)];
  /** @type {string[][]} */
  const rows = [];
  const summaries = new Map(
    engines.map((e) => [e, { tbm: totals.get(e)?.tbm.summary(), ttfm: totals.get(e)?.ttfm.summary() }]),
  );
  for (const kind of /** @type {const} */ (['tbm', 'ttfm'])) {
    for (const key of /** @type {const} */ (['avg', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99', 'p100'])) {
      const values = engines.map((e) => summaries.get(e)?.[kind]?.[key] ?? Number.NaN);
      const b = values[0] ?? Number.NaN;
      rows.push([
        `${kind.toUpperCase()} ${key}`,
        ...values.map(fmt),
        ...values.slice(1).map((v) => ratio(v, b)),
      ]);
    }
  }
  const cpuRow = (/** @type {string} */ label, /** @type {(t: EngineTotals) => number} */ f) => {
    const values = engines.map((e) => f(/** @type {EngineTotals} */ (totals.get(e))));
    const b = values[0] ?? Number.NaN;
    rows.push([label, ...values.map(fmt), ...values.slice(1).map((v) => ratio(v, b))]);
  };
  cpuRow('TBM cpu avg', (t) => (t.tokens ? t.tbmCpuTotal / t.tokens : Number.NaN));
  cpuRow('TTFM cpu avg', (t) => t.ttfmCpu.summary().avg);
  cpuRow('TTFM cpu p50', (t) => t.ttfmCpu.summary().p50);
  cpuRow('TTFM cpu p90', (t) => t.ttfmCpu.summary().p90);
  const count = (/** @type {string} */ label, /** @type {(t: EngineTotals) => number} */ f) =>
    rows.push([
      label,
      ...engines.map((e) => String(f(/** @type {EngineTotals} */ (totals.get(e))))),
      ...engines.slice(1).map(() => ''),
    ]);
  count('masks (tokens)', (t) => t.tokens);
  count('files', (t) => t.files);
  count('passing', (t) => t.counts.pass ?? 0);
  count('compile error', (t) => t.counts.compile_error ?? 0);
  count('timeout', (t) => t.counts.timeout ?? 0);
  count('crash / unreadable file', (t) => (t.counts.crash ?? 0) + (t.counts.harness_error ?? 0));
  count('validation error', (t) => t.counts.validation_error ?? 0);
  count('invalidation error', (t) => t.counts.invalidation_error ?? 0);
  count('  … of which grammar incomplete at end', (t) => t.invalidIncomplete);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}
