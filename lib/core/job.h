/* Jobs: one request through its attempts, step by step (job.c). The
 * blocking call runs one on the stack; the multi runs many. */
#ifndef LLMK_CORE_JOB_H
#define LLMK_CORE_JOB_H

#include "llmkit.h"
#include "exchange.h"

typedef struct llmk__job llmk__job;
enum {
	LLMK__JOB_DONE = 0,     /* the response is final: take it */
	LLMK__JOB_TRANSFER = 1, /* perform llmk__job_exchange() with the client's transport */
	LLMK__JOB_WAIT = 2,     /* call llmk__job_wake() at llmk__job_wake_at() */
	LLMK__JOB_NOMEM = 3     /* not even a response could be allocated */
};
/* Starts a request (streamed when fn != NULL) in mem (the memory of a job
 * taken with keep, or NULL to allocate); returns the job's state. *out is
 * NULL only when allocating the job failed (LLMK__JOB_NOMEM). */
int llmk__job_start(llmk__job **out, llmk__job *mem, llmk_client *c, const llmk_request *req, llmk_stream_fn fn,
                    void *user);
/* The transfer of llmk__job_exchange() ended with transport status st. */
int llmk__job_transferred(llmk__job *j, llmk_status st);
/* The wait is over (or the cancel flag went up): next attempt. */
int llmk__job_wake(llmk__job *j);
llmk_exchange *llmk__job_exchange(llmk__job *j);
double llmk__job_wake_at(const llmk__job *j);
const llmk_cancel *llmk__job_cancel(const llmk__job *j);
/* Hands over the job's response (an attempt still in progress ends as
 * cancelled) and frees the job, or with keep leaves its memory to the
 * caller for the next llmk__job_start() (a job is a few KiB: above what
 * malloc keeps in its fast per-thread caches) or llmk__job_free(). */
llmk_response *llmk__job_take(llmk__job *j, int keep);
void llmk__job_free(llmk__job *mem);

#endif
