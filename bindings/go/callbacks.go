package llmkit

// Go functions called by libllmkit. A file with //export may only declare
// in its preamble, so the C side that takes their addresses is in cgo.go.

/*
#include <llmkit.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// streamState is what the user pointer of llmk_stream carries, through a
// runtime/cgo.Handle.
type streamState struct {
	fn    func(ev *C.llmk_event) int32
	panic any
}

//export llmkGoStreamEvent
func llmkGoStreamEvent(ev *C.llmk_event, user unsafe.Pointer) C.int32_t {
	st := cgo.Handle(uintptr(user)).Value().(*streamState)
	if st.panic != nil {
		return 1
	}
	var r int32
	func() {
		defer func() {
			// A panic must not unwind through C: stop the request and
			// re-panic on the calling goroutine once llmk_stream returned.
			if p := recover(); p != nil {
				st.panic = p
				r = 1
			}
		}()
		r = st.fn(ev)
	}()
	return C.int32_t(r)
}

// compareState is the user pointer of llmk_compare_run.
type compareState struct {
	fn    func(model, caseIndex, run int, resp *C.llmk_response)
	panic any
}

//export llmkGoCompareResult
func llmkGoCompareResult(cmp unsafe.Pointer, model, caseIndex, run C.size_t, resp *C.llmk_response, user unsafe.Pointer) {
	st := cgo.Handle(uintptr(user)).Value().(*compareState)
	if st.panic != nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			st.panic = p
		}
	}()
	st.fn(int(model), int(caseIndex), int(run), resp)
}
