package llmkit

/*
#include <stdlib.h>
#include <llmkit.h>
*/
import "C"

import (
	"context"
	"strings"
	"unsafe"
)

// RerankResult is one ranked document: its position among the documents
// sent (from 0), its relevance score (the model's scale) and its text.
type RerankResult struct {
	Index    int
	Score    float64
	Document string
}

// RerankResponse holds the documents by relevance, most relevant first.
type RerankResponse struct {
	Meta
	Results []RerankResult
}

// TopN asks a rerank for the n most relevant documents only.
func TopN(n int) Opt { return Opt{"top_n", n} }

// Rerank ranks documents by relevance to query (LLMK_RERANK). Options:
// TopN, With("max_tokens_per_doc", n) (Cohere), Model.
func (c *Client) Rerank(ctx context.Context, query string, documents []string, opts ...Opt) (*RerankResponse, error) {
	var out *RerankResponse
	err := c.do(ctx, KindRerank, opts, func(r *request) error {
		if err := noNUL("rerank document", documents...); err != nil {
			return err
		}
		if err := r.str(OptionQuery, query); err != nil {
			return err
		}
		for _, d := range documents {
			cd := C.CString(d)
			err := r.check(C.llmk_request_add_input(r.p, cd))
			C.free(unsafe.Pointer(cd))
			if err != nil {
				return err
			}
		}
		return nil
	}, nil, func(resp *C.llmk_response) {
		out = &RerankResponse{Meta: metaOf(resp)}
		for i := C.size_t(0); i < C.llmk_response_rank_count(resp); i++ {
			out.Results = append(out.Results, RerankResult{
				Index:    int(C.llmk_response_rank_index(resp, i)),
				Score:    float64(C.llmk_response_rank_score(resp, i)),
				Document: C.GoString(C.llmk_response_rank_document(resp, i)),
			})
		}
	})
	return out, err
}

// counter sends a chat request as a token count (llmk_count_tokens).
type counter struct {
	*Client
	n C.int64_t
}

func (k *counter) call(r *C.llmk_request, cb C.llmk_stream_fn, user unsafe.Pointer, resp **C.llmk_response) {
	C.llmk_count_tokens(k.p, r, &k.n, resp)
}

// CountTokens returns the input tokens of a chat request as the provider
// counts them, with its own counting endpoint (Anthropic, OpenAI Responses,
// Gemini, llama-server); an *Error with StatusEUnsupported elsewhere, never
// an estimate.
func (c *Client) CountTokens(ctx context.Context, msgs []Message, opts ...Opt) (int64, error) {
	k := &counter{Client: c, n: -1}
	err := do(ctx, k, KindChat, opts, func(r *request) error { return r.messages(msgs) }, nil,
		func(*C.llmk_response) {})
	if err != nil {
		return -1, err
	}
	return int64(k.n), nil
}

// ModerationCategory is one category of a moderation result. Flagged is nil
// and Score NaN when the provider did not report them; Inputs lists the
// input types the verdict applied to (OpenAI: "text", "image").
type ModerationCategory struct {
	Flagged *bool
	Score   float64
	Inputs  []string
}

// ModerationResult is one verdict: overall, and by category name.
type ModerationResult struct {
	Flagged    bool
	Categories map[string]ModerationCategory
}

// ModerationResponse holds one result per text, or one for texts and images
// judged together.
type ModerationResponse struct {
	Meta
	ID      string
	Results []ModerationResult
}

// ModerationImage is an image to moderate with the texts: a URL (http,
// https or data:) or bytes with their MIME type.
type ModerationImage struct {
	URL  string
	Data []byte
	MIME string
}

// Moderate asks a moderation model about texts and images (LLMK_MODERATE).
func (c *Client) Moderate(ctx context.Context, inputs []string, images []ModerationImage, opts ...Opt) (*ModerationResponse, error) {
	var out *ModerationResponse
	err := c.do(ctx, KindModerate, opts, func(r *request) error {
		if err := noNUL("moderation input", inputs...); err != nil {
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
		for _, im := range images {
			var err error
			if im.Data != nil {
				cm, e := cstr(im.MIME, "image MIME type")
				if e != nil {
					return e
				}
				data := C.CBytes(im.Data) // copied by the library
				err = r.check(C.llmk_request_add_image_data(r.p, (*C.uint8_t)(data), C.size_t(len(im.Data)), cm))
				C.free(data)
				C.free(unsafe.Pointer(cm))
			} else {
				cu, e := cstr(im.URL, "image URL")
				if e != nil {
					return e
				}
				err = r.check(C.llmk_request_add_image_url(r.p, cu, nil))
				C.free(unsafe.Pointer(cu))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}, nil, func(resp *C.llmk_response) { out = moderationOf(resp) })
	return out, err
}

// ModerateConversation asks a moderation model about a conversation, judged
// as one result (Mistral's chat moderation; other providers refuse it).
func (c *Client) ModerateConversation(ctx context.Context, msgs []Message, opts ...Opt) (*ModerationResponse, error) {
	var out *ModerationResponse
	err := c.do(ctx, KindModerate, opts, func(r *request) error { return r.messages(msgs) }, nil,
		func(resp *C.llmk_response) { out = moderationOf(resp) })
	return out, err
}

func moderationOf(resp *C.llmk_response) *ModerationResponse {
	out := &ModerationResponse{Meta: metaOf(resp), ID: C.GoString(C.llmk_response_id(resp))}
	for i := C.size_t(0); i < C.llmk_response_moderation_count(resp); i++ {
		res := ModerationResult{Flagged: C.llmk_response_moderation_flagged(resp, i) == 1,
			Categories: map[string]ModerationCategory{}}
		for j := C.size_t(0); j < C.llmk_response_moderation_category_count(resp, i); j++ {
			var cat ModerationCategory
			if f := C.llmk_response_moderation_category_flagged(resp, i, nil, j); f >= 0 {
				b := f == 1
				cat.Flagged = &b
			}
			cat.Score = float64(C.llmk_response_moderation_category_score(resp, i, nil, j))
			if in := C.llmk_response_moderation_category_inputs(resp, i, nil, j); in != nil {
				cat.Inputs = strings.Split(C.GoString(in), ",")
			}
			res.Categories[C.GoString(C.llmk_response_moderation_category_name(resp, i, j))] = cat
		}
		out.Results = append(out.Results, res)
	}
	return out
}
