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

// Deployment is one member of a Router: a unique name (no ',' or '='), an
// open Client and a weight > 0 (used by RouteWeighted).
type Deployment struct {
	Name   string
	Client *Client
	Weight float64
}

// Router sends each request to one of several deployments (clients of any
// providers): in order with fallback on rate limits, overload, server
// errors, timeouts and transport failures (RouteFallback), in the shares of
// the weights (RouteWeighted), or to the least busy (RouteLeastBusy). A
// deployment that failed AllowedFails times in a row rests for the cooldown.
// Answers say which deployment answered (Meta.Deployment) and what was tried
// (Meta.Tried). Configure it, then use it from any number of goroutines; the
// clients must stay open while it is used. Close it when done.
type Router struct {
	mu      sync.RWMutex
	p       *C.llmk_router
	clients []*Client
	store   *Store // kept alive while the router uses it
}

// NewRouter creates a router with a strategy and deployments (more can be
// added with Add).
func NewRouter(strategy Route, deployments ...Deployment) (*Router, error) {
	var p *C.llmk_router
	if st := C.llmk_router_new(&p); st != C.LLMK_OK {
		return nil, statusError(st, "cannot create a router")
	}
	rt := &Router{p: p}
	runtime.SetFinalizer(rt, (*Router).Close)
	if err := rt.set(RouterOptionStrategy, int64(strategy), "strategy"); err != nil {
		rt.Close()
		return nil, err
	}
	for _, d := range deployments {
		if err := rt.Add(d); err != nil {
			rt.Close()
			return nil, err
		}
	}
	return rt, nil
}

func (rt *Router) set(o RouterOption, v int64, name string) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.p == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "router is closed", RetryAfter: -1}
	}
	if st := C.llmk_router_set_i64(rt.p, C.int32_t(o), C.int64_t(v)); st != C.LLMK_OK {
		return statusError(st, fmt.Sprintf("router option %s: bad value %d", name, v))
	}
	return nil
}

// SetFallbackOn sets the failures that move a request on to the next
// deployment and count towards a cooldown.
func (rt *Router) SetFallbackOn(statuses ...Status) error {
	var mask int64
	for _, s := range statuses {
		mask |= 1 << uint(s)
	}
	return rt.set(RouterOptionFallbackOn, mask, "fallback_on")
}

// SetCooldown sets how many failures in a row send a deployment to rest,
// and for how long.
func (rt *Router) SetCooldown(allowedFails int, rest time.Duration) error {
	if err := rt.set(RouterOptionAllowedFails, int64(allowedFails), "allowed_fails"); err != nil {
		return err
	}
	return rt.set(RouterOptionCooldownMs, rest.Milliseconds(), "cooldown_ms")
}

// Add adds a deployment (weight 0 means 1).
func (rt *Router) Add(d Deployment) error {
	if d.Client == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "deployment " + d.Name + " has no client", RetryAfter: -1}
	}
	if d.Weight == 0 {
		d.Weight = 1
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.p == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "router is closed", RetryAfter: -1}
	}
	d.Client.mu.RLock()
	defer d.Client.mu.RUnlock()
	if d.Client.p == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "deployment " + d.Name + ": client is closed", RetryAfter: -1}
	}
	name, err := cstr(d.Name, "deployment name")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(name))
	switch st := C.llmk_router_add(rt.p, d.Client.p, name, C.double(d.Weight)); st {
	case C.LLMK_OK:
		rt.clients = append(rt.clients, d.Client)
		return nil
	case C.LLMK_E_CONFIG:
		return statusError(st, fmt.Sprintf("deployment name %q is taken", d.Name))
	default:
		return statusError(st, fmt.Sprintf("bad deployment %q (a name without ',' or '=', at most 127 bytes; weight > 0)", d.Name))
	}
}

// Len is the number of deployments.
func (rt *Router) Len() int {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return int(C.llmk_router_count(rt.p))
}

// Cooling reports whether deployment i (in the order added) rests after
// failures.
func (rt *Router) Cooling(i int) (bool, error) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	if i < 0 || rt.p == nil {
		return false, &Error{Status: StatusEInvalidArg, Detail: "no such deployment", RetryAfter: -1}
	}
	c := C.llmk_router_cooling(rt.p, C.size_t(i))
	if c < 0 {
		return false, &Error{Status: StatusEInvalidArg, Detail: fmt.Sprintf("no deployment %d", i), RetryAfter: -1}
	}
	return c == 1, nil
}

func (rt *Router) lock() bool {
	rt.mu.RLock()
	if rt.p == nil {
		rt.mu.RUnlock()
		return false
	}
	return true
}

func (rt *Router) unlock()      { rt.mu.RUnlock() }
func (rt *Router) what() string { return "router" }

func (rt *Router) call(r *C.llmk_request, cb C.llmk_stream_fn, user unsafe.Pointer, resp **C.llmk_response) {
	if cb != nil {
		C.llmk_router_stream(rt.p, r, cb, user, resp)
	} else {
		C.llmk_router_send(rt.p, r, resp)
	}
}

// Chat is Client.Chat through the router. On failure the *Error also says
// which deployment answered last and what was tried.
func (rt *Router) Chat(ctx context.Context, msgs []Message, opts ...Opt) (*ChatResponse, error) {
	var out *ChatResponse
	err := do(ctx, rt, KindChat, opts, func(r *request) error { return r.messages(msgs) }, nil,
		func(resp *C.llmk_response) { out = chatOf(resp) })
	return out, err
}

// Stream is Client.Stream through the router: it falls back only while no
// event has reached fn.
func (rt *Router) Stream(ctx context.Context, msgs []Message, fn func(Event) error, opts ...Opt) (*ChatResponse, error) {
	return stream(ctx, rt, msgs, fn, opts)
}

// Close frees the router (not its clients). It may be called more than once.
func (rt *Router) Close() error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.p != nil {
		C.llmk_router_free(rt.p)
		rt.p = nil
		rt.clients = nil
		runtime.SetFinalizer(rt, nil)
	}
	return nil
}
