#!/usr/bin/env python3
"""Regenerates data/models.json from two maintained, MIT-licensed price lists
that ship inside registry packages, reconciled with the rows read on the
providers' own pages (docs/PRICES.md):

  litellm       litellm/model_prices_and_context_window_backup.json inside the
                wheel (read as JSON from the archive; the package is never
                imported or installed)
  genai-prices  genai_prices/data.py inside the wheel (read with Python's ast
                module as literal data; never imported or executed)

  scripts/update_prices.py [--cache DIR] [--date YYYY-MM-DD] [--check]

(tests/prices/test_sources.py runs --check and pins entries against the files.)

The package versions are pinned below (PINS); `pip download --no-deps` fetches
exactly those wheels into the cache (default .cache/prices/). --check writes
nothing and exits 1 when data/models.json differs from what it would write.

Rules (docs/PRICES.md says the same):
  * a row read on the provider's own page (source "page") keeps its prices and
    limits; the fields the page did not give (batch, 1-hour cache writes,
    long-context tier, limits, modalities, deprecation) are filled from the
    lists;
  * otherwise prices come from genai-prices where it has the model (it tracks
    dated price changes, tiers and batch variants with references), else from
    litellm; limits, modalities and deprecation dates from litellm (context
    from genai-prices when litellm has none); where the two lists disagree on
    input or output price, data/models-disagreements.txt lists it;
  * unknown stays unknown: a price that neither list gives is left out (never
    $0), and a hosted model both of whose prices are 0 is taken as unknown
    unless its id says it is free;
  * local servers are $0 by rule (their "*" rows, source "rule").
"""
import argparse
import ast
import datetime
import json
import os
import re
import subprocess
import sys
import zipfile

PINS = {'litellm': '1.110.2', 'genai-prices': '0.2.5'}
LITELLM_FILE = 'litellm/model_prices_and_context_window_backup.json'
GENAI_FILE = 'genai_prices/data.py'
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'data', 'models.json')
REPORT = os.path.join(ROOT, 'data', 'models-disagreements.txt')
KEY = re.compile(r'^[a-z0-9][a-z0-9._-]*/([A-Za-z0-9][A-Za-z0-9._:@+/-]*|\*)$')
LOCAL = ('ollama', 'llamacpp', 'vllm', 'localai', 'lmstudio', 'whispercpp', 'tgi', 'tei')
MODALITIES = ('text', 'image', 'audio', 'video', 'pdf', 'embedding')

# litellm_provider -> (our provider, prefix of litellm's key to strip)
LITELLM_PROVIDERS = {
    'openai': ('openai', ''),
    'anthropic': ('anthropic', ''),
    'gemini': ('gemini', 'gemini/'),
    'mistral': ('mistral', 'mistral/'),
    'cohere': ('cohere', 'cohere/'),
    'cohere_chat': ('cohere', 'cohere/'),
    'groq': ('groq', 'groq/'),
    'together_ai': ('together', 'together_ai/'),
    'fireworks_ai': ('fireworks', 'fireworks_ai/'),
    'deepseek': ('deepseek', 'deepseek/'),
    'xai': ('xai', 'xai/'),
    'perplexity': ('perplexity', 'perplexity/'),
    'openrouter': ('openrouter', 'openrouter/'),
    'bedrock': ('bedrock', ''),
    'bedrock_converse': ('bedrock', ''),
    'azure': ('azure', 'azure/'),
}
# genai-prices provider id -> ours (only where its model ids are the API's)
GENAI_PROVIDERS = {
    'anthropic': 'anthropic', 'openai': 'openai', 'google': 'gemini', 'mistral': 'mistral',
    'cohere': 'cohere', 'deepseek': 'deepseek', 'groq': 'groq', 'x-ai': 'xai', 'perplexity': 'perplexity',
    'openrouter': 'openrouter', 'together': 'together', 'aws': 'bedrock',
}


def fail(msg):
    sys.exit('update_prices.py: %s' % msg)


