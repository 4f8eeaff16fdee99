package llmkit

/*
#include <stdint.h>
#include <llmkit.h>

extern int32_t llmkGoStreamEvent(llmk_event *ev, void *user);

static llmk_stream_fn llmk_go_stream_fn(void) { return (llmk_stream_fn)llmkGoStreamEvent; }

// The handle travels as the user pointer: converted in C, where it is an
// integer, not a Go pointer.
static void *llmk_go_handle(uintptr_t h) { return (void *)h; }
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

func streamCallback() C.llmk_stream_fn { return C.llmk_go_stream_fn() }

func handlePtr(h cgo.Handle) unsafe.Pointer { return C.llmk_go_handle(C.uintptr_t(h)) }
