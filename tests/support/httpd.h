/*
 * httpd.h - a small scriptable HTTP/1.1 server for tests.
 *
 * It listens on 127.0.0.1 on a free port chosen by the kernel and runs inside
 * the test process: an accept thread plus one thread per connection. Tests
 * queue canned responses (FIFO) and afterwards inspect the requests the code
 * under test sent. It emulates model providers (OpenAI, ...) closely enough
 * for libcurl: keep-alive, chunked bodies both ways, Expect: 100-continue,
 * slow or truncated responses.
 *
 * All functions are thread-safe. Requests are recorded before the response
 * is chosen, so after a client call returns, th_request_count() already
 * includes its request(s).
 */
#ifndef LLMKIT_TESTS_HTTPD_H
#define LLMKIT_TESTS_HTTPD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct th_server th_server;

typedef struct th_header {
	char *name;
	char *value; /* leading/trailing blanks removed */
} th_header;

typedef struct th_request {
	char method[16];
	char *target;       /* request-target as received, e.g. "/v1/chat/completions?x=1" */
	th_header *headers; /* in the order received */
	size_t nheaders;
	unsigned char *body; /* decoded (Content-Length or chunked); NUL-terminated */
	size_t body_len;
	unsigned conn_id; /* which accepted TCP connection carried it (1-based) */
} th_request;

typedef struct th_response {
	int status;           /* e.g. 200 */
	const char *headers;  /* extra raw header lines, each ending "\r\n", or NULL */
	const void *body;     /* may be NULL (empty body) */
	size_t body_len;      /* 0 with body != NULL: strlen(body) */
	int chunked;          /* 1: Transfer-Encoding: chunked, one chunk per write */
	size_t write_size;    /* send the body in writes of this many bytes (0 = one write) */
	int delay_ms;         /* sleep between body writes */
	int delay_headers_ms; /* sleep before sending anything */
	size_t truncate_at;   /* >0: send only this many body bytes, then close
	                            * (Content-Length still announces the full length;
	                            * chunked: no terminating chunk) */
	int close;            /* 1: "Connection: close" and close afterwards */
	int no_length;        /* 1: body delimited by close (implies close) */
	int raw;              /* 1: body is the complete bytes to write; only
	                            * write_size, delay_ms, close and reset still apply */
	/* Added for the fault tests (tests/api/test_faults.c); zero keeps the
	 * behaviour above. */
	int reset;         /* 1: after the last write (and delay_ms more, when
	                            * anything was written), abort the connection with
	                            * a TCP RST (SO_LINGER 0) instead of closing it.
	                            * raw with no body: RST before any response byte;
	                            * with truncate_at: RST in the middle of the body */
	int delay_body_ms; /* sleep between the headers and the first body byte
	                            * (not for raw) */
} th_response;

/* Start a server on 127.0.0.1:<free port>. NULL on failure. */
th_server *th_start(void);
int th_port(const th_server *s);
/* "http://127.0.0.1:PORT", owned by the server. */
const char *th_url(const th_server *s);

/* Queue a response (FIFO). Headers and body are copied. */
void th_push(th_server *s, const th_response *r);
/* Queue a response with "Content-Type: application/json" and the given status. */
void th_push_json(th_server *s, int status, const char *json);

/* A function answering requests when no scripted response is queued
 * (instead of the 599 "no script" answer): it fills *out, whose body and
 * headers must be malloc'd (the server frees them). Called on the
 * connection's thread, possibly on several at once. */
typedef void (*th_handler)(const th_request *rq, th_response *out, void *user);
void th_set_handler(th_server *s, th_handler fn, void *user);
/* Most requests the server was answering at the same moment. */
unsigned th_max_concurrent(th_server *s);

size_t th_request_count(th_server *s);
/* i-th recorded request in arrival order, NULL if out of range. Valid until
 * th_reset() or th_stop(). */
const th_request *th_request_at(th_server *s, size_t i);
/* First header with this name (case-insensitive), NULL if absent. */
const char *th_request_header(const th_request *r, const char *name);
/* TCP connections accepted so far. */
unsigned th_connection_count(th_server *s);
/* Responses still queued. */
size_t th_pending(th_server *s);
/* Forget recorded requests and queued responses. */
void th_reset(th_server *s);
/* Close the listener and every connection, join all threads, free all.
 * Never blocks on idle clients or on scripted delays. NULL is a no-op. */
void th_stop(th_server *s);

#ifdef __cplusplus
}
#endif

#endif