def fetch(cache):
    """The pinned wheels, downloaded once into cache."""
    os.makedirs(cache, exist_ok=True)
    paths = {}
    for name, version in PINS.items():
        stem = name.replace('-', '_') + '-' + version + '-'
        have = [f for f in os.listdir(cache) if f.startswith(stem) and f.endswith('.whl')]
        if not have:
            subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check',
                            '-q', '-d', cache, '%s==%s' % (name, version)], check=True)
            have = [f for f in os.listdir(cache) if f.startswith(stem) and f.endswith('.whl')]
        if not have:
            fail('no wheel of %s %s in %s' % (name, version, cache))
        paths[name] = os.path.join(cache, sorted(have)[0])
    return paths


def per_m(v):
    """USD per token -> USD per million tokens, to 1e-6 (the C table's
    unit), as an int when whole."""
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    x = round(float(v) * 1e6, 6)
    if x < 0:
        return None
    return int(x) if x == int(x) else x


def mtok(v):
    """genai-prices' USD per million tokens, to 1e-6."""
    if v is None:
        return None
    x = round(float(v), 6)
    return int(x) if x == int(x) else x


# ---- litellm -------------------------------------------------------------------

def modalities(e, mode):
    ins, outs = e.get('supported_modalities'), e.get('supported_output_modalities')
    if not isinstance(ins, list):
        ins = ['text']
        if e.get('supports_vision'):
            ins.append('image')
        if e.get('supports_audio_input'):
            ins.append('audio')
        if e.get('supports_video_input'):
            ins.append('video')
    if e.get('supports_pdf_input') and 'pdf' not in ins:
        ins = list(ins) + ['pdf']
    if mode == 'embedding':
        outs = ['embedding']
    elif not isinstance(outs, list):
        outs = ['text'] + (['audio'] if e.get('supports_audio_output') else [])
    ins = [m for m in MODALITIES if m in ins]
    outs = [m for m in MODALITIES if m in outs]
    return ins, outs


TIER = re.compile(r'^input_cost_per_token_above_(\d+)k_tokens$')


def litellm_rows(wheel):
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(z.read(LITELLM_FILE))
    rows, skipped = {}, 0
    for key, e in data.items():
        if not isinstance(e, dict) or key == 'sample_spec':
            continue
        prov = LITELLM_PROVIDERS.get(e.get('litellm_provider'))
        mode = e.get('mode')
        if not prov or mode not in ('chat', 'completion', 'responses', 'embedding'):
            continue
        ours, prefix = prov
        if prefix and not key.startswith(prefix):
            skipped += 1
            continue
        model = key[len(prefix):]
        # region-pinned or fine-tuning variants are not model ids a client sends
        if ours in ('bedrock', 'azure') and '/' in model or model.startswith('ft:'):
            continue
        name = ours + '/' + model
        if not KEY.match(name):
            skipped += 1
            continue
        inp, out = per_m(e.get('input_cost_per_token')), per_m(e.get('output_cost_per_token'))
        if out is None and mode == 'embedding' and inp is not None:
            out = 0
        if inp is None or out is None:
            continue
        if inp == 0 and out == 0 and 'free' not in model.lower():
            continue  # unknown is not $0
        row = {'model': name, 'source': 'litellm', 'input': inp, 'output': out}
        for ours_f, theirs in (('cached_input', 'cache_read_input_token_cost'),
                               ('cache_write', 'cache_creation_input_token_cost'),
                               ('cache_write_1h', 'cache_creation_input_token_cost_above_1hr'),
                               ('batch_input', 'input_cost_per_token_batches'),
                               ('batch_output', 'output_cost_per_token_batches')):
            v = per_m(e.get(theirs))
            if v is not None:
                row[ours_f] = v
        tiers = sorted(int(m.group(1)) for m in map(TIER.match, e) if m)
        if tiers:
            k = tiers[0]
            t_out = per_m(e.get('output_cost_per_token_above_%dk_tokens' % k))
            row['tier_above'] = k * 1000
            row['tier_input'] = per_m(e['input_cost_per_token_above_%dk_tokens' % k])
            row['tier_output'] = t_out if t_out is not None else out
            v = per_m(e.get('cache_read_input_token_cost_above_%dk_tokens' % k))
            if v is not None:
                row['tier_cached_input'] = v
        for ours_f, theirs in (('context_tokens', 'max_input_tokens'), ('max_output_tokens', 'max_output_tokens')):
            v = e.get(theirs)
            if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**32 - 1:
                row[ours_f] = v
        ins, outs = modalities(e, mode)
        row['input_modalities'], row['output_modalities'] = ins, outs
        d = e.get('deprecation_date')
        if isinstance(d, str) and re.match(r'^\d{4}-\d{2}-\d{2}$', d):
            row['deprecated'] = d
        if name in rows:  # bedrock and bedrock_converse may both list a model
            continue
        rows[name] = row
    return rows, skipped


