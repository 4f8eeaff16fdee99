package llmkit

/*
#include <stdlib.h>
#include <llmkit.h>
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Store keeps what rate limits and routers must agree on (cooldowns,
// in-flight counts, request and token windows): in this process
// (NewLocalStore), or in Redis or Valkey, shared by every process that uses
// the same server, database and prefix (NewRedisStore). Install it with
// Client.SetStore and Router.SetStore; close it after them. When Redis is
// down, slow or answering errors, the library goes on with local state and
// logs a warning.
type Store struct {
	mu sync.Mutex
	p  *C.llmk_store
}

// NewLocalStore creates an in-process store.
func NewLocalStore() (*Store, error) {
	var p *C.llmk_store
	if st := C.llmk_store_new_local(&p); st != C.LLMK_OK {
		return nil, statusError(st, "cannot create a local store")
	}
	s := &Store{p: p}
	runtime.SetFinalizer(s, (*Store).Close)
	return s, nil
}

// NewRedisStore creates a store in Redis or Valkey from a URL:
// redis://[[user]:password@]host[:port][/db][?prefix=...&timeout_ms=...].
// ErrUnsupported when the library was built without hiredis, or for
// rediss:// when its hiredis has no TLS. The password is never logged nor
// put in an error.
func NewRedisStore(url string) (*Store, error) {
	cu, err := cstr(url, "store URL")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cu))
	var p *C.llmk_store
	if st := C.llmk_store_new_redis(cu, &p); st != C.LLMK_OK {
		return nil, statusError(st, "cannot create a Redis store: "+C.GoString(C.llmk_strerror(st)))
	}
	s := &Store{p: p}
	runtime.SetFinalizer(s, (*Store).Close)
	return s, nil
}

// Close frees the store; the clients and routers using it must be closed
// (or given another store) first. It may be called more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p != nil {
		C.llmk_store_free(s.p)
		s.p = nil
		runtime.SetFinalizer(s, nil)
	}
	return nil
}

func (s *Store) ptr() *C.llmk_store {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

// SetStore keeps the client's rate limits (options rate_limit_rpm,
// rate_limit_tpm, rate_limit_window_ms, rate_limit_max_wait_ms, ...) in
// the store, shared with every client using it; nil goes back to the
// client's own counts. Configure before sending.
func (c *Client) SetStore(s *Store) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "client is closed", RetryAfter: -1}
	}
	p := s.ptr()
	if s != nil && p == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "store is closed", RetryAfter: -1}
	}
	if st := C.llmk_client_set_store(c.p, p); st != C.LLMK_OK {
		return statusError(st, C.GoString(C.llmk_client_errmsg(c.p)))
	}
	c.store = s
	return nil
}

// SetPerKey keeps the router's cooldowns in the store per deployment and API
// key (a hash of it) instead of per deployment.
func (rt *Router) SetPerKey(on bool) error {
	var v int64
	if on {
		v = 1
	}
	return rt.set(RouterOptionPerKey, v, "per_key")
}

// SetStore keeps the router's cooldowns and least-busy counts in the store
// as well, so that every router using it (in any process, with Redis) skips
// a deployment one of them sent to rest. Configure before sending.
func (rt *Router) SetStore(s *Store) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.p == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "router is closed", RetryAfter: -1}
	}
	p := s.ptr()
	if s != nil && p == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "store is closed", RetryAfter: -1}
	}
	if st := C.llmk_router_set_store(rt.p, p); st != C.LLMK_OK {
		return statusError(st, "this store keeps no cooldowns or counters")
	}
	rt.store = s
	return nil
}
