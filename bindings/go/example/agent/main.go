// Command agent runs an agent loop: the model calls a local function, gets
// its result and answers. The same loop works for every provider. From
// bindings/go:
//
//	ANTHROPIC_API_KEY=... LLMK_MODEL=anthropic/claude-sonnet-4-5 go run ./example/agent
//
// The conversation keeps each answer as its provider needs it back
// (AddResponse: thinking signatures, encrypted reasoning), then the tool
// results (AddToolResult), and is sent again.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"llmkit"
)

var weather = llmkit.Tool{
	Name:        "get_weather",
	Description: "Current weather in a city",
	Parameters: map[string]any{
		"type":                 "object",
		"properties":           map[string]any{"city": map[string]any{"type": "string"}},
		"required":             []string{"city"},
		"additionalProperties": false,
	},
}

// getWeather is the local function the model may call (a real program
// would ask a service).
func getWeather(args string) string {
	var a struct{ City string }
	if err := json.Unmarshal([]byte(args), &a); err != nil {
		return `{"error":"bad arguments"}`
	}
	out, _ := json.Marshal(map[string]any{"city": a.City, "temp_c": 18, "sky": "clear"})
	return string(out)
}

// run asks question and lets the model call tools until it answers.
func run(ctx context.Context, c *llmkit.Client, question string) (*llmkit.ChatResponse, error) {
	conv := llmkit.Conversation{llmkit.User(question)}
	for round := 0; round < 5; round++ {
		resp, err := c.Chat(ctx, conv, llmkit.Tools(weather))
		if err != nil || len(resp.ToolCalls) == 0 {
			return resp, err
		}
		conv.AddResponse(resp) // the assistant's turn, as the provider needs it back
		for _, call := range resp.ToolCalls {
			result := `{"error":"unknown tool"}`
			if call.Name == weather.Name {
				result = getWeather(call.Arguments)
			}
			conv.AddToolResult(call.ID, result)
		}
	}
	return nil, fmt.Errorf("no answer after 5 rounds")
}

func main() {
	model := os.Getenv("LLMK_MODEL")
	if model == "" {
		model = "openai/gpt-4o-mini" // key from OPENAI_API_KEY
	}
	question := "Do I need a jacket in Paris?"
	if len(os.Args) > 1 {
		question = os.Args[1]
	}
	c, err := llmkit.NewClient(model, llmkit.Timeout(120*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()
	answer, err := run(context.Background(), c, question)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if answer.Refusal != "" {
		fmt.Println(answer.Refusal)
		return
	}
	fmt.Println(answer.Text)
}
