// Command batch classifies texts through the provider's batch API, at its
// batch price. From bindings/go:
//
//	OPENAI_API_KEY=... go run ./example/batch submit
//	OPENAI_API_KEY=... go run ./example/batch collect BATCH_ID
//
// The batch lives at the provider (up to 24 hours): submit prints its id and
// exits; collect, from any process, waits for the end and prints each answer
// with its cost.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"llmkit"
)

func main() {
	model := os.Getenv("LLMK_MODEL")
	if model == "" {
		model = "openai/gpt-4o-mini" // also anthropic/..., gemini/...
	}
	c, err := llmkit.NewClient(model, llmkit.Timeout(2*time.Minute))
	if err != nil {
		fail(err)
	}
	defer c.Close()
	ctx := context.Background()
	switch {
	case len(os.Args) == 2 && os.Args[1] == "submit":
		b, err := c.NewBatch()
		if err != nil {
			fail(err)
		}
		defer b.Close()
		reviews := []string{"The battery lasts two days, great.", "Broke after a week.", "It does the job."}
		for i, text := range reviews {
			msgs := []llmkit.Message{llmkit.System("Answer positive, negative or neutral."), llmkit.User(text)}
			if err := b.AddChat(fmt.Sprintf("review-%d", i), msgs, llmkit.MaxTokens(5)); err != nil {
				fail(err)
			}
		}
		id, err := b.Submit(ctx)
		if err != nil {
			fail(err)
		}
		fmt.Println(id)
	case len(os.Args) == 3 && os.Args[1] == "collect":
		b, err := c.OpenBatch(ctx, os.Args[2])
		if err != nil {
			fail(err)
		}
		defer b.Close()
		progress := func(b *llmkit.Batch) { fmt.Fprintln(os.Stderr, b.State(), b.Counts()) }
		if err := b.Wait(ctx, time.Minute, progress); err != nil {
			fail(err)
		}
		results, err := b.Results(ctx)
		if err != nil {
			fail(err)
		}
		total := 0.0
		for _, r := range results {
			if r.Err != nil {
				fmt.Println(r.CustomID, "failed:", r.Err)
				continue
			}
			if r.Chat.Cost > 0 {
				total += r.Chat.Cost
			}
			fmt.Println(r.CustomID, r.Chat.Text)
		}
		fmt.Printf("cost at the batch price: $%.6f\n", total)
	default:
		fmt.Fprintln(os.Stderr, "usage: batch submit | batch collect BATCH_ID")
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
