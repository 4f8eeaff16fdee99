package llmkit

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// A provider batch's whole life over the loopback server, scripted with the
// OpenAI Batch API's answers (tests/data/batch/openai).
func TestBatch(t *testing.T) {
	c := newTestClient(t)
	ctx := context.Background()
	srv.push(t, 200, "batch/openai/file.json")
	srv.push(t, 200, "batch/openai/batch_validating.json")
	b, err := c.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AddChat("q1", []Message{System("Be brief."), User("What is RAG?")}, MaxTokens(50)); err != nil {
		t.Fatal(err)
	}
	if err := b.AddChat("bad", []Message{User("x")}, MaxTokens(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.AddChat("q1", []Message{User("again")}); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("duplicate id: %v", err)
	}
	id, err := b.Submit(ctx)
	if err != nil || id != "batch_abc123" || b.State() != BatchStateValidating {
		t.Fatalf("submit: %q %v %v", id, err, b.State())
	}
	b.Close()
	up, _ := srv.request(t, 0)
	if up.Target != "/v1/files" || !strings.Contains(up.Body, `"custom_id":"q1","method":"POST","url":"/v1/chat/completions","body":{`) {
		t.Fatalf("upload: %s %q", up.Target, up.Body)
	}
	_, create := srv.request(t, 1)
	if create["input_file_id"] != "file-abc123" || create["endpoint"] != "/v1/chat/completions" ||
		create["completion_window"] != "24h" {
		t.Fatalf("create: %v", create)
	}

	// Another process: only the id.
	srv.push(t, 200, "batch/openai/batch_in_progress.json")
	srv.push(t, 200, "batch/openai/batch_completed.json")
	srv.push(t, 200, "batch/openai/output.jsonl")
	srv.push(t, 200, "batch/openai/errors.jsonl")
	b, err = c.OpenBatch(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.State() != BatchStateInProgress || b.Counts().Total != 2 {
		t.Fatalf("open: %v %v", b.State(), b.Counts())
	}
	polls := 0
	if err := b.Wait(ctx, time.Millisecond, func(*Batch) { polls++ }); err != nil || polls != 1 {
		t.Fatalf("wait: %v, %d polls", err, polls)
	}
	if b.State() != BatchStateCompleted || b.State().String() != "completed" ||
		b.Counts() != (BatchCounts{2, 1, 1, 0, -1}) {
		t.Fatalf("ended: %v %+v", b.State(), b.Counts())
	}
	res, err := b.Results(ctx)
	if err != nil || len(res) != 2 {
		t.Fatalf("results: %v %d", err, len(res))
	}
	ok, bad := res[0], res[1]
	if ok.CustomID != "q1" || ok.Chat == nil || ok.Chat.Text != "Retrieval-augmented generation." ||
		ok.Chat.Tokens.Input != 20 || ok.Chat.Tokens.Output != 4 {
		t.Fatalf("q1: %+v", ok)
	}
	// gpt-4o-mini at half its price.
	if want := (20*0.15 + 4*0.6) / 1e6 / 2; math.Abs(ok.Chat.Cost-want) > 1e-15 {
		t.Fatalf("cost %g, want %g", ok.Chat.Cost, want)
	}
	if bad.CustomID != "bad" || !errors.Is(bad.Err, ErrBadRequest) ||
		!strings.Contains(bad.Err.Error(), "integer below minimum value") {
		t.Fatalf("bad: %+v", bad)
	}
}

func TestBatchUnsupported(t *testing.T) {
	c, err := NewClient("ollama/llama3.2")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.NewBatch(); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "no batch API") {
		t.Fatalf("%v", err)
	}
}
