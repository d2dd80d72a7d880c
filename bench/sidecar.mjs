// Sidecar benchmark: `npm run bench:sidecar` (= npm run build && node bench/sidecar.mjs [--steps N] [--batches 1,16]).
// Runs bench/sidecar_client.py — the Python plugin's own client code — against a sidecar it starts from this
// checkout, and prints per-step batched-fill latency (transport only, and with mask computation), the per-step
// accept round trips, compile round trips and the PING round trip, with the machine it ran on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist/cli/main.js')) && !process.env.LOGITKIT_SIDECAR_COMMAND) {
  console.error('dist/cli/main.js is missing: run `npm run build` first');
  process.exit(1);
}
const python = process.env.PYTHON ?? 'python3';
const run = spawnSync(python, [join(root, 'bench/sidecar_client.py'), ...process.argv.slice(2)], {
  cwd: root,
  env: { ...process.env, PYTHONPATH: join(root, 'python') },
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (run.error || run.status !== 0) {
  console.error(`bench client failed: ${run.error?.message ?? `exit ${run.status}`}`);
  process.exit(1);
}
const r = JSON.parse(run.stdout);
const f = (x) => (x === undefined || x === null ? '-' : x.toFixed(1));
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, ${os.platform()} ${os.release()}, node ${process.version}, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`command: node bench/sidecar.mjs ${process.argv.slice(2).join(' ')}`);
console.log(`client: python ${r.python}, mask path: ${r.mask_path}`);
console.log(`sidecar startup (llama-3.1 preset): ${r.startup_ms.toFixed(0)} ms; vocab ${r.vocab_size}`);
console.log(`PING round trip: p50 ${f(r.ping_us.p50)} us, p99 ${f(r.ping_us.p99)} us`);
console.log(
  `compile (JSON schema): uncached round trip p50 ${r.compile_ms.uncached_round_trip_p50.toFixed(2)} ms ` +
    `(in sidecar ${r.compile_ms.uncached_in_sidecar_p50.toFixed(2)} ms), cached round trip p50 ${r.compile_ms.cached_round_trip_p50.toFixed(3)} ms`,
);
console.log(
  '\nper decode step, microseconds (p50 / p99). fill = one FILL_BATCH incl. getting the rows into the step mask;',
);
console.log(
  "transport = fill minus the sidecar's mask computation (round trip + shared-memory write + copy-out, if any)",
);
console.log(
  'batch | no-op fill      (shm write) | fill with masks  (compute) | transport         | post accepts (applied) | sync accepts',
);
for (const [b, v] of Object.entries(r.batches)) {
  const pair = (x) => `${f(x.p50)} / ${f(x.p99)}`;
  console.log(
    `${b.padStart(5)} | ${pair(v.transport_only_us).padEnd(15)} (${f(v.transport_only_write_us.p50).padStart(9)}) | ` +
      `${pair(v.with_masks_us).padEnd(16)} (${f(v.mask_compute_us.p50).padStart(7)}) | ` +
      `${pair(v.transport_with_masks_us).padEnd(17)} | ${f(v.pipelined_accepts_us.p50).padStart(12)} (${f(v.accepts_applied_us.p50).padStart(7)}) | ` +
      `${f(v.sync_accepts_us.p50).padStart(12)}`,
  );
}