# ---- genai-prices ----------------------------------------------------------------

def lit(node):
    """A literal of genai_prices/data.py: calls become {'__call__': name, **kwargs}."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [lit(x) for x in node.elts]
    if isinstance(node, ast.Dict):
        return {lit(k): lit(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Attribute):  # datetime.UTC
        return lit(node.value) + '.' + node.attr if isinstance(node.value, ast.Attribute) else \
            node.value.id + '.' + node.attr
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -lit(node.operand)
    if isinstance(node, ast.Call):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id
        if name == 'Decimal':
            return float(lit(node.args[0]))
        if name == 'date':
            return '%04d-%02d-%02d' % tuple(lit(a) for a in node.args)
        if name == 'time':
            return ':'.join('%02d' % lit(a) for a in node.args)
        d = {'__call__': name}
        d.update({k.arg: lit(k.value) for k in node.keywords})
        return d
    fail('genai-prices: unexpected syntax %s at line %d' % (type(node).__name__, node.lineno))


def genai_providers(wheel):
    with zipfile.ZipFile(wheel) as z:
        tree = ast.parse(z.read(GENAI_FILE).decode('utf-8'))
    for stmt in tree.body:
        if isinstance(stmt, ast.AnnAssign) and getattr(stmt.target, 'id', '') == 'providers':
            return lit(stmt.value)
    fail('genai-prices: no providers list in %s' % GENAI_FILE)


def clause_matches(c, s):
    k = c['__call__']
    if k == 'ClauseEquals':
        return s == c['equals']
    if k == 'ClauseStartsWith':
        return s.startswith(c['starts_with'])
    if k == 'ClauseEndsWith':
        return s.endswith(c['ends_with'])
    if k == 'ClauseContains':
        return c['contains'] in s
    if k == 'ClauseRegex':
        return re.search(c['regex'], s) is not None
    if k == 'ClauseOr':
        return any(clause_matches(x, s) for x in c['or_'])
    if k == 'ClauseAnd':
        return all(clause_matches(x, s) for x in c['and_'])
    return False


def base_and_tier(v):
    if isinstance(v, dict) and v.get('__call__') == 'TieredPrices':
        t = v.get('tiers') or []
        return mtok(v['base']), (t[0]['start'], mtok(t[0]['price'])) if t else None
    return mtok(v), None


def current(prices, today):
    """The ModelPrice in force today (prices may be a list of dated ones)."""
    if isinstance(prices, dict):
        return prices
    best, best_start = None, ''
    for cp in prices or []:
        con = cp.get('constraint')
        if con and con.get('__call__') != 'StartDateConstraint':
            continue  # time-of-day prices do not fit a row
        start = con['start_date'] if con else ''
        if start <= today and start >= best_start:
            best, best_start = cp['prices'], start
    return best


def genai_row(m, provider, today):
    p = current(m.get('prices'), today)
    if not p or 'input_mtok' not in p or 'output_mtok' not in p:
        return None
    inp, tin = base_and_tier(p['input_mtok'])
    out, tout = base_and_tier(p['output_mtok'])
    row = {'input': inp, 'output': out}
    for ours_f, theirs in (('cached_input', 'cache_read_mtok'), ('cache_write', 'cache_write_mtok'),
                           ('cache_write_1h', 'cache_write_1h_mtok')):
        if theirs in p:
            row[ours_f] = base_and_tier(p[theirs])[0]
    if tin:
        row['tier_above'] = tin[0]
        row['tier_input'] = tin[1]
        row['tier_output'] = tout[1] if tout else out
        if 'cache_read_mtok' in p:
            tc = base_and_tier(p['cache_read_mtok'])[1]
            if tc:
                row['tier_cached_input'] = tc[1]
    for v in m.get('price_variants') or []:
        if v.get('when') == {'processing': 'batch'}:
            con = v.get('constraint')
            if con and (con.get('__call__') != 'StartDateConstraint' or con['start_date'] > today):
                continue
            bp = v['prices']
            if 'input_mtok' in bp and 'output_mtok' in bp:
                row['batch_input'] = base_and_tier(bp['input_mtok'])[0]
                row['batch_output'] = base_and_tier(bp['output_mtok'])[0]
    if isinstance(m.get('context_window'), int):
        row['context_tokens'] = m['context_window']
    return row


# ---- merge ----------------------------------------------------------------------

PRICE_FIELDS = ('input', 'output', 'cached_input', 'cache_write', 'cache_write_1h', 'batch_input', 'batch_output',
                'tier_above', 'tier_input', 'tier_output', 'tier_cached_input')
ORDER = ('model', 'source') + PRICE_FIELDS + ('context_tokens', 'max_output_tokens', 'input_modalities',
                                            'output_modalities', 'deprecated')


def ordered(row):
    return {k: row[k] for k in ORDER if k in row and row[k] is not None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cache', default=os.path.join(ROOT, '.cache', 'prices'))
    ap.add_argument('--date', help='the date read (default: today; with --check, the file\'s)')
    ap.add_argument('--check', action='store_true')
    a = ap.parse_args()
    wheels = fetch(a.cache)
    old = json.load(open(OUT, encoding='utf-8'))
    if not a.date:
        a.date = old['date'] if a.check else datetime.date.today().isoformat()
    lrows, lskipped = litellm_rows(wheels['litellm'])
    gprov = genai_providers(wheels['genai-prices'])

    rows = dict(lrows)
    disagree = []
    genai_used = 0
    by_provider = {}
    for name in rows:
        by_provider.setdefault(name.split('/', 1)[0], []).append(name)
    for gp in gprov:
        ours = GENAI_PROVIDERS.get(gp.get('id'))
        if not ours:
            continue
        matched = set()
        for m in gp.get('models') or []:
            g = genai_row(m, ours, a.date)
            if not g:
                continue
            # every litellm row of the provider the model's clause matches
            # (first model wins, as genai-prices matches), and the model's
            # own id when litellm has no such row
            targets = [n for n in by_provider.get(ours, []) if n not in matched
                       and clause_matches(m['match'], n.split('/', 1)[1])]
            own = ours + '/' + m['id']
            free = g['input'] == 0 and g['output'] == 0
            if own not in rows and KEY.match(own) and (not free or 'free' in own.lower()):
                rows[own] = {'model': own, 'source': 'genai-prices'}  # modalities unknown
                targets.append(own)
            for n in targets:
                matched.add(n)
                r = rows[n]
                if r['source'] == 'litellm' and (abs(r['input'] - g['input']) > 1e-9 or
                                                 abs(r['output'] - g['output']) > 1e-9):
                    disagree.append('%s: litellm %s/%s, genai-prices %s/%s (input/output USD per Mtok; '
                                    'genai-prices taken)' % (n, r['input'], r['output'], g['input'], g['output']))
                if 'tier_above' in g:  # one tier, all from the same list
                    for f in ('tier_above', 'tier_input', 'tier_output', 'tier_cached_input'):
                        r.pop(f, None)
                for f, v in g.items():
                    if f == 'context_tokens' and 'context_tokens' in r:
                        continue
                    r[f] = v
                r['source'] = 'genai-prices'
                genai_used += 1

    # the provider pages win where the table came from one
    page_sources = {k: v for k, v in old['sources'].items() if isinstance(v, list)}
    for r in old['models']:
        name = r['model']
        if r.get('source', 'page') == 'page' and not name.endswith('/*'):
            base = rows.get(name, {})
            new = {'model': name, 'source': 'page'}
            for f in ('cache_write_1h', 'batch_input', 'batch_output', 'tier_above', 'tier_input', 'tier_output',
                      'tier_cached_input', 'context_tokens', 'max_output_tokens', 'input_modalities',
                      'output_modalities', 'deprecated'):
                if f in base:
                    new[f] = base[f]
            for f in ('input', 'output', 'cached_input', 'cache_write', 'context_tokens', 'max_output_tokens'):
                if f in r and r[f] != -1:
                    new[f] = r[f]
            if 'input_modalities' not in new:
                new['input_modalities'], new['output_modalities'] = ['text'], ['text']
            rows[name] = new
    for p in LOCAL:
        rows[p + '/*'] = {'model': p + '/*', 'source': 'rule', 'input': 0, 'output': 0, 'cached_input': 0,
                          'cache_write': 0}

    models = [ordered(rows[k]) for k in sorted(rows)]
    sources = {
        'litellm': {'package': 'litellm', 'version': PINS['litellm'], 'file': LITELLM_FILE, 'license': 'MIT',
                    'read': a.date},
        'genai-prices': {'package': 'genai-prices', 'version': PINS['genai-prices'], 'file': GENAI_FILE,
                         'license': 'MIT', 'read': a.date},
    }
    sources.update(page_sources)
    out = {
        'format': 'llmkit-models-2',
        'date': a.date,
        'currency': 'USD',
        'unit': 'per 1,000,000 tokens',
        'rules': {
            'page': 'read on the provider\'s own page (sources.<provider>); wins over the lists',
            'genai-prices': 'prices from genai-prices; limits, modalities and deprecation from litellm',
            'litellm': 'from litellm\'s model_prices_and_context_window.json',
            'rule': 'a local server: $0 by rule (the hardware is yours)',
            'unknown': 'a price neither list gives is absent, never 0',
        },
        'sources': sources,
        'models': models,
    }
    models_text = ',\n'.join('  ' + json.dumps(m, ensure_ascii=False) for m in out.pop('models'))
    text = json.dumps(out, indent=1, ensure_ascii=False)
    text = text[:-2] + ',\n "models": [\n' + models_text + '\n ]\n}\n'
    report = ('# Where litellm %s and genai-prices %s disagree on a model\'s input or output price\n'
              '# (scripts/update_prices.py; genai-prices was taken). %d rows.\n' %
              (PINS['litellm'], PINS['genai-prices'], len(disagree))) + ''.join(d + '\n' for d in sorted(disagree))
    if a.check:
        same = open(OUT, encoding='utf-8').read() == text and open(REPORT, encoding='utf-8').read() == report
        print('data/models.json is %s' % ('up to date' if same else 'stale: run scripts/update_prices.py'))
        sys.exit(0 if same else 1)
    with open(OUT, 'w', encoding='utf-8') as f:
        f.write(text)
    with open(REPORT, 'w', encoding='utf-8') as f:
        f.write(report)
    counts = {}
    for m in models:
        counts[m['model'].split('/', 1)[0]] = counts.get(m['model'].split('/', 1)[0], 0) + 1
    print('data/models.json: %d models (%s); litellm keys skipped: %d; genai-prices prices: %d; '
          'disagreements: %d' % (len(models), ', '.join('%s %d' % kv for kv in sorted(counts.items())), lskipped,
                                 genai_used, len(disagree)))


if __name__ == '__main__':
    main()
