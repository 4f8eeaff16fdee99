#!/usr/bin/env python3
"""Regenerates the Gemini fixtures (see README.md). Run from this directory.

Shapes follow GenerateContentResponse / EmbedContentResponse /
BatchEmbedContentsResponse in shared/data/specs/gemini-openapi.json plus the
newer fields of the ai.google.dev reference (thoughtsTokenCount, part.thought,
responseId, thoughtSignature). Formatting follows what the API sends:
non-streamed bodies are pretty-printed with two-space indents; alt=sse chunks
use ": " after keys and "," without a space, events end in CRLF CRLF."""
import base64
import json
import struct
import zlib

MODEL = "gemini-2.5-flash"


def pretty(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def sse(obj, eol="\r\n"):
    return "data: " + json.dumps(obj, separators=(",", ": "), ensure_ascii=False) + eol + eol


def usage(prompt, cand=None, thoughts=None, cached=None):
    u = {"promptTokenCount": prompt}
    if cand is not None:
        u["candidatesTokenCount"] = cand
    total = prompt + (cand or 0) + (thoughts or 0)
    u["totalTokenCount"] = total
    if cached is not None:
        u["cachedContentTokenCount"] = cached
    u["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
    if cached is not None:
        u["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
    if thoughts is not None:
        u["thoughtsTokenCount"] = thoughts
    return u


def chunk(parts, rid, u, finish=None, model=MODEL):
    cand = {"content": {"parts": parts, "role": "model"}}
    if finish:
        cand["finishReason"] = finish
    cand["index"] = 0
    return {"candidates": [cand], "usageMetadata": u, "modelVersion": model, "responseId": rid}


# ---- non-streamed chat --------------------------------------------------
open("generate_content.json", "w").write(pretty({
    "candidates": [{
        "content": {"parts": [{"text": "Hello! How can I help you today?"}], "role": "model"},
        "finishReason": "STOP",
        "avgLogprobs": -0.0581347942352295
    }],
    "usageMetadata": {
        "promptTokenCount": 9, "candidatesTokenCount": 10, "totalTokenCount": 19,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
        "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 10}]
    },
    "modelVersion": "gemini-2.0-flash",
    "responseId": "Yx3kZ9u1J4m0nvgP6Pa1qAc"
}))

open("generate_content_thinking.json", "w").write(pretty({
    "candidates": [{
        "content": {"parts": [
            {"text": "**Counting the letters**\n\nThe word has three r's.", "thought": True},
            {"text": "There are 3 r's in \"strawberry\"."}
        ], "role": "model"},
        "finishReason": "STOP",
        "index": 0
    }],
    "usageMetadata": usage(12, 11, 187, cached=4),
    "modelVersion": MODEL,
    "responseId": "kq82aYD1AdKovr0PjNqGuQk"
}))

open("generate_content_tools.json", "w").write(pretty({
    "candidates": [{
        "content": {"parts": [
            {"functionCall": {"name": "get_weather", "args": {"location": "Paris"}},
             "thoughtSignature": "CiQBcsjafGl0c2lnbmF0dXJlLWZha2UtZm9yLXRlc3RzLW9ubHk="},
            {"functionCall": {"name": "get_time", "args": {"timezone": "Europe/Paris"}}}
        ], "role": "model"},
        "finishReason": "STOP",
        "index": 0,
        "finishMessage": "Model generated function call(s)."
    }],
    "usageMetadata": usage(83, 28, 104),
    "modelVersion": MODEL,
    "responseId": "qpc2afWVFJK4vr0Pq6WiyAU"
}))

open("blocked_prompt.json", "w").write(pretty({
    "promptFeedback": {
        "blockReason": "PROHIBITED_CONTENT"
    },
    "usageMetadata": {
        "promptTokenCount": 7, "totalTokenCount": 7,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 7}]
    },
    "modelVersion": "gemini-2.0-flash",
    "responseId": "bL2kaaqSO5Kovr0P8oW0kQ4"
}))

# ---- streams ---------------------------------------------------------------
rid = "IZI2acSKMoWl0-kPmYj2yQc"
texts = ["Hello", "", "! How can I", " help? \u00e9\u6f22"]
s = ""
cand = 0
for i, t in enumerate(texts):
    cand += 2 if t else 0
    last = i == len(texts) - 1
    s += sse(chunk([{"text": t}], rid, usage(7, cand if cand else None), "STOP" if last else None))
open("stream.sse", "w").write(s)

# thinking: a thought summary first, then the answer; running usage
rid = "pTC2afKcLp2Wvr0PtKaEqQw"
s = sse(chunk([{"text": "**Planning** the answer.", "thought": True}], rid, usage(5, None, 40)))
s += sse(chunk([{"text": "Forty-two."}], rid, usage(5, 3, 40)))
s += sse(chunk([{"text": ""}], rid, usage(5, 3, 40), "STOP"))
open("stream_thinking.sse", "w").write(s)

# tools: functionCall parts arrive whole; LF line endings here (both occur)
rid = "v0K2aZ2cNZKjvr0P0pqC6Ao"
s = sse(chunk([{"text": "Let me check."}], rid, usage(80, 4)), "\n")
s += sse(chunk([{"functionCall": {"name": "get_weather", "args": {"location": "Paris"}},
                 "thoughtSignature": "CiQBcsjafGl0c2lnbmF0dXJlLWZha2UtZm9yLXRlc3RzLW9ubHk="},
                {"functionCall": {"name": "get_time", "args": {"timezone": "Europe/Paris"}}}],
               rid, usage(80, 40), "STOP"), "\n")
open("stream_tools.sse", "w").write(s)

rid = "c1G2acH2E4-1vr0Pp9OJ8Qw"
s = sse(chunk([{"text": "Partial"}], rid, usage(7, 1)))
s += sse({"error": {"code": 500, "message": "An internal error has occurred. Please retry or report in "
                    "https://developers.generativeai.google/guide/troubleshooting", "status": "INTERNAL"}})
open("stream_error.sse", "w").write(s)

rid = "d2H2adL3F5-2vr0Pq0PK9Rw"
s = sse(chunk([{"text": "Cut"}], rid, usage(7, 1)))
s += sse(chunk([{"text": " short"}], rid, usage(7, 2)))
open("stream_truncated.sse", "w").write(s)

s = sse({"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}]},
    "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9,
                      "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}]},
    "modelVersion": "gemini-2.0-flash", "responseId": "e3I2aeM4G6-3vr0Pr1QL0Sw"})
open("stream_blocked.sse", "w").write(s)

# ---- embeddings ------------------------------------------------------------
open("embed_single.json", "w").write(pretty({"embedding": {"values": [
    0.013168523, -0.008711934, -0.046782676, 0.00069968984]}}))
open("embed_batch.json", "w").write(pretty({"embeddings": [
    {"values": [0.5, -0.25, 0.125, 1]},
    {"values": [-0.0138233835, 0.0094287582, -0.0453027, 0.0071125627]}]}))

# ---- image -----------------------------------------------------------------


def png_1x1_red():
    def chunk_(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk_(b"IHDR", ihdr) + chunk_(b"IDAT", idat) + chunk_(b"IEND", b"")


png = png_1x1_red()
open("red_pixel.png", "wb").write(png)
open("image.json", "w").write(pretty({
    "candidates": [{
        "content": {"parts": [
            {"text": "Here is a single red pixel."},
            {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(png).decode()}}
        ], "role": "model"},
        "finishReason": "STOP",
        "index": 0
    }],
    "usageMetadata": {
        "promptTokenCount": 6, "candidatesTokenCount": 1297, "totalTokenCount": 1303,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 6}],
        "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1290}]
    },
    "modelVersion": "gemini-2.5-flash-image",
    "responseId": "f4J2aeN5H7-4vr0Ps2RM1Tw"
}))

