#!/usr/bin/env python3
"""Writes the media stream fixtures (README.md says where each shape comes
from). Run from this folder; the output is committed, so tests need no
Python."""
import base64, json, struct, zlib

def png(w, h, rgba):
    """A w x h PNG of one colour: real image bytes for b64_json fields."""
    raw = b"".join(b"\x00" + bytes(rgba) * w for _ in range(h))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

def sse(events, named=False):
    out = []
    for e in events:
        if named:
            out.append("event: %s\n" % e["type"])
        out.append("data: %s\n\n" % json.dumps(e, separators=(",", ":")))
    return "".join(out)

# 1. Transcription stream: the example of OpenAI's API reference
#    (POST /audio/transcriptions, gpt-4o-mini-transcribe, stream=true).
words = ["I", " see", " skies", " of", " blue", " and", " clouds", " of", " white", ",", " the", " bright",
         " blessed", " days", ",", " the", " dark", " sacred", " nights", ",", " and", " I", " think", " to",
         " myself", ",", " what", " a", " wonderful", " world", "."]
lps = [-0.00007588794, -3.1281633e-7, -2.3392786e-6, -3.1281633e-7, -1.0280384e-6, -0.0005108566,
       -1.9361265e-7, -1.9361265e-7, -7.89631e-7, -0.0014890312, -0.0110956915, 0.0, -0.000045848617,
       -0.000010802739, -0.00001700133, -0.0000118755715, -5.5122365e-7, -5.4385737e-6, -4.00813e-6,
       -0.0036910512, -0.0031903093, -1.504853e-6, -4.3202e-7, -1.9361265e-7, -1.7432603e-6, -0.29254505,
       -0.016815351, -3.1281633e-7, -2.1008714e-6, -8.180258e-6, -0.014231676]
lp = [{"token": w, "logprob": p, "bytes": list(w.encode())} for w, p in zip(words, lps)]
ev = [{"type": "transcript.text.delta", "delta": w, "logprobs": [l]} for w, l in zip(words, lp)]
ev.append({"type": "transcript.text.done", "text": "".join(words), "logprobs": lp,
           "usage": {"input_tokens": 14, "input_token_details": {"text_tokens": 0, "audio_tokens": 14},
                     "output_tokens": 45, "total_tokens": 59}})
open("transcription_stream.sse", "w").write(sse(ev))

# 2. Speech as SSE: the shapes of SpeechAudioDeltaEvent / SpeechAudioDoneEvent
#    (spec v2.3.0; the done example's usage 14/101/115). The audio is ours:
#    an MP3 ID3 header and frame start split over three deltas.
audio = b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64" + bytes(range(64))
parts = [audio[:5], audio[5:40], audio[40:]]
ev = [{"type": "speech.audio.delta", "audio": base64.b64encode(p).decode()} for p in parts]
ev.append({"type": "speech.audio.done", "usage": {"input_tokens": 14, "output_tokens": 101, "total_tokens": 115}})
open("speech_stream.sse", "w").write(sse(ev))
open("speech_stream.bin", "wb").write(audio)

# 3. Image stream: ImageGenPartialImageEvent / ImageGenCompletedEvent
#    (spec v2.3.0 examples, with real PNG bytes; usage from ImagesUsage);
#    the API names each event in the event: line as well.
p0, p1, final = png(2, 2, (200, 0, 0, 255)), png(2, 2, (220, 20, 20, 255)), png(4, 4, (255, 0, 0, 255))
common = {"created_at": 1620000000, "size": "1024x1024", "quality": "high", "background": "transparent",
          "output_format": "png"}
ev = [dict(type="image_generation.partial_image", b64_json=base64.b64encode(p0).decode(), partial_image_index=0, **common),
      dict(type="image_generation.partial_image", b64_json=base64.b64encode(p1).decode(), partial_image_index=1, **common),
      dict(type="image_generation.completed", b64_json=base64.b64encode(final).decode(),
           usage={"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                  "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}, **common)]
open("image_stream.sse", "w").write(sse(ev, named=True))
open("image_final.png", "wb").write(final)
open("image_partial1.png", "wb").write(p1)

# 4. Chat with n = 2 streamed: CreateChatCompletionStreamResponse chunks,
#    one choice each by index, interleaved, with logprobs.content; then the
#    usage chunk (choices []) and [DONE].
base = {"id": "chatcmpl-media2", "object": "chat.completion.chunk", "created": 1741569952,
        "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_06737a9306", "usage": None}


def chunk(idx, delta, fin=None, lp=None):
    c = dict(base)
    c["choices"] = [{"index": idx, "delta": delta, "logprobs": lp, "finish_reason": fin}]
    return c


def lpc(token, logprob):
    return {"content": [{"token": token, "logprob": logprob, "bytes": list(token.encode()), "top_logprobs": []}],
            "refusal": None}


chunks = [chunk(0, {"role": "assistant", "content": "", "refusal": None}),
          chunk(1, {"role": "assistant", "content": "", "refusal": None}),
          chunk(0, {"content": "Hello"}, lp=lpc("Hello", -0.31725305)),
          chunk(1, {"content": "Hi"}, lp=lpc("Hi", -1.3190403)),
          chunk(0, {"content": "!"}, lp=lpc("!", -0.02380986)),
          chunk(1, {"content": " there"}, lp=lpc(" there", -0.5)),
          chunk(0, {}, fin="stop"), chunk(1, {}, fin="length")]
usage = dict(base)
usage["choices"] = []
usage["usage"] = {"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14}
chunks.append(usage)
open("chat_stream_choices.sse", "w").write(
    "".join("data: %s\n\n" % json.dumps(c, separators=(",", ":")) for c in chunks) + "data: [DONE]\n\n")
