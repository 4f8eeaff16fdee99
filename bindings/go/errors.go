package llmkit

/*
#include <llmkit.h>
*/
import "C"

import (
	"fmt"
	"time"
)

// Error implements error: the status name and its description.
// A Status is what errors.Is compares against: errors.Is(err, llmkit.ErrAuth).
func (s Status) Error() string {
	return fmt.Sprintf("%s: %s", s.Name(), C.GoString(C.llmk_strerror(C.int32_t(s))))
}

// Name is the status's symbolic name, e.g. "LLMK_E_AUTH".
func (s Status) Name() string { return C.GoString(C.llmk_status_name(C.int32_t(s))) }

// Error values to compare with errors.Is. Every error this package returns
// for a failed call is an *Error whose Is matches its Status.
var (
	ErrInvalidArg      error = StatusEInvalidArg
	ErrUnknownOption   error = StatusEUnknownOption
	ErrNoMem           error = StatusENomem
	ErrUnsupported     error = StatusEUnsupported
	ErrTransport       error = StatusETransport
	ErrTimeout         error = StatusETimeout
	ErrCancelled       error = StatusECancelled
	ErrAuth            error = StatusEAuth
	ErrPermission      error = StatusEPermission
	ErrNotFound        error = StatusENotFound
	ErrBadRequest      error = StatusEBadRequest
	ErrRateLimited     error = StatusERateLimited
	ErrContextLength   error = StatusEContextLength
	ErrContentFiltered error = StatusEContentFiltered
	ErrServer          error = StatusEServer
	ErrOverloaded      error = StatusEOverloaded
	ErrProtocol        error = StatusEProtocol
	ErrTooLarge        error = StatusETooLarge
	ErrConfig          error = StatusEConfig
)

// Error is a failed libllmkit call: its status, the library's detail (never
// containing a credential) and, for requests, what the provider said.
type Error struct {
	Status     Status
	Detail     string
	HTTPStatus int           // 0 when no HTTP response was received
	Type       string        // provider's error type, "" if none
	Code       string        // provider's error code, "" if none
	RequestID  string        // provider's request id, "" if none
	RetryAfter time.Duration // delay the provider asked for; -1 if none
	Deployment string        // through a Router: the deployment asked last
	Tried      string        // through a Router: every deployment asked, with its outcome
	cause      error         // e.g. the context's error for a cancelled request
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Status.Error()
	}
	return e.Status.Name() + ": " + e.Detail
}

// Is reports whether target is this error's Status (or ErrX of it).
func (e *Error) Is(target error) bool {
	s, ok := target.(Status)
	return ok && s == e.Status
}

// Unwrap gives the cause, if any: a cancelled context's error.
func (e *Error) Unwrap() error { return e.cause }

func statusError(st C.llmk_status, detail string) error {
	if st == C.LLMK_OK {
		return nil
	}
	return &Error{Status: Status(st), Detail: detail, RetryAfter: -1}
}

func responseError(r *C.llmk_response) *Error {
	e := &Error{
		Status:     Status(C.llmk_response_status(r)),
		Detail:     C.GoString(C.llmk_response_error(r)),
		HTTPStatus: int(C.llmk_response_http_status(r)),
		Type:       C.GoString(C.llmk_response_error_type(r)),
		Code:       C.GoString(C.llmk_response_error_code(r)),
		RequestID:  C.GoString(C.llmk_response_request_id(r)),
		RetryAfter: -1,
		Deployment: C.GoString(C.llmk_response_deployment(r)),
		Tried:      C.GoString(C.llmk_response_tried(r)),
	}
	if ms := int64(C.llmk_response_retry_after_ms(r)); ms >= 0 {
		e.RetryAfter = time.Duration(ms) * time.Millisecond
	}
	return e
}
