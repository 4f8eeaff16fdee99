#!/usr/bin/env python3
"""data/models.json against the files it was generated from (issue 22):

  * a handful of entries, pinned field by field against litellm's JSON and
    genai-prices' data as shipped in the pinned wheels;
  * scripts/update_prices.py --check: the file is exactly what the script
    makes of those wheels (so nobody edited a generated row by hand).

The wheels come from the cache (.cache/prices/, or LLMK_PRICE_CACHE), else
`pip download` fetches the pinned versions; when that is impossible (no
registry), the test is skipped (exit 77). About 2 s once the wheels are there.
"""
import json
import os
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
import update_prices as up  # noqa: E402

failures = []


def check(what, got, want):
    if got != want:
        failures.append('%s: data/models.json has %r, the source %r' % (what, got, want))


def main():
    cache = os.environ.get('LLMK_PRICE_CACHE', os.path.join(ROOT, '.cache', 'prices'))
    try:
        wheels = up.fetch(cache)
    except (subprocess.CalledProcessError, SystemExit, OSError) as e:
        print('skipped: the pinned wheels cannot be had (%s)' % e)
        sys.exit(77)
    data = json.load(open(up.OUT, encoding='utf-8'))
    rows = {m['model']: m for m in data['models']}
    with zipfile.ZipFile(wheels['litellm']) as z:
        lite = json.loads(z.read(up.LITELLM_FILE))
    genai = {p['id']: {m['id']: m for m in p.get('models') or []} for p in up.genai_providers(wheels['genai-prices'])}
    check('sources.litellm.version', data['sources']['litellm']['version'], up.PINS['litellm'])
    check('sources.genai-prices.version', data['sources']['genai-prices']['version'], up.PINS['genai-prices'])

    # litellm rows: USD per token there, per million here
    for ours, theirs in (('fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct',
                          'fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct'),
                         ('azure/gpt-4.1-mini', 'azure/gpt-4.1-mini')):
        r, e = rows.get(ours), lite.get(theirs)
        if not r or not e:
            failures.append('%s: missing (ours %s, litellm %s)' % (ours, bool(r), bool(e)))
            continue
        check(ours + ' source', r['source'], 'litellm')
        check(ours + ' input', r['input'], up.per_m(e['input_cost_per_token']))
        check(ours + ' output', r['output'], up.per_m(e['output_cost_per_token']))
        check(ours + ' context', r.get('context_tokens'), e.get('max_input_tokens'))
    # genai-prices rows: USD per million in both
    g = genai['openai']['gpt-4o-mini']['prices']
    r = rows['openai/gpt-4o-mini']
    check('openai/gpt-4o-mini source', r['source'], 'genai-prices')
    check('openai/gpt-4o-mini input', r['input'], up.mtok(g['input_mtok']))
    check('openai/gpt-4o-mini output', r['output'], up.mtok(g['output_mtok']))
    check('openai/gpt-4o-mini cached', r['cached_input'], up.mtok(g['cache_read_mtok']))
    check('openai/gpt-4o-mini context (litellm)', r['context_tokens'], lite['gpt-4o-mini']['max_input_tokens'])
    g = genai['google']['gemini-2.5-pro']
    r = rows['gemini/gemini-2.5-pro']
    p = up.current(g['prices'], data['date'])
    check('gemini/gemini-2.5-pro tier above', r['tier_above'], p['input_mtok']['tiers'][0]['start'])
    check('gemini/gemini-2.5-pro tier input', r['tier_input'], up.mtok(p['input_mtok']['tiers'][0]['price']))
    check('gemini/gemini-2.5-pro deprecated (litellm)', r.get('deprecated'),
          lite['gemini/gemini-2.5-pro'].get('deprecation_date'))
    check('gemini/gemini-2.5-pro modalities (litellm)', 'audio' in r['input_modalities'],
          bool(lite['gemini/gemini-2.5-pro'].get('supports_audio_input')))
    g = genai['anthropic']['claude-sonnet-4-5']
    r = rows['anthropic/claude-sonnet-4-5']
    batch = [v for v in g['price_variants'] if v['when'] == {'processing': 'batch'}][0]['prices']
    check('anthropic/claude-sonnet-4-5 source (the page wins)', r['source'], 'page')
    check('anthropic/claude-sonnet-4-5 input (page)', r['input'], 3)
    check('anthropic/claude-sonnet-4-5 1h cache write', r['cache_write_1h'],
          up.mtok(g['prices']['cache_write_1h_mtok']['base']))
    check('anthropic/claude-sonnet-4-5 batch input', r['batch_input'], up.mtok(batch['input_mtok']['base']))
    check('ollama/* (rule)', (rows['ollama/*']['source'], rows['ollama/*']['input']), ('rule', 0))
    # unknown stays unknown: no hosted row at 0/0 unless its id says free
    for m in data['models']:
        if m['source'] != 'rule' and m['input'] == 0 and m['output'] == 0 and 'free' not in m['model'].lower():
            failures.append('%s: $0 without being free' % m['model'])

    rc = subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'update_prices.py'), '--check', '--cache',
                         cache]).returncode
    if rc:
        failures.append('scripts/update_prices.py --check failed')
    for f in failures:
        print('FAIL', f)
    print('%d passed, %d failed' % (1 if not failures else 0, 1 if failures else 0))
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
