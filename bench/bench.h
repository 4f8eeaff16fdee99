/* Shared by the bench programs: clocks, CPU time, percentiles, the result
 * line every program prints (one JSON object on stdout, read by bench/run),
 * and the fixed chat.completion / chat.completion.chunk payloads the bench
 * server sends, so that the in-process baselines parse exactly the same
 * bytes. Header-only: each program is one file plus this. */
#ifndef LLMK_BENCH_H
#define LLMK_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static inline double bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* CPU time of the whole process (every thread), user + system, in us. */
static inline double bench_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static inline long bench_maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* q in [0,1]; sorts v in place. */
static inline double bench_pct(double *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return -1;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* The result line. lat may be NULL (no latency samples). Under callgrind
 * bench/run sets BENCH_NO_PERCENTILES: sorting n samples is not linear in
 * n and would leak into the per-request instruction counts. */
static inline void bench_report(const char *name, size_t n, double wall_us, double cpu_us, double *lat, size_t nlat)
{
	double p50 = -1, p99 = -1;

	if (lat && !getenv("BENCH_NO_PERCENTILES")) {
		p50 = bench_pct(lat, nlat, 0.50);
		p99 = bench_pct(lat, nlat, 0.99);
	}

	printf("{\"name\":\"%s\",\"n\":%zu,\"wall_s\":%.6f,\"cpu_us\":%.1f,\"cpu_us_per\":%.3f,"
	       "\"per_s\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"maxrss_kb\":%ld}\n",
	       name, n, wall_us / 1e6, cpu_us, n ? cpu_us / (double)n : 0, n ? (double)n / (wall_us / 1e6) : 0, p50,
	       p99, bench_maxrss_kb());
	fflush(stdout);
}

/* ---- payloads ------------------------------------------------------------ */

/* A chat.completion as the OpenAI API returns it (fields as in its API
 * reference: message with refusal and annotations, usage with details). */
#define BENCH_CHAT_CONTENT "Hello! How can I assist you today?"
#define BENCH_CHAT_JSON                                                                                              \
	"{\"id\":\"chatcmpl-BENCH0000000000000000000000001\",\"object\":\"chat.completion\",\"created\":1741569952," \
	"\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","        \
	"\"content\":\"" BENCH_CHAT_CONTENT "\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,"             \
	"\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":10,"                     \
	"\"total_tokens\":29,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"                    \
	"\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"                                  \
	"\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\","          \
	"\"system_fingerprint\":\"fp_06737a9306\"}"

/* The request every client sends. */
#define BENCH_MODEL "gpt-4o-mini"
#define BENCH_PROMPT "Say hello."
#define BENCH_KEY "sk-bench-not-a-real-key"

/* One SSE event of a chat.completion.chunk stream, written into out
 * (at least 512 bytes); returns its length. i = 0 is the role chunk,
 * 1..n the content chunks, n+1 the finish chunk, n+2 the usage chunk
 * (only when usage), then "data: [DONE]". */
static inline size_t bench_sse_event(char *out, size_t cap, size_t i, size_t n, int usage)
{
	static const char head[] = "data: {\"id\":\"chatcmpl-BENCH0000000000000000000000002\",\"object\":"
	                           "\"chat.completion.chunk\",\"created\":1741569952,\"model\":"
	                           "\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":"
	                           "\"fp_06737a9306\",\"choices\":";
	int len;

	if (i == 0)
		len = snprintf(out, cap,
		               "%s[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
		               "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
		               head);
	else if (i <= n)
		len = snprintf(out, cap,
		               "%s[{\"index\":0,\"delta\":{\"content\":\" tok%zu\"},\"logprobs\":null,"
		               "\"finish_reason\":null}]}\n\n",
		               head, i);
	else if (i == n + 1)
		len = snprintf(out, cap,
		               "%s[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n",
		               head);
	else if (i == n + 2 && usage)
		len = snprintf(out, cap,
		               "%s[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":%zu,\"total_tokens\":%zu,"
		               "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
		               "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
		               "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n",
		               head, n, n + 19);
	else
		len = snprintf(out, cap, "data: [DONE]\n\n");
	return len < 0 ? 0 : (size_t)len;
}

/* Number of events bench_sse_event() produces for n content chunks. */
static inline size_t bench_sse_count(size_t n, int usage)
{
	return n + 3 + (usage ? 1 : 0);
}

/* The whole stream in one malloc'd buffer (caller frees), length in *len. */
static inline char *bench_sse_body(size_t n, int usage, size_t *len)
{
	size_t cap = bench_sse_count(n, usage) * 512 + 1, off = 0, i, k = bench_sse_count(n, usage);
	char *b = malloc(cap);

	if (!b)
		return NULL;
	for (i = 0; i < k; i++) {
		size_t idx = i;
		if (i == k - 1)
			idx = n + 3; /* [DONE] */
		else if (!usage && i == n + 2)
			idx = n + 3;
		off += bench_sse_event(b + off, cap - off, idx, n, usage);
	}
	b[off] = '\0';
	*len = off;
	return b;
}

/* ---- TLS (section 7: nghttpx in front of the server) ---------------------- */

#ifdef CURLINC_CURL_H
/* What a careful programmer sets for https:// with libcurl, the same as
 * llmkit's transport: the bench's CA (BENCH_CA_BUNDLE), HTTP/2 offered
 * over TLS, waiting for a connection that may multiplex instead of opening
 * another; BENCH_NO_TLS_REUSE=1 turns curl's TLS session cache off (the
 * "without session reuse" measurement). Nothing changes for http://. */
static inline void bench_curl_tls(CURL *h, const char *url)
{
	const char *ca = getenv("BENCH_CA_BUNDLE");

	if (strncmp(url, "https:", 6))
		return;
	if (ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
	if (getenv("BENCH_NO_TLS_REUSE"))
		curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
}
#endif

#ifdef LLMKIT_H
/* The bench's CA for an llmkit client (BENCH_CA_BUNDLE): 0, or -1. */
static inline int bench_llmk_tls(llmk_client *c)
{
	const char *ca = getenv("BENCH_CA_BUNDLE");

	return ca ? (llmk_client_set_str(c, LLMK_OPT_CA_BUNDLE, ca) ? -1 : 0) : 0;
}
#endif

/* ---- embeddings (issue 20) ------------------------------------------------ */

/* Component j of vector i of the bench's embedding answers: an
 * embedding-like float32 (|x| < 0.08, normalized vectors of 1536 numbers
 * have components ~0.025), the same in the server and in every checker. */
static inline float bench_embed_value(size_t i, size_t j)
{
	uint32_t h = (uint32_t)(i * 2654435761u) ^ (uint32_t)(j * 2246822519u);

	h ^= h >> 15;
	h *= 2654435761u;
	h ^= h >> 13;
	return ((float)(h & 0xffffff) / 16777216.0f - 0.5f) * 0.16f;
}

#define BENCH_EMBED_MODEL "text-embedding-3-small"

/* Checks row i of an answer (dim numbers): 0 when every component is the
 * server's (float32 exactly: both forms carry the float32 value, the text
 * as its shortest "%.9g" round trip). */
static inline int bench_embed_check(const float *row, size_t i, size_t dim)
{
	size_t j;

	for (j = 0; j < dim; j++)
		if (row[j] != bench_embed_value(i, j))
			return -1;
	return 0;
}

#endif
