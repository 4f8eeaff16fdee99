package llmkit

// Compare over libllmkit's llmk_compare_* API. The functions are looked up
// at run time (dlsym), so this package builds against headers and libraries
// older than that API: Compare then fails with ErrUnsupported and
// CompareAvailable reports false.

/*
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <llmkit.h>

extern void llmkGoCompareResult(void *cmp, size_t model, size_t case_index, size_t run, llmk_response *response,
                                void *user);

static void *cmp_sym(const char *name) { return dlsym(RTLD_DEFAULT, name); }

typedef void (*cmp_result_fn)(const void *, size_t, size_t, size_t, const llmk_response *, void *);

static int32_t cmp_new(void *f, void **out) { return ((int32_t (*)(void **))f)(out); }
static void cmp_free(void *f, void *c) { ((void (*)(void *))f)(c); }
static int32_t cmp_set_i64(void *f, void *c, int32_t o, int64_t v)
{
	return ((int32_t (*)(void *, int32_t, int64_t))f)(c, o, v);
}
static int32_t cmp_add_model(void *f, void *c, const char *m) { return ((int32_t (*)(void *, const char *))f)(c, m); }
static int32_t cmp_add_client(void *f, void *c, llmk_client *cl, const char *label)
{
	return ((int32_t (*)(void *, llmk_client *, const char *))f)(c, cl, label);
}
static int32_t cmp_add_case(void *f, void *c, const llmk_request *r, const char *expected, int32_t scorer)
{
	return ((int32_t (*)(void *, const llmk_request *, const char *, int32_t))f)(c, r, expected, scorer);
}
static int32_t cmp_set_embedder(void *f, void *c, llmk_client *cl)
{
	return ((int32_t (*)(void *, llmk_client *))f)(c, cl);
}
static int32_t cmp_run(void *f, void *c, void *user)
{
	return ((int32_t (*)(void *, cmp_result_fn, void *))f)(c, (cmp_result_fn)llmkGoCompareResult, user);
}
static size_t cmp_count(void *f, void *c) { return ((size_t (*)(void *))f)(c); }
static const char *cmp_model(void *f, void *c, size_t i) { return ((const char *(*)(void *, size_t))f)(c, i); }
static double cmp_metric(void *f, void *c, size_t m, int32_t k)
{
	return ((double (*)(void *, size_t, int32_t))f)(c, m, k);
}
static double cmp_score(void *f, void *c, size_t m, size_t k, size_t r)
{
	return ((double (*)(void *, size_t, size_t, size_t))f)(c, m, k, r);
}
static const char *cmp_errmsg(void *f, void *c) { return ((const char *(*)(void *))f)(c); }
static int32_t cmp_set_judge(void *f, void *c, llmk_client *cl, const char *rubric)
{
	return ((int32_t (*)(void *, llmk_client *, const char *))f)(c, cl, rubric);
}
static int32_t cmp_set_rubric(void *f, void *c, size_t k, const char *rubric)
{
	return ((int32_t (*)(void *, size_t, const char *))f)(c, k, rubric);
}
static const char *cmp_judge_reason(void *f, void *c, size_t m, size_t k, size_t r)
{
	return ((const char *(*)(void *, size_t, size_t, size_t))f)(c, m, k, r);
}
static size_t cmp_status_count(void *f, void *c, size_t m, int32_t st)
{
	return ((size_t (*)(void *, size_t, int32_t))f)(c, m, st);
}
static int32_t cmp_paired(void *f, double *mean, double *lo, double *hi, size_t *n, void *c, size_t m, size_t b,
                          int32_t k)
{
	return ((int32_t (*)(double *, double *, double *, size_t *, void *, size_t, size_t, int32_t))f)(mean, lo, hi, n,
	                                                                                               c, m, b, k);
}
*/
import "C"

import (
	"context"
	"fmt"
	"math"
	"runtime/cgo"
	"sort"
	"sync"
	"unsafe"
)

// Values of the compare enums of the C API (llmk_compare_option, llmk_metric).
const (
	cmpRepeat, cmpStream, cmpMaxInFlight        = 1, 2, 3
	cmpConcurrency, cmpPassPercent              = 4, 5
	metRuns, metOK, metLatency, metTTFT, metTPS = 1, 2, 3, 4, 5
	metIn, metOut, metCached, metCost, metScore = 6, 7, 8, 9, 10
)

