//go:build realserver

package llmkit

// The Go binding against a real llama.cpp server with SmolLM2-135M-Instruct,
// started by tests/real/harness.sh (chat,embed), which sets
// LLMK_REAL_CHAT_URL and LLMK_REAL_EMBED_URL. Built only with
// -tags realserver (the `real` meson suite: tests/real/README.md).

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

const realQuestion = "What is the capital of France? Answer in one word."

func realClient(t *testing.T, model, urlVar string) *Client {
	url := os.Getenv(urlVar)
	if url == "" {
		t.Fatalf("%s is not set: run through tests/real/harness.sh", urlVar)
	}
	c, err := NewClient(model, BaseURL(url), APIKey("sk-local-go-test"), Timeout(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRealChatAndStream(t *testing.T) {
	ctx := context.Background()
	for _, preset := range []string{"openai", "llamacpp", "openai-compatible", "anthropic"} {
		c := realClient(t, preset+"/smollm2", "LLMK_REAL_CHAT_URL")
		r, err := c.Chat(ctx, []Message{User(realQuestion)}, Temperature(0), MaxTokens(16))
		if err != nil {
			t.Fatalf("%s: %v", preset, err)
		}
		if !strings.Contains(r.Text, "Paris") || r.Finish != FinishStop {
			t.Fatalf("%s: %q (finish %q)", preset, r.Text, r.FinishReason)
		}
		if r.Tokens.Input <= 0 || r.Tokens.Output <= 0 || r.Tokens.Output > 16 {
			t.Fatalf("%s: usage %+v", preset, r.Tokens)
		}
		var sb strings.Builder
		s, err := c.Stream(ctx, []Message{User(realQuestion)}, func(e Event) error {
			sb.WriteString(e.Text)
			return nil
		}, Temperature(0), MaxTokens(16))
		if err != nil {
			t.Fatalf("%s stream: %v", preset, err)
		}
		if sb.String() != s.Text || s.Text != r.Text || s.Tokens.Output != r.Tokens.Output {
			t.Fatalf("%s stream: events %q, response %q, send %q; usage %+v vs %+v", preset, sb.String(), s.Text,
				r.Text, s.Tokens, r.Tokens)
		}
	}
}

func TestRealMaxTokensAndStop(t *testing.T) {
	ctx := context.Background()
	for _, preset := range []string{"openai", "llamacpp", "anthropic"} {
		c := realClient(t, preset+"/smollm2", "LLMK_REAL_CHAT_URL")
		r, err := c.Chat(ctx, []Message{User("Count from 1 to 100, separated by spaces.")}, Temperature(0), MaxTokens(5))
		if err != nil {
			t.Fatalf("%s: %v", preset, err)
		}
		if r.Finish != FinishLength || r.Tokens.Output <= 0 || r.Tokens.Output > 5 {
			t.Fatalf("%s: finish %q with %d output tokens: %q", preset, r.FinishReason, r.Tokens.Output, r.Text)
		}
		r, err = c.Chat(ctx, []Message{User("Count from 1 to 20, separated by commas.")}, Temperature(0), MaxTokens(80),
			Stop("7"))
		if err != nil {
			t.Fatalf("%s: %v", preset, err)
		}
		if r.Finish != FinishStop || strings.Contains(r.Text, "7") || !strings.Contains(r.Text, "6") {
			t.Fatalf("%s: stop \"7\": finish %q: %q", preset, r.FinishReason, r.Text)
		}
	}
}

func TestRealJSONSchema(t *testing.T) {
	c := realClient(t, "llamacpp/smollm2", "LLMK_REAL_CHAT_URL")
	schema := `{"type":"object","properties":{"city":{"type":"string"},"country":{"type":"string"}},` +
		`"required":["city","country"],"additionalProperties":false}`
	r, err := c.Chat(context.Background(), []Message{User("Name a big city and its country as JSON.")}, Temperature(0),
		MaxTokens(60), With("json_schema", schema))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(r.Text), &v); err != nil {
		t.Fatalf("not JSON: %v: %q", err, r.Text)
	}
	_, okCity := v["city"].(string)
	_, okCountry := v["country"].(string)
	if len(v) != 2 || !okCity || !okCountry {
		t.Fatalf("does not follow the schema: %q", r.Text)
	}
}

func TestRealEmbed(t *testing.T) {
	c := realClient(t, "llamacpp/smollm2-embed", "LLMK_REAL_EMBED_URL")
	r, err := c.Embed(context.Background(), []string{"The cat sat on the mat.", "A cat was sitting on the mat.",
		"Quarterly revenue grew by four percent in the third fiscal year."})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Vectors) != 3 || len(r.Vectors[0]) != 576 {
		t.Fatalf("%d vectors of %d", len(r.Vectors), len(r.Vectors[0]))
	}
	cos := func(a, b []float32) float64 {
		var ab, aa, bb float64
		for i := range a {
			ab += float64(a[i]) * float64(b[i])
			aa += float64(a[i]) * float64(a[i])
			bb += float64(b[i]) * float64(b[i])
		}
		return ab / math.Sqrt(aa*bb)
	}
	near, far := cos(r.Vectors[0], r.Vectors[1]), cos(r.Vectors[0], r.Vectors[2])
	if near <= far+0.05 {
		t.Fatalf("cosine(cat, cat) %.4f is not above cosine(cat, revenue) %.4f", near, far)
	}
}

func TestRealCompare(t *testing.T) {
	if !CompareAvailable() {
		t.Fatal("the library has no compare API")
	}
	models := []*Client{
		realClient(t, "openai/smollm2", "LLMK_REAL_CHAT_URL"),
		realClient(t, "llamacpp/smollm2", "LLMK_REAL_CHAT_URL"),
	}
	res, err := Compare(context.Background(), models, []CompareCase{{Prompt: realQuestion, Expected: "Paris",
		Scorer: "contains"}}, CompareOptions{Request: []Opt{Temperature(0), MaxTokens(16)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("%d results", len(res))
	}
	for _, m := range res {
		if m.OK != 1 || m.Score != 1 || m.OutputTokens <= 0 || m.OutputTokens > 16 {
			t.Fatalf("%+v", m)
		}
	}
}
