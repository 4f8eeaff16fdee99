package llmkit

// Tests against the real libllmkit (linked through pkg-config) and the
// loopback server tests/support/th_serve of the build directory named by
// LLMKIT_BUILD_DIR (default: build/ at the top of the source tree).

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var srv *server

type server struct {
	mu  sync.Mutex
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	url string
}

func root() string {
	wd, _ := os.Getwd()
	return filepath.Dir(filepath.Dir(wd))
}

func startServer() (*server, error) {
	build := os.Getenv("LLMKIT_BUILD_DIR")
	if build == "" {
		build = filepath.Join(root(), "build")
	}
	s := &server{cmd: exec.Command(filepath.Join(build, "tests", "th_serve"), filepath.Join(root(), "tests", "data"))}
	var err error
	if s.in, err = s.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("th_serve (build libllmkit with tests; LLMKIT_BUILD_DIR): %w", err)
	}
	s.out = bufio.NewReader(stdout)
	line, err := s.out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "port ") {
		return nil, fmt.Errorf("th_serve: %q %v", line, err)
	}
	s.url = "http://127.0.0.1:" + strings.TrimSpace(line[5:]) + "/v1"
	return s, nil
}

func (s *server) do(t testing.TB, line string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(s.in, line)
	out, err := s.out.ReadString('\n')
	if err != nil || strings.HasPrefix(out, "error") {
		t.Fatalf("th_serve %q: %q %v", line, out, err)
	}
	return strings.TrimSpace(out)
}

func (s *server) push(t testing.TB, status int, file string, kv ...string) {
	s.do(t, strings.Join(append([]string{"push", strconv.Itoa(status), file}, kv...), " "))
}

func (s *server) count(t testing.TB) int {
	n, _ := strconv.Atoi(strings.Fields(s.do(t, "count"))[1])
	return n
}

type sentRequest struct {
	Method, Target string
	Headers        map[string]string
	Body           string
}

func (s *server) request(t testing.TB, i int) (sentRequest, map[string]any) {
	var r sentRequest
	if err := json.Unmarshal([]byte(s.do(t, fmt.Sprintf("req %d", i))), &r); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(r.Body), &body)
	return r, body
}

