#!/usr/bin/env python3
"""Generates the C model table (lib/features/price.c reads it) from data/models.json.

Run by meson at build time: gen_models.py data/models.json models_table.c [full|local]
The JSON file is the one source of truth (docs/PRICES.md; scripts/update_prices.py
writes it); tests/api/test_cost.c checks that the compiled table says what the
file says. "local" (-Dprice_table=local, the default of reduced firmware builds)
keeps only the rows priced by rule (local servers at $0).

The table is compact and position-independent: keys live in one string pool
addressed by offsets (no pointer per row, so no relocation per row in a shared
library), prices are integers in micro-USD per million tokens (every price in
the file has at most 6 decimals, so n / 1e6 is the same double as the file's
decimal), limits and the deprecation date (YYYYMMDD) are 32-bit integers, and
absent figures are LLMK__NONE. Rows are sorted by key (byte order) so the
library finds one by binary search.
"""
import json
import re
import sys

KEY = re.compile(r'^[a-z0-9][a-z0-9._-]*/([A-Za-z0-9][A-Za-z0-9._:@+/-]*|\*)$')
DATE = re.compile(r'^\d{4}-\d{2}-\d{2}$')
# The order of llmk__model_row.price[] (price.h).
PRICES = ('input', 'output', 'cached_input', 'cache_write', 'cache_write_1h', 'batch_input', 'batch_output',
          'tier_input', 'tier_output', 'tier_cached_input')
LIMITS = ('tier_above', 'context_tokens', 'max_output_tokens')
MODALITIES = ('text', 'image', 'audio', 'video', 'pdf', 'embedding')  # bit 0, 1, ... (LLMK_MODALITY_*)
SOURCES = ('page', 'litellm', 'genai-prices', 'rule')  # 1, 2, ... (LLMK_SOURCE_*)
FIELDS = set(('model', 'source', 'input_modalities', 'output_modalities', 'deprecated') + PRICES + LIMITS)
NONE = 0xFFFFFFFF


def fail(msg):
    sys.exit('gen_models.py: %s' % msg)


def price(row, name):
    v = row.get(name, -1)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        fail('%s: %s is not a number' % (row['model'], name))
    if name in ('input', 'output') and name not in row:
        fail('%s: %s is required' % (row['model'], name))
    if v == -1:
        return NONE
    micro = round(v * 1e6)
    if not 0 <= micro < NONE or abs(micro - v * 1e6) > 1e-3:
        fail('%s: %s must be 0..4294 with at most 6 decimals: %r' % (row['model'], name, v))
    return micro


def limit(row, name):
    v = row.get(name, -1)
    if isinstance(v, bool) or not isinstance(v, int) or (v != -1 and not 0 < v < NONE):
        fail('%s: %s must be a positive integer below 2^32 or -1' % (row['model'], name))
    return NONE if v == -1 else v


def mods(row, name):
    v = row.get(name, [])
    if not isinstance(v, list) or any(m not in MODALITIES for m in v):
        fail('%s: %s must be a list of %s' % (row['model'], name, ', '.join(MODALITIES)))
    return sum(1 << MODALITIES.index(m) for m in v)


def main():
    if len(sys.argv) not in (3, 4):
        fail('usage: gen_models.py models.json out.c [full|local]')
    which = sys.argv[3] if len(sys.argv) == 4 else 'full'
    if which not in ('full', 'local'):
        fail('the table is full or local, not %r' % which)
    with open(sys.argv[1], encoding='utf-8') as f:
        data = json.load(f, object_pairs_hook=no_duplicates)
    if data.get('format') != 'llmkit-models-2':
        fail('unknown format %r' % data.get('format'))
    date = data.get('date', '')
    if not DATE.match(date):
        fail('date must be YYYY-MM-DD')
    sources = data.get('sources')
    if not isinstance(sources, dict) or not sources:
        fail('sources missing')
    prev = None
    rows, pool, off = [], [], 0
    for row in data.get('models', []):
        key = row.get('model', '')
        if not isinstance(key, str) or not KEY.match(key):
            fail('bad model key %r' % key)
        if prev is not None and key.encode() <= prev.encode():
            fail('%s: rows must be sorted by key, without duplicates (after %s)' % (key, prev))
        prev = key
        extra = set(row) - FIELDS
        if extra:
            fail('%s: unknown fields %s' % (key, ', '.join(sorted(extra))))
        src = row.get('source')
        if src not in SOURCES:
            fail('%s: source must be one of %s' % (key, ', '.join(SOURCES)))
        if (src == 'rule') != key.endswith('/*'):
            fail('%s: a provider/* row is priced by rule, and only such a row' % key)
        dep = row.get('deprecated', '')
        if dep and not DATE.match(dep):
            fail('%s: deprecated must be YYYY-MM-DD' % key)
        if which == 'local' and src != 'rule':
            continue
        prices = ', '.join('%uu' % price(row, p) for p in PRICES)
        rows.append('\t{%u, {%s}, %uu, %uu, %uu, %uu, %u, %u, %u},' % (
            off, prices, limit(row, 'tier_above'), limit(row, 'context_tokens'), limit(row, 'max_output_tokens'),
            int(dep.replace('-', '')) if dep else NONE, mods(row, 'input_modalities'),
            mods(row, 'output_modalities'), SOURCES.index(src) + 1))
        pool.append(key)
        off += len(key.encode()) + 1
    if not rows:
        fail('no models')
    names = ''.join('\t"%s\\0"\n' % k for k in pool)
    out = [
        '/* Generated by scripts/gen_models.py from data/models.json (%s table). Do not edit. */' % which,
        '#include "price.h"',
        '',
        'const char llmk__model_table_date[] = "%s";' % date,
        '',
        'const char llmk__model_names[] =',
        names.rstrip('\n') + ';',
        '',
        'const llmk__model_row llmk__model_table[] = {',
    ] + rows + [
        '};',
        '',
        'const size_t llmk__model_table_len = sizeof(llmk__model_table) / sizeof(llmk__model_table[0]);',
        '',
    ]
    with open(sys.argv[2], 'w', encoding='utf-8') as f:
        f.write('\n'.join(out))


def no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            fail('duplicate key %r' % k)
        d[k] = v
    return d


if __name__ == '__main__':
    main()
