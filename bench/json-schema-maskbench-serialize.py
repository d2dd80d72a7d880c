"""Serialises MaskBench files for bench/json-schema-maskbench-strings.ts: one JSON line per schema with the
schema text (key order kept) and each test's instance exactly as MaskBench feeds it (json.dumps with
Python's default ", " / ": " separators, ensure_ascii=False).

Usage: python3 bench/json-schema-maskbench-serialize.py DATA_DIR > OUT.jsonl
"""
import json
import os
import sys

data = sys.argv[1]
for name in sorted(os.listdir(data)):
    if not name.endswith('.json'):
        continue
    with open(os.path.join(data, name)) as f:
        d = json.load(f)
    tests = [{'valid': t['valid'], 'text': json.dumps(t['data'], ensure_ascii=False)} for t in d['tests']]
    print(json.dumps({'file': name, 'schema': json.dumps(d['schema']), 'tests': tests}))
