package llmkit

/*
#include <stdlib.h>
#include <llmkit.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Cache is a store for the response cache (llmk_client_set_cache()): chat
// and embedding requests asked before are answered from it without a
// request to the provider (Meta.Cached, cost $0). Give it to clients with
// WithCache; close it after every client using it is closed.
type Cache struct {
	mu sync.Mutex
	p  *C.llmk_store
}

// NewMemoryCache keeps answers in this process, least recently used out
// first, within maxBytes.
func NewMemoryCache(maxBytes int64) (*Cache, error) {
	var p *C.llmk_store
	if st := C.llmk_store_new_memory(C.int64_t(maxBytes), &p); st != C.LLMK_OK {
		return nil, statusError(st, "cannot create a memory cache")
	}
	return newCache(p), nil
}

// NewSQLiteCache keeps answers in an SQLite file (created when missing)
// that several processes may share. Status LLMK_E_UNSUPPORTED when the
// library was built without SQLite.
func NewSQLiteCache(path string) (*Cache, error) {
	cp, err := cstr(path, "cache path")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cp))
	var p *C.llmk_store
	if st := C.llmk_store_new_sqlite(cp, &p); st != C.LLMK_OK {
		detail := C.GoString(C.llmk_strerror(st))
		if st == C.LLMK_E_CONFIG {
			detail = fmt.Sprintf("%s cannot be used as a cache: not an SQLite database, damaged, or not writable", path)
		}
		return nil, statusError(st, detail)
	}
	return newCache(p), nil
}

func newCache(p *C.llmk_store) *Cache {
	c := &Cache{p: p}
	runtime.SetFinalizer(c, (*Cache).Close)
	return c
}

// Close frees the store. Every client using it must be closed first (a
// client keeps its cache reachable, so the finalizer never runs before).
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil {
		C.llmk_store_free(c.p)
		c.p = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// WithCache turns the response cache on for a client (NewClient).
// Per request, With("cache", 0) bypasses it and With("cache", 2) asks the
// provider again and stores the new answer.
func WithCache(c *Cache) Opt { return Opt{"\x00cache", c} }

// CacheTTL bounds how long a stored answer serves (client or request).
func CacheTTL(d time.Duration) Opt { return Opt{"cache_ttl_ms", d.Milliseconds()} }

func (c *Client) setCache(o Opt) error {
	cache, ok := o.value.(*Cache)
	if !ok || cache == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "WithCache needs a *Cache", RetryAfter: -1}
	}
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if cache.p == nil {
		return &Error{Status: StatusEInvalidArg, Detail: "the cache is closed", RetryAfter: -1}
	}
	if st := C.llmk_client_set_cache(c.p, cache.p); st != C.LLMK_OK {
		return statusError(st, C.GoString(C.llmk_client_errmsg(c.p)))
	}
	c.cache = cache
	return nil
}
