/* The monotonic clock every deadline, timeout and timing is measured on. */
#ifndef LLMK_BASE_CLOCK_H
#define LLMK_BASE_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC (arbitrary origin). */
double llmk__now_ms(void);

#endif
