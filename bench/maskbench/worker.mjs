// @ts-check
/**
 * MaskBench worker process: loads the tokenizer and one engine, then runs the files the parent sends,
 * one at a time. The parent kills it when a file exceeds the time limit.
 *
 * Messages from the parent: `{type: 'file', path}`. To the parent: `{type: 'ready', setupMs}`,
 * `{type: 'compiled', ttfmUs}` (as soon as the compile returns), `{type: 'result', result}`.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createEngine, loadTokenizer } from './engines.mjs';
import { PyObject, parsePyJson, pyDumps, toJsonText } from './pyjson.mjs';

const engineName = process.argv[2] ?? 'logitkit';
const send = (/** @type {object} */ msg) => /** @type {(m: object) => void} */ (process.send)(msg);

const nowUs = () => Number(process.hrtime.bigint()) / 1000;
/** CPU time (µs) since `start`: on a shared machine it moves less than wall time. */
const cpuUs = (/** @type {NodeJS.CpuUsage} */ start) => {
  const d = process.cpuUsage(start);
  return d.user + d.system;
};

const setupStart = performance.now();
const info = await loadTokenizer();
const engine = await createEngine(engineName, info);
send({ type: 'ready', setupMs: performance.now() - setupStart });

/** @param {unknown} e */
const messageOf = (e) => (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 300) ?? '';

/**
 * Runs one MaskBench file (see llguidance.md §5 and maskbench-notes.md for the procedure).
 * @param {string} path
 */
async function runFile(path) {
  const file = parsePyJson(readFileSync(path, 'utf8'));
  if (!(file instanceof PyObject)) throw new Error('not a MaskBench file (top level is not an object)');
  const schema = file.get('schema');
  const tests = file.get('tests');
  const schemaText = toJsonText(schema ?? null);
  const result = {
    file: basename(path),
    status: 'pass',
    message: '',
    ttfmUs: 0,
    /** CPU time (user + system) of the compile, and of all mask+commit steps of the file (µs). */
    ttfmCpuUs: 0,
    tbmCpuUs: 0,
    /** Per-token mask+commit times (µs), over all tests. */
    tbmUs: /** @type {number[]} */ ([]),
    tests: /** @type {object[]} */ ([]),
  };
  let compiled;
  const cpu0 = process.cpuUsage();
  const t0 = nowUs();
  try {
    compiled = await engine.compile(schemaText);
  } catch (e) {
    result.ttfmUs = nowUs() - t0;
    result.ttfmCpuUs = cpuUs(cpu0);
    result.status = 'compile_error';
    result.message = messageOf(e);
    return result;
  }
  result.ttfmUs = nowUs() - t0;
  result.ttfmCpuUs = cpuUs(cpu0);
  send({ type: 'compiled', ttfmUs: result.ttfmUs });

  let session;
  let lastFailure = '';
  try {
    session = await engine.session(compiled);
    const list = Array.isArray(tests) ? tests : [];
    for (let i = 0; i < list.length; i++) {
      const test = list[i];
      if (!(test instanceof PyObject)) continue;
      const valid = test.get('valid') === true;
      const text = pyDumps(test.get('data') ?? null);
      const tokens = info.encode(text);
      const outcome = {
        index: i,
        valid,
        tokens: tokens.length,
        acceptedTokens: 0,
        complete: false,
        error: '',
      };
      try {
        await engine.reset(session);
        let allAccepted = true;
        const loopCpu = process.cpuUsage();
        for (const t of tokens) {
          const start = nowUs();
          const ok = engine.async ? await engine.step(session, t) : engine.step(session, t);
          result.tbmUs.push(nowUs() - start);
          if (!ok) {
            allAccepted = false;
            break;
          }
          outcome.acceptedTokens++;
        }
        result.tbmCpuUs += cpuUs(loopCpu);
        if (allAccepted) outcome.complete = await engine.complete(session);
        if (valid && !allAccepted)
          lastFailure = `test #${i}: should accept but didn't (token ${outcome.acceptedTokens})`;
        if (!valid && allAccepted) {
          lastFailure = `test #${i}: should reject but didn't${outcome.complete ? '' : ' (grammar not complete at the end)'}`;
        }
      } catch (e) {
        outcome.error = messageOf(e);
        lastFailure = `test #${i}: EXN ${outcome.error}`;
      }
      result.tests.push(outcome);
    }
  } catch (e) {
    lastFailure = `EXN ${messageOf(e)}`;
  } finally {
    engine.dispose(compiled, session);
  }
  if (lastFailure) {
    // MaskBench's classification: the last failing test decides; "should reject" is an invalidation error.
    result.status = lastFailure.includes('should reject') ? 'invalidation_error' : 'validation_error';
    result.message = lastFailure;
  }
  return result;
}

process.on('message', async (/** @type {any} */ msg) => {
  if (msg?.type !== 'file') return;
  let result;
  try {
    result = await runFile(msg.path);
  } catch (e) {
    result = {
      file: basename(msg.path),
      status: 'harness_error',
      message: messageOf(e),
      ttfmUs: 0,
      tbmUs: [],
      tests: [],
    };
  }
  // An aborted WASM runtime (XGrammar's `Aborted()`) is not usable any more: ask the parent for a new worker.
  send({ type: 'result', result, restart: /\bAborted\(/.test(result.message) });
});
