// Package llmkit is the Go binding of libllmkit: one API for chat,
// embeddings, images and speech across model providers.
//
//	c, err := llmkit.NewClient("openai/gpt-4o-mini")
//	if err != nil { ... }
//	defer c.Close()
//	r, err := c.Chat(ctx, []llmkit.Message{llmkit.User("Explain RAG in one sentence.")})
//
// The raw layer (raw.go: constants, enum types, option and status tables,
// one wrapper per C function) is generated from include/llmkit.h by
// bindings/gen.py; this file and its neighbours are the idiomatic layer.
package llmkit

/*
#include <stdlib.h>
#include <llmkit.h>
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Version is the version of the loaded libllmkit, e.g. "0.1.0".
func Version() string { return C.GoString(C.llmk_version()) }

// Providers lists the provider names the loaded library knows.
func Providers() []string {
	n := int(C.llmk_provider_count())
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, C.GoString(C.llmk_provider_name(C.size_t(i))))
	}
	return out
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

// Opt is one option by its name in the header's option table ("base_url",
// "temperature", ...): client options for NewClient, request options for
// the request methods. The value's type must match the option's (string,
// an integer, a float64, or a []string for "stop").
type Opt struct {
	name  string
	value any
}

// With sets any option of the option table by name.
func With(name string, value any) Opt { return Opt{name, value} }

// BaseURL sets the base URL of the API (client).
func BaseURL(url string) Opt { return Opt{"base_url", url} }

// APIKey sets the API key (client); otherwise the provider's environment variable is used.
func APIKey(key string) Opt { return Opt{"api_key", key} }

// Timeout bounds each request (client), in whole milliseconds.
func Timeout(d time.Duration) Opt { return Opt{"timeout_ms", d.Milliseconds()} }

// MaxRetries sets how many times a failed attempt is retried (client).
func MaxRetries(n int) Opt { return Opt{"max_retries", n} }

// Model overrides the client's model for one request.
func Model(name string) Opt { return Opt{"model", name} }

// Temperature sets the sampling temperature (chat, transcription).
func Temperature(t float64) Opt { return Opt{"temperature", t} }

// MaxTokens bounds the generated tokens (chat).
func MaxTokens(n int) Opt { return Opt{"max_tokens", n} }

// Stop adds stop sequences (chat).
func Stop(s ...string) Opt { return Opt{"stop", s} }

// ReasoningEffort asks for an amount of reasoning (chat): "none", "minimal",
// "low", "medium", "high", "xhigh" or "max", in the provider's terms
// (Anthropic: adaptive thinking with output_config.effort, or a thinking
// budget on older models); a value the model cannot take is refused.
func ReasoningEffort(e string) Opt { return Opt{"reasoning_effort", e} }

// StrictTools makes the declared tools' arguments follow their schemas
// exactly ("strict": true on each tool; the schemas must be closed with
// additionalProperties false), or says strict false (chat).
func StrictTools(on bool) Opt { return Opt{"strict_tools", on} }

// cstr copies s for C. A NUL would cut it there (an API key
// "sk-abc\x00X-Inj: 1" went out as "sk-abc", a model "gpt\x00evil" as
// "gpt"), so a string holding one is refused, before anything is sent, with
// an error naming what it is (never quoting it: it may be a key).
func cstr(s, what string) (*C.char, error) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, nulError(what, i, len(s))
	}
	return C.CString(s), nil
}

// noNUL is cstr's check for strings converted further on.
func noNUL(what string, ss ...string) error {
	for _, x := range ss {
		if i := strings.IndexByte(x, 0); i >= 0 {
			return nulError(what, i, len(x))
		}
	}
	return nil
}

func nulError(what string, i, n int) error {
	return &Error{Status: StatusEInvalidArg, RetryAfter: -1,
		Detail: fmt.Sprintf("%s holds a NUL character (byte %d of %d): refused, the C library would cut it there", what, i, n)}
}

type setter struct {
	str func(opt C.int32_t, v *C.char) C.llmk_status
	i64 func(opt C.int32_t, v C.int64_t) C.llmk_status
	f64 func(opt C.int32_t, v C.double) C.llmk_status
	msg func() string
}

func (s setter) set(o Opt) error {
	cname, err := cstr(o.name, "option name")
	if err != nil {
		return err
	}
	id := C.llmk_option_by_name(cname)
	C.free(unsafe.Pointer(cname))
	if id == 0 {
		return &Error{Status: StatusEUnknownOption, Detail: fmt.Sprintf("unknown option %q", o.name), RetryAfter: -1}
	}
	typ := OptionType(C.llmk_option_type(id))
	bad := func() error {
		return &Error{Status: StatusEInvalidArg, Detail: fmt.Sprintf("option %q: value of type %T", o.name, o.value),
			RetryAfter: -1}
	}
	var st C.llmk_status
	switch v := o.value.(type) {
	case []string:
		if typ != OptionTypeStr {
			return bad()
		}
		for _, x := range v {
			if err := s.set(Opt{o.name, x}); err != nil {
				return err
			}
		}
		return nil
	case string:
		if typ != OptionTypeStr {
			return bad()
		}
		cv, err := cstr(v, "option "+o.name)
		if err != nil {
			return err
		}
		st = s.str(id, cv)
		C.free(unsafe.Pointer(cv))
	case nil:
		if typ != OptionTypeStr {
			return bad()
		}
		st = s.str(id, nil)
	case int, int32, int64, uint32, bool:
		var n int64
		switch x := v.(type) {
		case int:
			n = int64(x)
		case int32:
			n = int64(x)
		case int64:
			n = x
		case uint32:
			n = int64(x)
		case bool:
			if x {
				n = 1
			}
		}
		switch typ {
		case OptionTypeI64:
			st = s.i64(id, C.int64_t(n))
		case OptionTypeF64:
			st = s.f64(id, C.double(n))
		default:
			return bad()
		}
	case float64, float32:
		f, _ := v.(float64)
		if x, ok := v.(float32); ok {
			f = float64(x)
		}
		if typ != OptionTypeF64 {
			return bad()
		}
		st = s.f64(id, C.double(f))
	default:
		return bad()
	}
	return statusError(st, s.msg())
}

// ---------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------

// Client is one configured endpoint (provider, base URL, key, timeouts). It
// is safe for concurrent use once configured. Close it when done; a client
// that becomes unreachable is also freed by a finalizer.
type Client struct {
	mu    sync.RWMutex // Close waits for requests in flight
	p     *C.llmk_client
	store *Store // kept alive while the client uses it
	cache *Cache // WithCache: kept reachable while the client uses it
}

// NewClient creates a client for "provider/model", e.g. "openai/gpt-4o-mini"
// or "ollama/llama3.2", with client options (BaseURL, APIKey, Timeout,
// MaxRetries, With(name, value)).
func NewClient(model string, opts ...Opt) (*Client, error) {
	cm, err := cstr(model, "model")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cm))
	var p *C.llmk_client
	if st := C.llmk_client_new(&p, cm); st != C.LLMK_OK {
		return nil, statusError(st, fmt.Sprintf("cannot create a client for %q: %s", model, C.GoString(C.llmk_strerror(st))))
	}
	c := &Client{p: p}
	s := setter{
		str: func(o C.int32_t, v *C.char) C.llmk_status { return C.llmk_client_set_str(p, o, v) },
		i64: func(o C.int32_t, v C.int64_t) C.llmk_status { return C.llmk_client_set_i64(p, o, v) },
		f64: func(o C.int32_t, v C.double) C.llmk_status { return C.llmk_client_set_f64(p, o, v) },
		msg: func() string { return C.GoString(C.llmk_client_errmsg(p)) },
	}
	for _, o := range opts {
		set := s.set
		if o.name == "\x00cache" {
			set = c.setCache
		}
		if err := set(o); err != nil {
			C.llmk_client_free(p)
			return nil, err
		}
	}
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

// Close frees the client, wiping its key. It waits for requests in flight
// and may be called more than once.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil {
		C.llmk_client_free(c.p)
		c.p = nil
		c.cache = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// Provider is the client's provider name, e.g. "openai".
func (c *Client) Provider() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.p == nil {
		return ""
	}
	return C.GoString(C.llmk_client_provider(c.p))
}

// Model is the client's default model.
func (c *Client) Model() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.p == nil {
		return ""
	}
	return C.GoString(C.llmk_client_model(c.p))
}

// BaseURL is the base URL the client sends to.
func (c *Client) BaseURL() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.p == nil {
		return ""
	}
	return C.GoString(C.llmk_client_base_url(c.p))
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

// Message is one chat message. Role is "system", "user", "assistant",
// "developer" or "tool" (then ToolCallID names the call answered).
type Message struct {
	Role       string
	Content    string
	Images     []string   // image URLs (http(s) or data:) after the text
	Documents  []Document // documents after the images (role "user")
	ToolCallID string     // role "tool"
	ToolCalls  []ToolCall // role "assistant": calls it made
	turn       []turnPart // ChatResponse.Message: the answer as received
}

// Document is a document input: a PDF ("application/pdf") or UTF-8 text
// ("text/plain"), and the file name shown to the model ("" for a default).
type Document struct {
	Data []byte
	MIME string
	Name string
}

// User, System and Assistant build text messages.
func User(text string) Message      { return Message{Role: "user", Content: text} }
func System(text string) Message    { return Message{Role: "system", Content: text} }
func Assistant(text string) Message { return Message{Role: "assistant", Content: text} }

// Tool declares a function the model may call; Parameters is a JSON Schema
// (any value encoding/json accepts, or a json.RawMessage).
type Tool struct {
	Name        string
	Description string
	Parameters  any
}

// Tools is a request option declaring tools (chat).
func Tools(t ...Tool) Opt { return Opt{"\x00tools", t} }

var roles = map[string]Role{"system": RoleSystem, "user": RoleUser, "assistant": RoleAssistant,
	"developer": RoleDeveloper, "tool": RoleTool}

type request struct {
	p *C.llmk_request
}

func newRequest(kind Kind) (*request, error) {
	r := &request{}
	if st := C.llmk_request_new(&r.p, C.int32_t(kind)); st != C.LLMK_OK {
		return nil, statusError(st, "")
	}
	return r, nil
}

func (r *request) free() {
	C.llmk_request_free(r.p)
	r.p = nil
}

func (r *request) check(st C.llmk_status) error {
	return statusError(st, C.GoString(C.llmk_request_errmsg(r.p)))
}

func (r *request) options(opts []Opt) error {
	s := setter{
		str: func(o C.int32_t, v *C.char) C.llmk_status { return C.llmk_request_set_str(r.p, o, v) },
		i64: func(o C.int32_t, v C.int64_t) C.llmk_status { return C.llmk_request_set_i64(r.p, o, v) },
		f64: func(o C.int32_t, v C.double) C.llmk_status { return C.llmk_request_set_f64(r.p, o, v) },
		msg: func() string { return C.GoString(C.llmk_request_errmsg(r.p)) },
	}
	for _, o := range opts {
		if o.name == "\x00tools" {
			for _, t := range o.value.([]Tool) {
				if err := r.tool(t); err != nil {
					return err
				}
			}
			continue
		}
		if err := s.set(o); err != nil {
			return err
		}
	}
	return nil
}

func (r *request) tool(t Tool) error {
	var params *C.char
	if t.Parameters != nil {
		var js []byte
		switch p := t.Parameters.(type) {
		case json.RawMessage:
			js = p
		case string:
			js = []byte(p)
		default:
			var err error
			if js, err = json.Marshal(p); err != nil {
				return &Error{Status: StatusEInvalidArg, Detail: "tool " + t.Name + ": " + err.Error(), RetryAfter: -1}
			}
		}
		var err error
		if params, err = cstr(string(js), "tool "+t.Name+" parameters"); err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(params))
	}
	if err := noNUL("tool name or description", t.Name, t.Description); err != nil {
		return err
	}
	name, desc := C.CString(t.Name), C.CString(t.Description)
	defer C.free(unsafe.Pointer(name))
	defer C.free(unsafe.Pointer(desc))
	return r.check(C.llmk_request_add_tool(r.p, name, desc, params))
}

// cstrOrNil is s as a C string, or NULL for "" (free with C.free; NULL is fine).
func cstrOrNil(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}

// turn adds an answer's turn part by part (llmk_request_add_part()).
func (r *request) turn(parts []turnPart) error {
	if err := r.check(C.llmk_request_add_message(r.p, C.int32_t(RoleAssistant), nil)); err != nil {
		return err
	}
	for _, p := range parts {
		text, detail, id, opaque := C.CString(p.text), cstrOrNil(p.detail), cstrOrNil(p.id), cstrOrNil(p.opaque)
		err := r.check(C.llmk_request_add_part(r.p, C.int32_t(p.typ), text, detail, id, opaque, C.int64_t(p.wire)))
		C.free(unsafe.Pointer(text))
		C.free(unsafe.Pointer(detail))
		C.free(unsafe.Pointer(id))
		C.free(unsafe.Pointer(opaque))
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *request) messages(msgs []Message) error {
	for _, m := range msgs {
		if err := noNUL("message", m.Content, m.ToolCallID); err != nil {
			return err
		}
		if err := noNUL("message image URL", m.Images...); err != nil {
			return err
		}
		for _, tc := range m.ToolCalls {
			if err := noNUL("message tool call", tc.ID, tc.Name, tc.Arguments); err != nil {
				return err
			}
		}
		if len(m.turn) > 0 {
			if err := r.turn(m.turn); err != nil {
				return err
			}
			continue
		}
		if m.Role == "tool" {
			id, content := C.CString(m.ToolCallID), C.CString(m.Content)
			err := r.check(C.llmk_request_add_tool_result(r.p, id, content))
			C.free(unsafe.Pointer(id))
			C.free(unsafe.Pointer(content))
			if err != nil {
				return err
			}
			continue
		}
		role, ok := roles[m.Role]
		if !ok {
			return &Error{Status: StatusEInvalidArg, Detail: fmt.Sprintf("unknown role %q", m.Role), RetryAfter: -1}
		}
		text := C.CString(m.Content)
		err := r.check(C.llmk_request_add_message(r.p, C.int32_t(role), text))
		C.free(unsafe.Pointer(text))
		if err != nil {
			return err
		}
		for _, u := range m.Images {
			cu := C.CString(u)
			err = r.check(C.llmk_request_add_image_url(r.p, cu, nil))
			C.free(unsafe.Pointer(cu))
			if err != nil {
				return err
			}
		}
		for _, d := range m.Documents {
			mime, name := C.CString(d.MIME), cstrOrNil(d.Name)
			var p *C.uint8_t
			if len(d.Data) > 0 {
				p = (*C.uint8_t)(unsafe.Pointer(&d.Data[0]))
			}
			err = r.check(C.llmk_request_add_document(r.p, p, C.size_t(len(d.Data)), mime, name))
			runtime.KeepAlive(d.Data)
			C.free(unsafe.Pointer(mime))
			C.free(unsafe.Pointer(name))
			if err != nil {
				return err
			}
		}
		for _, tc := range m.ToolCalls {
			id, name, args := C.CString(tc.ID), C.CString(tc.Name), C.CString(tc.Arguments)
			err = r.check(C.llmk_request_add_tool_call(r.p, id, name, args))
			C.free(unsafe.Pointer(id))
			C.free(unsafe.Pointer(name))
			C.free(unsafe.Pointer(args))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *request) str(opt Option, v string) error {
	cv, err := cstr(v, "option "+C.GoString(C.llmk_option_name(C.int32_t(opt))))
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cv))
	return r.check(C.llmk_request_set_str(r.p, C.int32_t(opt), cv))
}

// ---------------------------------------------------------------------------
// Sending, with context cancellation through llmk_cancel
// ---------------------------------------------------------------------------

// watch attaches a cancel flag to the request that is raised when ctx is
// done; the returned function detaches and frees it.
func (r *request) watch(ctx context.Context) (func(), error) {
	if ctx.Done() == nil {
		return func() {}, nil
	}
	var cancel *C.llmk_cancel
	if st := C.llmk_cancel_new(&cancel); st != C.LLMK_OK {
		return nil, statusError(st, "")
	}
	if err := r.check(C.llmk_request_set_cancel(r.p, cancel)); err != nil {
		C.llmk_cancel_free(cancel)
		return nil, err
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
	return func() {
		close(done)
		wg.Wait()
		C.llmk_request_set_cancel(r.p, nil)
		C.llmk_cancel_free(cancel)
	}, nil
}

// sender is what a request goes through: a Client or a Router. lock holds
// it open (false when it is closed, with nothing held); call sends (cb and
// user set: streamed).
type sender interface {
	lock() bool
	unlock()
	what() string
	call(r *C.llmk_request, cb C.llmk_stream_fn, user unsafe.Pointer, resp **C.llmk_response)
}

func (c *Client) lock() bool {
	c.mu.RLock()
	if c.p == nil {
		c.mu.RUnlock()
		return false
	}
	return true
}

func (c *Client) unlock()      { c.mu.RUnlock() }
func (c *Client) what() string { return "client" }

func (c *Client) call(r *C.llmk_request, cb C.llmk_stream_fn, user unsafe.Pointer, resp **C.llmk_response) {
	if cb != nil {
		C.llmk_stream(c.p, r, cb, user, resp)
	} else {
		C.llmk_send(c.p, r, resp)
	}
}

// send runs the request through s and converts the response with conv
// (which must copy everything out: the response is freed afterwards).
func send(ctx context.Context, s sender, r *request, st *streamState, conv func(*C.llmk_response)) error {
	if err := ctx.Err(); err != nil {
		return &Error{Status: StatusECancelled, Detail: "context done before sending", RetryAfter: -1, cause: err}
	}
	stop, err := r.watch(ctx)
	if err != nil {
		return err
	}
	defer stop()
	if !s.lock() {
		return &Error{Status: StatusEInvalidArg, Detail: s.what() + " is closed", RetryAfter: -1}
	}
	defer s.unlock()
	var resp *C.llmk_response
	if st != nil {
		h := cgo.NewHandle(st)
		s.call(r.p, streamCallback(), handlePtr(h), &resp)
		h.Delete()
		if st.panic != nil {
			C.llmk_response_free(resp)
			panic(st.panic)
		}
	} else {
		s.call(r.p, nil, nil, &resp)
	}
	if resp == nil {
		return &Error{Status: StatusENomem, Detail: "no response", RetryAfter: -1}
	}
	defer C.llmk_response_free(resp)
	if C.llmk_response_status(resp) != C.LLMK_OK {
		e := responseError(resp)
		if e.Status == StatusECancelled && ctx.Err() != nil {
			e.cause = ctx.Err()
		}
		return e
	}
	conv(resp)
	return nil
}

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

// Tokens holds token counts; -1 where the provider did not report one.
type Tokens struct {
	Input, Output, Total, CachedInput, Reasoning, CacheWrite int64
	// CacheWrite1H is the part of CacheWrite written to a 1-hour cache
	// (Anthropic), priced apart.
	CacheWrite1H int64
}

func usageOf(get func(w C.int32_t) C.int64_t) Tokens {
	return Tokens{
		Input: int64(get(C.LLMK_USAGE_INPUT)), Output: int64(get(C.LLMK_USAGE_OUTPUT)),
		Total: int64(get(C.LLMK_USAGE_TOTAL)), CachedInput: int64(get(C.LLMK_USAGE_CACHED_INPUT)),
		Reasoning: int64(get(C.LLMK_USAGE_REASONING)), CacheWrite: int64(get(C.LLMK_USAGE_CACHE_WRITE)),
		CacheWrite1H: int64(get(C.LLMK_USAGE_CACHE_WRITE_1H)),
	}
}

// Meta is what every response carries.
type Meta struct {
	Model      string // as reported by the provider
	RequestID  string
	HTTPStatus int
	Attempts   int
	Tokens     Tokens
	Total      time.Duration // whole request; -1 if not measured
	FirstToken time.Duration // streams: to the first text or tool event; -1 if not measured
	RateWait   time.Duration // waited for the client's rate limits; -1 when it has none
	Raw        []byte        // the body as received
	Deployment string        // through a Router: the deployment that answered
	Tried      string        // through a Router: "a=LLMK_E_RATE_LIMITED,b=LLMK_OK"
	Cached     bool          // answered from the response cache (WithCache): no request, $0
	Cost       float64       // USD (llmk_response_cost; a batch result at the batch price); -1 if unpriced
}

func ms(v C.double) time.Duration {
	if v < 0 {
		return -1
	}
	return time.Duration(float64(v) * float64(time.Millisecond))
}

func metaOf(r *C.llmk_response) Meta {
	var n C.size_t
	cost := C.double(-1)
	raw := C.llmk_response_raw(r, &n)
	if C.llmk_response_cost(r, &cost) != C.LLMK_OK {
		cost = -1
	}
	return Meta{
		Cost:       float64(cost),
		Model:      C.GoString(C.llmk_response_model(r)),
		RequestID:  C.GoString(C.llmk_response_request_id(r)),
		HTTPStatus: int(C.llmk_response_http_status(r)),
		Attempts:   int(C.llmk_response_attempts(r)),
		Tokens:     usageOf(func(w C.int32_t) C.int64_t { return C.llmk_response_usage(r, w) }),
		Total:      ms(C.llmk_response_timing(r, C.LLMK_TIMING_TOTAL_MS)),
		FirstToken: ms(C.llmk_response_timing(r, C.LLMK_TIMING_FIRST_TOKEN_MS)),
		RateWait:   ms(C.llmk_response_timing(r, C.LLMK_TIMING_RATE_WAIT_MS)),
		Raw:        C.GoBytes(unsafe.Pointer(raw), C.int(n)),
		Deployment: C.GoString(C.llmk_response_deployment(r)),
		Tried:      C.GoString(C.llmk_response_tried(r)),
		Cached:     C.llmk_response_cached(r) != 0,
	}
}

// ToolCall is a call the model made; Arguments is JSON text.
type ToolCall struct {
	ID, Name, Arguments string
}

// ChatResponse is a chat answer. It is also the assistant's turn of a
// conversation: Conversation.AddResponse (or Message) adds it as its
// provider needs it back.
type ChatResponse struct {
	Meta
	Text         string
	Reasoning    string
	Refusal      string // the model's refusal, apart from Text ("" if none)
	ID           string // the provider's id of the answer (Responses API: for previous_response_id)
	Finish       Finish // normalised
	FinishReason string // the provider's own word
	ToolCalls    []ToolCall
	Choices      []Choice       // all the answers (With("choices", n)); Choices[0] is Text
	Logprobs     []TokenLogprob // With("logprobs", 1): choice 0's tokens
	turn         []turnPart
}

// Choice is one of the answers of a chat request with With("choices", n).
type Choice struct {
	Text, FinishReason string
}

// TokenLogprob is a token with its log probability and, with
// With("top_logprobs", k), the most likely alternatives.
type TokenLogprob struct {
	Token   string
	Logprob float64
	Top     []TopLogprob
}

// TopLogprob is one alternative at a token's position.
type TopLogprob struct {
	Token   string
	Logprob float64
}

func logprobsOf(r *C.llmk_response) []TokenLogprob {
	var out []TokenLogprob
	for i := C.size_t(0); i < C.llmk_response_logprob_count(r); i++ {
		t := TokenLogprob{Token: C.GoString(C.llmk_response_logprob_token(r, i)),
			Logprob: float64(C.llmk_response_logprob(r, i))}
		for j := C.size_t(0); j < C.llmk_response_top_logprob_count(r, i); j++ {
			t.Top = append(t.Top, TopLogprob{Token: C.GoString(C.llmk_response_top_logprob_token(r, i, j)),
				Logprob: float64(C.llmk_response_top_logprob(r, i, j))})
		}
		out = append(out, t)
	}
	return out
}

// turnPart is one part of the answer as the assistant's turn, as the
// library reads it back (llmk_request_part_*): the provider's opaque state
// (thinking signatures, encrypted reasoning) included, as plain data.
type turnPart struct {
	typ                      int32
	text, detail, id, opaque string
	wire                     int64
}

// turnOf reads the answer's turn (llmk_request_add_response() into a
// scratch request); nil when it has none to add (then Text and ToolCalls
// stand for it).
func turnOf(r *C.llmk_response) []turnPart {
	var q *C.llmk_request
	if C.llmk_request_new(&q, C.int32_t(KindChat)) != C.LLMK_OK {
		return nil
	}
	defer C.llmk_request_free(q)
	if C.llmk_request_add_response(q, r) != C.LLMK_OK {
		return nil
	}
	n := C.llmk_request_part_count(q, 0)
	parts := make([]turnPart, 0, int(n))
	for j := C.size_t(0); j < n; j++ {
		parts = append(parts, turnPart{
			typ:    int32(C.llmk_request_part_type(q, 0, j)),
			text:   C.GoString(C.llmk_request_part_text(q, 0, j)),
			detail: C.GoString(C.llmk_request_part_detail(q, 0, j)),
			id:     C.GoString(C.llmk_request_part_id(q, 0, j)),
			opaque: C.GoString(C.llmk_request_part_opaque(q, 0, j)),
			wire:   int64(C.llmk_request_part_wire(q, 0, j)),
		})
	}
	return parts
}

// Message is the answer as the assistant's message of a conversation: its
// text (or refusal) and tool calls and, for an answer this package
// received, the provider's reasoning state, sent back unchanged to that
// provider's wire format (llmk_request_add_response()); other providers
// get the text and calls.
func (r *ChatResponse) Message() Message {
	text := r.Text
	if text == "" {
		text = r.Refusal
	}
	return Message{Role: "assistant", Content: text, ToolCalls: r.ToolCalls, turn: r.turn}
}

// Conversation is a chat history to send with Chat or Stream (it is a
// []Message). The agent loop: AddResponse, AddToolResult for each call,
// send again.
type Conversation []Message

// Add appends messages.
func (c *Conversation) Add(msgs ...Message) { *c = append(*c, msgs...) }

// AddResponse appends an answer as the assistant's turn, as its provider
// needs it back (see ChatResponse.Message).
func (c *Conversation) AddResponse(r *ChatResponse) { *c = append(*c, r.Message()) }

// AddToolResult appends the result of the tool call callID.
func (c *Conversation) AddToolResult(callID, content string) {
	*c = append(*c, Message{Role: "tool", ToolCallID: callID, Content: content})
}

func chatOf(r *C.llmk_response) *ChatResponse {
	out := &ChatResponse{
		Meta:         metaOf(r),
		Text:         C.GoString(C.llmk_response_text(r)),
		Reasoning:    C.GoString(C.llmk_response_reasoning(r)),
		Refusal:      C.GoString(C.llmk_response_refusal(r)),
		ID:           C.GoString(C.llmk_response_id(r)),
		Finish:       Finish(C.llmk_response_finish(r)),
		FinishReason: C.GoString(C.llmk_response_finish_reason(r)),
		turn:         turnOf(r),
	}
	for i := C.size_t(0); i < C.llmk_response_tool_call_count(r); i++ {
		out.ToolCalls = append(out.ToolCalls, ToolCall{
			ID:        C.GoString(C.llmk_response_tool_call_id(r, i)),
			Name:      C.GoString(C.llmk_response_tool_call_name(r, i)),
			Arguments: C.GoString(C.llmk_response_tool_call_arguments(r, i)),
		})
	}
	for i := C.size_t(0); i < C.llmk_response_choice_count(r); i++ {
		out.Choices = append(out.Choices, Choice{Text: C.GoString(C.llmk_response_choice_text(r, i)),
			FinishReason: C.GoString(C.llmk_response_choice_finish_reason(r, i))})
	}
	out.Logprobs = logprobsOf(r)
	return out
}

// Chat sends a chat request and waits for the whole answer. Cancelling ctx
// stops it within about 100 ms with an error matching ErrCancelled and
// ctx.Err().
func (c *Client) Chat(ctx context.Context, msgs []Message, opts ...Opt) (*ChatResponse, error) {
	var out *ChatResponse
	err := c.do(ctx, KindChat, opts, func(r *request) error { return r.messages(msgs) }, nil,
		func(resp *C.llmk_response) { out = chatOf(resp) })
	return out, err
}

func (c *Client) do(ctx context.Context, kind Kind, opts []Opt, build func(*request) error, st *streamState,
	conv func(*C.llmk_response)) error {
	return do(ctx, c, kind, opts, build, st, conv)
}

func do(ctx context.Context, s sender, kind Kind, opts []Opt, build func(*request) error, st *streamState,
	conv func(*C.llmk_response)) error {
	r, err := newRequest(kind)
	if err != nil {
		return err
	}
	defer r.free()
	if build != nil {
		if err := build(r); err != nil {
			return err
		}
	}
	if err := r.options(opts); err != nil {
		return err
	}
	return send(ctx, s, r, st, conv)
}

// Event is one streaming event, copied out of the library.
type Event struct {
	Type      EventType
	Text      string  // TEXT / REASONING fragment, or TOOL_CALL arguments fragment
	ToolIndex int     // TOOL_CALL: which call; else -1
	ToolID    string  // TOOL_CALL
	ToolName  string  // TOOL_CALL
	Tokens    *Tokens // USAGE / DONE
	Data      []byte  // AUDIO, IMAGE_PARTIAL, IMAGE: the decoded bytes
	Index     int     // IMAGE_PARTIAL: the partial image's number; IMAGE: its place; else -1
}

func eventOf(ev *C.llmk_event) Event {
	e := Event{Type: EventType(C.llmk_event_type(ev)), ToolIndex: -1, Index: -1}
	if n := C.llmk_event_text_len(ev); n > 0 {
		e.Text = C.GoStringN(C.llmk_event_text(ev), C.int(n))
	}
	switch e.Type {
	case EventTypeToolCall:
		e.ToolIndex = int(C.llmk_event_tool_index(ev))
		e.ToolID = C.GoString(C.llmk_event_tool_id(ev))
		e.ToolName = C.GoString(C.llmk_event_tool_name(ev))
	case EventTypeUsage, EventTypeDone:
		u := usageOf(func(w C.int32_t) C.int64_t { return C.llmk_event_usage(ev, w) })
		e.Tokens = &u
	case EventTypeAudio, EventTypeImagePartial, EventTypeImage:
		var n C.size_t
		if p := C.llmk_event_data(ev, &n); p != nil {
			e.Data = C.GoBytes(unsafe.Pointer(p), C.int(n))
		}
		e.Index = int(C.llmk_event_index(ev))
	}
	return e
}

// errStop is returned by a stream callback's error when it asked to stop.
var errStop = errors.New("llmkit: stream stopped by the callback")

// Stream sends a chat request and calls fn for each event as it arrives, on
// the calling goroutine. fn returning an error stops the request; Stream
// then returns that error. Cancelling ctx stops it too. On success the
// returned response holds the whole answer (as Chat would).
func (c *Client) Stream(ctx context.Context, msgs []Message, fn func(Event) error, opts ...Opt) (*ChatResponse, error) {
	return stream(ctx, c, msgs, fn, opts)
}

func stream(ctx context.Context, s sender, msgs []Message, fn func(Event) error, opts []Opt) (*ChatResponse, error) {
	var out *ChatResponse
	var cbErr error
	st := &streamState{fn: func(ev *C.llmk_event) int32 {
		if err := fn(eventOf(ev)); err != nil {
			cbErr = err
			return 1
		}
		return 0
	}}
	err := do(ctx, s, KindChat, opts, func(r *request) error { return r.messages(msgs) }, st,
		func(resp *C.llmk_response) { out = chatOf(resp) })
	if cbErr != nil && errors.Is(err, ErrCancelled) {
		return nil, cbErr
	}
	return out, err
}

// StreamResult is a stream running in the background (StreamChan).
type StreamResult struct {
	// Events delivers the events in order; it is closed when the stream ends.
	Events <-chan Event
	done   chan struct{}
	resp   *ChatResponse
	err    error
}

// Wait waits for the end of the stream and returns the whole response.
func (s *StreamResult) Wait() (*ChatResponse, error) {
	<-s.done
	return s.resp, s.err
}

// StreamChan is Stream with a channel: the request runs on its own
// goroutine and its events arrive on Events. Stop early by cancelling ctx
// (a consumer that stops reading must cancel, or the request waits for it).
func (c *Client) StreamChan(ctx context.Context, msgs []Message, opts ...Opt) *StreamResult {
	ch := make(chan Event, 16)
	s := &StreamResult{Events: ch, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(ch)
		s.resp, s.err = c.Stream(ctx, msgs, func(e Event) error {
			select {
			case ch <- e:
				return nil
			case <-ctx.Done():
				return errStop
			}
		}, opts...)
		if errors.Is(s.err, errStop) {
			s.err = &Error{Status: StatusECancelled, Detail: "cancelled by the caller", RetryAfter: -1, cause: ctx.Err()}
		}
	}()
	return s
}

// EmbedResponse holds one vector per input, in input order.
type EmbedResponse struct {
	Meta
	Vectors [][]float32
}

func embedOf(resp *C.llmk_response) *EmbedResponse {
	out := &EmbedResponse{Meta: metaOf(resp)}
	dim := int(C.llmk_response_embedding_dim(resp))
	for i := C.size_t(0); i < C.llmk_response_embedding_count(resp); i++ {
		p := C.llmk_response_embedding(resp, i)
		v := make([]float32, dim)
		if p != nil && dim > 0 {
			copy(v, unsafe.Slice((*float32)(unsafe.Pointer(p)), dim))
		}
		out.Vectors = append(out.Vectors, v)
	}
	return out
}

// Embed embeds texts (options: Model, With("dimensions", n), ...).
func (c *Client) Embed(ctx context.Context, inputs []string, opts ...Opt) (*EmbedResponse, error) {
	var out *EmbedResponse
	err := c.do(ctx, KindEmbed, opts, func(r *request) error {
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
	}, nil, func(resp *C.llmk_response) { out = embedOf(resp) })
	return out, err
}

// Image is one generated image: Data, or URL when the provider returned a URL.
type Image struct {
	Data          []byte
	URL           string
	RevisedPrompt string
}

// ImageResponse holds the generated images.
type ImageResponse struct {
	Meta
	Images []Image
}

func imagesOf(resp *C.llmk_response) *ImageResponse {
	out := &ImageResponse{Meta: metaOf(resp)}
	for i := C.size_t(0); i < C.llmk_response_image_count(resp); i++ {
		var n C.size_t
		img := Image{}
		if p := C.llmk_response_image_data(resp, i, &n); p != nil {
			img.Data = C.GoBytes(unsafe.Pointer(p), C.int(n))
		}
		if u := C.llmk_response_image_url(resp, i); u != nil {
			img.URL = C.GoString(u)
		}
		if rp := C.llmk_response_image_revised_prompt(resp, i); rp != nil {
			img.RevisedPrompt = C.GoString(rp)
		}
		out.Images = append(out.Images, img)
	}
	return out
}

// Image generates images from a prompt (options: With("image_size", "1024x1024"), ...).
func (c *Client) Image(ctx context.Context, prompt string, opts ...Opt) (*ImageResponse, error) {
	var out *ImageResponse
	err := c.do(ctx, KindImage, opts, func(r *request) error { return r.str(OptionPrompt, prompt) }, nil,
		func(resp *C.llmk_response) { out = imagesOf(resp) })
	return out, err
}

// InputImage is an image to edit: its bytes, MIME type ("image/png",
// "image/jpeg", "image/webp"; "" is PNG) and file name ("" for a default).
type InputImage struct {
	Data     []byte
	MIME     string
	Filename string
}

// EditImage edits images with a prompt (OpenAI /images/edits, several
// images and an optional PNG mask; Gemini's image models). With an empty
// prompt, one image asks for variations (OpenAI /images/variations).
// Options as for Image, plus With("image_input_fidelity", "high").
func (c *Client) EditImage(ctx context.Context, images []InputImage, prompt string, mask []byte,
	opts ...Opt) (*ImageResponse, error) {
	var out *ImageResponse
	err := c.do(ctx, KindImage, opts, func(r *request) error {
		for _, im := range images {
			if err := noNUL("input image", im.MIME, im.Filename); err != nil {
				return err
			}
			mime, name := cstrOrNil(im.MIME), cstrOrNil(im.Filename)
			var p *C.uint8_t
			if len(im.Data) > 0 {
				p = (*C.uint8_t)(unsafe.Pointer(&im.Data[0]))
			}
			err := r.check(C.llmk_request_add_image(r.p, p, C.size_t(len(im.Data)), mime, name))
			runtime.KeepAlive(im.Data)
			C.free(unsafe.Pointer(mime))
			C.free(unsafe.Pointer(name))
			if err != nil {
				return err
			}
		}
		if len(mask) > 0 {
			err := r.check(C.llmk_request_set_mask(r.p, (*C.uint8_t)(unsafe.Pointer(&mask[0])), C.size_t(len(mask))))
			runtime.KeepAlive(mask)
			if err != nil {
				return err
			}
		}
		if prompt == "" {
			return nil
		}
		return r.str(OptionPrompt, prompt)
	}, nil, func(resp *C.llmk_response) { out = imagesOf(resp) })
	return out, err
}

// Segment is a timed part of a transcript.
type Segment struct {
	Start, End float64
	Text       string
}

// Word is a timed word of a transcript (With("timestamps", "word")).
type Word struct {
	Start, End float64
	Text       string
}

// TranscriptionResponse is a transcript.
type TranscriptionResponse struct {
	Meta
	Text     string
	Duration float64 // seconds; -1 if not reported
	Segments []Segment
	Words    []Word         // With("timestamps", "word") and verbose_json
	Logprobs []TokenLogprob // With("logprobs", 1) (gpt-4o transcription models)
}

// Transcribe transcribes audio; filename (e.g. "speech.wav") tells the
// service its format. Options: With("language", "en"),
// With("timestamps", "word") (Words), With("logprobs", 1), With("chunking",
// "auto"), With("translate", 1) (see Translate), ...
func (c *Client) Transcribe(ctx context.Context, audio []byte, filename string, opts ...Opt) (*TranscriptionResponse, error) {
	return c.transcribe(ctx, audio, filename, nil, opts)
}

// eventState calls fn for each event; an error it returns stops the request
// and is kept in *cbErr.
func eventState(fn func(Event) error, cbErr *error) *streamState {
	return &streamState{fn: func(ev *C.llmk_event) int32 {
		if err := fn(eventOf(ev)); err != nil {
			*cbErr = err
			return 1
		}
		return 0
	}}
}

// StreamTranscribe transcribes audio as Transcribe does, calling fn for each
// event as it arrives: the text as TEXT events where the provider streams
// transcripts (OpenAI's gpt-4o transcription models), else once, whole.
// fn returning an error stops the request; StreamTranscribe then returns it.
func (c *Client) StreamTranscribe(ctx context.Context, audio []byte, filename string, fn func(Event) error,
	opts ...Opt) (*TranscriptionResponse, error) {
	var cbErr error
	out, err := c.transcribe(ctx, audio, filename, eventState(fn, &cbErr), opts)
	if cbErr != nil && errors.Is(err, ErrCancelled) {
		return nil, cbErr
	}
	return out, err
}

func (c *Client) transcribe(ctx context.Context, audio []byte, filename string, st *streamState,
	opts []Opt) (*TranscriptionResponse, error) {
	var out *TranscriptionResponse
	err := c.do(ctx, KindTranscribe, opts, func(r *request) error {
		name, err := cstr(filename, "audio file name")
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(name))
		var p *C.uint8_t
		if len(audio) > 0 {
			p = (*C.uint8_t)(unsafe.Pointer(&audio[0]))
		}
		err = r.check(C.llmk_request_set_audio(r.p, p, C.size_t(len(audio)), name, nil))
		runtime.KeepAlive(audio)
		return err
	}, st, func(resp *C.llmk_response) {
		out = &TranscriptionResponse{Meta: metaOf(resp), Text: C.GoString(C.llmk_response_text(resp)),
			Duration: float64(C.llmk_response_duration(resp))}
		for i := C.size_t(0); i < C.llmk_response_segment_count(resp); i++ {
			out.Segments = append(out.Segments, Segment{
				Start: float64(C.llmk_response_segment_start(resp, i)),
				End:   float64(C.llmk_response_segment_end(resp, i)),
				Text:  C.GoString(C.llmk_response_segment_text(resp, i)),
			})
		}
		for i := C.size_t(0); i < C.llmk_response_word_count(resp); i++ {
			out.Words = append(out.Words, Word{
				Start: float64(C.llmk_response_word_start(resp, i)),
				End:   float64(C.llmk_response_word_end(resp, i)),
				Text:  C.GoString(C.llmk_response_word_text(resp, i)),
			})
		}
		out.Logprobs = logprobsOf(resp)
	})
	return out, err
}

// Translate translates speech into English text (OpenAI
// /audio/translations, whisper.cpp's translate): Transcribe with
// With("translate", 1).
func (c *Client) Translate(ctx context.Context, audio []byte, filename string, opts ...Opt) (*TranscriptionResponse, error) {
	return c.Transcribe(ctx, audio, filename, append([]Opt{With("translate", 1)}, opts...)...)
}

// TranscribeFile reads a file and transcribes it under its base name.
func (c *Client) TranscribeFile(ctx context.Context, path string, opts ...Opt) (*TranscriptionResponse, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return c.Transcribe(ctx, data, filepath.Base(path), opts...)
}

// SpeechResponse is synthesised audio.
type SpeechResponse struct {
	Meta
	Audio []byte
	MIME  string
}

// Speak turns text into speech (options: With("voice", "alloy"),
// With("audio_format", "mp3"), With("speed", 1.25), ...).
func (c *Client) Speak(ctx context.Context, text string, opts ...Opt) (*SpeechResponse, error) {
	return c.speak(ctx, text, nil, opts)
}

// StreamSpeak turns text into speech as Speak does, calling fn with each
// chunk of audio as it is made (AUDIO events, Event.Data): the bytes as they
// arrive, or with With("stream_format", "sse") decoded from the provider's
// events, with usage. The response holds the whole audio.
func (c *Client) StreamSpeak(ctx context.Context, text string, fn func(Event) error, opts ...Opt) (*SpeechResponse, error) {
	var cbErr error
	out, err := c.speak(ctx, text, eventState(fn, &cbErr), opts)
	if cbErr != nil && errors.Is(err, ErrCancelled) {
		return nil, cbErr
	}
	return out, err
}

func (c *Client) speak(ctx context.Context, text string, st *streamState, opts []Opt) (*SpeechResponse, error) {
	var out *SpeechResponse
	err := c.do(ctx, KindSpeech, opts, func(r *request) error { return r.str(OptionInput, text) }, st,
		func(resp *C.llmk_response) {
			var n C.size_t
			p := C.llmk_response_audio(resp, &n)
			out = &SpeechResponse{Meta: metaOf(resp), MIME: C.GoString(C.llmk_response_audio_mime(resp))}
			if p != nil {
				out.Audio = C.GoBytes(unsafe.Pointer(p), C.int(n))
			}
		})
	return out, err
}
