package llmkit

/*
#include <stdlib.h>
#include <llmkit.h>
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Batch is a provider batch (OpenAI, Azure OpenAI, Anthropic, Gemini): many
// requests run by the provider within 24 hours at its batch price. Add
// requests under your own ids, Submit, then Wait and read Results; or
// OpenBatch one submitted earlier, by any process, from its id. Each call
// blocks while it talks to the provider, with the client's timeouts and
// retries; cancelling ctx stops it. A Batch is used by one goroutine at a
// time; the Client must stay open while it is used. Close it when done.
type Batch struct {
	mu sync.Mutex
	p  *C.llmk_batch
	c  *Client
}

// BatchResult is the outcome of one request: its answer (Chat or Embed,
// with Meta.Cost at the batch price) or, for a request that failed (or was
// cancelled or expired before it ran), Err.
type BatchResult struct {
	CustomID string
	Chat     *ChatResponse
	Embed    *EmbedResponse
	Err      error
}

// BatchCounts are the request counts of the last poll; -1 where the
// provider does not say.
type BatchCounts struct {
	Total, Succeeded, Failed, Pending, NotRun int64
}

// NewBatch starts an empty batch for the client's provider (an error
// matching ErrUnsupported when it has no batch API).
func (c *Client) NewBatch() (*Batch, error) {
	if !c.lock() {
		return nil, &Error{Status: StatusEInvalidArg, Detail: "client is closed", RetryAfter: -1}
	}
	defer c.unlock()
	var p *C.llmk_batch
	if st := C.llmk_batch_new(&p, c.p); st != C.LLMK_OK {
		return nil, statusError(st, C.GoString(C.llmk_client_errmsg(c.p)))
	}
	b := &Batch{p: p, c: c}
	runtime.SetFinalizer(b, (*Batch).Close)
	return b, nil
}

// OpenBatch resumes a batch by the id Submit returned (asking the provider
// for its state once).
func (c *Client) OpenBatch(ctx context.Context, id string) (*Batch, error) {
	cid, err := cstr(id, "batch id")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cid))
	if !c.lock() {
		return nil, &Error{Status: StatusEInvalidArg, Detail: "client is closed", RetryAfter: -1}
	}
	defer c.unlock()
	var p *C.llmk_batch
	var st C.llmk_status
	if err := withCancel(ctx, nil, func(cancel *C.llmk_cancel) {
		// The handle exists only after the first poll: the flag cannot be
		// attached before it, so the first poll ignores ctx.
		st = C.llmk_batch_open(&p, c.p, cid)
	}); err != nil {
		return nil, err
	}
	if st != C.LLMK_OK {
		detail := C.GoString(C.llmk_client_errmsg(c.p))
		if p != nil {
			detail = C.GoString(C.llmk_batch_errmsg(p))
			C.llmk_batch_free(p)
		}
		return nil, statusError(st, detail)
	}
	b := &Batch{p: p, c: c}
	runtime.SetFinalizer(b, (*Batch).Close)
	return b, nil
}

// Close frees the handle; the batch goes on at the provider.
func (b *Batch) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.p != nil {
		C.llmk_batch_free(b.p)
		b.p = nil
		runtime.SetFinalizer(b, nil)
	}
	return nil
}

// withCancel runs fn with a cancel flag raised when ctx is done, attached
// to the batch p (when not nil) for the call.
func withCancel(ctx context.Context, p *C.llmk_batch, fn func(*C.llmk_cancel)) error {
	if err := ctx.Err(); err != nil {
		return &Error{Status: StatusECancelled, Detail: "context done", RetryAfter: -1, cause: err}
	}
	if ctx.Done() == nil {
		fn(nil)
		return nil
	}
	var cancel *C.llmk_cancel
	if st := C.llmk_cancel_new(&cancel); st != C.LLMK_OK {
		return statusError(st, "")
	}
	defer C.llmk_cancel_free(cancel)
	if p != nil {
		C.llmk_batch_set_cancel(p, cancel)
		defer C.llmk_batch_set_cancel(p, nil)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			C.llmk_cancel_trigger(cancel)
		case <-done:
		}
	}()
	fn(cancel)
	close(done)
	wg.Wait()
	return nil
}

// call runs one library call on the open batch with ctx watched; the
// status becomes an error carrying the batch's message.
func (b *Batch) call(ctx context.Context, fn func() C.llmk_status) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.p == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "batch is closed", RetryAfter: -1}
	}
	if !b.c.lock() {
		return &Error{Status: StatusEInvalidArg, Detail: "client is closed", RetryAfter: -1}
	}
	defer b.c.unlock()
	var st C.llmk_status
	if err := withCancel(ctx, b.p, func(*C.llmk_cancel) { st = fn() }); err != nil {
		return err
	}
	if st != C.LLMK_OK {
		e := statusError(st, C.GoString(C.llmk_batch_errmsg(b.p)))
		if x, ok := e.(*Error); ok && x.Status == StatusECancelled && ctx.Err() != nil {
			x.cause = ctx.Err()
		}
		return e
	}
	return nil
}

func (b *Batch) add(customID string, kind Kind, opts []Opt, build func(*request) error) error {
	cid, err := cstr(customID, "custom id")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cid))
	r, err := newRequest(kind)
	if err != nil {
		return err
	}
	defer r.free()
	if err := build(r); err != nil {
		return err
	}
	if err := r.options(opts); err != nil {
		return err
	}
	return b.call(context.Background(), func() C.llmk_status { return C.llmk_batch_add(b.p, cid, r.p) })
}

// AddChat adds a chat request (as Client.Chat would send it) under
// customID: letters, digits, '_' and '-', up to 64, unique in the batch.
func (b *Batch) AddChat(customID string, msgs []Message, opts ...Opt) error {
	return b.add(customID, KindChat, opts, func(r *request) error { return r.messages(msgs) })
}

// AddEmbed adds an embedding request (as Client.Embed would send it).
func (b *Batch) AddEmbed(customID string, inputs []string, opts ...Opt) error {
	return b.add(customID, KindEmbed, opts, func(r *request) error {
		if err := noNUL("embedding input", inputs...); err != nil {
			return err
		}
		for _, in := range inputs {
			ci := C.CString(in)
			err := r.check(C.llmk_request_add_input(r.p, ci))
			C.free(unsafe.Pointer(ci))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Submit uploads and creates the batch; it returns the batch's id.
func (b *Batch) Submit(ctx context.Context) (string, error) {
	if err := b.call(ctx, func() C.llmk_status { return C.llmk_batch_submit(b.p) }); err != nil {
		return "", err
	}
	return b.ID(), nil
}

// ID is the provider's id of the batch ("" before Submit).
func (b *Batch) ID() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.p == nil {
		return ""
	}
	return C.GoString(C.llmk_batch_id(b.p))
}

// State is the batch's state as of the last call that asked the provider.
func (b *Batch) State() BatchState {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.p == nil {
		return BatchStateNew
	}
	return BatchState(C.llmk_batch_state(b.p))
}

// String is the state's name ("in_progress", ...).
func (s BatchState) String() string { return C.GoString(C.llmk_batch_state_name(C.int32_t(s))) }

// Ended says whether the state is one a batch does not leave.
func (s BatchState) Ended() bool {
	return s == BatchStateCompleted || s == BatchStateFailed || s == BatchStateExpired || s == BatchStateCancelled
}

// Counts are the request counts of the last poll.
func (b *Batch) Counts() BatchCounts {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := func(k BatchCountKind) int64 {
		if b.p == nil {
			return -1
		}
		return int64(C.llmk_batch_count(b.p, C.int32_t(k)))
	}
	return BatchCounts{n(BatchCountKindTotal), n(BatchCountKindSucceeded), n(BatchCountKindFailed),
		n(BatchCountKindPending), n(BatchCountKindOther)}
}

// Refresh asks the provider once and returns the state.
func (b *Batch) Refresh(ctx context.Context) (BatchState, error) {
	err := b.call(ctx, func() C.llmk_status { return C.llmk_batch_refresh(b.p) })
	return b.State(), err
}

// Wait polls every poll interval until the batch has ended or ctx is done;
// progress (optional) is called after each poll.
func (b *Batch) Wait(ctx context.Context, poll time.Duration, progress func(*Batch)) error {
	for {
		st, err := b.Refresh(ctx)
		if err != nil {
			return err
		}
		if progress != nil {
			progress(b)
		}
		if st.Ended() {
			return nil
		}
		select {
		case <-ctx.Done():
			return &Error{Status: StatusECancelled, Detail: "stopped waiting", RetryAfter: -1, cause: ctx.Err()}
		case <-time.After(poll):
		}
	}
}

// Cancel asks the provider to cancel the batch.
func (b *Batch) Cancel(ctx context.Context) error {
	return b.call(ctx, func() C.llmk_status { return C.llmk_batch_cancel(b.p) })
}

// Results downloads the results of an ended batch, in the provider's order.
func (b *Batch) Results(ctx context.Context) ([]BatchResult, error) {
	var out []BatchResult
	for {
		var cid *C.char
		var resp *C.llmk_response
		if err := b.call(ctx, func() C.llmk_status { return C.llmk_batch_next_result(b.p, &cid, &resp) }); err != nil {
			return out, err
		}
		if resp == nil {
			return out, nil
		}
		r := BatchResult{CustomID: C.GoString(cid)}
		switch {
		case C.llmk_response_status(resp) != C.LLMK_OK:
			r.Err = responseError(resp)
		case C.llmk_response_embedding_count(resp) > 0:
			r.Embed = embedOf(resp)
		default:
			r.Chat = chatOf(resp)
		}
		C.llmk_response_free(resp)
		out = append(out, r)
	}
}

// String describes the counts ("3 total, 2 succeeded, 1 failed").
func (n BatchCounts) String() string {
	return fmt.Sprintf("%d total, %d succeeded, %d failed, %d pending", n.Total, n.Succeeded, n.Failed, n.Pending)
}