func TestMain(m *testing.M) {
	os.Setenv("NO_PROXY", "127.0.0.1,localhost")
	os.Setenv("no_proxy", "127.0.0.1,localhost")
	var err error
	if srv, err = startServer(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	fmt.Fprintln(srv.in, "quit")
	srv.in.Close()
	srv.cmd.Wait()
	os.Exit(code)
}

func newTestClient(t testing.TB) *Client {
	srv.do(t, "reset")
	c, err := NewClient("openai/gpt-4o-mini", BaseURL(srv.url), APIKey("sk-test-not-real"), Timeout(20*time.Second),
		MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRawLayer(t *testing.T) {
	if got := int(llmk_version_number()); got/10000 != VersionNumber/10000 {
		t.Fatalf("library %d, header %d", got, VersionNumber)
	}
	if Version() != VersionString {
		t.Logf("library %s, header %s", Version(), VersionString)
	}
	for _, row := range StatusTable {
		if Status(row.Value).Name() != "LLMK_"+row.Name {
			t.Errorf("status %d: %s", row.Value, Status(row.Value).Name())
		}
	}
	if len(OptionTable) < 40 || OptionTable[0].Key != "model" || Option(OptionTable[0].ID) != OptionModel {
		t.Errorf("option table: %+v", OptionTable[:1])
	}
	found := false
	for _, p := range Providers() {
		found = found || p == "openai"
	}
	if !found {
		t.Error("openai not among the providers")
	}
}

func TestChat(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/chat_completion.json", "header=x-request-id:req_123")
	r, err := c.Chat(context.Background(), []Message{System("Be brief."), User("Say hello")}, Temperature(0.25),
		MaxTokens(50), Stop("\n\n", "END"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "Hello! How can I assist you today?" || r.Finish != FinishStop || r.FinishReason != "stop" {
		t.Errorf("%+v", r)
	}
	if r.Tokens.Input != 19 || r.Tokens.Output != 10 || r.Tokens.Total != 29 || r.Tokens.CachedInput != 4 {
		t.Errorf("tokens %+v", r.Tokens)
	}
	if r.RequestID != "req_123" || r.HTTPStatus != 200 || r.Model != "gpt-4.1-2025-04-14" || r.Attempts != 1 {
		t.Errorf("meta %+v", r.Meta)
	}
	req, body := srv.request(t, 0)
	if req.Target != "/v1/chat/completions" || req.Headers["Authorization"] != "Bearer sk-test-not-real" {
		t.Errorf("request %+v", req)
	}
	if body["temperature"] != 0.25 || body["model"] != "gpt-4o-mini" || len(body["stop"].([]any)) != 2 {
		t.Errorf("body %v", body)
	}
	if msgs := body["messages"].([]any); len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" {
		t.Errorf("messages %v", msgs)
	}
	if c.Provider() != "openai" || c.Model() != "gpt-4o-mini" || c.BaseURL() != srv.url {
		t.Errorf("client %s %s %s", c.Provider(), c.Model(), c.BaseURL())
	}
}

func TestChatTools(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/chat_tool_calls.json")
	r, err := c.Chat(context.Background(), []Message{User("Weather in Paris?")}, Model("gpt-4o"),
		Tools(Tool{Name: "get_weather", Description: "Weather of a city",
			Parameters: map[string]any{"type": "object", "properties": map[string]any{}}}))
	if err != nil {
		t.Fatal(err)
	}
	if r.Finish != FinishToolCalls || len(r.ToolCalls) == 0 || !strings.HasPrefix(r.ToolCalls[0].Arguments, "{") {
		t.Errorf("%+v", r)
	}
	_, body := srv.request(t, 0)
	if body["model"] != "gpt-4o" || len(body["tools"].([]any)) != 1 {
		t.Errorf("body %v", body)
	}
}

const streamText = "Hello! How can I help? \u00e9\u6f22"

func TestStreamCallback(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/chat_stream.sse", "write_size=40")
	var sb strings.Builder
	var last Event
	r, err := c.Stream(context.Background(), []Message{User("Say hello")}, func(e Event) error {
		if e.Type == EventTypeText {
			sb.WriteString(e.Text)
		}
		last = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sb.String() != streamText || r.Text != streamText || last.Type != EventTypeDone {
		t.Errorf("%q %q %+v", sb.String(), r.Text, last)
	}
	if _, body := srv.request(t, 0); body["stream"] != true {
		t.Errorf("body %v", body)
	}
}

func TestStreamChannel(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/chat_stream.sse")
	s := c.StreamChan(context.Background(), []Message{User("Say hello")})
	var sb strings.Builder
	for e := range s.Events {
		if e.Type == EventTypeText {
			sb.WriteString(e.Text)
		}
	}
	r, err := s.Wait()
	if err != nil || sb.String() != streamText || r.Text != streamText {
		t.Fatalf("%q %v %v", sb.String(), r, err)
	}
}

func TestStreamErrorInsideStream(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/chat_stream_error.sse")
	var got []string
	_, err := c.Stream(context.Background(), []Message{User("hi")}, func(e Event) error {
		if e.Type == EventTypeText && e.Text != "" {
			got = append(got, e.Text)
		}
		return nil
	})
	var le *Error
	if !errors.Is(err, ErrServer) || !errors.As(err, &le) || !strings.Contains(le.Detail, "The server had an error") {
		t.Fatalf("%v", err)
	}
	if len(got) != 1 || got[0] != "Partial" {
		t.Errorf("%v", got)
	}
}

func TestStreamCallbackError(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/chat_stream.sse", "write_size=30", "delay_ms=100")
	// The whole stream would take about 8.6 s.
	mine := errors.New("enough")
	var stopped time.Time
	_, err := c.Stream(context.Background(), []Message{User("hi")}, func(e Event) error {
		if e.Type == EventTypeText && e.Text != "" {
			stopped = time.Now()
			return mine
		}
		return nil
	})
	if !errors.Is(err, mine) || stopped.IsZero() || time.Since(stopped) > time.Second {
		t.Fatalf("%v, %v after the callback stopped it", err, time.Since(stopped))
	}
}

func TestEmbed(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/embeddings.json")
	r, err := c.Embed(context.Background(), []string{"first", "second"}, Model("text-embedding-3-small"),
		With("dimensions", 4))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Vectors) != 2 || r.Vectors[1][0] != 0.5 || r.Vectors[1][3] != 1.0 || r.Vectors[0][0] != float32(0.0023064255) {
		t.Errorf("%v", r.Vectors)
	}
	req, body := srv.request(t, 0)
	if req.Target != "/v1/embeddings" || body["dimensions"] != float64(4) {
		t.Errorf("%+v %v", req, body)
	}
}

func TestImage(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/image_b64.json")
	r, err := c.Image(context.Background(), "a red pixel", Model("gpt-image-1"))
	if err != nil {
		t.Fatal(err)
	}
	pixel, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	if len(r.Images) != 1 || string(r.Images[0].Data) != string(pixel) ||
		r.Images[0].RevisedPrompt != "A single red pixel on a white background." {
		t.Errorf("%+v", r.Images)
	}
	srv.push(t, 200, "openai/image_url.json")
	r, err = c.Image(context.Background(), "an otter", Model("dall-e-3"))
	if err != nil || len(r.Images) != 2 || r.Images[1].URL != "https://example.invalid/images/b.png" || r.Images[1].Data != nil {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestTranscribe(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/transcription.json")
	r, err := c.Transcribe(context.Background(), []byte("RIFF\x00\x00\x00\x00WAVEfmt "), "speech.wav", Model("whisper-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Text, "And so my fellow Americans") {
		t.Errorf("%q", r.Text)
	}
	req, _ := srv.request(t, 0)
	if req.Target != "/v1/audio/transcriptions" || !strings.HasPrefix(req.Headers["Content-Type"], "multipart/form-data") ||
		!strings.Contains(req.Body, `filename="speech.wav"`) {
		t.Errorf("%+v", req)
	}
	srv.push(t, 200, "openai/transcription_verbose.json")
	r, err = c.Transcribe(context.Background(), []byte("RIFF"), "a.wav", Model("whisper-1"),
		With("transcript_format", "verbose_json"))
	if err != nil || r.Duration <= 0 || len(r.Segments) == 0 {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestSpeak(t *testing.T) {
	c := newTestClient(t)
	audio := "ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00binary\x00audio"
	srv.push(t, 200, "-", fmt.Sprintf("hex=%x", audio), "type=audio/mpeg")
	r, err := c.Speak(context.Background(), "Hello there", Model("gpt-4o-mini-tts"), With("voice", "alloy"),
		With("audio_format", "mp3"), With("speed", 1.25))
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Audio) != audio || r.MIME != "audio/mpeg" {
		t.Errorf("%q %q", r.Audio, r.MIME)
	}
	_, body := srv.request(t, 0)
	if body["input"] != "Hello there" || body["voice"] != "alloy" || body["response_format"] != "mp3" || body["speed"] != 1.25 {
		t.Errorf("%v", body)
	}
}

func TestErrorMapping(t *testing.T) {
	c := newTestClient(t)
	cases := []struct {
		status  int
		file    string
		kv      []string
		want    error
		wantSt  Status
		detail  string
		retryMs int64
	}{
		{401, "openai/error_401.json", nil, ErrAuth, StatusEAuth, "401", -1},
		{429, "openai/error_429.json", []string{"header=retry-after:20"}, ErrRateLimited, StatusERateLimited,
			"Rate limit reached", 20000},
		{400, "openai/error_400_context.json", nil, ErrContextLength, StatusEContextLength, "400", -1},
	}
	for _, tc := range cases {
		srv.push(t, tc.status, tc.file, tc.kv...)
		_, err := c.Chat(context.Background(), []Message{User("hi")})
		var le *Error
		if !errors.Is(err, tc.want) || !errors.Is(err, tc.wantSt) || !errors.As(err, &le) {
			t.Fatalf("%d: %v", tc.status, err)
		}
		if le.HTTPStatus != tc.status || !strings.Contains(le.Detail, tc.detail) || errors.Is(err, ErrServer) {
			t.Errorf("%d: %+v", tc.status, le)
		}
		if tc.retryMs >= 0 && le.RetryAfter != time.Duration(tc.retryMs)*time.Millisecond {
			t.Errorf("retry after %v", le.RetryAfter)
		}
		if strings.Contains(err.Error(), "sk-test-not-real") {
			t.Error("key in error")
		}
	}
	// Configuration errors carry the library's detail.
	if _, err := c.Chat(context.Background(), []Message{User("hi")}, With("no_such_option", 1)); !errors.Is(err, ErrUnknownOption) {
		t.Errorf("%v", err)
	}
	_, err := c.Embed(context.Background(), []string{"x"}, Temperature(0.5))
	var le *Error
	if !errors.Is(err, ErrInvalidArg) || !errors.As(err, &le) || le.Detail == "" {
		t.Errorf("%v", err)
	}
	if _, err := NewClient("no-such-provider/x"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("%v", err)
	}
	if _, err := NewClient("openai/x", With("temperature", 1.0)); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("%v", err)
	}
	if n := srv.count(t); n != 3 {
		t.Errorf("%d requests", n)
	}
	bad, _ := NewClient("openai/x", BaseURL("http://127.0.0.1:1/v1"), APIKey("k"), MaxRetries(0))
	defer bad.Close()
	if _, err := bad.Chat(context.Background(), []Message{User("hi")}); !errors.Is(err, ErrTransport) {
		t.Errorf("%v", err)
	}
}

func TestContextCancellation(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/chat_completion.json", "delay_headers_ms=5000")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Chat(ctx, []Message{User("hi")})
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	// Already done: nothing is sent.
	srv.do(t, "reset")
	if _, err := c.Chat(ctx, []Message{User("hi")}); !errors.Is(err, ErrCancelled) || srv.count(t) != 0 {
		t.Errorf("%v", err)
	}
}

func TestStreamChannelCancel(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/chat_stream.sse", "write_size=30", "delay_ms=100")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var start time.Time
	s := c.StreamChan(ctx, []Message{User("hi")})
	for e := range s.Events {
		if e.Type == EventTypeText && e.Text != "" {
			start = time.Now()
			cancel() // stop reading, cancel
			break
		}
	}
	_, err := s.Wait()
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
	if d := time.Since(start); start.IsZero() || d > time.Second {
		t.Errorf("took %v after cancel()", d)
	}
}

func TestCloseAndFinalizer(t *testing.T) {
	c, err := NewClient("openai/gpt-4o-mini", BaseURL(srv.url), APIKey("k"))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	if _, err := c.Chat(context.Background(), []Message{User("hi")}); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("%v", err)
	}
	// Clients dropped without Close are freed by their finalizer.
	for i := 0; i < 1000; i++ {
		if _, err := NewClient("openai/gpt-4o-mini", APIKey("k")); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.GC()
}

func rssKiB(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	pages, _ := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	return pages * int64(os.Getpagesize()) / 1024
}

func TestMemory10000Requests(t *testing.T) {
	c := newTestClient(t)
	const n, warm = 10000, 300
	srv.push(t, 200, "openai/chat_completion.json", fmt.Sprintf("repeat=%d", n+warm))
	ctx := context.Background()
	msgs := []Message{User("hi")}
	for i := 0; i < warm; i++ {
		if _, err := c.Chat(ctx, msgs); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	before := rssKiB(t)
	served := 0
	for i := 0; i < n; i++ {
		r, err := c.Chat(ctx, msgs, Temperature(0.5))
		if err != nil || r.Text != "Hello! How can I assist you today?" {
			t.Fatalf("%d: %v", i, err)
		}
		if i%1000 == 999 {
			served += srv.count(t)
			srv.do(t, "reset") // the server keeps every request; it is not what is measured
			srv.push(t, 200, "openai/chat_completion.json", fmt.Sprintf("repeat=%d", n-i))
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	after := rssKiB(t)
	t.Logf("RSS %d KiB -> %d KiB over %d requests (growth %d KiB)", before, after, n, after-before)
	if served != n+warm {
		t.Errorf("served %d", served)
	}
	if after-before > 5*1024 {
		t.Errorf("RSS grew by %d KiB", after-before)
	}
}

func TestCompare(t *testing.T) {
	if !CompareAvailable() {
		t.Skip("the loaded libllmkit has no llmk_compare_new")
	}
	a := newTestClient(t)
	b, err := NewClient("openai/gpt-4o", BaseURL(srv.url), APIKey("k"), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv.push(t, 200, "openai/chat_completion.json", "repeat=4")
	res, err := Compare(context.Background(), []*Client{a, b}, []CompareCase{
		{Prompt: "Say hello", Expected: "assist", Scorer: "contains"},
		{Prompt: "Say hi", Expected: "nope", Scorer: "exact"},
	}, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Model != "openai/gpt-4o-mini" || res[1].Model != "openai/gpt-4o" {
		t.Fatalf("%+v", res)
	}
	for _, r := range res {
		if r.Runs != 2 || r.OK != 2 || len(r.Answers) != 2 || r.InputTokens != 38 || r.Score != 0.5 {
			t.Errorf("%+v", r)
		}
		if r.Answers[0].Score != 1 || r.Answers[1].Score != 0 || r.Answers[0].Response.Text == "" {
			t.Errorf("%+v", r.Answers)
		}
	}
	if srv.count(t) != 4 {
		t.Errorf("%d requests", srv.count(t))
	}
}

// Three of four cases pass: Wilson 95 % [0.300642, 0.954413] and a
// standard error of 0.5 / 2, worked by hand; the same answers as the
// baseline make the score difference 0 +- 0.
func TestCompareStatistics(t *testing.T) {
	if !CompareAvailable() || cmpStatsFn("paired") == nil {
		t.Skip("no compare statistics in the loaded libllmkit")
	}
	a := newTestClient(t)
	b, err := NewClient("openai/gpt-4o", BaseURL(srv.url), APIKey("k"), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv.push(t, 200, "openai/chat_completion.json", "repeat=8")
	res, err := Compare(context.Background(), []*Client{a, b}, []CompareCase{
		{Prompt: "a", Expected: "assist", Scorer: "contains"}, {Prompt: "b", Expected: "hello", Scorer: "contains"},
		{Prompt: "c", Expected: "today", Scorer: "contains"}, {Prompt: "d", Expected: "Paris", Scorer: "contains"},
	}, CompareOptions{Concurrency: 1, Baseline: "openai/gpt-4o"})
	if err != nil {
		t.Fatal(err)
	}
	s := res[0].Stats
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-6 }
	if s["pass_rate"] != 0.75 || !near(s["pass_rate_low"], 0.300642) || !near(s["pass_rate_high"], 0.954413) ||
		!near(s["score_stderr"], 0.25) || s["latency_p90_ms"] < s["latency_p50_ms"] || s["ttft_p50_ms"] != -1 {
		t.Errorf("%v", s)
	}
	if len(res[0].Errors) != 0 {
		t.Errorf("%v", res[0].Errors)
	}
	if p := res[0].VsBaseline["score"]; p != (Paired{0, 0, 0, 4}) {
		t.Errorf("%+v", p)
	}
	if srv.count(t) != 8 {
		t.Errorf("%d requests", srv.count(t))
	}
}

// The judge's verdict (7 of 10) and reason; its cost apart: 100 + 10
// tokens at gpt-4o-mini's $0.15 / $0.60 per million.
func TestCompareJudge(t *testing.T) {
	if !CompareAvailable() || cmpStatsFn("set_judge") == nil {
		t.Skip("no judge scorer in the loaded libllmkit")
	}
	a := newTestClient(t)
	judge, err := NewClient("openai/gpt-4o-mini", BaseURL(srv.url), APIKey("k"), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer judge.Close()
	srv.push(t, 200, "openai/chat_completion.json")
	srv.push(t, 200, "-", "hex=7b226964223a226a222c226f626a656374223a22636861742e636f6d706c6574696f6e222c2263726561746564223a312c226d6f64656c223a226770742d346f2d6d696e692d323032342d30372d3138222c2263686f69636573223a5b7b22696e646578223a302c226d657373616765223a7b22726f6c65223a22617373697374616e74222c22636f6e74656e74223a227b5c2273636f72655c223a20372c205c22726561736f6e5c223a205c22706f6c6974655c227d227d2c2266696e6973685f726561736f6e223a2273746f70227d5d2c227573616765223a7b2270726f6d70745f746f6b656e73223a3130302c22636f6d706c6574696f6e5f746f6b656e73223a31302c22746f74616c5f746f6b656e73223a3131307d7d", "type=application/json")
	res, err := Compare(context.Background(), []*Client{a}, []CompareCase{
		{Prompt: "Greet me", Scorer: "judge", Rubric: "politeness"},
	}, CompareOptions{Judge: judge})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if math.Abs(r.Score-0.7) > 1e-9 || r.Answers[0].Reason != "polite" || r.Stats["judge_calls"] != 1 ||
		math.Abs(r.Stats["judge_cost_usd"]-(100*0.15+10*0.6)/1e6) > 1e-15 {
		t.Errorf("%+v %v", r, r.Stats)
	}
}

func TestRouter(t *testing.T) {
	primary := newTestClient(t)
	backup, err := NewClient("openai/gpt-4o", BaseURL(srv.url), APIKey("sk-test-not-real"), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer backup.Close()
	rt, err := NewRouter(RouteFallback, Deployment{Name: "primary", Client: primary},
		Deployment{Name: "backup", Client: backup})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if rt.Len() != 2 {
		t.Fatalf("len %d", rt.Len())
	}
	srv.push(t, 429, "openai/error_429.json")
	srv.push(t, 200, "openai/chat_completion.json")
	r, err := rt.Chat(context.Background(), []Message{User("Say hello")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "Hello! How can I assist you today?" || r.Deployment != "backup" ||
		r.Tried != "primary=LLMK_E_RATE_LIMITED,backup=LLMK_OK" {
		t.Errorf("%q %q %q", r.Text, r.Deployment, r.Tried)
	}
	if _, b := srv.request(t, 1); b["model"] != "gpt-4o" {
		t.Errorf("second request went to %v", b["model"])
	}
	// Not a reason to try elsewhere: the error says who answered.
	srv.push(t, 400, "openai/error_400_context.json")
	_, err = rt.Chat(context.Background(), []Message{User("too long")})
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrContextLength) || e.Deployment != "primary" ||
		e.Tried != "primary=LLMK_E_CONTEXT_LENGTH" {
		t.Errorf("%v %+v", err, e)
	}
	// Cooldown after one failure, only rate limits fall back.
	if err := rt.SetCooldown(1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := rt.SetFallbackOn(StatusERateLimited); err != nil {
		t.Fatal(err)
	}
	srv.push(t, 429, "openai/error_429.json")
	srv.push(t, 200, "openai/chat_completion.json", "repeat=2")
	if r, err = rt.Chat(context.Background(), []Message{User("hi")}); err != nil || r.Tried != "primary=LLMK_E_RATE_LIMITED,backup=LLMK_OK" {
		t.Fatalf("%v %+v", err, r)
	}
	if c, _ := rt.Cooling(0); !c {
		t.Error("primary should rest")
	}
	if r, err = rt.Chat(context.Background(), []Message{User("hi")}); err != nil || r.Tried != "backup=LLMK_OK" {
		t.Fatalf("%v %+v", err, r)
	}
	if _, err := rt.Cooling(7); !errors.Is(err, ErrInvalidArg) {
		t.Error(err)
	}
	if srv.count(t) != 6 {
		t.Errorf("server saw %d requests", srv.count(t))
	}
	// A plain client's answers name no deployment.
	srv.push(t, 200, "openai/chat_completion.json")
	if r, err := primary.Chat(context.Background(), []Message{User("hi")}); err != nil || r.Deployment != "" {
		t.Errorf("%v %+v", err, r)
	}
}

func TestRouterWeightsAndErrors(t *testing.T) {
	a := newTestClient(t)
	rt, err := NewRouter(RouteWeighted, Deployment{Name: "a", Client: a, Weight: 1}, Deployment{Name: "b", Client: a, Weight: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	srv.push(t, 200, "openai/chat_completion.json", "repeat=40")
	n := map[string]int{}
	for i := 0; i < 40; i++ {
		r, err := rt.Chat(context.Background(), []Message{User("hi")})
		if err != nil {
			t.Fatal(err)
		}
		n[r.Deployment]++
	}
	if n["a"] != 10 || n["b"] != 30 {
		t.Errorf("shares %v", n)
	}
	if err := rt.Add(Deployment{Name: "a", Client: a}); !errors.Is(err, ErrConfig) {
		t.Errorf("duplicate name: %v", err)
	}
	if err := rt.Add(Deployment{Name: "x,y", Client: a}); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("bad name: %v", err)
	}
	if _, err := NewRouter(Route(9)); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("bad strategy: %v", err)
	}
	empty, _ := NewRouter(RouteFallback)
	if _, err := empty.Chat(context.Background(), []Message{User("hi")}); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("empty router: %v", err)
	}
	empty.Close()
	empty.Close()
	if _, err := empty.Chat(context.Background(), []Message{User("hi")}); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("closed router: %v", err)
	}
}

func TestRouterStream(t *testing.T) {
	primary := newTestClient(t)
	backup, err := NewClient("openai/gpt-4o", BaseURL(srv.url), APIKey("sk-test-not-real"), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer backup.Close()
	rt, err := NewRouter(RouteFallback, Deployment{Name: "primary", Client: primary}, Deployment{Name: "backup", Client: backup})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	srv.push(t, 503, "-", "header=content-type:application/json")
	srv.push(t, 200, "openai/chat_stream.sse", "write_size=40")
	var text strings.Builder
	r, err := rt.Stream(context.Background(), []Message{User("Say hello")}, func(e Event) error {
		if e.Type == EventTypeText {
			text.WriteString(e.Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if text.Len() == 0 || text.String() != r.Text || r.Deployment != "backup" ||
		r.Tried != "primary=LLMK_E_OVERLOADED,backup=LLMK_OK" {
		t.Errorf("%q %q %q %q", text.String(), r.Text, r.Deployment, r.Tried)
	}
}

// A NUL used to cut a string (the key went out as "sk-abc", the model as
// "gpt"): every string is refused with an error, before any request.
func TestNULRefused(t *testing.T) {
	c := newTestClient(t)
	isInvalid := func(what string, err error) {
		t.Helper()
		var e *Error
		if !errors.As(err, &e) || e.Status != StatusEInvalidArg || !strings.Contains(e.Detail, "NUL") {
			t.Errorf("%s: %v", what, err)
		} else if strings.Contains(e.Detail, "X-Inj") {
			t.Errorf("%s: the error quotes the value: %s", what, e.Detail)
		}
	}
	_, err := NewClient("openai/gpt-4o-mini", BaseURL(srv.url), APIKey("sk-abc\x00X-Inj: 1"))
	isInvalid("api key", err)
	_, err = NewClient("openai/gpt\x00evil", BaseURL(srv.url), APIKey("sk-test"))
	isInvalid("model", err)
	_, err = NewClient("openai/gpt-4o-mini", BaseURL(srv.url), With("api_key\x00junk", "sk-test"))
	isInvalid("option name", err)
	ctx := context.Background()
	_, err = c.Chat(ctx, []Message{User("hi")}, Model("gpt\x00evil"))
	isInvalid("request model", err)
	_, err = c.Chat(ctx, []Message{User("hi\x00there")})
	isInvalid("message", err)
	_, err = c.Embed(ctx, []string{"ok", "not\x00ok"})
	isInvalid("embedding input", err)
	_, err = c.Image(ctx, "a\x00cat")
	isInvalid("prompt", err)
	if n := srv.count(t); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

// The agent loop with AddResponse: the next request carries the turn as the
// provider needs it back (Anthropic: thinking with its signature, first),
// for whole and streamed answers, and after the garbage collector ran.
func TestConversationAddResponse(t *testing.T) {
	const sig = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"
	srv.do(t, "reset")
	c, err := NewClient("anthropic/claude-sonnet-4-5", BaseURL(srv.url), APIKey("sk-ant-not-real"),
		Timeout(20*time.Second), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.push(t, 200, "anthropic/message_tool_use.json")
	srv.push(t, 200, "anthropic/stream_tools.sse", "write_size=23")
	srv.push(t, 200, "anthropic/message.json")
	ctx := context.Background()
	conv := Conversation{User("Weather and time in Paris?")}
	r, err := c.Chat(ctx, conv, With("reasoning_budget", 2048))
	if err != nil || len(r.ToolCalls) != 2 {
		t.Fatalf("round 1: %v %+v", err, r)
	}
	conv.AddResponse(r)
	for _, call := range r.ToolCalls {
		conv.AddToolResult(call.ID, "ok "+call.Name)
	}
	r = nil
	runtime.GC()
	runtime.GC()
	r2, err := c.Stream(ctx, conv, func(Event) error { return nil })
	if err != nil || len(r2.ToolCalls) != 2 {
		t.Fatalf("round 2: %v %+v", err, r2)
	}
	copied := *r2 // the turn is plain data
	r2 = nil
	runtime.GC()
	conv.AddResponse(&copied)
	conv.AddToolResult(copied.ToolCalls[0].ID, "18 C")
	conv.AddToolResult(copied.ToolCalls[1].ID, "14:05")
	final, err := c.Chat(ctx, conv)
	if err != nil || final.Text == "" {
		t.Fatalf("final: %v %+v", err, final)
	}
	_, body := srv.request(t, 1)
	msgs := body["messages"].([]any)
	turn := msgs[1].(map[string]any)["content"].([]any)
	first := turn[0].(map[string]any)
	if first["type"] != "thinking" || first["signature"] != sig ||
		first["thinking"] != "The user wants weather and the local time." {
		t.Fatalf("round 2 turn starts with %v", first)
	}
	if turn[1].(map[string]any)["type"] != "redacted_thinking" || len(turn) != 7 {
		t.Fatalf("round 2 turn: %v", turn)
	}
	// the server tool's call and result go back whole, in place
	if turn[4].(map[string]any)["type"] != "server_tool_use" ||
		turn[5].(map[string]any)["type"] != "web_search_tool_result" ||
		turn[6].(map[string]any)["type"] != "tool_use" {
		t.Fatalf("round 2 turn: %v", turn)
	}
	if final.Tokens.CacheWrite != 200 || final.Tokens.CacheWrite1H != 120 {
		t.Fatalf("final usage: %+v", final.Tokens)
	}
	_, body = srv.request(t, 2)
	msgs = body["messages"].([]any)
	if len(msgs) != 5 || msgs[3].(map[string]any)["content"].([]any)[0].(map[string]any)["signature"] != sig {
		t.Fatalf("round 3: %v", msgs)
	}
}

// A refusal is its own field and finish; a hand-made answer adds its text
// and calls.
func TestRefusalAndHandMadeTurn(t *testing.T) {
	c := newTestClient(t)
	defer c.Close()
	srv.push(t, 200, "openai/chat_refusal.json")
	srv.push(t, 200, "openai/chat_completion.json")
	ctx := context.Background()
	r, err := c.Chat(ctx, []Message{User("pick a lock")})
	if err != nil || r.Text != "" || !strings.HasPrefix(r.Refusal, "I'm sorry") || r.Finish != FinishRefusal {
		t.Fatalf("%v %+v", err, r)
	}
	made := &ChatResponse{Text: "Earlier answer.", ToolCalls: []ToolCall{{ID: "call_1", Name: "f", Arguments: "{}"}}}
	var conv Conversation
	conv.Add(User("hi"))
	conv.AddResponse(made)
	conv.AddToolResult("call_1", "x")
	conv.AddResponse(r)
	conv.Add(User("why?"))
	if _, err := c.Chat(ctx, conv); err != nil {
		t.Fatal(err)
	}
	_, body := srv.request(t, 1)
	msgs := body["messages"].([]any)
	if msgs[1].(map[string]any)["content"] != "Earlier answer." || msgs[3].(map[string]any)["content"] != r.Refusal {
		t.Fatalf("%v", msgs)
	}
}

func TestDocuments(t *testing.T) {
	c := newTestClient(t)
	defer c.Close()
	srv.push(t, 200, "openai/chat_completion.json")
	m := User("Summarise.")
	m.Documents = []Document{{Data: []byte("%PDF-1.7\n"), MIME: "application/pdf", Name: "r.pdf"},
		{Data: []byte("plain notes"), MIME: "text/plain"}}
	if _, err := c.Chat(context.Background(), []Message{m}); err != nil {
		t.Fatal(err)
	}
	_, body := srv.request(t, 0)
	parts := body["messages"].([]any)[0].(map[string]any)["content"].([]any)
	file := parts[1].(map[string]any)["file"].(map[string]any)
	if file["filename"] != "r.pdf" || file["file_data"] != "data:application/pdf;base64,JVBERi0xLjcK" ||
		parts[2].(map[string]any)["text"] != "plain notes" {
		t.Fatalf("%v", parts)
	}
	bad := User("x")
	bad.Documents = []Document{{Data: []byte("x"), MIME: "application/msword"}}
	if _, err := c.Chat(context.Background(), []Message{bad}); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("%v", err)
	}
}

func TestEditImageAndVariation(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/image_b64.json")
	r, err := c.EditImage(context.Background(), []InputImage{{Data: []byte("PNG one")},
		{Data: []byte("JPEG two"), MIME: "image/jpeg", Filename: "two.jpg"}}, "add a hat", []byte("PNG mask"),
		Model("gpt-image-1"), With("image_input_fidelity", "high"))
	if err != nil || len(r.Images) != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	req, _ := srv.request(t, 0)
	if req.Target != "/v1/images/edits" || strings.Count(req.Body, `name="image[]"`) != 2 ||
		!strings.Contains(req.Body, `filename="two.jpg"`+"\r\nContent-Type: image/jpeg") ||
		!strings.Contains(req.Body, `name="mask"; filename="mask.png"`) ||
		!strings.Contains(req.Body, "name=\"input_fidelity\"\r\n\r\nhigh\r\n") ||
		!strings.Contains(req.Body, "name=\"prompt\"\r\n\r\nadd a hat\r\n") {
		t.Errorf("%+v", req)
	}
	srv.push(t, 200, "openai/image_url.json")
	r, err = c.EditImage(context.Background(), []InputImage{{Data: []byte("PNG one")}}, "", nil, Model("dall-e-2"))
	if err != nil || len(r.Images) != 2 {
		t.Fatalf("%+v %v", r, err)
	}
	if req, _ = srv.request(t, 1); req.Target != "/v1/images/variations" {
		t.Errorf("%+v", req)
	}
	if _, err = c.EditImage(context.Background(), []InputImage{{Data: []byte("GIF89a"), MIME: "image/gif"}}, "x", nil); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("gif: %v", err)
	}
}

func TestTranslateWordsLogprobs(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/transcription.json")
	r, err := c.Translate(context.Background(), []byte("RIFF"), "a.wav", Model("whisper-1"))
	if err != nil || !strings.HasPrefix(r.Text, "And so my fellow Americans") {
		t.Fatalf("%+v %v", r, err)
	}
	if req, _ := srv.request(t, 0); req.Target != "/v1/audio/translations" {
		t.Errorf("%+v", req)
	}
	srv.push(t, 200, "openai/transcription_words.json")
	r, err = c.Transcribe(context.Background(), []byte("RIFF"), "a.wav", Model("whisper-1"),
		With("transcript_format", "verbose_json"), With("timestamps", "word"))
	if err != nil || len(r.Words) != 2 || r.Words[1].Text != "volleyball" || r.Words[1].End != 7.900000095367432 {
		t.Fatalf("%+v %v", r, err)
	}
	if req, _ := srv.request(t, 1); !strings.Contains(req.Body, "name=\"timestamp_granularities[]\"\r\n\r\nword\r\n") {
		t.Errorf("%+v", req)
	}
	srv.push(t, 200, "openai/transcription_logprobs.json")
	r, err = c.Transcribe(context.Background(), []byte("RIFF"), "a.wav", Model("gpt-4o-transcribe"), With("logprobs", 1))
	if err != nil || len(r.Logprobs) != 16 || r.Logprobs[0].Token != "Hey" || r.Logprobs[0].Logprob != -1.0415299 {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestChoicesLogprobs(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/chat_choices_logprobs.json")
	r, err := c.Chat(context.Background(), []Message{User("hi")}, With("choices", 2), With("logprobs", 1),
		With("top_logprobs", 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Choices) != 2 || r.Choices[1] != (Choice{"Hi there", "length"}) || r.Choices[0].Text != r.Text {
		t.Errorf("%+v", r.Choices)
	}
	if len(r.Logprobs) != 2 || len(r.Logprobs[1].Top) != 2 || r.Logprobs[1].Top[1].Token != " there" {
		t.Errorf("%+v", r.Logprobs)
	}
	_, body := srv.request(t, 0)
	if body["n"] != float64(2) || body["logprobs"] != true || body["top_logprobs"] != float64(2) {
		t.Errorf("%v", body)
	}
}

func TestStreamTranscribeAndSpeak(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "openai/transcription_stream.sse", "write_size=9")
	var text strings.Builder
	n := 0
	r, err := c.StreamTranscribe(context.Background(), []byte("RIFF"), "a.wav", func(e Event) error {
		if e.Type == EventTypeText {
			text.WriteString(e.Text)
			n++
		}
		return nil
	}, Model("gpt-4o-mini-transcribe"))
	if err != nil || n != 31 || text.String() != r.Text || !strings.HasSuffix(r.Text, "wonderful world.") {
		t.Fatalf("%d %q %+v %v", n, text.String(), r, err)
	}
	audio, _ := os.ReadFile(filepath.Join("..", "..", "tests", "data", "openai", "speech_stream.bin"))
	srv.push(t, 200, "openai/speech_stream.sse", "write_size=5")
	var got []byte
	s, err := c.StreamSpeak(context.Background(), "hello", func(e Event) error {
		if e.Type == EventTypeAudio {
			got = append(got, e.Data...)
		}
		return nil
	}, Model("gpt-4o-mini-tts"), With("stream_format", "sse"))
	if err != nil || len(audio) == 0 || string(got) != string(audio) || string(s.Audio) != string(audio) ||
		s.MIME != "audio/mpeg" || s.Tokens.Output != 101 {
		t.Fatalf("%d %+v %v", len(got), s, err)
	}
	stop := errors.New("enough")
	srv.push(t, 200, "openai/speech_stream.sse")
	if _, err = c.StreamSpeak(context.Background(), "hello", func(e Event) error { return stop },
		Model("gpt-4o-mini-tts"), With("stream_format", "sse")); err != stop {
		t.Errorf("stop: %v", err)
	}
}

// ReasoningEffort becomes Anthropic's adaptive thinking and effort on a
// model that takes it; StrictTools puts strict on every tool definition; a
// value the model cannot take is refused before sending.
func TestReasoningEffortAndStrictTools(t *testing.T) {
	srv.do(t, "reset")
	c, err := NewClient("anthropic/claude-opus-4-7", BaseURL(srv.url), APIKey("sk-ant-not-real"),
		Timeout(20*time.Second), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.push(t, 200, "anthropic/message.json")
	ctx := context.Background()
	tool := Tool{Name: "lookup", Parameters: map[string]any{"type": "object",
		"properties": map[string]any{"q": map[string]any{"type": "string"}}, "required": []string{"q"},
		"additionalProperties": false}}
	if _, err := c.Chat(ctx, []Message{User("hi")}, Tools(tool), ReasoningEffort("xhigh"), StrictTools(true)); err != nil {
		t.Fatal(err)
	}
	_, body := srv.request(t, 0)
	if body["thinking"].(map[string]any)["type"] != "adaptive" ||
		body["output_config"].(map[string]any)["effort"] != "xhigh" ||
		body["tools"].([]any)[0].(map[string]any)["strict"] != true {
		t.Fatalf("body: %v", body)
	}
	_, err = c.Chat(ctx, []Message{User("hi")}, ReasoningEffort("minimal"))
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusEInvalidArg || !strings.Contains(e.Detail, "not 'minimal'") {
		t.Fatalf("minimal: %v", err)
	}
}

func TestRerank(t *testing.T) {
	srv.do(t, "reset")
	c, err := NewClient("vllm/bge-reranker-v2-m3", BaseURL(srv.url), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.push(t, 200, "kinds/llamacpp_rerank.json")
	r, err := c.Rerank(context.Background(), "What is panda?", []string{"hi", "it is a bear", "world"}, TopN(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Results) != 3 || r.Results[0].Index != 1 || r.Results[0].Document != "it is a bear" ||
		r.Results[2].Score > -10 || r.Tokens.Input != 51 {
		t.Errorf("%+v", r)
	}
	req, body := srv.request(t, 0)
	if req.Target != "/v1/rerank" || body["query"] != "What is panda?" || body["top_n"] != float64(3) {
		t.Errorf("%+v %v", req, body)
	}
	_, err = c.Rerank(context.Background(), "q", []string{"a"}, TopN(2))
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusEInvalidArg || !strings.Contains(e.Detail, "top_n is 2") {
		t.Errorf("%v", err)
	}
}

func TestCountTokens(t *testing.T) {
	srv.do(t, "reset")
	c, err := NewClient("openai-responses/gpt-5", BaseURL(srv.url), APIKey("sk-test-not-real"), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.push(t, 200, "kinds/openai_input_tokens.json")
	n, err := c.CountTokens(context.Background(), []Message{System("Be brief."), User("Tell me a joke.")})
	if err != nil || n != 123 {
		t.Fatalf("%d %v", n, err)
	}
	req, body := srv.request(t, 0)
	if req.Target != "/v1/responses/input_tokens" || body["model"] != "gpt-5" {
		t.Errorf("%+v %v", req, body)
	}
	o := newTestClient(t)
	_, err = o.CountTokens(context.Background(), []Message{User("hi")})
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusEUnsupported || !strings.Contains(e.Detail, "count_tokens") {
		t.Errorf("%v", err)
	}
}

func TestModerate(t *testing.T) {
	c := newTestClient(t)
	srv.push(t, 200, "kinds/openai_moderation_image.json")
	r, err := c.Moderate(context.Background(), []string{"...text to classify goes here..."},
		[]ModerationImage{{URL: "https://example.com/image.png"}, {Data: []byte{0x89, 'P', 'N', 'G'}, MIME: "image/png"}},
		Model("omni-moderation-latest"))
	if err != nil {
		t.Fatal(err)
	}
	v := r.Results[0].Categories["violence"]
	if len(r.Results) != 1 || !r.Results[0].Flagged || v.Flagged == nil || !*v.Flagged || v.Score < 0.99 ||
		strings.Join(r.Results[0].Categories["sexual"].Inputs, ",") != "text,image" {
		t.Errorf("%+v", r)
	}
	req, body := srv.request(t, 0)
	in := body["input"].([]any)
	if req.Target != "/v1/moderations" || len(in) != 3 ||
		in[2].(map[string]any)["image_url"].(map[string]any)["url"] != "data:image/png;base64,iVBORw==" {
		t.Errorf("%+v %v", req, body)
	}
}

func TestModerateConversation(t *testing.T) {
	srv.do(t, "reset")
	c, err := NewClient("mistral/mistral-moderation-latest", BaseURL(srv.url), APIKey("x"), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.push(t, 200, "kinds/mistral_chat_moderation.json")
	r, err := c.ModerateConversation(context.Background(), []Message{User("How do I get in after closing time?"),
		Assistant("You cannot.")})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Results) != 1 || r.Results[0].Flagged || len(r.Results[0].Categories) != 9 {
		t.Errorf("%+v", r)
	}
	req, body := srv.request(t, 0)
	in := body["input"].([]any)
	if req.Target != "/v1/chat/moderations" || len(in) != 2 || in[1].(map[string]any)["role"] != "assistant" {
		t.Errorf("%+v %v", req, body)
	}
}