// CompareStats names the statistics of CompareResult.Stats (LLMK_METRIC_*
// 11 and on).
var CompareStats = map[string]int32{"latency_p50_ms": 11, "latency_p90_ms": 12, "latency_p99_ms": 13,
	"latency_min_ms": 14, "latency_max_ms": 15, "ttft_p50_ms": 16, "ttft_p90_ms": 17, "ttft_p99_ms": 18,
	"ttft_min_ms": 19, "ttft_max_ms": 20, "error_rate": 21, "scored": 22, "passed": 23, "pass_rate": 24,
	"pass_rate_low": 25, "pass_rate_high": 26, "score_stderr": 27, "cost_per_1k_requests_usd": 28,
	"cost_per_correct_usd": 29, "wall_ms": 30, "throughput_rps": 31, "throughput_tokens_per_s": 32,
	"judge_cost_usd": 33, "judge_calls": 34}

// comparePaired names the per-run figures compared against a baseline.
var comparePaired = map[string]int32{"score": 10, "pass_rate": 24, "latency_ms": 3, "ttft_ms": 4,
	"tokens_per_s": 5, "input_tokens": 6, "output_tokens": 7, "cost_usd": 9}

// Paired is a model's difference from the baseline on the same cases: the
// mean of the per-case differences and its 95 % interval (Low and High
// are NaN with fewer than two pairs).
type Paired struct {
	Mean, Low, High float64
	Pairs           int
}

var scorers = map[string]int32{"": 0, "none": 0, "exact": 1, "contains": 2, "regex": 3, "json": 4, "similarity": 5,
	"judge": 6}

var cmpSyms struct {
	once sync.Once
	ok   bool
	fn   map[string]unsafe.Pointer
}

func cmpLookup() bool {
	cmpSyms.once.Do(func() {
		cmpSyms.fn = map[string]unsafe.Pointer{}
		cmpSyms.ok = true
		for _, n := range []string{"llmk_compare_new", "llmk_compare_free", "llmk_compare_set_i64",
			"llmk_compare_add_model", "llmk_compare_add_client", "llmk_compare_add_case", "llmk_compare_set_embedder",
			"llmk_compare_run", "llmk_compare_model_count", "llmk_compare_model", "llmk_compare_metric",
			"llmk_compare_score", "llmk_compare_errmsg"} {
			cn := C.CString(n)
			p := C.cmp_sym(cn)
			C.free(unsafe.Pointer(cn))
			if p == nil {
				cmpSyms.ok = false
			}
			cmpSyms.fn[n] = p
		}
	})
	return cmpSyms.ok
}

// cmpStatsFn: the statistics functions, nil in a library older than them.
func cmpStatsFn(n string) unsafe.Pointer {
	cn := C.CString("llmk_compare_" + n)
	defer C.free(unsafe.Pointer(cn))
	return C.cmp_sym(cn)
}

func cmpFn(n string) unsafe.Pointer { return cmpSyms.fn["llmk_compare_"+n] }

// CompareAvailable reports whether the loaded libllmkit has the compare API.
func CompareAvailable() bool { return cmpLookup() }

// CompareCase is one request of a comparison: Messages (or Prompt as a
// single user message), the Expected answer and the Scorer comparing them
// ("", "exact", "contains", "regex", "json" or "similarity").
type CompareCase struct {
	Prompt   string
	Messages []Message
	Expected string
	Scorer   string
	Rubric   string // "judge": this case's rubric (empty: CompareOptions.Rubric)
}

// CompareRun is one answer of one model to one case.
type CompareRun struct {
	Case, Run int
	Response  *ChatResponse // nil when the run failed
	Err       error
	Score     float64 // -1 when not scored
	Reason    string  // "judge": the judge's reason
}

// CompareResult are one model's metrics over all cases and runs: medians
// of latency, time to first token and tokens per second, token sums, cost
// (-1 when a price is unknown) and mean score (-1 when nothing was scored).
type CompareResult struct {
	Model                                   string
	Runs, OK                                int
	LatencyMs, TTFTMs, TokensPerS           float64
	InputTokens, OutputTokens, CachedTokens int64
	CostUSD, Score                          float64
	Answers                                 []CompareRun
	// Stats by the names of CompareStats (-1 where unknown), Errors the
	// failed runs by status name, VsBaseline the paired differences
	// against CompareOptions.Baseline ("score", "latency_ms", "cost_usd",
	// ...); empty in a library without them.
	Stats      map[string]float64
	Errors     map[string]int
	VsBaseline map[string]Paired
}

// CompareOptions tune Compare; the zero value sends each case once, unstreamed.
type CompareOptions struct {
	Repeat      int
	Stream      bool
	MaxInFlight int
	Embedder    *Client // for the "similarity" scorer
	Request     []Opt   // request options applied to every case
	Concurrency int     // requests in flight per model (0: no per-model limit)
	PassPercent int     // score a run needs to pass, in percent (0: the default, 50)
	Baseline    string  // label ("provider/model") of the model the others are compared with
	Judge       *Client // grades the "judge" scorer's answers; its cost is Stats["judge_cost_usd"]
	Rubric      string  // the judge's rubric for cases without one (empty: the built-in one)
}

