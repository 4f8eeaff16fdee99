package llmkit

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Two clients sharing a local store share their limit: the third request
// fails fast, names the limit and is never sent; waits show in Meta.
func TestStoreSharesRateLimits(t *testing.T) {
	srv.do(t, "reset")
	s, err := NewLocalStore()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var cs []*Client
	for i := 0; i < 2; i++ {
		c, err := NewClient("openai/gpt-4o-mini", BaseURL(srv.url), APIKey("sk-test-not-real"), MaxRetries(0),
			With("rate_limit_rpm", 2), With("rate_limit_max_wait_ms", 0))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs = append(cs, c)
	}
	a, b := cs[0], cs[1]
	for _, c := range cs {
		if err := c.SetStore(s); err != nil {
			t.Fatal(err)
		}
	}
	srv.push(t, 200, "openai/chat_completion.json", "repeat=2")
	r, err := a.Chat(context.Background(), []Message{User("one")})
	if err != nil || r.RateWait != 0 {
		t.Fatalf("%v wait %v", err, r.RateWait)
	}
	if _, err := b.Chat(context.Background(), []Message{User("two")}); err != nil {
		t.Fatal(err)
	}
	_, err = a.Chat(context.Background(), []Message{User("three")})
	var le *Error
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &le) || !strings.Contains(le.Detail, "rate_limit_rpm = 2") {
		t.Fatalf("got %v", err)
	}
	if n := srv.count(t); n != 2 {
		t.Errorf("server saw %d requests", n)
	}
	if err := a.SetStore(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRedisStore("http://127.0.0.1"); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("bad URL: %v", err)
	}
	if _, err := NewRedisStore("rediss://127.0.0.1:6390"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("rediss: %v", err)
	}
}

// Routers sharing a store: a cooldown decided by one is obeyed by the other.
func TestRouterStoreSharesCooldowns(t *testing.T) {
	p := newTestClient(t)
	q, err := NewClient("openai/gpt-4o", BaseURL(srv.url), APIKey("k"), MaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	s, _ := NewLocalStore()
	defer s.Close()
	r1, _ := NewRouter(RouteFallback, Deployment{Name: "p", Client: p}, Deployment{Name: "q", Client: q})
	r2, _ := NewRouter(RouteFallback, Deployment{Name: "p", Client: p}, Deployment{Name: "q", Client: q})
	defer r1.Close()
	defer r2.Close()
	if err := r2.SetPerKey(false); err != nil {
		t.Fatal(err)
	}
	if err := r1.SetCooldown(1, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, rt := range []*Router{r1, r2} {
		if err := rt.SetStore(s); err != nil {
			t.Fatal(err)
		}
	}
	srv.push(t, 429, "openai/error_429.json")
	srv.push(t, 200, "openai/chat_completion.json", "repeat=2")
	if r, err := r1.Chat(context.Background(), []Message{User("hi")}); err != nil || r.Tried != "p=LLMK_E_RATE_LIMITED,q=LLMK_OK" {
		t.Fatalf("%v %+v", err, r)
	}
	if r, err := r2.Chat(context.Background(), []Message{User("hi")}); err != nil || r.Tried != "q=LLMK_OK" {
		t.Fatalf("%v %+v", err, r)
	}
	if n := srv.count(t); n != 3 {
		t.Errorf("server saw %d requests", n)
	}
}

// Two Redis stores on one server and prefix stand for two processes: they
// share a client limit. redis-server is started here on a free port of
// 127.0.0.1 (skipped when it is not installed or the build has no hiredis).
func TestRedisStoreSharesRateLimits(t *testing.T) {
	if Feature(llmk_features())&FeatureRedis == 0 {
		t.Skip("library built without hiredis")
	}
	exe, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (scripts/deps.sh installs it)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(exe, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", os.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; i < 250; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	url := "redis://" + addr + "/0?prefix=gotest" + strconv.Itoa(os.Getpid()) + ":"
	srv.do(t, "reset")
	var cs []*Client
	for i := 0; i < 2; i++ {
		s, err := NewRedisStore(url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		c, err := NewClient("openai/gpt-4o-mini", BaseURL(srv.url), APIKey("sk-test-not-real"), MaxRetries(0),
			With("rate_limit_rpm", 1), With("rate_limit_max_wait_ms", 0))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.SetStore(s); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	srv.push(t, 200, "openai/chat_completion.json")
	if _, err := cs[0].Chat(context.Background(), []Message{User("one")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs[1].Chat(context.Background(), []Message{User("two")}); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("the second store did not see the first's request: %v", err)
	}
	if n := srv.count(t); n != 1 {
		t.Errorf("server saw %d requests", n)
	}
}