# ---- errors ----------------------------------------------------------------
open("error_400_api_key.json", "w").write(pretty({"error": {
    "code": 400,
    "message": "API key not valid. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT",
    "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
         "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}},
        {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US",
         "message": "API key not valid. Please pass a valid API key."}]}}))
open("error_400_invalid.json", "w").write(pretty({"error": {
    "code": 400,
    "message": "Invalid JSON payload received. Unknown name \"foo\": Cannot find field.",
    "status": "INVALID_ARGUMENT",
    "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
        {"description": "Invalid JSON payload received. Unknown name \"foo\": Cannot find field."}]}]}}))
open("error_400_context.json", "w").write(pretty({"error": {
    "code": 400,
    "message": "The input token count (1199145) exceeds the maximum number of tokens allowed (1048576).",
    "status": "INVALID_ARGUMENT"}}))
open("error_403.json", "w").write(pretty({"error": {
    "code": 403,
    "message": "Method doesn't allow unregistered callers (callers without established identity). "
               "Please use API Key or other form of API consumer identity to call this API.",
    "status": "PERMISSION_DENIED"}}))
open("error_404.json", "w").write(pretty({"error": {
    "code": 404,
    "message": "models/gemini-9.0-ultra is not found for API version v1beta, or is not supported for "
               "generateContent. Call ListModels to see the list of available models and their supported methods.",
    "status": "NOT_FOUND"}}))
