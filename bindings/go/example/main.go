// Command example asks a model one question, then streams a second answer
// and cancels it after two seconds. From bindings/go:
//
//	OPENAI_API_KEY=sk-... go run ./example "Explain RAG in one sentence."
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"llmkit"
)

func main() {
	model := os.Getenv("LLMK_MODEL")
	if model == "" {
		model = "openai/gpt-4o-mini" // key from OPENAI_API_KEY
	}
	question := "Explain retrieval-augmented generation in one sentence."
	if len(os.Args) > 1 {
		question = os.Args[1]
	}
	c, err := llmkit.NewClient(model, llmkit.Timeout(60*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()

	r, err := c.Chat(context.Background(), []llmkit.Message{llmkit.User(question)}, llmkit.Temperature(0.2))
	var le *llmkit.Error
	switch {
	case errors.Is(err, llmkit.ErrAuth):
		fmt.Fprintln(os.Stderr, "set the API key:", err)
		os.Exit(1)
	case errors.As(err, &le):
		fmt.Fprintf(os.Stderr, "%s (HTTP %d)\n", le.Detail, le.HTTPStatus)
		os.Exit(1)
	}
	fmt.Printf("%s\n[%d tokens in, %d out]\n", r.Text, r.Tokens.Input, r.Tokens.Output)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.Stream(ctx, []llmkit.Message{llmkit.User("Count slowly from 1 to 100.")}, func(e llmkit.Event) error {
		if e.Type == llmkit.EventTypeText {
			fmt.Print(e.Text)
		}
		return nil
	})
	fmt.Println()
	if errors.Is(err, context.DeadlineExceeded) {
		fmt.Println("[stopped after 2 s]")
	} else if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
