#!/usr/bin/env python3
"""A TLS server on 127.0.0.1 for tests/api/test_tls.c: serves the
certificate and key given on the command line, prints "port N" and then
answers every HTTP request (any method, Content-Length bodies) with a fixed
OpenAI chat completion until stdin closes."""
import socket
import ssl
import sys
import threading

ANSWER = (b'{"id":"c","object":"chat.completion","choices":[{"index":0,"message":'
          b'{"role":"assistant","content":"over TLS"},"finish_reason":"stop"}]}')


def serve(conn):
    try:
        f = conn.makefile("rb")
        while True:
            line = f.readline()
            if not line:
                return
            length = 0
            while True:
                h = f.readline()
                if not h or h in (b"\r\n", b"\n"):
                    break
                name, _, value = h.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length:
                f.read(length)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                         % len(ANSWER) + ANSWER)
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        conn.close()


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    print("port %d" % ls.getsockname()[1], flush=True)

    def accept():
        while True:
            try:
                raw, _ = ls.accept()
            except OSError:
                return
            try:
                conn = ctx.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError):
                raw.close()  # the client refused our certificate: that is a test passing
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