open("error_429.json", "w").write(pretty({"error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details. For more information "
               "on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
            {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
             "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
             "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"}, "quotaValue": "15"}]},
        {"@type": "type.googleapis.com/google.rpc.Help", "links": [
            {"description": "Learn more about Gemini API quotas",
             "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "47s"}]}}))
open("error_500.json", "w").write(pretty({"error": {
    "code": 500,
    "message": "An internal error has occurred. Please retry or report in "
               "https://developers.generativeai.google/guide/troubleshooting",
    "status": "INTERNAL"}}))
open("error_503.json", "w").write(pretty({"error": {
    "code": 503,
    "message": "The model is overloaded. Please try again later.",
    "status": "UNAVAILABLE"}}))

# ---- Gemini 3: thought signatures ------------------------------------------
# ai.google.dev/gemini-api/docs/thought-signatures: a signature on the first
# functionCall part of a step (parallel calls after it carry none), on the
# last part of an answer without calls, in streams possibly on a part of
# its own with empty text. Signatures are made-up base64.
G3 = "gemini-3-pro-preview"
SIG_CALL = base64.b64encode(b"\x0a\x24\x01signed-call-step-1-made-up-for-tests").decode()
SIG_TEXT = base64.b64encode(b"\x0a\x24\x01signed-text-made-up-for-tests-only").decode()
open("generate_content_signed.json", "w").write(pretty({
    "candidates": [{
        "content": {"parts": [
            {"text": "**Checking two things** at once.", "thought": True},
            {"text": "Let me check."},
            {"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}, "thoughtSignature": SIG_CALL},
            {"functionCall": {"name": "get_time", "args": {"timezone": "Europe/Paris"}}}],
            "role": "model"},
        "finishReason": "STOP", "index": 0, "finishMessage": "Model generated function call(s)."}],
    "usageMetadata": usage(83, 28, 104), "modelVersion": G3, "responseId": "sG3hafWVFJK4vr0Pq6WiyAU"}))

rid = "sG3iafKcLp2Wvr0PtKaEqQw"
s = sse(chunk([{"text": "**Checking two things** at once.", "thought": True}], rid, usage(83, None, 104), None, G3))
s += sse(chunk([{"text": "Let me "}], rid, usage(83, 2, 104), None, G3))
s += sse(chunk([{"text": "check."}], rid, usage(83, 4, 104), None, G3))
s += sse(chunk([{"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}, "thoughtSignature": SIG_CALL},
                {"functionCall": {"name": "get_time", "args": {"timezone": "Europe/Paris"}}}],
               rid, usage(83, 28, 104), "STOP", G3))
open("stream_signed.sse", "w").write(s)

rid = "sG3jafKcLp2Wvr0PtKaEqQw"
s = sse(chunk([{"text": "It is 18 C"}], rid, usage(140, 5, 30), None, G3))
s += sse(chunk([{"text": " and 14:05 in Paris."}], rid, usage(140, 11, 30), None, G3))
s += sse(chunk([{"text": "", "thoughtSignature": SIG_TEXT}], rid, usage(140, 11, 30), "STOP", G3))
open("stream_signed_text.sse", "w").write(s)
