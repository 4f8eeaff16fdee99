package llmkit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func cachedClient(t *testing.T, key string, opts ...Opt) *Client {
	c, err := NewClient("openai/gpt-4o-mini", append([]Opt{BaseURL(srv.url), APIKey(key),
		Timeout(20 * time.Second), MaxRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The response cache: a hit makes no request and is marked; another key
// for the same request hits; a changed parameter and a bypass miss; a
// stream replays the stored answer; the SQLite file is shared by clients
// and holds no key.
func TestCache(t *testing.T) {
	if Feature(llmk_features())&FeatureSqlite == 0 {
		t.Skip("libllmkit without SQLite")
	}
	srv.do(t, "reset")
	path := filepath.Join(t.TempDir(), "answers.db")
	cache, err := NewSQLiteCache(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv.push(t, 200, "openai/chat_completion.json")
	c := cachedClient(t, "sk-test-not-real", WithCache(cache))
	a, err := c.Chat(ctx, []Message{User("Say hello")})
	if err != nil || a.Cached {
		t.Fatal(err, a)
	}
	b, err := c.Chat(ctx, []Message{User("Say hello")})
	if err != nil || !b.Cached || b.Text != a.Text || b.Attempts != 0 || string(b.Raw) != string(a.Raw) {
		t.Fatalf("%v %+v", err, b)
	}
	other := cachedClient(t, "sk-another-key", WithCache(cache))
	var text strings.Builder
	s, err := other.Stream(ctx, []Message{User("Say hello")}, func(e Event) error {
		if e.Type == EventTypeText {
			text.WriteString(e.Text)
		}
		return nil
	})
	if err != nil || !s.Cached || text.String() != a.Text {
		t.Fatalf("%v %+v %q", err, s, text.String())
	}
	if n := srv.count(t); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	srv.push(t, 200, "openai/chat_completion.json")
	srv.push(t, 200, "openai/chat_completion.json")
	if d, err := c.Chat(ctx, []Message{User("Say hello")}, Temperature(0.5)); err != nil || d.Cached {
		t.Fatal(err, d)
	}
	if d, err := c.Chat(ctx, []Message{User("Say hello")}, With("cache", 0)); err != nil || d.Cached {
		t.Fatal(err, d)
	}
	if n := srv.count(t); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	c.Close()
	other.Close()
	cache.Close()
	data, err := os.ReadFile(path)
	if err != nil || strings.Contains(string(data), "sk-test-not-real") || len(data) == 0 {
		t.Fatalf("%v: %d bytes", err, len(data))
	}
	if _, err := NewSQLiteCache(filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")); err == nil {
		t.Fatal("a cache in a missing directory opened")
	}
}

func TestCacheMemoryTTL(t *testing.T) {
	srv.do(t, "reset")
	cache, err := NewMemoryCache(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	c := cachedClient(t, "sk-test-not-real", WithCache(cache), CacheTTL(200*time.Millisecond))
	ctx := context.Background()
	srv.push(t, 200, "openai/chat_completion.json")
	srv.push(t, 200, "openai/chat_completion.json")
	for i, want := range []bool{false, true} {
		r, err := c.Chat(ctx, []Message{User("ttl")})
		if err != nil || r.Cached != want {
			t.Fatalf("send %d: %v cached=%v", i, err, r.Cached)
		}
	}
	time.Sleep(600 * time.Millisecond)
	if r, err := c.Chat(ctx, []Message{User("ttl")}); err != nil || r.Cached {
		t.Fatal(err, r)
	}
	if n := srv.count(t); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	if _, err := NewClient("openai/x", WithCache(nil)); err == nil {
		t.Fatal("WithCache(nil) accepted")
	}
}
