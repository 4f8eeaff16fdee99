module llmkit

go 1.21
