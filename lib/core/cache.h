/* The response cache (cache.c, cache_value.c): answers kept in an llmk_store
 * under a hash of the request, looked up before a job's first attempt and
 * stored after its final answer (job.c). */
#ifndef LLMK_CORE_CACHE_H
#define LLMK_CORE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"
#include "buf.h"

struct llmk__attempt;
typedef struct llmk__cache_job llmk__cache_job;
typedef struct llmk__cache_rec llmk__cache_rec;

/* Before attempt 1 (the exchange built, not sent): 1 when the store
 * answered -- *resp is then the stored answer (the response it replaces is
 * freed, p points at the new one), its events already replayed through
 * p->sctx for a stream -- else 0. Sets *cj when the job's answer is to be
 * stored (llmk__cache_end()), and points p->sctx.rec at its recorder. n:
 * the request's number, for log lines. */
int llmk__cache_begin(llmk__cache_job **cj, const llmk_client *c, const llmk_request *req, struct llmk__attempt *p,
                      unsigned long n, llmk_response **resp);
/* Attempt 2 and later: the events of the one before are forgotten. NULL
 * is ignored. */
void llmk__cache_retry(llmk__cache_job *cj, struct llmk__attempt *p);
/* The job's final answer (scrubbed, provider and model set): stored when
 * it is a complete success. Frees cj (NULL is ignored). */
void llmk__cache_end(llmk__cache_job *cj, const llmk_client *c, const llmk_response *r);
/* stream.c: an event about to reach the caller. */
void llmk__cache_record(llmk__cache_rec *rec, const llmk_event *ev);

/* ---- values (cache_value.c) ---------------------------------------------- */

/* One event as recorded: text-like fragments by length (the fragments are
 * consecutive slices of their buffer), tool-call fragments by call and
 * length (and whether the id and name were known yet), usage as it was. */
typedef struct llmk__cache_ev {
	uint8_t type;  /* LLMK_EVENT_* */
	uint8_t flags; /* TOOL_CALL: 1 the id was known, 2 the name */
	uint32_t index;
	uint64_t len;
	int64_t usage[8]; /* USAGE */
} llmk__cache_ev;

struct llmk__cache_rec {
	llmk__cache_ev *ev;
	size_t n, cap;
	int broken; /* a record could not be kept: the answer is not stored */
};

/* Serialises r (kind, key, expiry in Unix ms or 0, its events or none)
 * into out: 0, or -1 when memory ran out or r holds a turn item the reader
 * would refuse. */
int llmk__cache_value_write(llmk__buf *out, const llmk_response *r, int32_t kind, const char *key, int64_t expires,
                            const llmk__cache_rec *rec);
/* Parses a stored value into a new response (*out) and its events (*rec,
 * caller frees rec->ev). 0 on success; else -1 with why (a static string)
 * in *why: a value that is not exactly one this version wrote, for this
 * key and kind, unexpired, checksum included, is never an answer. */
int llmk__cache_value_read(const uint8_t *data, size_t len, int32_t kind, const char *key, int64_t now,
                           llmk_response **out, llmk__cache_rec *rec, const char **why);

#endif