// Compare sends every case to every model (clients, labelled
// "provider/model") and returns one result per model, in order. Cancelling
// ctx stops the runs in flight.
func Compare(ctx context.Context, models []*Client, cases []CompareCase, o CompareOptions) ([]CompareResult, error) {
	if !cmpLookup() {
		return nil, &Error{Status: StatusEUnsupported, Detail: "the loaded libllmkit has no compare API", RetryAfter: -1}
	}
	var cmp unsafe.Pointer
	if st := C.cmp_new(cmpFn("new"), &cmp); st != C.LLMK_OK {
		return nil, statusError(st, "")
	}
	defer C.cmp_free(cmpFn("free"), cmp)
	check := func(st C.int32_t) error {
		return statusError(C.llmk_status(st), C.GoString(C.cmp_errmsg(cmpFn("errmsg"), cmp)))
	}
	stream := 0
	if o.Stream {
		stream = 1
	}
	repeat := o.Repeat
	if repeat <= 0 {
		repeat = 1
	}
	if err := check(C.cmp_set_i64(cmpFn("set_i64"), cmp, cmpRepeat, C.int64_t(repeat))); err != nil {
		return nil, err
	}
	if err := check(C.cmp_set_i64(cmpFn("set_i64"), cmp, cmpStream, C.int64_t(stream))); err != nil {
		return nil, err
	}
	for _, kv := range [][2]int{{cmpConcurrency, o.Concurrency}, {cmpPassPercent, o.PassPercent}} {
		if kv[1] > 0 {
			if err := check(C.cmp_set_i64(cmpFn("set_i64"), cmp, C.int32_t(kv[0]), C.int64_t(kv[1]))); err != nil {
				return nil, err
			}
		}
	}
	if o.MaxInFlight > 0 {
		if err := check(C.cmp_set_i64(cmpFn("set_i64"), cmp, cmpMaxInFlight, C.int64_t(o.MaxInFlight))); err != nil {
			return nil, err
		}
	}
	for _, m := range models {
		m.mu.RLock()
		defer m.mu.RUnlock()
		label := C.CString(C.GoString(C.llmk_client_provider(m.p)) + "/" + C.GoString(C.llmk_client_model(m.p)))
		err := check(C.cmp_add_client(cmpFn("add_client"), cmp, m.p, label))
		C.free(unsafe.Pointer(label))
		if err != nil {
			return nil, err
		}
	}
	if o.Judge != nil {
		f := cmpStatsFn("set_judge")
		if f == nil {
			return nil, &Error{Status: StatusEUnsupported, Detail: "the loaded libllmkit has no judge scorer", RetryAfter: -1}
		}
		o.Judge.mu.RLock()
		defer o.Judge.mu.RUnlock()
		var rub *C.char
		if o.Rubric != "" {
			rub = C.CString(o.Rubric)
			defer C.free(unsafe.Pointer(rub))
		}
		if err := check(C.cmp_set_judge(f, cmp, o.Judge.p, rub)); err != nil {
			return nil, err
		}
	}
	if o.Embedder != nil {
		o.Embedder.mu.RLock()
		defer o.Embedder.mu.RUnlock()
		if err := check(C.cmp_set_embedder(cmpFn("set_embedder"), cmp, o.Embedder.p)); err != nil {
			return nil, err
		}
	}
	var reqs []*request
	defer func() {
		for _, r := range reqs {
			r.free()
		}
	}()
	var stops []func()
	defer func() {
		for _, s := range stops {
			s()
		}
	}()
	for _, cs := range cases {
		sc, ok := scorers[cs.Scorer]
		if !ok {
			return nil, &Error{Status: StatusEInvalidArg, Detail: fmt.Sprintf("unknown scorer %q", cs.Scorer), RetryAfter: -1}
		}
		r, err := newRequest(KindChat)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
		msgs := cs.Messages
		if msgs == nil {
			msgs = []Message{User(cs.Prompt)}
		}
		if err := r.messages(msgs); err != nil {
			return nil, err
		}
		if err := r.options(o.Request); err != nil {
			return nil, err
		}
		stop, err := r.watch(ctx)
		if err != nil {
			return nil, err
		}
		stops = append(stops, stop)
		var exp *C.char
		if cs.Expected != "" {
			if exp, err = cstr(cs.Expected, "expected answer"); err != nil {
				return nil, err
			}
		}
		err = check(C.cmp_add_case(cmpFn("add_case"), cmp, r.p, exp, C.int32_t(sc)))
		C.free(unsafe.Pointer(exp))
		if err != nil {
			return nil, err
		}
		if cs.Rubric != "" {
			f := cmpStatsFn("set_rubric")
			if f == nil {
				return nil, &Error{Status: StatusEUnsupported, Detail: "the loaded libllmkit has no judge scorer", RetryAfter: -1}
			}
			rub := C.CString(cs.Rubric)
			err = check(C.cmp_set_rubric(f, cmp, C.size_t(len(reqs)-1), rub))
			C.free(unsafe.Pointer(rub))
			if err != nil {
				return nil, err
			}
		}
	}
	answers := map[int][]CompareRun{}
	st := &compareState{fn: func(model, ci, run int, resp *C.llmk_response) {
		a := CompareRun{Case: ci, Run: run, Score: -1}
		if C.llmk_response_status(resp) == C.LLMK_OK {
			a.Response = chatOf(resp)
		} else {
			a.Err = responseError(resp)
		}
		answers[model] = append(answers[model], a)
	}}
	h := cgo.NewHandle(st)
	err := check(C.cmp_run(cmpFn("run"), cmp, handlePtr(h)))
	h.Delete()
	if st.panic != nil {
		panic(st.panic)
	}
	if err != nil {
		return nil, err
	}
	var out []CompareResult
	n := int(C.cmp_count(cmpFn("model_count"), cmp))
	base := -1
	for mi := 0; mi < n; mi++ {
		if o.Baseline != "" && C.GoString(C.cmp_model(cmpFn("model"), cmp, C.size_t(mi))) == o.Baseline {
			base = mi
		}
	}
	if o.Baseline != "" && base < 0 {
		return nil, &Error{Status: StatusEInvalidArg, Detail: fmt.Sprintf("baseline %q is not one of the models", o.Baseline), RetryAfter: -1}
	}
	statusCount, paired := cmpStatsFn("status_count"), cmpStatsFn("paired")
	for mi := 0; mi < n; mi++ {
		met := func(k int32) float64 { return float64(C.cmp_metric(cmpFn("metric"), cmp, C.size_t(mi), C.int32_t(k))) }
		r := CompareResult{
			Model: C.GoString(C.cmp_model(cmpFn("model"), cmp, C.size_t(mi))),
			Runs:  int(met(metRuns)), OK: int(met(metOK)),
			LatencyMs: met(metLatency), TTFTMs: met(metTTFT), TokensPerS: met(metTPS),
			InputTokens: int64(met(metIn)), OutputTokens: int64(met(metOut)), CachedTokens: int64(met(metCached)),
			CostUSD: met(metCost), Score: met(metScore),
		}
		if statusCount != nil && paired != nil {
			r.Stats, r.Errors, r.VsBaseline = map[string]float64{}, map[string]int{}, map[string]Paired{}
			for name, k := range CompareStats {
				r.Stats[name] = met(k)
			}
			for s := int32(1); s < 64; s++ {
				if c := int(C.cmp_status_count(statusCount, cmp, C.size_t(mi), C.int32_t(s))); c > 0 {
					r.Errors[C.GoString(C.llmk_status_name(C.int32_t(s)))] = c
				}
			}
			for name, k := range comparePaired {
				if base < 0 {
					break
				}
				var mean, lo, hi C.double
				var pairs C.size_t
				st := C.cmp_paired(paired, &mean, &lo, &hi, &pairs, cmp, C.size_t(mi), C.size_t(base), C.int32_t(k))
				p := Paired{Mean: float64(mean), Low: float64(lo), High: float64(hi), Pairs: int(pairs)}
				if st != C.LLMK_OK {
					p.Low, p.High = math.NaN(), math.NaN()
				}
				if st == C.LLMK_OK || pairs > 0 {
					r.VsBaseline[name] = p
				}
			}
		}
		reason := cmpStatsFn("judge_reason")
		for _, a := range answers[mi] {
			a.Score = float64(C.cmp_score(cmpFn("score"), cmp, C.size_t(mi), C.size_t(a.Case), C.size_t(a.Run)))
			if reason != nil {
				if why := C.cmp_judge_reason(reason, cmp, C.size_t(mi), C.size_t(a.Case), C.size_t(a.Run)); why != nil {
					a.Reason = C.GoString(why)
				}
			}
			r.Answers = append(r.Answers, a)
		}
		sort.Slice(r.Answers, func(i, j int) bool {
			if r.Answers[i].Case != r.Answers[j].Case {
				return r.Answers[i].Case < r.Answers[j].Case
			}
			return r.Answers[i].Run < r.Answers[j].Run
		})
		out = append(out, r)
	}
	return out, nil
}
