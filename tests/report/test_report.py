#!/usr/bin/env python3
"""llmkit eval --report FILE.html, looked at as a person would (issue 22).

Three loopback servers (tests/th_serve) play three providers (openai, groq,
together) with their own answers, latencies and failures; `llmkit eval
--stream --report` writes the report; then:
  * the HTML is self-contained: no script, no external URL, no resource to
    fetch (src=, href=, url(, @import), inline SVG only;
  * headless Chromium (Debian's chromium) renders it: the DOM it built has
    the charts (SVG circles, rectangles), the table's text and every
    answer; it logs no console message; a screenshot is saved
    (REPORT_SCREENSHOT, default BUILD/report.png; docs/report.png is one).
Without chromium the rendering part is skipped (exit 77) after the static
checks pass. About 5 s.

  test_report.py LLMKIT TH_SERVE
"""
import json
import os
import re
import subprocess
import sys
import tempfile

KEY = 'sk-report-test'


class Server:
    def __init__(self, th_serve):
        self.proc = subprocess.Popen([th_serve], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().split()
        assert first[0] == 'port', first
        self.url = 'http://127.0.0.1:%s/v1' % first[1]

    def cmd(self, line):
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()
        out = self.proc.stdout.readline().strip()
        assert not out.startswith('error'), (out, line)
        return out

    def push(self, status, body, **kw):
        args = ['push', str(status), '-', 'hex=' + body.encode().hex()]
        args += ['%s=%s' % kv for kv in kw.items()]
        self.cmd(' '.join(args))

    def stop(self):
        self.proc.stdin.write('quit\n')
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def sse(model, text, tokens_in=40, tokens_out=12):
    """An OpenAI chat stream: the answer in two chunks, then the usage."""
    half = len(text) // 2
    chunks = [{'choices': [{'index': 0, 'delta': {'role': 'assistant', 'content': text[:half]}}]},
              {'choices': [{'index': 0, 'delta': {'content': text[half:]}}]},
              {'choices': [{'index': 0, 'delta': {}, 'finish_reason': 'stop'}]},
              {'choices': [], 'usage': {'prompt_tokens': tokens_in, 'completion_tokens': tokens_out,
                                        'total_tokens': tokens_in + tokens_out}}]
    out = ''
    for c in chunks:
        c.update({'id': 'c', 'object': 'chat.completion.chunk', 'created': 1, 'model': model})
        out += 'data: ' + json.dumps(c) + '\n\n'
    return out + 'data: [DONE]\n\n'


CASES = [('What is the capital of France?', 'Paris'), ('What is 2+2?', '4'),
         ('Name a primary colour.', 'red'), ('Which planet is the largest?', 'Jupiter')]
# per model: (provider key prefix, model, answers per case, latency ms per run)
MODELS = [
    ('OPENAI', 'openai/gpt-4o-mini', ['The capital of France is Paris.', '2 + 2 = 4.', 'Red, for one.',
                                      'Jupiter is the largest planet.'], [180, 220, 260]),
    ('GROQ', 'groq/llama-3.3-70b-versatile', ['Paris.', 'Four.', 'Blue.', 'Jupiter.'], [60, 70, 90]),
    ('TOGETHER', 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo',
     ['Paris <b>is</b> the capital & more.', '4', 'Red', 'Saturn'], [300, 380, 450]),
]
REPEAT = 3


def main():
    llmkit, th_serve = sys.argv[1], sys.argv[2]
    out_dir = os.path.dirname(os.path.abspath(llmkit))
    tmp = tempfile.mkdtemp(prefix='llmkit-report-')
    dataset = os.path.join(tmp, 'cases.jsonl')
    with open(dataset, 'w') as f:
        for q, a in CASES:
            f.write(json.dumps({'prompt': q, 'expected': a}) + '\n')
    report = os.path.join(tmp, 'report.html')
    env = dict(os.environ, NO_PROXY='127.0.0.1', no_proxy='127.0.0.1', LLMKIT_NO_HISTORY='1')
    servers = []
    for prefix, model, answers, lat in MODELS:
        s = Server(th_serve)
        servers.append(s)
        env[prefix + '_API_KEY'] = KEY
        env[prefix + '_BASE_URL'] = s.url
        wire = model.split('/', 1)[1]
        # one run at a time per model (--concurrency 1): runs in order
        for run in range(REPEAT):
            for k, ans in enumerate(answers):
                if prefix == 'TOGETHER' and (run, k) in ((1, 1), (2, 3)):
                    s.push(429, '{"error":{"message":"Rate limit reached","type":"rate_limit_error"}}',
                           type='application/json')
                    continue
                if prefix == 'TOGETHER' and (run, k) == (2, 0):
                    s.push(500, '{"error":{"message":"server error","type":"server_error"}}',
                           type='application/json')
                    continue
                body = sse(wire, ans)
                first = body.index('\n\n') + 2
                s.push(200, body, type='text/event-stream', delay_headers_ms=lat[run] // 2 + 10 * k,
                       write_size=first, delay_ms=lat[run] // 2)
    cmd = [llmkit, '--retries', '0', 'eval', '--stream', '--concurrency', '1', '-r', str(REPEAT),
           '--report', report] + sum((['-m', m[1]] for m in MODELS), []) + [dataset]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    for s in servers:
        s.stop()
    assert p.returncode == 10, (p.returncode, p.stdout, p.stderr)  # some runs failed
    html = open(report, encoding='utf-8').read()

    # self-contained
    for bad in ('<script', 'src=', 'href=', 'url(', '@import', 'http:', 'https:', '<link', '<img', '<iframe'):
        assert bad not in html.lower(), 'the report holds %r' % bad
    assert html.count('<svg') == 5, html.count('<svg')
    assert 'Paris &lt;b&gt;is&lt;/b&gt; the capital &amp; more.' in html  # answers escaped
    for text in ('groq/llama-3.3-70b-versatile', 'RATE_LIMITED 2', 'SERVER 1', 'Quality against cost',
                 'Speed against cost', 'Time to first token per model', 'Answers side by side'):
        assert text in html, text
    print('static checks: ok (%d bytes, %d SVG charts)' % (len(html), html.count('<svg')))

    chromium = next((c for c in ('chromium', 'chromium-browser') if subprocess.run(
        ['sh', '-c', 'command -v ' + c], capture_output=True).returncode == 0), None)
    if not chromium:
        print('skipped: no chromium (scripts/test installs Debian\'s)')
        sys.exit(77)
    shot = os.environ.get('REPORT_SCREENSHOT', os.path.join(out_dir, 'report.png'))
    base = [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
            '--disable-dev-shm-usage', '--hide-scrollbars', '--user-data-dir=' + os.path.join(tmp, 'profile'),
            '--enable-logging=stderr', '--v=0']
    url = 'file://' + report
    dom = subprocess.run(base + ['--dump-dom', url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [l for l in dom.stderr.splitlines() if 'CONSOLE' in l or 'Refused to' in l]
    assert not console, '\n'.join(console)
    d = dom.stdout
    assert d.count('<svg') == 5 and d.count('<circle') >= 20 and d.count('<rect') >= 10, \
        (d.count('<svg'), d.count('<circle'), d.count('<rect'))
    for text in ('openai/gpt-4o-mini', 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo', 'pass [95% CI]',
                 'The capital of France is Paris.', 'RATE_LIMITED'):
        assert text in d, text
    shot_run = subprocess.run(base + ['--screenshot=' + shot, '--window-size=1280,2400', url],
                              capture_output=True, text=True, timeout=120)
    assert shot_run.returncode == 0 and os.path.getsize(shot) > 10000, shot_run.stderr[-2000:]
    print('chromium: DOM with %d SVG, %d circles, no console message; screenshot %s' %
          (d.count('<svg'), d.count('<circle'), shot))
    print('1 passed, 0 failed')


if __name__ == '__main__':
    main()
